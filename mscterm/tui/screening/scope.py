""" "The current topic or list" in the tree: where ``]``/``[`` step, what ``V`` screens.

A record's scope is the node it sits under: a topic (its landmarks, then the records of its
"Latest on PubMed" list), a list (references, similar, cited by, a search's hits), the review or
"Found this session". Stepping goes through the records the tree shows there, in tree order, and
never wraps (a reviewer knows when a list is done). The screening view takes a wider set: a
topic's landmarks and loaded records with those of its sub-topics.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from textual.widgets.tree import TreeNode

from mscterm.tui.explorer import latest_key
from mscterm.tui.nodes import (
    GROUP_TITLES,
    FoundData,
    GroupData,
    NodeData,
    RecordData,
    ReviewData,
    TopicData,
)
from mscterm.tui.safe import one_line
from mscterm.tui.widgets.tree_search import record_ids_under

if TYPE_CHECKING:
    from mscterm.topics import TopicMap
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.widgets.topic_tree import TopicTree

Node = TreeNode[NodeData]
SCOPES = (TopicData, GroupData, FoundData, ReviewData)


def scope_node(node: Node | None) -> Node | None:
    """The topic or list ``node`` belongs to (itself when it is one)."""
    while node is not None and not node.is_root:
        if isinstance(node.data, SCOPES):
            return node
        node = node.parent
    return None


def record_nodes(tree: TopicTree, scope: Node) -> list[Node]:
    """The records shown in ``scope``, in tree order (a topic: landmarks, then its latest list)."""
    if isinstance(scope.data, TopicData | ReviewData):
        tree.ensure_populated(scope)
    nodes = [child for child in scope.children if isinstance(child.data, RecordData)]
    if isinstance(scope.data, TopicData):
        latest = tree.node_by_key(latest_key(scope.data.topic_id))
        if latest is not None:
            nodes += [child for child in latest.children if isinstance(child.data, RecordData)]
    return nodes


def step(
    nodes: list[Node], current: Node | None, unscreened: Callable[[str], bool], backwards: bool
) -> Node | None:
    """The next (or previous) node of ``nodes`` after ``current`` whose record is unscreened."""
    order = nodes[::-1] if backwards else nodes
    start = next((i + 1 for i, node in enumerate(order) if node is current), 0)
    here = current.data.rid if current is not None and isinstance(current.data, RecordData) else ""
    for node in order[start:]:
        data = node.data
        if isinstance(data, RecordData) and data.rid != here and unscreened(data.rid):
            return node
    return None


def scope_title(tree: TopicTree, explorer: Explorer, scope: Node) -> str:
    """What the scope is called: the topic's title, the list's title, "Found this session"."""
    data = scope.data
    if isinstance(data, TopicData):
        topic = tree.source.find(data.topic_id)
        if topic is not None:
            return one_line(topic.title)
    if isinstance(data, GroupData):
        lst = explorer.lists.get(data.key)
        title = (lst.title if lst is not None else None) or GROUP_TITLES.get(data.kind, data.kind)
        return one_line(title)
    return one_line(tree.label_of(scope).plain)


def topic_of(scope: Node | None) -> str | None:
    """The topic a scope lies in (PRISMA counts a topic), or None outside any topic."""
    node = scope
    while node is not None and not node.is_root:
        if isinstance(node.data, TopicData):
            return node.data.topic_id
        node = node.parent
    return None


def view_ids(tree: TopicTree, explorer: Explorer, topics: TopicMap, scope: Node) -> list[str]:
    """The records the screening view lists for ``scope``.

    A topic: its landmarks and the loaded "Latest on PubMed" records, with its sub-topics'; a
    list: every record it loaded (whatever ``S``/``F`` show); otherwise the records below it.
    """
    data = scope.data
    if isinstance(data, TopicData):
        ids: list[str] = []
        stack = [data.topic_id]
        while stack:
            topic = topics.get(stack.pop(0))
            if topic is None:
                continue
            ids += topics.landmark_ids(topic.id)
            latest = explorer.lists.get(latest_key(topic.id))
            ids += latest.ids if latest is not None else []
            stack += [child.id for child in topic.children]
        return list(dict.fromkeys(ids))
    if isinstance(data, GroupData):
        lst = explorer.lists.get(data.key)
        if lst is not None and lst.ids:
            return list(lst.ids)
    return record_ids_under(tree, scope)
