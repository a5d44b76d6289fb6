"""Acting on the record under the cursor: copy (OSC 52), open on PubMed, export the marked ones.

Mixed into :class:`~mscterm.tui.screens.main.MainScreen` (``self`` is the screen). The dialogs
are imported when first opened: none of them is part of the first frame.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from textual import work

from mscterm.model import Record
from mscterm.tui.nodes import RecordData, ReviewData
from mscterm.tui.overview import pubmed_url
from mscterm.tui.safe import one_line

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui.screens.export_dialog import ExportRequest


def _has_browser() -> bool:
    """A graphical browser can open without taking over this terminal (not over plain SSH)."""
    if sys.platform in {"darwin", "win32"}:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class RecordActionsMixin:
    """``y`` copy, ``o`` open, ``e`` export (the export written off the UI thread)."""

    def _cursor_record(self) -> Record | None:
        """The record under the cursor (or shown in the pane when the pane has focus)."""
        node = self.tree.cursor_node
        rid: str | None = None
        if self.pane.has_focus_within or self.focused is self.pane:
            kind, key = self.pane.shown
            if kind == "record":
                rid = key
        if rid is None and node is not None:
            if isinstance(node.data, RecordData):
                rid = node.data.rid
            elif isinstance(node.data, ReviewData):
                rid = node.data.pmid
        if rid is None and self.pane.shown[0] == "record":
            rid = self.pane.shown[1]
        return self.library.get(rid) if rid else None

    def action_copy(self) -> None:
        record = self._cursor_record()
        if record is None:
            self._status("Nothing to copy here: move to a reference.")
            return

        def copied(text: str | None) -> None:
            if text:
                self.app.copy_to_clipboard(text)
                self.notify(f"Copied: {one_line(text)[:70]}", markup=False)

        from mscterm.tui.screens.copy_menu import CopyMenu

        self.app.push_screen(CopyMenu(record), copied)

    def action_open(self) -> None:
        record = self._cursor_record()
        if record is None:
            self._status("Move to a reference to open it.")
            return
        url = pubmed_url(record)
        if _has_browser():
            import webbrowser

            self._open_url(url, webbrowser.open)
            self._status(f"Opening {url}")
        else:
            self.notify(url, title="Open in your browser", markup=False, timeout=15)
            self._status(url)

    @work(thread=True, exit_on_error=False)
    def _open_url(self, url: str, opener: Callable[[str], bool]) -> None:
        if not opener(url):
            self.app.call_from_thread(self.notify, url, title="Open in your browser", markup=False)

    def action_export(self) -> None:
        if not self.marks:
            self.notify(
                "Nothing is marked: space marks a reference, A a whole topic.", markup=False
            )
            return

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._status(f"Writing {request.path}…")
                self._export(request, list(self.marks))

        from mscterm.tui.screens.export_dialog import ExportDialog

        self.app.push_screen(ExportDialog(len(self.marks)), chosen)

    @work(thread=True, exclusive=True, group="export", exit_on_error=False)
    def _export(self, request: ExportRequest, marks: list[str]) -> None:
        """Format and write atomically off the UI thread (10,000 records take a moment)."""
        try:
            message = export_marked(self.library, marks, request)
        except Exception as exc:
            self.app.call_from_thread(self._fail, f"Export failed: {exc}")
            return
        self.app.call_from_thread(self._exported, message)

    def _exported(self, message: str) -> None:
        self.notify(message, markup=False)
        self._status(message)


def export_marked(library: Library, marks: list[str], request: ExportRequest) -> str:
    """Export the marked records to ``request.path`` (cache only); returns the sentence to show."""
    from mscterm.export import flow
    from mscterm.export.options import ExportOptions

    options = ExportOptions(
        include_abstract=request.include_abstract, journal=library.settings.journal
    )
    job = flow.ExportJob(marks, fmt=request.fmt, output=str(request.path), options=options)
    outcome = flow.export_cached(library, job)
    if not outcome.written:
        raise ValueError("none of the marked references is in the cache")
    written = len(outcome.written)
    missing = len(outcome.missing)
    noun = "reference" if written == 1 else "references"
    extra = f" ({missing} not in the cache were left out)" if missing else ""
    return f"Wrote {written} {noun} to {request.path}{extra}"
