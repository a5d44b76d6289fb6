"""The main screen's network work: every Library call that may reach PubMed, in Textual workers.

Mixed into :class:`~mscterm.tui.screens.main.MainScreen` (``self`` is the screen). The widgets
never fetch: the screen asks these workers, and they hand the results down to the tree
(:meth:`~mscterm.tui.widgets.topic_tree.TopicTree.fill_group`, ``refresh_labels``) and the pane.

* expanding a topic: one ``topic_latest`` esearch, then one ``records`` batch for its landmarks
  and newest hits (group ``topic``, exclusive: expanding another topic cancels it);
* expanding a list (latest page, references, similar, cited by) or "more…" (group ``group``);
* the lists a restored session left open, all at once (group ``restore``);
* the highlighted record's full record and its siblings' prefetch (groups ``pane``/``prefetch``);
* a topic's PubMed counts for the overview (group ``counts``), the cache size for the header.
"""

from __future__ import annotations

import asyncio

from textual import work
from textual.widgets.tree import TreeNode

from mscterm.results import Answer, Problem
from mscterm.tui.nodes import GROUP_TITLES, REVIEW_PMID, GroupData, NodeData, RecordData, TopicData

PAGE = 20
"""Records per page of a lazily loaded list: one efetch batch, a screenful of labels."""
PREFETCH = 20
"""At most this many siblings are prefetched after the cursor rests on a reference."""
DEBOUNCE = 0.25
"""Seconds the cursor must rest before the highlighted record is fetched (j held down = no I/O)."""


class _Failed(Exception):
    """A list could not be loaded; the message is the Library's sentence."""


def _known_note(group: GroupData, answer: Answer[list[str]]) -> str | None:
    """The note under the review's references when they are the ones known offline."""
    known = not answer.ok or answer.warnings  # a failure, or PubMed listed none
    if not known or group.kind != "references" or group.owner != REVIEW_PMID:
        return None
    return "known offline: the first references from the review's page"


class LoadersMixin:
    """Workers and loaders of :class:`MainScreen` (topic, lists, restore, record, counts)."""

    @work(thread=True, exclusive=True, group="count", exit_on_error=False)
    def _count_cached(self) -> None:
        """The cache size for the header; listing a big cache takes a moment, so off-thread."""
        counts = self.library.cache_counts()
        if counts.error:
            return
        self.app.call_from_thread(self._update_header, counts.value.fetched)

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

    def _unloaded_lists(self, tried: set[str]) -> tuple[list[str], list[str]]:
        """Open topics and open lists with nothing loaded (not in ``tried``): (topics, groups)."""
        tree = self.tree
        topics: list[str] = []
        groups: list[str] = []
        for node in tree.iter_nodes():
            data = node.data
            if not node.is_expanded or data is None or data.key in tried:
                continue
            if isinstance(data, TopicData):
                latest = tree.group(f"{data.key}/latest")
                if latest is not None and latest.state in {"idle", "failed"}:
                    topics.append(data.topic_id)
            elif isinstance(data, GroupData) and data.state in {"idle", "failed"}:
                if data.kind == "latest" and data.owner in topics:
                    continue  # loaded with its topic
                groups.append(data.key)
        return topics, groups

    @work(group="restore", exit_on_error=False)
    async def _restore_lists(self, topics: list[str], groups: list[str]) -> None:
        """Bring back every list the last session left open, as it was.

        Cached answers show at once (the Library answers them without the network); what is
        stale is asked for concurrently (one esearch per topic, one elink per list, within the
        shared rate limit), then every record they name in ONE ``records`` batch. Lists inside
        lists (a record's similar articles under a topic's latest page) follow, a level a round.
        """
        tried: set[str] = set()
        try:
            while topics or groups:
                tried.update(f"t:{t}" for t in topics)
                tried.update(groups)
                await self._restore_round(topics, groups)
                topics, groups = self._unloaded_lists(tried)
        except Exception as exc:  # never let a worker take the app down
            self._fail(f"Could not restore the open lists: {exc}")
        finally:
            self._restore_active = False
            self.tree.restored_keys.clear()

    async def _restore_round(self, topics: list[str], groups: list[str]) -> None:
        """One level of :meth:`_restore_lists`: the lists, then one batch of their records."""
        tree = self.tree
        library = self.library
        errors: list[str] = []

        async def topic_page(topic_id: str) -> list[str]:
            key = f"t:{topic_id}/latest"
            answer = await library.topic_latest(topic_id, retmax=PAGE)
            if answer.problem is Problem.OFFLINE:
                tree.set_group_state(key, "failed", "offline: not fetched yet")
                return []
            if answer.error:
                errors.append(answer.error)
                tree.set_group_state(key, "failed", "could not load (see status line)")
                return []
            latest = answer.value
            tree.fill_group(key, latest.ids, latest.count)
            tree.set_topic_count(topic_id, latest.count)
            return latest.ids

        async def group_page(key: str) -> list[str]:
            group = tree.group(key)
            if group is None:
                return []
            if group.kind == "latest":
                found = await library.topic_latest(group.owner, retmax=PAGE)
                answer: Answer[list[str]] = Answer(found.value.ids, found.error, found.problem)
                total = found.value.count
            else:
                answer = await library.related(group.owner, group.kind)
                total = len(answer.value)
            if not answer.value and answer.problem is Problem.OFFLINE:
                tree.set_group_state(key, "failed", "offline: not fetched yet")
                return []
            if not answer.value and answer.error:
                errors.append(answer.error)
                tree.set_group_state(key, "failed", "could not load (see status line)")
                return []
            if group.kind != "latest":
                self._links[key] = answer.value
            note = _known_note(group, answer)
            tree.fill_group(key, answer.value[:PAGE], total, note=note)
            return answer.value[:PAGE]

        for topic_id in topics:
            tree.set_group_state(f"t:{topic_id}/latest", "loading")
        for key in groups:
            tree.set_group_state(key, "loading")
        try:
            pages = await asyncio.gather(
                *(topic_page(t) for t in topics), *(group_page(g) for g in groups)
            )
        except asyncio.CancelledError:
            for key in [*(f"t:{t}/latest" for t in topics), *groups]:
                group = tree.group(key)
                if group is not None and group.state == "loading":
                    tree.set_group_state(key, "idle", "expand again to load")
            raise
        ids: list[str] = []
        for topic_id in topics:
            ids += library.topics.landmark_ids(topic_id)
        for page in pages:
            ids += page
        ids = list(dict.fromkeys(ids))
        shown = {*ids, *groups, *(f"t:{t}/latest" for t in topics)}
        self._refresh_pane(shown)
        if ids:
            fetched = await library.records(ids)
            self._tried.update(ids)
            tree.refresh_labels(ids)
            self._refresh_pane(shown)
            if fetched.error:
                errors.append(fetched.error)
            self._count_cached()
        if errors:
            self._fail(f"Restoring the open lists: {errors[0]}")

    @work(exclusive=True, group="topic", exit_on_error=False)
    async def _load_topic(self, topic_id: str, refresh: bool = False) -> None:
        """One esearch (the topic's newest page) and one efetch batch (landmarks + that page)."""
        key = f"t:{topic_id}/latest"
        tree = self.tree
        landmarks = self.library.topics.landmark_ids(topic_id)
        tree.set_group_state(key, "loading")
        try:
            answer = await self.library.topic_latest(topic_id, retmax=PAGE, refresh=refresh)
            latest = answer.value if answer.ok else None
            error = answer.error if answer.problem is not Problem.OFFLINE else None
            ids = landmarks + (latest.ids if latest is not None else [])
            fetched = await self.library.records(ids, refresh=refresh)
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
        start = len(group.ids) if append else 0
        title = GROUP_TITLES.get(group.kind, group.kind)
        try:
            note = None
            if group.kind == "latest":
                found = await self.library.topic_latest(
                    group.owner, retstart=start, retmax=PAGE, refresh=refresh
                )
                if found.problem is Problem.OFFLINE:
                    tree.set_group_state(key, "failed", "offline: not fetched yet")
                    return
                if found.error:
                    raise _Failed(found.error)
                page, total = found.value.ids, found.value.count
            else:
                all_ids = self._links.get(key) if append else None
                if all_ids is None:
                    answer = await self.library.related(group.owner, group.kind, refresh=refresh)
                    if not answer.value and answer.problem is Problem.OFFLINE:
                        tree.set_group_state(key, "failed", "offline: not fetched yet")
                        return
                    if not answer.value and answer.error:
                        raise _Failed(answer.error)
                    note = _known_note(group, answer)
                    if answer.error and answer.problem is not Problem.OFFLINE:
                        self._fail(f"{title}: {answer.error}")
                    all_ids = answer.value
                    self._links[key] = all_ids
                page = all_ids[start : start + PAGE]
                total = len(all_ids)
            fetched = await self.library.records(page, refresh=refresh)
            self._tried.update(page)
            tree.fill_group(key, page, total, append=append, note=note)
            self._refresh_pane({*page, key})
            if fetched.error:
                self._fail(fetched.error)
            else:
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
            fetched = await self.library.records([rid], refresh=refresh)
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
            self.library.mark_visited(topic_id)
        if counts.error and not self.library.offline:
            self._status(f"Topic counts: {counts.error}", error=True)
        self._update_header()
        if self.pane.shown == ("topic", topic_id):
            self._show_topic(topic_id)
