"""Finding things in the topic tree: the ``f`` filter, go-to, link lists, what lies where.

Functions over :class:`~mscterm.tui.widgets.topic_tree.TopicTree`'s public methods (nodes by
key, the index of records, populate, select), kept apart from the widget so it stays about
showing nodes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets.tree import TreeNode

from mscterm.model import fold_ascii
from mscterm.tui.nodes import (
    REVIEW_PMID,
    GroupData,
    MoreData,
    NodeData,
    NoteData,
    RecordData,
    ReviewData,
    TopicData,
)
from mscterm.tui.safe import one_line

if TYPE_CHECKING:
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.widgets.topic_tree import TopicTree

Node = TreeNode[NodeData]


def fold(text: str) -> str:
    """Accents and case folded away, so ``f tolar`` finds ``Tolar``."""
    return fold_ascii(text).casefold()


def apply_filter(tree: TopicTree, explorer: Explorer, text: str) -> int:
    """Show only nodes whose label (or record title) contains ``text``; returns matches.

    The unfiltered tree (expanded nodes, cursor) comes back when the text is empty.
    """
    tree.attach()
    text = text.strip()
    position = explorer.position
    if not text:
        if tree.filter_text:
            tree.filter_text = ""
            expanded, cursor = position.unfiltered or ([], None)
            position.unfiltered = None
            tree.build()
            tree.restore(expanded, cursor)
        return 0
    if not tree.filter_text:
        position.unfiltered = (tree.expanded_keys(), tree.cursor_key())
    tree.filter_text = text
    tree.build()
    matches = _prune(tree, explorer, fold(text))
    tree.cursor_line = 0
    return matches


def _prune(tree: TopicTree, explorer: Explorer, needle: str) -> int:
    """Remove every node that neither matches nor leads to a match; returns matches.

    Topics (cheap: their landmarks) and references whose link lists were loaded are opened on
    the way, so a match inside them shows with its parents expanded.
    """
    matches = 0

    def keep(node: Node) -> bool:
        nonlocal matches
        data = node.data
        if isinstance(data, TopicData | ReviewData) or _has_loaded_links(explorer, data):
            tree.ensure_populated(node)
        keep_children = False
        for child in list(node.children):
            if keep(child):
                keep_children = True
        hit = _matches(tree, node, needle)
        matches += hit
        if hit or keep_children:
            if keep_children:
                node.expand()
            return True
        tree.remove_node(node)
        return False

    for node in list(tree.root.children):
        keep(node)
    return matches


def _has_loaded_links(explorer: Explorer, data: NodeData | None) -> bool:
    """A reference whose similar or cited-by list has records (the filter looks inside)."""
    if not isinstance(data, RecordData):
        return False
    lists = explorer.lists
    return any(
        (lst := lists.get(f"{data.key}/{kind}")) is not None and bool(lst.ids)
        for kind in ("similar", "cited_by")
    )


def _matches(tree: TopicTree, node: Node, needle: str) -> bool:
    data = node.data
    if data is None or isinstance(data, NoteData | MoreData | GroupData):
        return False
    hay = tree.label_of(node).plain
    if isinstance(data, RecordData):
        title = tree.source.title(data.rid)
        if title is not None:
            hay += " " + one_line(title)
    return needle in fold(hay)


def reveal(tree: TopicTree, ids: set[str]) -> bool:
    """Move the cursor to where the tree shows any of ``ids``; False when it shows none.

    Looks at the nodes that exist (a visible one first, then one in a loaded list), then at the
    review, then at the landmarks of every topic (whose nodes are created on the way: the topic
    and its parents are opened as if the person had).
    """
    found = tree.record_nodes(ids)
    if found:
        data = found[0].data
        return data is not None and tree.select_key(data.key)
    if tree.filter_text:
        return False  # the filtered tree shows what it shows
    if REVIEW_PMID in ids:
        return tree.select_key("review")
    parents: dict[str, str] = {}
    tree.attach()
    for topic in tree.source.walk():
        for child in topic.children:
            parents[child.id] = topic.id
        landmarks = tree.source.landmark_ids(topic.id)
        if not ids.intersection(landmarks):
            continue
        path = [topic.id]
        while path[-1] in parents:
            path.append(parents[path[-1]])
        for topic_id in reversed(path):
            node = tree.node_by_key(f"t:{topic_id}")
            if node is None:
                return False
            tree.ensure_populated(node)
        landmark = next(i for i in landmarks if i in ids)
        return tree.select_key(f"t:{topic.id}/{landmark}")
    return False


def open_links(tree: TopicTree, kind: str) -> str | None:
    """Open the ``similar``/``cited_by`` list of the reference at the cursor.

    From a list (or its "more…"/note leaf), the reference that owns the list. Returns None when
    the list is open and selected, else the sentence saying why not.
    """
    node = tree.cursor_node
    if node is None:
        return None
    while isinstance(node.data, GroupData | MoreData | NoteData) and node.parent is not None:
        node = node.parent
    if isinstance(node.data, RecordData) and node.data.rid == REVIEW_PMID:
        node = node.parent or node
    data = node.data
    if isinstance(data, RecordData) and not node.allow_expand:
        return "Links need a PMID; this record has none yet."
    if not isinstance(data, RecordData | ReviewData):
        return "Move to a reference first (s: similar, c: cited by)."
    tree.ensure_populated(node)
    node.expand()
    key = f"{data.key}/{kind}"
    group = tree.node_by_key(key)
    if group is not None:
        group.expand()
        tree.select_key(key)
    return None


def topic_records(tree: TopicTree) -> tuple[str, list[str]] | None:
    """The topic (or review) at or above the cursor: its label and every reference under it.

    For a topic that is its landmarks (whether shown yet or not) and the loaded references
    below it; for the review, the loaded references.
    """
    node = tree.cursor_node
    while node is not None and not node.is_root:
        if isinstance(node.data, TopicData | ReviewData):
            break
        node = node.parent
    if node is None or node.is_root:
        return None
    tree.ensure_populated(node)
    rids = record_ids_under(tree, node)
    if isinstance(node.data, TopicData):
        rids = list(dict.fromkeys(tree.source.landmark_ids(node.data.topic_id) + rids))
    return one_line(tree.label_of(node).plain), rids


def open_lists(tree: TopicTree) -> tuple[list[str], list[str]]:
    """The expanded topics (ids) and expanded lists (keys), in tree order."""
    topics: list[str] = []
    lists: list[str] = []
    for node in tree.iter_nodes():
        if node.is_expanded and isinstance(node.data, TopicData):
            topics.append(node.data.topic_id)
        elif node.is_expanded and isinstance(node.data, GroupData):
            lists.append(node.data.key)
    return topics, lists


def sibling_records(node: Node) -> list[str]:
    """Record ids shown beside ``node`` (for prefetching), in order."""
    if node.parent is None:
        return []
    return [s.data.rid for s in node.parent.children if isinstance(s.data, RecordData)]


def record_ids_under(tree: TopicTree, node: Node) -> list[str]:
    """Record ids shown below ``node`` (loaded children only), in tree order."""
    ids = [n.data.rid for n in tree.iter_nodes(node) if isinstance(n.data, RecordData)]
    return list(dict.fromkeys(ids))
