"""The left pane: the review, the safety topics, their references and lazily loaded lists.

The tree shows what it is given: topic and landmark nodes from the topic map and the cache/seed
(a synchronous ``lookup``), lists from the explorer's :class:`~mscterm.tui.explorer.ListState`
(handed down with :meth:`TopicTree.show_list`). It never fetches: it posts the messages of
:mod:`mscterm.tui.messages` and the screen decides. A reference's label is assembled when its line
is painted (:meth:`TopicTree.render_label`) from the shared marks and a row kept per record id, so
a mark or an arriving record repaints only the lines that show it; nodes are found through the
index kept beside the widget (:mod:`~mscterm.tui.widgets.tree_index`), never by walking. Every
label is a ``rich.text.Text`` (``Tree`` parses plain ``str`` labels as markup).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, ClassVar

from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from mscterm.model import is_trial_id
from mscterm.tui import messages as msg
from mscterm.tui.explorer import Explorer, ListState, topic_key
from mscterm.tui.nodes import (
    REVIEW_PMID,
    GroupData,
    MoreData,
    NodeData,
    RecordData,
    ReviewData,
    Target,
    TopicData,
    target_of,
)
from mscterm.tui.rows import SIGNALS, Row, record_label, row_styles
from mscterm.tui.widgets import tree_found, tree_lists, tree_position, tree_search
from mscterm.tui.widgets.tree_index import TreeIndex
from mscterm.tui.widgets.tree_source import Lookup, Source, TreeSource, TrialLookup

if TYPE_CHECKING:
    from mscterm.model import Topic

TOGGLE = Style.from_meta({"toggle": True})
"""The expand arrow's click target (what ``Tree`` itself puts on it)."""

Node = TreeNode[NodeData]
TYPICAL_ROW = 60
"""Cells a reference's row is taken to need before it is first drawn."""
SIGNS = 8
"""Cells the signs before a row may take (mark, safety, decision, landmark)."""


class TopicTree(Tree[NodeData]):
    """Topics → sub-topics → references, with the review as its own top node."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {f"topic-tree--{name}" for name in SIGNALS}
    """A row's signals (mark, retracted, concern, landmark, decision): styled in app.tcss."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "cursor_down", "Down", show=False),
        Binding("k,up", "cursor_up", "Up", show=False),
        Binding("l,right", "expand_or_child", "Expand", show=False),
        Binding("h,left", "collapse_or_parent", "Collapse", show=False),
        Binding("space", "mark", "Mark", show=True),
        Binding("g,home", "scroll_home", "Top", show=False),
        Binding("G,end", "scroll_end", "Bottom", show=False),
    ]

    def __init__(
        self,
        topics: Iterable[Topic],
        landmark_ids: Callable[[str], list[str]],
        lookup: Lookup | None,
        *,
        explorer: Explorer,
        source: Callable[[], Source] | None = None,
        trials: TrialLookup | None = None,
        id: str | None = None,
    ) -> None:
        super().__init__("mscterm", id=id)
        self.show_root = False
        self.auto_expand = False
        self.guide_depth = 2
        self.source = TreeSource(topics, landmark_ids, lookup, source, trials)
        """The topic map and the record lookup the nodes are built from."""
        self._explorer = explorer
        """Marks, lists and the saved position: read here, changed by the screen."""
        self._index = TreeIndex()
        self._topic_counts: dict[str, int] = {}
        self.filter_text = ""

    # -- building ----------------------------------------------------------------------------
    def on_mount(self) -> None:
        self.build()

    def attach(self) -> None:
        """Switch from the outline to the full map and the cache (idempotent).

        The first frame is built from the topic map's outline alone (titles and the top-level
        landmarks need neither the cache nor the seed); whatever needs more calls this first.
        """
        source = self.source
        if not source.attach():
            return
        self._index.drop_rows()
        by_id = {t.id: t for t in source.topics}
        for node in self.root.children:
            data = node.data
            if isinstance(data, ReviewData):
                label = source.review_label()
            elif isinstance(data, TopicData) and data.topic_id in by_id:
                label = source.topic_label(
                    by_id[data.topic_id], self._topic_counts.get(data.topic_id)
                )
            else:
                continue
            if label.plain != self.label_of(node).plain:  # normally the same text: no repaint
                node.set_label(label)

    def build(self) -> None:
        """(Re)build the top level: the review, then every root topic, all collapsed."""
        self.clear()
        self._index.clear()
        self.add_node(self.root, self.source.review_label(), ReviewData(key="review"))
        for topic in self.source.topics:
            self._add_topic(self.root, topic)
        for kind, key in reversed(self._explorer.found):
            tree_found.add(self, self._explorer, kind, key)

    def show_found(self, kind: str, key: str) -> str:
        """Show a found record (``key``: its id) or search list first under "Found", opened;
        returns the key of its node."""
        return tree_found.show(self, self._explorer, kind, key)

    def add_node(
        self, parent: Node, label: Text, data: NodeData, *, expand: bool = True, first: bool = False
    ) -> Node:
        """Add a node (``first``: before its siblings) and index it (every node is added here)."""
        node = parent.add(label, data, allow_expand=expand, before=0 if first else None)
        self._index.add(node)
        return node

    def add_record(
        self, parent: Node, rid: str, *, landmark: bool = False, first: bool = False
    ) -> Node:
        """A reference's node (its label is drawn at paint time)."""
        key = f"{parent.data.key if parent.data else ''}/{rid}"
        data = RecordData(key=key, rid=rid, landmark=landmark)
        expand = (rid.isdigit() and rid != REVIEW_PMID) or is_trial_id(rid)  # links, publications
        return self.add_node(parent, Text(), data, expand=expand, first=first)

    def _add_topic(self, parent: Node, topic: Topic) -> Node:
        data = TopicData(key=topic_key(topic.id), topic_id=topic.id)
        label = self.source.topic_label(topic, self._topic_counts.get(topic.id))
        return self.add_node(parent, label, data)

    def remove_node(self, node: Node) -> None:
        """Remove a node (and its children) from the tree and the index."""
        self._index.forget(node)
        node.remove()

    def clear_children(self, node: Node) -> None:
        """Remove a node's children from the tree and the index."""
        for child in node.children:
            self._index.forget(child)
        node.remove_children()

    def ensure_populated(self, node: Node) -> None:
        """Create the children a node shows before anything is fetched (cache/seed only)."""
        self.attach()
        tree_lists.populate(self, self._explorer, node)

    def add_topic(self, parent: Node, topic: Topic) -> Node:
        """A topic's node (its children are made when it is first opened)."""
        return self._add_topic(parent, topic)

    # -- labels --------------------------------------------------------------------------------
    def _row(self, rid: str) -> Row:
        return self.source.row(rid, lambda: row_styles(self, "topic-tree"))

    def label_of(self, node: Node) -> Text:
        """A node's label as it is drawn now (without the expand arrow)."""
        data = node.data
        if isinstance(data, RecordData):
            explorer = self._explorer
            return record_label(
                self._index.row(data.rid, self._row),
                marked=data.rid in explorer.marks,
                landmark=data.landmark,
                decision=explorer.decision_of(data.rid),
                styles=row_styles(self, "topic-tree"),
            )
        label = node.label
        return label.copy() if isinstance(label, Text) else Text(label)

    def render_label(self, node: Node, base_style: Style, style: Style) -> Text:
        """References are drawn at paint time: the mark and the record's row as they are now."""
        if not isinstance(node.data, RecordData):
            return super().render_label(node, base_style, style)
        label = self.label_of(node)
        label.stylize(style)
        if node.allow_expand:
            icon = self.ICON_NODE_EXPANDED if node.is_expanded else self.ICON_NODE
            return Text.assemble((icon, base_style + TOGGLE), label)
        return Text.assemble(("", base_style), label)

    def get_label_width(self, node: Node) -> int:
        """A reference's width without drawing it: Tree asks for every line's width whenever
        its lines are rebuilt (thousands of open nodes), and the tree never scrolls sideways,
        so a row not drawn yet counts as a typical one instead of being read from the cache."""
        data = node.data
        if not isinstance(data, RecordData):
            return super().get_label_width(node)
        width = self._index.drawn_width(data.rid)
        return (width if width is not None else TYPICAL_ROW) + SIGNS + 2

    def marks_changed(self, rids: Iterable[str]) -> None:
        """Repaint the lines showing these records (their mark changed)."""
        for node in self._index.record_nodes(rids):
            node.refresh()

    def records_changed(self, rids: Iterable[str]) -> None:
        """These records arrived (or changed): their rows are made again when next painted."""
        rids = list(rids)
        self._index.drop_rows(rids)
        self.marks_changed(rids)

    def set_topic_count(self, topic_id: str, on_pubmed: int | None) -> None:
        """Show a topic's PubMed total beside its landmark count."""
        if on_pubmed is None:
            return
        self._topic_counts[topic_id] = on_pubmed
        node = self._index.node(topic_key(topic_id))
        self.attach()
        topic = self.source.find(topic_id)
        if node is not None and topic is not None:
            node.set_label(self.source.topic_label(topic, on_pubmed))

    # -- lists ---------------------------------------------------------------------------------
    def show_list_state(self, lst: ListState) -> None:
        """A list is loading / failed / idle."""
        tree_lists.show_state(self, lst)

    def show_list(self, lst: ListState, new_ids: list[str]) -> None:
        """A list loaded (``new_ids`` is the page that came): its records, then "more…"."""
        node = self._index.node(lst.key)
        if node is None:
            return
        cursor_key = self.cursor_key()
        self._index.drop_rows(lst.ids)  # drawn afresh, as when the list is first shown
        tree_lists.fill(self, node, lst)
        tree_position.apply_pending(self, self._explorer, node)
        if cursor_key and cursor_key.startswith(lst.key + "/"):
            # The cursor was on "more…" or a note: keep it on the first new record instead.
            if new_ids and self.select_key(f"{lst.key}/{new_ids[0]}"):
                return
            self.select_key(lst.key)

    # -- finding nodes, and the position -------------------------------------------------------
    def iter_nodes(self, start: Node | None = None) -> Iterator[Node]:
        """Every node below ``start`` (default: the whole tree), depth first."""
        stack = list(reversed((start or self.root).children))
        while stack:
            node = stack.pop()
            yield node
            stack.extend(reversed(node.children))

    def node_by_key(self, key: str) -> Node | None:
        """The node with a given key, if it exists right now."""
        return self._index.node(key)

    def record_nodes(self, rids: Iterable[str]) -> list[Node]:
        """Nodes showing any of ``rids``: those on screen lines first, then hidden ones."""
        self._tree_lines  # noqa: B018 -- line numbers up to date
        found = list(self._index.record_nodes(sorted(rids)))
        found.sort(key=lambda node: node.line < 0)
        return found

    def cursor_target(self) -> Target | None:
        """The record, topic or list under the cursor."""
        node = self.cursor_node
        return target_of(node.data) if node is not None else None

    def expanded_keys(self) -> list[str]:
        """Keys of expanded nodes, and of saved ones whose list has not loaded yet."""
        return tree_position.expanded_keys(self, self._explorer)

    def cursor_key(self) -> str | None:
        """Key of the node under the cursor (or the saved one still waiting for its list)."""
        return tree_position.cursor_key(self, self._explorer)

    def restore(self, expanded: Iterable[str], cursor: str | None) -> None:
        """Expand saved nodes (now, or when they appear) and place the cursor."""
        tree_position.restore(self, self._explorer, expanded, cursor)

    def select_key(self, key: str) -> bool:
        """Move the cursor to the node with ``key``, expanding its ancestors."""
        node = self._index.node(key)
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

    def apply_filter(self, text: str) -> int:
        """Show only nodes whose label (or record title) contains ``text``; returns matches.

        The unfiltered tree (expanded nodes, cursor) comes back when the text is empty.
        """
        return tree_search.apply_filter(self, self._explorer, text)

    # -- events -> messages --------------------------------------------------------------------
    def highlighted(self, node: Node) -> msg.TreeMessage | None:
        """What the cursor is on when it is on ``node``, as the message that says so."""
        return msg.highlight_of(self, node, lambda: self.label_of(node).plain)

    def on_tree_node_highlighted(self, event: Tree.NodeHighlighted[NodeData]) -> None:
        event.stop()
        message = self.highlighted(event.node)
        if message is not None:
            self.post_message(message)

    def on_tree_node_expanded(self, event: Tree.NodeExpanded[NodeData]) -> None:
        event.stop()
        node = event.node
        self.ensure_populated(node)  # before the screen hears of it: children exist
        data = node.data
        position = self._explorer.position
        if data is None or (position.active and data.key in position.restored):
            return  # opened by the restore, whose worker loads every saved list at once
        if isinstance(data, TopicData) and not self.filter_text:
            self.post_message(msg.TopicOpened(self, node, data.topic_id))
        elif isinstance(data, GroupData):
            self.post_message(msg.GroupRequested(self, node, data.key))
        if not self.filter_text:
            self.post_message(msg.ExpansionChanged(self, node))

    def on_tree_node_collapsed(self, event: Tree.NodeCollapsed[NodeData]) -> None:
        event.stop()
        if not self.filter_text:
            self.post_message(msg.ExpansionChanged(self, event.node))

    def on_tree_node_selected(self, event: Tree.NodeSelected[NodeData]) -> None:
        event.stop()
        node = event.node
        data = node.data
        if isinstance(data, MoreData):
            self.post_message(msg.GroupRequested(self, node, data.group_key, append=True))
        elif isinstance(data, RecordData):
            self.post_message(msg.RecordOpened(self, node, data.rid))
        elif node.allow_expand:
            node.toggle()

    # -- actions -------------------------------------------------------------------------------
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
        """``space``: toggle the reference's mark in the shared set, then tell the screen."""
        node = self.cursor_node
        target = self.cursor_target()
        if node is not None and target is not None and target[0] == "record":
            rid = target[1]
            self.marks_changed(self._explorer.marks.toggle([rid]))
            self.post_message(msg.MarkToggled(self, node, [rid]))
