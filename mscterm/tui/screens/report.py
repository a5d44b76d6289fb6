"""Telling the person: the status line, the header (online/offline and counts), notifications.

One place, so every part of the screen reports the same way: a failure never removes what is
shown; it becomes a notification and the status line, and the header follows the Library into
OFFLINE when the network failed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mscterm.tui.safe import one_line

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.widgets.status import AppHeader, StatusLine


class Report:
    """The status line, the header and notifications of one screen."""

    def __init__(
        self,
        screen: Screen[Any],
        header: AppHeader,
        status_line: StatusLine,
        library: Library,
        explorer: Explorer,
    ) -> None:
        self._screen = screen
        self._header = header
        self._status_line = status_line
        self._library = library
        self._explorer = explorer
        self.cached = 0
        """Records in the disk cache, as last counted."""

    def status(self, message: str, *, error: bool = False) -> None:
        """Say what happened on the status line (untrusted parts are cleaned there)."""
        self._status_line.set_status(message, error=error)

    def fail(self, message: str) -> None:
        """A failure: notification + status line; whatever is shown stays."""
        self._screen.notify(one_line(message), severity="error", markup=False, timeout=8)
        self.status(message, error=True)
        self.header()

    def header(self, cached: int | None = None) -> None:
        """Bring the header up to date (online/offline, cache size, marks)."""
        if cached is not None:
            self.cached = cached
        self._header.set_state(
            offline=self._library.offline, cached=self.cached, marked=len(self._explorer.marks)
        )
