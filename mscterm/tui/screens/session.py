"""What outlives the session, and what the Library says while it runs.

Saving where the person is (expanded nodes, the cursor, the marks) in user state, leaving out
what belongs to this session only ("Found this session"); and hearing the Library's status
through its listener, handed to the UI thread as a message (the listener may be called from a
worker's thread).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mscterm.tui.widgets.tree_position import session_only

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.results import LibraryStatus
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.topic_tree import TopicTree


class Session:
    """The saved position and marks; the Library's listener."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        tree: TopicTree,
        explorer: Explorer,
        report: Report,
    ) -> None:
        self._screen = screen
        self._library = library
        self._tree = tree
        self._explorer = explorer
        self._report = report
        self._unlisten: Callable[[], None] | None = None

    def listen(self) -> None:
        """Hear every change of the Library's status (once)."""
        if self._unlisten is None:
            self._unlisten = self._library.add_listener(self._changed)

    def _changed(self, status: LibraryStatus) -> None:
        from mscterm.tui.answers import StatusChanged

        self._screen.post_message(StatusChanged(status))

    def stop(self) -> None:
        if self._unlisten is not None:
            self._unlisten()
            self._unlisten = None

    def _expanded(self) -> list[str]:
        return [k for k in self._tree.expanded_keys() if not session_only(k)]

    def save_expanded(self) -> None:
        with contextlib.suppress(OSError):
            self._library.state.set("expanded", self._expanded())

    def save_marks(self) -> None:
        try:
            self._library.state.set_marks(self._explorer.marks)
        except OSError as exc:
            self._report.fail(f"Could not save marks: {exc}")

    def save(self) -> None:
        """Persist expanded nodes, the cursor and the marks.

        Marks are also saved as they change; saving them here too keeps a mark made in the
        same burst of keys as ``q`` (its message not handled yet when the app exits).
        """
        try:
            state = self._library.state
            state.set_marks(self._explorer.marks)
            state.set("expanded", self._expanded())
            cursor = self._tree.cursor_key()
            state.set("cursor", None if session_only(cursor) else cursor)
        except OSError as exc:
            self._screen.notify(f"Could not save the tree position: {exc}", markup=False)
