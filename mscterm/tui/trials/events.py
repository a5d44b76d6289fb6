"""A trial's adverse events as the pane shows them, laid out for the width it has.

The numbers a safety reviewer compares are never cut and never wrapped through: each arm's
deaths, serious and other events (affected / at risk and %) form a table when the pane is wide
enough, and otherwise one short block per arm (80×24 over SSH leaves the pane about 45
columns). Arm titles and event terms are the text that gives way (cut with ``…`` in a table
column, wrapped on a line of their own in the narrow layout). Serious events are grouped by
organ system, the most frequent first; other events are those at or above the registry's
frequency threshold in some arm (:mod:`mscterm.trialstats`, shared with the command line).
"""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from mscterm.model import AdverseEvent, AdverseEvents, EventGroup
from mscterm.trialstats import other_above_threshold, serious_by_organ_system, total_affected
from mscterm.trialtext import rate
from mscterm.tui.safe import one_line, safe_text

CATEGORIES = ("Deaths", "Serious", "Other")
NAME_MIN = 12
"""A table's arm column is at least this wide; narrower and each arm gets a block instead."""
TERM_MIN = 16
"""An event table's term column is at least this wide; narrower and each term gets a line."""
SEP = " · "
HEADING = "bold underline"


def heading(text: str) -> Text:
    return Text(f"\n{text}\n", style=HEADING)


def arm_rates(group: EventGroup) -> list[str]:
    """``["–", "26/123 (21.1%)", "121/123 (98.4%)"]``: deaths, serious, other."""
    return [
        rate(group.deaths_affected, group.deaths_at_risk),
        rate(group.serious_affected, group.serious_at_risk),
        rate(group.other_affected, group.other_at_risk),
    ]


def _cell(text: Text, width: int) -> Text:
    """``text`` cut (with ``…``) or padded to exactly ``width`` cells."""
    out = text.copy()
    out.truncate(width, overflow="ellipsis", pad=True)
    return out


def arms_text(groups: list[EventGroup], width: int) -> Text:
    """Every arm's totals: a table when it fits ``width``, else a block per arm."""
    out = Text()
    rows = [arm_rates(g) for g in groups]
    cell = max([len(c) for r in rows for c in r] + [len(c) for c in CATEGORIES])
    name_width = width - len(CATEGORIES) * (cell + 2)
    if name_width >= NAME_MIN:
        out.append(" " * name_width, style="bold")
        for title in CATEGORIES:
            out.append(f"  {title:>{cell}}", style="bold")
        out.append("\n")
        cut = False
        for group, rates in zip(groups, rows, strict=True):
            name = safe_text(f"{one_line(group.id)} {one_line(group.title)}".strip())
            cut = cut or name.cell_len > name_width
            out.append_text(_cell(name, name_width))
            out.append("".join(f"  {r:>{cell}}" for r in rates) + "\n")
        if cut:  # the arms' whole names, below the numbers they belong to
            for group in groups:
                out.append_text(safe_text(f"{one_line(group.id)}: {one_line(group.title)}", "dim"))
                out.append("\n")
        return out
    label = max(len(c) for c in CATEGORIES)
    for group, rates in zip(groups, rows, strict=True):
        out.append_text(safe_text(f"{one_line(group.id)} {one_line(group.title)}".strip(), "bold"))
        out.append("\n")
        for title, value in zip(CATEGORIES, rates, strict=True):
            out.append(f"  {title:<{label}}  {value:>{cell}}\n")
    return out


def _event_cells(event: AdverseEvent, ids: list[str]) -> list[str]:
    by_group = {s.group: s for s in event.stats}
    return [rate(by_group[g].affected, by_group[g].at_risk) if g in by_group else "–" for g in ids]


def _wrapped_cells(chunks: list[str], width: int, indent: str) -> str:
    """``chunks`` joined with `` · ``, a new line (indented) where the next would not fit:
    a chunk (an arm's numbers) is never split."""
    lines: list[str] = []
    line = ""
    for chunk in chunks:
        candidate = f"{line}{SEP}{chunk}" if line else chunk
        if line and len(indent) + len(candidate) > width:
            lines.append(indent + line)
            line = chunk
        else:
            line = candidate
    lines.append(indent + line)
    return "\n".join(lines) + "\n"


class EventTable:
    """Event terms with their numbers per arm, for one ``width``: a table with the arms as
    columns when the terms keep :data:`TERM_MIN` cells, else each term on a line of its own
    followed by its arms' numbers."""

    def __init__(self, events: list[AdverseEvent], ids: list[str], width: int) -> None:
        self.ids = ids
        self.width = width
        cells = [c for e in events for c in _event_cells(e, ids)]
        self.cell = max([len(c) for c in cells] + [len(i) for i in ids] + [1])
        self.term_width = width - 4 - len(ids) * (self.cell + 2)
        self.wide = self.term_width >= TERM_MIN

    def header(self) -> Text:
        if not self.wide:
            return Text()
        line = " " * (4 + self.term_width) + "".join(f"  {i:>{self.cell}}" for i in self.ids)
        return Text(line + "\n", style="bold")

    def row(self, event: AdverseEvent) -> Text:
        cells = _event_cells(event, self.ids)
        term = safe_text(one_line(event.term) or "–")
        out = Text("    ")
        if self.wide:
            out.append_text(_cell(term, self.term_width))
            out.append("".join(f"  {c:>{self.cell}}" for c in cells) + "\n")
            return out
        out.append_text(term)
        out.append("\n")
        chunks = [f"{i} {c}" for i, c in zip(self.ids, cells, strict=True)]
        out.append(_wrapped_cells(chunks, self.width, " " * 6))
        return out


def events_text(events: AdverseEvents, width: int) -> Text:
    """The whole adverse-event section for a pane ``width`` cells wide."""
    width = max(width, 24)
    out = heading("Adverse events")
    if events.time_frame:
        out.append_text(safe_text("Time frame: " + one_line(events.time_frame), "dim"))
        out.append("\n")
    if events.groups:
        out.append_text(arms_text(events.groups, width))
    else:
        out.append("No arms given.\n", style="dim")
    ids = [one_line(g.id) for g in events.groups]
    serious = serious_by_organ_system(events)
    other, hidden = other_above_threshold(events)
    table = EventTable(events.serious + events.other, ids, width)

    out.append_text(heading("Serious adverse events by organ system, most frequent first"))
    if serious:
        out.append_text(table.header())
    else:
        out.append("None reported.\n", style="dim")
    for system, members in serious:
        count = sum(map(total_affected, members))
        out.append_text(safe_text(one_line(system), "bold"))
        out.append(f" ({count} affected)\n", style="bold")
        for event in members:
            out.append_text(table.row(event))

    threshold = one_line(events.frequency_threshold or "")
    limit = f", at or above {threshold}% in an arm" if threshold else ""
    out.append_text(heading(f"Other adverse events{limit}"))
    if other:
        out.append_text(table.header())
    else:
        out.append("None reported.\n", style="dim")
    for event in other:
        out.append_text(table.row(event))
    if hidden:
        noun = "event" if hidden == 1 else "events"
        out.append(f"({hidden} other {noun} below the threshold not shown)\n", style="dim")
    if events.description:
        out.append_text(safe_text("\nNotes: " + one_line(events.description), "dim"))
        out.append("\n")
    return out


def widest_line(text: Text) -> int:
    """The widest line of ``text`` in cells (tests: nothing is laid out wider than the pane)."""
    return max((cell_len(line) for line in text.plain.split("\n")), default=0)
