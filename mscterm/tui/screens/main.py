"""The explorer's main screen: topic tree on the left, reference pane on the right.

The screen composes the widgets and the parts that do its work, and routes messages between
them: the tree posts what the person did (:mod:`mscterm.tui.messages`), the workers post what
the Library answered, and each handler hands the message to the part that owns it:

* :class:`~mscterm.tui.explorer.Explorer` -- the state (marks, lists, fetch history, position);
* :class:`~mscterm.tui.workers.Loaders` -- every Library call that may reach the network;
* :class:`~mscterm.tui.screens.lists.ListControl` -- topics and lists, their loads and answers;
* :class:`~mscterm.tui.screens.pane_view.PaneView` -- what the pane shows;
* :class:`~mscterm.tui.screens.actions.RecordActions` -- mark, copy, open, export, Marked view;
* :class:`~mscterm.tui.screens.palette.Navigator` -- go-to, searches, the offline switch;
* :class:`~mscterm.tui.screens.arrange.Arranger` -- ``S``/``F`` on lists, ``<``/``>`` width;
* :class:`~mscterm.tui.screens.tree_filter.TreeFilter` -- the ``f`` filter;
* :class:`~mscterm.tui.screens.report.Report` -- status line, header, notifications;
* :class:`~mscterm.tui.screening.screener.Screener` -- screening (``i x m n t ] [ V C P K``).

One rule for the record keys (``space s c y o e``, and screening's): they act on the record the
pane shows (:meth:`MainScreen.shown_record`), wherever it was found.

The first frame is built from the topic map's outline only (no cache, no network); the rest of
the start-up follows it (:meth:`MainScreen.complete_startup`).
"""

from __future__ import annotations

import gc
from functools import cached_property
from typing import TYPE_CHECKING

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input, Static

from mscterm.tui import messages as msg
from mscterm.tui.activity import Activity
from mscterm.tui.explorer import Explorer
from mscterm.tui.screening import keys as screening_keys
from mscterm.tui.screens.arrange import Arranger
from mscterm.tui.screens.lists import ListControl
from mscterm.tui.screens.pane_view import PaneView
from mscterm.tui.screens.report import Report
from mscterm.tui.screens.session import Session
from mscterm.tui.widgets.key_footer import KeyFooter
from mscterm.tui.widgets.reference_pane import ReferencePane
from mscterm.tui.widgets.status import AppHeader, StatusLine
from mscterm.tui.widgets.topic_tree import TopicTree
from mscterm.tui.widgets.tree_source import Source
from mscterm.tui.workers import Loaders

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui import answers as ans
    from mscterm.tui.screening.screener import Screener
    from mscterm.tui.screens.actions import RecordActions
    from mscterm.tui.screens.palette import Navigator
    from mscterm.tui.screens.tree_filter import TreeFilter
    from mscterm.tui.trials.answers import GapCounted, TrialFetched

# Dialogs are imported when first opened, the filter box mounted when first asked for.
TITLE = "mscterm · MSC safety literature"
READY = "Ready. ? for help."
OFFLINE_READY = "Offline: browsing the cache and the shipped seed."


class MainScreen(Screen[None]):
    """Tree + pane + header/status/footer, and the parts that drive them."""

    # The footer shows the keys a newcomer needs first (? lists them all).
    BINDINGS = [  # noqa: RUF012
        Binding("space", "record('mark')", "Mark"),  # the tree's own in its place when focused
        Binding("question_mark", "help", "Help"),
        Binding("e", "export", "Export"),
        Binding("slash", "search", "Search"),
        Binding("f", "filter", "Filter"),
        Binding("s", "record('related', 'similar')", "Similar", show=False),
        Binding("c", "record('related', 'cited_by')", "Cited by", show=False),
        Binding("y", "record('copy')", "Copy", show=False),
        Binding("o", "record('open')", "Open", show=False),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("A", "record('mark_all')", "Mark all", show=False),
        Binding("M", "record('marked_view')", "Marked"),
        Binding("T", "record('trials')", "Trials", show=False),
        Binding("S", "arrange('sort')", "Sort", show=False),
        Binding("F", "arrange('filter')", "Type filter", show=False),
        Binding("less_than_sign", "arrange('widen', -1)", "Narrower", show=False),
        Binding("greater_than_sign", "arrange('widen', 1)", "Wider", show=False),
        Binding("q", "quit", "Quit"),
        Binding("tab", "switch_pane", "Pane", show=False),
        Binding("escape", "escape", "Back", show=False),
        *screening_keys.BINDINGS,
    ]

    def __init__(self, library: Library, activity: Activity | None = None) -> None:
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
            trials=library.cached_trial,
            id="tree",
        )
        self.pane = ReferencePane(id="pane")
        offline, marked = library.offline, len(self.explorer.marks)
        self._header = AppHeader(TITLE, offline=offline, marked=marked, id="header")
        self._status_line = StatusLine(Text(OFFLINE_READY if offline else READY), id="status")
        self.report = Report(self, self._header, self._status_line, library, self.explorer)
        self.activity = activity or Activity()
        self.activity.on_idle = self._tick
        self.loaders = Loaders(library, self, activity=self.activity)
        self.view = PaneView(
            self.pane, self.topic_tree, library, self.explorer, self.loaders, self.report
        )
        self.lists = ListControl(
            self.topic_tree, self.explorer, library, self.loaders, self.report, self.view
        )
        self.arranger = Arranger(self, self.topic_tree, self.explorer, library, self.report)
        self.session = Session(self, library, self.topic_tree, self.explorer, self.report)
        self._mounted = False
        self._started = False
        """Whether :meth:`complete_startup` ran (until then the pane shows "Loading…")."""

    # -- the parts that act on keys: made at their first use (none is in the first frame) ----
    @cached_property
    def navigator(self) -> Navigator:
        from mscterm.tui.screens.palette import navigator_for

        return navigator_for(self)

    @cached_property
    def record_actions(self) -> RecordActions:
        from mscterm.tui.screens.actions import actions_for

        return actions_for(self)

    @cached_property
    def tree_filter(self) -> TreeFilter:
        from mscterm.tui.screens.tree_filter import filter_for

        return filter_for(self)

    @cached_property
    def screener(self) -> Screener:
        from mscterm.tui.screening.screener import screener_for

        return screener_for(self)

    # -- composition and start-up --------------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield self._header
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield self.topic_tree
            yield self.pane
        yield self._status_line
        # The footer's keys (many widgets) come after the first frame; a bar holds their place.
        yield Static(id="footer-bar")

    def _tree_source(self) -> Source:
        topics = self.library.topics
        return topics.roots, topics.landmark_ids, self.library.get, self.library.cached

    def on_mount(self) -> None:
        state = self.library.state
        # Moving the cursor needs only the outline; a saved expanded node needs the full map
        # and the cache, so the tree opens them (here, for the first frame) if any.
        self.topic_tree.restore(state.get("expanded", []) or [], state.get("cursor"))
        # The lists those nodes show load together right after the first frame (one worker).
        self.lists.plan_restore()
        self.arranger.restore_width()
        self.topic_tree.focus()
        self._mounted = True
        self.set_interval(0.5, self._tick)
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
        gc.enable()  # off since the process started (mscterm.cli): the first frame is drawn
        self.query_one("#footer-bar").remove()
        self.mount(KeyFooter())
        self.call_after_refresh(self.refresh_bindings)  # the footer shows the keys it missed
        tree = self.topic_tree
        tree.attach()
        self.report.header()
        self.loaders.count_cached()
        self.session.listen()
        for warning in self.library.warnings:
            self.notify(warning, severity="warning", markup=False)
        self.screener.start()
        self.follow_cursor()
        self.lists.start_restore()

    def user_input(self) -> None:
        """A key from the person: a restored cursor still waiting for its list stays put."""
        if self._started:
            self.explorer.position.cursor = None

    def on_unmount(self) -> None:
        self.session.stop()
        self.save_position()

    def on_status_changed(self, message: ans.StatusChanged) -> None:
        self.report.connection_changed(message.status)
        self.loaders.count_cached()

    def _tick(self) -> None:  # twice a second, and when the last work ends: the clock
        self.report.set_busy(self.activity.describe())

    # -- the record the pane shows -------------------------------------------------------------
    def follow_cursor(self) -> None:
        """Show the node under the tree's cursor in the pane now (not a message later)."""
        node = self.topic_tree.cursor_node
        if node is not None and self._started:
            shown = self.topic_tree.highlighted(node)
            if shown is not None:
                self.view.highlighted(shown)

    def shown_record(self) -> str | None:
        """The record every record key acts on: the one the pane shows.

        With the tree focused the pane follows the cursor (its message may still be on its way
        when keys come in a burst): it is brought up to date first, so pane and keys agree.
        """
        tree = self.topic_tree
        if tree.has_focus:
            target = tree.cursor_target()
            if target is not None and target != self.explorer.shown:
                self.follow_cursor()
        return self.explorer.record

    def save_position(self) -> None:
        """Persist expanded nodes, the cursor and the marks (once the screen was shown)."""
        if self._mounted:  # never shown: nothing to save (and the saved position must stay)
            self.session.save()

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
        self.session.save_expanded()

    def on_mark_toggled(self, message: msg.MarkToggled) -> None:
        """The tree changed the shared mark set: persist it and show it."""
        self._marks_changed(set(message.rids))

    def _marks_changed(self, changed: set[str]) -> None:
        """The shared marks changed (tree, hit list, Marked view): persist, repaint, say so."""
        self.topic_tree.marks_changed(changed)
        self.report.header()  # on screen first, then on disk
        self.session.save_marks()
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

    def on_trial_fetched(self, message: TrialFetched) -> None:
        self.view.trials.fetched(message)

    def on_gap_counted(self, message: GapCounted) -> None:
        self.view.trials.gap_counted(message)

    def on_cache_counted(self, message: ans.CacheCounted) -> None:
        self.report.header((message.shipped, message.fetched))

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

    def action_record(self, what: str, *args: str) -> None:
        """``space s c y o A M T``: acting on the record the pane shows (its topic, the marks)."""
        getattr(self.record_actions, what)(*args)

    def action_screening(self, what: str) -> None:
        """``i x m n t ] [``: screening the record shown; ``V C P K``: the screening views."""
        self.screener.main_key(what)

    def action_arrange(self, what: str, *args: int) -> None:
        """``S F < >``: arranging a list, or the tree's width."""
        getattr(self.arranger, what)(*args)

    def action_refresh(self) -> None:
        """``r``: fetch what the pane shows again (offline since a failure: online first)."""
        self.shown_record()  # the pane follows the cursor first
        self.lists.refresh(*self.explorer.shown)

    # -- escape and the filter -------------------------------------------------------------------
    def action_escape(self) -> None:
        """``escape``: cancel running network work, else clear the filter, else back to the tree."""
        cancelled = self.loaders.cancel_network()
        if cancelled:
            self.report.set_busy(None)
            self.report.status(f"Cancelled: {', '.join(cancelled)} (r tries again).")
            return
        if self.tree_filter.active:
            self.tree_filter.clear()
        elif not self.topic_tree.has_focus:
            self.topic_tree.focus()

    async def action_filter(self) -> None:
        await self.tree_filter.open()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.tree_filter.changed(event.value)

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.add_class("hidden")
        self.topic_tree.focus()
