"""The papers of registered trials, both ways: the registry's references, and PubMed records
that name a trial in their DataBankList (a Record's ``registry_ids``).

Online, PubMed is asked (esearch ``NCT…[si]``, kept a day like every search); offline, the
cached records answer through :class:`RegistryLinks`, one pass over the cache (in a thread),
then kept current as records arrive. The publication gap of a topic's trials is counted here
too, since "with a linked publication" needs both directions.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Awaitable, Callable, Iterable, Sequence
from typing import TYPE_CHECKING

from mscterm.library.trials import TrialService
from mscterm.model import Record
from mscterm.results import Answer, Fetched, SearchPage, TrialPublications

if TYPE_CHECKING:
    from mscterm.library.connection import Connection
    from mscterm.store import RecordStore
    from mscterm.topics import TopicMap
    from mscterm.trialstats import PublicationGap

NAMING_MAX = 200
"""PubMed records naming one trial asked for at most (real trials have a handful)."""


class RegistryLinks:
    """NCT id -> PMIDs of cached PubMed records naming it; built on first use, kept current.

    The build reads every cached record once (about 0.6 s per 10,000); it is done again when
    the cache's size changed behind its back (an import, a clear).
    """

    def __init__(self, store: Callable[[], RecordStore]) -> None:
        self._store = store
        self._lock = threading.Lock()
        self._links: dict[str, list[str]] | None = None
        self._size = -1

    def _build(self) -> dict[str, list[str]]:
        links: dict[str, list[str]] = {}
        store = self._store()
        size = store.count()
        _add(links, store.iter_records())
        self._size = size
        return links

    def get(self) -> dict[str, list[str]]:
        """The map (built now if needed; may raise the store's ``OSError``)."""
        with self._lock:
            if self._links is None or self._store().count() != self._size:
                self._links = self._build()
            return self._links

    async def load(self) -> dict[str, list[str]]:
        """:meth:`get` off the event loop."""
        import asyncio

        return await asyncio.to_thread(self.get)

    def note(self, records: Iterable[Record]) -> None:
        """Records were stored: add the trials they name (if the map is built)."""
        with self._lock:
            if self._links is not None:
                _add(self._links, records)
                try:
                    self._size = self._store().count()
                except OSError:
                    self._links = None


def _add(links: dict[str, list[str]], records: Iterable[Record]) -> None:
    for record in records:
        if record.source != "pubmed" or not record.pmid:
            continue
        for nct in record.registry_ids:
            pmids = links.setdefault(nct.upper(), [])
            if record.pmid not in pmids:
                pmids.append(record.pmid)


RecordsCall = Callable[[Sequence[str]], Awaitable[Fetched]]
SearchCall = Callable[[str], Awaitable[Answer[SearchPage]]]


class TrialRegistry(TrialService):
    """Everything the Library answers about registered trials: :class:`TrialService`'s trials,
    lists, counts and warm-ups, and here a trial's publications and a topic's gap."""

    def __init__(
        self,
        store: Callable[[], RecordStore],
        connection: Connection,
        topics: Callable[[], TopicMap],
        *,
        records: RecordsCall,
        search: SearchCall,
    ) -> None:
        super().__init__(store, connection, topics)
        self.links = RegistryLinks(store)
        """Cached PubMed records by the trials they name (the Library feeds it new records)."""
        self._records = records
        self._search = search

    async def _naming_offline(self, nct: str) -> list[str]:
        try:
            return list((await self.links.load()).get(nct, ()))
        except OSError:
            return []

    async def publications(self, nct: str) -> Answer[TrialPublications]:
        """The trial's references and the PubMed records naming it, with every linked record
        available (cached, or fetched in one batch when online)."""
        nct = nct.strip().upper()
        got = await self.trials([nct])
        trial = got.trials.get(nct)
        value = TrialPublications(nct, list(trial.publications) if trial else [])
        warnings = list(got.warnings)
        if trial is None and got.ok and not got.offline:
            warnings.append(f"ClinicalTrials.gov has no trial {nct}")
        naming = await self._naming_offline(nct)
        error, problem = got.error, got.problem
        if not self._connection.offline:
            found = await self._search(f"{nct}[si]")
            naming = [*found.value.ids, *naming]
            warnings += found.warnings
            error, problem = error or found.error, problem or found.problem
        value.naming = list(dict.fromkeys(naming))
        records = await self._records(value.pmids)
        value.records = dict(records.records)
        warnings += records.warnings
        error, problem = error or records.error, problem or records.problem
        return Answer(value, error, problem, self._connection.offline, warnings)

    async def topic_gap(
        self, topic_id: str, today: dt.date | None = None
    ) -> Answer[PublicationGap | None]:
        """The publication gap over a topic's list (None when no list is known), a cached
        PubMed record naming a trial counting as its linked publication."""
        listed = await self.topic_trials(topic_id)
        if listed.value.fetched_at is None:
            return Answer(None, listed.error, listed.problem, listed.offline, listed.warnings)
        from mscterm.trialstats import publication_gap

        try:
            named = set((await self.links.load()).keys())
        except OSError:
            named = set()
        gap = publication_gap(listed.value.trials, today or dt.date.today(), published=named)
        return Answer(gap, listed.error, listed.problem, listed.offline, listed.warnings)
