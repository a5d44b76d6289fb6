"""A list in the topic tree: its label, what it says while loading, its records and "more…".

The list's content is the explorer's :class:`~mscterm.tui.explorer.ListState`; these functions
put it under the list's node through the tree's node primitives (add, clear children), so the
index beside the tree stays true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets.tree import TreeNode

from mscterm.tui.explorer import LOADED, LOADING, ListState
from mscterm.tui.nodes import GROUP_TITLES, GroupData, MoreData, NodeData, NoteData

if TYPE_CHECKING:
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.widgets.topic_tree import TopicTree

Node = TreeNode[NodeData]
NOTE_STYLE = "dim italic"


def list_label(lst: ListState) -> Text:
    """``Latest on PubMed (1,234)``: the list's title and, once known, its total."""
    label = Text(GROUP_TITLES.get(lst.kind, lst.kind), style="italic")
    if lst.total is not None:
        label.append(f" ({lst.total:,})", style="dim")
    return label


def add_list(tree: TopicTree, explorer: Explorer, parent: Node, kind: str, owner: str) -> Node:
    """A list's node under ``parent`` (with its records if it loaded before)."""
    key = f"{parent.data.key if parent.data else ''}/{kind}"
    lst = explorer.list_for(key, kind, owner)
    node = tree.add_node(parent, list_label(lst), GroupData(key=key, kind=kind, owner=owner))
    if lst.state == LOADED:
        fill(tree, node, lst)
    return node


def show_state(tree: TopicTree, lst: ListState) -> None:
    """A list is loading / failed / idle: its label, and a note under it while it is empty."""
    node = tree.node_by_key(lst.key)
    if node is None:
        return
    if not lst.ids:
        tree.clear_children(node)
        text = lst.note or ("Loading…" if lst.state == LOADING else "")
        if text:
            data = NoteData(key=f"{lst.key}/note", text=text)
            tree.add_node(node, Text(text, style=NOTE_STYLE), data, expand=False)
    node.set_label(list_label(lst))


def fill(tree: TopicTree, node: Node, lst: ListState) -> None:
    """The list's records under its node, then its note (or "(none)"), then "more…"."""
    tree.clear_children(node)
    for rid in lst.ids:
        tree.add_record(node, rid)
    note_key = f"{lst.key}/note"
    if lst.note:
        note = NoteData(key=note_key, text=lst.note)
        tree.add_node(node, Text(lst.note, style=NOTE_STYLE), note, expand=False)
    elif not lst.ids:
        tree.add_node(node, Text("(none)", style=NOTE_STYLE), NoteData(key=note_key), expand=False)
    if lst.total is not None and lst.has_more:
        more = MoreData(key=f"{lst.key}/more", group_key=lst.key)
        text = Text(f"more… ({len(lst.ids):,} of {lst.total:,})", style="italic")
        tree.add_node(node, text, more, expand=False)
