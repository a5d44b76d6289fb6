"""Parsers for NCBI E-utilities answers: PubMed XML -> :class:`Record`, esearch, elink, ecitmatch.

This is the public face of the parsing layers: :mod:`mscterm.ncbi.safexml` (hardened lxml
parsing, DOCTYPE/entity refusal, errors hidden in HTTP 200 bodies), :mod:`mscterm.ncbi.articles`
(the PubMed record builder), :mod:`mscterm.ncbi.xmltext` (mixed content -> plain text) and
:mod:`mscterm.ncbi.answers` (esearch, elink, ecitmatch, whose parsers are re-exported here).

* **Speed.** DESIGN.md asks for >= 20x Biopython's ``Entrez.read`` (``bench/bench_parse.py``).
  :func:`parse_pubmed_xml` builds the tree of a body already in memory in one go;
  :func:`iter_pubmed_xml` feeds lxml's event parser (the engine under ``iterparse``) piece by
  piece, takes end events of the article elements only, and clears each article once read, so
  memory stays flat on sets of thousands.
* **Ids are checked.** A record whose PMID is not 1-9 ASCII digits is left out, the good records
  of the same answer kept, and one sentence saying so goes to ``warnings`` when the caller
  passes a list (see :mod:`mscterm.ncbi.answers`).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from mscterm.model import Record
from mscterm.ncbi.answers import (
    is_valid_pmid,
    note_invalid,
    parse_ecitmatch,
    parse_elink,
    parse_esearch,
)
from mscterm.ncbi.article_fields import COMMENT_TYPES
from mscterm.ncbi.articles import ARTICLE_TAGS, article_record
from mscterm.ncbi.errors import ErrorResponse, TruncatedResponse
from mscterm.ncbi.safexml import (
    PARSER_OPTIONS,
    check_internal_dtd,
    check_rate_limit_body,
    chunks,
    message_text,
    parse_document,
)
from mscterm.ncbi.xmltext import text

__all__ = [
    "COMMENT_TYPES",
    "check_rate_limit_body",
    "iter_pubmed_xml",
    "parse_ecitmatch",
    "parse_elink",
    "parse_esearch",
    "parse_pubmed_xml",
]


# --------------------------------------------------------------------------------------------
# efetch: PubmedArticleSet -> records
# --------------------------------------------------------------------------------------------


def _not_a_set(root: etree._Element) -> ErrorResponse:
    return ErrorResponse(
        f"expected a PubmedArticleSet from efetch, got <{message_text(str(root.tag), 80)}>"
    )


def _drain(parser: etree.XMLPullParser, state: dict[str, bool], bad: list[str]) -> Iterator[Record]:
    """Records of the article elements completed so far; each is freed once read."""
    for _, el in parser.read_events():
        parent = el.getparent()
        if el.tag == "ERROR":
            # Only NCBI's own <ERROR> (the root or a child of it) is an error report.
            if parent is None or parent.getparent() is None:
                message = text(el)
                if message:
                    raise ErrorResponse(message_text(message, 1000))
            continue
        if not state["checked"]:
            state["checked"] = True
            check_internal_dtd(el)  # defence in depth behind safexml.scan_prolog
            root = el.getroottree().getroot()
            if root.tag != "PubmedArticleSet":
                raise _not_a_set(root)
        record = article_record(el)
        # Free what was just read: the element's subtree and the emptied siblings before it.
        el.clear(keep_tail=False)
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]
        if record is None:
            continue
        if is_valid_pmid(record.pmid):
            yield record
        else:
            bad.append(record.pmid or "")


def iter_pubmed_xml(
    source: bytes | BinaryIO, *, warnings: list[str] | None = None
) -> Iterator[Record]:
    """Stream :class:`Record`s out of an efetch ``PubmedArticleSet``, in document order.

    ``source`` is the whole body or a binary file object (a cached answer on disk, a large
    history download). The body is fed to lxml's event parser in pieces; each completed article
    element is turned into a record, then cleared and detached, so memory stays bounded by one
    piece however many articles the set holds.

    Raises :class:`UnsafeXMLError` (internal DTD subset), :class:`ErrorResponse` (``<ERROR>``
    with text, JSON error, a document that is not a ``PubmedArticleSet``),
    :class:`RateLimitedError` (rate-limit JSON) and :class:`TruncatedResponse` (not
    well-formed). Errors surface when reached: records yielded before a truncation point were
    real, but a caller that must not keep partial answers should use :func:`parse_pubmed_xml`.
    """
    parser = etree.XMLPullParser(events=("end",), tag=(*ARTICLE_TAGS, "ERROR"), **PARSER_OPTIONS)
    state = {"checked": False}
    bad: list[str] = []
    try:
        for chunk in chunks(source):
            parser.feed(chunk)
            yield from _drain(parser, state, bad)
        root = parser.close()
        yield from _drain(parser, state, bad)
    except etree.XMLSyntaxError as exc:
        raise TruncatedResponse(
            f"PubMed XML is not well-formed (cut off?): {message_text(str(exc))}"
        ) from exc
    finally:
        note_invalid(warnings, "efetch answer", bad)
    if root is None:
        raise TruncatedResponse("PubMed XML has no root element")
    if root.tag != "PubmedArticleSet":
        raise _not_a_set(root)


def parse_pubmed_xml(data: bytes, *, warnings: list[str] | None = None) -> list[Record]:
    """All records of an efetch answer, or an exception and nothing (never a partial list).

    ``<PubmedArticleSet></PubmedArticleSet>`` (no asked-for id exists) gives ``[]``; the
    caller treats the ids it asked for and did not get as missing. The body is already in
    memory, so this builds the tree in one go (about 1.5x faster than event parsing) and
    then walks the articles with the same builder as :func:`iter_pubmed_xml`.
    """
    root = parse_document(data)
    if root.tag != "PubmedArticleSet":
        raise _not_a_set(root)
    records: list[Record] = []
    bad: list[str] = []
    for el in root.iterchildren(*ARTICLE_TAGS):
        record = article_record(el)
        if record is None:
            continue
        if is_valid_pmid(record.pmid):
            records.append(record)
        else:
            bad.append(record.pmid or "")
    note_invalid(warnings, "efetch answer", bad)
    return records
