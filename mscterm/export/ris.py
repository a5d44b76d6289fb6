"""RIS (``TAG  - value``), the format every reference manager imports.

Lines end in CRLF, as the RIS specification asks: EndNote expects it, and Zotero, Mendeley and
JabRef accept it (they also accept LF, but not every tool accepts LF). Values are one line each:
controls and newlines are removed, so a hostile title cannot start a new tag. The citation key
goes to ``ID`` so a re-import can be matched to the .bib.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from mscterm.export import common
from mscterm.model import Author, Record

EOL = "\r\n"
_TYPES = {"article": "JOUR", "book": "BOOK", "chapter": "CHAP"}


def ris_name(author: Author) -> str:
    """``Family, Given`` or ``Family, Given, Suffix`` (RIS's order); a group as its name."""
    family = common.clean_text(author.family)
    if author.collective and not family:
        return common.clean_text(author.collective)
    given = common.given_name(author)
    if not family:
        return given
    suffix = common.clean_text(author.suffix)
    return ", ".join(p for p in (family, given, suffix) if p)


def build_lines(record: Record, key: str, *, include_abstract: bool = False) -> list[str]:
    """The ``TAG  - value`` lines of one reference, ``TY`` first and ``ER`` last."""
    kind = common.kind(record)
    lines = [f"TY  - {_TYPES[kind]}"]

    def add(tag: str, value: str | None) -> None:
        value = common.clean_text(value)
        if value:
            lines.append(f"{tag}  - {value}")

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
        add("T2", record.journal or record.journal_abbrev)
        add("JO", record.journal_abbrev)
    if record.book is not None:
        add("PB", record.book.publisher)
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
    pmcid = common.safe_id(record.pmcid)
    if pmcid:
        add("C2", f"PMCID: {pmcid}")
    add("UR", common.pubmed_url(record))
    add("LA", record.language)
    add("N1", common.retraction_note(record))
    if include_abstract:
        add("AB", common.abstract_text(record))
        for word in common.keyword_list(record):
            add("KW", word)
    lines.append("ER  - ")
    return lines


def export_ris(
    records: Iterable[Record], keys: Mapping[str, str], *, include_abstract: bool = False
) -> str:
    """All ``records`` as RIS text with CRLF line ends and a blank line between references."""
    out = []
    for record in records:
        out.append(
            EOL.join(build_lines(record, keys[record.id], include_abstract=include_abstract))
        )
    return (EOL + EOL).join(out) + EOL if out else ""
