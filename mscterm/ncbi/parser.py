"""Parsers for NCBI E-utilities answers: PubMed XML -> :class:`Record`, esearch, elink, ecitmatch.

Why this module looks the way it does:

* **Untrusted bytes.** Everything here comes off the network (or a cache of it). lxml runs with
  entity resolution, DTD loading, network access and huge trees all off, and a DOCTYPE with an
  internal subset (the only place an entity bomb or an external ``SYSTEM`` entity can hide) is
  refused with :class:`UnsafeXMLError` *before* lxml sees the document. NCBI's own DOCTYPE is a
  bare ``PUBLIC`` id and passes.
* **Errors inside HTTP 200.** NCBI reports many failures in a 200 body: ``<ERROR>``, the
  rate-limit JSON, an HTML page. Each parser turns them into the typed errors of
  :mod:`mscterm.ncbi.errors` so the client can decide to retry; a body that is not well-formed
  (cut off mid-transfer) is :class:`TruncatedResponse` and nothing from it may be stored.
* **Speed.** DESIGN.md asks for >= 20x Biopython's ``Entrez.read`` (``bench/bench_parse.py``).
  Articles are read by walking children with ``find``/``findtext``/``iterchildren`` -- no
  XPath, no per-record regular expressions. :func:`parse_pubmed_xml` builds the tree of a body
  already in memory in one go; :func:`iter_pubmed_xml` feeds lxml's event parser (the engine
  under ``iterparse``) piece by piece, takes end events of the article elements only, and
  clears each article once read, so memory stays flat on sets of thousands.

Judgement calls (documented here because the DTD allows more than the record JSON can hold):

* ``Season`` such as ``Spring`` gives ``month=None``; a month range such as ``Nov-Dec`` (or a
  ``MedlineDate`` like ``1998 Dec-1999 Jan``) gives its *first* month, because it is a real
  month and citation styles print the issue under it.
* Authors with ``ValidYN="N"`` (names NCBI marks as wrong) are left out, as PubMed's page does.
* ``comments`` keeps the correction/retraction/concern/update/comment links (see
  :data:`COMMENT_TYPES`), never the thousands of ``Cites`` entries.
* Keywords are de-duplicated (book chapters repeat them), order kept.
* elink: an ``<ERROR>`` at the root, or an ``<ERROR>`` when no LinkSet carries any link at all,
  is :class:`ErrorResponse`; an ``<ERROR>`` in one LinkSet while others have links leaves that
  LinkSet empty (the good answers are not thrown away). An empty ``<ERROR/>`` is never an error
  (espell sends one on success).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import BinaryIO

from lxml import etree

from mscterm.model import AbstractSection, Author, Book, MeshHeading, Record
from mscterm.ncbi.errors import ErrorResponse, RateLimitedError, TruncatedResponse, UnsafeXMLError
from mscterm.ncbi.results import CitationMatch, LinkSet, SearchResult

__all__ = [
    "COMMENT_TYPES",
    "check_rate_limit_body",
    "iter_pubmed_xml",
    "parse_ecitmatch",
    "parse_elink",
    "parse_esearch",
    "parse_pubmed_xml",
]

COMMENT_TYPES: frozenset[str] = frozenset(
    {
        "RetractionIn",
        "RetractionOf",
        "PartialRetractionIn",
        "PartialRetractionOf",
        "ErratumIn",
        "ErratumFor",
        "ExpressionOfConcernIn",
        "ExpressionOfConcernFor",
        "CorrectedandRepublishedIn",
        "CorrectedandRepublishedFrom",
        "UpdateIn",
        "UpdateOf",
        "CommentIn",
        "CommentOn",
    }
)
"""CommentsCorrections RefTypes kept in ``Record.comments`` (what a safety reviewer must see)."""

# lxml settings shared by every parse: nothing is fetched, nothing is expanded.
_PARSER_OPTIONS = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}

_ARTICLE_TAGS = ("PubmedArticle", "PubmedBookArticle", "ERROR")
_MAX_PROLOG = 64 * 1024  # NCBI's prolog is ~200 bytes; anything this long is not NCBI
_READ_CHUNK = 64 * 1024
_FEED_CHUNK = 256 * 1024  # bytes per feed() while streaming: bounds the tree held at once

_MONTHS = {
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "may": 5,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}
_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_ORCID_RE = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])")
_YEAR_RE = re.compile(r"\b(\d{4})\b")
_MATH_TAG = "{http://www.w3.org/1998/Math/MathML}math"
_DOCTYPE_STOP_RE = re.compile(rb"[\"'\[>]")
_ERROR_TEXT_RE = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)


# --------------------------------------------------------------------------------------------
# Safety and error pre-checks
# --------------------------------------------------------------------------------------------


def check_rate_limit_body(data: bytes) -> None:
    """Raise :class:`RateLimitedError` when ``data`` is NCBI's rate-limit JSON.

    NCBI answers ``{"error":"API rate limit exceeded","api-key":…,"count":…,"limit":…}``,
    normally with HTTP 429 but sometimes with 200, so the client checks every body. Only the
    first bytes are looked at, so this is cheap on a large efetch answer. The message never
    repeats the ``api-key`` field: it holds the caller's API key or IP address.
    """
    head = bytes(data[:512]).lstrip()
    if not head.startswith(b"{") or b"rate limit" not in head.lower():
        return
    count = limit = None
    try:
        obj = json.loads(bytes(data))
    except (ValueError, UnicodeDecodeError):
        obj = None
    if isinstance(obj, dict):
        if "rate limit" not in str(obj.get("error", "")).lower():
            return
        count, limit = obj.get("count"), obj.get("limit")
    elif not re.search(rb'"error"\s*:\s*"[^"]*rate limit', head, re.I):
        return
    detail = ""
    if count is not None and limit is not None:
        detail = f" ({_clean(str(count))} requests for a limit of {_clean(str(limit))} per second)"
    raise RateLimitedError("NCBI API rate limit exceeded" + detail)


def _check_json_error(head: bytes, data: bytes) -> None:
    """A JSON body where XML was expected: rate limit -> RateLimitedError, else ErrorResponse."""
    check_rate_limit_body(data)
    message = None
    try:
        obj = json.loads(bytes(data))
        if isinstance(obj, dict):
            err = obj.get("error") or obj.get("ERROR")
            if err:
                message = str(err)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ErrorResponse("NCBI answered with JSON instead of XML: " + _clean(message or head[:200]))


def _clean(value: str | bytes, limit: int = 300) -> str:
    """Printable, one-line, bounded text for an error message built from untrusted bytes."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    text = " ".join(_CONTROL_RE.sub(" ", value).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scan_prolog(head: bytes) -> bool:
    """Check the bytes before the root element; True once the root start tag is reached.

    Raises :class:`UnsafeXMLError` for an internal DTD subset (``<!DOCTYPE x [ … ]>``): that is
    where ``<!ENTITY`` declarations live (billion laughs, external ``SYSTEM`` files), and NCBI
    never sends one. Refusing the whole subset is simpler and safer than judging its contents.
    Returns False when ``head`` ends inside the prolog (the caller reads more).
    """
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        raise UnsafeXMLError("XML in UTF-16/32 is refused: NCBI sends ASCII/UTF-8")
    i = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    n = len(head)
    while True:
        while i < n and head[i] in b" \t\r\n":
            i += 1
        if i >= n:
            return False
        if head.startswith(b"<?", i):
            end = head.find(b"?>", i + 2)
            if end < 0:
                return False
            i = end + 2
        elif head.startswith(b"<!--", i):
            end = head.find(b"-->", i + 4)
            if end < 0:
                return False
            i = end + 3
        elif head.startswith(b"<!DOCTYPE", i):
            j = i + 9
            while True:  # to the end of the DOCTYPE, skipping quoted ids
                found = _DOCTYPE_STOP_RE.search(head, j)
                if found is None:
                    return False
                c = found.group()
                if c == b"[":
                    raise UnsafeXMLError(
                        "the XML declares an internal DTD subset (entity declarations); refused"
                    )
                if c == b">":
                    j = found.start()
                    break
                close = head.find(c, found.end())
                if close < 0:
                    return False
                j = close + 1
            i = j + 1
        else:
            # Root start tag reached, unless the chunk ends inside "<!DOCTYPE".
            return not (n - i < 9 and b"<!DOCTYPE".startswith(head[i:]))


def _precheck(data: bytes) -> None:
    """Reject what must never reach lxml: JSON errors, non-XML text, unsafe prologs."""
    head = bytes(data[:_MAX_PROLOG])
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        raise UnsafeXMLError("XML in UTF-16/32 is refused: NCBI sends ASCII/UTF-8")
    stripped = head.lstrip()
    if not stripped:
        raise TruncatedResponse("empty answer from NCBI")
    first = stripped[:1]
    if first == b"{":
        _check_json_error(stripped, data)
    if first != b"<" and not head.startswith(b"\xef\xbb\xbf"):
        raise ErrorResponse("NCBI answered with text instead of XML: " + _clean(stripped[:200]))
    if not _scan_prolog(head):
        if len(data) > _MAX_PROLOG:
            raise UnsafeXMLError("the XML prolog is implausibly long; refused")
        raise TruncatedResponse("the answer ends before its first element")


def _check_internal_dtd(el: etree._Element) -> None:
    """Second line of defence behind :func:`_scan_prolog`: refuse declared entities.

    libxml2 keeps an (empty) internal DTD object for every DOCTYPE, NCBI's included, so the
    test is whether that DTD declares anything, not whether it exists.
    """
    dtd = el.getroottree().docinfo.internalDTD
    if dtd is not None and (
        next(iter(dtd.iterentities()), None) is not None
        or next(iter(dtd.iterelements()), None) is not None
    ):
        raise UnsafeXMLError("the XML declares entities in an internal DTD subset; refused")


def _xml_error_text(root: etree._Element) -> str | None:
    """Text of the first non-empty ``<ERROR>`` that is the root or a child of it."""
    if root.tag == "ERROR":
        return _text(root) or None
    for err in root.iterchildren("ERROR"):
        text = _text(err)
        if text:
            return text
    return None


def _parse_document(data: bytes) -> etree._Element:
    """Parse a whole XML answer safely; map failures and ``<ERROR>`` to typed errors."""
    _precheck(data)
    parser = etree.XMLParser(**_PARSER_OPTIONS)
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        match = _ERROR_TEXT_RE.search(bytes(data[:4096]))
        if match and match.group(1).strip():
            raise ErrorResponse(_clean(match.group(1))) from exc
        raise TruncatedResponse(
            f"NCBI's answer is not well-formed XML: {_clean(str(exc))}"
        ) from exc
    _check_internal_dtd(root)  # defence in depth
    error = _xml_error_text(root)
    if error:
        raise ErrorResponse(_clean(error, 1000))
    return root


# --------------------------------------------------------------------------------------------
# Small text helpers (hot path: keep them cheap)
# --------------------------------------------------------------------------------------------


def _text(el: etree._Element | None) -> str:
    """Flattened, whitespace-collapsed text of a mixed-content element ('' when absent).

    ``<i>``, ``<sup>``, MathML and the like contribute their text; character references are
    already decoded by lxml. Raw control characters (legal in XML as references) are dropped.
    """
    if el is None:
        return ""
    if not len(el):
        raw = el.text
    elif next(el.iter(_MATH_TAG), None) is None:
        raw = "".join(el.itertext())
    else:
        parts: list[str] = []
        _flatten_with_math(el, parts)
        raw = "".join(parts)
    if not raw:
        return ""
    text = " ".join(raw.split())
    if not text.isprintable():
        text = " ".join(_CONTROL_RE.sub(" ", text).split())
    return text


def _flatten_with_math(el: etree._Element, parts: list[str]) -> None:
    """Mixed content where MathML tokens lose the layout whitespace between them.

    Old (indented) efetch output puts newlines between ``<mml:mi>`` tokens; without this, a
    formula reads ``V . O 2 m a x`` instead of ``V.O2max`` as in today's one-line output.
    """
    if el.text:
        parts.append(el.text)
    for child in el:
        if child.tag == _MATH_TAG:
            parts.append("".join(t.strip() for t in child.itertext()))
        elif isinstance(child.tag, str):
            _flatten_with_math(child, parts)
        if child.tail:
            parts.append(child.tail)


def _opt(el: etree._Element | None) -> str | None:
    """Like :func:`_text` but None for absent or empty elements (optional JSON fields)."""
    return _text(el) or None


def _plain(raw: str | None) -> str | None:
    """Collapse a #PCDATA-only value (names, ids, MeSH terms) as :func:`_text` would."""
    if not raw:
        return None
    text = " ".join(raw.split())
    if not text.isprintable():
        text = " ".join(_CONTROL_RE.sub(" ", text).split())
    return text or None


def _month(value: str | None) -> int | None:
    """``Nov``, ``11``, ``Nov-Dec`` -> 11; seasons and junk -> None."""
    if not value:
        return None
    value = value.strip()
    if value[:1].isdigit():
        digits = value[:2] if value[:2].isdigit() else value[:1]
        number = int(digits)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(value[:3].lower())


def _year(value: str | None) -> int | None:
    if value and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])
    return None


def _pub_date(pub_date: etree._Element | None) -> tuple[int | None, int | None]:
    """Year and month of a PubDate: Year + (Month | Season) or a free-text MedlineDate."""
    if pub_date is None:
        return None, None
    year = _year(pub_date.findtext("Year"))
    if year is not None:
        month = pub_date.findtext("Month")
        if month is None:
            month = pub_date.findtext("Season")
        return year, _month(month)
    medline = pub_date.findtext("MedlineDate")
    if medline:
        found = _YEAR_RE.search(medline)
        if found:
            rest = medline[found.end() :].strip()
            return int(found.group(1)), _month(rest) if rest[:1].isalpha() else None
    return None, None


def _orcid(value: str | None) -> str | None:
    """``https://orcid.org/0000-0002-1825-0097`` or ``0000000218250097`` -> bare hyphenated id."""
    if not value:
        return None
    found = _ORCID_RE.search(value)
    if not found:
        return None
    return "-".join(found.groups()).upper()


def _authors(author_list: etree._Element | None) -> list[Author]:
    """Authors of one AuthorList, persons and collectives, skipping ValidYN="N" names.

    One pass over each Author's children (instead of a find() per field): this loop runs for
    every author of every article, so it is the hottest code in the parser.
    """
    if author_list is None:
        return []
    out: list[Author] = []
    for el in author_list.iterchildren("Author"):
        if el.get("ValidYN") == "N":
            continue
        family = given = initials = suffix = collective = orcid = None
        for child in el:
            tag = child.tag
            if tag == "LastName":
                family = _plain(child.text)
            elif tag == "ForeName":
                given = _plain(child.text)
            elif tag == "Initials":
                initials = _plain(child.text)
            elif tag == "Suffix":
                suffix = _plain(child.text)
            elif tag == "CollectiveName":
                collective = _text(child) or None
            elif (
                tag == "Identifier"
                and orcid is None
                and (child.get("Source") or "").upper() == "ORCID"
            ):
                orcid = _orcid(child.text)
        if collective is not None:
            out.append(Author(collective=collective, orcid=orcid))
        elif family is not None or given is not None or initials is not None:
            out.append(
                Author(family=family, given=given, initials=initials, suffix=suffix, orcid=orcid)
            )
    return out


def _abstract(abstract: etree._Element | None) -> list[AbstractSection]:
    if abstract is None:
        return []
    sections: list[AbstractSection] = []
    for part in abstract.iterchildren("AbstractText"):
        text = _text(part)
        if text:
            label = part.get("Label")
            if label is not None:
                label = " ".join(label.split()) or None
            sections.append(AbstractSection(label=label, text=text))
    return sections


def _ids(id_list: etree._Element | None) -> tuple[str | None, str | None]:
    """DOI and PMCID of one ArticleIdList (the article's own: callers never pass references')."""
    doi = pmcid = None
    if id_list is None:
        return None, None
    for aid in id_list.iterchildren("ArticleId"):
        kind = aid.get("IdType")
        if kind == "doi" and doi is None:
            doi = _plain(aid.text)
        elif kind == "pmc" and pmcid is None:
            value = _plain(aid.text)
            if value:
                pmcid = "PMC" + (value[3:] if value[:3].upper() == "PMC" else value)
    return doi, pmcid


def _elocation(parent: etree._Element | None, kind: str) -> str | None:
    if parent is None:
        return None
    for loc in parent.iterchildren("ELocationID"):
        if loc.get("EIdType") == kind and loc.get("ValidYN") != "N":
            value = _plain(loc.text)
            if value:
                return value
    return None


def _pages(pagination: etree._Element | None) -> str | None:
    """``StartPage-EndPage`` when both exist, else MedlinePgn as NCBI wrote it, else StartPage."""
    if pagination is None:
        return None
    start = _plain(pagination.findtext("StartPage"))
    end = _plain(pagination.findtext("EndPage"))
    if start and end:
        return f"{start}-{end}"
    return _plain(pagination.findtext("MedlinePgn")) or start


def _keywords(parent: etree._Element) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for kw_list in parent.iterchildren("KeywordList"):
        for kw in kw_list.iterchildren("Keyword"):
            text = _text(kw)
            if text and text not in seen:
                seen.add(text)
                out.append(text)
    return out


def _mesh(citation: etree._Element) -> list[MeshHeading]:
    heading_list = citation.find("MeshHeadingList")
    if heading_list is None:
        return []
    out: list[MeshHeading] = []
    for heading in heading_list.iterchildren("MeshHeading"):
        name = None
        major = False
        qualifiers: list[str] = []
        for child in heading:
            tag = child.tag
            if tag == "DescriptorName":
                name = _plain(child.text)
                major = major or child.get("MajorTopicYN") == "Y"
            elif tag == "QualifierName":
                qname = _plain(child.text)
                if qname:
                    qualifiers.append(qname)
                major = major or child.get("MajorTopicYN") == "Y"
        if name:
            out.append(MeshHeading(descriptor=name, major=major, qualifiers=qualifiers))
    return out


def _comments(citation: etree._Element) -> list[dict[str, str | None]]:
    cc_list = citation.find("CommentsCorrectionsList")
    if cc_list is None:
        return []
    out: list[dict[str, str | None]] = []
    for cc in cc_list.iterchildren("CommentsCorrections"):
        kind = cc.get("RefType")
        if kind in COMMENT_TYPES:
            out.append({"type": kind, "pmid": _plain(cc.findtext("PMID"))})
    return out


def _is_retracted(publication_types: list[str], comments: list[dict[str, str | None]]) -> bool:
    return "Retracted Publication" in publication_types or any(
        c["type"] == "RetractionIn" for c in comments
    )


# --------------------------------------------------------------------------------------------
# PubMed XML -> Record
# --------------------------------------------------------------------------------------------


def _journal_record(el: etree._Element) -> Record | None:
    """One ``<PubmedArticle>`` (MedlineCitation + PubmedData)."""
    citation = el.find("MedlineCitation")
    if citation is None:
        return None
    pmid = _plain(citation.findtext("PMID"))
    if not pmid:
        return None
    article = citation.find("Article")
    if article is None:
        article = etree.Element("Article")  # a citation without Article: keep what there is
    journal = article.find("Journal")
    if journal is None:
        journal = etree.Element("Journal")
    issue = journal.find("JournalIssue")

    year, month = _pub_date(issue.find("PubDate") if issue is not None else None)
    if year is None:
        for date in article.iterchildren("ArticleDate"):
            year, month = _year(date.findtext("Year")), _month(date.findtext("Month"))
            if year is not None:
                break

    data = el.find("PubmedData")
    doi, pmcid = _ids(data.find("ArticleIdList") if data is not None else None)
    if doi is None:
        doi = _elocation(article, "doi")
    if year is None and data is not None:
        history = data.find("History")
        if history is not None:
            for date in history.iterchildren("PubMedPubDate"):
                if date.get("PubStatus") == "pubmed":
                    year, month = _year(date.findtext("Year")), _month(date.findtext("Month"))
                    break

    author_list = article.find("AuthorList")
    pub_types = [
        t
        for t in (_plain(p.text) for p in article.iterfind("PublicationTypeList/PublicationType"))
        if t
    ]
    comments = _comments(citation)
    return Record(
        id=pmid,
        pmid=pmid,
        title=_text(article.find("ArticleTitle")) or _text(article.find("VernacularTitle")),
        authors=_authors(author_list),
        authors_complete=author_list is None or author_list.get("CompleteYN") != "N",
        journal=_plain(journal.findtext("Title")),
        journal_abbrev=_plain(journal.findtext("ISOAbbreviation"))
        or _plain(citation.findtext("MedlineJournalInfo/MedlineTA")),
        year=year,
        month=month,
        volume=_plain(issue.findtext("Volume")) if issue is not None else None,
        issue=_plain(issue.findtext("Issue")) if issue is not None else None,
        pages=_pages(article.find("Pagination")) or _elocation(article, "pii"),
        doi=doi,
        pmcid=pmcid,
        book=None,
        abstract=_abstract(article.find("Abstract")),
        mesh=_mesh(citation),
        publication_types=pub_types,
        keywords=_keywords(citation),
        language=_plain(article.findtext("Language")),
        retracted=_is_retracted(pub_types, comments),
        comments=comments,
        source="pubmed",
    )


def _book_record(el: etree._Element) -> Record | None:
    """One ``<PubmedBookArticle>``: a whole book or a chapter (BookDocument + Book)."""
    doc = el.find("BookDocument")
    if doc is None:
        return None
    pmid = _plain(doc.findtext("PMID"))
    if not pmid:
        return None
    book = doc.find("Book")
    if book is None:
        book = etree.Element("Book")
    booktitle = _opt(book.find("BookTitle"))

    authors: list[Author] = []
    editors: list[Author] = []
    authors_complete = True
    for holder in (doc, book):  # the chapter's own authors first, then the book's
        for author_list in holder.iterchildren("AuthorList"):
            if author_list.get("Type") == "editors":
                editors.extend(_authors(author_list))
            elif not authors:
                authors = _authors(author_list)
                authors_complete = author_list.get("CompleteYN") != "N"

    doi, pmcid = _ids(doc.find("ArticleIdList"))
    book_data = el.find("PubmedBookData")
    if book_data is not None:
        more_doi, more_pmcid = _ids(book_data.find("ArticleIdList"))
        doi, pmcid = doi or more_doi, pmcid or more_pmcid
    doi = doi or _elocation(book, "doi")

    year, month = _pub_date(book.find("PubDate"))
    if year is None and book_data is not None:
        history = book_data.find("History")
        if history is not None:
            for date in history.iterchildren("PubMedPubDate"):
                if date.get("PubStatus") == "pubmed":
                    year, month = _year(date.findtext("Year")), _month(date.findtext("Month"))
                    break

    pub_types = [t for t in (_plain(p.text) for p in doc.iterchildren("PublicationType")) if t]
    comments = _comments(doc)
    return Record(
        id=pmid,
        pmid=pmid,
        title=_text(doc.find("ArticleTitle"))
        or _text(doc.find("VernacularTitle"))
        or booktitle
        or "",
        authors=authors,
        authors_complete=authors_complete,
        journal=None,
        journal_abbrev=None,
        year=year,
        month=month,
        volume=_plain(book.findtext("Volume")),
        issue=None,
        pages=_pages(doc.find("Pagination")),
        doi=doi,
        pmcid=pmcid,
        book=Book(
            booktitle=booktitle,
            publisher=_plain(book.findtext("Publisher/PublisherName")),
            editors=editors,
            chapter=_plain(doc.findtext("LocationLabel")),
        ),
        abstract=_abstract(doc.find("Abstract")),
        mesh=_mesh(doc),
        publication_types=pub_types,
        keywords=_keywords(doc),
        language=_plain(doc.findtext("Language")),
        retracted=_is_retracted(pub_types, comments),
        comments=comments,
        source="pubmed",
    )


def _chunks(source: bytes | BinaryIO) -> Iterator[bytes]:
    """The body in feed-sized pieces, after :func:`_precheck` has passed its start."""
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _precheck(data)
        if len(data) <= _FEED_CHUNK:
            yield data
            return
        for start in range(0, len(data), _FEED_CHUNK):
            yield data[start : start + _FEED_CHUNK]
        return
    head = b""
    while True:  # read until the root element starts, so the prolog can be judged whole
        chunk = source.read(_READ_CHUNK)
        if not chunk:
            break
        head += chunk
        if len(head) >= _MAX_PROLOG or _scan_prolog(head):
            break
    _precheck(head)  # raises for empty / JSON / text / unsafe / over-long prologs
    yield head
    while True:
        chunk = source.read(_FEED_CHUNK)
        if not chunk:
            return
        yield chunk


def _article(el: etree._Element) -> Record | None:
    """The record of one article element, or None for other elements (DeleteCitation …)."""
    tag = el.tag
    if tag == "PubmedArticle":
        return _journal_record(el)
    if tag == "PubmedBookArticle":
        return _book_record(el)
    return None


def _not_a_set(root: etree._Element) -> ErrorResponse:
    return ErrorResponse(
        f"expected a PubmedArticleSet from efetch, got <{_clean(str(root.tag), 80)}>"
    )


def _drain(parser: etree.XMLPullParser, state: dict[str, bool]) -> Iterator[Record]:
    """Records of the article elements completed so far; each is freed once read."""
    for _, el in parser.read_events():
        parent = el.getparent()
        if el.tag == "ERROR":
            # Only NCBI's own <ERROR> (the root or a child of it) is an error report.
            if parent is None or parent.getparent() is None:
                message = _text(el)
                if message:
                    raise ErrorResponse(_clean(message, 1000))
            continue
        if not state["checked"]:
            state["checked"] = True
            _check_internal_dtd(el)  # defence in depth behind _scan_prolog
            root = el.getroottree().getroot()
            if root.tag != "PubmedArticleSet":
                raise _not_a_set(root)
        record = _article(el)
        # Free what was just read: the element's subtree and the emptied siblings before it.
        el.clear(keep_tail=False)
        if parent is not None:
            while el.getprevious() is not None:
                del parent[0]
        if record is not None:
            yield record


def iter_pubmed_xml(source: bytes | BinaryIO) -> Iterator[Record]:
    """Stream :class:`Record`s out of an efetch ``PubmedArticleSet``, in document order.

    ``source`` is the whole body or a binary file object (a cached answer on disk, a large
    history download). The body is fed to lxml's event parser (the engine under
    ``iterparse``; fed directly it is ~30% faster) in pieces of ``_FEED_CHUNK`` bytes; each
    completed article element is turned into a record, then cleared and detached, so memory
    stays bounded by one piece however many articles the set holds.

    Raises :class:`UnsafeXMLError` (internal DTD subset), :class:`ErrorResponse` (``<ERROR>``
    with text, JSON error, a document that is not a ``PubmedArticleSet``),
    :class:`RateLimitedError` (rate-limit JSON) and :class:`TruncatedResponse` (not
    well-formed). Errors surface when reached: records yielded before a truncation point were
    real, but a caller that must not keep partial answers should use
    :func:`parse_pubmed_xml`.
    """
    parser = etree.XMLPullParser(events=("end",), tag=_ARTICLE_TAGS, **_PARSER_OPTIONS)
    state = {"checked": False}
    try:
        for chunk in _chunks(source):
            parser.feed(chunk)
            yield from _drain(parser, state)
        root = parser.close()
        yield from _drain(parser, state)
    except etree.XMLSyntaxError as exc:
        raise TruncatedResponse(
            f"PubMed XML is not well-formed (cut off?): {_clean(str(exc))}"
        ) from exc
    if root is None:
        raise TruncatedResponse("PubMed XML has no root element")
    if root.tag != "PubmedArticleSet":
        raise _not_a_set(root)


def parse_pubmed_xml(data: bytes) -> list[Record]:
    """All records of an efetch answer, or an exception and nothing (never a partial list).

    ``<PubmedArticleSet></PubmedArticleSet>`` (no asked-for id exists) gives ``[]``; the
    caller treats the ids it asked for and did not get as missing. The body is already in
    memory, so this builds the tree in one go (about 1.5x faster than event parsing) and
    then walks the articles with the same code as :func:`iter_pubmed_xml`.
    """
    root = _parse_document(data)
    if root.tag != "PubmedArticleSet":
        raise _not_a_set(root)
    records: list[Record] = []
    for el in root.iterchildren("PubmedArticle", "PubmedBookArticle"):
        record = _article(el)
        if record is not None:
            records.append(record)
    return records


# --------------------------------------------------------------------------------------------
# esearch, elink, ecitmatch
# --------------------------------------------------------------------------------------------


def _int(text: str | None, what: str) -> int:
    try:
        return int((text or "").strip())
    except ValueError:
        raise ErrorResponse(f"esearch {what} is not a number: {_clean(text or '', 40)}") from None


_WARNING_LABELS = {
    "PhraseIgnored": "Phrase ignored",
    "QuotedPhraseNotFound": "Quoted phrase not found",
    "FieldNotFound": "Field not found",
}


def parse_esearch(data: bytes) -> SearchResult:
    """An ``eSearchResult``: count, one page of ids, translation, not-found phrases, warnings.

    Works for ``rettype=count`` answers too (only ``<Count>``: ids empty, retmax 0). A
    ``<PhraseNotFound>`` is a real "no result" for that phrase, not an error; warnings keep
    NCBI's OutputMessage text as is and name the other kinds (``Phrase ignored: …``).
    """
    root = _parse_document(data)
    if root.tag != "eSearchResult":
        raise ErrorResponse(f"expected an eSearchResult, got <{_clean(str(root.tag), 80)}>")
    count = root.findtext("Count")
    if count is None:
        raise ErrorResponse("esearch answer has no Count")
    id_list = root.find("IdList")
    ids = [t for t in (_text(i) for i in id_list.iterchildren("Id"))] if id_list is not None else []
    phrases: list[str] = []
    warnings: list[str] = []
    for holder in (root.find("ErrorList"), root.find("WarningList")):
        for item in holder if holder is not None else ():
            text = _text(item)
            if not text:
                continue
            if item.tag == "PhraseNotFound":
                phrases.append(text)
            elif item.tag == "OutputMessage":
                warnings.append(text)
            else:
                warnings.append(f"{_WARNING_LABELS.get(str(item.tag), str(item.tag))}: {text}")
    retmax = root.findtext("RetMax")
    retstart = root.findtext("RetStart")
    return SearchResult(
        count=_int(count, "Count"),
        ids=[i for i in ids if i],
        retstart=_int(retstart, "RetStart") if retstart is not None else 0,
        retmax=_int(retmax, "RetMax") if retmax is not None else 0,
        query_translation=_opt(root.find("QueryTranslation")),
        phrases_not_found=phrases,
        warnings=warnings,
    )


def parse_elink(data: bytes) -> list[LinkSet]:
    """One :class:`LinkSet` per ``<LinkSet>``: input ids and ``{LinkName: [ids in order]}``.

    A LinkSet without ``LinkSetDb`` (no links of any kind) has empty ``links``. ``acheck`` /
    ``ncheck`` answers carry their ids in ``IdCheckList``; those are reported as ``ids``.
    """
    root = _parse_document(data)
    if root.tag != "eLinkResult":
        raise ErrorResponse(f"expected an eLinkResult, got <{_clean(str(root.tag), 80)}>")
    out: list[LinkSet] = []
    errors: list[str] = []
    for link_set in root.iterchildren("LinkSet"):
        ids: list[str] = []
        id_list = link_set.find("IdList")
        if id_list is not None:
            ids.extend(t for t in (_text(i) for i in id_list.iterchildren("Id")) if t)
        check_list = link_set.find("IdCheckList")
        if check_list is not None:
            ids.extend(t for t in (_text(i) for i in check_list.iterchildren("Id")) if t)
            for id_link_set in check_list.iterchildren("IdLinkSet"):
                ids.extend(t for t in (_text(i) for i in id_link_set.iterchildren("Id")) if t)
        links: dict[str, list[str]] = {}
        for db in link_set.iterchildren("LinkSetDb"):
            name = (
                _text(db.find("LinkName"))
                or f"{link_set.findtext('DbFrom') or ''}_{_text(db.find('DbTo'))}"
            )
            target = links.setdefault(name, [])
            for link in db.iterchildren("Link"):
                value = _text(link.find("Id"))
                if value:
                    target.append(value)
        for err in link_set.iterchildren("ERROR"):
            text = _text(err)
            if text:
                errors.append(text)
        out.append(LinkSet(ids=ids, links=links))
    if errors and not any(ls.links for ls in out):
        raise ErrorResponse(_clean("; ".join(errors), 1000))
    return out


def parse_ecitmatch(text: str) -> list[CitationMatch]:
    """ECitMatch's pipe-delimited text answer, one :class:`CitationMatch` per line.

    Each line echoes the query (lower-cased) then ``key|result``: an all-digit result is the
    PMID (status ``FOUND``); anything else (``NOT_FOUND``, ``AMBIGUOUS``,
    ``NOT_FOUND;INVALID_JOURNAL`` …) is kept as NCBI wrote it, with ``pmid=None``. A line with
    fewer than seven fields means the answer was cut: :class:`TruncatedResponse`.
    """
    stripped = text.lstrip()
    if stripped.startswith("{"):
        _check_json_error(stripped[:200].encode(), text.encode())
    if stripped.startswith("<"):
        match = _ERROR_TEXT_RE.search(text.encode("utf-8", "replace"))
        detail = match.group(1) if match else stripped[:200]
        raise ErrorResponse("ECitMatch answered with markup instead of text: " + _clean(detail))
    out: list[CitationMatch] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) < 7:
            raise TruncatedResponse(
                f"ECitMatch line has {len(parts)} fields, not 7: {_clean(line, 120)}"
            )
        key = parts[5]
        result = parts[6].strip()
        if result.isascii() and result.isdigit():
            out.append(CitationMatch(key=key, pmid=result.lstrip("0") or result, status="FOUND"))
        else:
            out.append(CitationMatch(key=key, pmid=None, status=_clean(result, 200) or "NOT_FOUND"))
    return out
