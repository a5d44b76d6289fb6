"""Offline search for the Library: the cache's full-text index, then the shipped seed snapshot.

The seed (the review and the landmarks) is searched with the same query language (the store
keeps a small in-memory index of it), so a fresh install answers ``au:rubio`` offline too.
:class:`LocalHits` says how many records match in all (the cache index's count plus the seed
matches it does not hold) and carries the index's hint about the query (``foo:bar``,
``year:abc``) so a user never meets a silent 0 hits.
Failures of the index become a sentence (:attr:`Problem.STORAGE`), never an exception.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from mscterm.library.failures import storage_failure
from mscterm.model import PMID_RE
from mscterm.results import Answer, LocalHits, Problem

if TYPE_CHECKING:
    from mscterm.store import RecordStore

DAMAGED = "the local search index is damaged; run 'mscterm cache verify' to rebuild it"
SEED_LIMIT = 10_000
"""Every seed match is needed to count them (the shipped snapshot holds about a hundred)."""


class LocalSearch:
    """Best matches of the cache's index, then of the seed snapshot's records."""

    def __init__(self, store: Callable[[], RecordStore]) -> None:
        self._open_store = store

    def search(self, query: str, limit: int, *, prefix_last: bool = False) -> Answer[LocalHits]:
        """Up to ``limit`` hits, best first; how many records match in all; a hint about the
        query when part of it could not be understood (never a silent 0 hits)."""
        import sqlite3  # the index's own errors; imported with the first search

        from mscterm.store import IndexCorruptError

        try:
            hits = self._hits(query, limit, prefix_last)
        except IndexCorruptError:
            return Answer(LocalHits(), error=DAMAGED, problem=Problem.STORAGE)
        except sqlite3.OperationalError as exc:
            sentence = f"the local search index is busy or unreadable ({exc}); try again"
            return Answer(LocalHits(), error=sentence, problem=Problem.STORAGE)
        except sqlite3.DatabaseError:
            return Answer(LocalHits(), error=DAMAGED, problem=Problem.STORAGE)
        except OSError as exc:
            failure = storage_failure(exc)
            return Answer(LocalHits(), error=failure.sentence, problem=failure.problem)
        return Answer(hits)

    def _hits(self, query: str, limit: int, prefix_last: bool) -> LocalHits:
        """The cache's best matches, then the seed's; the total counts a seed match once, and
        only when the cache's index does not hold it (or the record it resolved to)."""
        store = self._open_store()
        keeper = store.index()
        found = keeper.find(query, limit, prefix_last=prefix_last)
        records = store.get_many(found.ids)
        hits = [records[rid] for rid in found.ids if rid in records]
        seed = keeper.find_seed(store.seed_records, query, SEED_LIMIT, prefix_last=prefix_last)
        indexed = keeper.known(seed.ids)
        seen = {rec.id for rec in hits} | {rec.pmid for rec in hits if rec.pmid}
        extra = 0
        for rid in seed.ids:
            if rid in indexed:
                continue  # the cache holds this record: its own match (or not) counted it
            target = None if PMID_RE.match(rid) else store.alias_target(rid)
            if target and keeper.known([target]):
                continue  # resolved to a PMID record the cache holds: the same
            extra += 1
            if len(hits) >= limit:
                continue  # counted; no room on the page (and no need to read it)
            rec = store.get(rid)
            if rec is None or rec.id in seen or (rec.pmid and rec.pmid in seen):
                continue
            hits.append(rec)
            seen.add(rec.id)
        return LocalHits(records=hits, total=found.total + extra, hint=found.hint, more=found.more)
