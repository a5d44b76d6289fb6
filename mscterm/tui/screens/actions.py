"""Acting on a record: copy (OSC 52), open on PubMed, export the marked ones.

The dialogs are imported when first opened: none of them is part of the first frame. The export
is written by a worker (:meth:`Loaders.export <mscterm.tui.workers.Loaders.export>`), which
answers with a message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from mscterm.model import Record
from mscterm.tui.overview import pubmed_url
from mscterm.tui.safe import one_line

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.export_dialog import ExportRequest
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.reference_pane import ReferencePane
    from mscterm.tui.widgets.topic_tree import TopicTree
    from mscterm.tui.workers import Loaders


def _has_browser() -> bool:
    """A graphical browser can open without taking over this terminal (not over plain SSH)."""
    if sys.platform in {"darwin", "win32"}:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


class RecordActions:
    """``y`` copy, ``o`` open, ``e`` export."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        explorer: Explorer,
        tree: TopicTree,
        pane: ReferencePane,
        loaders: Loaders,
        report: Report,
    ) -> None:
        self._screen = screen
        self._library = library
        self._explorer = explorer
        self._tree = tree
        self._pane = pane
        self._loaders = loaders
        self._report = report

    def current_record(self) -> Record | None:
        """The record under the cursor (or shown in the pane when the pane has focus)."""
        rid: str | None = None
        kind, key = self._explorer.shown
        if kind == "record" and (self._pane.has_focus_within or self._screen.focused is self._pane):
            rid = key
        if rid is None:
            target = self._tree.cursor_target()
            if target is not None and target[0] == "record":
                rid = target[1]
        if rid is None and kind == "record":
            rid = key
        return self._library.get(rid) if rid else None

    def copy(self) -> None:
        record = self.current_record()
        if record is None:
            self._report.status("Nothing to copy here: move to a reference.")
            return
        app = self._screen.app

        def copied(text: str | None) -> None:
            if text:
                app.copy_to_clipboard(text)
                self._screen.notify(f"Copied: {one_line(text)[:70]}", markup=False)

        from mscterm.tui.screens.copy_menu import CopyMenu

        app.push_screen(CopyMenu(record), copied)

    def open(self) -> None:
        record = self.current_record()
        if record is None:
            self._report.status("Move to a reference to open it.")
            return
        url = pubmed_url(record)
        if _has_browser():
            import webbrowser

            work = partial(self._open_url, url, webbrowser.open)
            self._screen.run_worker(work, thread=True, exit_on_error=False)
            self._report.status(f"Opening {url}")
        else:
            self._screen.notify(url, title="Open in your browser", markup=False, timeout=15)
            self._report.status(url)

    def _open_url(self, url: str, opener: Callable[[str], bool]) -> None:
        if not opener(url):
            notify = partial(self._screen.notify, url, title="Open in your browser", markup=False)
            self._screen.app.call_from_thread(notify)

    def export(self) -> None:
        marks = self._explorer.marks
        if not marks:
            self._screen.notify(
                "Nothing is marked: space marks a reference, A a whole topic.", markup=False
            )
            return

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._report.status(f"Writing {request.path}…")
                self._loaders.export(request, list(marks))

        from mscterm.tui.screens.export_dialog import ExportDialog

        self._screen.app.push_screen(ExportDialog(len(marks)), chosen)

    def exported(self, sentence: str) -> None:
        """The export worker wrote the file."""
        self._screen.notify(sentence, markup=False)
        self._report.status(sentence)
