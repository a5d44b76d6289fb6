"""The Library: the one facade between the user interfaces (CLI, TUI) and the data.

Callers ask for records, links, searches, topic facts, registered trials and cache upkeep; the
Library answers from the store when it can and goes to the E-utilities (or ClinicalTrials.gov)
only for what is missing, storing what arrives before handing it back. Every call that may
touch the network or write the cache returns a result object (:mod:`mscterm.results`) instead
of raising: what is known is always returned, with one plain sentence and a
:class:`~mscterm.results.Problem` saying what could not be done. Online/offline lives in one
place (:class:`~mscterm.library.connection.Connection`). Nothing heavy is imported until it is
needed, so ``lookup`` and ``trial`` on a warm cache stay light.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, TypeVar

from mscterm.config import Settings
from mscterm.library.connection import Connection, Listener
from mscterm.library.failures import storage_failure as _storage
from mscterm.library.housekeeping import CacheUpkeep
from mscterm.library.localsearch import LocalSearch
from mscterm.library.membership import LabelSource, LazyMembership
from mscterm.library.pubmed import PubMed
from mscterm.library.trialpubs import NAMING_MAX, TrialRegistry
from mscterm.model import Record
from mscterm.resources import seed_records_path
from mscterm.results import (
    Answer,
    CacheCheck,
    CacheCounts,
    CacheStats,
    Fetched,
    ImportCounts,
    LibraryStatus,
    LocalHits,
    SearchPage,
    TopicCounts,
    TopicSize,
)

if TYPE_CHECKING:
    from mscterm.ctgov.client import CTGovClient
    from mscterm.ncbi.client import EUtilsClient
    from mscterm.screening import Screening
    from mscterm.state import UserState
    from mscterm.store import RecordStore
    from mscterm.topics import Topic, TopicMap

ProgressCallback = Callable[[int, int], None]
T = TypeVar("T")


def _today(days_ago: int = 0) -> str:
    return (_dt.date.today() - _dt.timedelta(days=days_ago)).strftime("%Y/%m/%d")


class Library:
    """Records, links, searches, topics, trials and cache upkeep for the CLI and the TUI."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: RecordStore | None = None,
        client_factory: Callable[[], EUtilsClient] | None = None,
        trials_factory: Callable[[], CTGovClient] | None = None,
    ) -> None:
        self.settings = settings
        self._connection = Connection(settings, client_factory, trials_factory)
        self._store = store
        self._topics: TopicMap | None = None
        self._state: UserState | None = None
        self._members = LazyMembership(lambda: self.topics, self._disk_records, self._labelled)
        self._pubmed = PubMed(lambda: self.store, self._connection, self._known_references)
        self._local = LocalSearch(lambda: self.store)
        self._upkeep = CacheUpkeep(
            lambda: self.store, lambda: self.topics, self._members, self._connection.changed
        )
        # Registered trials (library.trials, library.trialpubs): ``registry`` answers every
        # trial question; those the UIs ask most are bound here under the Library's names.
        self.registry = TrialRegistry(
            lambda: self.store, self._connection, lambda: self.topics, records=self.records,
            search=lambda term: self.search_pubmed(term, retmax=NAMING_MAX),
        )  # fmt: skip
        self.trials = self.registry.trials
        self.cached_trials = self.registry.cached
        self.cached_trial = self.registry.cached_trial
        self.topic_trials = self.registry.topic_trials
        self.topic_trial_count = self.registry.topic_trial_count
        self.trial_publications = self.registry.publications

    # -- online/offline, and telling the UI ----------------------------------------------------
    @property
    def offline(self) -> bool:
        """Offline by choice (settings, the palette) or since a network failure."""
        return self._connection.offline

    @offline.setter
    def offline(self, value: bool) -> None:
        self._connection.set_offline(value)

    @property
    def status(self) -> LibraryStatus:
        """Offline or not and why, with a version that grows on every change."""
        return self._connection.status

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Hear every change of :attr:`status` (on the changing thread); returns the remover."""
        return self._connection.add_listener(listener)

    def _stamp(self, answer: Answer[T]) -> Answer[T]:
        answer.offline = self.offline
        return answer

    # -- the parts, opened on first use --------------------------------------------------------
    @property
    def store(self) -> RecordStore:
        """The record store (for the Library's own modules and tests; the UI calls methods)."""
        if self._store is None:
            from mscterm.store import RecordStore

            self._store = RecordStore(
                self.settings.cache_dir, seed_records_path(), labeler=self._members.labeler
            )
        return self._store

    def open(self) -> Answer[None]:
        """Open the cache now; the answer says in one sentence why it cannot be used."""
        try:
            warnings = list(self.store.warnings)
        except OSError as exc:
            return self._connection.answer(None, _storage(exc))
        return self._connection.answer(None, warnings=warnings)

    def _cache_exists(self) -> bool:
        return self._store is not None or self.settings.cache_dir.is_dir()

    def _disk_records(self) -> Iterable[Record]:
        return self.store.iter_records() if self._cache_exists() else ()

    def _labelled(self) -> LabelSource | None:
        return self.store if self._cache_exists() else None

    @property
    def topics(self) -> TopicMap:
        """The MSC safety topic map (reading it never creates a cache)."""
        if self._topics is None:
            from mscterm.topics import load_topics

            seed = None  # without a usable cache, load_topics reads the seed snapshot itself
            if self._cache_exists():
                try:  # the store parses the seed anyway: share it, parse once
                    seed = {rec.id: rec for rec in self.store.seed_records()}
                except OSError:
                    seed = None
            self._topics = load_topics(landmark_records=seed)
        return self._topics

    @property
    def state(self) -> UserState:
        """Marks, expanded nodes, cursor, topic visits, pinned citation keys."""
        if self._state is None:
            from mscterm.state import UserState

            self._state = UserState(self.settings.state_dir)
        return self._state

    @property
    def screening(self) -> Screening:
        """Reviewers' decisions, notes and tags, duplicates, conflicts and PRISMA counts."""
        service = self.__dict__.get("_screening")
        if service is None:
            from mscterm.screening import LibrarySource, Screening

            service = Screening(
                self.settings.state_dir,
                LibrarySource(self),
                reviewer=self.settings.reviewer,
                exclusion_reasons=self.settings.exclusion_reasons,
            )
            self.__dict__["_screening"] = service
        return service

    @property
    def warnings(self) -> list[str]:
        """Problems met and worked around (a damaged cache moved aside, …); see :meth:`open`."""
        try:
            return list(self.store.warnings)
        except OSError:
            return []

    def _known_references(self, pmid: str) -> list[str]:
        """References known without the network: the review's, from the seed snapshot."""
        from mscterm.topics import REVIEW_ID

        return list(self.topics.review_references) if pmid == REVIEW_ID else []

    async def aclose(self) -> None:
        """Close the network client, then the store."""
        await self._connection.aclose()
        self.close()

    def close(self) -> None:
        """Close the store and the search indexes (enough for work that never went online)."""
        if self._store is not None:
            self._store.close()

    async def __aenter__(self) -> Library:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- records -------------------------------------------------------------------------------
    def get(self, rid: str) -> Record | None:
        """The best record the cache or the seed has (a resolved seed id gives the PubMed one).

        None as well when the cache cannot be read: :meth:`open` and :meth:`records` say why.
        """
        try:
            return self.store.get(rid)
        except OSError:
            return None

    def cached(self, rids: Iterable[str]) -> dict[str, Record]:
        """Every id of ``rids`` the cache or seed has, keyed by the asked id (no network)."""
        try:
            return self.store.get_many(list(rids))
        except OSError:
            return {}

    async def records(
        self,
        rids: Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        refresh: bool = False,
    ) -> Fetched:
        """Records for ``rids``: cached at once, the rest fetched in batches (and resolved)."""
        from mscterm.library.fetching import fetch_records

        return await fetch_records(
            lambda: self.store, self._connection, rids, progress=progress, refresh=refresh,
            stored=self._stored,
        )  # fmt: skip

    def _stored(self, records: list[Record]) -> None:
        self._members.note(records)
        self.registry.links.note(records)
        self._connection.changed()

    async def resolve(self, rid: str) -> Answer[Record | None]:
        """The PubMed record of a ``doi:``/``cite:`` id (None when there is no unique match)."""
        got = await self.records([rid])
        record = got.records.get(rid)
        value = record if record is not None and record.is_full else None
        return Answer(value, got.error, got.problem, got.offline, got.warnings)

    # -- links and searches --------------------------------------------------------------------
    async def related(self, pmid: str, kind: str, *, refresh: bool = False) -> Answer[list[str]]:
        """``similar``, ``cited_by`` or ``references`` of a PMID; what is known on failure."""
        return await self._pubmed.related(pmid, kind, refresh=refresh)

    async def search_pubmed(
        self,
        query: str,
        *,
        retstart: int = 0,
        retmax: int = 20,
        sort: str | None = "pub_date",
        refresh: bool = False,
    ) -> Answer[SearchPage]:
        """One page of a PubMed esearch (newest first by default), kept for a day."""
        return await self._pubmed.search(
            query, retstart=retstart, retmax=retmax, sort=sort, refresh=refresh
        )

    def search_local(
        self, query: str, limit: int = 20, *, prefix_last: bool = False
    ) -> Answer[LocalHits]:
        """Offline search: the cache's index, then the seed snapshot (same query language);
        ``prefix_last`` for type-ahead (the word or filter value being typed is a prefix)."""
        return self._stamp(self._local.search(query, limit, prefix_last=prefix_last))

    def query_help(self) -> str:
        """The local search syntax, for help screens."""
        from mscterm.store import QUERY_HELP

        return QUERY_HELP

    # -- topics --------------------------------------------------------------------------------
    def _topic(self, topic_id: str) -> Topic:
        topic = self.topics.get(topic_id)
        if topic is None:
            raise KeyError(topic_id)
        return topic

    async def load_membership(self) -> None:
        """Build topic membership off the event loop (the UI calls this once, early)."""
        await self._members.load()

    def topic_members(self, topic_id: str) -> list[str]:
        """Record ids under a topic: its landmarks first, then cached records it matches."""
        self._topic(topic_id)
        return self._members.get().members(topic_id)

    def topic_sizes(self) -> Answer[dict[str, TopicSize]]:
        """The one topic counter for every topic (landmarks alone if the cache is unreadable)."""
        try:
            return self._connection.answer(self._members.get().sizes())
        except OSError as exc:
            return self._connection.answer(self._members.landmarks_only().sizes(), _storage(exc))

    def mark_visited(self, topic_id: str) -> None:
        """Remember today as the last visit of a topic (for 'new since last visit')."""
        self.state.record_visit(topic_id, _today())

    async def topic_latest(
        self, topic_id: str, *, retstart: int = 0, retmax: int = 50, refresh: bool = False
    ) -> Answer[SearchPage]:
        """The newest PubMed records of a topic's query (one esearch page, kept a day)."""
        query = self._topic(topic_id).query
        return await self.search_pubmed(
            query, retstart=retstart, retmax=retmax, sort="pub_date", refresh=refresh
        )

    def known_topic_count(self, topic_id: str) -> int | None:
        """The topic's PubMed count if it was fetched today or yesterday (no network)."""
        return self._pubmed.known_count(self._topic(topic_id).query, _today(), _today(1))

    async def topic_counts(self, topic_id: str, *, refresh: bool = False) -> TopicCounts:
        """The one counter's numbers, and PubMed's: two esearch counts, kept a day.

        "New since the last visit" counts entries (``edat``) from the previous visit's day;
        the caller records the current visit with :meth:`mark_visited` once it has shown them.
        """
        topic = self._topic(topic_id)
        try:
            await self._members.load()
            size = self._members.get().size(topic_id)
        except OSError:
            size = self._members.landmarks_only().size(topic_id)
        since = self.state.last_visit(topic_id)
        answer = await self._pubmed.counts(topic.query, _today(), since, refresh=refresh)
        on_pubmed, new = answer.value
        return TopicCounts(
            landmarks=size.landmarks, cached=size.total, on_pubmed=on_pubmed,
            new_since_visit=new, last_visit=since, error=answer.error, problem=answer.problem,
            offline=answer.offline,
        )  # fmt: skip

    async def fetch_topic(
        self, topic_id: str, *, limit: int = 200, progress: ProgressCallback | None = None
    ) -> Fetched:
        """Warm the cache with a topic: its landmarks and its newest ``limit`` PubMed records."""
        ids = list(self.topics.landmark_ids(topic_id))
        if not self.offline:
            latest = await self.topic_latest(topic_id, retmax=limit)
            if latest.error:
                return Fetched(
                    records=self.cached(ids),
                    error=latest.error,
                    problem=latest.problem,
                    offline=self.offline,
                )
            ids += [pmid for pmid in latest.value.ids if pmid not in ids]
        return await self.records(ids, progress=progress)

    # -- the cache -----------------------------------------------------------------------------
    def cache_counts(self) -> Answer[CacheCounts]:
        """What is browsable offline: shipped seed records and records stored on disk."""
        return self._stamp(self._upkeep.counts())

    def cache_stats(self) -> Answer[CacheStats]:
        """Counts, size, age and paths of the cache, and its records per top-level topic."""
        return self._stamp(self._upkeep.stats())

    def cache_verify(self) -> Answer[CacheCheck]:
        """Check and repair the cache and its index (each finding says whether it was fixed)."""
        return self._stamp(self._upkeep.verify())

    def cache_clear(self) -> Answer[int]:
        """Empty the cache and its index (user state is kept); the value: records removed."""
        return self._stamp(self._upkeep.clear())

    def cache_export(self, target: Path | IO[str]) -> Answer[int]:
        """Write the cached records as JSON lines to a file (atomically) or a text stream."""
        return self._stamp(self._upkeep.export(target))

    def cache_import(
        self, source: Path | BinaryIO, label: str | None = None
    ) -> Answer[ImportCounts]:
        """Merge a JSON-lines snapshot (a file, or a byte stream such as stdin)."""
        return self._stamp(self._upkeep.import_(source, label or str(source)))
