"""A list in the topic tree: its label, what it says while loading, its records and "more…".

The list's content is the explorer's :class:`~mscterm.tui.explorer.ListState`; these functions
put it under the list's node through the tree's node primitives (add, clear children), so the
index beside the tree stays true.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets.tree import TreeNode

from mscterm.listing import arrange, describe
from mscterm.model import is_trial_id
from mscterm.tui.explorer import LOADED, LOADING, ListState
from mscterm.tui.nodes import (
    GROUP_TITLES,
    GroupData,
    MoreData,
    NodeData,
    NoteData,
    RecordData,
    ReviewData,
    TopicData,
)

if TYPE_CHECKING:
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.widgets.topic_tree import TopicTree

Node = TreeNode[NodeData]
NOTE_STYLE = "dim italic"


def list_label(lst: ListState, shown: int | None = None) -> Text:
    """``Latest on PubMed (1,234)``: the list's title and, once known, its total; arranged by
    ``S``/``F``: ``(3 shown of 20 · newest · RCT)``."""
    title = lst.title or GROUP_TITLES.get(lst.kind, lst.kind)
    label = Text(title, style="italic")
    how = describe(lst.sort, lst.only)
    if lst.total is not None and (how or (shown is not None and shown != len(lst.ids))):
        count = shown if shown is not None else len(lst.ids)
        label.append(f" ({count:,} shown of {lst.total:,}" + (f" · {how})" if how else ")"))
    elif lst.total is not None:
        label.append(f" ({lst.total:,})", style="dim")
    return label


LINKS = ("references", "similar", "cited_by")
"""The lists under every record that has a PMID (and under the review)."""
TRIAL_LINKS = ("publications",)
"""The list under every registered trial (its references and the records naming it)."""


def populate(tree: TopicTree, explorer: Explorer, node: Node) -> None:
    """The children a node shows before anything is fetched: a topic's landmarks, sub-topics,
    latest list and registered trials (when it has a trials query); the review's record and
    links; a record's links, a trial's publications (cache/seed only)."""
    data = node.data
    if isinstance(data, TopicData) and not data.populated:
        data.populated = True
        topic = tree.source.find(data.topic_id)
        if topic is None:
            return
        for rid in tree.source.landmark_ids(topic.id):
            tree.add_record(node, rid, landmark=True)
        for child in topic.children:
            tree.add_topic(node, child)
        add_list(tree, explorer, node, "latest", topic.id)
        if topic.trials_query is not None:
            add_list(tree, explorer, node, "trials", topic.id)
    elif isinstance(data, ReviewData) and not data.populated:
        data.populated = True
        tree.add_record(node, data.pmid)
        for kind in LINKS:
            add_list(tree, explorer, node, kind, data.pmid)
    elif isinstance(data, RecordData) and not data.populated and node.allow_expand:
        data.populated = True
        for kind in TRIAL_LINKS if is_trial_id(data.rid) else LINKS:
            add_list(tree, explorer, node, kind, data.rid)


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
    """The list's records (as ``S``/``F`` arranged them) under its node, then its note (or
    "(none)"), then "more…"."""
    tree.clear_children(node)
    arranged = lst.sort != "as listed" or lst.only != "all"
    found = tree.source.many(lst.ids) if arranged else {}  # one read, not one per record
    shown = arrange(lst.ids, found.get, sort=lst.sort, only=lst.only)
    for rid in shown.ids:
        tree.add_record(node, rid)
    node.set_label(list_label(lst, shown.shown))
    note_key = f"{lst.key}/note"
    if lst.note:
        note = NoteData(key=note_key, text=lst.note)
        tree.add_node(node, Text(lst.note, style=NOTE_STYLE), note, expand=False)
    elif not shown.ids:
        none = (
            "(none)"
            if not lst.ids
            else f"(none of {len(lst.ids):,} is {describe('as listed', lst.only)})"
        )
        tree.add_node(node, Text(none, style=NOTE_STYLE), NoteData(key=note_key), expand=False)
    if lst.total is not None and lst.has_more:
        more = MoreData(key=f"{lst.key}/more", group_key=lst.key)
        text = Text(f"more… ({len(lst.ids):,} of {lst.total:,})", style="italic")
        tree.add_node(node, text, more, expand=False)
