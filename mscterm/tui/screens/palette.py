"""Going places: go to an id, the search dialog, the PubMed prompt, the offline switch.

The command palette (:mod:`mscterm.tui.commands`) and the ``/`` key call these. A record opened
this way is shown in the pane, and the tree's cursor moves to where the tree shows it (if it
does).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mscterm.model import BadIdError, parse_id
from mscterm.tui.widgets import tree_search

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.tui.screens.pane_view import PaneView
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.topic_tree import TopicTree


class Navigator:
    """Go to PMID/DOI (and show where the tree has it), PubMed/local search, offline toggle."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        tree: TopicTree,
        view: PaneView,
        report: Report,
        *,
        ready: Callable[[], None],
    ) -> None:
        self._screen = screen
        self._library = library
        self._tree = tree
        self._view = view
        self._report = report
        self._ready = ready
        """Completes the screen's start-up (the cache open) before anything is opened."""

    def search(self, query: str = "", pubmed: bool = False) -> None:
        """The ``/`` dialog (with ``pubmed``: its PubMed search started at once)."""
        from mscterm.tui.screens.search import SearchScreen

        screen = SearchScreen(self._library, query)

        def opened(rid: str | None) -> None:
            if rid:
                self.open_record(rid)

        self._screen.app.push_screen(screen, opened)
        if pubmed and query:
            self._screen.call_after_refresh(screen.action_pubmed)

    def open_record(self, rid: str) -> None:
        """Show a record (from search or go-to): in the tree if it is there, else in the pane."""
        self._ready()
        ids = {rid}
        record = self._library.get(rid)
        if record is not None:
            ids.update(i for i in (record.id, record.pmid) if i)
            if record.doi:
                ids.add(f"doi:{record.doi.lower()}")
        tree_search.reveal(self._tree, ids)
        self._view.record(rid)

    def goto_id(self, text: str) -> None:
        """Go to a PMID/DOI typed in the palette."""
        self._ready()
        try:
            rid = parse_id(text)
        except BadIdError as exc:
            self._screen.notify(str(exc), severity="warning", markup=False)
            return
        self.open_record(rid)

    def ask_goto(self) -> None:
        from mscterm.tui.screens.prompt import PromptDialog

        def done(value: str | None) -> None:
            if value:
                self.goto_id(value)

        self._screen.app.push_screen(PromptDialog("Go to PMID or DOI", "e.g. 15833829"), done)

    def ask_pubmed(self) -> None:
        from mscterm.tui.screens.prompt import PromptDialog

        def done(value: str | None) -> None:
            if value:
                self.search(value, pubmed=True)

        prompt = PromptDialog("Search PubMed", "e.g. mesenchymal tumorigenicity")
        self._screen.app.push_screen(prompt, done)

    def toggle_offline(self) -> None:
        library = self._library
        library.offline = not library.offline
        self._report.header()
        state = "offline: only the cache and the seed" if library.offline else "online"
        self._report.status(f"Now {state}.")
        self._screen.notify(f"Now {state}.", markup=False)
