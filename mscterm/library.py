"""The one facade between the user interfaces (CLI, TUI) and the data (cache, seed, NCBI).

Callers ask for records, links, searches and topic facts; the Library answers from the store when
it can and goes to the E-utilities only for what is missing, storing what arrives before handing
it back. It never imports httpx until the network is really needed (the warm ``lookup`` path
stays light), and it degrades to offline on a network failure instead of failing the caller:
cached data is always returned, with one plain sentence saying what could not be fetched.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mscterm.config import Settings
from mscterm.model import Record
from mscterm.ncbi.errors import EUtilsError, NetworkError, OfflineError
from mscterm.ncbi.results import CitationQuery, SearchResult
from mscterm.resources import seed_records_path

if TYPE_CHECKING:
    from mscterm.index import SearchIndex
    from mscterm.ncbi.client import EUtilsClient
    from mscterm.screening import Screening
    from mscterm.state import UserState
    from mscterm.store import RecordStore
    from mscterm.topics import TopicMap

LINKNAMES = {
    "similar": "pubmed_pubmed",
    "cited_by": "pubmed_pubmed_citedin",
    "references": "pubmed_pubmed_refs",
}
"""What a person asks for -> the elink link name that answers it."""

DAY = 24 * 3600.0
SEARCH_TTL = DAY
LINK_TTL = 7 * DAY
COUNT_TTL = DAY
RESOLUTION_TTL = 30 * DAY

ProgressCallback = Callable[[int, int], None]


@dataclass(slots=True)
class Fetched:
    """What :meth:`Library.records` could provide.

    ``records`` holds every asked id that is available (from the cache or the network; a seed
    record stands in when nothing fuller could be had); ``missing`` the ids nobody has;
    ``error`` one plain sentence when the network failed part-way.
    """

    records: dict[str, Record] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    error: str | None = None


@dataclass(slots=True)
class TopicCounts:
    """The numbers of a topic overview; ``None`` where the network has not answered (yet)."""

    landmarks: int
    cached: int
    on_pubmed: int | None = None
    new_since_visit: int | None = None
    last_visit: str | None = None
    error: str | None = None


def _today() -> str:
    return _dt.date.today().strftime("%Y/%m/%d")


class Library:
    """Records, links, searches and topics for the CLI and the TUI."""

    def __init__(
        self,
        settings: Settings,
        *,
        store: RecordStore | None = None,
        client_factory: Callable[[], EUtilsClient] | None = None,
    ) -> None:
        self.settings = settings
        self.offline = settings.offline
        self._store = store
        self._client_factory = client_factory
        self._client: EUtilsClient | None = None
        self._topics: TopicMap | None = None
        self._state: UserState | None = None
        self._members: dict[str, list[str]] | None = None
        self._seed_search: SearchIndex | None = None

    # -- lazily opened parts -------------------------------------------------------------------
    @property
    def store(self) -> RecordStore:
        """The record store (disk cache + seed tier), opened on first use."""
        if self._store is None:
            from mscterm.store import RecordStore

            self._store = RecordStore(self.settings.cache_dir, seed_records_path())
        return self._store

    @property
    def topics(self) -> TopicMap:
        """The MSC safety topic map."""
        if self._topics is None:
            from mscterm.topics import load_topics

            # The store has (or will) parse the seed snapshot anyway: share it, parse once.
            seed = {rec.id: rec for rec in self.store.seed_records()}
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
        """Problems met and worked around (a damaged cache moved aside, …)."""
        return list(getattr(self.store, "warnings", []))

    def _net(self) -> EUtilsClient:
        if self.offline:
            raise OfflineError("mscterm is offline; showing cached records only")
        if self._client is None:
            if self._client_factory is not None:
                self._client = self._client_factory()
            else:
                from mscterm.ncbi.client import EUtilsClient

                self._client = EUtilsClient(self.settings)
        return self._client

    def _went_offline(self, exc: BaseException) -> None:
        """A network failure (not a server's refusal) switches the session to offline."""
        if isinstance(exc, NetworkError):
            self.offline = True

    async def aclose(self) -> None:
        """Close the network client and the store."""
        if self._client is not None:
            await self._client.aclose()
            self._client = None
        if self._seed_search is not None:
            self._seed_search.close()
            self._seed_search = None
        if self._store is not None:
            self._store.close()

    async def __aenter__(self) -> Library:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- records -------------------------------------------------------------------------------
    def get(self, rid: str) -> Record | None:
        """The best record the cache or the seed has for ``rid`` (no network).

        A seed record resolved online to a PMID answers with the fetched record: the store
        keeps an alias from its id (see :meth:`RecordStore.get`).
        """
        return self.store.get(rid)

    def cached(self, rids: Iterable[str]) -> dict[str, Record]:
        """Every id of ``rids`` the cache or seed has, keyed by the asked id (no network)."""
        return self.store.get_many(list(rids))

    async def records(
        self,
        rids: Sequence[str],
        *,
        progress: ProgressCallback | None = None,
        refresh: bool = False,
    ) -> Fetched:
        """Records for ``rids``: cached ones at once, the rest fetched in batches and cached.

        Seed (citation-level) records with a PMID are upgraded to full PubMed records when
        online; ``doi:``/``cite:`` ids are resolved to PMIDs first (see :meth:`resolve`), all
        in the same efetch batches. ``refresh`` fetches every PMID again (a record corrected or
        retracted since).
        """
        wanted = list(dict.fromkeys(rids))
        result = Fetched(records=self.cached(wanted))
        to_fetch = [
            rid
            for rid in wanted
            if rid.isdigit()
            and (refresh or not (rid in result.records and result.records[rid].is_full))
            and (refresh or not self.store.recently_missing(rid))
        ]
        unresolved = [
            rid
            for rid in wanted
            if not rid.isdigit()
            and not (rid in result.records and result.records[rid].is_full)
            and self._needs_resolution(result.records.get(rid))
            and not self.store.recently_missing(rid)
        ]
        total = len(to_fetch) + len(unresolved)
        done = 0
        if progress:
            progress(0, total)
        if total and not self.offline:
            try:
                client = self._net()
                found, doi_candidates, statuses = await self._resolve_many(client, unresolved)
                extra = [p for p in [*found.values(), *doi_candidates] if p not in to_fetch]

                def on_batch(batch: list[Record]) -> None:
                    nonlocal done
                    self.store.put(batch)
                    self._note_members(batch)
                    for rec in batch:
                        result.records[rec.id] = rec
                    done += len(batch)
                    if progress:
                        progress(min(done, total), total)

                got = (
                    await client.efetch(to_fetch + extra, on_batch=on_batch)
                    if (to_fetch or extra)
                    else []
                )
                returned = {rec.id: rec for rec in got}
                absent = [rid for rid in to_fetch if rid not in returned]
                if absent:
                    self.store.note_missing(absent)
                self._settle(unresolved, found, statuses, returned, result)
                if progress:
                    progress(total, total)
            except EUtilsError as exc:
                self._went_offline(exc)
                result.error = str(exc)
            except OSError as exc:  # the store could not write (full disk, …): say so
                result.error = str(exc)
        result.missing = [rid for rid in wanted if rid not in result.records]
        return result

    @staticmethod
    def _needs_resolution(record: Record | None) -> bool:
        if record is None:
            return True
        return record.resolution in (None, "pending")

    # -- resolution of records known without a PMID -------------------------------------------
    async def resolve(self, rid: str) -> Record | None:
        """Find the PubMed record for a ``doi:``/``cite:`` id and remember the answer.

        See :meth:`_resolve_many`; a PMID is never guessed: only a unique match counts.
        """
        fetched = await self.records([rid])
        record = fetched.records.get(rid)
        return record if record is not None and record.is_full else None

    async def _resolve_many(
        self, client: EUtilsClient, rids: Sequence[str]
    ) -> tuple[dict[str, str], list[str], dict[str, str]]:
        """PMIDs for ``doi:``/``cite:`` ids, as DESIGN.md orders it: ECitMatch, then DOI search.

        One ECitMatch call for every citation that has journal, year and volume or page; then
        one esearch ORing the DOIs still unresolved (which DOI each hit belongs to is known
        only once the records are fetched: returned as candidates); then, for citation-only
        records, an esearch on title words and year. Returns ``(found, doi_candidates,
        statuses)``: PMIDs by id, PMIDs whose DOI decides, NCBI's answer for the others.
        """
        seeds = self.store.get_many(rids)
        found: dict[str, str] = {}
        statuses: dict[str, str] = {}
        queries = []
        for rid in rids:
            seed = seeds.get(rid)
            query = _citation_query(seed, key=rid) if seed is not None else None
            if query is not None:
                queries.append(query)
        if queries:
            for match in await client.ecitmatch(queries):
                if match.pmid:
                    found[match.key] = match.pmid
                else:
                    statuses[match.key] = match.status.split(";")[0] or "NOT_FOUND"
        dois = [rid for rid in rids if rid not in found and _doi_of(rid, seeds.get(rid))]
        candidates: list[str] = []
        if dois:
            term = " OR ".join(
                f'"{(_doi_of(rid, seeds.get(rid)) or "").replace(chr(34), "")}"[doi]'
                for rid in dois
            )
            hits = await client.esearch(term, retmax=min(9999, 2 * len(dois) + 10))
            candidates = hits.ids
        for rid in rids:
            seed = seeds.get(rid)
            if rid in found or rid in dois or seed is None or not seed.title:
                continue
            words = re.findall(r"[A-Za-z0-9]{3,}", seed.title)[:12]
            if not words:
                continue
            term = " AND ".join(f"{w}[ti]" for w in words)
            if seed.year:
                term += f" AND {seed.year}[dp]"
            hits = await client.esearch(term, retmax=2)
            pmid, status = _single(hits.ids)
            if pmid:
                found[rid] = pmid
            elif status == "AMBIGUOUS" or rid not in statuses:
                statuses[rid] = status
        return found, candidates, statuses

    def _settle(
        self,
        rids: Sequence[str],
        found: dict[str, str],
        statuses: dict[str, str],
        fetched: dict[str, Record],
        result: Fetched,
    ) -> None:
        """Map resolved ids to fetched records and remember every outcome in the seed record."""
        by_doi: dict[str, list[Record]] = {}
        for rec in fetched.values():
            if rec.doi:
                by_doi.setdefault("doi:" + rec.doi.strip().lower(), []).append(rec)
        seeds = self.store.get_many(rids)
        for rid in rids:
            seed = seeds.get(rid)
            doi = _doi_of(rid, seed)
            record = fetched.get(found[rid]) if rid in found else None
            if record is None and doi:
                matches = by_doi.get("doi:" + doi.lower(), [])
                if len(matches) == 1:
                    record = matches[0]
                elif len(matches) > 1:
                    statuses[rid] = "AMBIGUOUS"
            outcome = record.pmid if record is not None else statuses.get(rid, "NOT_FOUND")
            if record is not None:
                result.records[rid] = record
            if seed is not None and seed.source == "seed":
                seed.resolution = outcome
                self.store.put([seed])
            elif record is None:
                self.store.note_missing([rid])

    # -- links and searches --------------------------------------------------------------------
    async def related(self, pmid: str, kind: str, *, refresh: bool = False) -> list[str]:
        """PMIDs linked to ``pmid``: ``similar``, ``cited_by`` or ``references`` (cached).

        Offline, the review's references are the ones the seed snapshot knows (by citation).
        """
        linkname = LINKNAMES[kind]
        key = f"elink:{linkname}:{pmid}"
        cached = None if refresh else self.store.get_result(key)
        if cached is not None:
            return list(cached)
        if self.offline and kind == "references":
            from mscterm.topics import REVIEW_ID

            if pmid == REVIEW_ID:
                return list(self.topics.review_references)
        try:
            ids = await self._net().elink(pmid, linkname)
        except EUtilsError as exc:
            self._went_offline(exc)
            raise
        self.store.put_result(key, ids, LINK_TTL)
        return ids

    async def search_pubmed(
        self,
        query: str,
        *,
        retstart: int = 0,
        retmax: int = 20,
        sort: str | None = "pub_date",
        refresh: bool = False,
    ) -> SearchResult:
        """One page of a PubMed esearch (newest first by default), cached for a day."""
        key = f"esearch:{sort}:{retstart}:{retmax}:{query}"
        cached = None if refresh else self.store.get_result(key)
        if cached is not None:
            return SearchResult(**cached)
        try:
            found = await self._net().esearch(query, retstart=retstart, retmax=retmax, sort=sort)
        except EUtilsError as exc:
            self._went_offline(exc)
            raise
        self.store.put_result(
            key,
            {
                "count": found.count,
                "ids": found.ids,
                "retstart": found.retstart,
                "retmax": found.retmax,
                "query_translation": found.query_translation,
                "phrases_not_found": found.phrases_not_found,
                "warnings": found.warnings,
            },
            SEARCH_TTL,
        )
        return found

    def search_local(self, query: str, limit: int = 20) -> list[Record]:
        """Best matches of the offline full-text index, then of the seed snapshot's records.

        The seed (the review and the landmarks) is searched with the same query language
        through a small in-memory index, so a fresh install answers ``au:rubio`` offline too.
        """
        ids = self.store.search(query, limit=limit)
        found = self.cached(ids)
        hits = [found[rid] for rid in ids if rid in found]
        if len(hits) < limit:
            seen = {rec.id for rec in hits} | {rec.pmid for rec in hits if rec.pmid}
            for rid in self._seed_index().search(query, limit=limit):
                rec = self.get(rid)
                if rec is None or rec.id in seen or (rec.pmid and rec.pmid in seen):
                    continue
                hits.append(rec)
                seen.add(rec.id)
                if len(hits) >= limit:
                    break
        return hits

    def _seed_index(self) -> SearchIndex:
        """The seed snapshot in an in-memory search index (about 10 ms to build, once)."""
        if self._seed_search is None:
            from pathlib import Path

            from mscterm.index import SearchIndex

            index = SearchIndex(Path(":memory:"))
            index.add(self.store.seed_records())
            self._seed_search = index
        return self._seed_search

    # -- topics --------------------------------------------------------------------------------
    def topic_members(self, topic_id: str) -> list[str]:
        """Record ids under a topic: its landmarks first, then cached records its rules match."""
        topic = self.topics.get(topic_id)
        if topic is None:
            raise KeyError(topic_id)
        landmarks = self.topics.landmark_ids(topic_id)
        members = self._membership().get(topic_id, [])
        pinned = set(landmarks)
        return landmarks + [rid for rid in members if rid not in pinned]

    def _membership(self) -> dict[str, list[str]]:
        """topic id -> cached record ids matching its rules, newest PMID first.

        Built by one pass over the cache on first use (about 1 s per 10,000 records, so async
        callers run it in a thread: see :meth:`load_membership`), then kept up to date as
        records arrive.
        """
        if self._members is None:
            members: dict[str, list[str]] = {}
            for record in self.store.iter_records():
                if record.source != "pubmed":
                    continue
                for tid in self.topics.topics_for(record):
                    members.setdefault(tid, []).append(record.id)
            for ids in members.values():
                ids.sort(key=_newest_first)
            self._members = members
        return self._members

    async def load_membership(self) -> None:
        """Build topic membership off the event loop (the UI calls this once, early)."""
        if self._members is None:
            import asyncio

            topics = self.topics  # load the map on this thread first
            del topics
            await asyncio.to_thread(self._membership)

    def _note_members(self, records: Iterable[Record]) -> None:
        """Add newly stored records to the membership lists (if they were built)."""
        members = self._members
        if members is None:
            return
        for record in records:
            for tid in self.topics.topics_for(record):
                ids = members.setdefault(tid, [])
                if record.id not in ids:
                    ids.append(record.id)
                    ids.sort(key=_newest_first)

    def cached_count(self) -> int:
        """How many records the disk cache holds (cheap: counted by SQLite)."""
        return self.store.count()

    def mark_visited(self, topic_id: str) -> None:
        """Remember today as the last visit of a topic (for 'new since last visit')."""
        self.state.record_visit(topic_id, _today())

    async def topic_latest(
        self, topic_id: str, *, retstart: int = 0, retmax: int = 50, refresh: bool = False
    ) -> SearchResult:
        """The newest PubMed records of a topic's query (one esearch page, cached)."""
        topic = self.topics.get(topic_id)
        if topic is None:
            raise KeyError(topic_id)
        return await self.search_pubmed(
            topic.query, retstart=retstart, retmax=retmax, sort="pub_date", refresh=refresh
        )

    async def topic_counts(self, topic_id: str, *, refresh: bool = False) -> TopicCounts:
        """Landmark and cache counts at once; PubMed totals by two esearch counts (cached a day).

        "New since the last visit" counts entries (``edat``) from the previous visit's day;
        the caller records the current visit with :meth:`mark_visited` once it has shown them.
        """
        topic = self.topics.get(topic_id)
        if topic is None:
            raise KeyError(topic_id)
        await self.load_membership()
        counts = TopicCounts(
            landmarks=len(self.topics.landmark_ids(topic_id)),
            cached=len(self._membership().get(topic_id, [])),
            last_visit=self.state.last_visit(topic_id),
        )
        today = _today()
        key = f"count:{today}:{topic.query}"
        total = None if refresh else self.store.get_result(key)
        since = counts.last_visit
        new_key = f"count-new:{today}:{since}:{topic.query}" if since else None
        new = self.store.get_result(new_key) if new_key and not refresh else None
        try:
            if total is None:
                total = await self._net().count(topic.query)
                self.store.put_result(key, total, COUNT_TTL)
            if new_key and new is None:
                new = await self._net().count(
                    topic.query, datetype="edat", mindate=since, maxdate=today
                )
                self.store.put_result(new_key, new, COUNT_TTL)
        except EUtilsError as exc:
            self._went_offline(exc)
            counts.error = str(exc)
        counts.on_pubmed = total
        counts.new_since_visit = new
        return counts

    async def fetch_topic(
        self, topic_id: str, *, limit: int = 200, progress: ProgressCallback | None = None
    ) -> Fetched:
        """Warm the cache with a topic: its landmarks and its newest ``limit`` PubMed records."""
        ids = list(self.topics.landmark_ids(topic_id))
        if not self.offline:
            try:
                latest = await self.topic_latest(topic_id, retmax=limit)
                ids += [pmid for pmid in latest.ids if pmid not in ids]
            except EUtilsError as exc:
                return Fetched(records=self.cached(ids), missing=[], error=str(exc))
        return await self.records(ids, progress=progress)

    def stats(self) -> dict[str, Any]:
        """Store statistics for headers and ``cache stats``."""
        return self.store.stats()


def _newest_first(rid: str) -> int:
    """Sort key: higher PMIDs (newer records) first; non-PMID ids last."""
    return -int(rid) if rid.isdigit() else 0


def _doi_of(rid: str, seed: Record | None) -> str | None:
    """The DOI a ``doi:`` id or a seed record names."""
    if seed is not None and seed.doi:
        return seed.doi.strip()
    return rid[4:] if rid.startswith("doi:") else None


def _citation_query(record: Record, *, key: str) -> CitationQuery | None:
    """An ECitMatch line for a citation-level record, when it has enough to match on."""
    pages = (record.pages or "").split("-")[0].strip()
    if not (record.journal and record.year and (record.volume or pages)):
        return None
    first = record.authors[0] if record.authors else None
    author = ""
    if first is not None and first.family:
        author = f"{first.family} {first.initials or ''}".strip()
    return CitationQuery(
        journal=record.journal,
        year=str(record.year),
        volume=record.volume or "",
        first_page=pages,
        author=author,
        key=key,
    )


def _single(ids: Sequence[str]) -> tuple[str | None, str]:
    """The PMID when a lookup found exactly one, else NCBI-style NOT_FOUND / AMBIGUOUS."""
    if len(ids) == 1:
        return ids[0], "FOUND"
    return None, ("AMBIGUOUS" if ids else "NOT_FOUND")
