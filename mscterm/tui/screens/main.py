"""The explorer's main screen: topic tree on the left, reference pane on the right.

The screen composes the widgets and the parts that do its work, and routes messages between
them: the tree posts what the person did (:mod:`mscterm.tui.messages`), the workers post what
the Library answered, and each handler hands the message to the part that owns it:

* :class:`~mscterm.tui.explorer.Explorer` -- the state (marks, lists, fetch history, position);
* :class:`~mscterm.tui.workers.Loaders` -- every Library call that may reach the network;
* :class:`~mscterm.tui.screens.lists.ListControl` -- topics and lists, their loads and answers;
* :class:`~mscterm.tui.screens.pane_view.PaneView` -- what the pane shows;
* :class:`~mscterm.tui.screens.actions.RecordActions` -- copy, open, export;
* :class:`~mscterm.tui.screens.palette.Navigator` -- go-to, searches, the offline switch;
* :class:`~mscterm.tui.screens.report.Report` -- status line, header, notifications.

The first frame is built from the topic map's outline only (no cache, no network); the rest of
the start-up follows it (:meth:`MainScreen.complete_startup`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input

from mscterm.model import Topic
from mscterm.tui import messages as msg
from mscterm.tui.explorer import Explorer
from mscterm.tui.screens.actions import RecordActions
from mscterm.tui.screens.lists import ListControl
from mscterm.tui.screens.palette import Navigator
from mscterm.tui.screens.pane_view import PaneView
from mscterm.tui.screens.report import Report
from mscterm.tui.widgets import tree_search
from mscterm.tui.widgets.reference_pane import ReferencePane
from mscterm.tui.widgets.status import AppHeader, StatusLine
from mscterm.tui.widgets.topic_tree import TopicTree
from mscterm.tui.widgets.tree_source import Lookup
from mscterm.tui.workers import Loaders

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui import answers as ans

# The dialogs (help, search, copy, export, prompt) are imported when first opened, and the
# filter box is mounted when first asked for: none of them is part of the first frame.


class MainScreen(Screen[None]):
    """Tree + pane + header/status/footer, and the parts that drive them."""

    BINDINGS = [  # noqa: RUF012
        Binding("question_mark", "help", "Help"),
        Binding("e", "export", "Export"),
        Binding("slash", "search", "Search"),
        Binding("f", "filter", "Filter"),
        Binding("s", "related('similar')", "Similar"),
        Binding("c", "related('cited_by')", "Cited by"),
        Binding("y", "copy", "Copy"),
        Binding("o", "open", "Open"),
        Binding("r", "refresh", "Refresh"),
        Binding("A", "mark_all", "Mark all"),
        Binding("q", "quit", "Quit"),
        Binding("tab", "switch_pane", "Pane", show=False),
        Binding("escape", "escape", "Back", show=False),
    ]

    def __init__(self, library: Library) -> None:
        super().__init__()
        # The first frame needs only the topics' titles: the outline of the map (no cache, no
        # seed). The cache, the seed and the full map come right after it (complete_startup).
        from mscterm.topics import load_topics

        self.library = library
        self.explorer = Explorer(library.state.marks)
        outline = load_topics(landmark_records={})
        self.topic_tree = TopicTree(
            outline.roots,
            outline.landmark_ids,
            None,
            explorer=self.explorer,
            source=self._tree_source,
            id="tree",
        )
        self.pane = ReferencePane(id="pane")
        offline = library.offline
        self._header = AppHeader(
            "mscterm · MSC safety literature",
            offline=offline,
            marked=len(self.explorer.marks),
            id="header",
        )
        ready = (
            "Offline: showing the cache and the shipped seed." if offline else "Ready. ? for help."
        )
        self._status_line = StatusLine(Text(ready), id="status")
        self.report = Report(self, self._header, self._status_line, library, self.explorer)
        self.loaders = Loaders(library, self)
        self.view = PaneView(
            self.pane, self.topic_tree, library, self.explorer, self.loaders, self.report
        )
        self.lists = ListControl(
            self.topic_tree, self.explorer, library, self.loaders, self.report, self.view
        )
        self.record_actions = RecordActions(
            self, library, self.explorer, self.topic_tree, self.pane, self.loaders, self.report
        )
        self.navigator = Navigator(
            self, library, self.topic_tree, self.view, self.report, ready=self.complete_startup
        )
        self._mounted = False
        self._started = False
        """Whether :meth:`complete_startup` ran (until then the pane shows "Loading…")."""

    # -- composition and start-up --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield self._header
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield self.topic_tree
            yield self.pane
        yield self._status_line
        yield Footer()

    def _tree_source(self) -> tuple[list[Topic], Callable[[str], list[str]], Lookup]:
        topics = self.library.topics
        return topics.roots, topics.landmark_ids, self.library.get

    def on_mount(self) -> None:
        state = self.library.state
        # Moving the cursor needs only the outline; a saved expanded node needs the full map
        # and the cache, so the tree opens them (here, for the first frame) if any.
        self.topic_tree.restore(state.get("expanded", []) or [], state.get("cursor"))
        # The lists those nodes show load together right after the first frame (one worker).
        self.lists.plan_restore()
        self.topic_tree.focus()
        self._mounted = True
        self.call_after_refresh(self.complete_startup)

    def complete_startup(self) -> None:
        """The rest of the start-up, once the first frame is on the screen (idempotent).

        Opens the cache and the seed (through the full topic map), counts the cache for the
        header and shows the node under the cursor in the pane. Runs right after the first
        frame, or earlier if a key (typed ahead) or a caller needs the screen complete.
        """
        if self._started or not self._mounted:
            return
        self._started = True
        tree = self.topic_tree
        tree.attach()
        self.report.header()
        self.loaders.count_cached()
        for warning in self.library.warnings:
            self.notify(warning, severity="warning", markup=False)
        node = tree.cursor_node
        if node is not None:
            shown = tree.highlighted(node)
            if shown is not None:
                self.view.highlighted(shown)
        self.lists.start_restore()

    def user_input(self) -> None:
        """A key from the person: a restored cursor still waiting for its list stays put."""
        if self._started:
            self.explorer.position.cursor = None

    def on_unmount(self) -> None:
        self.save_position()

    def save_position(self) -> None:
        """Persist expanded nodes, the cursor and the marks.

        Marks are also saved as they change; saving them here too keeps a mark made in the
        same burst of keys as ``q`` (its message not handled yet when the app exits).
        """
        if not self._mounted:
            return  # never shown: nothing to save (and the saved position must stay)
        tree = self.topic_tree
        try:
            state = self.library.state
            state.set_marks(self.explorer.marks)
            state.set("expanded", tree.expanded_keys())
            state.set("cursor", tree.cursor_key())
        except OSError as exc:
            self.notify(f"Could not save the tree position: {exc}", markup=False)

    # -- from the tree -------------------------------------------------------------------------
    @on(msg.RecordHighlighted)
    @on(msg.TopicHighlighted)
    @on(msg.GroupHighlighted)
    @on(msg.NoteHighlighted)
    def _highlighted(self, message: msg.TreeMessage) -> None:
        if self._started:  # else complete_startup shows the node under the cursor
            self.view.highlighted(message)

    def on_topic_opened(self, message: msg.TopicOpened) -> None:
        self.lists.topic_opened(message.topic_id)

    def on_group_requested(self, message: msg.GroupRequested) -> None:
        self.lists.requested(message.key, append=message.append)

    def on_record_opened(self, message: msg.RecordOpened) -> None:
        # Reading: the pane takes the keys (j/k scroll), tab or escape come back.
        self.view.record(message.rid)
        self.pane.focus()

    def on_expansion_changed(self, message: msg.ExpansionChanged) -> None:
        with contextlib.suppress(OSError):
            self.library.state.set("expanded", self.topic_tree.expanded_keys())

    def on_mark_toggled(self, message: msg.MarkToggled) -> None:
        """The tree changed the shared mark set: persist it and show it."""
        self._marks_changed(set(message.rids))

    def _marks_changed(self, changed: set[str]) -> None:
        try:
            self.library.state.set_marks(self.explorer.marks)
        except OSError as exc:
            self.report.fail(f"Could not save marks: {exc}")
        self.report.header()
        self.view.refresh(changed)

    # -- from the workers ----------------------------------------------------------------------
    def on_topic_loaded(self, message: ans.TopicLoaded) -> None:
        self.lists.topic_loaded(message)

    def on_list_loaded(self, message: ans.ListLoaded) -> None:
        self.lists.list_loaded(message)

    def on_list_failed(self, message: ans.ListFailed) -> None:
        self.lists.list_failed(message)

    def on_list_cancelled(self, message: ans.ListCancelled) -> None:
        self.lists.list_cancelled(message)

    def on_restore_round_done(self, message: ans.RestoreRoundDone) -> None:
        self.lists.restore_round_done(message)

    def on_restore_finished(self, message: ans.RestoreFinished) -> None:
        self.lists.restore_finished(message)

    def on_record_fetched(self, message: ans.RecordFetched) -> None:
        self.view.record_fetched(message)

    def on_prefetched(self, message: ans.Prefetched) -> None:
        self.view.prefetched(message)

    def on_counts_arrived(self, message: ans.CountsArrived) -> None:
        self.view.counts_arrived(message)

    def on_cache_counted(self, message: ans.CacheCounted) -> None:
        self.report.header(message.count)

    def on_exported(self, message: ans.Exported) -> None:
        self.record_actions.exported(message.sentence)

    def on_work_failed(self, message: ans.WorkFailed) -> None:
        self.report.fail(message.sentence)

    def on_status_note(self, message: ans.StatusNote) -> None:
        self.report.status(message.sentence, error=message.error)

    # -- keys ----------------------------------------------------------------------------------
    def action_help(self) -> None:
        from mscterm.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.library.query_help()))

    def action_quit(self) -> None:
        self.save_position()
        self.app.exit()

    def action_switch_pane(self) -> None:
        if self.topic_tree.has_focus:
            self.pane.focus()
        else:
            self.topic_tree.focus()

    def action_search(self) -> None:
        self.navigator.search()

    def action_export(self) -> None:
        self.record_actions.export()

    def action_copy(self) -> None:
        self.record_actions.copy()

    def action_open(self) -> None:
        self.record_actions.open()

    def action_mark_all(self) -> None:
        """``A``: mark every reference under the topic at the cursor (all marked: unmark)."""
        found = tree_search.topic_records(self.topic_tree)
        if found is None or not found[1]:
            return
        label, rids = found
        changed, marked = self.explorer.mark_all(rids)
        self.topic_tree.marks_changed(changed)
        self._marks_changed(changed)
        done = "Marked" if marked else "Unmarked"
        self.report.status(f"{done} {len(rids)} references under {label}.")

    def action_related(self, kind: str) -> None:
        """``s``/``c``: open the reference's Similar articles / Cited by list."""
        problem = tree_search.open_links(self.topic_tree, kind)
        if problem:
            self.report.status(problem)

    def action_refresh(self) -> None:
        """``r``: fetch the highlighted item again (record, list, or topic)."""
        tree = self.topic_tree
        target = tree.cursor_target()
        if target is None or tree.cursor_node is None:
            return
        if self.library.offline:
            self.report.status("Offline: nothing can be refreshed (ctrl+p → go online).")
            return
        kind, key = target
        if kind == "record":
            self.explorer.retry(key)
            self.report.status(f"Refreshing {key}…")
            self.loaders.fetch_record(key, refresh=True)
        elif kind == "topic":
            self.explorer.counts.pop(key, None)
            tree.ensure_populated(tree.cursor_node)
            self.lists.load_topic(key, refresh=True)
            self.loaders.load_counts(key)
        else:
            self.lists.reload(key)

    # -- the filter ------------------------------------------------------------------------------
    def _filter_input(self) -> Input | None:
        """The filter box above the tree, once ``f`` has created it."""
        return next(self.query("#filter").results(Input), None)

    def action_escape(self) -> None:
        tree = self.topic_tree
        filter_input = self._filter_input()
        if filter_input is not None and (self.focused is filter_input or tree.filter_text):
            filter_input.value = ""
            filter_input.add_class("hidden")
            tree.apply_filter("")
            tree.focus()
        elif not tree.has_focus:
            tree.focus()

    async def action_filter(self) -> None:
        filter_input = self._filter_input()
        if filter_input is None:
            filter_input = Input(placeholder="filter the tree…", id="filter")
            await self.query_one("#left", Vertical).mount(filter_input, before=0)
        filter_input.remove_class("hidden")
        filter_input.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        matches = self.topic_tree.apply_filter(event.value)
        if event.value.strip():
            self.report.status(f"Filter: {matches} matching nodes (escape clears).")

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.add_class("hidden")
        self.topic_tree.focus()
