"""A record's row in any list: ``● ⚠ + ★ Rubio et al. 2005 · Spontaneous human adult…``.

DESIGN.md's layout, left to right: the mark ``●``, the safety mark ``⚠`` (retracted, or an
expression of concern: the theme's colour tells which), the screening decision (``+`` include,
``−`` exclude, ``?`` maybe; empty until screening fills it), the landmark ``★``, then author,
year and title. Everything a reviewer must never miss sits at the start, so a narrow tree cuts
the title, never the signals.

Two parts, because they change for different reasons: the *row* comes from the record (citation
and safety; it changes when the record arrives), the *prefix* from the person (mark, decision,
landmark; it changes on a key). Lists keep rows by record id and assemble a label when a line is
painted, so neither a mark nor an arriving record rebuilds any other label. Colours come from
the widget's component classes (styles/app.tcss, theme variables), handed in as :class:`RowStyles`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from rich.style import Style
from rich.text import Text

from mscterm.listing import CONCERN, RETRACTED, resolution_text, safety
from mscterm.model import Record
from mscterm.tui.safe import one_line, safe_text

MARK = "● "
LANDMARK = "★ "
SAFETY = "⚠ "
DECISIONS = {"include": "+ ", "exclude": "− ", "maybe": "? "}
"""The decision slot's glyphs (screening fills the slot; empty until then)."""
TITLE_CHARS = 200
"""A row never needs more of a title than a wide terminal shows."""


BOLD = Style(bold=True)


@dataclass(frozen=True, slots=True)
class RowStyles:
    """The styles of a row's signals, from the theme (a widget's component classes)."""

    mark: Style = BOLD
    retracted: Style = BOLD
    concern: Style = BOLD
    landmark: Style = BOLD
    decision: Style = BOLD
    excluded: Style = BOLD
    """An exclusion's glyph (``decision`` colours an inclusion's)."""
    maybe: Style = BOLD


@dataclass(frozen=True, slots=True)
class Row:
    """What a record contributes to its label: its citation text and its safety signal."""

    text: Text
    safety: str | None = None


def citation_text(record: Record) -> str:
    """``Rubio et al. 2005 · Spontaneous human adult stem cell transformation``."""
    who = record.first_author
    year = str(record.year) if record.year else "n.d."
    title = one_line(record.title)[:TITLE_CHARS] or "(no title)"
    if not who:
        return f"{year} · {title}"
    if len(record.authors) > 1 or record.authors_complete is False:
        who += " et al."
    return f"{one_line(who)} {year} · {title}"


def record_row(record: Record | None, rid: str) -> Row:
    """The row of ``rid`` from whatever the cache knows of it."""
    row = Text()
    if record is None:
        row.append_text(safe_text(f"PMID {rid}" if rid.isdigit() else rid, "italic"))
        row.append(" (not fetched)", style="dim")
        return Row(row)
    row.append_text(safe_text(citation_text(record), single_line=True))
    state = resolution_text(record.resolution) if not record.pmid else None
    if state and record.resolution != "pending":
        row.append(f" ({state})", style="dim")
    return Row(row, safety(record))


def record_label(
    row: Row,
    *,
    marked: bool,
    landmark: bool,
    decision: str | None = None,
    styles: RowStyles | None = None,
) -> Text:
    """The whole label: mark, safety, decision, landmark, then the row (a fresh Text)."""
    styles = styles or RowStyles()
    label = Text()
    if marked:
        label.append(MARK, style=styles.mark)
    if row.safety == RETRACTED:
        label.append(SAFETY, style=styles.retracted)
    elif row.safety == CONCERN:
        label.append(SAFETY, style=styles.concern)
    glyph = DECISIONS.get(decision or "")
    if glyph:
        style = {"exclude": styles.excluded, "maybe": styles.maybe}.get(decision or "")
        label.append(glyph, style=style or styles.decision)
    if landmark:
        label.append(LANDMARK, style=styles.landmark)
    label.append_text(row.text)
    return label


LEGEND: list[tuple[str, str]] = [
    ("●", "marked for export"),
    ("⚠", "retracted (error colour) or expression of concern (warning colour)"),
    ("+ − ?", "screening decision: include, exclude, maybe (the pane's top strip: why, notes)"),
    ("★", "landmark paper of the topic"),
]
"""What each signal of a row means (the help screen's legend)."""


class HasComponentStyles(Protocol):
    def get_component_rich_style(self, *names: str, partial: bool = False) -> Style: ...


SIGNALS = ("mark", "retracted", "concern", "landmark", "decision", "excluded", "maybe")
"""The component classes (``<prefix>--<signal>``) a list widget declares for its rows."""


def row_styles(widget: HasComponentStyles, prefix: str) -> RowStyles:
    """The row styles of a list widget, from its component classes (cached by Textual)."""
    get = widget.get_component_rich_style
    found = {name: get(f"{prefix}--{name}", partial=True) for name in SIGNALS}
    return RowStyles(**found)
