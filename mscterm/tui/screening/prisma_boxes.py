"""The PRISMA 2020 flow diagram as boxes: identification -> screening -> included.

Laid out for the width it gets: the main flow on the left and, beside each box, the box of what
left the flow there (duplicates, excluded records with their reasons, reports not retrieved or
excluded), joined by an arrow; below 60 columns the side boxes go under their box. Plain text
with styles (no markup): counts are bold, stage names underlined.
"""

from __future__ import annotations

import textwrap
from typing import TYPE_CHECKING

from rich.text import Text

from mscterm.tui.safe import one_line

if TYPE_CHECKING:
    from mscterm.screening import PrismaCounts

Item = tuple[str, str | None]
"""A line of a box: its words and, if any, its count (drawn bold)."""
Box = list[Item]

TWO_COLUMNS = 60
"""Narrower than this, the side boxes go under their box."""
WIDEST = 110
ARROW = "───▶"
GAP = "    "
NOTE = (
    "Screening is one title/abstract stage (no full-text stage yet): reports sought and "
    "assessed are the included and maybe records."
)


def stages(counts: PrismaCounts) -> list[tuple[str | None, Box, Box | None]]:
    """(stage heading, main box, side box) from top to bottom, as PRISMA 2020 draws them."""
    reasons = sorted(counts.reasons.items(), key=lambda item: (-item[1], item[0]))
    excluded: Box = [("Records excluded", f"{counts.records_excluded:,}")]
    excluded += [("  " + one_line(reason), f"{n:,}") for reason, n in reasons]
    return [
        (
            "Identification",
            [
                ("Records identified from:", None),
                ("  Databases (PubMed)", f"{counts.database_results:,}"),
                ("  Registers (ClinicalTrials.gov)", f"{counts.register_results:,}"),
            ],
            [
                ("Records removed before screening:", None),
                ("  Duplicate records", f"{counts.duplicates:,}"),
            ],
        ),
        ("Screening", [("Records screened", f"{counts.records_screened:,}")], excluded),
        (
            None,
            [("Reports sought for retrieval", f"{counts.sought:,}")],
            [("Reports not retrieved", "0")],
        ),
        (
            None,
            [("Reports assessed for eligibility", f"{counts.sought:,}")],
            [("Reports excluded", "–")],
        ),
        (
            "Included",
            [
                ("Studies included in review", f"{counts.included:,}"),
                ("Reports of included studies", f"{counts.included:,}"),
            ],
            None,
        ),
    ]


def _item_lines(words: str, count: str | None, inner: int) -> list[Text]:
    """One item wrapped to ``inner`` cells; its count follows the words (bold)."""
    indent = len(words) - len(words.lstrip(" "))
    tail = f": {count}" if count is not None else ""
    wrapped = textwrap.wrap(
        words + tail, inner, initial_indent="", subsequent_indent=" " * (indent + 2)
    ) or [""]
    lines = []
    for line in wrapped:
        text = Text(line)
        if count is not None and line.endswith(count):
            text.stylize("bold", len(line) - len(count))
        lines.append(text)
    return lines


def box(items: Box, width: int) -> list[Text]:
    """A rounded box ``width`` cells wide around ``items``."""
    inner = width - 4
    top = Text("╭" + "─" * (width - 2) + "╮")
    bottom = Text("╰" + "─" * (width - 2) + "╯")
    lines = [top]
    for words, count in items:
        for line in _item_lines(words, count, inner):
            row = Text("│ ")
            row.append_text(line)
            row.append(" " * (inner - line.cell_len) + " │")
            lines.append(row)
    lines.append(bottom)
    return lines


def _join(left: list[Text], right: list[Text] | None, left_width: int) -> list[Text]:
    """Two boxes side by side, an arrow from the left one's first line to the right one."""
    if right is None:
        return left
    rows = []
    for i in range(max(len(left), len(right))):
        row = left[i].copy() if i < len(left) else Text(" " * left_width)
        row.append(ARROW if i == 1 else GAP)
        if i < len(right):
            row.append_text(right[i])
        rows.append(row)
    return rows


def _under(left: list[Text], right: list[Text] | None) -> list[Text]:
    """A side box under its box (narrow screens), hooked to it by an arrow."""
    if right is None:
        return left
    hooks = ["│   ", "└─▶ "]
    return left + [Text(hooks[i] if i < 2 else GAP) + line for i, line in enumerate(right)]


def diagram(counts: PrismaCounts, width: int) -> Text:
    """The whole diagram for ``width`` columns."""
    width = max(min(width, WIDEST), 30)
    two = width >= TWO_COLUMNS
    left_width = (width - len(ARROW)) // 2 if two else width
    right_width = width - len(ARROW) - left_width if two else width - len(GAP)
    down = " " * (left_width // 2)
    out = Text()
    for i, (stage, main, side) in enumerate(stages(counts)):
        if i:
            out.append(f"{down}│\n{down}▼\n")
        if stage:
            out.append(stage, style="bold underline")
            out.append("\n")
        left = box(main, left_width)
        right = box(side, right_width) if side is not None else None
        for line in _join(left, right, left_width) if two else _under(left, right):
            out.append_text(line)
            out.append("\n")
    out.append("\n")
    out.append("\n".join(textwrap.wrap(NOTE, width)), style="dim")
    return out
