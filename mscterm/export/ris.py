"""RIS (``TAG  - value``), the format every reference manager imports.

Lines end in CRLF, as the RIS specification asks: EndNote expects it, and Zotero, Mendeley and
JabRef accept it (they also accept LF, but not every tool accepts LF). Values are one line each:
controls and newlines are removed, so a hostile title cannot start a new tag. The citation key
goes to ``ID`` so a re-import can be matched to the .bib.

Decisions (checked against Zotero's RIS import translator):

* ``T2`` is the journal in the export's one form (``settings.journal``; with ``full``, the full
  title, falling back to the abbreviation where it is unknown), ``J2`` the ISO abbreviation
  (Zotero's "Journal Abbr"; ``JO`` is only read as a fallback). ``C2`` is the bare PMCID.
* Zotero reads ``AU`` as ``last, first``: it cuts at the first comma and keeps a name as one
  institutional name only when there is no comma. A collective name's commas are therefore
  written as U+201A SINGLE LOW-9 QUOTATION MARK, which looks like a comma but is not one, so
  "National Academies of Sciences, Engineering, and Medicine" arrives whole.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from mscterm.export import common
from mscterm.export.options import DEFAULT_OPTIONS, ExportOptions
from mscterm.model import Author, Record

EOL = "\r\n"
_TYPES = {"article": "JOUR", "book": "BOOK", "chapter": "CHAP"}
GROUP_COMMA = "\u201a"
"""What stands for a comma inside a collective name (see the module docstring)."""


def group_name(name: str | None) -> str:
    """A collective (corporate) name in the form Zotero keeps whole: no ASCII comma."""
    return common.clean_text(name).replace(",", GROUP_COMMA)


def ris_name(author: Author) -> str:
    """``Family, Given`` or ``Family, Given, Suffix`` (RIS's order); a group as its name."""
    family = common.clean_text(author.family)
    if author.collective and not family:
        return group_name(author.collective)
    given = common.given_name(author)
    if not family:
        return given
    suffix = common.clean_text(author.suffix)
    return ", ".join(p for p in (family, given, suffix) if p)


def line_adder(lines: list[str]) -> Callable[[str, str | None], None]:
    """``add(tag, value)``: appends ``TAG  - value`` when the cleaned value is not empty."""

    def add(tag: str, value: str | None) -> None:
        value = common.clean_text(value)
        if value:
            lines.append(f"{tag}  - {value}")

    return add


def add_annotation(
    add: Callable[[str, str | None], None], rid: str, options: ExportOptions, keywords: list[str]
) -> None:
    """``KW`` lines (keywords, then tags not already among them) and the note as ``N1``."""
    annotation = options.annotation(rid)
    words = list(keywords)
    if annotation is not None:
        seen = {w.casefold() for w in words}
        tags = [t for t in map(common.clean_text, annotation.tags) if t]
        words += [t for t in tags if t.casefold() not in seen]
    for word in words:
        add("KW", word)
    if annotation is not None:
        add("N1", annotation.note)


def build_lines(record: Record, key: str, options: ExportOptions = DEFAULT_OPTIONS) -> list[str]:
    """The ``TAG  - value`` lines of one reference, ``TY`` first and ``ER`` last."""
    kind = common.kind(record)
    lines = [f"TY  - {_TYPES[kind]}"]
    add = line_adder(lines)
    add("ID", key)
    for author in record.authors:
        add("AU", ris_name(author))
    if record.book is not None:
        for editor in record.book.editors:
            add("A2" if kind == "chapter" else "ED", ris_name(editor))
    if kind == "book":
        add("TI", common.book_title(record))
    else:
        add("TI", common.title_text(record))
    if kind == "chapter":
        add("T2", common.book_title(record))
    elif kind == "article":
        add("T2", common.journal_title(record, options.journal))
        add("J2", record.journal_abbrev)
    if record.book is not None:
        add("PB", record.book.publisher)
        add("CY", record.book.location)
    if record.year:
        add("PY", str(record.year))
        month = common.month_of(record)
        add("DA", f"{record.year:04d}/{month:02d}//" if month else f"{record.year:04d}///")
    if kind == "article":
        add("VL", record.volume)
        add("IS", record.issue)
    pages = common.page_range(record.pages)
    if pages:
        add("SP", pages[0])
        add("EP", pages[1])
    add("DO", common.safe_doi(record.doi))
    add("AN", common.safe_id(record.pmid))
    add("C2", common.safe_id(record.pmcid))
    add("UR", common.pubmed_url(record))
    add("LA", common.language_code(record))
    add("N1", common.retraction_note(record))
    if options.include_abstract:
        add("AB", common.abstract_text(record))
    add_annotation(
        add, record.id, options, common.keyword_list(record) if options.include_abstract else []
    )
    lines.append("ER  - ")
    return lines


def join(references: list[list[str]]) -> str:
    """References as RIS text with CRLF line ends and a blank line between references."""
    out = [EOL.join(lines) for lines in references]
    return (EOL + EOL).join(out) + EOL if out else ""


def export_ris(
    records: Iterable[Record], keys: Mapping[str, str], options: ExportOptions = DEFAULT_OPTIONS
) -> str:
    """All ``records`` as RIS text."""
    return join([build_lines(r, keys[r.id], options) for r in records])
