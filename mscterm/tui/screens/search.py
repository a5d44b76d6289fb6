"""The ``/`` screen: search the local index as you type; ``ctrl+s`` asks PubMed the same query.

Enter on a hit returns its record id; the main screen opens it in the reference pane. Local
search is synchronous (milliseconds, by the index's budget); the PubMed search runs in a worker
and never blocks typing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mscterm.model import Record
from mscterm.tui.overview import citation_label
from mscterm.tui.safe import one_line, safe_text

if TYPE_CHECKING:
    from mscterm.library import Library

LIMIT = 50


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
    ]

    def __init__(self, library: Library, query: str = "") -> None:
        super().__init__()
        self._library = library
        self._query = query
        self._ids: list[str] = []

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
        self._ids = [r.id for r in records]
        hits.add_options([Option(hit_label(r), id=r.id) for r in records])
        noun = "hit" if len(records) == 1 else "hits"
        self._status(f"{len(records)} {noun} {where}")

    def _search_local(self, query: str) -> None:
        query = query.strip()
        if not query:
            self._show([], "")
            self._status("Type to search; enter opens a hit.")
            return
        try:
            records = self._library.search_local(query, limit=LIMIT)
        except Exception as exc:  # a broken index must not take the app down
            self._status(f"Local search failed: {exc}")
            return
        self._show(records, "in the local cache")

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
        self._run_pubmed(query)

    @work(exclusive=True, group="search-pubmed", exit_on_error=False)
    async def _run_pubmed(self, query: str) -> None:
        try:
            found = await self._library.search_pubmed(query, retmax=LIMIT)
            fetched = await self._library.records(found.ids)
        except Exception as exc:
            self._status(f"PubMed search failed: {exc}")
            return
        records = [fetched.records[i] for i in found.ids if i in fetched.records]
        self._show(records, f"on PubMed (of {found.count:,})")
        if fetched.error:
            self._status(f"{len(records)} shown; {fetched.error}")

    def action_cancel(self) -> None:
        self.dismiss(None)
