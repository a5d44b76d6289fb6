"""``K``: two reviewers' decisions side by side, and the consensus recorded.

The records the configured reviewer and a second one decided differently (include / exclude /
maybe; two exclusions for different reasons are not a conflict at this stage), one row each:
the record, both decisions with their reasons, and the resolution if any. ``i``/``x``/``m``
record the agreed decision under the reviewer ``consensus`` (which PRISMA counts for that name);
enter opens the record in the main screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mscterm.tui.rows import DECISIONS
from mscterm.tui.safe import one_line, safe_text
from mscterm.tui.screening.verdicts import EXCLUDE, failures

if TYPE_CHECKING:
    from mscterm.screening import Conflict, Decision
    from mscterm.tui.screening.screener import Screener

KEYS = "i x m record the consensus · enter opens the record · escape closes"
DECISION_WIDTH = 18
RECORD_MIN = 20


def record_cell(conflict: Conflict) -> Text:
    """``Rubio 2005 · Spontaneous human adult…`` from the decision's snapshot (no cache needed)."""
    snap = conflict.first.record
    who = snap.first_author or ""
    year = str(snap.year) if snap.year else "n.d."
    title = snap.title or conflict.rid
    return safe_text(f"{who} {year} · {title}".strip(), single_line=True)


def decision_cell(decision: Decision | None) -> Text:
    """``− exclude: cross-contamination`` (``–`` when there is none)."""
    if decision is None or decision.decision is None:
        return Text("–", style="dim")
    text = Text(f"{DECISIONS[decision.decision]}{decision.decision}", style="bold")
    if decision.reason:
        text.append_text(safe_text(f": {decision.reason}", single_line=True))
    return text


class ConflictsScreen(ModalScreen[str | None]):
    """Returns the record to open (enter), or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("i", "resolve('include')", "Include", show=False),
        Binding("x", "resolve('exclude')", "Exclude", show=False),
        Binding("m", "resolve('maybe')", "Maybe", show=False),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    def __init__(self, screener: Screener, first: str, second: str) -> None:
        super().__init__()
        self._screener = screener
        self.first = first
        self.second = second
        self.conflicts: list[Conflict] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="conflicts-box", classes="dialog"):
            yield Static(id="conflicts-title")
            yield DataTable(id="conflicts-table", cursor_type="row")
            yield Static(id="conflicts-status")
            yield Static(Text(KEYS, style="dim"), id="conflicts-keys")

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#conflicts-table", DataTable)

    def on_mount(self) -> None:
        room = max(self.app.size.width - 8, 40)
        record = max(room - 3 * DECISION_WIDTH - 6, RECORD_MIN)
        table = self.table
        table.add_column("Record", width=record, key="record")
        for name in (self.first, self.second, "consensus"):
            table.add_column(safe_text(one_line(name)[:DECISION_WIDTH]), width=DECISION_WIDTH)
        self.load()
        table.focus()

    def load(self, keep: str | None = None) -> None:
        """(Re)read the conflicts; the cursor stays on ``keep`` when given."""
        try:
            self.conflicts = self._screener.service.conflicts(self.first, self.second)
        except failures() as exc:
            self.conflicts = []
            self.say(f"Conflicts unavailable: {one_line(exc)}", error=True)
        table = self.table
        table.clear()
        for c in self.conflicts:
            cells = [record_cell(c), decision_cell(c.first), decision_cell(c.second)]
            table.add_row(*cells, decision_cell(c.resolution), key=c.rid)
        resolved = sum(1 for c in self.conflicts if c.resolution is not None)
        title = Text("Conflicts: ", style="bold")
        title.append_text(safe_text(f"{self.first} and {self.second}", "bold", single_line=True))
        n = len(self.conflicts)
        title.append(f" · {n:,} record{'s' if n != 1 else ''} · {resolved:,} resolved")
        if not n:
            title.append("\nThe two decided every record they both screened alike.", "dim")
        self.query_one("#conflicts-title", Static).update(title)
        rids = [c.rid for c in self.conflicts]
        if keep in rids:
            table.move_cursor(row=rids.index(keep))

    def current(self) -> Conflict | None:
        row = self.table.cursor_row
        return self.conflicts[row] if 0 <= row < len(self.conflicts) else None

    def say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#conflicts-status", Static)
        status.update(Text(one_line(text), style="bold" if error else ""))

    def action_move(self, step: int) -> None:
        table = self.table
        table.action_cursor_down() if step > 0 else table.action_cursor_up()

    def action_resolve(self, decision: str) -> None:
        """``i x m``: the agreed decision, stored under the reviewer ``consensus``."""
        conflict = self.current()
        if conflict is None:
            self.say("No conflict to resolve here.")
            return
        if decision != EXCLUDE:
            self._resolve(conflict.rid, decision, None)
            return
        from mscterm.tui.screening.pickers import ReasonPicker

        reasons = [d.reason for d in (conflict.first, conflict.second) if d.reason]
        try:
            reasons += self._screener.service.reasons()
        except failures():
            pass

        def picked(reason: str | None) -> None:
            if reason:
                self._resolve(conflict.rid, EXCLUDE, reason)

        title = f"Consensus: exclude {conflict.rid}: why?"
        self.app.push_screen(ReasonPicker(title, reasons), picked)

    def _resolve(self, rid: str, decision: str, reason: str | None) -> None:
        try:
            self._screener.service.resolve(rid, decision, reason=reason)
        except failures() as exc:
            self.say(f"Not saved: {one_line(exc)}", error=True)
            return
        self.load(keep=rid)
        said = f": {one_line(reason)}" if reason else ""
        self.say(f"Consensus on {rid}: {decision}{said} (stored under the reviewer consensus).")

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value:
            self.dismiss(event.row_key.value)

    def action_close(self) -> None:
        self.dismiss(None)
