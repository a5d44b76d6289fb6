"""What the explorer's workers bring back: one message per answer of the Library.

Posted by :mod:`mscterm.tui.workers` to the screen (or dialog) that started the work, and
imported by them only when the first answer comes (after the first frame). A list's answer
carries the load ``generation`` it belongs to, so a late answer of an earlier load is dropped.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from mscterm.model import Record
    from mscterm.results import LibraryStatus, TopicCounts


@dataclass
class CacheCounted(Message):
    """What is browsable offline (for the header): shipped seed records, fetched records."""

    shipped: int
    fetched: int


@dataclass
class StatusChanged(Message):
    """The Library's status changed (online/offline, the cache's contents): posted from the
    Library's listener, on whichever thread changed it."""

    status: LibraryStatus


@dataclass(slots=True)
class Page:
    """A page of a list (not a message: what the list answers carry).

    ``every_id`` is the whole answer when the network gives it at once (elink); ``note`` and
    ``warning`` say what stood in for it (the review's references known offline) and why.
    """

    ids: list[str]
    total: int
    every_id: list[str] | None = None
    note: str | None = None
    warning: str | None = None


@dataclass
class TopicLoaded(Message):
    """A topic's newest page and the records of its landmarks and that page.

    ``page`` is None when the search could not run: ``search_error`` says why (None: offline).
    ``fetch_error`` is the fetch's failure; ``shown`` how many records are available.
    """

    topic_id: str
    generation: int
    asked: list[str]
    page: Page | None
    shown: int
    search_error: str | None = None
    fetch_error: str | None = None


@dataclass
class ListLoaded(Message):
    """A page of a list, whose records are in the cache now (or ``error`` says why not).

    ``quiet`` lists (a restore) leave the status line to the round's summary; a ``topic_total``
    list's total also goes on its topic's label (a restored topic's latest page).
    """

    key: str
    generation: int
    page: Page
    append: bool = False
    error: str | None = None
    quiet: bool = False
    topic_total: bool = False


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
