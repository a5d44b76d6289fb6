"""Offline search for the Library: the cache's full-text index, then the shipped seed snapshot.

The seed (the review and the landmarks) is searched with the same query language (the store
keeps a small in-memory index of it), so a fresh install answers ``au:rubio`` offline too.
Failures of the index become a sentence (:attr:`Problem.STORAGE`), never an exception.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from mscterm.failures import storage_failure
from mscterm.model import Record
from mscterm.results import Answer, LocalHits, Problem

if TYPE_CHECKING:
    from mscterm.store import RecordStore

DAMAGED = "the local search index is damaged; run 'mscterm cache verify' to rebuild it"


class LocalSearch:
    """Best matches of the cache's index, then of the seed snapshot's records."""

    def __init__(self, store: Callable[[], RecordStore]) -> None:
        self._open_store = store

    def search(self, query: str, limit: int) -> Answer[LocalHits]:
        """Up to ``limit`` hits, best first; ``total`` when every match is among them."""
        from mscterm.store import IndexCorruptError

        try:
            hits = self._hits(query, limit)
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
        # Fewer hits than asked means both indexes gave every match they have.
        # TODO(h-store): the index's total match count and a hint for an unknown field
        # prefix or a bad value (issue 15 item 9) fill ``total``/``hint`` for full pages.
        total = len(hits) if len(hits) < limit else None
        return Answer(LocalHits(records=hits, total=total))

    def _hits(self, query: str, limit: int) -> list[Record]:
        store = self._open_store()
        ids = store.search(query, limit=limit)
        found = store.get_many(ids)
        hits = [found[rid] for rid in ids if rid in found]
        if len(hits) >= limit:
            return hits
        seen = {rec.id for rec in hits} | {rec.pmid for rec in hits if rec.pmid}
        for rid in store.search_seed(query, limit=limit):
            rec = store.get(rid)
            if rec is None or rec.id in seen or (rec.pmid and rec.pmid in seen):
                continue
            hits.append(rec)
            seen.add(rec.id)
            if len(hits) >= limit:
                break
        return hits
