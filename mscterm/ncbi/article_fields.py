"""The fields of a PubMed article, one small reader each: people, ids, pages, subjects, text.

Shared by the journal-article and book builders of :mod:`mscterm.ncbi.articles` (dates are
:mod:`mscterm.ncbi.pubdates`'). They walk children with ``find``/``findtext``/``iterchildren``
(no XPath, no per-record regular expressions) because they run for every article of every
answer (``bench/bench_parse.py``).

Judgement calls (the DTD allows more than the record JSON can hold):

* Authors with ``ValidYN="N"`` (names NCBI marks as wrong) are left out, as PubMed's page does.
* ``comments`` keeps the correction/retraction/concern/update/comment links
  (:data:`COMMENT_TYPES`), never the thousands of ``Cites`` entries.
* Keywords and languages are de-duplicated (book chapters repeat keywords), order kept.
* An ``ELocationID`` of type ``pii`` stands in for missing pages only when it has the shape of
  an article number (``2564``, ``e154225``, ``euae122``, ``CD012345``): NCBI files article
  numbers under ``pii`` too. Anything else there (``S0012-3692(25)05841-6``,
  ``bjophthalmol-2019-314612``) is a publisher's item identifier, which is not a page and which
  exporters would mangle into a page range.
"""

from __future__ import annotations

import re

from lxml import etree

from mscterm.model import NCT_RE, AbstractSection, Author, MeshHeading
from mscterm.ncbi.xmltext import plain, text

__all__ = [
    "COMMENT_TYPES",
    "abstract",
    "article_number",
    "authors",
    "comments",
    "elocation",
    "ids",
    "is_retracted",
    "keywords",
    "languages",
    "mesh",
    "pages",
    "registry_ids",
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

_ORCID_RE = re.compile(r"(\d{4})-?(\d{4})-?(\d{4})-?(\d{3}[\dXx])")
_ARTICLE_NUMBER_RE = re.compile(r"[A-Za-z]{0,6}[0-9]{1,10}[A-Za-z]{0,2}")
CLINICALTRIALS_GOV = "clinicaltrials.gov"


# -- people ---------------------------------------------------------------------------------


def _orcid(value: str | None) -> str | None:
    """``https://orcid.org/0000-0002-1825-0097`` or ``0000000218250097`` -> bare hyphenated id."""
    found = _ORCID_RE.search(value) if value else None
    return "-".join(found.groups()).upper() if found else None


def authors(author_list: etree._Element | None) -> list[Author]:
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
                family = plain(child.text)
            elif tag == "ForeName":
                given = plain(child.text)
            elif tag == "Initials":
                initials = plain(child.text)
            elif tag == "Suffix":
                suffix = plain(child.text)
            elif tag == "CollectiveName":
                collective = text(child) or None
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


# -- text ----------------------------------------------------------------------------------


def abstract(el: etree._Element | None) -> list[AbstractSection]:
    """The AbstractText paragraphs of one Abstract (labels of structured abstracts kept)."""
    if el is None:
        return []
    sections: list[AbstractSection] = []
    for part in el.iterchildren("AbstractText"):
        body = text(part)
        if body:
            label = part.get("Label")
            if label is not None:
                label = " ".join(label.split()) or None
            sections.append(AbstractSection(label=label, text=body))
    return sections


def keywords(parent: etree._Element) -> list[str]:
    out: list[str] = []
    seen: set[str] = set()
    for kw_list in parent.iterchildren("KeywordList"):
        for kw in kw_list.iterchildren("Keyword"):
            word = text(kw)
            if word and word not in seen:
                seen.add(word)
                out.append(word)
    return out


def languages(parent: etree._Element) -> list[str]:
    """Every ``<Language>`` of an Article or BookDocument, in order, each once."""
    found = (plain(el.text) for el in parent.iterchildren("Language"))
    return list(dict.fromkeys(code for code in found if code))


def mesh(citation: etree._Element) -> list[MeshHeading]:
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
                name = plain(child.text)
                major = major or child.get("MajorTopicYN") == "Y"
            elif tag == "QualifierName":
                qname = plain(child.text)
                if qname:
                    qualifiers.append(qname)
                major = major or child.get("MajorTopicYN") == "Y"
        if name:
            out.append(MeshHeading(descriptor=name, major=major, qualifiers=qualifiers))
    return out


def comments(citation: etree._Element) -> list[dict[str, str | None]]:
    cc_list = citation.find("CommentsCorrectionsList")
    if cc_list is None:
        return []
    out: list[dict[str, str | None]] = []
    for cc in cc_list.iterchildren("CommentsCorrections"):
        kind = cc.get("RefType")
        if kind in COMMENT_TYPES:
            out.append({"type": kind, "pmid": plain(cc.findtext("PMID"))})
    return out


def is_retracted(publication_types: list[str], notes: list[dict[str, str | None]]) -> bool:
    return "Retracted Publication" in publication_types or any(
        c["type"] == "RetractionIn" for c in notes
    )


# -- identifiers and pages -----------------------------------------------------------------


def ids(id_list: etree._Element | None) -> tuple[str | None, str | None]:
    """DOI and PMCID of one ArticleIdList (the article's own: callers never pass references')."""
    doi = pmcid = None
    if id_list is None:
        return None, None
    for aid in id_list.iterchildren("ArticleId"):
        kind = aid.get("IdType")
        if kind == "doi" and doi is None:
            doi = plain(aid.text)
        elif kind == "pmc" and pmcid is None:
            value = plain(aid.text)
            if value:
                pmcid = "PMC" + (value[3:] if value[:3].upper() == "PMC" else value)
    return doi, pmcid


def elocation(parent: etree._Element | None, kind: str) -> str | None:
    """The first valid ``ELocationID`` of type ``kind`` (``doi`` or ``pii``)."""
    if parent is None:
        return None
    for loc in parent.iterchildren("ELocationID"):
        if loc.get("EIdType") == kind and loc.get("ValidYN") != "N":
            value = plain(loc.text)
            if value:
                return value
    return None


def article_number(parent: etree._Element | None) -> str | None:
    """An ``ELocationID`` of type pii that is an article number (see the module notes)."""
    value = elocation(parent, "pii")
    return value if value and _ARTICLE_NUMBER_RE.fullmatch(value) else None


def pages(pagination: etree._Element | None) -> str | None:
    """``StartPage-EndPage`` when both exist, else MedlinePgn as NCBI wrote it, else StartPage."""
    if pagination is None:
        return None
    start = plain(pagination.findtext("StartPage"))
    end = plain(pagination.findtext("EndPage"))
    if start and end:
        return f"{start}-{end}"
    return plain(pagination.findtext("MedlinePgn")) or start


def registry_ids(article: etree._Element) -> list[str]:
    """ClinicalTrials.gov numbers of an Article's DataBankList (upper-case NCT ids, each once).

    Accession numbers that are not NCT ids (a typo, another registry filed under the wrong
    name) are left out: a trial link must lead somewhere.
    """
    bank_list = article.find("DataBankList")
    if bank_list is None:
        return []
    out: list[str] = []
    for bank in bank_list.iterchildren("DataBank"):
        if (plain(bank.findtext("DataBankName")) or "").lower() != CLINICALTRIALS_GOV:
            continue
        numbers = bank.find("AccessionNumberList")
        for number in numbers.iterchildren("AccessionNumber") if numbers is not None else ():
            value = (plain(number.text) or "").upper()
            if NCT_RE.fullmatch(value) and value not in out:
                out.append(value)
    return out
