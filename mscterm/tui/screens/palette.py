"""Going places: go to an id, the search dialog, the PubMed prompt, the offline switch.

The command palette (:mod:`mscterm.tui.commands`) and the ``/`` key call these. A record opened
this way is shown in the pane, and the tree's cursor moves to where the tree shows it; a record
the curated tree does not hold goes under "Found this session" (and so does a search's hits),
so every record, wherever it was found, is a tree row that keys act on and the person can
come back to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mscterm.model import BadIdError, parse_any_id
from mscterm.tui.widgets import tree_search

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.tui.activity import Activity
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.main import MainScreen
    from mscterm.tui.screens.pane_view import PaneView
    from mscterm.tui.screens.report import Report
    from mscterm.tui.screens.search import SearchOutcome
    from mscterm.tui.widgets.topic_tree import TopicTree


class Navigator:
    """Go to PMID/DOI (and show where the tree has it), PubMed/local search, offline toggle."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        explorer: Explorer,
        tree: TopicTree,
        view: PaneView,
        report: Report,
        *,
        ready: Callable[[], None],
        activity: Activity,
        marks_changed: Callable[[set[str]], None],
    ) -> None:
        self._screen = screen
        self._library = library
        self._explorer = explorer
        self._activity = activity
        self._marks_changed = marks_changed
        self._tree = tree
        self._view = view
        self._report = report
        self._ready = ready
        """Completes the screen's start-up (the cache open) before anything is opened."""

    def search(self, query: str = "", pubmed: bool = False) -> None:
        """The ``/`` dialog (with ``pubmed``: its PubMed search started at once)."""
        from mscterm.tui.screens.search import SearchScreen

        self._ready()
        screen = SearchScreen(
            self._library,
            self._explorer,
            query,
            activity=self._activity,
            marks_changed=self._marks_changed,
        )
        self._screen.app.push_screen(screen, self.searched)
        if pubmed and query:
            self._screen.call_after_refresh(screen.action_pubmed)

    def searched(self, outcome: SearchOutcome | None) -> None:
        """The search screen closed: keep its hits under "Found", open the chosen one."""
        if outcome is None:
            return
        if outcome.title and outcome.ids:
            lst = self._explorer.found_search(outcome.title, outcome.ids, outcome.total)
            key = self._tree.show_found("search", lst.key)
            if outcome.open is None:
                self._tree.select_key(key)
        if outcome.open:
            self.open_record(outcome.open)

    def open_record(self, rid: str) -> None:
        """Show a record (from search or go-to) where the tree has it, else under "Found"."""
        self._ready()
        ids = {rid}
        record = self._library.get(rid)
        if record is not None:
            ids.update(i for i in (record.id, record.pmid) if i)
            if record.doi:
                ids.add(f"doi:{record.doi.lower()}")
        if not tree_search.reveal(self._tree, ids):
            self._explorer.found_record(rid)
            self._tree.select_key(self._tree.show_found("record", rid))
        self._tree.focus()
        self._view.record(rid)

    def goto_id(self, text: str) -> None:
        """Go to a PMID/DOI (or a trial's NCT id) typed in the palette."""
        self._ready()
        try:
            rid = parse_any_id(text)
        except BadIdError as exc:
            self._screen.notify(str(exc), severity="warning", markup=False)
            return
        self.open_record(rid)

    def ask_goto(self) -> None:
        from mscterm.tui.screens.prompt import PromptDialog

        def done(value: str | None) -> None:
            if value:
                self.goto_id(value)

        prompt = PromptDialog("Go to PMID, DOI or NCT id", "e.g. 15833829")
        self._screen.app.push_screen(prompt, done)

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


def navigator_for(main: MainScreen) -> Navigator:
    """The main screen's navigator, wired to its parts."""
    return Navigator(
        main,
        main.library,
        main.explorer,
        main.topic_tree,
        main.view,
        main.report,
        ready=main.complete_startup,
        activity=main.activity,
        marks_changed=main._marks_changed,  # the screen persists and repaints marks
    )
