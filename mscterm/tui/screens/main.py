"""The explorer's main screen: topic tree on the left, reference pane on the right.

This screen is where the widgets meet the :class:`~mscterm.library.Library`: widgets post
messages upward (a node expanded, a mark toggled) and receive data downward. The first frame is
built from the topic map and the cache/seed only (synchronous, no network); everything that may
touch the network runs in a Textual worker. The screen is split by job into mixins:

* :mod:`~mscterm.tui.screens.loaders` -- the network workers (topic, lists, restore, record,
  prefetch, counts);
* :mod:`~mscterm.tui.screens.actions` -- copy, open and export of records;
* :mod:`~mscterm.tui.screens.palette` -- go-to, searches and the offline toggle (palette entry
  points).

This module keeps composition, start-up and position saving, the pane, the tree's events, marks
and the keys. Failures never remove what is shown: they become a notification and the status
line, and the header turns OFFLINE when the library does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Tree
from textual.widgets.tree import TreeNode

from mscterm.model import Record, Topic
from mscterm.tui.marks import Marks
from mscterm.tui.nodes import (
    GROUP_TITLES,
    REVIEW_PMID,
    GroupData,
    MoreData,
    NodeData,
    NoteData,
    RecordData,
    ReviewData,
    TopicData,
)
from mscterm.tui.overview import citation_label, topic_stats
from mscterm.tui.safe import one_line
from mscterm.tui.screens.actions import RecordActionsMixin
from mscterm.tui.screens.loaders import LoadersMixin
from mscterm.tui.screens.palette import PaletteMixin
from mscterm.tui.widgets.reference_pane import ReferencePane
from mscterm.tui.widgets.status import AppHeader, StatusLine
from mscterm.tui.widgets.topic_tree import Lookup, TopicTree

if TYPE_CHECKING:
    from mscterm.library import Library

# The dialogs (help, search, copy, export, prompt) are imported when first opened, and the
# filter box is mounted when first asked for: none of them is part of the first frame.


class MainScreen(LoadersMixin, RecordActionsMixin, PaletteMixin, Screen[None]):
    """Tree + pane + header/status/footer; owns marks and the Library calls."""

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
        self.library = library
        self.marks = Marks(library.state.marks)
        self._tried: set[str] = set()
        """Record ids fetched (or tried) this session: a failure is not retried on every move."""
        self._counts: dict[str, Any] = {}
        self._links: dict[str, list[str]] = {}
        """Full id lists of link groups (elink gives all at once; the tree shows a page)."""
        self._restoring = False
        self._restore_active = False
        """A restore of saved lists is under way (see :meth:`_restore_lists`)."""
        self._restore_plan: tuple[list[str], list[str]] = ([], [])
        self._current: tuple[str, str] = ("none", "")
        self._mounted = False
        self._started = False
        """Whether :meth:`complete_startup` ran (until then the pane shows "Loading…")."""
        self._cached = 0

    # -- composition ---------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # The first frame needs only the topics' titles: the outline of the map (no cache, no
        # seed). The cache, the seed and the full map come right after it (complete_startup).
        from mscterm.topics import load_topics

        outline = load_topics(landmark_records={})
        offline = self.library.offline
        yield AppHeader(
            "mscterm · MSC safety literature",
            offline=offline,
            marked=len(self.marks),
            id="header",
        )
        with Horizontal(id="panes"):
            with Vertical(id="left"):
                yield TopicTree(
                    outline.roots, outline.landmark_ids, None, source=self._tree_source, id="tree"
                )
            yield ReferencePane(id="pane")
        ready = "Ready. ? for help."
        if offline:
            ready = "Offline: showing the cache and the shipped seed."
        yield StatusLine(Text(ready), id="status")
        yield Footer()

    def _tree_source(self) -> tuple[list[Topic], Callable[[str], list[str]], Lookup]:
        topics = self.library.topics
        return topics.roots, topics.landmark_ids, self.library.get

    @property
    def tree(self) -> TopicTree:
        return self.query_one("#tree", TopicTree)

    @property
    def pane(self) -> ReferencePane:
        return self.query_one("#pane", ReferencePane)

    def on_mount(self) -> None:
        tree = self.tree
        tree.marks = self.marks  # one shared object: see mscterm.tui.marks
        state = self.library.state
        self._restoring = True
        try:
            # Moving the cursor needs only the outline; a saved expanded node needs the full
            # map and the cache, so the tree opens them (here, for the first frame) if any.
            tree.restore(state.get("expanded", []) or [], state.get("cursor"))
        finally:
            self._restoring = False
        # The lists those nodes show load together right after the first frame (one worker).
        self._restore_plan = self._unloaded_lists(set())
        self._restore_active = any(self._restore_plan)
        tree.focus()
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
        tree = self.tree
        tree.attach()
        self._update_header()
        self._count_cached()
        for warning in self.library.warnings:
            self.notify(warning, severity="warning", markup=False)
        node = tree.cursor_node
        if node is not None:
            self._show_node(node)
        if self._restore_active:
            self._restore_lists(*self._restore_plan)

    def user_input(self) -> None:
        """A key from the person: a restored cursor still waiting for its list stays put."""
        if self._started:
            self.tree.pending_cursor = None

    def on_unmount(self) -> None:
        self.save_position()

    # -- small helpers -------------------------------------------------------------------------
    def _status(self, message: str, *, error: bool = False) -> None:
        self.query_one("#status", StatusLine).set_status(message, error=error)

    def _fail(self, message: str) -> None:
        """A network failure: notification + status line; whatever is shown stays."""
        self.notify(one_line(message), severity="error", markup=False, timeout=8)
        self._status(message, error=True)
        self._update_header()

    def _update_header(self, cached: int | None = None) -> None:
        header = self.query_one("#header", AppHeader)
        if cached is not None:
            self._cached = cached
        header.set_state(offline=self.library.offline, cached=self._cached, marked=len(self.marks))

    def save_position(self) -> None:
        """Persist expanded nodes, the cursor and the marks.

        Marks are also saved as they change; saving them here too keeps a mark made in the
        same burst of keys as ``q`` (its message not handled yet when the app exits).
        """
        try:
            tree = self.tree
        except Exception:
            return
        try:
            state = self.library.state
            state.set_marks(self.marks)
            state.set("expanded", tree.expanded_keys())
            state.set("cursor", tree.cursor_key())
        except OSError as exc:
            self.notify(f"Could not save the tree position: {exc}", markup=False)

    def _topic(self, topic_id: str) -> Topic | None:
        return self.library.topics.get(topic_id)

    # -- showing nodes in the pane -------------------------------------------------------------
    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        if self._started:  # else complete_startup shows the node under the cursor
            self._show_node(event.node)

    def _show_node(self, node: TreeNode[NodeData]) -> None:
        data = node.data
        if isinstance(data, RecordData):
            self._show_record(data.rid)
            self._prefetch_siblings(node)
        elif isinstance(data, ReviewData):
            self._show_record(data.pmid)
        elif isinstance(data, TopicData):
            self._show_topic(data.topic_id)
        elif isinstance(data, GroupData):
            self._show_group(data)
        elif isinstance(data, MoreData):
            self.pane.show_message(Text("Press enter to load the next page.", style="dim"))
        elif isinstance(data, NoteData):
            self.pane.show_message(Text(data.text or node.label.plain, style="dim"))

    def _show_record(self, rid: str, *, status: str | None = None) -> None:
        record = self.library.get(rid)
        wants_fetch = (record is None or not record.is_full) and rid not in self._tried
        if record is None:
            note = (
                "Loading…"
                if wants_fetch and not self.library.offline
                else ("Not in the cache" + (" (offline)." if self.library.offline else "."))
            )
            self.pane.show_message(Text(note, style="italic"), key=("record", rid))
        else:
            fetching = (
                wants_fetch
                and not self.library.offline
                and (rid.isdigit() or record.resolution is None)
            )
            self.pane.show_record(
                record,
                topics=self._topic_titles(record),
                landmark_of=self._landmark_of(rid),
                marked=rid in self.marks,
                status=status or ("Fetching the full record…" if fetching else None),
            )
        if wants_fetch and not self.library.offline:
            self._fetch_record(rid)

    def _topic_titles(self, record: Record) -> list[str]:
        topics = self.library.topics
        titles = []
        for tid in topics.topics_for(record):
            topic = topics.get(tid)
            if topic is not None:
                titles.append(topic.title)
        return titles

    def _landmark_of(self, rid: str) -> list[str]:
        topics = self.library.topics
        return [t.title for t in topics.walk() if rid in topics.landmark_ids(t.id)]

    def _show_topic(self, topic_id: str) -> None:
        topic = self._topic(topic_id)
        if topic is None:
            return
        landmarks = self.library.topics.landmark_ids(topic_id)
        latest = self.tree.group(f"t:{topic_id}/latest")
        ids = landmarks + (latest.ids if latest else [])
        stats = topic_stats(self.library.cached(ids).values())
        self.pane.show_topic(
            topic,
            landmarks=len(landmarks),
            stats=stats,
            counts=self._counts.get(topic_id),
            offline=self.library.offline,
        )
        if topic_id not in self._counts:
            self._load_counts(topic_id)

    def _show_group(self, data: GroupData) -> None:
        title = GROUP_TITLES.get(data.kind, data.kind)
        text = Text(title, style="bold")
        text.append("\n")
        if data.kind == "latest":
            topic = self._topic(data.owner)
            text.append("The topic's PubMed query, newest first")
            if topic is not None and topic.query:
                text.append(":\n")
                text.append(one_line(topic.query), style="italic")
            text.append("\n")
        elif data.kind == "references":
            text.append("What the review cites (PubMed's reference list; offline: the five")
            text.append(" references known from its page).\n")
        else:
            owner = self.library.get(data.owner)
            who = citation_label(owner) if owner else f"PMID {data.owner}"
            text.append(f"{'Similar to' if data.kind == 'similar' else 'Citing'}: ")
            text.append(one_line(who))
            text.append("\n")
        if data.state == "loaded":
            total = data.total if data.total is not None else len(data.ids)
            text.append(f"\n{len(data.ids):,} shown of {total:,}.", style="dim")
        elif data.state == "loading":
            text.append("\nLoading…", style="dim")
        else:
            text.append("\nPress enter (or l) to load.", style="dim")
        if data.note:
            text.append(f"\n{data.note}", style="dim")
        self.pane.show_message(text, key=("group", data.key))

    def _refresh_pane(self, rids: set[str] | None = None) -> None:
        """Re-render the pane if what it shows may have changed (fetched/marked records)."""
        kind, key = self.pane.shown
        if kind == "record" and (rids is None or key in rids):
            self._show_record(key)
        elif kind == "topic":
            self._show_topic(key)
        elif kind == "group":
            group = self.tree.group(key)
            if group is not None:
                self._show_group(group)

    # -- expanding -----------------------------------------------------------------------------
    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        node = event.node
        data = node.data
        if self._restore_active and data is not None and data.key in self.tree.restored_keys:
            return  # opened by the restore, whose worker loads every saved list at once
        if isinstance(data, TopicData):
            if self.tree.filter_text:
                return  # opened by the filter to show matches: nothing to fetch
            latest = self.tree.group(f"{data.key}/latest")
            if latest is not None and latest.state in {"idle", "failed"}:
                self._load_topic(data.topic_id)
        elif isinstance(data, GroupData) and data.state in {"idle", "failed"}:
            self._start_group(data.key)
        if not self._restoring and not self.tree.filter_text:
            self._save_expanded()

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[NodeData]) -> None:
        if not self._restoring and not self.tree.filter_text:
            self._save_expanded()

    def _save_expanded(self) -> None:
        with contextlib.suppress(OSError):
            self.library.state.set("expanded", self.tree.expanded_keys())

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        node = event.node
        data = node.data
        if isinstance(data, MoreData):
            self._start_group(data.group_key, append=True)
        elif isinstance(data, RecordData):
            # Reading: the pane takes the keys (j/k scroll), tab or escape come back.
            self._show_record(data.rid)
            self.pane.focus()
        elif node.allow_expand:
            node.toggle()

    # -- marks ---------------------------------------------------------------------------------
    def on_topic_tree_mark_toggled(self, event: TopicTree.MarkToggled) -> None:
        """The tree changed the shared mark set: persist it and show it."""
        self._marks_changed(set(event.rids))

    def _set_marks(self, marks: list[str]) -> None:
        changed = self.marks.replace(marks)
        self.tree.refresh_labels(changed)
        self._marks_changed(changed)

    def _marks_changed(self, changed: set[str]) -> None:
        try:
            self.library.state.set_marks(self.marks)
        except OSError as exc:
            self._fail(f"Could not save marks: {exc}")
        self._update_header()
        self._refresh_pane(changed)

    def action_mark_all(self) -> None:
        """``A``: mark every reference under the topic at the cursor (all marked: unmark)."""
        tree = self.tree
        node = tree.topic_node_of(tree.cursor_node)
        if node is None:
            return
        tree.ensure_populated(node)
        rids = tree.record_ids_under(node)
        if isinstance(node.data, TopicData):
            rids = list(dict.fromkeys(self.library.topics.landmark_ids(node.data.topic_id) + rids))
        if not rids:
            return
        current = set(self.marks)
        label = one_line(node.label.plain)
        if all(r in current for r in rids):
            self._set_marks([m for m in self.marks if m not in set(rids)])
            self._status(f"Unmarked {len(rids)} references under {label}.")
        else:
            self._set_marks([*self.marks, *(r for r in rids if r not in current)])
            self._status(f"Marked {len(rids)} references under {label}.")

    # -- keys ----------------------------------------------------------------------------------
    def action_help(self) -> None:
        from mscterm.tui.screens.help import HelpScreen

        self.app.push_screen(HelpScreen(self.library.query_help()))

    def action_quit(self) -> None:
        self.save_position()
        self.app.exit()

    def action_switch_pane(self) -> None:
        if self.tree.has_focus:
            self.pane.focus()
        else:
            self.tree.focus()

    def _filter_input(self) -> Input | None:
        """The filter box above the tree, once ``f`` has created it."""
        found = self.query("#filter").results(Input)
        return next(found, None)

    def action_escape(self) -> None:
        filter_input = self._filter_input()
        if filter_input is not None and (self.focused is filter_input or self.tree.filter_text):
            filter_input.value = ""
            filter_input.add_class("hidden")
            self.tree.apply_filter("")
            self.tree.focus()
        elif not self.tree.has_focus:
            self.tree.focus()

    async def action_filter(self) -> None:
        filter_input = self._filter_input()
        if filter_input is None:
            filter_input = Input(placeholder="filter the tree…", id="filter")
            await self.query_one("#left", Vertical).mount(filter_input, before=0)
        filter_input.remove_class("hidden")
        filter_input.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        matches = self.tree.apply_filter(event.value)
        if event.value.strip():
            self._status(f"Filter: {matches} matching nodes (escape clears).")

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        if not event.value.strip():
            event.input.add_class("hidden")
        self.tree.focus()

    def action_related(self, kind: str) -> None:
        """``s``/``c``: open the reference's Similar articles / Cited by list."""
        tree = self.tree
        node = tree.cursor_node
        if node is None:
            return
        # From a list (or its "more…"/note leaf), act on the reference that owns the list.
        while isinstance(node.data, GroupData | MoreData | NoteData) and node.parent is not None:
            node = node.parent
        if isinstance(node.data, RecordData) and node.data.rid == REVIEW_PMID:
            node = node.parent
        if isinstance(node.data, ReviewData):
            tree.ensure_populated(node)
            node.expand()
        elif isinstance(node.data, RecordData):
            if not node.allow_expand:
                self._status("Links need a PMID; this record has none yet.")
                return
            tree.ensure_populated(node)
            node.expand()
        else:
            self._status("Move to a reference first (s: similar, c: cited by).")
            return
        key = f"{node.data.key}/{kind}"  # type: ignore[union-attr]
        group_node = tree.node_by_key(key)
        if group_node is None:
            return
        group_node.expand()
        tree.select_key(key)

    def action_refresh(self) -> None:
        """``r``: fetch the highlighted item again (record, list, or topic)."""
        node = self.tree.cursor_node
        if node is None:
            return
        if self.library.offline:
            self._status("Offline: nothing can be refreshed (ctrl+p → go online).")
            return
        data = node.data
        if isinstance(data, RecordData | ReviewData):
            rid = data.rid if isinstance(data, RecordData) else data.pmid
            self._tried.discard(rid)
            self._status(f"Refreshing {rid}…")
            self._fetch_record(rid, refresh=True)
        elif isinstance(data, TopicData):
            self._counts.pop(data.topic_id, None)
            self.tree.ensure_populated(node)
            self._load_topic(data.topic_id, refresh=True)
            self._load_counts(data.topic_id)
        elif isinstance(data, GroupData):
            self._links.pop(data.key, None)
            data.ids = []
            self._start_group(data.key, refresh=True)

    # -- export --------------------------------------------------------------------------------

    # -- palette entry points --------------------------------------------------------------------
