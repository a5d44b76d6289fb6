"""A list of records outside the tree (search hits, the Marked view), one row each.

Rows follow DESIGN.md's layout (:mod:`mscterm.tui.rows`), drawn from the shared marks, so
``space`` on a hit marks it and every other view sees it at once. ``S`` cycles the sort, ``F``
picks a publication-type filter, ``g``/``G`` go to the top/bottom. The list tells its screen
what it did with messages (:class:`HitList.Marked`, :class:`HitList.Arranged`); it never fetches.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from mscterm import listing
from mscterm.listing import arrange, describe, next_sort
from mscterm.model import Record, Trial, is_trial_id
from mscterm.tui.marks import Marks
from mscterm.tui.rows import SIGNALS, record_label, record_row, row_styles
from mscterm.tui.screening import keys as screening_keys
from mscterm.tui.trials.rows import trial_row

MORE = "more:"
"""Option ids starting with this are not records (a "more…" line); record ids never do."""


class HitList(OptionList):
    """Records as rows; marks, sort and filter by keys."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"hit-list--{name}" for name in SIGNALS}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "mark", "Mark"),
        Binding("S", "sort", "Sort"),
        Binding("F", "filter", "Filter"),
        Binding("g", "first", "Top", show=False),
        Binding("G", "last", "Bottom", show=False),
        Binding("j", "cursor_down", "Down", show=False),
        Binding("k", "cursor_up", "Up", show=False),
        # Screening (the screen showing the list, or the app, decides what they do).
        *screening_keys.RECORD_BINDINGS,
    ]

    @dataclass
    class Marked(Message):
        """``space`` changed these marks (the shared set already holds the change)."""

        rids: set[str]

    @dataclass
    class Arranged(Message):
        """The list was sorted or filtered: ``shown`` of ``total``, arranged as ``how``."""

        shown: int
        total: int
        how: str

    @dataclass
    class ScreeningKey(Message):
        """A screening key (``i x m n t ] [``) on the highlighted hit."""

        hits: HitList
        what: str

    def __init__(
        self,
        marks: Marks,
        *,
        decision_of: Callable[[str], str | None] | None = None,
        trial_of: Callable[[str], Trial | None] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self._marks = marks
        self._decision_of = decision_of or (lambda rid: None)
        self._trial_of = trial_of
        """The cached trial of a marked NCT id (the Marked view lists trials too)."""
        self.records: list[Record] = []
        """Every record given, in the order given ("as listed")."""
        self.sort = "as listed"
        self.only = "all"
        self._more: Option | None = None

    # -- content -------------------------------------------------------------------------------
    def set_records(self, records: list[Record], *, more: Option | None = None) -> None:
        """Show ``records`` (repeats dropped), then ``more`` (a "more…" line) if given."""
        self.records = list({r.id: r for r in reversed(records)}.values())[::-1]
        self._more = more
        self._draw()

    def add_records(self, records: list[Record], *, more: Option | None = None) -> int:
        """Append records not listed yet; returns the index of the first new row."""
        first = len(self.records)
        seen = {r.id for r in self.records}
        for record in records:
            if record.id not in seen:
                seen.add(record.id)
                self.records.append(record)
        self._more = more
        self._draw()
        return first

    def ids(self) -> list[str]:
        """The record ids shown, in the order shown."""
        return self._arranged().ids

    def _arranged(self) -> listing.Arranged:
        by_id = {r.id: r for r in self.records}
        return arrange(by_id, by_id.get, sort=self.sort, only=self.only)

    def label(self, record: Record) -> Text:
        """A record's row as this list draws it now (its mark as it is now)."""
        styles = row_styles(self, "hit-list")
        if self._trial_of is not None and is_trial_id(record.id):
            row = trial_row(self._trial_of(record.id), record.id, styles)
        else:
            row = record_row(record, record.id)
        text = record_label(
            row,
            marked=record.id in self._marks,
            landmark=False,
            decision=self._decision_of(record.id),
            styles=styles,
        )
        text.no_wrap = True
        text.overflow = "ellipsis"
        return text

    def _draw(self) -> None:
        highlighted = self.highlighted_id()
        by_id = {r.id: r for r in self.records}
        self.clear_options()
        options = [Option(self.label(by_id[rid]), id=rid) for rid in self.ids()]
        if self._more is not None:
            options.append(self._more)
        self.add_options(options)
        if highlighted is not None and highlighted in by_id:
            self.highlighted = self.get_option_index(highlighted)

    def highlighted_id(self) -> str | None:
        """The id of the highlighted record (None on "more…" or when nothing is)."""
        if self.highlighted is None or self.highlighted >= self.option_count:
            return None
        oid = self.get_option_at_index(self.highlighted).id
        return None if oid is None or oid.startswith(MORE) else oid

    def refresh_rows(self, rids: set[str]) -> None:
        """Draw these records' rows again (their mark or decision changed)."""
        by_id = {r.id: r for r in self.records}
        for rid in rids:
            if rid in by_id:
                try:
                    self.replace_option_prompt(rid, self.label(by_id[rid]))
                except OptionDoesNotExist:  # filtered out: not shown now
                    continue

    # -- keys ----------------------------------------------------------------------------------
    def action_mark(self) -> None:
        """``space``: mark (or unmark) the highlighted record."""
        rid = self.highlighted_id()
        if rid is None:
            return
        changed = self._marks.toggle([rid])
        self.refresh_rows(changed)
        self.post_message(self.Marked(changed))

    def action_screening(self, what: str) -> None:
        """``i x m n t ] [``: tell the screen (or, from a dialog that does not screen, the app)."""
        self.post_message(self.ScreeningKey(self, what))

    def action_sort(self) -> None:
        """``S``: the next sort (as listed, newest, oldest, first author, title)."""
        self.sort = next_sort(self.sort)
        self._arrange_changed()

    def action_filter(self) -> None:
        """``F``: pick a publication type (or retracted) to keep."""
        from mscterm.tui.screens.filter_menu import FilterMenu

        def chosen(only: str | None) -> None:
            if only is not None:
                self.only = only
                self._arrange_changed()

        self.app.push_screen(FilterMenu(self.only), chosen)

    def _arrange_changed(self) -> None:
        self._draw()
        shown = self.ids()
        self.post_message(
            self.Arranged(len(shown), len(self.records), describe(self.sort, self.only))
        )

    def action_first(self) -> None:
        if self.option_count:
            self.highlighted = 0

    def action_last(self) -> None:
        if self.option_count:
            self.highlighted = self.option_count - 1
