"""Which cached records belong to which topic: the one topic counter.

A topic's records available offline are its landmarks (pinned, shipped in the seed snapshot)
and the fetched PubMed records in the cache that its rules match (or that it pins). The same
lists answer ``export --topic``, the counts of ``mscterm topics`` and ``cache stats``, PRISMA's
``database_results`` and the topic overview, so every place that says "N records" says the same N.

How it is known: when a record is stored, the store's labeler (:class:`TopicLabeler`) files it
under its topics in the search index, one ``meta`` token per topic, so a topic's members are one
posting list (counted in milliseconds, listed in tens of ms for 100,000 records), current for
every process that shares the cache. The index remembers which rules labelled it
(:func:`labels_version`); other rules make it stale, and it is rebuilt like after a schema change.

When the index cannot answer (busy, unwritable, no index), membership is built the old way: one
pass over the cache that matches every record (about 1 s per 10,000 records), said as a warning
in the store's warnings, and then kept current as records arrive in this process.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mscterm import resources
from mscterm.model import Record
from mscterm.results import TopicSize

if TYPE_CHECKING:
    from mscterm.topics import TopicMap

RULES_VERSION = 1
"""Bump when what decides membership changes outside the files :func:`labels_version` hashes."""


def newest_first(ids: Iterable[str]) -> list[str]:
    """Higher PMIDs (newer records) first, then non-PMID ids by id: one order whatever order
    the ids came in (the index's is by date, the cache's by storage)."""
    ids = list(ids)
    pmids = sorted((rid for rid in ids if rid.isdigit()), key=int, reverse=True)
    return pmids + sorted(rid for rid in ids if not rid.isdigit())


def labels_files() -> tuple[Path, ...]:
    """What files records under topics: the topic map (rules, landmarks), the seed snapshot
    (sub-topics file landmarks by their seed records), and the matching and pinning code."""
    from mscterm.topics import rules, topicmap

    code = (Path(rules.__file__), Path(topicmap.__file__))
    return (resources.topics_path(), resources.seed_records_path(), *code)


def labels_version(files: Iterable[Path] | None = None) -> str:
    """A hash of :func:`labels_files` (or ``files``): the index's labels are those rules'."""
    import hashlib  # only when the labels' version is needed, not at start-up

    digest = hashlib.blake2b(f"rules {RULES_VERSION}".encode(), digest_size=12)
    for path in labels_files() if files is None else files:
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(f"unreadable {path.name}".encode())
        digest.update(b"\x00")
    return digest.hexdigest()


class TopicLabeler:
    """The store's labeler: the topics a fetched record belongs to (citation-level records are
    landmarks' seed copies: they count as landmarks, never as fetched members).

    Both parts are lazy: the store opens before the topic map loads (the map files landmarks
    with the store's seed records), and ``lookup`` never indexes, so never hashes.
    """

    def __init__(self, topics: Callable[[], TopicMap], files: Iterable[Path] | None = None):
        self._topics = topics
        self._files = None if files is None else tuple(files)

    @functools.cached_property
    def version(self) -> str:
        """:func:`labels_version` of the shipped files (or of ``files``)."""
        return labels_version(self._files)

    def __call__(self, record: Record) -> list[str]:
        return self._topics().topics_for(record) if record.source == "pubmed" else []


class LabelSource(Protocol):
    """What the store answers about labelled records (None: it cannot tell)."""

    def labelled(self, label: str) -> list[str] | None: ...

    def label_counts(
        self, wanted: Mapping[str, Iterable[str]]
    ) -> dict[str, tuple[int, int]] | None: ...


class Membership:
    """topic id -> ids of the fetched records that belong to it, by one pass over ``records``."""

    def __init__(self, topics: TopicMap, records: Iterable[Record]) -> None:
        self._topics = topics
        self._lock = threading.Lock()
        members: dict[str, list[str]] = {}
        for record in records:
            if record.source != "pubmed":
                continue
            for tid in topics.topics_for(record):
                members.setdefault(tid, []).append(record.id)
        self._members = {tid: newest_first(ids) for tid, ids in members.items()}

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
                    ids = self._members.get(tid, [])
                    if record.id not in ids:
                        self._members[tid] = newest_first([*ids, record.id])


class IndexedMembership(Membership):
    """The same answers as :class:`Membership`, read from the store's index at each call (so
    records stored by any process count at once); ``fallback`` when the index cannot answer."""

    def __init__(
        self, topics: TopicMap, source: LabelSource, fallback: Callable[[], Membership]
    ) -> None:
        super().__init__(topics, ())
        self._source = source
        self._fallback = fallback

    def fetched(self, topic_id: str) -> list[str]:
        ids = self._source.labelled(topic_id)
        return self._fallback().fetched(topic_id) if ids is None else newest_first(ids)

    def _sizes(self, topic_ids: Iterable[str]) -> dict[str, TopicSize] | None:
        landmarks = {tid: self._topics.landmark_ids(tid) for tid in topic_ids}
        counts = self._source.label_counts(landmarks)
        if counts is None:
            return None
        sizes = {}
        for tid, pins in landmarks.items():
            fetched, pinned_fetched = counts[tid]
            total = len(set(pins)) + fetched - pinned_fetched
            sizes[tid] = TopicSize(landmarks=len(pins), fetched=fetched, total=total)
        return sizes

    def size(self, topic_id: str) -> TopicSize:
        sizes = self._sizes([topic_id])
        return self._fallback().size(topic_id) if sizes is None else sizes[topic_id]

    def sizes(self) -> dict[str, TopicSize]:
        sizes = self._sizes(topic.id for topic in self._topics.walk())
        return self._fallback().sizes() if sizes is None else sizes

    def note(self, records: Iterable[Record]) -> None:
        """Nothing to do: the store filed them in the index when it stored them."""


class LazyMembership:
    """The Library's membership: from the store's index when it can answer, else
    :class:`Membership` built on first use (one pass over the cache), then kept current.

    Several threads may ask at once (the TUI loads it in a worker while the screen asks for a
    topic's records): one builds, the others wait for it.
    """

    def __init__(
        self,
        topics: Callable[[], TopicMap],
        records: Callable[[], Iterable[Record]],
        labels: Callable[[], LabelSource | None] | None = None,
    ) -> None:
        self._topics = topics
        self._records = records
        self._labels = labels
        self.labeler = TopicLabeler(topics)
        """What the store files records under (the map is loaded on the first record)."""
        self._index_failed = False
        """The index could not answer once: the full pass answers until :meth:`reset`."""
        self._loaded = False
        self._built: Membership | None = None
        self._lock = threading.Lock()
        self._arrivals: list[Record] | None = None
        """Records stored while a build runs (it may have listed the cache before them)."""
        self._arrivals_lock = threading.Lock()

    def get(self) -> Membership:
        """The membership (may raise the store's ``OSError``)."""
        source = None if self._index_failed or self._labels is None else self._labels()
        if source is None:
            return self._full()
        return IndexedMembership(self._topics(), source, self._fall_back)

    def _fall_back(self) -> Membership:
        self._index_failed = True
        return self._full()

    def _full(self) -> Membership:
        """The membership by one pass over the cache, built now if it was not."""
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
        """Open the index (relabelled if the rules changed) or build the membership, off the
        event loop: the first answer may take a while, the later ones do not."""
        if not self._loaded:
            import asyncio

            self._topics()  # the map loads on the caller's thread first
            await asyncio.to_thread(lambda: self.get().sizes())
            self._loaded = True

    def note(self, records: Iterable[Record]) -> None:
        """New records stored: add them to the built membership, or to the one being built
        (the index has them already)."""
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
            self._index_failed = False

    def landmarks_only(self) -> Membership:
        """A membership of the landmarks alone, for when the cache cannot be read."""
        return Membership(self._topics(), ())
