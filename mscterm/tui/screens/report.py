"""Telling the person: the status line, the header (online/offline and counts), notifications.

One place, so every part of the screen reports the same way. The header follows the Library's
status (:attr:`Library.status <mscterm.library.Library.status>`, heard through its listener):
online or offline, and what is browsable offline (shipped seed records · fetched records). The
status line follows what the pane shows (:meth:`follow`); a failure names the id and the cause
and goes when the thing it is about is fine again. Going offline because the network failed is
said once, calmly, on the status line: no toasts, nothing covering the pane.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mscterm.tui.safe import one_line

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.results import LibraryStatus
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
        self.shipped = 0
        """Records of the shipped seed snapshot, as last counted."""
        self.fetched = 0
        """Fetched records on disk, as last counted."""
        self._told_offline: str | None = None
        """The network failure already told (said once, not on every failed call)."""
        self.busy: str | None = None
        """Long network work under way ("Searching PubMed… 12 s, try 2 of 5"), shown first."""
        self._last: tuple[str, bool] = ("", False)
        self._told = False
        """The status line holds something said (a failure, a result), not the cursor's."""

    def status(self, message: str, *, error: bool = False) -> None:
        """Say what happened on the status line (untrusted parts are cleaned there)."""
        self._told = True
        self._show(message, error)

    def _show(self, message: str, error: bool) -> None:
        self._last = (message, error)
        self._status_line.set_status(self.busy or message, error=error and not self.busy)

    def follow(self, message: str, *, error: bool = False, moved: bool = True) -> None:
        """The status of what the pane shows: after a move it replaces whatever was said;
        when the same thing is only shown again (a record arrived), a failure or a result
        just told stays (a failure of the thing itself always shows)."""
        if moved or error or not self._told:
            self._told = False
            self._show(message, error)

    def set_busy(self, text: str | None) -> None:
        """Long work's clock (None: the work ended; the last status comes back)."""
        if text == self.busy:
            return
        self.busy = text
        message, error = self._last
        self._show(message, error)

    def fail(self, message: str) -> None:
        """A failure: the status line, and a notification unless it is the network going away
        (then the header and one calm line say it; whatever is shown stays)."""
        self.header()
        if self.offline_reason() is not None:
            self.went_offline()
            return
        self._screen.notify(one_line(message), severity="error", markup=False, timeout=8)
        self.status(message, error=True)

    def offline_reason(self) -> str | None:
        """Why mscterm is offline when the network failed (None: online, or offline by choice)."""
        status = self._library.status
        return status.reason if status.offline else None

    def went_offline(self) -> None:
        """The network failed and mscterm went offline: say so once, calmly."""
        reason = self.offline_reason()
        if reason is None or reason == self._told_offline:
            return
        self._told_offline = reason
        self.status(self.offline_line(reason))

    def offline_line(self, reason: str | None = None) -> str:
        """``Offline · r goes online and retries · 87 shipped + 40 fetched to browse · why``:
        what to do first, so 80 columns cut the cause, not the way out."""
        retry = "r goes online and retries" if reason else "ctrl+p → Go online"
        have = f"{self.shipped:,} shipped + {self.fetched:,} fetched to browse"
        why = f" · {one_line(reason).rstrip('.')}" if reason else ""
        return f"Offline · {retry} · {have}{why}"

    def connection_changed(self, status: LibraryStatus) -> None:
        """The Library's status changed (heard through its listener, on the UI thread)."""
        self.header()
        if status.offline and status.reason:
            self.went_offline()
        elif not status.offline:
            self._told_offline = None

    def header(self, counts: tuple[int, int] | None = None) -> None:
        """Bring the header up to date (online/offline, shipped · fetched, marks)."""
        if counts is not None:
            self.shipped, self.fetched = counts
        self._header.set_state(
            offline=self._library.offline,
            shipped=self.shipped,
            fetched=self.fetched,
            marked=len(self._explorer.marks),
        )
