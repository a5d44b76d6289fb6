"""Records for a list of ids: the cache first, the rest fetched in efetch batches and stored.

Seed (citation-level) records with a PMID are upgraded to full PubMed records when online;
``doi:``/``cite:`` ids are resolved to PMIDs first (:mod:`mscterm.library.resolution`), all in
the same efetch batches. Each batch is stored as it arrives, so a failure part-way keeps what came
before it; the failure itself becomes the answer's sentence and problem.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from mscterm.model import PMID_RE, Record
from mscterm.results import Fetched

if TYPE_CHECKING:
    from mscterm.library.connection import Connection
    from mscterm.store import RecordStore

ProgressCallback = Callable[[int, int], None]
StoredCallback = Callable[[list[Record]], None]


async def fetch_records(
    open_store: Callable[[], RecordStore],
    connection: Connection,
    rids: Sequence[str],
    *,
    progress: ProgressCallback | None = None,
    refresh: bool = False,
    stored: StoredCallback | None = None,
) -> Fetched:
    """Every asked id that can be had, keyed by the asked id (see :class:`Fetched`).

    ``refresh`` fetches every PMID again (a record corrected or retracted since);
    ``stored`` hears each batch once it is in the cache.
    """
    wanted = list(dict.fromkeys(rids))
    try:
        store = open_store()
        result = Fetched(records=store.get_many(wanted))
        to_fetch, unresolved = _plan(store, wanted, result.records, refresh)
    except OSError as exc:
        failure = connection.failure(exc)
        return Fetched(
            missing=wanted,
            error=failure.sentence,
            problem=failure.problem,
            offline=connection.offline,
        )
    total = len(to_fetch) + len(unresolved)
    done = 0
    if progress:
        progress(0, total)
    if total and not connection.offline:

        def on_batch(batch: list[Record]) -> None:
            nonlocal done
            store.put(batch)
            if stored is not None:
                stored(batch)
            for rec in batch:
                result.records[rec.id] = rec
            done += len(batch)
            if progress:
                progress(min(done, total), total)

        try:
            await _fetch(store, connection, to_fetch, unresolved, result, on_batch)
            if progress:
                progress(total, total)
        except Exception as exc:
            failure = connection.failure(exc)
            result.error, result.problem = failure.sentence, failure.problem
    result.missing = [rid for rid in wanted if rid not in result.records]
    result.offline = connection.offline
    result.warnings.extend(connection.drain_warnings())
    return result


def _plan(
    store: RecordStore, wanted: list[str], have: dict[str, Record], refresh: bool
) -> tuple[list[str], list[str]]:
    """(PMIDs to fetch, doi:/cite: ids to resolve first)."""
    from mscterm.library.resolution import needs_resolution

    def full(rid: str) -> bool:
        return rid in have and have[rid].is_full

    to_fetch = [
        rid
        for rid in wanted
        if PMID_RE.match(rid)
        and (refresh or not full(rid))
        and (refresh or not store.recently_missing(rid))
    ]
    unresolved = [
        rid
        for rid in wanted
        if not PMID_RE.match(rid)
        and not full(rid)
        and needs_resolution(have.get(rid))
        and not store.recently_missing(rid)
    ]
    return to_fetch, unresolved


async def _fetch(
    store: RecordStore,
    connection: Connection,
    to_fetch: list[str],
    unresolved: list[str],
    result: Fetched,
    on_batch: Callable[[list[Record]], None],
) -> None:
    """Resolve, fetch in one run of batches, then note what is missing and settle resolutions."""
    from mscterm.library.resolution import Resolution, find_pmids, settle

    client = connection.client()
    resolution = await find_pmids(client, store, unresolved) if unresolved else Resolution()
    extra = [p for p in resolution.pmids() if p not in to_fetch]
    got = await client.efetch(to_fetch + extra, on_batch=on_batch) if (to_fetch or extra) else []
    returned = {rec.id: rec for rec in got}
    absent = [rid for rid in to_fetch if rid not in returned]
    if absent:
        store.note_missing(absent)
    settle(store, unresolved, resolution, returned, result.records)
