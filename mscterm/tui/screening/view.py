"""``V``: screening a topic or list, Rayyan-style: the records, one record read, decide, next.

The records of the cursor's topic or list in one list (rows as everywhere: mark, safety,
decision, landmark, citation), the highlighted one read below it with its decision strip and the
configured terms highlighted; progress (screened of total, by decision) on top. ``d`` cycles the
decision filter (all, unscreened, include, exclude, maybe), ``R`` keeps one exclusion reason,
``T`` one tag; a record decided while filtered stays until the filter changes (nothing jumps
away under the cursor). The screening keys act on the highlighted record and move on to the next
unscreened one, as in the main screen.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static

from mscterm.model import Record
from mscterm.tui.safe import one_line, safe_text
from mscterm.tui.screening import opener
from mscterm.tui.screening.places import ListPlace
from mscterm.tui.screens.pane_view import landmark_of, topic_titles
from mscterm.tui.widgets.hit_list import HitList
from mscterm.tui.widgets.reference_pane import ReferencePane

if TYPE_CHECKING:
    from mscterm.screening import Decision
    from mscterm.tui.screening.screener import Screener

KEYS = "i x m · n note · t tags · ] [ next · d R T filter · C criteria · P PRISMA"
SHOWING = ("all", "unscreened", "include", "exclude", "maybe")


def keeps(decision: Decision | None, showing: str, reason: str, tag: str) -> bool:
    """Whether a record with ``decision`` passes the view's filters ("" reason/tag: any)."""
    verdict = decision.decision if decision is not None else None
    if showing == "unscreened" and verdict is not None:
        return False
    if showing not in ("all", "unscreened") and verdict != showing:
        return False
    if reason and (decision is None or (decision.reason or "").casefold() != reason.casefold()):
        return False
    return not tag or (
        decision is not None and any(t.casefold() == tag.casefold() for t in decision.tags)
    )


class ScreeningView(ModalScreen[str | None]):
    """Returns the record to open in the main screen (enter), or None (escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close"),
        Binding("d", "cycle_decision", "Decision filter", show=False),
        Binding("R", "pick('reason')", "Reason filter", show=False),
        Binding("T", "pick('tag')", "Tag filter", show=False),
        Binding("C", "criteria", "Criteria", show=False),
        Binding("P", "prisma", "PRISMA", show=False),
        Binding("tab", "switch", "Switch", show=False),
    ]

    def __init__(self, screener: Screener, title: str, ids: list[str], topic: str | None) -> None:
        super().__init__()
        self._screener = screener
        self._title = title
        self._ids = list(dict.fromkeys(ids))
        self._topic = topic
        self.showing = "all"
        self.reason = ""
        self.tag = ""
        self._records: list[Record] = []
        self.place: ListPlace | None = None

    def compose(self) -> ComposeResult:
        screener = self._screener
        with Vertical(id="screening-box", classes="dialog"):
            yield Static(id="screening-title")
            yield Static(id="screening-progress")
            yield HitList(
                screener.explorer.marks,
                decision_of=screener.verdicts.decision_of,
                id="screening-list",
            )
            yield ReferencePane(id="screening-pane")
            yield Static(id="screening-status")
            yield Static(Text(KEYS, style="dim"), id="screening-keys")

    @property
    def hits(self) -> HitList:
        return self.query_one("#screening-list", HitList)

    @property
    def pane(self) -> ReferencePane:
        return self.query_one("#screening-pane", ReferencePane)

    def on_mount(self) -> None:
        found = self._screener.library.cached(self._ids)
        self._records = [
            found.get(rid) or Record(id=rid, pmid=rid if rid.isdigit() else None)
            for rid in self._ids
        ]
        self.pane.decorate = self._screener.decorate
        self.place = ListPlace(self.hits, self._title, say=self._say, changed=self._changed)
        title = Text("Screening: ", style="bold")
        title.append_text(safe_text(self._title, "bold", single_line=True))
        reviewer = self._screener.library.settings.reviewer
        title.append(" · reviewer ")
        title.append_text(safe_text(reviewer, single_line=True))
        self.query_one("#screening-title", Static).update(title)
        self._apply()
        first = next((r for r in self.hits.ids() if self._screener.verdicts.unscreened(r)), None)
        if first is not None:
            self.hits.highlighted = self.hits.get_option_index(first)
        self.hits.focus()

    # -- filters and progress --------------------------------------------------------------------
    def _apply(self) -> None:
        """Show the records the filters keep (the highlight stays where it can)."""
        get = self._screener.verdicts.get
        kept = [r for r in self._records if keeps(get(r.id), self.showing, self.reason, self.tag)]
        self.hits.set_records(kept)
        if self.hits.highlighted is None and self.hits.option_count:
            self.hits.highlighted = 0
        self._progress()
        self._preview()

    def _progress(self) -> None:
        done = self._screener.verdicts.progress(self._ids)
        text = Text(done.sentence(), style="bold")
        shown = len(self.hits.ids())
        text.append(f"\nShowing {shown:,} of {len(self._ids):,} · decision: {self.showing}")
        text.append(" · reason: ")
        text.append_text(safe_text(self.reason or "any", single_line=True))
        text.append(" · tag: ")
        text.append_text(safe_text(self.tag or "any", single_line=True))
        self.query_one("#screening-progress", Static).update(text)

    def action_cycle_decision(self) -> None:
        """``d``: all → unscreened → include → exclude → maybe → all."""
        self.showing = SHOWING[(SHOWING.index(self.showing) + 1) % len(SHOWING)]
        self._apply()

    def action_pick(self, what: str) -> None:
        """``R``/``T``: keep one exclusion reason / one tag (or any again)."""
        from mscterm.tui.screens.copy_menu import ChoiceMenu

        counts: dict[str, int] = {}
        for rid in self._ids:
            decision = self._screener.verdicts.get(rid)
            if decision is None:
                continue
            values = [decision.reason] if what == "reason" else list(decision.tags)
            for value in values:
                if value:
                    counts[value] = counts.get(value, 0) + 1
        if not counts:
            self._say(f"No {what} is used in {self._title} yet.", False)
            return
        ordered = sorted(counts, key=lambda v: (-counts[v], v.casefold()))
        choices = [("any", ""), *((f"{counts[v]:,} ×", v) for v in ordered)]

        def chosen(value: str | None) -> None:
            if value is not None:
                setattr(self, what, value)
                self._apply()

        self.app.push_screen(ChoiceMenu(f"Show only one {what}", choices), chosen)

    # -- the record read -------------------------------------------------------------------------
    def _preview(self) -> None:
        rid = self.hits.highlighted_id()
        pane = self.pane
        library = self._screener.library
        record = library.get(rid) if rid else None
        if rid is None:
            pane.show_message(Text("Nothing to show: d, R or T change the filters.", "dim"))
        elif record is None:
            pane.show_message(Text(f"{rid} is not in the cache: enter opens it.", "italic"))
        else:
            pane.show_record(
                record,
                topics=topic_titles(library.topics, record),
                landmark_of=landmark_of(library.topics, rid),
                marked=rid in self._screener.explorer.marks,
                journal=library.settings.journal,
            )

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        self._preview()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.dismiss(event.option.id)

    # -- keys ------------------------------------------------------------------------------------
    def on_hit_list_screening_key(self, message: HitList.ScreeningKey) -> None:
        message.stop()
        if self.place is not None:
            self._screener.key(message.what, self.place)

    def on_hit_list_marked(self, event: HitList.Marked) -> None:
        event.stop()
        self._screener.marks_changed(event.rids)

    def _changed(self, rids: set[str]) -> None:
        self._progress()
        self._screener.restrip(self.pane, self.hits.highlighted_id())

    def _say(self, text: str, error: bool) -> None:
        status = self.query_one("#screening-status", Static)
        status.update(Text(one_line(text), style="bold" if error else ""))

    def action_switch(self) -> None:
        self.pane.focus() if self.hits.has_focus else self.hits.focus()

    def action_criteria(self) -> None:
        opener.criteria(self._screener)

    def action_prisma(self) -> None:
        opener.prisma(self._screener, self._topic, self._title if self._topic else "all records")

    def action_close(self) -> None:
        self.dismiss(None)
