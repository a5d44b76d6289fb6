"""What screening adds to the pane: the decision strip, and the highlighted criteria terms.

The strip sits at the top of the pane, docked (it never scrolls away): the decision with its
reason, the reviewer and the time, then the tags and the start of the note. Terms come from the
configuration (``highlight``: inclusion and exclusion terms) and are marked case-insensitively
with styles from the theme; the record's text stays literal (spans on a ``Text``, never markup).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from rich.style import Style
from rich.text import Text

from mscterm.tui.rows import DECISIONS
from mscterm.tui.safe import one_line, safe_text

if TYPE_CHECKING:
    from mscterm.screening import Decision

WORDS = {"include": "INCLUDED", "exclude": "EXCLUDED", "maybe": "MAYBE"}
NOTE_LINES = 3
NOTE_CHARS = 240
"""The strip shows the start of a note; ``n`` shows (and edits) all of it."""
INDENT = "      "


def when(time: str) -> str:
    """``2026-01-31T14:05:09.123Z`` as ``2026-01-31 14:05 UTC``."""
    day, _, clock = time.partition("T")
    return f"{day} {clock[:5]} UTC" if clock else time


def _note(note: str) -> tuple[list[str], bool]:
    """The note's first lines, cut to the strip's size; True when something was left out."""
    lines = [line.rstrip() for line in note.splitlines()]
    shown: list[str] = []
    room = NOTE_CHARS
    for line in lines[:NOTE_LINES]:
        if room <= 0:
            break
        shown.append(line[:room])
        room -= len(line)
    cut = len(lines) > len(shown) or room < 0
    return shown, cut


def strip_text(decision: Decision | None) -> tuple[Text | None, str]:
    """The strip for a record's decision (None when nothing is recorded) and its kind
    (``include``/``exclude``/``maybe``, or ``note`` for a note or tags alone)."""
    if decision is None or decision.empty:
        return None, ""
    text = Text()
    verdict = decision.decision
    if verdict is not None:
        text.append(f"{DECISIONS[verdict].strip()} {WORDS[verdict]}", style="bold")
        if decision.reason:
            text.append(": ", style="bold")
            text.append_text(safe_text(decision.reason, "bold", single_line=True))
    else:
        text.append("Not screened", style="bold")
    text.append(" · ")
    text.append_text(safe_text(decision.reviewer, single_line=True))
    text.append(f" · {when(decision.time)}")
    if decision.tags:
        text.append("\nTags: ", style="bold")
        text.append_text(safe_text(", ".join(decision.tags), single_line=True))
    if decision.note:
        lines, cut = _note(decision.note)
        text.append("\nNote: ", style="bold")
        text.append_text(safe_text(("\n" + INDENT).join(lines)))
        if cut:
            text.append(f"\n{INDENT}… (n shows the whole note)", style="italic")
    return text, verdict or "note"


def _terms(terms: Iterable[str]) -> list[str]:
    """Configured terms as matched: one line each, no empty ones, longest first."""
    found = {one_line(term).strip() for term in terms}
    return sorted((t for t in found if t), key=lambda t: (-len(t), t))


def highlight_terms(
    body: Text,
    include: Iterable[str],
    exclude: Iterable[str],
    include_style: Style,
    exclude_style: Style,
) -> int:
    """Mark every occurrence of the terms in ``body`` (any case); returns how many were marked.

    Exclusion terms are marked last, so where both overlap the exclusion shows.
    """
    marked = 0
    for terms, style in ((_terms(include), include_style), (_terms(exclude), exclude_style)):
        if terms:  # an empty alternation would match everywhere
            marked += body.highlight_words(terms, style, case_sensitive=False)
    return marked
