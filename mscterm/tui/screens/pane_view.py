"""What the reference pane shows: a record, a topic's overview, a list's explanation, a note.

Reads the cache (never the network) and draws at once; what is missing (a record not fetched,
a topic's PubMed counts) is asked for from the workers, whose answer is shown if the pane still
shows the same thing (:attr:`Explorer.shown <mscterm.tui.explorer.Explorer.shown>`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from mscterm.listing import RETRACTED, arrange, describe, safety
from mscterm.model import is_trial_id
from mscterm.tui import messages as msg
from mscterm.tui.explorer import FAILED, LOADED, LOADING, ListState, latest_key
from mscterm.tui.nodes import GROUP_TITLES
from mscterm.tui.overview import citation_label, topic_stats
from mscterm.tui.safe import one_line
from mscterm.tui.trials.pages import TRIAL_LISTS
from mscterm.tui.widgets import tree_search
from mscterm.tui.widgets.reference_pane import group_text

if TYPE_CHECKING:
    from textual.widgets.tree import TreeNode

    from mscterm.library import Library
    from mscterm.model import Record
    from mscterm.topics import TopicMap
    from mscterm.tui import answers as ans
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.nodes import NodeData
    from mscterm.tui.screens.report import Report
    from mscterm.tui.trials.view import TrialView
    from mscterm.tui.widgets.reference_pane import ReferencePane
    from mscterm.tui.widgets.topic_tree import TopicTree
    from mscterm.tui.workers import Loaders


def id_text(rid: str) -> str:
    """``PMID 90000001`` for a PMID, the id itself otherwise (``doi:…``, ``cite:…``)."""
    return f"PMID {rid}" if rid.isdigit() else rid


def topic_titles(topics: TopicMap, record: Record) -> list[str]:
    """Titles of the topics whose rules match (or pin) ``record``."""
    titles = []
    for tid in topics.topics_for(record):
        topic = topics.get(tid)
        if topic is not None:
            titles.append(topic.title)
    return titles


def landmark_of(topics: TopicMap, rid: str) -> list[str]:
    """Titles of the topics that hold ``rid`` as a landmark."""
    return [t.title for t in topics.walk() if rid in topics.landmark_ids(t.id)]


class PaneView:
    """Shows things in the pane and keeps :attr:`Explorer.shown` true to it."""

    def __init__(
        self,
        pane: ReferencePane,
        tree: TopicTree,
        library: Library,
        explorer: Explorer,
        loaders: Loaders,
        report: Report,
    ) -> None:
        self._pane = pane
        self._tree = tree
        self._library = library
        self._explorer = explorer
        self._loaders = loaders
        self._report = report
        self._moved = True
        """False while showing the same thing again (the status line keeps what was said)."""
        self._trials: TrialView | None = None

    @property
    def trials(self) -> TrialView:
        """Registered trials: a trial, a trial list, a topic's publication gap (made, and its
        modules imported, when first needed: none of it is part of the first frame)."""
        if self._trials is None:
            from mscterm.tui.trials.view import TrialView

            self._trials = TrialView(
                self._pane, self._tree, self._library, self._explorer, self._loaders,
                self._report, follow=self._follow, refresh=self.refresh,
            )  # fmt: skip
        return self._trials

    def highlighted(self, message: msg.TreeMessage) -> None:
        """Show what the tree's cursor is on (the highlight message names it)."""
        if isinstance(message, msg.RecordHighlighted):
            self.record(message.rid)
            self.prefetch_around(message.node)
        elif isinstance(message, msg.TopicHighlighted):
            self.topic(message.topic_id)
        elif isinstance(message, msg.GroupHighlighted):
            self.group(message.key)
        elif isinstance(message, msg.NoteHighlighted):
            self.note(message.text)

    def record(self, rid: str, *, status: str | None = None) -> None:
        """A whole record from the cache; fetched (once, after a short rest) when not full."""
        if is_trial_id(rid):
            self.trials.show(rid)
            return
        library = self._library
        record = library.get(rid)
        offline = library.offline
        wants_fetch = self._explorer.wants_fetch(rid, record)
        failed = self._explorer.failed.get(rid)
        name = id_text(rid)
        if record is None:
            if failed:
                note = f"{name} could not be fetched: {failed}\nr retries."
            elif wants_fetch and not offline:
                note = f"Loading {name}…"
            elif offline:
                note = f"{name} is not in the cache, and mscterm is offline."
            else:
                note = f"{name}: PubMed has no such record."
            self._pane.show_message(Text(note, style="italic"))
            self._explorer.shown = ("record", rid)
        else:
            fetching = wants_fetch and not offline and (rid.isdigit() or record.resolution is None)
            topics = library.topics
            self._pane.show_record(
                record,
                topics=topic_titles(topics, record),
                landmark_of=landmark_of(topics, rid),
                marked=rid in self._explorer.marks,
                status=status or ("Fetching the full record…" if fetching else None),
                journal=library.settings.journal,
            )
            self._explorer.shown = ("record", rid)
        self._follow_record(rid, record, failed)
        if wants_fetch and not offline:
            self._loaders.fetch_record(rid)

    def _follow_record(self, rid: str, record: Record | None, failed: str | None) -> None:
        """The status line for the record shown: its id, and what is wrong with it if anything."""
        name = id_text(rid)
        reason = self._report.offline_reason()
        if failed and reason is not None:  # the network went away: one calm line, no alarm
            self._follow(self._report.offline_line(reason))
            return
        if failed:
            self._follow(f"{name} could not be fetched: {failed} · r retries", error=True)
            return
        parts = [name]
        if record is not None:
            signal = safety(record)
            if signal:
                parts.append("RETRACTED" if signal == RETRACTED else "expression of concern")
            if not record.is_full:
                parts.append("citation-level record from the shipped seed")
        elif self._library.offline:
            parts.append("not in the cache (offline)")
        if rid in self._explorer.marks:
            parts.append(f"marked ({len(self._explorer.marks):,} in all: M lists them)")
        self._follow(" · ".join(parts))

    def topic(self, topic_id: str) -> None:
        """A topic's overview; its PubMed counts are asked for the first time it is shown."""
        library = self._library
        topic = library.topics.get(topic_id)
        if topic is None:
            return
        landmarks = library.topics.landmark_ids(topic_id)
        latest = self._explorer.lists.get(latest_key(topic_id))
        ids = landmarks + (latest.ids if latest else [])
        self._pane.show_topic(
            topic,
            landmarks=len(landmarks),
            stats=topic_stats(library.cached(ids).values()),
            counts=self._explorer.counts.get(topic_id),
            offline=library.offline,
            trials=self.trials.gap_section(topic),
        )
        self._explorer.shown = ("topic", topic.id)
        size = len(library.topics.landmark_ids(topic_id))
        self._follow(f"{one_line(topic.title)}: {size} landmarks · enter opens the topic")
        if topic_id not in self._explorer.counts:
            self._loaders.load_counts(topic_id)

    def group(self, key: str) -> None:
        """What a list is (its query or owner) and how far it has loaded."""
        lst = self._explorer.lists.get(key)
        if lst is None:
            return
        if lst.kind in TRIAL_LISTS:
            self.trials.group(lst)
            return
        query = owner = None
        if lst.kind == "latest":
            topic = self._library.topics.get(lst.owner)
            query = topic.query if topic is not None else None
        elif lst.kind != "references":
            record = self._library.get(lst.owner)
            owner = citation_label(record) if record is not None else None
        self._pane.show_message(group_text(lst, query=query, owner=owner))
        self._explorer.shown = ("group", key)
        self._follow_group(lst)

    def _follow_group(self, lst: ListState) -> None:
        title = lst.title or GROUP_TITLES.get(lst.kind, lst.kind)
        if lst.state == FAILED and lst.error:
            self._follow(f"{title} could not load: {lst.error} · r retries", error=True)
            return
        if lst.state == LOADED:
            shown = len(lst.ids)
            if lst.only != "all":  # filtered: count what it keeps (one batch read)
                found = self._library.cached(lst.ids).get
                shown = arrange(lst.ids, found, sort=lst.sort, only=lst.only).shown
            total = lst.total if lst.total is not None else len(lst.ids)
            how = describe(lst.sort, lst.only)
            arranged = f" · {how}" if how else ""
            self._follow(f"{title}: {shown:,} shown of {total:,}{arranged} · S sorts · F filters")
        elif lst.state == LOADING:
            self._follow(f"{title}: loading…")
        else:
            self._follow(f"{title}: {lst.note or 'enter loads it'}")

    def note(self, text: str) -> None:
        """A short dim note (what a leaf says)."""
        self._pane.show_message(Text(text, style="dim"))
        self._explorer.shown = ("note", "")
        self._follow(text)

    def refresh(self, rids: set[str] | None = None) -> None:
        """Show again what the pane shows, if it may have changed (records arrived, marks)."""
        self._moved = False
        try:
            self._refresh(rids)
        finally:
            self._moved = True

    def _refresh(self, rids: set[str] | None) -> None:
        kind, key = self._explorer.shown
        if kind == "record" and (rids is None or key in rids):
            self.record(key)
        elif kind == "topic":
            self.topic(key)
        elif kind == "group":
            self.group(key)

    def _follow(self, message: str, *, error: bool = False) -> None:
        self._report.follow(message, error=error, moved=self._moved)

    def prefetch_around(self, node: TreeNode[NodeData]) -> None:
        """Fetch a few not-yet-fetched references beside the highlighted one."""
        if self._library.offline:
            return
        wanted = self._explorer.to_prefetch(tree_search.sibling_records(node), self._library.get)
        if wanted:
            self._loaders.prefetch(wanted)

    # -- answers ---------------------------------------------------------------------------------
    def record_fetched(self, message: ans.RecordFetched) -> None:
        """The highlighted record's fetch came back."""
        rid = message.rid
        self._explorer.fetched([rid], message.error)
        self._tree.records_changed([rid])
        if message.error:
            self._report.fail(f"{id_text(rid)} could not be fetched: {message.error}")
        if self._explorer.shown == ("record", rid):
            self.refresh({rid})
        elif not message.found and not message.error:
            self._report.status(f"{id_text(rid)}: PubMed has no such record.")

    def prefetched(self, message: ans.Prefetched) -> None:
        """Siblings arrived ahead of the cursor."""
        self._explorer.fetched(message.rids)
        self._tree.records_changed(message.rids)
        if message.error:
            self._report.header()

    def counts_arrived(self, message: ans.CountsArrived) -> None:
        """A topic's PubMed counts: on its label, and in the overview if it is shown."""
        topic_id, counts = message.topic_id, message.counts
        self._explorer.counts[topic_id] = counts
        self._tree.set_topic_count(topic_id, counts.on_pubmed)
        if counts.error and not self._library.offline:
            self._report.status(f"Topic counts: {counts.error}", error=True)
        self._report.header()
        if self._explorer.shown == ("topic", topic_id):
            self.refresh()
