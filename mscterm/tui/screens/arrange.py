"""Arranging what the tree shows: ``S`` sorts a list, ``F`` filters it, ``<``/``>`` size the tree.

A list is the one at the cursor (the list node itself, or the list the cursor's record is in):
a topic's latest PubMed page, a record's references, similar articles or citing articles, a
search's hits under "Found". Its arrangement lives in its
:class:`~mscterm.tui.explorer.ListState`, so it survives a filter rebuild, and the cursor stays
on the record it was on. The tree's width persists in user state (``tree_width``, cells).
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any

from mscterm.listing import describe, next_sort
from mscterm.tui.nodes import GroupData

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.tui.explorer import Explorer, ListState
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.topic_tree import TopicTree

STEP = 4
"""Cells per ``<``/``>`` press."""
MIN_TREE = 24
MIN_PANE = 24
WIDTH_KEY = "tree_width"
NO_LIST = (
    "S and F arrange a list: move into Latest on PubMed, References, Similar, Cited by or a search."
)


class Arranger:
    """``S``, ``F``, ``<`` and ``>`` on the main screen."""

    def __init__(
        self,
        screen: Screen[Any],
        tree: TopicTree,
        explorer: Explorer,
        library: Library,
        report: Report,
    ) -> None:
        self._screen = screen
        self._tree = tree
        self._explorer = explorer
        self._library = library
        self._report = report

    def current_list(self) -> ListState | None:
        """The list at the cursor (the list node, or the list holding the cursor's row); not a
        topic's registered trials (trials, not records: listed newest registration first)."""
        node = self._tree.cursor_node
        while node is not None and not node.is_root:
            if isinstance(node.data, GroupData):
                lst = self._explorer.lists.get(node.data.key)
                return lst if lst is None or lst.kind != "trials" else None
            node = node.parent
            if node is not None and not isinstance(node.data, GroupData):
                return None
        return None

    def _redraw(self, lst: ListState) -> None:
        tree = self._tree
        cursor = tree.cursor_key()
        tree.show_list(lst, [])
        if cursor is not None and not tree.select_key(cursor):
            tree.select_key(lst.key)
        node = tree.node_by_key(lst.key)
        label = tree.label_of(node).plain if node is not None else lst.key
        how = describe(lst.sort, lst.only) or "as listed"
        self._report.status(f"{label}: {how} · S sorts again · F filters")

    def sort(self) -> None:
        lst = self.current_list()
        if lst is None:
            self._report.status(NO_LIST)
            return
        lst.sort = next_sort(lst.sort)
        self._redraw(lst)

    def filter(self) -> None:
        lst = self.current_list()
        if lst is None:
            self._report.status(NO_LIST)
            return
        from mscterm.tui.screens.filter_menu import FilterMenu

        def chosen(only: str | None) -> None:
            if only is not None:
                lst.only = only
                self._redraw(lst)

        self._screen.app.push_screen(FilterMenu(lst.only), chosen)

    # -- the tree's width ----------------------------------------------------------------------
    def restore_width(self) -> None:
        """The width the person chose last time (if any)."""
        width = self._library.state.get(WIDTH_KEY)
        if isinstance(width, int) and width >= MIN_TREE:
            self._screen.query_one("#left").styles.width = width

    def widen(self, step: int) -> None:
        """``>`` (+) / ``<`` (−): the tree a few cells wider or narrower; remembered."""
        left = self._screen.query_one("#left")
        room = self._screen.size.width - MIN_PANE
        width = max(MIN_TREE, min(left.outer_size.width + step * STEP, room))
        left.styles.width = width
        with contextlib.suppress(OSError):
            self._library.state.set(WIDTH_KEY, width)
        self._report.status(f"Tree width {width} columns (< narrower, > wider; kept).")
