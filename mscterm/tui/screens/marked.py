"""The ``M`` view: every marked record in one list, to check before exporting.

``space`` unmarks (and marks again: rows stay until the view closes, so a slip is undone in
place), ``C`` twice clears every mark, ``e`` exports, Enter opens the record in the pane,
``S``/``F`` sort and filter, ``escape`` closes. Marked records the cache does not hold are listed
by id, so nothing marked is ever hidden from the person.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from mscterm.model import Record
from mscterm.tui.safe import one_line
from mscterm.tui.widgets.hit_list import HitList

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui.explorer import Explorer

KEYS = "space unmarks · C C clears all · e exports · enter opens · S sorts · F filters"


@dataclass
class MarkedOutcome:
    """What to do after the view: open a record, or export the marks."""

    open: str | None = None
    export: bool = False


class MarkedScreen(ModalScreen[MarkedOutcome | None]):
    """The marked records, with their rows as the tree draws them."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("C", "clear_all", "Clear all"),
        Binding("e", "export", "Export"),
    ]

    def __init__(
        self,
        library: Library,
        explorer: Explorer,
        *,
        marks_changed: Callable[[set[str]], None] | None = None,
    ) -> None:
        super().__init__()
        self._library = library
        self._explorer = explorer
        self._marks_changed = marks_changed or (lambda changed: None)
        self._clear_armed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="marked-box", classes="dialog"):
            yield Static(id="marked-title")
            yield HitList(
                self._explorer.marks,
                decision_of=self._explorer.decision_of,
                trial_of=self._library.cached_trial,
                id="marked-list",
            )
            yield Static(Text(KEYS, style="dim"), id="marked-status")

    @property
    def hits(self) -> HitList:
        return self.query_one("#marked-list", HitList)

    def on_mount(self) -> None:
        marks = list(self._explorer.marks)
        found = self._library.cached(marks)
        records = [
            found.get(rid) or Record(id=rid, pmid=rid if rid.isdigit() else None) for rid in marks
        ]
        self.hits.set_records(records)
        self.hits.focus()
        if self.hits.option_count:
            self.hits.highlighted = 0
        self._title()

    def _title(self) -> None:
        n = len(self._explorer.marks)
        noun = "record" if n == 1 else "records"
        text = f"Marked: {n:,} {noun}" if n else "Nothing is marked (space marks a record)"
        self.query_one("#marked-title", Static).update(Text(text, style="bold"))

    def _status(self, message: str) -> None:
        self.query_one("#marked-status", Static).update(Text(one_line(message)))

    def on_hit_list_marked(self, event: HitList.Marked) -> None:
        self._marks_changed(event.rids)
        self._clear_armed = False
        self._title()

    def on_hit_list_arranged(self, event: HitList.Arranged) -> None:
        how = f" · {event.how}" if event.how else ""
        self._status(f"{event.shown:,} shown of {event.total:,}{how}")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(MarkedOutcome(open=event.option.id))

    def action_clear_all(self) -> None:
        """``C``: arm; ``C`` again clears every mark (one slip never loses a selection)."""
        marks = self._explorer.marks
        if not marks:
            self._status("Nothing is marked.")
            return
        if not self._clear_armed:
            self._clear_armed = True
            self._status(f"Press C again to unmark all {len(marks):,} records.")
            return
        self._clear_armed = False
        changed = marks.replace([])
        self.hits.refresh_rows(changed)
        self._marks_changed(changed)
        self._title()
        self._status("Every mark cleared.")

    def action_export(self) -> None:
        if not self._explorer.marks:
            self._status("Nothing is marked: nothing to export.")
            return
        self.dismiss(MarkedOutcome(export=True))

    def action_close(self) -> None:
        self.dismiss(None)
