"""A reference's row in a list: ``● ★ Rubio et al. 2005 · Cancer Res RETRACTED``.

Two parts, because they change for different reasons: the *row* comes from the record (its
citation and badges; it changes when the record arrives), the *prefix* from the person (mark,
landmark; it changes on ``space``). The tree keeps rows by record id and assembles a label when a
line is painted, so neither a mark nor an arriving record rebuilds any other label.
"""

from __future__ import annotations

from rich.text import Text

from mscterm.model import Record
from mscterm.tui.overview import citation_label
from mscterm.tui.safe import safe_text

MARK = "● "
UNMARKED = ""
LANDMARK = "★ "


def record_row(record: Record | None, rid: str) -> Text:
    """``Rubio et al. 2005 · Cancer Res RETRACTED`` from whatever the cache knows of ``rid``."""
    row = Text()
    if record is None:
        shown = f"PMID {rid}" if rid.isdigit() else rid
        row.append_text(safe_text(shown, "italic", single_line=True))
        row.append(" (not fetched)", style="dim")
        return row
    row.append_text(safe_text(citation_label(record), single_line=True))
    if record.retracted:
        row.append(" ")
        row.append("RETRACTED", style="bold reverse")
    if record.resolution in {"NOT_FOUND", "AMBIGUOUS"}:
        row.append(f" ({record.resolution})", style="dim")
    return row


def record_label(row: Text, *, marked: bool, landmark: bool) -> Text:
    """The whole label: the mark and landmark prefix, then the record's row (a fresh Text)."""
    label = Text(MARK if marked else UNMARKED, style="bold")
    if landmark:
        label.append(LANDMARK, style="bold")
    label.append_text(row)
    return label
