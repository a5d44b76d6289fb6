"""What the topic tree tells the screen: the person moved, opened, asked for more, marked.

Each message carries what it is about -- its tree (as ``control``), the node, and the record,
topic or list the node stands for -- so a handler needs no lookup and no ``isinstance`` on tree
payloads. Messages go up; the screen then drives the widgets with method calls. What the
workers bring back is in :mod:`mscterm.tui.answers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.widgets.tree import TreeNode

    from mscterm.tui.nodes import NodeData
    from mscterm.tui.widgets.topic_tree import TopicTree


@dataclass
class TreeMessage(Message):
    """Something happened at a node of the topic tree."""

    tree: TopicTree
    node: TreeNode[NodeData]

    @property
    def control(self) -> TopicTree:
        return self.tree


@dataclass
class RecordHighlighted(TreeMessage):
    """The cursor is on a reference (or the review)."""

    rid: str


@dataclass
class TopicHighlighted(TreeMessage):
    """The cursor is on a topic."""

    topic_id: str


@dataclass
class GroupHighlighted(TreeMessage):
    """The cursor is on a list (latest, references, similar, cited by)."""

    key: str


@dataclass
class NoteHighlighted(TreeMessage):
    """The cursor is on a leaf that only says something ("more…", "(none)", a note)."""

    text: str


@dataclass
class TopicOpened(TreeMessage):
    """A topic was expanded by the person: its latest PubMed page may need loading."""

    topic_id: str


@dataclass
class GroupRequested(TreeMessage):
    """A list was expanded (``append`` False) or its "more…" chosen (``append`` True)."""

    key: str
    append: bool = False


@dataclass
class RecordOpened(TreeMessage):
    """Enter on a reference: read it (the pane takes the keys)."""

    rid: str


@dataclass
class MarkToggled(TreeMessage):
    """These ids were just marked or unmarked in the shared mark set: persist and show it."""

    rids: list[str]


@dataclass
class ExpansionChanged(TreeMessage):
    """The person expanded or collapsed a node: the saved position should follow."""


FOUND_NOTE = "Records opened by go-to or search, and searches' hits, this session."


def highlight_of(
    tree: TopicTree, node: TreeNode[NodeData], label: Callable[[], str]
) -> TreeMessage | None:
    """The message saying the cursor is on ``node`` (``label`` gives the node's text)."""
    from mscterm.tui import nodes as n

    data = node.data
    if isinstance(data, n.RecordData):
        return RecordHighlighted(tree, node, data.rid)
    if isinstance(data, n.ReviewData):
        return RecordHighlighted(tree, node, data.pmid)
    if isinstance(data, n.TopicData):
        return TopicHighlighted(tree, node, data.topic_id)
    if isinstance(data, n.GroupData):
        return GroupHighlighted(tree, node, data.key)
    if isinstance(data, n.MoreData):
        return NoteHighlighted(tree, node, "Press enter to load the next page.")
    if isinstance(data, n.NoteData):
        return NoteHighlighted(tree, node, data.text or label())
    if isinstance(data, n.FoundData):
        return NoteHighlighted(tree, node, FOUND_NOTE)
    return None
