"""The ``/`` screen: search the local index as you type; ``ctrl+s`` asks PubMed the same query.

Enter on a hit returns its record id; the main screen opens it in the reference pane. Local
search is synchronous (milliseconds, by the index's budget); the PubMed search runs in a worker
(:class:`~mscterm.tui.workers.Loaders`) whose page arrives as a message, and never blocks typing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mscterm.model import Record
from mscterm.tui.overview import citation_label
from mscterm.tui.safe import one_line, safe_text
from mscterm.tui.workers import Loaders

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui import answers as ans

LIMIT = 50
"""Hits per page (local search: the only page; PubMed: one esearch page)."""
MORE = "more:pubmed"
"""Option id of the "more…" line after a PubMed page (never a record id: those are PMIDs,
``doi:…`` or ``cite:…``)."""


def hit_label(record: Record) -> Text:
    """``Rubio 2005 · Cancer Res — Spontaneous human adult…`` (+ RETRACTED badge)."""
    label = safe_text(citation_label(record), "bold", single_line=True)
    if record.retracted:
        label.append(" RETRACTED", style="bold reverse")
    label.append(" — ")
    label.append_text(safe_text(one_line(record.title)[:160]))
    return label


class SearchScreen(ModalScreen[str | None]):
    """Query box, hits list, one status line."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape", "cancel", "Close"),
        Binding("ctrl+s", "pubmed", "Search PubMed"),
        Binding("down", "to_hits", "Hits", show=False),
        Binding("ctrl+n", "more", "More PubMed hits", show=False),
    ]

    def __init__(self, library: Library, query: str = "") -> None:
        super().__init__()
        self._library = library
        self._loaders = Loaders(library, self)
        self._query = query
        self._ids: list[str] = []
        self._pubmed: tuple[str, int] | None = None
        """(query, total on PubMed) while the list shows PubMed pages; None for local hits."""
        self._next_start = 0
        """retstart of the next PubMed page."""

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box", classes="dialog"):
            yield Static(Text("Search the local cache  (ctrl+s: search PubMed)", style="bold"))
            yield Input(
                self._query,
                placeholder='words, "phrase", au:, ti:, mesh:, year:…',
                id="search-input",
            )
            yield OptionList(id="search-hits")
            yield Static(
                Text("Type to search; enter opens a hit.", style="dim"), id="search-status"
            )

    def on_mount(self) -> None:
        self.query_one("#search-input", Input).focus()
        if self._query:
            self._search_local(self._query)

    def _status(self, message: str) -> None:
        self.query_one("#search-status", Static).update(Text(one_line(message)))

    def _show(self, records: list[Record], where: str) -> None:
        hits = self.query_one("#search-hits", OptionList)
        hits.clear_options()
        self._pubmed = None
        self._ids = []
        self._add_hits(records)
        noun = "hit" if len(records) == 1 else "hits"
        self._status(f"{len(records)} {noun} {where}")

    def _add_hits(self, records: list[Record]) -> int:
        """Append hits not listed yet (a PubMed page may repeat one); returns how many."""
        hits = self.query_one("#search-hits", OptionList)
        seen = set(self._ids)
        new = []
        for record in records:
            if record.id not in seen:
                seen.add(record.id)
                new.append(record)
        self._ids += [r.id for r in new]
        hits.add_options([Option(hit_label(r), id=r.id) for r in new])
        return len(new)

    def _more_line(self) -> None:
        """The "more…" line at the end of a PubMed list that has further pages."""
        if self._pubmed is None:
            return
        hits = self.query_one("#search-hits", OptionList)
        total = self._pubmed[1]
        if self._next_start < total:
            more = f"more… ({len(self._ids):,} of {total:,}; enter or ctrl+n)"
            hits.add_option(Option(Text(more, style="italic"), id=MORE))

    def _search_local(self, query: str) -> None:
        query = query.strip()
        if not query:
            self._show([], "")
            self._status("Type to search; enter opens a hit.")
            return
        found = self._loaders.local_hits(query, LIMIT)
        if found.error:
            self._status(f"Local search failed: {found.error}")
            return
        self._show(found.value.records, "in the local cache")

    def on_input_changed(self, event: Input.Changed) -> None:
        self._query = event.value
        self._search_local(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_to_hits()

    def action_to_hits(self) -> None:
        hits = self.query_one("#search-hits", OptionList)
        if hits.option_count:
            hits.focus()
            if hits.highlighted is None:
                hits.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id == MORE:
            self.action_more()
            return
        self.dismiss(event.option.id)

    def action_pubmed(self) -> None:
        query = self._query.strip()
        if not query:
            self._status("Type a query first.")
            return
        if self._library.offline:
            self._status("Offline: PubMed cannot be searched (ctrl+p → go online).")
            return
        self._status("Searching PubMed…")
        self._loaders.search_pubmed(query, 0, LIMIT)

    def action_more(self) -> None:
        """The next page of the PubMed hits shown (``more…`` or ctrl+n)."""
        if self._pubmed is None:
            self._status(f"ctrl+s searches PubMed; its hits come in pages of {LIMIT}.")
            return
        query, total = self._pubmed
        if self._next_start >= total:
            self._status(f"All {len(self._ids):,} PubMed hits are shown.")
            return
        if self._library.offline:
            self._status("Offline: no further PubMed pages (ctrl+p → go online).")
            return
        self._status("Loading the next PubMed page…")
        self._loaders.search_pubmed(query, self._next_start, LIMIT)

    def on_pubmed_page(self, page: ans.PubmedPage) -> None:
        """A page of PubMed hits arrived: the first replaces the list, later ones follow it."""
        hits = self.query_one("#search-hits", OptionList)
        if page.retstart == 0:
            self._show(page.records, "")
            first_new = 0
        else:
            if self._pubmed is None or self._pubmed[0] != page.query:
                return  # the list moved on (a new local search) while the page was coming
            with_more = hits.option_count
            hits.remove_option(MORE)
            first_new = with_more - 1
            self._add_hits(page.records)
        self._pubmed = (page.query, page.count)
        # Past the last id NCBI gave (or at the end when a page came back short).
        self._next_start = page.retstart + len(page.ids) if page.ids else page.count
        self._more_line()
        shown = len(self._ids)
        noun = "hit" if shown == 1 else "hits"
        self._status(f"{shown:,} {noun} on PubMed (of {page.count:,})")
        if page.retstart and hits.has_focus and first_new < len(self._ids):
            hits.highlighted = first_new  # the first hit of the new page, not the list's top
        if page.error:
            self._status(f"{shown} shown; {page.error}")

    def on_status_note(self, note: ans.StatusNote) -> None:
        note.stop()
        self._status(note.sentence)

    def action_cancel(self) -> None:
        self.dismiss(None)
