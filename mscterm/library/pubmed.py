"""PubMed's answers about lists of records, kept in the cache for a while: links, pages, counts.

Each question (the similar articles of a record, one page of a search, a topic's count) is
asked once and its answer kept with a TTL; later askers get the kept answer without a request.
When a question cannot be asked (offline, a failure) the answer is what is known already: the
kept answer even if a refresh was wanted, and for the review's references the ones the seed
snapshot knows. Nothing here raises for a network or storage failure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from mscterm.library.failures import Failure
from mscterm.results import Answer, Problem, SearchPage

if TYPE_CHECKING:
    from mscterm.library.connection import Connection
    from mscterm.store import RecordStore

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


class PubMed:
    """Links, search pages and counts: kept answers first, the network for the rest."""

    def __init__(
        self,
        store: Callable[[], RecordStore],
        connection: Connection,
        known_references: Callable[[str], list[str]],
    ) -> None:
        self._store = store
        self._connection = connection
        self._known_references = known_references
        """PMID -> references known without the network (the review's, from the seed)."""

    def _kept(self, key: str) -> Any | None:
        """A kept answer; an unreadable cache counts as none (the network may still answer)."""
        try:
            return self._store().get_result(key)
        except OSError:
            return None

    def _keep(self, key: str, value: Any, ttl: float) -> Failure | None:
        """Keep an answer; a storage failure is returned (the answer itself is still good)."""
        try:
            self._store().put_result(key, value, ttl)
        except OSError as exc:
            return self._connection.failure(exc)
        return None

    async def related(self, pmid: str, kind: str, *, refresh: bool = False) -> Answer[list[str]]:
        """PMIDs linked to ``pmid`` (``similar``, ``cited_by`` or ``references``).

        Falls back to what is known on any failure: the kept answer, else the references the
        seed knows (the review's). Offline, a known answer comes without an error. Where
        PubMed lists no references but some are known, the known ones are kept.
        """
        linkname = LINKNAMES[kind]
        key = f"elink:{linkname}:{pmid}"
        seeded = self._known_references(pmid) if kind == "references" else []
        kept = self._kept(key)
        if kept is not None and not refresh:
            return self._or_seeded(pmid, list(kept), seeded, None)
        known = list(kept) if kept else list(seeded)
        try:
            ids = await self._connection.client().elink(pmid, linkname)
        except Exception as exc:
            failure = self._connection.failure(exc)
            if failure.problem is Problem.OFFLINE and known:
                return self._connection.answer(known)
            return self._connection.answer(known, failure)
        return self._or_seeded(pmid, ids, seeded, self._keep(key, ids, LINK_TTL))

    def _or_seeded(
        self, pmid: str, ids: list[str], seeded: list[str], failure: Failure | None
    ) -> Answer[list[str]]:
        """PubMed's list, or the seed's known references where PubMed lists none."""
        if ids or not seeded:
            return self._connection.answer(ids, failure)
        note = f"PubMed lists no references for {pmid}; showing the {len(seeded)} known offline"
        return self._connection.answer(list(seeded), failure, warnings=[note])

    async def search(
        self,
        query: str,
        *,
        retstart: int = 0,
        retmax: int = 20,
        sort: str | None = "pub_date",
        refresh: bool = False,
    ) -> Answer[SearchPage]:
        """One page of a PubMed esearch, kept for a day; the kept page when PubMed fails."""
        key = f"esearch:{sort}:{retstart}:{retmax}:{query}"
        kept = self._kept(key)
        page = _page(kept) if isinstance(kept, dict) else None
        if page is not None and not refresh:
            return self._connection.answer(page)
        try:
            found = await self._connection.client().esearch(
                query, retstart=retstart, retmax=retmax, sort=sort
            )
        except Exception as exc:
            empty = SearchPage(count=0, retstart=retstart, retmax=retmax)
            return self._connection.answer(page or empty, self._connection.failure(exc))
        return self._connection.answer(found, self._keep(key, asdict(found), SEARCH_TTL))

    async def counts(
        self, query: str, today: str, since: str | None, *, refresh: bool = False
    ) -> Answer[tuple[int | None, int | None]]:
        """(total on PubMed, entries since ``since``) by two esearch counts, kept a day."""
        key = f"count:{today}:{query}"
        new_key = f"count-new:{today}:{since}:{query}" if since else None
        total = None if refresh else self._kept(key)
        new = self._kept(new_key) if new_key and not refresh else None
        failure = None
        try:
            if total is None:
                client = self._connection.client()
                total = await client.count(query)
                failure = self._keep(key, total, COUNT_TTL)
            if new_key and new is None:
                client = self._connection.client()
                new = await client.count(query, datetype="edat", mindate=since, maxdate=today)
                failure = self._keep(new_key, new, COUNT_TTL) or failure
        except Exception as exc:
            failure = self._connection.failure(exc)
        return self._connection.answer((total, new), failure)

    def known_count(self, query: str, today: str, yesterday: str) -> int | None:
        """PubMed's count for ``query`` as kept today or yesterday (no network), else None."""
        for day in (today, yesterday):
            value = self._kept(f"count:{day}:{query}")
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None


def _page(kept: dict[str, Any]) -> SearchPage | None:
    """A kept page (None if it was kept in a shape this version does not know)."""
    try:
        return SearchPage(**kept)
    except TypeError:
        return None
