"""Plain-text renderings of a record: a one-paragraph citation and a full readable view.

Used by ``mscterm lookup`` (text output) and by the TUI's copy menu, so a citation copied from
the app and one printed by the CLI are the same text. All text passes through
:mod:`mscterm.textsafe`: nothing from the network can steer the terminal.
"""

from __future__ import annotations

from mscterm.model import Record
from mscterm.textsafe import clean, one_line

MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def author_list(record: Record, limit: int | None = None) -> str:
    """``Wang Y, Han ZB, Song YP`` (NLM style), with ``et al.`` when cut or possibly partial."""
    names = [one_line(a.display) for a in record.authors]
    cut = limit is not None and len(names) > limit
    if cut:
        names = names[:limit]
    text = ", ".join(n for n in names if n)
    if text and (cut or record.authors_complete is False):
        text += ", et al."
    return text


def source_line(record: Record) -> str:
    """``Stem Cells Int. 2012 May;2012:652034`` — where and when it appeared."""
    where = one_line(record.journal_abbrev or record.journal or "")
    if record.book and not where:
        where = one_line(record.book.booktitle or "")
    when = str(record.year) if record.year else ""
    if when and record.month and 1 <= record.month <= 12:
        when += f" {MONTHS[record.month - 1]}"
    text = f"{where}. {when}" if where and when else (where or when)
    if record.volume:
        text += f";{one_line(record.volume)}"
        if record.issue:
            text += f"({one_line(record.issue)})"
    if record.pages:
        text += f":{one_line(record.pages)}"
    return text


def format_citation(record: Record) -> str:
    """One NLM-style citation paragraph, as a person pastes it into an e-mail or a report."""
    parts = []
    authors = author_list(record, limit=6)
    if authors:
        parts.append(authors.rstrip(".") + ".")
    title = one_line(record.title)
    if title:
        parts.append(title if title.endswith((".", "?", "!")) else title + ".")
    source = source_line(record)
    if source:
        parts.append(source + ".")
    if record.doi:
        parts.append(f"doi:{one_line(record.doi)}.")
    if record.pmid:
        parts.append(f"PMID: {record.pmid}.")
    if record.retracted:
        parts.append("Retracted.")
    return " ".join(parts)


def format_record_text(record: Record) -> str:
    """The whole record as readable text: what ``mscterm lookup`` prints."""
    lines = []
    if record.retracted:
        lines.append("*** RETRACTED PUBLICATION ***")
    lines.append(one_line(record.title) or "(no title)")
    authors = author_list(record)
    if authors:
        lines.append(authors)
    source = source_line(record)
    if source:
        lines.append(source)
    ids = []
    if record.pmid:
        ids.append(f"PMID: {record.pmid}")
    if record.pmcid:
        ids.append(f"PMCID: {one_line(record.pmcid)}")
    if record.doi:
        ids.append(f"DOI: {one_line(record.doi)}")
    if not record.pmid:
        ids.append(f"id: {record.id}")
    lines.append("  ".join(ids))
    if record.publication_types:
        lines.append("Type: " + "; ".join(one_line(t) for t in record.publication_types))
    if record.abstract:
        lines.append("")
        for section in record.abstract:
            text = clean(section.text).strip()
            lines.append(f"{one_line(section.label).upper()}: {text}" if section.label else text)
    if record.mesh:
        lines.append("")
        lines.append(
            "MeSH: "
            + "; ".join(one_line(m.descriptor) + ("*" if m.major else "") for m in record.mesh)
        )
    if record.source == "seed":
        lines.append("")
        lines.append("(citation-level record from the seed snapshot; fetched in full when online)")
    return "\n".join(lines)
