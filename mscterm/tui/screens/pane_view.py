"""What the reference pane shows: a record, a topic's overview, a list's explanation, a note.

Reads the cache (never the network) and draws at once; what is missing (a record not fetched,
a topic's PubMed counts) is asked for from the workers, whose answer is shown if the pane still
shows the same thing (:attr:`Explorer.shown <mscterm.tui.explorer.Explorer.shown>`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from mscterm.tui import messages as msg
from mscterm.tui.explorer import latest_key
from mscterm.tui.overview import citation_label, topic_stats
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
    from mscterm.tui.widgets.reference_pane import ReferencePane
    from mscterm.tui.widgets.topic_tree import TopicTree
    from mscterm.tui.workers import Loaders


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
        library = self._library
        record = library.get(rid)
        offline = library.offline
        wants_fetch = self._explorer.wants_fetch(rid, record)
        if record is None:
            note = (
                "Loading…"
                if wants_fetch and not offline
                else ("Not in the cache" + (" (offline)." if offline else "."))
            )
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
            )
            self._explorer.shown = ("record", record.id)
        if wants_fetch and not offline:
            self._loaders.fetch_record(rid)

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
        )
        self._explorer.shown = ("topic", topic.id)
        if topic_id not in self._explorer.counts:
            self._loaders.load_counts(topic_id)

    def group(self, key: str) -> None:
        """What a list is (its query or owner) and how far it has loaded."""
        lst = self._explorer.lists.get(key)
        if lst is None:
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

    def note(self, text: str) -> None:
        """A short dim note (what a leaf says)."""
        self._pane.show_message(Text(text, style="dim"))
        self._explorer.shown = ("note", "")

    def refresh(self, rids: set[str] | None = None) -> None:
        """Show again what the pane shows, if it may have changed (records arrived, marks)."""
        kind, key = self._explorer.shown
        if kind == "record" and (rids is None or key in rids):
            self.record(key)
        elif kind == "topic":
            self.topic(key)
        elif kind == "group":
            self.group(key)

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
        if not message.answered:
            self._report.fail(message.error or f"Could not fetch {rid}.")
            return
        self._tree.records_changed([rid])
        if message.error:
            self._report.fail(message.error)
        elif not message.found:
            self._report.status(f"{rid}: PubMed has no such record.")
        if self._explorer.shown == ("record", rid):
            self.record(rid)
        self._loaders.count_cached()

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
            self.topic(topic_id)
