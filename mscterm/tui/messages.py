"""The explorer's messages: what the tree tells the screen, and what the workers bring back.

Each message carries what it is about (a tree message its tree and node, as ``control``), so a
handler needs no lookup and no ``isinstance`` on tree payloads. Messages go up; the screen then
drives the widgets with method calls. Worker messages are posted to the screen (or the search
dialog) that started the work; a list's answer carries the load ``generation`` it belongs to, so a
late answer of an earlier load is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from textual.widgets.tree import TreeNode

    from mscterm.model import Record
    from mscterm.results import TopicCounts
    from mscterm.tui.nodes import NodeData
    from mscterm.tui.widgets.topic_tree import TopicTree


# -- from the tree ---------------------------------------------------------------------------------
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


# -- from the workers ------------------------------------------------------------------------------
@dataclass
class CacheCounted(Message):
    """The number of records in the disk cache (for the header)."""

    count: int


@dataclass
class TopicLoaded(Message):
    """A topic's newest page and the records of its landmarks and that page.

    ``page`` is None when the search could not run: ``search_error`` says why (None: offline).
    ``fetch_error`` is the fetch's failure; ``shown`` how many records are available.
    """

    topic_id: str
    generation: int
    asked: list[str]
    page: list[str] | None
    total: int | None
    shown: int
    search_error: str | None = None
    fetch_error: str | None = None


@dataclass
class ListLoaded(Message):
    """A page of a list, whose records are in the cache now (or ``error`` says why not).

    ``warning`` is a failure worked around (the review's references known offline); ``quiet``
    lists (a restore) leave the status line to the round's summary.
    """

    key: str
    generation: int
    ids: list[str]
    total: int
    append: bool = False
    note: str | None = None
    every_id: list[str] | None = None
    error: str | None = None
    warning: str | None = None
    quiet: bool = False
    topic_total: bool = False
    """``total`` also goes on the topic's label (a restored topic's latest page)."""


@dataclass
class ListFailed(Message):
    """A list could not load: ``note`` goes under it; ``error`` (None when offline) is told."""

    key: str
    generation: int
    note: str
    error: str | None = None


@dataclass
class ListCancelled(Message):
    """A list's load was cancelled (another one replaced it)."""

    key: str
    generation: int


@dataclass
class RestoreRoundDone(Message):
    """One level of the restored lists is loaded; ``errors`` were met on the way."""

    asked: list[str]
    errors: list[str] = field(default_factory=list)


@dataclass
class RestoreFinished(Message):
    """The restore stopped (``error`` when it broke off)."""

    error: str | None = None


@dataclass
class RecordFetched(Message):
    """The highlighted record's full record was asked for."""

    rid: str
    found: bool
    error: str | None = None
    answered: bool = True
    """False when the call itself broke (then ``error`` is all there is to show)."""


@dataclass
class Prefetched(Message):
    """Siblings of the highlighted record were fetched ahead."""

    rids: list[str]
    error: str | None = None


@dataclass
class CountsArrived(Message):
    """A topic's PubMed counts (for the overview and the topic's label)."""

    topic_id: str
    counts: TopicCounts


@dataclass
class Exported(Message):
    """The marked references were written; ``sentence`` says where."""

    sentence: str


@dataclass
class WorkFailed(Message):
    """Work in the background failed: one sentence for the notification and status line."""

    sentence: str


@dataclass
class StatusNote(Message):
    """A sentence for the status line."""

    sentence: str
    error: bool = False


@dataclass
class PubmedPage(Message):
    """A page of PubMed hits for the search dialog (``error``: some records did not arrive)."""

    query: str
    retstart: int
    ids: list[str]
    count: int
    records: list[Record]
    error: str | None = None
