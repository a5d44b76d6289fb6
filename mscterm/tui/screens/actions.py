"""Acting on the record the pane shows: mark, copy (OSC 52), open, export, the Marked view.

One rule: these keys act on the record shown in the pane, wherever it came from (the tree, a
search, go-to, a link list); ``shown()`` (the screen's) says which. The dialogs are imported when
first opened: none of them is part of the first frame. The export is written by a worker
(:meth:`Loaders.export <mscterm.tui.workers.Loaders.export>`), which answers with a message.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from mscterm.model import Record, is_trial_id
from mscterm.tui.overview import record_links
from mscterm.tui.safe import one_line
from mscterm.tui.widgets import tree_search

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.export_dialog import ExportRequest
    from mscterm.tui.screens.main import MainScreen
    from mscterm.tui.screens.marked import MarkedOutcome
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.topic_tree import TopicTree
    from mscterm.tui.workers import Loaders

NOTHING = "Nothing to {what} here: move to a record (the pane shows what keys act on)."


def _has_browser() -> bool:
    """A graphical browser can open without taking over this terminal (not over plain SSH)."""
    if sys.platform in {"darwin", "win32"}:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def bibtex_entry(library: Library, record: Record) -> str | None:
    """The record's BibTeX entry as ``mscterm export`` writes it (the one export flow: its
    pinned citation key, pinned now if it had none; the configured journal form)."""
    from mscterm.export import flow
    from mscterm.export.options import ExportOptions

    options = ExportOptions(journal=library.settings.journal)
    job = flow.ExportJob([record.id], fmt="bibtex", output=None, options=options)
    try:
        outcome = flow.export_cached(library, job)
    except (flow.ExportError, OSError, ValueError):
        return None
    return outcome.text.strip() if outcome.text else None


class RecordActions:
    """``space`` mark, ``y`` copy, ``o`` open, ``e`` export, ``M`` the Marked view."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        explorer: Explorer,
        tree: TopicTree,
        loaders: Loaders,
        report: Report,
        *,
        shown: Callable[[], str | None],
        marks_changed: Callable[[set[str]], None],
        open_record: Callable[[str], None],
    ) -> None:
        self._screen = screen
        self._library = library
        self._explorer = explorer
        self._tree = tree
        self._loaders = loaders
        self._report = report
        self._shown = shown
        self._marks_changed = marks_changed
        self._open_record = open_record

    def current_record(self) -> Record | None:
        """The record the pane shows (None when it shows a topic, a list or nothing)."""
        rid = self._shown()
        return self._library.get(rid) if rid else None

    def mark(self) -> None:
        """``space``: mark or unmark the record shown (in the shared set, then persisted)."""
        rid = self._shown()
        if rid is None:
            self._report.status(NOTHING.format(what="mark"))
            return
        changed = self._explorer.marks.toggle([rid])
        self._marks_changed(changed)

    def mark_all(self) -> None:
        """``A``: mark every record under the topic at the cursor (all marked: unmark)."""
        found = tree_search.topic_records(self._tree)
        if found is None or not found[1]:
            return
        label, rids = found
        changed, marked = self._explorer.mark_all(rids)
        self._marks_changed(changed)
        done = "Marked" if marked else "Unmarked"
        self._report.status(f"{done} {len(rids)} records under {label}.")

    def related(self, kind: str) -> None:
        """``s``/``c``: open the Similar articles / Cited by list of the record shown (its row
        first, if the tree's cursor is elsewhere)."""
        rid = self._shown()
        tree = self._tree
        if rid is not None and tree.cursor_target() != ("record", rid):
            self._open_record(rid)
        problem = tree_search.open_links(tree, kind)
        if problem:
            self._report.status(problem)
        else:
            tree.focus()

    def copy(self) -> None:
        nct = self._trial()
        if nct is not None:
            from mscterm.tui.trials import actions as trial_actions

            self._copy(trial_actions.copy_choices(self._library, nct))
            return
        record = self.current_record()
        if record is None:
            self._report.status(NOTHING.format(what="copy"))
            return
        from mscterm.tui.screens.copy_menu import copy_choices

        self._copy(copy_choices(record, bibtex_entry(self._library, record)))

    def _copy(self, choices: list[tuple[str, str]]) -> None:
        """``y``'s menu of what the record (or trial) shown offers; the choice is copied."""
        app = self._screen.app

        def copied(text: str | None) -> None:
            if text:
                app.copy_to_clipboard(text)
                self._screen.notify(f"Copied: {one_line(text)[:70]}", markup=False)

        from mscterm.tui.screens.copy_menu import ChoiceMenu

        app.push_screen(ChoiceMenu("Copy to clipboard", choices), copied)

    def _trial(self) -> str | None:
        """The NCT id of the trial the pane shows (None: it shows no trial)."""
        rid = self._shown()
        return rid if rid is not None and is_trial_id(rid) else None

    def trials(self) -> None:
        """``T``: the registered trials the record shown names: one opens, several offer a menu."""
        from mscterm.tui.trials import actions as trial_actions

        record = self.current_record()
        ncts = trial_actions.registered_trials(record) if record is not None else []
        if not ncts:
            rid = self._shown()
            if rid is None or self._trial() is not None:
                self._report.status(trial_actions.MOVE_TO_RECORD)
            else:
                name = f"PMID {rid}" if rid.isdigit() else rid
                self._report.status(trial_actions.NO_TRIALS.format(name=name))
            return
        if len(ncts) == 1:
            self._open_record(ncts[0])
            return
        from mscterm.tui.screens.copy_menu import ChoiceMenu

        def chosen(value: str | None) -> None:
            if value:
                self._open_record(trial_actions.chosen_trial(value))

        choices = trial_actions.trial_choices(self._library, ncts)
        self._screen.app.push_screen(ChoiceMenu("Registered trials", choices), chosen)

    def open(self) -> None:
        """``o``: PubMed, PMC (with a PMCID) or the DOI, in a browser or shown to copy; a trial's
        page on ClinicalTrials.gov."""
        nct = self._trial()
        if nct is not None:
            from mscterm.tui.trials.text import trial_url

            self.open_url(trial_url(nct))
            return
        record = self.current_record()
        if record is None:
            self._report.status(NOTHING.format(what="open"))
            return
        from mscterm.tui.screens.copy_menu import ChoiceMenu

        def chosen(url: str | None) -> None:
            if url:
                self.open_url(url)

        self._screen.app.push_screen(ChoiceMenu("Open", record_links(record)), chosen)

    def open_url(self, url: str) -> None:
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
        """``e``: export the marked records; with nothing marked, the record the pane shows."""
        ids = list(self._explorer.marks)
        title = None
        if not ids:
            shown = self._shown()
            if shown is None:
                self._screen.notify(
                    "Nothing is marked: space marks a record, A a whole topic.", markup=False
                )
                return
            ids = [shown]
            title = "Nothing is marked: export the record shown"

        def chosen(request: ExportRequest | None) -> None:
            if request is not None:
                self._report.status(f"Writing {request.path}…")
                self._loaders.export(request, ids)

        from mscterm.tui.screens.export_dialog import ExportDialog

        self._screen.app.push_screen(ExportDialog(len(ids), title=title), chosen)

    def exported(self, sentence: str) -> None:
        """The export worker wrote the file."""
        self._screen.notify(sentence, markup=False)
        self._report.status(sentence)

    def marked_view(self) -> None:
        """``M``: the marked records: unmark, clear all, export, open."""
        from mscterm.tui.screens.marked import MarkedScreen

        def done(outcome: MarkedOutcome | None) -> None:
            if outcome is None:
                return
            if outcome.export:
                self.export()
            elif outcome.open:
                self._open_record(outcome.open)

        screen = MarkedScreen(self._library, self._explorer, marks_changed=self._marks_changed)
        self._screen.app.push_screen(screen, done)


def actions_for(main: MainScreen) -> RecordActions:
    """The main screen's record actions, wired to its parts."""
    return RecordActions(
        main,
        main.library,
        main.explorer,
        main.topic_tree,
        main.loaders,
        main.report,
        shown=main.shown_record,
        marks_changed=main._marks_changed,  # the screen persists and repaints marks
        open_record=main.navigator.open_record,
    )
