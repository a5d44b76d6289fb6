"""The explorer's main screen: topic tree on the left, reference pane on the right.

This screen is where the widgets meet the :class:`~mscterm.library.Library`. The first frame is
built from the topic map and the cache/seed only (synchronous, no network); everything that may
touch the network runs in a Textual worker:

* expanding a topic: one ``topic_latest`` esearch, then one ``records`` batch for its landmarks
  and newest hits (group ``topic``, exclusive: expanding another topic cancels it);
* expanding a list (latest page, references, similar, cited by) or "more…" (group ``group``);
* the highlighted record's full record and its siblings' prefetch (groups ``pane``/``prefetch``);
* a topic's PubMed counts for the overview (group ``counts``).

Failures never remove what is shown: they become a notification and the status line, and the
header turns OFFLINE when the library does.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import os
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Input, Tree
from textual.widgets.tree import TreeNode

from mscterm.model import BadIdError, Record, Topic, parse_id
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
from mscterm.tui.overview import citation_label, pubmed_url, topic_stats
from mscterm.tui.safe import one_line
from mscterm.tui.widgets.reference_pane import ReferencePane
from mscterm.tui.widgets.status import AppHeader, StatusLine
from mscterm.tui.widgets.topic_tree import Lookup, TopicTree

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui.screens.export_dialog import ExportRequest

# The dialogs (help, search, copy, export, prompt) are imported when first opened, and the
# filter box is mounted when first asked for: none of them is part of the first frame.

PAGE = 20
"""Records per page of a lazily loaded list: one efetch batch, a screenful of labels."""
PREFETCH = 20
"""At most this many siblings are prefetched after the cursor rests on a reference."""
DEBOUNCE = 0.25
"""Seconds the cursor must rest before the highlighted record is fetched (j held down = no I/O)."""


def _has_browser() -> bool:
    """A graphical browser can open without taking over this terminal (not over plain SSH)."""
    if sys.platform in {"darwin", "win32"}:
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


async def _call(fn: Callable[..., Awaitable[Any]], *args: Any, refresh: bool, **kw: Any) -> Any:
    """Call a Library coroutine, passing ``refresh=True`` only when it supports it."""
    if refresh:
        try:
            if "refresh" in inspect.signature(fn).parameters:
                kw["refresh"] = True
        except (TypeError, ValueError):
            pass
    return await fn(*args, **kw)


class MainScreen(Screen[None]):
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

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count_cached(self) -> None:
        """The cache size for the header; listing a big cache takes a moment, so off-thread."""
        try:
            count = len(self.library.store)
        except Exception:
            return
        self.app.call_from_thread(self._update_header, count)

    def save_position(self) -> None:
        """Persist expanded nodes and the cursor (marks are saved as they change)."""
        try:
            tree = self.tree
        except Exception:
            return
        try:
            state = self.library.state
            state.set("expanded", tree.expanded_keys())
            state.set("cursor", tree.cursor_key())
        except OSError as exc:
            self.notify(f"Could not save the tree position: {exc}", markup=False)

    def _topic(self, topic_id: str) -> Topic | None:
        return self.library.topics.get(topic_id)

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

    def _start_group(self, key: str, *, append: bool = False, refresh: bool = False) -> None:
        group = self.tree.group(key)
        if group is None:
            return
        if group.state == "loading" and not append:
            return
        if self.library.offline and not (group.kind == "references" or group.kind == "latest"):
            self.tree.set_group_state(key, "failed", "offline: not fetched yet")
            return
        self.tree.set_group_state(key, "loading")
        self._load_group(key, append=append, refresh=refresh)

    @work(exclusive=True, group="topic", exit_on_error=False)
    async def _load_topic(self, topic_id: str, refresh: bool = False) -> None:
        """One esearch (the topic's newest page) and one efetch batch (landmarks + that page)."""
        key = f"t:{topic_id}/latest"
        tree = self.tree
        landmarks = self.library.topics.landmark_ids(topic_id)
        tree.set_group_state(key, "loading")
        from mscterm.ncbi.errors import EUtilsError, OfflineError

        try:
            latest = None
            error = None
            try:
                latest = await _call(
                    self.library.topic_latest, topic_id, retmax=PAGE, refresh=refresh
                )
            except OfflineError:
                pass
            except (EUtilsError, OSError) as exc:
                error = str(exc)
            ids = landmarks + (latest.ids if latest is not None else [])
            fetched = await _call(self.library.records, ids, refresh=refresh)
            self._tried.update(ids)
            if latest is not None:
                tree.fill_group(key, latest.ids, latest.count)
                tree.set_topic_count(topic_id, latest.count)
            elif error is None:
                tree.set_group_state(key, "failed", "offline: not fetched yet")
            else:
                tree.set_group_state(key, "failed", "could not load (see status line)")
            tree.refresh_labels(ids)
            self._refresh_pane(set(ids))
            error = error or fetched.error
            topic = self._topic(topic_id)
            title = topic.title if topic else topic_id
            if error:
                self._fail(f"{title}: {error}")
            else:
                total = f", {latest.count:,} on PubMed" if latest is not None else ""
                self._status(f"{title}: {len(fetched.records)} records shown{total}.")
            self._count_cached()
        except asyncio.CancelledError:
            tree.set_group_state(key, "idle", "expand again to load")
            raise
        except Exception as exc:  # never let a worker take the app down
            tree.set_group_state(key, "failed", "could not load (see status line)")
            self._fail(f"Could not load the topic: {exc}")

    @work(exclusive=True, group="group", exit_on_error=False)
    async def _load_group(self, key: str, append: bool = False, refresh: bool = False) -> None:
        """Load one page of a list group (and that page's records, in one batch)."""
        tree = self.tree
        group = tree.group(key)
        if group is None:
            return
        from mscterm.ncbi.errors import EUtilsError, OfflineError

        start = len(group.ids) if append else 0
        try:
            note = None
            if group.kind == "latest":
                try:
                    found = await _call(
                        self.library.topic_latest,
                        group.owner,
                        retstart=start,
                        retmax=PAGE,
                        refresh=refresh,
                    )
                except OfflineError:
                    tree.set_group_state(key, "failed", "offline: not fetched yet")
                    return
                page, total = found.ids, found.count
            else:
                all_ids = self._links.get(key) if append else None
                if all_ids is None:
                    try:
                        all_ids = await _call(
                            self.library.related, group.owner, group.kind, refresh=refresh
                        )
                    except (EUtilsError, OSError) as exc:
                        if group.kind == "references" and group.owner == REVIEW_PMID:
                            all_ids = list(getattr(self.library.topics, "review_references", []))
                            note = "known offline: the first references from the review's page"
                            if not isinstance(exc, OfflineError):
                                self._fail(f"References: {exc}")
                        elif isinstance(exc, OfflineError):
                            tree.set_group_state(key, "failed", "offline: not fetched yet")
                            return
                        else:
                            raise
                    self._links[key] = all_ids
                page = all_ids[start : start + PAGE]
                total = len(all_ids)
            fetched = await _call(self.library.records, page, refresh=refresh)
            self._tried.update(page)
            tree.fill_group(key, page, total, append=append, note=note)
            self._refresh_pane({*page, key})
            if fetched.error:
                self._fail(fetched.error)
            else:
                title = GROUP_TITLES.get(group.kind, group.kind)
                self._status(f"{title}: {len(group.ids):,} of {total:,} shown.")
            self._count_cached()
        except asyncio.CancelledError:
            tree.set_group_state(key, "idle", "expand again to load")
            raise
        except Exception as exc:
            tree.set_group_state(key, "failed", "could not load (see status line)")
            self._fail(f"Could not load {GROUP_TITLES.get(group.kind, 'the list')}: {exc}")

    @work(exclusive=True, group="pane", exit_on_error=False)
    async def _fetch_record(self, rid: str, refresh: bool = False) -> None:
        """Fetch the highlighted record once the cursor rests on it."""
        if not refresh:
            await asyncio.sleep(DEBOUNCE)
        try:
            fetched = await _call(self.library.records, [rid], refresh=refresh)
        except Exception as exc:
            self._tried.add(rid)
            self._fail(f"Could not fetch {rid}: {exc}")
            return
        self._tried.add(rid)
        got = fetched.records.get(rid)
        self.tree.refresh_labels([rid])
        if fetched.error:
            self._fail(fetched.error)
        elif got is None or rid in fetched.missing:
            self._status(f"{rid}: PubMed has no such record.")
        if self.pane.shown == ("record", rid):
            self._show_record(rid)
        self._count_cached()

    @work(exclusive=True, group="prefetch", exit_on_error=False)
    async def _prefetch(self, rids: list[str]) -> None:
        await asyncio.sleep(DEBOUNCE * 2)
        try:
            fetched = await self.library.records(rids)
        except Exception:
            return
        self._tried.update(rids)
        self.tree.refresh_labels(rids)
        if fetched.error:
            self._update_header()

    def _prefetch_siblings(self, node: TreeNode[NodeData]) -> None:
        if self.library.offline or node.parent is None:
            return
        wanted = []
        for sibling in node.parent.children:
            data = sibling.data
            if isinstance(data, RecordData) and data.rid.isdigit() and data.rid not in self._tried:
                record = self.library.get(data.rid)
                if record is None or not record.is_full:
                    wanted.append(data.rid)
        if wanted:
            self._prefetch(wanted[:PREFETCH])

    @work(exclusive=True, group="counts", exit_on_error=False)
    async def _load_counts(self, topic_id: str) -> None:
        """PubMed totals for the overview; arrive when they arrive, never blocking."""
        await asyncio.sleep(DEBOUNCE)
        try:
            counts = await self.library.topic_counts(topic_id)
        except Exception as exc:
            self._status(f"Topic counts unavailable: {exc}", error=True)
            return
        self._counts[topic_id] = counts
        if counts.on_pubmed is not None:
            self.tree.set_topic_count(topic_id, counts.on_pubmed)
            mark = getattr(self.library, "mark_visited", None)
            if callable(mark):
                mark(topic_id)
        if counts.error and not self.library.offline:
            self._status(f"Topic counts: {counts.error}", error=True)
        self._update_header()
        if self.pane.shown == ("topic", topic_id):
            self._show_topic(topic_id)

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

        self.app.push_screen(HelpScreen())

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

    def action_search(self, query: str = "", pubmed: bool = False) -> None:
        from mscterm.tui.screens.search import SearchScreen

        screen = SearchScreen(self.library, query)

        def opened(rid: str | None) -> None:
            if rid:
                self.open_record(rid)

        self.app.push_screen(screen, opened)
        if pubmed and query:
            self.call_after_refresh(screen.action_pubmed)

    def open_record(self, rid: str) -> None:
        """Show a record (from search or go-to): in the tree if it is there, else in the pane."""
        self.complete_startup()
        tree = self.tree
        for node in tree.iter_nodes():
            if isinstance(node.data, RecordData) and node.data.rid == rid:
                tree.select_key(node.data.key)
                break
        self._show_record(rid)

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

    # -- palette entry points --------------------------------------------------------------------
    def goto_id(self, text: str) -> None:
        """Go to a PMID/DOI typed in the palette."""
        self.complete_startup()
        try:
            rid = parse_id(text)
        except BadIdError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.open_record(rid)

    def ask_goto(self) -> None:
        from mscterm.tui.screens.prompt import PromptDialog

        def done(value: str | None) -> None:
            if value:
                self.goto_id(value)

        self.app.push_screen(PromptDialog("Go to PMID or DOI", "e.g. 15833829"), done)

    def ask_pubmed(self) -> None:
        from mscterm.tui.screens.prompt import PromptDialog

        def done(value: str | None) -> None:
            if value:
                self.action_search(value, pubmed=True)

        self.app.push_screen(PromptDialog("Search PubMed", "e.g. mesenchymal tumorigenicity"), done)

    def toggle_offline(self) -> None:
        self.library.offline = not self.library.offline
        self._update_header()
        state = "offline: only the cache and the seed" if self.library.offline else "online"
        self._status(f"Now {state}.")
        self.notify(f"Now {state}.", markup=False)


def export_marked(library: Library, marks: list[str], request: ExportRequest) -> str:
    """Export the marked records to ``request.path``; returns the sentence to show."""
    from mscterm.export import export_records
    from mscterm.export.citekeys import assign_keys
    from mscterm.export.writer import write_output

    found = library.cached(marks)
    records = [found[rid] for rid in marks if rid in found]
    if not records:
        raise ValueError("none of the marked references is in the cache")
    state = library.state
    keys = assign_keys(records, state.citekeys, library.settings.citekey_template)
    keys = state.pin_citekeys(keys)
    text = export_records(
        records, request.fmt, keys=keys, include_abstract=request.include_abstract
    )
    write_output(text, str(request.path))
    missing = len(marks) - len(records)
    noun = "reference" if len(records) == 1 else "references"
    extra = f" ({missing} not in the cache were left out)" if missing else ""
    return f"Wrote {len(records)} {noun} to {request.path}{extra}"
