"""The ``f`` filter above the tree, and clearing it without losing the person's place.

Clearing the filter (``escape``, or emptying the box) keeps the cursor on the node it was on in
the filtered tree, with that node's parents open as well as everything that was open before the
filter, and the pane shows what the cursor is on: cursor and pane always agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual.containers import Vertical
from textual.widgets import Input

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.main import MainScreen
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.topic_tree import TopicTree


def ancestors(key: str) -> list[str]:
    """``t:a/b/c`` -> ``["t:a", "t:a/b"]``: the keys of the nodes above a key."""
    parts = key.split("/")
    return ["/".join(parts[:i]) for i in range(1, len(parts))]


class TreeFilter:
    """The filter box (mounted on first use), applying and clearing the tree's filter."""

    def __init__(
        self,
        screen: Screen[Any],
        tree: TopicTree,
        explorer: Explorer,
        report: Report,
        *,
        follow: Callable[[], None],
    ) -> None:
        self._screen = screen
        self._tree = tree
        self._explorer = explorer
        self._report = report
        self._follow = follow
        """Shows the cursor's node in the pane (after a rebuild moved it without an event)."""

    def box(self) -> Input | None:
        """The filter box above the tree, once ``f`` has created it."""
        return next(self._screen.query("#filter").results(Input), None)

    @property
    def active(self) -> bool:
        box = self.box()
        return box is not None and (self._screen.focused is box or bool(self._tree.filter_text))

    async def open(self) -> None:
        box = self.box()
        if box is None:
            box = Input(placeholder="filter the tree…", id="filter")
            await self._screen.query_one("#left", Vertical).mount(box, before=0)
        box.remove_class("hidden")
        box.focus()

    def changed(self, text: str) -> None:
        if not text.strip():
            self.clear(keep_box=True)
            return
        matches = self._tree.apply_filter(text)
        self._follow()
        self._report.status(f"Filter: {matches} matching nodes (escape clears).")

    def clear(self, *, keep_box: bool = False) -> None:
        """Clear the filter; the cursor stays on the record it was on."""
        tree = self._tree
        box = self.box()
        if box is not None and not keep_box:
            box.value = ""
            box.add_class("hidden")
        if tree.filter_text:
            cursor = tree.cursor_node
            key = cursor.data.key if cursor is not None and cursor.data is not None else None
            position = self._explorer.position
            if key is not None and position.unfiltered is not None:
                expanded, _ = position.unfiltered
                opened = [k for k in ancestors(key) if k not in expanded]
                position.unfiltered = ([*expanded, *opened], key)
            tree.apply_filter("")
            self._follow()
        if not keep_box:
            tree.focus()


def filter_for(main: MainScreen) -> TreeFilter:
    """The main screen's tree filter, wired to its parts."""
    return TreeFilter(main, main.topic_tree, main.explorer, main.report, follow=main.follow_cursor)
