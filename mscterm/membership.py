"""Which cached records belong to which topic: the one topic counter.

A topic's records available offline are its landmarks (pinned, shipped in the seed snapshot)
and the fetched PubMed records in the cache that its rules match (or that it pins). The same
lists answer ``export --topic``, the counts of ``mscterm topics`` and ``cache stats``, and the
topic overview, so every place that says "N records" says the same N.

Built by one pass over the cache on first use (about 1 s per 10,000 records: async callers run
it in a thread), then kept up to date as records arrive.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from mscterm.model import Record
from mscterm.results import TopicSize

if TYPE_CHECKING:
    from mscterm.topics import TopicMap


def newest_first(rid: str) -> int:
    """Sort key: higher PMIDs (newer records) first; non-PMID ids last."""
    return -int(rid) if rid.isdigit() else 0


class Membership:
    """topic id -> ids of the fetched records that belong to it, newest PMID first."""

    def __init__(self, topics: TopicMap, records: Iterable[Record]) -> None:
        self._topics = topics
        self._lock = threading.Lock()
        members: dict[str, list[str]] = {}
        for record in records:
            if record.source != "pubmed":
                continue
            for tid in topics.topics_for(record):
                members.setdefault(tid, []).append(record.id)
        for ids in members.values():
            ids.sort(key=newest_first)
        self._members = members

    def fetched(self, topic_id: str) -> list[str]:
        """Fetched records of a topic (landmarks that were fetched included), newest first."""
        with self._lock:
            return list(self._members.get(topic_id, ()))

    def members(self, topic_id: str) -> list[str]:
        """Every record of a topic available offline: its landmarks first, then the rest."""
        landmarks = self._topics.landmark_ids(topic_id)
        pinned = set(landmarks)
        return landmarks + [rid for rid in self.fetched(topic_id) if rid not in pinned]

    def size(self, topic_id: str) -> TopicSize:
        """The one topic counter (see :class:`~mscterm.results.TopicSize`)."""
        landmarks = self._topics.landmark_ids(topic_id)
        fetched = self.fetched(topic_id)
        pinned = set(landmarks)
        others = sum(1 for rid in fetched if rid not in pinned)
        return TopicSize(landmarks=len(landmarks), fetched=len(fetched), total=len(pinned) + others)

    def sizes(self) -> dict[str, TopicSize]:
        """:meth:`size` of every topic of the map."""
        return {topic.id: self.size(topic.id) for topic in self._topics.walk()}

    def note(self, records: Iterable[Record]) -> None:
        """Add newly stored records to the lists of the topics they belong to."""
        for record in records:
            if record.source != "pubmed":
                continue
            tids = self._topics.topics_for(record)
            with self._lock:
                for tid in tids:
                    ids = self._members.setdefault(tid, [])
                    if record.id not in ids:
                        ids.append(record.id)
                        ids.sort(key=newest_first)


class LazyMembership:
    """:class:`Membership` built on first use (one pass over the cache), then kept current.

    Several threads may ask at once (the TUI builds it in a worker while the screen asks for
    a topic's records): one builds, the others wait for it.
    """

    def __init__(
        self, topics: Callable[[], TopicMap], records: Callable[[], Iterable[Record]]
    ) -> None:
        self._topics = topics
        self._records = records
        self._built: Membership | None = None
        self._lock = threading.Lock()
        self._arrivals: list[Record] | None = None
        """Records stored while a build runs (it may have listed the cache before them)."""
        self._arrivals_lock = threading.Lock()

    def get(self) -> Membership:
        """The membership, built now if it was not (may raise the store's ``OSError``)."""
        with self._lock:
            if self._built is not None:
                return self._built
            with self._arrivals_lock:
                self._arrivals = []
            try:
                built = Membership(self._topics(), self._records())
            except BaseException:
                with self._arrivals_lock:
                    self._arrivals = None
                raise
            with self._arrivals_lock:
                arrived, self._arrivals = self._arrivals or [], None
                self._built = built
            built.note(arrived)
            return built

    async def load(self) -> None:
        """Build it off the event loop (about 1 s per 10,000 cached records)."""
        if self._built is None:
            import asyncio

            self._topics()  # the map loads on the caller's thread first
            await asyncio.to_thread(self.get)

    def note(self, records: Iterable[Record]) -> None:
        """New records stored: add them to the built membership, or to the one being built."""
        with self._arrivals_lock:
            built = self._built
            if built is None:
                if self._arrivals is not None:
                    self._arrivals.extend(records)
                return
        built.note(records)

    def reset(self) -> None:
        """The cache changed wholesale (cleared, imported, repaired): rebuild on next use."""
        with self._lock:
            self._built = None

    def landmarks_only(self) -> Membership:
        """A membership of the landmarks alone, for when the cache cannot be read."""
        return Membership(self._topics(), ())
