"""BibLaTeX entries for biber: ISO dates, PubMed ids as eprints, text pdflatex can typeset.

Same keys, escaping rules and title protection as :mod:`mscterm.export.bibtex`, but the fields
are biblatex's own: ``journaltitle``, ``date``, ``eprint``/``eprinttype = {pubmed}``. By default
the text is for pdflatex (letters UTF-8, Greek and symbols as LaTeX: see
:mod:`mscterm.export.latex`); ``ExportOptions.unicode`` keeps everything UTF-8 for lualatex and
xelatex. biblatex has no PMCID field; the PMCID goes to ``addendum`` (``PMCID: PMC…``), which
styles print after the entry -- what the NIH public access policy asks citations to show.
``url`` is written only when there is neither DOI nor PMID (both already link the entry).
``keywords`` are split on commas by biblatex: a keyword with a comma of its own is braced.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mscterm.export import common
from mscterm.export.bibtex import (
    BibEntry,
    entry_keywords,
    format_names,
    keywords_field,
    protect_title,
    render,
)
from mscterm.export.latex import Encoder, tex_pdflatex, tex_unicode
from mscterm.export.options import DEFAULT_OPTIONS, ExportOptions
from mscterm.model import Record


def encoder(options: ExportOptions) -> Encoder:
    """The text encoder the options ask for: pdflatex-safe, or pure UTF-8."""
    return tex_unicode if options.unicode else tex_pdflatex


def build_entry(record: Record, key: str, options: ExportOptions = DEFAULT_OPTIONS) -> BibEntry:
    """The BibLaTeX entry for ``record`` under ``key`` (TeX specials escaped)."""
    enc = encoder(options)
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
        journal = common.journal_title(record, options.journal)
        add("journaltitle", enc(journal))
        abbrev = common.clean_text(record.journal_abbrev)
        if abbrev and abbrev != journal:
            add("shortjournal", enc(abbrev))
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
        add("location", enc(common.clean_text(record.book.location)))
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
    if options.include_abstract:
        add("abstract", enc(common.abstract_text(record)))
    add("keywords", keywords_field(entry_keywords(record, options), enc))
    annotation = options.annotation(record.id)
    if annotation is not None:
        add("annotation", enc(annotation.note))
    add("langid", langid(record))
    return BibEntry(etype, key, fields)


def langid(record: Record) -> str:
    """The babel/polyglossia language name biblatex uses for hyphenation and casing, if known."""
    code = common.language_code(record)
    return _LANGIDS.get(code or "", "") if code != "en" else ""


_LANGIDS = {
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "pt": "portuguese",
    "ru": "russian",
    "nl": "dutch",
    "pl": "polish",
}
"""BCP 47 codes -> babel/polyglossia names biblatex uses for casing."""


def export_biblatex(
    records: Iterable[Record], keys: Mapping[str, str], options: ExportOptions = DEFAULT_OPTIONS
) -> str:
    """All ``records`` as a UTF-8 BibLaTeX file."""
    return "\n".join(render(build_entry(r, keys[r.id], options)) for r in records)
