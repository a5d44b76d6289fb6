"""The left pane: the review, the safety topics, their references and lazily loaded lists.

The tree only shows what it is given: it builds topic and landmark nodes from the topic map and
the cache/seed (a synchronous ``lookup``), and receives network results through
:meth:`TopicTree.fill_group`. It never fetches; it posts :class:`TopicTree.MarkToggled` upward and
the screen decides. Every label is a ``rich.text.Text`` built from :func:`safe_text`, because
``Tree`` parses plain ``str`` labels as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from mscterm.model import Record, fold_ascii
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
from mscterm.tui.overview import citation_label
from mscterm.tui.safe import one_line, safe_text

if TYPE_CHECKING:
    from mscterm.model import Topic

Lookup = Callable[[str], Record | None]
"""Synchronous cache/seed lookup: never touches the network."""
Source = tuple[Iterable["Topic"], Callable[[str], list[str]], Lookup]
"""(root topics, landmark ids of a topic, lookup): what :meth:`TopicTree.attach` switches to."""

REVIEW_CITATION = "Wang et al. 2012 · Stem Cells Int"
"""The review's label until the cache/seed is read (the seed record's own short citation)."""

MARK = "● "
UNMARKED = ""
LANDMARK = "★ "


def _not_yet(rid: str) -> Record | None:
    """The lookup of a tree built from the outline: nothing is read before :meth:`attach`."""
    return None


def _fold(text: str) -> str:
    return fold_ascii(text).casefold()


class TopicTree(Tree[NodeData]):
    """Topics → sub-topics → references, with the review as its own top node."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("l,right", "expand_or_child", "Expand", show=False),
        Binding("h,left", "collapse_or_parent", "Collapse", show=False),
        Binding("space", "mark", "Mark", show=True),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]

    class MarkToggled(Message):
        """These record ids were just marked or unmarked (space on a reference)."""

        def __init__(self, rids: list[str]) -> None:
            self.rids = rids
            super().__init__()

    def __init__(
        self,
        topics: Iterable[Topic],
        landmark_ids: Callable[[str], list[str]],
        lookup: Lookup | None,
        *,
        source: Callable[[], Source] | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__("mscterm", id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self._topics = list(topics)
        self._landmark_ids = landmark_ids
        self._lookup: Lookup = lookup if lookup is not None else _not_yet
        self._source = source
        """Gives the full map and the cache lookup when ``topics`` is only an outline."""
        self.marks = Marks()
        """The screen's mark set (the same object: see :mod:`mscterm.tui.marks`)."""
        self._groups: dict[str, GroupData] = {}
        """Group payloads by key: survive a filter rebuild, so nothing is fetched twice."""
        self._topic_counts: dict[str, int] = {}
        self.filter_text = ""
        self._saved_expanded: list[str] = []
        self._saved_cursor: str | None = None
        self.pending_expand: set[str] = set()
        self.pending_cursor: str | None = None
        self.restored_keys: set[str] = set()
        """Keys expanded by :meth:`restore` (the screen loads their lists in one go)."""

    # -- building ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.build()

    def attach(self) -> None:
        """Switch from the outline to the full map and the cache (idempotent).

        The first frame is built from the topic map's outline alone (titles and the top-level
        landmarks need neither the cache nor the seed); whatever needs more calls this first.
        """
        if self._source is None:
            return
        source, self._source = self._source, None
        topics, self._landmark_ids, self._lookup = source()
        self._topics = list(topics)
        by_id = {t.id: t for t in self._topics}
        for node in self.root.children:
            data = node.data
            if isinstance(data, ReviewData):
                label = self._review_label()
            elif isinstance(data, TopicData) and data.topic_id in by_id:
                label = self._topic_label(by_id[data.topic_id])
            else:
                continue
            if label.plain != node.label.plain:  # normally the same text: no repaint
                node.set_label(label)

    def _review_label(self) -> Text:
        review = self._lookup(REVIEW_PMID)
        who = review.short_citation if review else REVIEW_CITATION
        return Text.assemble(("Review: ", "bold"), safe_text(who, single_line=True))

    def build(self) -> None:
        """(Re)build the top level: the review, then every root topic, all collapsed."""
        self.clear()
        self.root.add(self._review_label(), ReviewData(key="review"))
        for topic in self._topics:
            self._add_topic(self.root, topic)

    def _add_topic(self, parent: TreeNode[NodeData], topic: Topic) -> TreeNode[NodeData]:
        data = TopicData(key=f"t:{topic.id}", topic_id=topic.id)
        return parent.add(self._topic_label(topic), data)

    def _topic_label(self, topic: Topic) -> Text:
        n = len(self._landmark_ids(topic.id))
        label = safe_text(topic.title, "bold", single_line=True)
        count = f" ({n})"
        on_pubmed = self._topic_counts.get(topic.id)
        if on_pubmed is not None:
            count = f" ({n} ★ · {on_pubmed:,})"
        label.append(count, style="dim")
        return label

    def record_label(self, rid: str, landmark: bool) -> Text:
        """``● ★ Rubio 2005 · Cancer Res RETRACTED`` from whatever the cache knows."""
        self.attach()
        record = self._lookup(rid)
        label = Text(MARK if rid in self.marks else UNMARKED, style="bold")
        if landmark:
            label.append(LANDMARK, style="bold")
        if record is None:
            shown = f"PMID {rid}" if rid.isdigit() else rid
            label.append_text(safe_text(shown, "italic", single_line=True))
            label.append(" (not fetched)", style="dim")
            return label
        label.append_text(safe_text(citation_label(record), single_line=True))
        if record.retracted:
            label.append(" ")
            label.append("RETRACTED", style="bold reverse")
        if record.resolution in {"NOT_FOUND", "AMBIGUOUS"}:
            label.append(f" ({record.resolution})", style="dim")
        return label

    def _add_record(
        self, parent: TreeNode[NodeData], rid: str, *, landmark: bool = False
    ) -> TreeNode[NodeData]:
        data = RecordData(key=f"{self._key(parent)}/{rid}", rid=rid, landmark=landmark)
        expandable = rid.isdigit() and rid != REVIEW_PMID
        return parent.add(self.record_label(rid, landmark), data, allow_expand=expandable)

    def _add_group(self, parent: TreeNode[NodeData], kind: str, owner: str) -> TreeNode[NodeData]:
        key = f"{self._key(parent)}/{kind}"
        data = self._groups.setdefault(key, GroupData(key=key, kind=kind, owner=owner))
        node = parent.add(self._group_label(data), data)
        if data.state == "loaded":
            self._fill_children(node, data)
        return node

    @staticmethod
    def _group_label(data: GroupData) -> Text:
        label = Text(GROUP_TITLES.get(data.kind, data.kind), style="italic")
        if data.total is not None:
            label.append(f" ({data.total:,})", style="dim")
        return label

    @staticmethod
    def _key(node: TreeNode[NodeData]) -> str:
        return node.data.key if node.data is not None else ""

    def ensure_populated(self, node: TreeNode[NodeData]) -> None:
        """Create the children a node shows before anything is fetched (cache/seed only)."""
        self.attach()
        data = node.data
        if isinstance(data, TopicData) and not data.populated:
            data.populated = True
            topic = next((t for t in self.walk_topics() if t.id == data.topic_id), None)
            if topic is None:
                return
            for rid in self._landmark_ids(topic.id):
                self._add_record(node, rid, landmark=True)
            for child in topic.children:
                self._add_topic(node, child)
            self._add_group(node, "latest", topic.id)
        elif isinstance(data, ReviewData) and not data.populated:
            data.populated = True
            self._add_record(node, data.pmid)
            for kind in ("references", "similar", "cited_by"):
                self._add_group(node, kind, data.pmid)
        elif isinstance(data, RecordData) and not data.populated and node.allow_expand:
            data.populated = True
            for kind in ("similar", "cited_by"):
                self._add_group(node, kind, data.rid)

    def walk_topics(self) -> Iterator[Topic]:
        """Every topic of the map, parents first."""
        self.attach()
        stack = list(reversed(self._topics))
        while stack:
            topic = stack.pop()
            yield topic
            stack.extend(reversed(topic.children))

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        # Runs before the message bubbles to the screen, so the screen sees populated children.
        self.ensure_populated(event.node)

    # -- data arriving from the screen -------------------------------------------------------
    def set_group_state(self, key: str, state: str, note: str | None = None) -> None:
        """Show a group as loading / failed / idle, with an optional one-line note as its child."""
        data = self._groups.get(key)
        if data is None:
            return
        data.state = state
        data.note = note if state != "loading" else None
        node = self.node_by_key(key)
        if node is None:
            return
        if not data.ids:
            node.remove_children()
            text = note or ("Loading…" if state == "loading" else "")
            if text:
                node.add_leaf(
                    Text(text, style="dim italic"), NoteData(key=f"{key}/note", text=text)
                )
        node.set_label(self._group_label(data))

    def fill_group(
        self,
        key: str,
        ids: list[str],
        total: int | None,
        *,
        append: bool = False,
        note: str | None = None,
    ) -> None:
        """Put fetched ids under a group (``append`` for the next page), then a "more…" leaf."""
        data = self._groups.get(key)
        if data is None:
            return
        data.ids = list(dict.fromkeys([*data.ids, *ids] if append else ids))
        data.total = total
        data.state = "loaded"
        data.note = note
        node = self.node_by_key(key)
        if node is None:
            return
        cursor_key = self.cursor_key()
        node.set_label(self._group_label(data))
        self._fill_children(node, data)
        self.apply_pending(node)
        if cursor_key and cursor_key.startswith(key + "/"):
            # The cursor was on "more…" or a note: keep it on the first new record instead.
            first_new = ids[0] if ids else None
            if first_new is not None and self.select_key(f"{key}/{first_new}"):
                return
            self.select_key(key)

    def _fill_children(self, node: TreeNode[NodeData], data: GroupData) -> None:
        node.remove_children()
        for rid in data.ids:
            self._add_record(node, rid)
        if data.note:
            node.add_leaf(
                Text(data.note, style="dim italic"),
                NoteData(key=f"{data.key}/note", text=data.note),
            )
        elif not data.ids:
            node.add_leaf(Text("(none)", style="dim italic"), NoteData(key=f"{data.key}/note"))
        if data.total is not None and len(data.ids) < data.total:
            more = f"more… ({len(data.ids):,} of {data.total:,})"
            node.add_leaf(
                Text(more, style="italic"), MoreData(key=f"{data.key}/more", group_key=data.key)
            )

    def group(self, key: str) -> GroupData | None:
        """The payload of a group by key (loaded or not)."""
        return self._groups.get(key)

    def set_topic_count(self, topic_id: str, on_pubmed: int | None) -> None:
        """Show a topic's PubMed total beside its landmark count."""
        if on_pubmed is None:
            return
        self._topic_counts[topic_id] = on_pubmed
        node = self.node_by_key(f"t:{topic_id}")
        topic = next((t for t in self.walk_topics() if t.id == topic_id), None)
        if node is not None and topic is not None:
            node.set_label(self._topic_label(topic))

    def refresh_labels(self, rids: Iterable[str] | None = None) -> None:
        """Re-render record labels (after a fetch or a mark change)."""
        wanted = set(rids) if rids is not None else None
        for node in self.iter_nodes():
            data = node.data
            if isinstance(data, RecordData) and (wanted is None or data.rid in wanted):
                node.set_label(self.record_label(data.rid, data.landmark))

    # -- lookup helpers ----------------------------------------------------------------------
    def iter_nodes(self, start: TreeNode[NodeData] | None = None) -> Iterator[TreeNode[NodeData]]:
        """Every node below ``start`` (default: the whole tree), depth first."""
        stack = list(reversed((start or self.root).children))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def node_by_key(self, key: str) -> TreeNode[NodeData] | None:
        """The node with a given key, if it exists right now."""
        for node in self.iter_nodes():
            if node.data is not None and node.data.key == key:
                return node
        return None

    def record_nodes(self, rids: set[str]) -> list[TreeNode[NodeData]]:
        """Nodes showing any of ``rids``: those on screen lines first, then hidden ones."""
        self._tree_lines  # noqa: B018 -- line numbers up to date
        found = [
            n for n in self.iter_nodes() if isinstance(n.data, RecordData) and n.data.rid in rids
        ]
        found.sort(key=lambda node: node.line < 0)
        return found

    def record_ids_under(self, node: TreeNode[NodeData]) -> list[str]:
        """Record ids shown below ``node`` (loaded children only), in tree order."""
        ids = [n.data.rid for n in self.iter_nodes(node) if isinstance(n.data, RecordData)]
        return list(dict.fromkeys(ids))

    def topic_node_of(self, node: TreeNode[NodeData] | None) -> TreeNode[NodeData] | None:
        """The nearest topic (or review) node at or above ``node``."""
        while node is not None and not node.is_root:
            if isinstance(node.data, TopicData | ReviewData):
                return node
            node = node.parent
        return None

    def expanded_keys(self) -> list[str]:
        """Keys of expanded nodes (topics, the review, records and their lists).

        Saved keys still waiting for their list to load (a restore in flight) are kept too, so
        quitting before the network answered loses nothing.
        """
        if self.filter_text:
            return list(self._saved_expanded)
        keys = [
            n.data.key
            for n in self.iter_nodes()
            if n.is_expanded and isinstance(n.data, TopicData | ReviewData | RecordData | GroupData)
        ]
        keys += sorted(k for k in self.pending_expand if self._still_pending(k))
        return keys

    def _still_pending(self, key: str) -> bool:
        """A saved key may yet appear: it lies in a list that has not loaded (yet)."""
        if "/" not in key:
            return False  # top-level and sub-topic nodes exist as soon as their parent is open
        parent_key = key.rsplit("/", 1)[0]
        parent = self.node_by_key(parent_key)
        if parent is None:
            return parent_key in self.pending_expand and self._still_pending(parent_key)
        data = parent.data
        return parent.is_expanded and isinstance(data, GroupData) and data.state != "loaded"

    def cursor_key(self) -> str | None:
        """Key of the node under the cursor (or the saved one still waiting for its list)."""
        if self.filter_text:
            return self._saved_cursor
        if self.pending_cursor is not None and self._still_pending(self.pending_cursor):
            return self.pending_cursor
        node = self.cursor_node
        return node.data.key if node is not None and node.data is not None else None

    def restore(self, expanded: Iterable[str], cursor: str | None) -> None:
        """Expand saved nodes (now, or when they appear) and place the cursor."""
        self.pending_expand = set(expanded)
        self.pending_cursor = cursor
        self.apply_pending(self.root)
        if self.pending_cursor is not None:
            # Not there (yet): fall back to the deepest existing ancestor by key prefix.
            key = self.pending_cursor
            while "/" in key:
                key = key.rsplit("/", 1)[0]
                node = self.node_by_key(key)
                if node is not None:
                    self.select_key(node.data.key)  # type: ignore[union-attr]
                    break
        if self.cursor_line < 0:
            self.cursor_line = 0

    def apply_pending(self, start: TreeNode[NodeData]) -> None:
        """Expand pending nodes that now exist below ``start``, and move the cursor if it can."""
        if not self.pending_expand and self.pending_cursor is None:
            return
        queue = [start] if not start.is_root else list(start.children)
        while queue:
            node = queue.pop(0)
            key = node.data.key if node.data is not None else None
            if key in self.pending_expand:
                self.pending_expand.discard(key)
                self.restored_keys.add(key)  # type: ignore[arg-type]
                self.ensure_populated(node)
                node.expand()
            if node.is_expanded or node is start:
                queue.extend(node.children)
        if self.pending_cursor is not None:
            node = self.node_by_key(self.pending_cursor)
            if node is not None:
                self.pending_cursor = None
                self.select_key(node.data.key)  # type: ignore[union-attr]

    def select_key(self, key: str) -> bool:
        """Move the cursor to the node with ``key``, expanding its ancestors."""
        node = self.node_by_key(key)
        if node is None:
            return False
        parent = node.parent
        while parent is not None and not parent.is_root:
            if not parent.is_expanded:
                parent.expand()
            parent = parent.parent
        self._tree_lines  # noqa: B018 -- rebuild line numbers before moving the cursor
        if self.cursor_node is not node and self.cursor_line == node.line:
            # Same line, different node (the old one was replaced): the reactive would not
            # fire, leaving Tree's cursor on a removed node.
            self.cursor_line = -1
        self.move_cursor(node)
        return True

    # -- filter ------------------------------------------------------------------------------
    def apply_filter(self, text: str) -> int:
        """Show only nodes whose label (or record title) contains ``text``; returns matches.

        The unfiltered tree (expanded nodes, cursor) comes back when the text is empty.
        """
        self.attach()
        text = text.strip()
        if not text:
            if self.filter_text:
                self.filter_text = ""
                self.build()
                self.restore(self._saved_expanded, self._saved_cursor)
            return 0
        if not self.filter_text:
            self._saved_expanded = self.expanded_keys()
            self._saved_cursor = self.cursor_key()
        self.filter_text = text
        needle = _fold(text)
        self.build()
        matches = 0

        def prune(node: TreeNode[NodeData]) -> bool:
            nonlocal matches
            self.ensure_populated_for_filter(node)
            keep_children = False
            for child in list(node.children):
                if prune(child):
                    keep_children = True
            hit = self._matches(node, needle)
            matches += hit
            if hit or keep_children:
                if keep_children:
                    node.expand()
                return True
            node.remove()
            return False

        for node in list(self.root.children):
            prune(node)
        self._tree_lines  # noqa: B018
        self.cursor_line = 0
        return matches

    def ensure_populated_for_filter(self, node: TreeNode[NodeData]) -> None:
        """Populate topics (cheap: landmarks) and records whose groups were already loaded."""
        data = node.data
        loaded_links = isinstance(data, RecordData) and any(
            k.startswith(data.key + "/") and g.ids for k, g in self._groups.items()
        )
        if isinstance(data, TopicData | ReviewData) or loaded_links:
            self.ensure_populated(node)

    def _matches(self, node: TreeNode[NodeData], needle: str) -> bool:
        data = node.data
        if isinstance(data, NoteData | MoreData) or data is None:
            return False
        if isinstance(data, GroupData):
            return False
        hay = node.label.plain
        if isinstance(data, RecordData):
            record = self._lookup(data.rid)
            if record is not None:
                hay += " " + one_line(record.title)
        return needle in _fold(hay)

    # -- actions -----------------------------------------------------------------------------
    def action_expand_or_child(self) -> None:
        """``l``/→: expand a closed node, or step into an open one."""
        node = self.cursor_node
        if node is None:
            return
        if node.allow_expand and not node.is_expanded:
            node.expand()
        elif node.is_expanded and node.children:
            self._tree_lines  # noqa: B018
            self.move_cursor(node.children[0])

    def action_collapse_or_parent(self) -> None:
        """``h``/←: collapse an open node, or step out to its parent."""
        node = self.cursor_node
        if node is None:
            return
        if node.is_expanded:
            node.collapse()
        elif node.parent is not None and not node.parent.is_root:
            self.move_cursor(node.parent)

    def action_mark(self) -> None:
        """``space``: toggle the mark of the reference under the cursor, then tell the screen."""
        node = self.cursor_node
        rid = None
        if node is not None and isinstance(node.data, RecordData):
            rid = node.data.rid
        elif node is not None and isinstance(node.data, ReviewData):
            rid = node.data.pmid
        if rid is not None:
            self.refresh_labels(self.marks.toggle([rid]))
            self.post_message(self.MarkToggled([rid]))
