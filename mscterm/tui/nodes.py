"""What each tree node stands for: plain data attached to ``TreeNode.data``.

Every node has a stable ``key`` (a path-like string) so the expanded set and the cursor can be
saved in user state and found again on the next run, even though Textual's node ids change.
"""

from __future__ import annotations

from dataclasses import dataclass

REVIEW_PMID = "22685475"
"""The review the whole map starts from (Wang et al., Stem Cells Int 2012)."""

GROUP_TITLES = {
    "latest": "Latest on PubMed",
    "references": "References",
    "similar": "Similar articles",
    "cited_by": "Cited by",
    "search": "Search",
    "trials": "Registered trials",
    "publications": "Publications",
}
FOUND_KEY = "found"
"""The session node's key: records and searches found outside the curated tree."""
FOUND_TITLE = "Found this session"


@dataclass(slots=True)
class NodeData:
    """Base of all node payloads; ``key`` identifies the node across runs."""

    key: str


@dataclass(slots=True)
class TopicData(NodeData):
    """A topic of the safety map; its children are built from the map and the cache on expand."""

    topic_id: str = ""
    populated: bool = False


@dataclass(slots=True)
class ReviewData(NodeData):
    """The review's own top node (its record, references, similar, cited by)."""

    pmid: str = REVIEW_PMID
    populated: bool = False


@dataclass(slots=True)
class RecordData(NodeData):
    """One reference; ``landmark`` when pinned by the topic it is shown under."""

    rid: str = ""
    landmark: bool = False
    populated: bool = False


@dataclass(slots=True)
class FoundData(NodeData):
    """The session node: records opened by go-to or search, and searches' hits, newest first."""


@dataclass(slots=True)
class GroupData(NodeData):
    """A lazily loaded list; what it holds lives in the explorer's ``ListState`` of the same key.

    ``kind`` is ``latest`` (``owner`` is a topic id), ``references``/``similar``/``cited_by``
    (``owner`` is a PMID), ``search`` (a search's hits under "Found"; ``owner`` its title),
    ``trials`` (a topic's registered trials) or ``publications`` (``owner`` is an NCT id).
    """

    kind: str = ""
    owner: str = ""


@dataclass(slots=True)
class MoreData(NodeData):
    """The "more…" leaf at the end of a paged group."""

    group_key: str = ""


@dataclass(slots=True)
class NoteData(NodeData):
    """A leaf that only says something ("Loading…", "offline: not fetched yet")."""

    text: str = ""


Target = tuple[str, str]
"""What a node stands for: ``("record", id)``, ``("topic", id)`` or ``("group", key)``."""


def target_of(data: NodeData | None) -> Target | None:
    """The record, topic or list a node stands for (None for notes and "more…")."""
    if isinstance(data, RecordData):
        return "record", data.rid
    if isinstance(data, ReviewData):
        return "record", data.pmid
    if isinstance(data, TopicData):
        return "topic", data.topic_id
    if isinstance(data, GroupData):
        return "group", data.key
    return None
