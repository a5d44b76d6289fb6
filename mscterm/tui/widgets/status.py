"""The header bar (title, online/offline, cache size) and the one-line status under the panes.

Both are plain ``Static``s driven by method calls. No clock: screens must be deterministic for
snapshot tests, and a researcher over SSH does not need another one.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from mscterm.tui.safe import one_line


class AppHeader(Static):
    """``mscterm · MSC safety literature     online · 87 shipped · 1,234 fetched · 2 marked``.

    Drawn from its state at render time (it depends on the width), so a change of state or of
    size is a repaint, never a layout pass.
    """

    def __init__(
        self,
        title: str,
        *,
        offline: bool = False,
        shipped: int | None = None,
        fetched: int = 0,
        marked: int = 0,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id, classes="offline" if offline else "")
        self._title = title
        self._state = (offline, shipped, fetched, marked)

    def set_state(self, *, offline: bool, shipped: int, fetched: int, marked: int) -> None:
        """Receive the connection state and counts to show."""
        state = (offline, shipped, fetched, marked)
        if state == self._state:
            return
        self._state = state
        self.set_class(offline, "offline")
        self.refresh()

    def render(self) -> Text:
        left = Text(f" {self._title}", style="bold")
        right = Text()
        offline, shipped, fetched, marked = self._state
        right.append("OFFLINE" if offline else "online", style="bold")
        if shipped is not None:  # counted right after the first frame
            right.append(f" · {shipped:,} shipped · {fetched:,} fetched")
        if marked:
            right.append(f" · {marked:,} marked")
        right.append(" ")
        width = max(self.size.width, 1)
        gap = width - left.cell_len - right.cell_len
        if gap < 1:
            left.truncate(max(width - right.cell_len - 1, 0), overflow="ellipsis")
            gap = max(width - left.cell_len - right.cell_len, 1)
        return Text.assemble(left, " " * gap, right)


class StatusLine(Static):
    """The last thing that happened (fetches, failures), one line, plain text."""

    def set_status(self, message: str, *, error: bool = False) -> None:
        """Show ``message`` (untrusted parts are cleaned; never parsed as markup)."""
        self.set_class(error, "error")
        self.update(Text(one_line(message)))
