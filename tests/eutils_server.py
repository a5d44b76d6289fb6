"""A local stand-in for NCBI's E-utilities, speaking their formats byte for byte.

Every test that needs "the network" (client, library, CLI, TUI, tmux end-to-end, benchmarks) talks
to this real HTTP server on 127.0.0.1 instead of NCBI, so the client is exercised through httpx,
sockets and NCBI's real wire shapes (``../shared/ncbi/EUTILS_FACTS.md`` is the spec; the recorded
answers in ``../shared/ncbi/samples/`` are the conformance corpus).

Endpoints (GET query string and POST ``application/x-www-form-urlencoded`` bodies; repeated
``id=`` parameters and comma lists both accepted; anything else is a 404):

* ``efetch.fcgi``   PubMed XML in the current (2025 DTD) layout: ASCII only, one line, no trailing
                    newline; missing ids silently omitted; order as requested.
* ``esearch.fcgi``  terms registered with :meth:`EUtilsServer.set_search`, plus automatic
                    ``<doi>[doi]``/``[aid]`` and ``<pmid>[uid]``/``[pmid]`` terms; paging, counts,
                    date filters; unknown terms answer like NCBI (PhraseNotFound,
                    "No items found.").
* ``elink.fcgi``    links registered with :meth:`EUtilsServer.set_links`.
* ``ecitmatch.cgi`` plain-text answers registered with :meth:`EUtilsServer.set_citmatch`.

Faults (429, 5xx, errors inside HTTP 200, truncated bodies, dropped connections, …) are injected
with :meth:`EUtilsServer.inject`; every request is logged (:attr:`EUtilsServer.requests`) so
tests can assert what the client sent and how fast (:meth:`max_requests_in_any_window`).

Run by hand::

    python -m tests.eutils_server --port 8765 --samples ../shared/ncbi/samples --fictional 20
    MSCTERM_EUTILS_URL=http://127.0.0.1:8765/ mscterm lookup 90000001

Fictional records use 8-digit PMIDs from 90000000 up and DOIs under ``10.5555/``; no real PMID is
ever invented here.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from lxml import etree

__all__ = [
    "ACCEPTED_FIELD_TAGS",
    "EFETCH_HEADER",
    "ELINK_HEADER",
    "ESEARCH_HEADER",
    "FICTIONAL_SEARCH_TERM",
    "FICTIONAL_START",
    "RATE_LIMIT_BODY",
    "EUtilsServer",
    "Fault",
    "LoggedRequest",
    "check_term",
    "default_samples_dir",
    "demo_server",
    "fictional_article",
    "fictional_articles",
    "to_ncbi_ascii",
]

# --------------------------------------------------------------------------------------------
# Wire constants (copied from the recorded answers' shapes)
# --------------------------------------------------------------------------------------------

EFETCH_HEADER = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)
ESEARCH_HEADER = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eSearchResult PUBLIC "-//NLM//DTD esearch 20060628//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20060628/esearch.dtd">\n'
)
ELINK_HEADER = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eLinkResult PUBLIC "-//NLM//DTD elink 20101123//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20101123/elink.dtd">\n'
)
EFETCH_ERROR_HEADER = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n'
    b'<!DOCTYPE eEfetchResult PUBLIC "-//NLM//DTD efetch 20131226//EN" '
    b'"https://eutils.ncbi.nlm.nih.gov/eutils/dtd/20131226/efetch.dtd">\n'
)
XML_CONTENT_TYPE = "text/xml; charset=UTF-8"
TEXT_CONTENT_TYPE = "text/plain; charset=UTF-8"
JSON_CONTENT_TYPE = "application/json"

#: NCBI's 429 body for a client without a key (count/limit are strings, as NCBI sends them).
RATE_LIMIT_BODY = (
    b'{"error":"API rate limit exceeded","api-key":"127.0.0.1","count":"4","limit":"3"}'
)
#: NCBI's gateway 500 body (shape of samples/http500_error_forwarding_body_from_issue.json).
ERROR_500_BODY = (
    b'{"error":"error forwarding request","api-key":"127.0.0.1","type":"ip","status":"ok"}'
)

#: The first fictional PMID handed out by :func:`fictional_articles` (90000001, 90000002, …).
FICTIONAL_START = 90000001
#: An esearch term the ``--fictional`` CLI mode and the test fixture register (all fictional ids).
FICTIONAL_SEARCH_TERM = "fictional mesenchymal stem cell safety"

ESEARCH_PAGING_LIMIT = 9999  # PubMed really stops at 9,999 (EUTILS_FACTS.md §3)

ENDPOINTS = {
    "efetch.fcgi": "efetch",
    "esearch.fcgi": "esearch",
    "elink.fcgi": "elink",
    "ecitmatch.cgi": "ecitmatch",
}

#: Field tags esearch accepts (lower-cased). Anything else in ``[...]`` gets a FieldNotFound.
#: A tag may carry a modifier after a colon: ``[mh:noexp]``, ``[majr:noexp]``, ``[tiab:~3]``.
ACCEPTED_FIELD_TAGS: frozenset[str] = frozenset(
    tag.strip().lower()
    for group in (
        # MeSH
        "mh|mesh|mesh terms|majr|mesh major topic|sh|subheading|mesh subheading|nm",
        "supplementary concept|substance name|rn|ec/rn number|pa|pharmacological action",
        # text
        "tiab|title/abstract|ti|title|ab|abstract|tw|text word|all|all fields|ot|other term",
        "kw|keyword",
        # people and places
        "au|author|1au|author - first|lastau|author - last|fau|full author name|cn",
        "corporate author|ad|affiliation|auid|ir|investigator|fir|ed|editor",
        # publication
        "pt|publication type|la|language|sb|subset|filter|jour|journal|ta|vi|volume|ip|issue",
        "pg|pagination|book|isbn|is|issn|pl|place of publication|gr|grant number|si",
        "secondary source id|ps|personal name as subject|cois|conflict of interest",
        # identifiers
        "uid|pmid|doi|aid|lid|location id|pmcid",
        # dates
        "dp|pdat|date - publication|edat|date - entry|crdt|date - create|mhda|date - mesh",
        "lr|date - modification|mdat|dcom|date - completion|epdat|ppdat",
    )
    for tag in group.split("|")
)

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_XML_PARSER = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False
)


def default_samples_dir() -> Path:
    """Where the shared NCBI recordings live: ``../shared/ncbi/samples`` beside the repository."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "ncbi" / "samples"


# --------------------------------------------------------------------------------------------
# Serialisation helpers
# --------------------------------------------------------------------------------------------

_NON_ASCII = re.compile(r"[^\x00-\x7f]")
# Characters XML 1.0 cannot carry at all, not even as references (C0 controls except TAB/LF/CR).
_XML_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def to_ncbi_ascii(text: str) -> bytes:
    """Encode XML text the way NCBI's efetch does: ASCII bytes, non-ASCII as ``&#x..;``."""
    return _NON_ASCII.sub(lambda m: f"&#x{ord(m.group()):x};", text).encode("ascii")


def _xml_safe(text: str) -> str:
    """Drop characters XML 1.0 cannot represent (NCBI cannot send them either)."""
    return _XML_ILLEGAL.sub("", text)


def _strip_indentation(element: etree._Element) -> None:
    """Remove pretty-printing whitespace (old ≤2019 layouts) so the element fits on one line.

    Only whitespace-only text that contains a newline is removed: a single space between two
    inline ``<i>`` elements is data and stays.
    """
    for node in element.iter():
        if node.text is not None and not node.text.strip() and "\n" in node.text:
            node.text = None
        if node.tail is not None and not node.tail.strip() and "\n" in node.tail:
            node.tail = None


def _serialise_element(element: etree._Element) -> bytes:
    """One element in NCBI's current one-line ASCII layout."""
    return to_ncbi_ascii(etree.tostring(element, encoding="unicode", with_tail=False))


_ARTICLE_CHUNK = re.compile(
    rb"<(PubmedArticle|PubmedBookArticle)>.*?</\1>", re.DOTALL
)  # these never nest, so a lazy match finds each element
_PMID = re.compile(rb"<PMID[^>]*>\s*(\d+)\s*</PMID>")
_INDENTED = re.compile(rb">\n[ \t]*<")


def split_articles(data: bytes) -> Iterator[tuple[str, bytes]]:
    """Split an efetch answer into ``(pmid, element bytes)`` in NCBI's current layout.

    Chunks already in the current layout (ASCII, not indented) are kept byte for byte, so the
    client sees NCBI's real bytes; older indented or raw-UTF-8 recordings are re-serialised.
    """
    for match in _ARTICLE_CHUNK.finditer(data):
        chunk = match.group(0)
        pmid_match = _PMID.search(chunk)
        if pmid_match is None:
            continue
        pmid = pmid_match.group(1).decode("ascii")
        if chunk.isascii() and not _INDENTED.search(chunk):
            yield pmid, chunk
            continue
        element = etree.fromstring(chunk, _XML_PARSER)
        _strip_indentation(element)
        yield pmid, _serialise_element(element)


def _normalise_article(xml: bytes | str) -> bytes:
    """Accept an article element as given, making sure it is ASCII on the wire."""
    if isinstance(xml, str):
        return to_ncbi_ascii(xml)
    if xml.isascii():
        return xml
    return to_ncbi_ascii(xml.decode("utf-8"))


def _text(parent: etree._Element, tag: str, text: str | None, **attrib: str) -> etree._Element:
    child = etree.SubElement(parent, tag, attrib)
    if text is not None:
        child.text = _xml_safe(text)
    return child


def _fake_ui(prefix: str, name: str) -> str:
    """A stable, clearly fictional MeSH UI (D9xxxxx / Q9xxxxx: outside NLM's ranges)."""
    digest = int(hashlib.sha256(name.encode("utf-8")).hexdigest(), 16)
    return f"{prefix}9{digest % 100000:05d}"


# Publication type UIs as they appear in the recorded samples; others get a fictional UI.
_PUBLICATION_TYPE_UI = {
    "Journal Article": "D016428",
    "Review": "D016454",
    "Randomized Controlled Trial": "D016449",
    "Multicenter Study": "D016448",
    "Observational Study": "D064888",
    "Validation Study": "D023361",
    "Research Support, Non-U.S. Gov't": "D013485",
}


def _month_name(month: int | str | None) -> str | None:
    if month is None:
        return None
    if isinstance(month, int):
        return _MONTHS[month - 1]
    return month


def _month_number(month: int | str | None) -> int:
    if month is None:
        return 1
    if isinstance(month, int):
        return month
    if month.isdigit():
        return int(month)
    return _MONTHS.index(month[:3].title()) + 1 if month[:3].title() in _MONTHS else 1


def _date(parent: etree._Element, tag: str, y: int, m: int, d: int, **attrib: str) -> None:
    node = etree.SubElement(parent, tag, attrib)
    _text(node, "Year", str(y))
    _text(node, "Month", f"{m:02d}")
    _text(node, "Day", f"{d:02d}")


AuthorSpec = tuple[str, str, str] | tuple[str, str, str, str] | str


def fictional_article(
    pmid: str | int,
    *,
    title: str,
    authors: Sequence[AuthorSpec] = (("Doe", "Jane", "J"),),
    authors_complete: bool = True,
    journal: str = "Journal of Fictional Stem Cell Research",
    journal_abbrev: str = "J Fict Stem Cell Res",
    issn: str | None = None,
    year: int = 2020,
    month: int | str | None = "Jan",
    day: int | None = None,
    volume: str | None = "1",
    issue: str | None = "1",
    pages: str | None = "1-10",
    doi: str | None = None,
    pmcid: str | None = None,
    abstract: Sequence[tuple[str | None, str]] | None = None,
    mesh: Sequence[tuple[str, bool, Sequence[str]]] = (),
    publication_types: Sequence[str] = ("Journal Article",),
    keywords: Sequence[str] = (),
    retracted_in: str | int | None = None,
    language: str = "eng",
    entrez_date: str | None = None,
    status: str = "MEDLINE",
) -> bytes:
    """Build one fictional ``<PubmedArticle>`` exactly as NCBI's efetch would send it.

    ``authors`` items are ``(family, given, initials[, suffix])`` tuples or a plain string for a
    CollectiveName. ``abstract`` is ``[(label or None, text), …]``; ``mesh`` is
    ``[(descriptor, major, [qualifiers]), …]``. ``retracted_in`` (the PMID of a retraction
    notice) adds a ``RetractionIn`` comment and the "Retracted Publication" type, as PubMed does.
    ``entrez_date`` (``YYYY/MM/DD``) is the History ``entrez`` date that ``datetype=edat``
    searches filter on (default: the publication date).

    All text is escaped as XML data, so hostile strings (Rich markup, ``<script>``) arrive as
    text; non-ASCII travels as ``&#x..;``. C0 control characters cannot exist in XML 1.0 and are
    dropped, as they would be by NCBI; to test control-character handling use a C1 control such
    as ``"\\x9b"`` (CSI) or DEL, which XML allows and which arrive as ``&#x9b;``.
    Use PMIDs from 90000000 up and DOIs under ``10.5555/``: never a real identifier.
    """
    pmid = str(pmid)
    month_no = _month_number(month)
    day_no = day or 1
    if entrez_date:
        parts = [int(p) for p in entrez_date.split("/")] + [1, 1]
        ey, em, ed = parts[0], parts[1], parts[2]
    else:
        ey, em, ed = year, month_no, day_no

    article_el = etree.Element("PubmedArticle")
    citation = etree.SubElement(
        article_el,
        "MedlineCitation",
        {"Status": status, "Owner": "NLM", "IndexingMethod": "Automated"},
    )
    _text(citation, "PMID", pmid, Version="1")
    if status == "MEDLINE":
        _date(citation, "DateCompleted", ey, em, ed)
    _date(citation, "DateRevised", ey + 1, 6, 1)
    art = etree.SubElement(citation, "Article", {"PubModel": "Print-Electronic"})
    journal_el = etree.SubElement(art, "Journal")
    if issn:
        _text(journal_el, "ISSN", issn, IssnType="Electronic")
    jissue = etree.SubElement(journal_el, "JournalIssue", {"CitedMedium": "Internet"})
    if volume is not None:
        _text(jissue, "Volume", volume)
    if issue is not None:
        _text(jissue, "Issue", issue)
    pubdate = etree.SubElement(jissue, "PubDate")
    _text(pubdate, "Year", str(year))
    if month is not None:
        _text(pubdate, "Month", _month_name(month))
        if day is not None:
            _text(pubdate, "Day", f"{day:02d}")
    _text(journal_el, "Title", journal)
    _text(journal_el, "ISOAbbreviation", journal_abbrev)
    _text(art, "ArticleTitle", title)
    if pages or not doi:
        pagination = etree.SubElement(art, "Pagination")
        if pages:
            start, _, end = pages.partition("-")
            _text(pagination, "StartPage", start)
            if end:
                _text(pagination, "EndPage", end)
        _text(pagination, "MedlinePgn", pages or "")
    if doi:
        _text(art, "ELocationID", doi, EIdType="doi", ValidYN="Y")
    if abstract:
        abstract_el = etree.SubElement(art, "Abstract")
        for label, text in abstract:
            attrs = {"Label": label, "NlmCategory": _nlm_category(label)} if label else {}
            _text(abstract_el, "AbstractText", text, **attrs)
    if authors:
        author_list = etree.SubElement(
            art, "AuthorList", {"CompleteYN": "Y" if authors_complete else "N"}
        )
        for spec in authors:
            author_el = etree.SubElement(author_list, "Author", {"ValidYN": "Y"})
            if isinstance(spec, str):
                _text(author_el, "CollectiveName", spec)
                continue
            _text(author_el, "LastName", spec[0])
            if spec[1]:
                _text(author_el, "ForeName", spec[1])
            if spec[2]:
                _text(author_el, "Initials", spec[2])
            if len(spec) > 3 and spec[3]:  # type: ignore[misc]
                _text(author_el, "Suffix", spec[3])  # type: ignore[misc]
    _text(art, "Language", language)
    types = list(publication_types)
    if retracted_in is not None and "Retracted Publication" not in types:
        types.append("Retracted Publication")
    pt_list = etree.SubElement(art, "PublicationTypeList")
    for ptype in types:
        _text(
            pt_list,
            "PublicationType",
            ptype,
            UI=_PUBLICATION_TYPE_UI.get(ptype) or _fake_ui("D", ptype),
        )
    info = etree.SubElement(citation, "MedlineJournalInfo")
    _text(info, "Country", "United States")
    _text(info, "MedlineTA", journal_abbrev)
    _text(citation, "CitationSubset", "IM")
    if retracted_in is not None:
        comments = etree.SubElement(citation, "CommentsCorrectionsList")
        comment = etree.SubElement(comments, "CommentsCorrections", {"RefType": "RetractionIn"})
        _text(comment, "RefSource", f"{journal_abbrev}. {year + 1};{volume or '1'}:1.")
        _text(comment, "PMID", str(retracted_in), Version="1")
    if mesh:
        mesh_list = etree.SubElement(citation, "MeshHeadingList")
        for descriptor, major, qualifiers in mesh:
            heading = etree.SubElement(mesh_list, "MeshHeading")
            _text(
                heading,
                "DescriptorName",
                descriptor,
                UI=_fake_ui("D", descriptor),
                MajorTopicYN="Y" if major else "N",
            )
            for qualifier in qualifiers:
                _text(
                    heading,
                    "QualifierName",
                    qualifier,
                    UI=_fake_ui("Q", qualifier),
                    MajorTopicYN="N",
                )
    if keywords:
        keyword_list = etree.SubElement(citation, "KeywordList", {"Owner": "NOTNLM"})
        for keyword in keywords:
            _text(keyword_list, "Keyword", keyword, MajorTopicYN="N")
    pubmed_data = etree.SubElement(article_el, "PubmedData")
    history = etree.SubElement(pubmed_data, "History")
    for status_name in ("received", "accepted"):
        _date(history, "PubMedPubDate", year, month_no, day_no, PubStatus=status_name)
    for status_name in ("pubmed", "medline", "entrez"):
        node = etree.SubElement(history, "PubMedPubDate", {"PubStatus": status_name})
        _text(node, "Year", str(ey))
        _text(node, "Month", f"{em:02d}")
        _text(node, "Day", f"{ed:02d}")
        _text(node, "Hour", "6" if status_name != "pubmed" else "0")
        _text(node, "Minute", "0")
    _text(pubmed_data, "PublicationStatus", "ppublish")
    id_list = etree.SubElement(pubmed_data, "ArticleIdList")
    _text(id_list, "ArticleId", pmid, IdType="pubmed")
    if doi:
        _text(id_list, "ArticleId", doi, IdType="doi")
    if pmcid:
        _text(id_list, "ArticleId", pmcid, IdType="pmc")
    return _serialise_element(article_el)


def _nlm_category(label: str) -> str:
    upper = label.upper()
    for category in ("BACKGROUND", "OBJECTIVE", "METHODS", "RESULTS", "CONCLUSIONS"):
        if upper.startswith(category[:6]):
            return category
    return "UNASSIGNED"


_FICTIONAL_THEMES = (
    ("tumorigenicity", "Neoplasms", "Cell Transformation, Neoplastic"),
    ("genetic stability in long-term culture", "Genomic Instability", "Cell Culture Techniques"),
    ("cryopreservation", "Cryopreservation", "Cell Survival"),
    ("cell banking", "Tissue Banks", "Quality Control"),
    ("fetal bovine serum in expansion media", "Culture Media", "Serum"),
    ("infusion toxicity", "Infusions, Intravenous", "Thrombosis"),
    ("immunogenicity", "Immune Tolerance", "Graft vs Host Disease"),
    ("senescence", "Cellular Senescence", "Telomere"),
    ("ectopic tissue formation", "Ossification, Heterotopic", "Calcinosis"),
    ("long-term follow-up of recipients", "Follow-Up Studies", "Treatment Outcome"),
)
_FICTIONAL_TYPES = (
    ["Journal Article"],
    ["Journal Article", "Review"],
    ["Journal Article", "Randomized Controlled Trial"],
    ["Case Reports"],
    ["Journal Article", "Systematic Review", "Meta-Analysis"],
)


def fictional_articles(count: int, start: int = FICTIONAL_START) -> dict[str, bytes]:
    """``count`` varied fictional articles, PMIDs ``start``, ``start+1``, … (years 2005–2024).

    Each has a title naming it fictional, two authors (one with a non-ASCII name), a structured
    abstract, MeSH headings, a ``10.5555/`` DOI; every fifth is a review, every seventh is
    retracted (``RetractionIn`` a later fictional PMID).
    """
    out: dict[str, bytes] = {}
    for n in range(count):
        pmid = str(start + n)
        theme, mesh_a, mesh_b = _FICTIONAL_THEMES[n % len(_FICTIONAL_THEMES)]
        year = 2005 + (n * 7) % 20
        out[pmid] = fictional_article(
            pmid,
            title=f"Fictional record {n + 1}: mesenchymal stem cell safety and {theme}.",
            authors=[("Fictus", "Anna", "A"), ("Mu\u00f1oz-\u00c5berg", "Bj\u00f6rn", "B")],
            year=year,
            month=(n % 12) + 1,
            volume=str(n % 30 + 1),
            issue=str(n % 4 + 1),
            pages=f"{100 + n}-{110 + n}",
            doi=f"10.5555/fict.{pmid}",
            abstract=[
                ("BACKGROUND", f"This fictional test record concerns {theme}."),
                (
                    "RESULTS",
                    "No data: this abstract exists only for software tests (\u03b1 = 0.05).",
                ),
            ],
            mesh=[
                ("Mesenchymal Stem Cells", True, ["cytology"]),
                (mesh_a, n % 2 == 0, []),
                (mesh_b, False, ["adverse effects"]),
                ("Humans", False, []),
            ],
            publication_types=_FICTIONAL_TYPES[n % len(_FICTIONAL_TYPES)],
            keywords=["mesenchymal stem cells", theme],
            retracted_in=str(start + count + n) if n % 7 == 6 else None,
            entrez_date=f"{year}/{(n % 12) + 1:02d}/15",
        )
    return out


# --------------------------------------------------------------------------------------------
# Query checking
# --------------------------------------------------------------------------------------------

_TAG = re.compile(r"\[([^\[\]]*)\]")
_DOI_TERM = re.compile(r'\(?"?([^"\[\]]+?)"?\s*\[(doi|aid|lid|location id)\]\)?', re.I)
_UID_TERM = re.compile(r'\(?"?(\d+)"?\s*\[(uid|pmid)\]\)?', re.I)


def check_term(term: str) -> list[str]:
    """Problems NCBI would report for ``term``: unbalanced quotes/parentheses/brackets or
    unknown ``[field]`` tags. Empty list = the query is accepted.

    Syntax problems come first and start with ``"Unbalanced"``; unknown tags read
    ``"Field not found: <tag>"``. Accepted tags: :data:`ACCEPTED_FIELD_TAGS` (case-insensitive,
    optionally with a ``:noexp`` / ``:~N`` modifier).
    """
    problems: list[str] = []
    if term.count('"') % 2:
        problems.append("Unbalanced quotation marks")
    unquoted = re.sub(r'"[^"]*"', '""', term)
    depth = 0
    for char in unquoted:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            break
    if depth != 0:
        problems.append("Unbalanced parentheses")
    if unquoted.count("[") != unquoted.count("]") or re.search(r"\[[^\]]*\[", unquoted):
        problems.append("Unbalanced brackets")
    if problems:
        return problems
    for tag in _TAG.findall(unquoted):
        if _field_base(tag) not in ACCEPTED_FIELD_TAGS:
            problems.append(f"Field not found: {tag}")
    return problems


def _field_base(tag: str) -> str:
    base = tag.strip().lower()
    # modifiers: [mh:noexp], [tiab:~3]; keep "date - publication" etc. intact
    if ":" in base:
        head, _, modifier = base.partition(":")
        if modifier.strip() in {"noexp", "exp"} or modifier.strip().startswith("~"):
            base = head.strip()
    return base


def _normalise_term(term: str) -> str:
    return " ".join(term.split())


def _parse_date(value: str, *, end: bool) -> tuple[int, int, int] | None:
    """``YYYY``, ``YYYY/MM`` or ``YYYY/MM/DD`` (also with ``-``/``.``) as a comparable tuple."""
    parts = [p for p in re.split(r"[/\-.]", value.strip()) if p]
    if not parts or not all(p.isdigit() for p in parts):
        return None
    numbers = [int(p) for p in parts[:3]]
    if len(numbers) == 1:
        numbers += [12, 31] if end else [1, 1]
    elif len(numbers) == 2:
        numbers.append(31 if end else 1)
    return numbers[0], numbers[1], numbers[2]


# --------------------------------------------------------------------------------------------
# Log, faults, registrations
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the server saw it (query string and form body merged into ``params``)."""

    endpoint: str  # "efetch", "esearch", "elink", "ecitmatch" or the unknown path's last part
    method: str  # "GET" | "POST"
    params: dict[str, list[str]]
    time: float  # time.monotonic() when the request arrived
    path: str = "/"
    headers: dict[str, str] = field(default_factory=dict)

    def param(self, name: str, default: str | None = None) -> str | None:
        """The first value of ``name``, or ``default``."""
        values = self.params.get(name)
        return values[0] if values else default

    @property
    def ids(self) -> list[str]:
        """Every id sent, whether as repeated ``id=`` parameters or comma lists, in order."""
        return [i for value in self.params.get("id", []) for i in _split_ids(value)]


def _split_ids(value: str) -> list[str]:
    return [part.strip() for part in value.split(",") if part.strip()]


FAULT_KINDS = frozenset(
    {
        "429",
        "rate_limit_200",
        "500",
        "502",
        "503",
        "http_error",
        "error_200",
        "truncated",
        "slow",
        "missing_ids",
        "empty",
        "drop",
        "huge",
        "gzip_bomb",
        "trickle",
    }
)

HOSTILE_MAX_SECONDS = 120.0
"""No hostile answer streams longer than this, whatever the client does (tests stay bounded)."""
HUGE_BODY = 500 * 1024 * 1024
"""Default size of a ``"huge"`` body: 500 MB (what once took a client to 9.9 GB of memory)."""
BOMB_BODY = 1024 * 1024 * 1024
"""Default inflated size of a ``"gzip_bomb"``: 1 GiB, about 1 MB on the wire."""


@dataclass(slots=True)
class Fault:
    """A misbehaviour to inject into the next ``times`` matching requests.

    kind:
        ``"429"`` HTTP 429 + ``Retry-After`` (``retry_after`` seconds, default 1) + NCBI's JSON;
        ``"rate_limit_200"`` the same JSON with HTTP 200; ``"500"`` NCBI's gateway JSON;
        ``"502"``/``"503"`` a short HTML page; ``"http_error"`` HTTP ``status`` with a short HTML
        page; ``"error_200"`` an ``<ERROR>`` body in the endpoint's own XML shape (``message``
        overrides the text, ``status`` the HTTP status, e.g. 400); ``"truncated"`` the real answer
        cut in half (Content-Length matches the cut); ``"slow"`` sleep ``delay`` s then answer;
        ``"missing_ids"`` efetch silently drops ``ids``; ``"empty"`` HTTP 200, empty body;
        ``"drop"`` close the connection without answering.

        Hostile answers, streamed as they are generated (never held in memory), each ending
        when the client hangs up or after :data:`HOSTILE_MAX_SECONDS`:
        ``"huge"`` HTTP ``status`` (default 200) with a ``size``-byte body (default 500 MB)
        that starts like an efetch answer and goes on in spaces; ``declare_length=False``
        sends no Content-Length (the client cannot refuse it up front);
        ``"gzip_bomb"`` the same, ``Content-Encoding: gzip``, compressed on the fly: ``size``
        (default 1 GiB) inflated from about a thousandth of it on the wire;
        ``"trickle"`` HTTP 200 and the real answer's Content-Length, then its body one byte
        every ``delay`` seconds (default 5).
    endpoint:
        ``"efetch"``, ``"esearch"``, ``"elink"``, ``"ecitmatch"`` (``.fcgi`` suffix allowed) or
        None for any. ``missing_ids`` only ever applies to efetch.
    """

    kind: str
    endpoint: str | None = None
    times: int = 1
    retry_after: float | None = None
    delay: float = 0.0
    status: int | None = None
    ids: Sequence[str] = ()
    message: str | None = None
    size: int | None = None
    declare_length: bool = True

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        if self.endpoint is not None:
            self.endpoint = ENDPOINTS.get(self.endpoint, self.endpoint)
        if self.kind == "missing_ids":
            self.endpoint = "efetch"
        self.ids = [str(i) for i in self.ids]

    def matches(self, endpoint: str) -> bool:
        return self.endpoint is None or self.endpoint == endpoint


@dataclass(slots=True)
class _Search:
    ids: list[str]
    count: int | None
    dates: dict[str, str]
    translation: str | None


@dataclass(slots=True)
class _Response:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    stream: Iterator[bytes] | None = None
    """Body pieces written one by one (``body`` is then unused)."""
    length: int | None = None
    """Content-Length of a streamed body; None: no length, the connection closes at the end."""
    pause: float = 0.0
    """Seconds to wait before each streamed piece."""


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    eutils: EUtilsServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "Finatra"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default stderr access log."""

    def setup(self) -> None:
        super().setup()
        self.server.eutils._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.eutils._track(self.connection, add=False)

    def do_GET(self) -> None:
        self._handle("GET", b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self._handle("POST", body)

    def _handle(self, method: str, body: bytes) -> None:
        arrived = time.monotonic()
        split = urlsplit(self.path)
        params: dict[str, list[str]] = {}
        for source in (split.query, body.decode("utf-8", errors="replace")):
            for key, values in parse_qs(source, keep_blank_values=True).items():
                params.setdefault(key, []).extend(values)
        name = split.path.rstrip("/").rsplit("/", 1)[-1]
        response = self.server.eutils._respond(
            name, method, params, arrived, split.path, dict(self.headers.items())
        )
        if response.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if response.stream is not None:
            self._stream(response)
            return
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _stream(self, response: _Response) -> None:
        """Write a hostile body piece by piece until it ends, the client hangs up, the server
        stops or :data:`HOSTILE_MAX_SECONDS` pass."""
        assert response.stream is not None
        self.close_connection = True  # never reuse a connection after a hostile answer
        stopping = self.server.eutils._stopping
        started = time.monotonic()
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            if response.length is not None:
                self.send_header("Content-Length", str(response.length))
            else:
                self.send_header("Connection", "close")
            for key, value in response.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.flush()
            for piece in response.stream:
                if response.pause and stopping.wait(response.pause):
                    break
                if stopping.is_set() or time.monotonic() - started > HOSTILE_MAX_SECONDS:
                    break
                self.wfile.write(piece)
                self.wfile.flush()
        except OSError:  # the client hung up (as it should): stop generating
            pass


def _huge_body(size: int) -> Iterator[bytes]:
    """``size`` bytes that start like an efetch answer and go on in spaces, 64 KiB at a time."""
    head = EFETCH_HEADER + b"<PubmedArticleSet>\n"
    yield head
    block = b" " * 65536
    left = size - len(head)
    while left > 0:
        yield block[: min(left, len(block))]
        left -= len(block)


def _gzip_bomb(size: int) -> Iterator[bytes]:
    """:func:`_huge_body` gzip-compressed on the fly (1 GiB of it is about 1 MB)."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    out = b""
    for piece in _huge_body(size):
        out += packer.compress(piece)
        if len(out) >= 16384:
            yield out
            out = b""
    yield out + packer.flush()


def _trickle(body: bytes) -> Iterator[bytes]:
    for i in range(len(body)):
        yield body[i : i + 1]


class EUtilsServer:
    """A real HTTP stand-in for NCBI's E-utilities on 127.0.0.1 (random free port by default).

    Use as a context manager or call :meth:`start`/:meth:`stop`. ``url`` ends with ``/`` so a
    client joins ``"efetch.fcgi"`` to it. All registration methods are thread-safe and may be
    called while the server runs.

    ``delay`` sleeps before every answer; ``enforce_rate_limit`` makes the server answer 429
    itself when more than 3 (10 with ``api_key``) requests arrive within one second, as NCBI does.
    """

    def __init__(
        self,
        articles: Mapping[str, bytes] | None = None,
        *,
        samples_dir: Path | None = None,
        port: int = 0,
        delay: float = 0.0,
        enforce_rate_limit: bool = False,
    ) -> None:
        self._lock = threading.RLock()
        self._articles: dict[str, bytes] = {}
        self._dois: dict[str, str] = {}
        self._dates: dict[str, dict[str, tuple[int, int, int]]] = {}
        self._searches: dict[str, _Search] = {}
        self._counts: dict[tuple[str, str | None], int] = {}
        self._links: dict[tuple[str, str], list[str]] = {}
        self._citmatch: dict[str, str] = {}
        self._faults: list[Fault] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self.requests: list[LoggedRequest] = []
        self.delay = delay
        self.enforce_rate_limit = enforce_rate_limit
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        if samples_dir is not None:
            self.load_samples(samples_dir)
        for pmid, xml in (articles or {}).items():
            self.add_article(pmid, xml)

    # ----------------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/`` (the server must be started)."""
        if self._httpd is None:
            raise RuntimeError("EUtilsServer is not started")
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("EUtilsServer is not started")
        return int(self._httpd.server_address[1])

    def start(self) -> EUtilsServer:
        """Bind and serve in a daemon thread; returns ``self``."""
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.eutils = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"eutils-server-{httpd.server_address[1]}",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close every open connection (kept-alive ones too)."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()  # hostile streams end now
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> EUtilsServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            if add:
                self._connections.add(conn)
            else:
                self._connections.discard(conn)

    # ----------------------------------------------------------------------- data

    def add_article(self, pmid: str | int, xml: bytes | str) -> None:
        """Serve ``xml`` (one ``<PubmedArticle>``/``<PubmedBookArticle>`` element) for ``pmid``."""
        data = _normalise_article(xml)
        pmid = str(pmid)
        info = _article_info(data)
        with self._lock:
            self._articles[pmid] = data
            self._dates[pmid] = info["dates"]
            for doi in info["dois"]:
                self._dois[doi.lower()] = pmid

    def add_articles(self, articles: Mapping[str, bytes]) -> None:
        """:meth:`add_article` for each item."""
        for pmid, xml in articles.items():
            self.add_article(pmid, xml)

    def remove_article(self, pmid: str) -> None:
        """Forget ``pmid`` (efetch then omits it, as NCBI does for a withdrawn record)."""
        with self._lock:
            self._articles.pop(str(pmid), None)
            for doi, owner in list(self._dois.items()):
                if owner == str(pmid):
                    del self._dois[doi]

    def load_samples(self, samples_dir: Path) -> list[str]:
        """Serve every article of every ``efetch_*.xml`` in ``samples_dir``; returns their PMIDs."""
        loaded: list[str] = []
        for path in sorted(Path(samples_dir).glob("efetch_*.xml")):
            for pmid, chunk in split_articles(path.read_bytes()):
                self.add_article(pmid, chunk)
                loaded.append(pmid)
        return loaded

    @property
    def articles(self) -> dict[str, bytes]:
        """A copy of the served articles (pmid -> element bytes as sent)."""
        with self._lock:
            return dict(self._articles)

    def set_search(
        self,
        term: str,
        ids: Sequence[str | int],
        *,
        count: int | None = None,
        dates: Mapping[str, str] | None = None,
        translation: str | None = None,
    ) -> None:
        """Answer esearch ``term`` (exact match after whitespace normalisation) with ``ids``.

        ``ids`` are in NCBI's default order (newest first for PubMed). ``count`` overrides the
        reported total (e.g. 50,000 hits of which only ``ids`` are listed). ``dates`` maps a PMID
        to ``YYYY/MM/DD`` used by ``mindate``/``maxdate`` filters and ``sort=pub_date``; ids
        without one use the dates of their served article (entrez date for ``edat``/``crdt``,
        publication date for ``pdat``), else match every date range.
        """
        with self._lock:
            self._searches[_normalise_term(term)] = _Search(
                ids=[str(i) for i in ids],
                count=count,
                dates={str(k): v for k, v in (dates or {}).items()},
                translation=translation,
            )

    def set_count(self, term: str, count: int, *, since: str | None = None) -> None:
        """Make ``term`` report ``count`` hits; with ``since``, only for requests whose
        ``mindate`` equals it (any datetype) — the "new since the last visit" count."""
        key_since = None if since is None else _date_key(since)
        with self._lock:
            self._counts[(_normalise_term(term), key_since)] = count

    def set_links(self, pmid: str | int, linkname: str, ids: Sequence[str | int]) -> None:
        """elink answer for ``pmid`` under ``linkname`` (e.g. ``pubmed_pubmed_refs``), in order.

        For ``pubmed_pubmed`` NCBI lists the input PMID first; include it if you want that.
        """
        with self._lock:
            self._links[(str(pmid), linkname)] = [str(i) for i in ids]

    def set_citmatch(self, line_key: str, answer: str) -> None:
        """ECitMatch answer (a PMID, ``"AMBIGUOUS"``, ``"NOT_FOUND;INVALID_JOURNAL"``, …).

        ``line_key`` is ``journal|year|volume|first_page|author`` or, to match any author,
        ``journal|year|volume|first_page`` (case and spaces are normalised). Unregistered
        citations answer ``NOT_FOUND``. With an ``INVALID_JOURNAL`` answer the author field is
        echoed empty, as NCBI does.
        """
        with self._lock:
            self._citmatch[_citmatch_key(line_key.split("|"))] = answer

    # ----------------------------------------------------------------------- faults and log

    def inject(self, fault: Fault) -> None:
        """Queue ``fault``; queued faults are consumed in order by matching requests."""
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear_log(self) -> None:
        """Forget logged requests (the rate-limit window restarts too)."""
        with self._lock:
            self.requests.clear()

    def requests_to(self, endpoint: str) -> list[LoggedRequest]:
        """Logged requests to ``endpoint`` (``"efetch"`` or ``"efetch.fcgi"``), oldest first."""
        name = ENDPOINTS.get(endpoint, endpoint)
        with self._lock:
            return [r for r in self.requests if r.endpoint == name]

    def requested_ids(self, endpoint: str = "efetch") -> list[str]:
        """Every id sent to ``endpoint``, across requests, in order (duplicates kept)."""
        return [i for r in self.requests_to(endpoint) for i in r.ids]

    def queries(self, *, accepted: bool | None = None) -> list[str]:
        """esearch terms received; ``accepted=True/False`` keeps those :func:`check_term`
        accepts/rejects."""
        terms = [r.param("term") or "" for r in self.requests_to("esearch")]
        if accepted is None:
            return terms
        return [t for t in terms if (not check_term(t)) == accepted]

    def max_requests_in_any_window(
        self, seconds: float = 1.0, *, endpoint: str | None = None
    ) -> int:
        """The most requests that arrived within any window ``[t, t + seconds)``."""
        with self._lock:
            times = sorted(
                r.time
                for r in self.requests
                if endpoint is None or r.endpoint == ENDPOINTS.get(endpoint, endpoint)
            )
        best = 0
        start = 0
        for end, t in enumerate(times):
            while t - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    # ----------------------------------------------------------------------- dispatch

    def _respond(
        self,
        name: str,
        method: str,
        params: dict[str, list[str]],
        arrived: float,
        path: str,
        headers: dict[str, str],
    ) -> _Response:
        endpoint = ENDPOINTS.get(name, name)
        with self._lock:
            self.requests.append(LoggedRequest(endpoint, method, params, arrived, path, headers))
            fault = self._take_fault(endpoint) if endpoint in ENDPOINTS.values() else None
            limit = 10 if params.get("api_key") else 3
            recent = sum(1 for r in self.requests if arrived - r.time < 1.0)
        if self.delay:
            time.sleep(self.delay)
        rate_headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(limit - recent, 0)),
            "Access-Control-Expose-Headers": "X-RateLimit-Limit,X-RateLimit-Remaining",
            "Access-Control-Allow-Origin": "*",
            "Cache-Control": "private",
        }
        if endpoint not in ENDPOINTS.values():
            return _Response(404, _html_page(404, "Not Found"), "text/html; charset=UTF-8")
        if self.enforce_rate_limit and recent > limit and fault is None:
            fault = Fault("429")
        if fault is not None:
            faulted = self._apply_fault(fault, endpoint, params, rate_headers, recent, limit)
            if faulted is not None:
                return faulted
        return self._answer(endpoint, params, rate_headers, fault)

    def _take_fault(self, endpoint: str) -> Fault | None:
        for index, fault in enumerate(self._faults):
            if fault.matches(endpoint):
                fault.times -= 1
                if fault.times <= 0:
                    del self._faults[index]
                return fault
        return None

    def _apply_fault(
        self,
        fault: Fault,
        endpoint: str,
        params: dict[str, list[str]],
        rate_headers: dict[str, str],
        recent: int,
        limit: int,
    ) -> _Response | None:
        kind = fault.kind
        if kind in ("429", "rate_limit_200"):
            body = _rate_limit_body(params, recent, limit)
            headers = dict(rate_headers, **{"X-RateLimit-Remaining": "0"})
            if kind == "429":
                retry = 1 if fault.retry_after is None else fault.retry_after
                headers["Retry-After"] = format(retry, "g")
                return _Response(429, body, JSON_CONTENT_TYPE, headers)
            return _Response(200, body, JSON_CONTENT_TYPE, headers)
        if kind == "500":
            return _Response(fault.status or 500, ERROR_500_BODY, JSON_CONTENT_TYPE, rate_headers)
        if kind in ("502", "503", "http_error"):
            status = fault.status or (int(kind) if kind.isdigit() else 500)
            reason = {502: "Bad Gateway", 503: "Service Unavailable"}.get(status, "Error")
            return _Response(status, _html_page(status, reason), "text/html; charset=UTF-8")
        if kind == "error_200":
            body = _error_body(endpoint, fault.message)
            ctype = TEXT_CONTENT_TYPE if endpoint == "ecitmatch" else XML_CONTENT_TYPE
            return _Response(fault.status or 200, body, ctype, rate_headers)
        if kind == "empty":
            return _Response(200, b"", XML_CONTENT_TYPE, rate_headers)
        if kind == "drop":
            return _Response(0, b"", "", drop=True)
        if kind == "slow":
            time.sleep(fault.delay)
            return None
        if kind == "truncated":
            full = self._answer(endpoint, params, rate_headers, None)
            full.body = full.body[: len(full.body) // 2]
            return full
        if kind == "huge":
            size = fault.size or HUGE_BODY
            return _Response(
                fault.status or 200, b"", XML_CONTENT_TYPE, rate_headers,
                stream=_huge_body(size), length=size if fault.declare_length else None,
            )  # fmt: skip
        if kind == "gzip_bomb":
            headers = dict(rate_headers, **{"Content-Encoding": "gzip"})
            return _Response(
                fault.status or 200, b"", XML_CONTENT_TYPE, headers,
                stream=_gzip_bomb(fault.size or BOMB_BODY),
            )  # fmt: skip
        if kind == "trickle":
            full = self._answer(endpoint, params, rate_headers, None)
            full.stream, full.length = _trickle(full.body), len(full.body)
            full.pause = fault.delay or 5.0
            return full
        return None  # missing_ids: handled by _answer

    def _answer(
        self,
        endpoint: str,
        params: dict[str, list[str]],
        headers: dict[str, str],
        fault: Fault | None,
    ) -> _Response:
        if endpoint == "efetch":
            missing = set(fault.ids) if fault is not None and fault.kind == "missing_ids" else set()
            body = self._efetch(params, missing)
        elif endpoint == "esearch":
            body = self._esearch(params)
        elif endpoint == "elink":
            body = self._elink(params)
        else:
            return _Response(200, self._ecitmatch(params), TEXT_CONTENT_TYPE, headers)
        return _Response(200, body, XML_CONTENT_TYPE, headers)

    # ----------------------------------------------------------------------- efetch

    def _efetch(self, params: dict[str, list[str]], missing: set[str]) -> bytes:
        db = _first(params, "db", "pubmed")
        if db != "pubmed":
            return _efetch_error(f"Invalid db name specified: {db}")
        ids: list[str] = []
        for value in params.get("id", []):
            for pmid in _split_ids(value):
                if pmid not in ids:
                    ids.append(pmid)
        if not ids:
            return _efetch_error("Empty id list - nothing todo")
        with self._lock:
            chunks = [self._articles[p] for p in ids if p in self._articles and p not in missing]
        if not chunks:
            return EFETCH_HEADER + b"<PubmedArticleSet></PubmedArticleSet>"
        return EFETCH_HEADER + b"<PubmedArticleSet>\n" + b"".join(chunks) + b"</PubmedArticleSet>"

    # ----------------------------------------------------------------------- esearch

    def _esearch(self, params: dict[str, list[str]]) -> bytes:
        db = _first(params, "db", "pubmed")
        if db != "pubmed":
            return _esearch_error(f"Invalid db name specified: {db}")
        raw_term = _first(params, "term", "")
        term = _normalise_term(raw_term)
        if not term:
            return _esearch_error("Empty term and query_key - nothing todo")
        try:
            retstart = int(_first(params, "retstart", "0") or 0)
            retmax = int(_first(params, "retmax", "20") or 20)
        except ValueError:
            return _esearch_error("Invalid retstart or retmax value")
        if retstart > ESEARCH_PAGING_LIMIT - 1:
            return _esearch_error(
                "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998. "
                "For PubMed, ESearch can only retrieve the first 9,999 records matching the "
                "query. To obtain more than 9,999 PubMed records, consider using EDirect that "
                "contains additional logic to batch PubMed search results automatically so "
                "that an arbitrary number can be retrieved. For details see "
                "https://www.ncbi.nlm.nih.gov/books/NBK25499/"
            )
        retmax = max(0, min(retmax, ESEARCH_PAGING_LIMIT))
        problems = check_term(term)
        if any(p.startswith("Unbalanced") for p in problems):
            return _esearch_error(f"Invalid query: {problems[0].lower()}: {raw_term}")
        fields_not_found = [p.removeprefix("Field not found: ") for p in problems]

        datetype = _first(params, "datetype", "edat") or "edat"
        mindate = _first(params, "mindate", None)
        maxdate = _first(params, "maxdate", None)
        lo = _parse_date(mindate, end=False) if mindate else None
        hi = _parse_date(maxdate, end=True) if maxdate else None

        with self._lock:
            search = self._resolve_search(term)
            count_override = self._counts.get((term, _date_key(mindate) if mindate else None))
            if search is not None:
                dated = [(pmid, self._date_of(search, pmid, datetype)) for pmid in search.ids]
        if search is None:
            if count_override:
                search = _Search(ids=[], count=None, dates={}, translation=None)
                dated = []
            else:
                return self._esearch_not_found(term, fields_not_found, params)
        if lo is not None or hi is not None:
            dated = [
                (p, d)
                for p, d in dated
                if d is None or ((lo is None or d >= lo) and (hi is None or d <= hi))
            ]
            filtered = True
        else:
            filtered = False
        if _first(params, "sort", "") in ("pub_date", "pub+date", "pub date"):
            dated.sort(key=lambda item: item[1] or (0, 0, 0), reverse=True)
        ids = [p for p, _ in dated]
        if count_override is not None:
            count = count_override
        elif search.count is not None and not filtered:
            count = search.count
        else:
            count = len(ids)

        if _first(params, "rettype", "") == "count":
            return (
                ESEARCH_HEADER
                + f"<eSearchResult>\n\t<Count>{count}</Count>\n</eSearchResult>\n".encode()
            )
        page = ids[retstart : retstart + retmax]
        parts = [
            f"<eSearchResult><Count>{count}</Count><RetMax>{len(page)}</RetMax>"
            f"<RetStart>{retstart}</RetStart>"
        ]
        if page:
            parts.append("<IdList>\n" + "".join(f"<Id>{p}</Id>\n" for p in page) + "</IdList>")
        else:
            parts.append("<IdList/>")
        translation = search.translation if search.translation is not None else term
        parts.append(f"<TranslationSet/><QueryTranslation>{_esc(translation)}</QueryTranslation>")
        if fields_not_found:
            parts.append(
                "<ErrorList>"
                + "".join(f"<FieldNotFound>{_esc(f)}</FieldNotFound>" for f in fields_not_found)
                + "</ErrorList>"
            )
        if count == 0:
            parts.append(
                "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
            )
        parts.append("</eSearchResult>\n")
        return ESEARCH_HEADER + to_ncbi_ascii("".join(parts))

    def _esearch_not_found(
        self, term: str, fields_not_found: list[str], params: dict[str, list[str]]
    ) -> bytes:
        if _first(params, "rettype", "") == "count":
            return ESEARCH_HEADER + b"<eSearchResult>\n\t<Count>0</Count>\n</eSearchResult>\n"
        phrase = re.sub(r"\[[^\]]*\]$", "", term).strip().strip('"')
        errors = "".join(f"<FieldNotFound>{_esc(f)}</FieldNotFound>" for f in fields_not_found)
        if not fields_not_found:
            errors = f"<PhraseNotFound>{_esc(phrase)}</PhraseNotFound>"
        translation = f"({term})" if "[" in term else f"({term}[All Fields])"
        body = (
            "<eSearchResult><Count>0</Count><RetMax>0</RetMax><RetStart>0</RetStart><IdList/>"
            f"<TranslationSet/><QueryTranslation>{_esc(translation)}</QueryTranslation>"
            f"<ErrorList>{errors}</ErrorList>"
            "<WarningList><OutputMessage>No items found.</OutputMessage></WarningList>"
            "</eSearchResult>\n"
        )
        return ESEARCH_HEADER + to_ncbi_ascii(body)

    def _resolve_search(self, term: str) -> _Search | None:
        """Registered term, else an automatic DOI / PMID term; caller holds the lock."""
        if term in self._searches:
            return self._searches[term]
        # OR-joined DOI and PMID terms, as NCBI answers them: the union of the matches.
        pmids: list[str] = []
        for part in re.split(r"\s+OR\s+", term):
            part = part.strip()
            doi = re.fullmatch(
                r'\(?"?([^"\[\]]+?)"?\s*\[(doi|aid|lid|location id)\]\)?', part, re.I
            )
            uid = re.fullmatch(r'\(?"?(\d+)"?\s*\[(uid|pmid)\]\)?', part, re.I)
            if doi:
                pmid = self._dois.get(doi.group(1).strip().lower())
            elif uid:
                pmid = uid.group(1) if uid.group(1) in self._articles else None
            else:
                return None
            if pmid and pmid not in pmids:
                pmids.append(pmid)
        if not pmids:
            return None
        pmids.sort(key=int, reverse=True)
        return _Search(pmids, None, {}, None)

    def _date_of(self, search: _Search, pmid: str, datetype: str) -> tuple[int, int, int] | None:
        if pmid in search.dates:
            return _parse_date(search.dates[pmid], end=False)
        dates = self._dates.get(pmid, {})
        kind = {"pdat": "pdat", "mdat": "mdat"}.get(datetype.lower(), "edat")
        return dates.get(kind)

    # ----------------------------------------------------------------------- elink

    def _elink(self, params: dict[str, list[str]]) -> bytes:
        dbfrom = _first(params, "dbfrom", "pubmed") or "pubmed"
        db = _first(params, "db", "pubmed") or "pubmed"
        linkname = _first(params, "linkname", None)
        id_groups = [_split_ids(v) for v in params.get("id", []) if _split_ids(v)]
        if not id_groups:
            return (
                ELINK_HEADER
                + b"<eLinkResult>\n<ERROR>Empty id list - nothing todo</ERROR>\n</eLinkResult>\n"
            )
        out = [ELINK_HEADER.decode(), "<eLinkResult>\n\n"]
        with self._lock:
            for group in id_groups:
                out.append(f"  <LinkSet>\n    <DbFrom>{_esc(dbfrom)}</DbFrom>\n    <IdList>\n")
                out.extend(f"      <Id>{_esc(i)}</Id>\n" for i in group)
                out.append("    </IdList>\n")
                names: list[str] = []
                for (pmid, name), _links in self._links.items():
                    if pmid in group and name not in names and (linkname in (None, name)):
                        names.append(name)
                for name in names:
                    merged: list[str] = []
                    for pmid in group:
                        for target in self._links.get((pmid, name), []):
                            if target not in merged:
                                merged.append(target)
                    if not merged:
                        continue
                    out.append(
                        f"    <LinkSetDb>\n      <DbTo>{_esc(db)}</DbTo>\n"
                        f"      <LinkName>{_esc(name)}</LinkName>\n      \n"
                    )
                    out.extend(
                        f"        <Link>\n\t\t\t\t<Id>{_esc(t)}</Id>\n\t\t\t</Link>\n"
                        for t in merged
                    )
                    out.append("      \n    </LinkSetDb>\n")
                out.append("  </LinkSet>\n")
        out.append("</eLinkResult>\n")
        return to_ncbi_ascii("".join(out))

    # ----------------------------------------------------------------------- ecitmatch

    def _ecitmatch(self, params: dict[str, list[str]]) -> bytes:
        lines: list[str] = []
        for value in params.get("bdata", []):
            lines.extend(line for line in re.split(r"[\r\n]+", value) if line.strip())
        out: list[str] = []
        with self._lock:
            for line in lines:
                fields = (line.split("|") + [""] * 6)[:6]
                journal, year, volume, page, author, key = fields
                answer = self._citmatch.get(_citmatch_key(fields[:5]))
                if answer is None:
                    answer = self._citmatch.get(_citmatch_key(fields[:4]), "NOT_FOUND")
                if "INVALID_JOURNAL" in answer:
                    author = ""
                echo = "|".join(f.lower() for f in (journal, year, volume, page, author))
                out.append(f"{echo}|{key}|{answer}\n")
        return "".join(out).encode("utf-8")


# --------------------------------------------------------------------------------------------
# Small helpers for the bodies
# --------------------------------------------------------------------------------------------


def _first(params: Mapping[str, list[str]], name: str, default: str | None) -> str | None:
    values = params.get(name)
    return values[0] if values else default


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _date_key(value: str) -> str:
    parsed = _parse_date(value, end=False)
    return "/".join(str(p) for p in parsed) if parsed else value.strip()


def _citmatch_key(fields: Sequence[str]) -> str:
    return "|".join(" ".join(f.lower().replace("+", " ").split()) for f in fields)


def _html_page(status: int, reason: str) -> bytes:
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n</body>\r\n</html>\r\n"
    ).encode("ascii")


def _rate_limit_body(params: Mapping[str, list[str]], recent: int, limit: int) -> bytes:
    key = _first(params, "api_key", None)
    if key is None:
        return RATE_LIMIT_BODY
    payload = {
        "error": "API rate limit exceeded",
        "api-key": key,
        "count": str(max(recent, limit + 1)),
        "limit": str(limit),
    }
    return json.dumps(payload, separators=(",", ":")).encode("ascii")


def _esearch_error(message: str) -> bytes:
    return ESEARCH_HEADER + to_ncbi_ascii(
        f"<eSearchResult><ERROR>{_esc(message)}</ERROR></eSearchResult>\n"
    )


def _efetch_error(message: str) -> bytes:
    return EFETCH_ERROR_HEADER + to_ncbi_ascii(
        f"<eFetchResult>\n\t<ERROR>{_esc(message)}</ERROR>\n</eFetchResult>\n"
    )


def _error_body(endpoint: str, message: str | None) -> bytes:
    if endpoint == "esearch":
        return _esearch_error(message or "Search Backend failed: Database is not supported: pubmed")
    if endpoint == "efetch":
        return _efetch_error(message or "Unable to open connection to #PMQuerySrv?dbaf=pubmed")
    if endpoint == "elink":
        text = _esc(message or "Unable to open connection to #PMQuerySrv?dbaf=pubmed")
        return ELINK_HEADER + f"<eLinkResult>\n<ERROR>{text}</ERROR>\n</eLinkResult>\n".encode()
    return f"<ERROR>{_esc(message or 'Unable to process request')}</ERROR>\n".encode()


def _article_info(data: bytes) -> dict[str, Any]:
    """DOIs and search dates of one article element (best effort: bad XML yields nothing)."""
    info: dict[str, Any] = {"dois": [], "dates": {}}
    try:
        element = etree.fromstring(data, _XML_PARSER)
    except etree.XMLSyntaxError:
        return info
    dois = element.xpath(
        "(PubmedData|BookDocument)/ArticleIdList/ArticleId[@IdType='doi']/text()"
        " | MedlineCitation/Article/ELocationID[@EIdType='doi']/text()"
    )
    info["dois"] = sorted({d.strip() for d in dois if d.strip()})

    def ymd(node: etree._Element | None) -> tuple[int, int, int] | None:
        if node is None:
            return None
        year = node.findtext("Year")
        if not year or not year.strip().isdigit():
            return None
        month = node.findtext("Month") or "1"
        day = node.findtext("Day") or "1"
        return int(year), _month_number(month.strip()), int(day) if day.strip().isdigit() else 1

    dates = info["dates"]
    entrez = element.find("PubmedData/History/PubMedPubDate[@PubStatus='entrez']")
    pubmed = element.find("PubmedData/History/PubMedPubDate[@PubStatus='pubmed']")
    pubdate = element.find(".//JournalIssue/PubDate")
    if pubdate is None:
        pubdate = element.find(".//Book/PubDate")
    revised = element.find(".//DateRevised")
    for kind, node in (
        ("edat", entrez if entrez is not None else pubmed),
        ("pdat", pubdate),
        ("mdat", revised),
    ):
        value = ymd(node)
        if value is not None:
            dates[kind] = value
    return info


# --------------------------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------------------------


def demo_server(
    *,
    port: int = 0,
    samples_dir: Path | None = None,
    fictional: int = 10,
    delay: float = 0.0,
) -> EUtilsServer:
    """A server preloaded for trying mscterm by hand (not started)."""
    server = EUtilsServer(samples_dir=samples_dir, port=port, delay=delay)
    articles = fictional_articles(fictional)
    server.add_articles(articles)
    ids = sorted(articles, key=int, reverse=True)
    if ids:
        server.set_search(FICTIONAL_SEARCH_TERM, ids)
        server.set_search("mesenchymal stem cells", ids)
        server.set_search("mesenchymal stem cells[MeSH Terms]", ids)
        first = ids[-1]
        server.set_links(first, "pubmed_pubmed", [first, *ids[:-1][:5]])
        server.set_links(first, "pubmed_pubmed_citedin", ids[:3])
        server.set_links(first, "pubmed_pubmed_refs", ids[3:6])
    return server


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.eutils_server``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.eutils_server",
        description="Local stand-in for NCBI E-utilities (tests and manual trials).",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = random)")
    parser.add_argument("--samples", type=Path, default=None, help="serve efetch_*.xml of DIR")
    parser.add_argument(
        "--fictional", type=int, default=10, help="fictional records 90000001.. (default 10)"
    )
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    args = parser.parse_args(argv)
    server = demo_server(
        port=args.port, samples_dir=args.samples, fictional=args.fictional, delay=args.delay
    )
    server.start()
    print(server.url, flush=True)
    print(
        f"serving {len(server.articles)} records; esearch terms: {FICTIONAL_SEARCH_TERM!r}, "
        "'mesenchymal stem cells'; Ctrl-C stops",
        flush=True,
    )
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
