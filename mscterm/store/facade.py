"""RecordStore: records (and trials) on disk in front of the shipped, read-only seed snapshot.

Layout of the cache directory, one diskcache per namespace so ``len()`` is diskcache's own count:

* ``records/``  ``r:<id>`` -> record text (:mod:`.codec`); never evicted, never expires;
* ``answers/``  ``a:<doi:…|cite:…>`` aliases to fetched PMIDs, TTL'd ``q:`` results and
  ``m:`` not-found notes (re-askable, so a damaged copy costs little);
* ``trials/``   ``t:<NCT id>`` -> trial text;
* ``index.sqlite3``  the full-text index (:mod:`.fts`), derived from ``records/``.

``lookup`` on a warm cache must answer in DESIGN.md's 150 ms including interpreter start, so the
records cache is the only thing opened on that path: answers and trials open on first need, the
seed snapshot is read on the first disk miss, and the index modules load when searched or fed.
A batch of records is written in one transaction (whole records only after a crash or a full
disk); several mscterm processes share one cache through diskcache (SQLite, WAL).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mscterm.model import PMID_RE, Record, Trial
from mscterm.store import codec
from mscterm.store.codec import ALIAS_KEY, MISSING_KEY, RECORD_KEY, RESULT_KEY, TRIAL_KEY
from mscterm.store.recovery import CORRUPT_MARK, CacheLike, Shelf, read

if TYPE_CHECKING:  # pragma: no cover
    from types import ModuleType

    from mscterm.store.labels import Labeler
    from mscterm.store.searching import IndexKeeper
    from mscterm.store.seed import Seed

SHELVES = RECORDS_DIR, ANSWERS_DIR, TRIALS_DIR = "records", "answers", "trials"
INDEX_FILE = "index.sqlite3"


def _upkeep() -> ModuleType:
    """:mod:`mscterm.store.maintenance`, loaded when first needed (not on ``lookup``'s path)."""
    from mscterm.store import maintenance

    return maintenance


class RecordStore:
    """The cache as callers see it: records, trials, TTL'd answers, search, maintenance.

    ``get`` looks at the disk first, then at the seed snapshot. ``put`` never replaces a fetched
    PubMed record by a citation-level one. Failures are :class:`StoreError` sentences;
    damage is repaired and reported in :attr:`warnings`.

    ``labeler`` gives the labels (topic ids) a record is filed under in the search index, by
    rules its ``version`` names (a hash: an index labelled otherwise is rebuilt), so
    :meth:`labelled` lists a topic's records without reading the cache. It is used only once
    the index is, never on opening, so it may load what it needs from this store.
    """

    def __init__(
        self,
        cache_dir: Path,
        seed_path: Path | None = None,
        *,
        index: bool = True,
        labeler: Labeler | None = None,
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.path = self.cache_dir / RECORDS_DIR
        self.index_path = self.cache_dir / INDEX_FILE
        self.seed_path = Path(seed_path) if seed_path is not None else None
        self.use_index = index
        self._labeler = labeler
        self.warnings: list[str] = []
        """Plain sentences for the user (damaged cache moved aside, index not updated, …)."""
        self._seed: Seed | None = None
        self._index: IndexKeeper | None = None
        shelf = functools.partial(Shelf, warn=self._warn)
        self.records = shelf(self.path, "the cache", "records")
        self.answers = shelf(self.cache_dir / ANSWERS_DIR, "the cache of answers", "aliases")
        self.trials = shelf(self.cache_dir / TRIALS_DIR, "the trial cache", "trials")
        self.records.cache  # noqa: B018 -- open now: a cache path that cannot work fails here

    def _warn(self, sentence: str) -> None:
        if sentence not in self.warnings:
            self.warnings.append(sentence)

    # -- the seed tier -------------------------------------------------------------------------
    def seed(self) -> Seed:
        """The shipped snapshot, read on first need (a disk miss), with its problems warned."""
        if self._seed is None:
            from mscterm.store.seed import read_seed

            self._seed = read_seed(self.seed_path)
            for problem in self._seed.problems:
                self._warn(problem)
        return self._seed

    def seed_records(self) -> list[Record]:
        """Every record of the shipped snapshot (read-only; may be superseded on disk)."""
        return list(self.seed().records.values())

    # -- reading -------------------------------------------------------------------------------
    def alias_target(self, rid: str) -> str | None:
        """The PMID a ``doi:``/``cite:`` id leads to, once its fetched record is known."""
        target = self.answers.get(ALIAS_KEY + rid)
        return target if isinstance(target, str) else None

    def _disk(self, cache: CacheLike, rid: str) -> tuple[Record | None, Record | None]:
        """(the record stored under ``rid``, the fetched PubMed record for it if there is one,
        found directly or through a doi:/cite: alias)."""
        record = codec.decode_record(read(cache, RECORD_KEY + rid), rid)
        if record is not None and record.is_full:
            return record, record
        target = None if PMID_RE.match(rid) else self.alias_target(rid)
        full = codec.decode_record(read(cache, RECORD_KEY + target), target) if target else None
        return record, full if full is not None and full.is_full else None

    def _best(self, cache: CacheLike, rid: str) -> Record | None:
        record, full = self._disk(cache, rid)
        if full is not None or record is not None:
            return full or record
        seed = self.seed().get(rid)
        if seed is not None and seed.id != rid:
            return codec.decode_record(read(cache, RECORD_KEY + seed.id), seed.id) or seed
        return seed

    def get(self, rid: str) -> Record | None:
        """The best record for ``rid``: fetched on disk, else citation-level on disk, else seed
        (a ``doi:``/``cite:`` id answers with its fetched PubMed record once one is known)."""
        return self.records.run(lambda c: self._best(c, rid))

    def get_many(self, rids: Iterable[str]) -> dict[str, Record]:
        """``{asked id: record}`` for every id the disk or the seed has."""
        found = {rid: self.get(rid) for rid in rids}
        return {rid: record for rid, record in found.items() if record is not None}

    def has_full(self, rid: str) -> bool:
        """Whether a fetched PubMed record for ``rid`` is on disk (no need to fetch it)."""
        return self.records.run(lambda c: self._disk(c, rid)[1]) is not None

    def ids(self) -> Iterator[str]:
        """Ids of the records on disk (not the seed snapshot's)."""
        return iter(self.id_list())

    def id_list(self) -> list[str]:
        """Ids of the records on disk, as a list."""
        return self.records.keys(RECORD_KEY)

    def __len__(self) -> int:
        return self.count()

    def count(self) -> int:
        """Records on disk: diskcache's own count of the records cache (no scan)."""
        return self.records.run(len)

    def iter_records(self) -> Iterator[Record]:
        """Every readable record on disk (for the index, exports and topic membership)."""
        ids = self.id_list()
        for start in range(0, len(ids), 500):  # one guarded call per 500 reads
            part = ids[start : start + 500]
            for rid, value in zip(part, self.records.get_many(RECORD_KEY, part), strict=True):
                if (record := codec.decode_record(value, rid)) is not None:
                    yield record

    # -- writing -------------------------------------------------------------------------------
    def put(self, records: Iterable[Record]) -> int:
        """Store whole records in one transaction; how many were added or replaced. A citation-
        level record never replaces a fetched one; a fetched record's DOI becomes an alias to it.
        ``ValueError`` (before anything is written) for a record that cannot be keyed."""
        added, updated, _ = self.put_counts(records)
        return added + updated

    def put_counts(self, records: Iterable[Record]) -> tuple[int, int, int]:
        """Like :meth:`put`, returning ``(added, updated, skipped)`` (skipped: unchanged records
        and citation-level records that would have replaced fetched ones)."""
        batch = list(records)
        for record in batch:
            codec.validate_record(record)
        if not batch:
            return 0, 0, 0
        from mscterm.store.writing import write_records

        done = write_records(self, batch)
        if self.use_index:
            self.index().feed(done.written, done.dropped)
        return done.added, done.updated, done.skipped

    def note_missing(self, rids: Iterable[str], ttl: float = 3600) -> None:
        """Remember for ``ttl`` seconds that PubMed does not have these ids (no re-asking)."""
        self.answers.set_many(((MISSING_KEY + rid, 1) for rid in rids), expire=ttl)

    def recently_missing(self, rid: str) -> bool:
        """Whether PubMed answered "not found" for ``rid`` within the note's TTL."""
        return self.answers.get(MISSING_KEY + rid) is not None

    def get_result(self, key: str) -> Any | None:
        """A cached esearch/elink/count answer, or ``None`` when absent or expired."""
        return codec.decode_result(self.answers.get(RESULT_KEY + key))

    def put_result(self, key: str, value: Any, ttl: float) -> None:
        """Cache a JSON-serialisable answer for ``ttl`` seconds (keys never hold the API key)."""
        text = codec.encode_result(value)
        self.answers.run(lambda a: a.set(RESULT_KEY + key, text, expire=ttl))

    # -- trials --------------------------------------------------------------------------------
    def get_trial(self, nct: str) -> Trial | None:
        """The cached trial ``nct`` (``NCT`` + 8 digits), or ``None``."""
        return codec.decode_trial(self.trials.get(TRIAL_KEY + nct), nct)

    def get_trials(self, ncts: Iterable[str]) -> dict[str, Trial]:
        """``{NCT id: trial}`` for every asked trial that is cached."""
        found = {nct: self.get_trial(nct) for nct in ncts}
        return {nct: trial for nct, trial in found.items() if trial is not None}

    def put_trials(self, trials: Iterable[Trial]) -> int:
        """Store trials in one transaction; returns how many were added or changed."""
        batch = list(trials)
        for trial in batch:
            codec.validate_trial(trial)
        from mscterm.store.writing import write_trials

        return write_trials(self, batch) if batch else 0

    def trial_ids(self) -> list[str]:
        """NCT ids of the cached trials."""
        return self.trials.keys(TRIAL_KEY) if self.trials.exists() else []

    def iter_trials(self) -> Iterator[Trial]:
        """Every readable cached trial."""
        for nct in self.trial_ids():
            trial = self.get_trial(nct)
            if trial is not None:
                yield trial

    def trial_count(self) -> int:
        """Trials on disk (diskcache's own count of the trials cache)."""
        return self.trials.run(len) if self.trials.exists() else 0

    # -- search --------------------------------------------------------------------------------
    def index(self) -> IndexKeeper:
        """The search index's keeper (the index modules load on first use)."""
        if self._index is None:
            from mscterm.store.searching import IndexKeeper

            self._index = IndexKeeper(
                self.index_path, records=self.iter_records, ids=self.id_list, warn=self._warn,
                labeler=self._labeler,
            )  # fmt: skip
        return self._index

    def search(self, query: str, limit: int = 20, *, prefix_last: bool = False) -> list[str]:
        """Ids of cached records best matching ``query`` (syntax: :data:`QUERY_HELP`); a damaged
        index is moved aside and rebuilt, not raised."""
        return self.index().search(query, limit, prefix_last=prefix_last)

    def labelled(self, label: str) -> list[str] | None:
        """Ids of the records on disk the labeler filed under ``label`` (no order); None when
        the index cannot tell (no labeler, no index, or it failed: :attr:`warnings` says why)."""
        return self.index().labelled(label) if self.use_index else None

    def label_counts(
        self, wanted: Mapping[str, Iterable[str]]
    ) -> dict[str, tuple[int, int]] | None:
        """Per label of ``wanted``: (records on disk filed under it, how many of the label's
        given ids are among them); None like :meth:`labelled`."""
        return self.index().label_counts(wanted) if self.use_index else None

    def search_seed(self, query: str, limit: int = 20) -> list[str]:
        """Ids of seed snapshot records best matching ``query`` (a fresh install, offline)."""
        return self.index().search_seed(self.seed_records, query, limit)

    # -- maintenance (mscterm.store.maintenance) -----------------------------------------------
    def stats(self) -> dict[str, Any]:
        """What ``mscterm cache stats`` shows: counts, size on disk, age, paths."""
        return _upkeep().stats(self)

    def verify(self) -> list[str]:
        """Check and repair every part of the cache; sentences (:class:`Finding`) of what was
        found, ``finding.fixed`` false for problems that remain. Empty: all is well."""
        return list(_upkeep().verify(self))

    def clear(self) -> None:
        """Empty records, trials, answers and the index; user state is never touched."""
        _upkeep().clear(self)

    def quarantined(self) -> list[Path]:
        """Damaged caches and indexes moved aside earlier (removed by :meth:`clear`)."""
        if not self.cache_dir.is_dir():
            return []
        marks = tuple(name + CORRUPT_MARK for name in (*SHELVES, INDEX_FILE))
        return sorted(p for p in self.cache_dir.iterdir() if p.name.startswith(marks))

    def write_jsonl(self, out: IO[str]) -> int:
        """Write every disk record as one Record JSON per line (the seed snapshot's format)."""
        return _upkeep().write_jsonl(self, out)

    def export_jsonl(self, path: Path) -> int:
        """Export the disk records to ``path`` atomically; returns the count."""
        return _upkeep().export_jsonl(self, path)

    def import_jsonl(self, path: Path) -> tuple[int, int, int]:
        """Merge a snapshot file; ``(added, updated, skipped)``; a bad line imports nothing."""
        return _upkeep().import_jsonl(self, path)

    # -- lifetime ------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the database connections (the store must not be used afterwards)."""
        if self._index is not None:
            self._index.close()
        for shelf in (self.records, self.answers, self.trials):
            shelf.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
