"""The offline full-text index: one SQLite FTS5 file beside the cache.

Why SQLite FTS5: it ships with Python (no dependency), is safe for several processes at once
(WAL), and answers in milliseconds from a file, so offline search works on an air-gapped laptop.
The query language is :mod:`mscterm.store.query`; how a query is ranked, :mod:`.ranking`.

Storage: the FTS5 table is contentless (``content=''``): it keeps only the inverted index, no
copy of the text (half the size of keeping the text for deletes). A side table ``docs`` maps
rowid -> record id with a hash of the indexed text. Re-adding an unchanged record is a no-op; a
changed one gets a new row and its old rowid moves from ``docs`` to ``gone``, so the old row is a
*tombstone*: its words still sit in the inverted index (SQLite < 3.43 cannot delete from a
contentless table without the old text) but every hit is mapped through ``docs`` and tombstones
are dropped, and match counts subtract the ``gone`` rows they met. Records change rarely,
:meth:`SearchIndex.stats` counts tombstones, and :meth:`SearchIndex.rebuild` (run by the store's
``verify()``) drops them. ``detail=full`` stays, because phrases need token positions.

The ``meta`` column holds tokens of a record's facts rather than its text: ``qqallrecords``,
``yr2012``, ``pmid123``, one ``pt…`` token per publication type, ``qqisretracted``,
``qqhasabstract``/``qqhasdoi``/``qqhaspmcid`` (the query side is :mod:`.query`), a token per
label (topic) of the record (:mod:`.labels`). A change of these or of the columns bumps
:data:`INDEX_SCHEMA`; an index of another version (or labels version) is rebuilt from the
records the first time it is opened (:attr:`SearchIndex.stale`).

Concurrency: WAL journal, a busy timeout, and every write in ``BEGIN IMMEDIATE``, so two
processes adding at once wait for each other instead of failing.

Failures are sorted, not lumped together: a file that is not a readable index raises
:class:`IndexCorruptError` (the store moves it aside and rebuilds it), while a full disk or an
unwritable folder raises :class:`~mscterm.store.errors.StoreError` -- a healthy index is never
thrown away because the disk has no room.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import TypeVar

from mscterm.model import Record
from mscterm.store import labels
from mscterm.store.errors import StoreError
from mscterm.store.indexrows import COLUMNS, record_columns, rowid_prefix
from mscterm.store.query import ALL_TOKEN
from mscterm.store.ranking import Matches, Stemmer, compile_query, run_plan
from mscterm.store.recovery import aside, is_disk_full

INDEX_SCHEMA = 3
"""Bump when columns, ``meta`` tokens or tokenisation change: an index of another version is
emptied on open and marked stale, and its keeper rebuilds it from the records.
(2: publication types, retracted, has-abstract/DOI/PMCID tokens; the ``gone`` table.
3: label tokens, and the labels version in ``meta``, whose values may be text.)"""

_SEQ_BITS = 36
_NOT_DAMAGE: tuple[str, ...] = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")
_NOT_DAMAGE += ("SQLITE_PERM", "SQLITE_NOMEM", "SQLITE_INTERRUPT", "SQLITE_AUTH")
T = TypeVar("T")


class IndexError_(Exception):
    """Base of the index's own errors."""


class IndexCorruptError(IndexError_):
    """The index file is damaged or not an index: delete it and rebuild from the store."""


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs(
    rowid INTEGER PRIMARY KEY,
    rid TEXT NOT NULL UNIQUE,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS gone(rowid INTEGER PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS ft USING fts5(
    {", ".join(COLUMNS)},
    content='',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS ft_vocab USING fts5vocab(ft, 'row');
"""


def _is_locked(exc: sqlite3.Error) -> bool:
    msg = str(exc).lower()
    return isinstance(exc, sqlite3.OperationalError) and ("locked" in msg or "busy" in msg)


class SearchIndex:
    """The full-text index of cached records (see the module docstring for how and why).

    Not thread-safe: one instance per thread (each opens its own connection).
    ``labeler`` gives each record's labels (its topics); without one, rows carry none
    (see :mod:`.labels`).
    """

    def __init__(
        self,
        path: Path,
        *,
        timeout: float = 30.0,
        labeler: labels.Labeler | None = None,
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._timeout = timeout
        self._labeler = labeler
        self.labels_version = labeler.version if labeler is not None else None
        self.stale = False
        """The file held an index of another :data:`INDEX_SCHEMA` or labels version: stale
        until :meth:`rebuild` fills it (the keeper does so on open)."""
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise self._failure(exc, "cannot open") from None
        self._stemmer = Stemmer(self._db)
        try:
            self._setup()
        except sqlite3.Error as exc:
            self._db.close()
            if _is_locked(exc):
                raise
            raise self._failure(exc, "cannot set up") from None

    def _failure(self, exc: sqlite3.Error, doing: str) -> Exception:
        """Damage -> IndexCorruptError; a full disk or unusable folder -> StoreError."""
        name = getattr(exc, "sqlite_errorname", "") or ""
        if is_disk_full(exc, self.path):
            return StoreError(
                f"no space left on the disk holding the search index {self.path} (disk full); "
                "the index is kept as it was",
                disk_full=True,
            )
        if name.startswith(_NOT_DAMAGE):
            return StoreError(f"{doing} the search index {self.path}: {exc}")
        return IndexCorruptError(f"search index {self.path} is damaged: {exc}")

    # -- opening -----------------------------------------------------------------------------
    def _setup(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self._retry(lambda: db.execute("PRAGMA journal_mode = WAL"))
        db.execute("PRAGMA synchronous = NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        have = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}
        if version != INDEX_SCHEMA or not {"docs", "ft", "meta", "ft_vocab", "gone"} <= have:
            self._retry(self._create)
        self.stale = self._meta(db, "stale") > 0
        if self.labels_version is not None and not labels.is_current(db, self.labels_version):
            self.stale = True

    def _create(self) -> None:
        db = self._db
        with self._write():
            v = db.execute("PRAGMA user_version").fetchone()[0]
            if v not in (0, INDEX_SCHEMA):
                # Another layout: start empty, marked stale until rebuilt from the records.
                for name in ("ft_vocab", "ft", "docs", "gone", "meta"):
                    db.execute(f"DROP TABLE IF EXISTS {name}")
            # (executescript would commit mid-transaction: run the statements singly)
            for stmt in _SCHEMA.split(";"):
                if stmt.strip():
                    db.execute(stmt)
            if v not in (0, INDEX_SCHEMA):
                db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('stale', 1)")
            db.execute(f"PRAGMA user_version = {INDEX_SCHEMA}")

    def _retry(self, fn: Callable[[], T], attempts: int = 20) -> T:
        """Run ``fn``, retrying while another process holds a lock the busy timeout missed."""
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or i == attempts - 1:
                    raise
                time.sleep(0.05 * (i + 1))
        raise AssertionError("unreachable")  # pragma: no cover

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent writers queue instead of
        deadlocking on a read-to-write upgrade."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    @classmethod
    def open_or_rebuild(
        cls, path: Path, records_factory: Callable[[], Iterable[Record]]
    ) -> SearchIndex:
        """Open the index; if it is corrupt, move it aside and rebuild it from ``records_factory``
        (called only then, so the common path does not read the whole store)."""
        try:
            index = cls(path)
            index._check()
            if index.stale:
                index.rebuild(records_factory())
            return index
        except IndexCorruptError:
            pass
        path = Path(path)
        target = aside(path)
        for suffix in ("", "-wal", "-shm"):
            p = Path(f"{path}{suffix}")
            with contextlib.suppress(OSError):
                os.replace(p, Path(f"{target}{suffix}"))
        index = cls(path)
        index.rebuild(records_factory())
        return index

    def _check(self) -> None:
        """A cheap probe that touches the FTS structures (a corrupt file fails here)."""
        probe = "SELECT rowid FROM ft WHERE ft MATCH ? LIMIT 1"
        self._guard(lambda: self._db.execute(probe, (f"meta : {ALL_TOKEN}",)).fetchall())

    def _guard(self, fn: Callable[[], T]) -> T:
        try:
            return self._retry(fn)
        except sqlite3.Error as exc:
            if _is_locked(exc):
                raise
            raise self._failure(exc, "cannot use") from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------
    def add(self, records: Iterable[Record]) -> None:
        """Index records; a record already indexed under the same id is replaced (its old
        words stop matching), and one whose indexed text is unchanged is left alone."""
        batch = list(records)
        if batch:
            self._guard(lambda: self._add(batch))

    def _add(self, batch: list[Record]) -> None:
        with self._write() as db:
            self._insert(db, batch)

    def _insert(self, db: sqlite3.Connection, records: Iterable[Record]) -> None:
        """Insert (or replace) rows inside the caller's transaction."""
        labeling = labels.Labeling(db, self._labeler)
        seq = self._meta(db, "seq")
        insert_ft = f"INSERT INTO ft(rowid, {', '.join(COLUMNS)}) VALUES (?{', ?' * 8})"
        for rec in records:
            cols = record_columns(rec, labeling.of(rec))
            prefix = rowid_prefix(rec)
            digest = hashlib.blake2b(
                "\x1f".join(cols).encode("utf-8") + prefix.to_bytes(8, "big"), digest_size=16
            ).digest()
            old = db.execute("SELECT rowid, hash FROM docs WHERE rid = ?", (rec.id,)).fetchone()
            if old is not None:
                if old[1] == digest:
                    continue
                db.execute("DELETE FROM docs WHERE rowid = ?", (old[0],))
                db.execute("INSERT OR IGNORE INTO gone(rowid) VALUES (?)", (old[0],))
            seq += 1
            rowid = prefix | (seq & ((1 << _SEQ_BITS) - 1))
            db.execute(insert_ft, (rowid, *cols))
            db.execute(
                "INSERT INTO docs(rowid, rid, hash) VALUES (?, ?, ?)", (rowid, rec.id, digest)
            )
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('seq', ?)", (seq,))

    @staticmethod
    def _meta(db: sqlite3.Connection, key: str) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def rebuild(self, records: Iterable[Record]) -> None:
        """Replace the whole index by ``records`` in one transaction (readers see the old index
        until it commits), then merge FTS5 segments so queries are at their fastest."""

        def run() -> None:
            with self._write() as db:
                db.execute("INSERT INTO ft(ft) VALUES ('delete-all')")
                db.execute("DELETE FROM docs")
                db.execute("DELETE FROM gone")
                db.execute("DELETE FROM meta WHERE key IN ('seq', 'stale')")
                labels.set_version(db, self.labels_version)
                self._insert(db, records)
            with self._write() as db:
                db.execute("INSERT INTO ft(ft) VALUES ('optimize')")
            # 'optimize' rewrote the segments: give the freed half of the file back. VACUUM
            # needs no other connection in a transaction; if one is, the file just stays big.
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute("VACUUM")
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        self._guard(run)
        self.stale = False

    def remove(self, rids: Iterable[str]) -> None:
        """Drop records from the index (their rows become tombstones until a rebuild)."""
        wanted = list(rids)

        def run() -> None:
            with self._write() as db:
                for rid in wanted:
                    for (rowid,) in db.execute("SELECT rowid FROM docs WHERE rid = ?", (rid,)):
                        db.execute("INSERT OR IGNORE INTO gone(rowid) VALUES (?)", (rowid,))
                    db.execute("DELETE FROM docs WHERE rid = ?", (rid,))

        self._guard(run)

    def stats(self) -> dict[str, int]:
        """``records``, ``tombstones`` (replaced rows still in the inverted index) and ``bytes``
        on disk; a rebuild is worth it when tombstones are a sizeable share of records."""

        def run() -> dict[str, int]:
            records = self._db.execute("SELECT count(*) FROM docs").fetchone()[0]
            dead = self._db.execute("SELECT count(*) FROM gone").fetchone()[0]
            size = sum(
                p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists()
            )
            return {"records": records, "tombstones": dead, "bytes": size}

        return self._guard(run)

    # -- reading -----------------------------------------------------------------------------
    def count(self) -> int:
        """How many records are indexed."""
        return int(self._guard(lambda: self._db.execute("SELECT count(*) FROM docs").fetchone()[0]))

    def ids(self) -> Iterator[str]:
        """Every indexed record id (for comparing with the store)."""
        rows = self._guard(lambda: self._db.execute("SELECT rid FROM docs").fetchall())
        return iter([r[0] for r in rows])

    def search(self, query: str, limit: int = 20, *, prefix_last: bool = False) -> list[str]:
        """Record ids matching ``query`` (syntax: :data:`~mscterm.store.query.QUERY_HELP`),
        best first; ``prefix_last`` treats the last word as a prefix (search-as-you-type).

        Never raises for anything a user can type; raises :class:`IndexCorruptError` if the
        file is damaged.
        """
        if limit < 1:
            return []
        return self.find(query, limit, prefix_last=prefix_last).ids

    def find(self, query: str, limit: int = 20, *, prefix_last: bool = False) -> Matches:
        """Like :meth:`search`, with how many records match in all (counted up to
        :data:`~mscterm.store.queryhelp.COUNT_CAP`) and a hint about the query itself (an
        unknown field, a bad value) instead of a silent 0 hits. ``limit`` 0 only counts."""
        if not isinstance(query, str):
            return Matches()

        def run() -> Matches:
            plan = compile_query(query, prefix_last, self._stemmer.stems_before)
            return run_plan(self._db, plan, max(0, limit))

        return self._guard(run)

    def known(self, rids: Iterable[str]) -> set[str]:
        """Which of ``rids`` are indexed (for not counting a record twice)."""
        wanted = list(dict.fromkeys(rids))

        def run() -> set[str]:
            found: set[str] = set()
            for start in range(0, len(wanted), 500):
                part = wanted[start : start + 500]
                marks = ",".join("?" * len(part))
                sql = f"SELECT rid FROM docs WHERE rid IN ({marks})"
                found.update(r[0] for r in self._db.execute(sql, part).fetchall())
            return found

        return self._guard(run) if wanted else set()

    def labelled(self, label: str) -> list[str]:
        """Ids of the records labelled ``label`` (:func:`.labels.labelled`)."""
        return self._guard(lambda: labels.labelled(self._db, self.labels_version, label))

    def label_counts(self, wanted: Mapping[str, Iterable[str]]) -> dict[str, tuple[int, int]]:
        """Records per label, and how many given ids are among them (:mod:`.labels`)."""
        return self._guard(lambda: labels.label_counts(self._db, self.labels_version, wanted))
