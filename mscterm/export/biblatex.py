"""BibLaTeX entries for biber: UTF-8 text, ISO dates, PubMed ids as eprints.

Same keys, escaping rules and title protection as :mod:`mscterm.export.bibtex`, but non-ASCII
is kept as UTF-8 (biber reads it natively) and the fields are biblatex's own: ``journaltitle``,
``date``, ``eprint``/``eprinttype = {pubmed}``. biblatex has no PMCID field; the PMCID goes to
``addendum`` (``PMCID: PMC…``), which styles print after the entry -- what the NIH public access
policy asks citations to show. ``url`` is written only when there is neither DOI nor PMID (both
already link the entry).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mscterm.export import common
from mscterm.export.bibtex import BibEntry, format_names, protect_title, render, tex_utf8
from mscterm.model import Record


def build_entry(record: Record, key: str, *, include_abstract: bool = False) -> BibEntry:
    """The BibLaTeX entry for ``record`` under ``key`` (values UTF-8, TeX specials escaped)."""
    enc = tex_utf8
    kind = common.kind(record)
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        if value:
            fields.append((name, value))

    add("author", format_names(record.authors, enc, complete=record.authors_complete))
    if record.book is not None:
        add("editor", format_names(record.book.editors, enc))
    if kind == "article":
        etype = "article"
        add("title", protect_title(common.title_text(record), enc))
        add("journaltitle", enc(common.clean_text(record.journal or record.journal_abbrev)))
        if record.journal and record.journal_abbrev:
            add("shortjournal", enc(common.clean_text(record.journal_abbrev)))
    elif kind == "book":
        # biblatex's data model: @book needs an author, an edited volume is a @collection.
        has_authors = bool(record.authors)
        etype = "collection" if not has_authors and record.book and record.book.editors else "book"
        add("title", protect_title(common.book_title(record), enc))
    else:
        # @incollection needs editors; a chapter of an authored book is @inbook.
        etype = "incollection" if record.book and record.book.editors else "inbook"
        add("title", protect_title(common.title_text(record), enc))
        add("booktitle", protect_title(common.book_title(record), enc))
    if record.book is not None:
        add("publisher", enc(common.clean_text(record.book.publisher)))
    if record.year:
        month = common.month_of(record)
        add("date", f"{record.year:04d}-{month:02d}" if month else f"{record.year:04d}")
    if kind == "article":
        add("volume", enc(common.clean_text(record.volume)))
        add("number", enc(common.clean_text(record.issue)))
    add("pages", enc(common.pages_with(record.pages, "--")))
    add("doi", common.safe_doi(record.doi))
    pmid = common.safe_id(record.pmid)
    if pmid:
        add("eprint", pmid)
        add("eprinttype", "pubmed")
    pmcid = common.safe_id(record.pmcid)
    if pmcid:
        add("addendum", f"PMCID: {pmcid}")
    if not record.doi and not pmid:
        add("url", common.pubmed_url(record))
    add("note", common.retraction_note(record))
    if include_abstract:
        add("abstract", enc(common.abstract_text(record)))
        add("keywords", ", ".join(enc(k.replace(",", " ")) for k in common.keyword_list(record)))
    if record.language and record.language != "eng" and record.language.isalpha():
        add("langid", _LANGIDS.get(record.language.lower(), ""))
    return BibEntry(etype, key, fields)


_LANGIDS = {
    "ger": "german",
    "fre": "french",
    "spa": "spanish",
    "ita": "italian",
    "por": "portuguese",
    "rus": "russian",
    "dut": "dutch",
    "pol": "polish",
}
"""PubMed's three-letter language codes -> babel/polyglossia names biblatex uses for casing."""


def export_biblatex(
    records: Iterable[Record], keys: Mapping[str, str], *, include_abstract: bool = False
) -> str:
    """All ``records`` as a UTF-8 BibLaTeX file."""
    return "\n".join(
        render(build_entry(r, keys[r.id], include_abstract=include_abstract)) for r in records
    )
