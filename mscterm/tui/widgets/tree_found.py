"""The tree's "Found this session" node: records opened outside the curated tree, and searches.

Go-to and search open records that the topic map may not hold; they gather here (newest first)
so the person can come back to them, mark them and follow their links like any other record.
A search's hits are kept as a list of their own. What the node holds lives in the explorer
(:attr:`Explorer.found <mscterm.tui.explorer.Explorer.found>`), so a rebuild (the ``f`` filter)
puts it back. Functions over :class:`~mscterm.tui.widgets.topic_tree.TopicTree`'s public methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets.tree import TreeNode

from mscterm.tui.nodes import FOUND_KEY, FOUND_TITLE, FoundData, GroupData, NodeData
from mscterm.tui.widgets import tree_lists

if TYPE_CHECKING:
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.widgets.topic_tree import TopicTree

Node = TreeNode[NodeData]


def found_node(tree: TopicTree) -> Node:
    """The session node (created, last at the top level, the first time it is needed)."""
    node = tree.node_by_key(FOUND_KEY)
    if node is None:
        node = tree.add_node(tree.root, Text(FOUND_TITLE, style="bold"), FoundData(key=FOUND_KEY))
    return node


def add(tree: TopicTree, explorer: Explorer, kind: str, key: str) -> str:
    """Put a found record (``key``: its id) or search list (``key``: the list's) first under
    "Found"; returns the key of its node."""
    parent = found_node(tree)
    if kind == "record":
        node_key = f"{FOUND_KEY}/{key}"
        if tree.node_by_key(node_key) is None:
            tree.add_record(parent, key, first=True)
        return node_key
    lst = explorer.lists[key]
    old = tree.node_by_key(key)
    if old is not None:
        tree.remove_node(old)
    group = GroupData(key=key, kind=lst.kind, owner=lst.owner)
    node = tree.add_node(parent, tree_lists.list_label(lst), group, first=True)
    tree_lists.fill(tree, node, lst)
    return key


def show(tree: TopicTree, explorer: Explorer, kind: str, key: str) -> str:
    """:func:`add`, with the session node opened."""
    node_key = add(tree, explorer, kind, key)
    found_node(tree).expand()
    return node_key
