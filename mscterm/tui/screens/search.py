"""The ``/`` screen: search the local index as you type; ``ctrl+s`` asks PubMed the same query.

Enter in the query moves to the hits; there ``space`` marks the highlighted hit (the shared
marks: the tree and the export see it at once), ``S``/``F`` sort and filter, and Enter opens the
hit in the pane. The screen answers a :class:`SearchOutcome`: the record to open, and the hits
the person worked with, which the main screen keeps under "Found". Local search is synchronous
(milliseconds, by the index's budget); the PubMed search runs in a worker whose page arrives as
a message, shows its elapsed time and tries, and ``escape`` cancels it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mscterm.tui.activity import Activity
from mscterm.tui.safe import one_line
from mscterm.tui.widgets.hit_list import MORE, HitList
from mscterm.tui.workers import Loaders

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui import answers as ans
    from mscterm.tui.explorer import Explorer

LIMIT = 50
"""Hits per page (local search: the only page; PubMed: one esearch page)."""
MORE_ID = MORE + "pubmed"
HINT = "Type to search; enter moves to the hits (space marks, enter opens)."


@dataclass
class SearchOutcome:
    """What the person did: the hit to open (if any), and the hits they worked with."""

    open: str | None = None
    title: str | None = None
    """``/ semaglutide`` or ``PubMed: semaglutide``; None when no hits were used."""
    ids: list[str] = field(default_factory=list)
    total: int | None = None


def shown_of(shown: int, total: int | None, where: str = "") -> str:
    """``50 shown of 107`` (``50 shown`` when the total is unknown)."""
    noun = "hit" if shown == 1 and total in (None, 1) else "hits"
    if total is None or total == shown:
        text = f"{shown:,} {noun}"
    else:
        text = f"{shown:,} shown of {total:,}"
    return f"{text} {where}".rstrip()


class SearchScreen(ModalScreen[SearchOutcome]):
    """Query box, hits list, one status line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Close"),
        Binding("ctrl+s", "pubmed", "Search PubMed"),
        Binding("down", "to_hits", "Hits", show=False),
        Binding("ctrl+n", "more", "More PubMed hits", show=False),
        # A priority binding runs as the key arrives, before the next key of a burst (over
        # SSH, "enter space" comes at once): the space then reaches the hits, not the query.
        Binding("enter", "enter", "Open", show=False, priority=True),
    ]

    def __init__(
        self,
        library: Library,
        explorer: Explorer,
        query: str = "",
        *,
        activity: Activity | None = None,
        marks_changed: Callable[[set[str]], None] | None = None,
    ) -> None:
        super().__init__()
        self._library = library
        self._explorer = explorer
        self._activity = activity or Activity()
        self._loaders = Loaders(library, self, activity=self._activity)
        self._marks_changed = marks_changed or (lambda changed: None)
        self._query = query
        self._pubmed: tuple[str, int] | None = None
        """(query, total on PubMed) while the list shows PubMed pages; None for local hits."""
        self._next_start = 0
        """retstart of the next PubMed page."""
        self._total: int | None = None
        self._used = False
        """The person moved to the hits (or ran a PubMed search): keep them under "Found"."""

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box", classes="dialog"):
            yield Static(Text("Search the local cache  (ctrl+s: search PubMed)", style="bold"))
            yield Input(
                self._query,
                placeholder='words, "phrase", au:, ti:, mesh:, year:…',
                id="search-input",
            )
            yield HitList(
                self._explorer.marks, decision_of=self._explorer.decision_of, id="search-hits"
            )
            yield Static(Text(HINT, style="dim"), id="search-status")

    @property
    def hits(self) -> HitList:
        return self.query_one("#search-hits", HitList)

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        self.set_interval(0.5, self._tick)
        if self._query:
            self._search_local(self._query)

    def _tick(self) -> None:
        busy = self._activity.describe({"search-pubmed"})
        if busy:
            self._status(busy)

    def _status(self, message: str) -> None:
        self.query_one("#search-status", Static).update(Text(one_line(message)))

    def _count(self, where: str) -> None:
        hits = self.hits
        shown, have = len(hits.ids()), len(hits.records)
        total = self._total if shown == have else have
        self._status(shown_of(shown, total, where))

    # -- local hits ----------------------------------------------------------------------------
    def _search_local(self, query: str) -> None:
        query = query.strip()
        self._pubmed = None
        if not query:
            self.hits.set_records([])
            self._status(HINT)
            return
        found = self._loaders.local_hits(query, LIMIT)
        if found.error:
            self._status(f"Local search failed: {found.error}")
            return
        value = found.value
        self._total = value.total
        self.hits.set_records(value.records)
        if value.hint:
            self._status(value.hint)
        else:
            self._count("in the local cache")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._query = event.value
        self._search_local(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_to_hits()

    def action_enter(self) -> None:
        """Enter: from the query to the hits; on a hit, open it (on "more…", the next page)."""
        if self.focused is self.hits:
            self.hits.action_select()
        else:
            self.action_to_hits()

    def action_to_hits(self) -> None:
        hits = self.hits
        if hits.option_count:
            self._used = True
            self.set_focus(hits)  # now, not after a refresh: space may be the very next key
            if hits.highlighted is None:
                hits.highlighted = 0
        else:
            self._status("No hits to move to; ctrl+s asks PubMed.")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id == MORE_ID:
            self.action_more()
        elif event.option.id:
            self._leave(event.option.id)

    def on_hit_list_marked(self, event: HitList.Marked) -> None:
        self._used = True
        self._marks_changed(event.rids)
        marked = len(self._explorer.marks)
        self._status(f"{marked:,} marked · e in the main screen exports them")

    def on_hit_list_arranged(self, event: HitList.Arranged) -> None:
        how = f" · {event.how}" if event.how else ""
        self._status(shown_of(event.shown, event.total) + how)

    # -- PubMed --------------------------------------------------------------------------------
    def action_pubmed(self) -> None:
        query = self._query.strip()
        if not query:
            self._status("Type a query first.")
            return
        if self._library.offline:
            self._status("Offline: PubMed cannot be searched (ctrl+p → go online).")
            return
        self._used = True
        self._status("Searching PubMed…")
        self._loaders.search_pubmed(query, 0, LIMIT)

    def action_more(self) -> None:
        """The next page of the PubMed hits shown (``more…`` or ctrl+n)."""
        if self._pubmed is None:
            self._status(f"ctrl+s searches PubMed; its hits come in pages of {LIMIT}.")
            return
        query, total = self._pubmed
        if self._next_start >= total:
            self._status(f"All {len(self.hits.records):,} PubMed hits are shown.")
            return
        if self._library.offline:
            self._status("Offline: no further PubMed pages (ctrl+p → go online).")
            return
        self._status("Loading the next PubMed page…")
        self._loaders.search_pubmed(query, self._next_start, LIMIT)

    def _more_line(self, shown: int) -> Option | None:
        if self._pubmed is None or self._next_start >= self._pubmed[1]:
            return None
        text = f"more… ({shown:,} of {self._pubmed[1]:,}; enter or ctrl+n)"
        return Option(Text(text, style="italic"), id=MORE_ID)

    def on_pubmed_page(self, page: ans.PubmedPage) -> None:
        """A page of PubMed hits arrived: the first replaces the list, later ones follow it."""
        hits = self.hits
        if page.retstart and (self._pubmed is None or self._pubmed[0] != page.query):
            return  # the list moved on (a new local search) while the page was coming
        self._pubmed = (page.query, page.count)
        self._total = page.count
        # Past the last id NCBI gave (or at the end when a page came back short).
        self._next_start = page.retstart + len(page.ids) if page.ids else page.count
        shown = (0 if page.retstart == 0 else len(hits.records)) + len(page.records)
        if page.retstart == 0:
            hits.set_records(page.records, more=self._more_line(shown))
        else:
            first = hits.add_records(page.records, more=self._more_line(shown))
            if hits.has_focus and first < len(hits.records):
                hits.highlighted = first  # the first hit of the new page, not the list's top
        self._count("on PubMed")
        if page.error:
            self._status(f"{len(hits.records):,} shown; {page.error}")

    def on_status_note(self, note: ans.StatusNote) -> None:
        note.stop()
        self._status(note.sentence)

    # -- leaving -------------------------------------------------------------------------------
    def _leave(self, rid: str | None) -> None:
        hits = self.hits
        ids = hits.ids()
        used = self._used and bool(ids)
        where = "PubMed" if self._pubmed is not None else "Search"
        title = f"{where}: {one_line(self._query.strip())[:60]}" if used else None
        total = self._pubmed[1] if self._pubmed is not None else self._total
        self.dismiss(SearchOutcome(rid, title, ids if used else [], total))

    def action_cancel(self) -> None:
        """``escape``: cancel a running PubMed search first, else close."""
        if self._loaders.cancel_network():
            self._status("Cancelled the PubMed search.")
            return
        self._leave(None)
