"""Opening topics and lists: starting their loads, and putting what arrives in the tree and pane.

* expanding a topic loads its newest PubMed page and, in one batch, the records of its landmarks
  and that page (expanding another topic cancels it);
* expanding a list (latest page, references, similar, cited by) or its "more…" loads a page;
* the lists a restored session left open load together, a level a round (lists inside lists
  follow once their parents are back), each round one batch of records.

The workers bring the answers as messages; the handlers here update the explorer's state, then
tell the tree and the pane what changed, then the status line.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mscterm.model import is_trial_id
from mscterm.tui.explorer import (
    CANCELLED_NOTE,
    FAILED,
    FAILED_NOTE,
    IDLE,
    LOADING,
    OFFLINE_NOTE,
    latest_key,
    topic_key,
)
from mscterm.tui.nodes import GROUP_TITLES
from mscterm.tui.widgets import tree_search

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui import answers as ans
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.pane_view import PaneView
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.topic_tree import TopicTree
    from mscterm.tui.workers import ListSpec, Loaders

OFFLINE_KINDS = {"references", "latest", "trials", "publications"}
"""Lists that can show something offline (the review's known references; cached pages; kept
lists of registered trials and what the cache knows of a trial's papers)."""


class ListControl:
    """Loads topics and lists on request, and shows their answers."""

    def __init__(
        self,
        tree: TopicTree,
        explorer: Explorer,
        library: Library,
        loaders: Loaders,
        report: Report,
        view: PaneView,
    ) -> None:
        self._tree = tree
        self._explorer = explorer
        self._library = library
        self._loaders = loaders
        self._report = report
        self._view = view
        self._restore_plan: tuple[list[str], list[str]] = ([], [])
        self._restore_tried: set[str] = set()
        """Topic and list keys the restore has asked for (each is asked once)."""

    # -- starting loads --------------------------------------------------------------------------
    def topic_opened(self, topic_id: str) -> None:
        """A topic was expanded: load its latest page unless it has one."""
        latest = self._explorer.lists.get(latest_key(topic_id))
        if latest is not None and latest.needs_load:
            self.load_topic(topic_id)

    def load_topic(self, topic_id: str, *, refresh: bool = False) -> None:
        """The topic's latest page, and the records of its landmarks and that page."""
        lst = self._explorer.begin(latest_key(topic_id))
        if lst is not None:
            self._tree.show_list_state(lst)
        generation = lst.generation if lst is not None else 0
        self._loaders.load_topic(topic_id, generation, self._explorer.page, refresh=refresh)

    def requested(self, key: str, *, append: bool) -> None:
        """A list was expanded (load it if it has nothing), or its "more…" chosen."""
        lst = self._explorer.lists.get(key)
        if lst is not None and (append or lst.needs_load):
            self.load(key, append=append)

    def load(self, key: str, *, append: bool = False, refresh: bool = False) -> None:
        """A page of a list: the first (or, with ``append``, the next)."""
        explorer = self._explorer
        lst = explorer.lists.get(key)
        if lst is None or (lst.state == LOADING and not append):
            return
        if self._library.offline and lst.kind not in OFFLINE_KINDS:
            self._set_state(key, FAILED, OFFLINE_NOTE)
            return
        start = explorer.next_start(key, append)
        known = explorer.cached_answer(key, append)
        explorer.begin(key)
        self._tree.show_list_state(lst)
        spec = (key, lst.kind, lst.owner, lst.generation)
        self._loaders.load_list(spec, start, explorer.page, known, append=append, refresh=refresh)

    def reload(self, key: str) -> None:
        """``r`` on a list: forget it and ask the network again."""
        self._explorer.forget(key)
        self.load(key, refresh=True)

    def refresh(self, kind: str, key: str) -> None:
        """``r`` on what the pane shows: a record, a topic or a list, asked for again; offline
        since the network failed, mscterm goes online first (offline by choice, it says so)."""
        library = self._library
        if library.offline:
            if self._report.offline_reason() is None:
                self._report.status("Offline by choice: ctrl+p → Go online, then r.")
                return
            library.offline = False
        if kind == "record" and is_trial_id(key):
            self._view.trials.refresh(key)
        elif kind == "record":
            self._explorer.retry(key)
            self._report.status(f"Fetching {key} again…")
            self._loaders.fetch_record(key, refresh=True)
        elif kind == "topic":
            self._explorer.counts.pop(key, None)
            node = self._tree.node_by_key(topic_key(key))
            if node is not None:
                self._tree.ensure_populated(node)
            self.load_topic(key, refresh=True)
            self._loaders.load_counts(key)
        elif kind == "group":
            self.reload(key)
        else:
            self._report.status("r fetches again the record, list or topic the pane shows.")

    def _set_state(self, key: str, state: str, note: str | None) -> None:
        lst = self._explorer.set_state(key, state, note)
        if lst is not None:
            self._tree.show_list_state(lst)

    # -- answers ---------------------------------------------------------------------------------
    def topic_loaded(self, message: ans.TopicLoaded) -> None:
        explorer, tree, page = self._explorer, self._tree, message.page
        key = latest_key(message.topic_id)
        explorer.fetched(message.asked, message.fetch_error)
        lst = explorer.current(key, message.generation)
        if page is not None:
            if lst is not None:
                explorer.fill(key, page.ids, page.total)
                tree.show_list(lst, page.ids)
            tree.set_topic_count(message.topic_id, page.total)
        elif lst is not None:
            note = OFFLINE_NOTE if message.search_error is None else FAILED_NOTE
            self._set_state(key, FAILED, note)
            lst.error = message.search_error
        tree.records_changed(message.asked)
        self._view.refresh(set(message.asked))
        topic = self._library.topics.get(message.topic_id)
        title = topic.title if topic else message.topic_id
        error = message.search_error or message.fetch_error
        if error:
            self._report.fail(f"{title}: {error}")
        else:
            on_pubmed = f", {page.total:,} on PubMed" if page is not None else ""
            self._report.status(f"{title}: {message.shown} records shown{on_pubmed}.")

    def list_loaded(self, message: ans.ListLoaded) -> None:
        explorer, page = self._explorer, message.page
        lst = explorer.current(message.key, message.generation)
        if lst is None:
            return
        if page.warning and not message.quiet:
            self._report.fail(page.warning)
        if page.every_id is not None:
            lst.every_id = page.every_id
        if not message.quiet:
            explorer.fetched(page.ids, message.error)
        explorer.fill(message.key, page.ids, page.total, append=message.append, note=page.note)
        self._tree.show_list(lst, page.ids)
        if message.topic_total:
            self._tree.set_topic_count(lst.owner, page.total)
        self._view.refresh({*page.ids, message.key})
        if message.quiet:
            return
        if message.error:
            self._report.fail(message.error)
        else:
            title = GROUP_TITLES.get(lst.kind, lst.kind)
            self._report.status(f"{title}: {len(lst.ids):,} of {page.total:,} shown.")

    def list_failed(self, message: ans.ListFailed) -> None:
        lst = self._explorer.current(message.key, message.generation)
        if lst is not None:
            self._set_state(message.key, FAILED, message.note)
            lst.error = message.error
            self._view.refresh({message.key})  # the pane (and status line) say so if shown
        if message.error:
            self._report.fail(message.error)

    def list_cancelled(self, message: ans.ListCancelled) -> None:
        lst = self._explorer.current(message.key, message.generation)
        if lst is not None and lst.state == LOADING:
            self._set_state(message.key, IDLE, CANCELLED_NOTE)

    # -- restoring a session ---------------------------------------------------------------------
    def plan_restore(self) -> None:
        """After the saved position is back: which open lists need loading (one worker)."""
        topics, lists = tree_search.open_lists(self._tree)
        self._restore_plan = self._explorer.unloaded(topics, lists, set())
        self._explorer.position.active = any(self._restore_plan)

    def start_restore(self) -> None:
        """Load what :meth:`plan_restore` found (right after the first frame)."""
        if self._explorer.position.active:
            self._restore_round(*self._restore_plan)

    def _restore_round(self, topics: list[str], lists: list[str]) -> None:
        explorer = self._explorer
        self._restore_tried.update(topic_key(t) for t in topics)
        self._restore_tried.update(lists)
        topic_specs: list[tuple[str, int]] = []
        for topic_id in topics:
            lst = explorer.begin(latest_key(topic_id))
            if lst is not None:
                self._tree.show_list_state(lst)
            topic_specs.append((topic_id, lst.generation if lst is not None else 0))
        list_specs: list[ListSpec] = []
        for key in lists:
            lst = explorer.begin(key)
            if lst is not None:
                self._tree.show_list_state(lst)
                list_specs.append((key, lst.kind, lst.owner, lst.generation))
        self._loaders.restore_round(topic_specs, list_specs, explorer.page)

    def restore_round_done(self, message: ans.RestoreRoundDone) -> None:
        if message.asked:
            self._explorer.fetched(message.asked)
            self._tree.records_changed(message.asked)
            self._view.refresh(set(message.asked))
        if message.errors:
            self._report.fail(f"Restoring the open lists: {message.errors[0]}")
        topics, lists = tree_search.open_lists(self._tree)
        topics, lists = self._explorer.unloaded(topics, lists, self._restore_tried)
        if topics or lists:
            self._restore_round(topics, lists)
        else:
            self._explorer.position.finish_restore()

    def restore_finished(self, message: ans.RestoreFinished) -> None:
        if message.error:
            self._report.fail(message.error)
        self._explorer.position.finish_restore()
