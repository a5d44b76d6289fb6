"""The offline full-text index: one SQLite FTS5 file beside the cache.

Why SQLite FTS5: it ships with Python (no dependency), is safe for several processes at once
(WAL), and answers in milliseconds from a file, so offline search works on an air-gapped laptop.
The query language is :mod:`mscterm.store.query`; how a query is ranked, :mod:`.ranking`.

Storage: the FTS5 table is contentless (``content=''``): it keeps only the inverted index, no
copy of the text (half the size of keeping the text for deletes). A side table ``docs`` maps
rowid -> record id with a hash of the indexed text. Re-adding an unchanged record is a no-op; a
changed one gets a new row and its old rowid leaves ``docs``, so the old row is a *tombstone*:
its words still sit in the inverted index (SQLite < 3.43 cannot delete from a contentless table
without the old text) but every hit is mapped through ``docs`` and tombstones are dropped.
Records change rarely, :meth:`SearchIndex.stats` counts tombstones, and
:meth:`SearchIndex.rebuild` (run by the store's ``verify()``) drops them. ``detail=full`` stays,
because phrases need token positions.

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
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TypeVar

from mscterm.model import Record
from mscterm.store.errors import StoreError
from mscterm.store.query import ALL_TOKEN, MONTH_SHIFT, YEAR_SHIFT, clean_query
from mscterm.store.query import fold as _fold
from mscterm.store.ranking import Stemmer, compile_query, run_plan
from mscterm.store.recovery import aside, is_disk_full

INDEX_SCHEMA = 1
"""Bump when columns or tokenisation change: an index of another version is emptied on open,
and the store's ``verify()`` (count/ids mismatch) rebuilds it."""

_COLUMNS = ("title", "abstract", "authors", "journal", "mesh", "keywords", "ids", "meta")
_SEQ_BITS = 36
_NOT_DAMAGE: tuple[str, ...] = ("SQLITE_FULL", "SQLITE_IOERR", "SQLITE_READONLY", "SQLITE_CANTOPEN")
_NOT_DAMAGE += ("SQLITE_PERM", "SQLITE_NOMEM", "SQLITE_INTERRUPT", "SQLITE_AUTH")
T = TypeVar("T")


class IndexError_(Exception):
    """Base of the index's own errors."""


class IndexCorruptError(IndexError_):
    """The index file is damaged or not an index: delete it and rebuild from the store."""


def _record_columns(rec: Record) -> tuple[str, ...]:
    """The text of each FTS5 column for one record (folded like queries are)."""
    title = rec.title or ""
    if rec.book is not None:
        title = " ".join(p for p in (title, rec.book.booktitle, rec.book.chapter) if p)
    abstract = " ".join(s.text for s in rec.abstract if s.text)
    authors = " ; ".join(
        " ".join(p for p in (a.family, a.initials, a.given, a.collective) if p) for a in rec.authors
    )
    journal = " ".join(p for p in (rec.journal, rec.journal_abbrev) if p)
    mesh = " ; ".join(" ".join([m.descriptor, *m.qualifiers]) for m in rec.mesh)
    keywords = " ; ".join(rec.keywords)
    ids = " ".join(p for p in (rec.pmid, rec.doi, rec.pmcid, rec.id) if p)
    meta = [ALL_TOKEN]
    if rec.year:
        meta.append(f"yr{rec.year}")
    if rec.pmid and rec.pmid.isdigit():
        meta.append(f"pmid{int(rec.pmid)}")
    cols = (title, abstract, authors, journal, mesh, keywords, ids, " ".join(meta))
    return tuple(clean_query(_fold(c)) if c else "" for c in cols)


def _rowid_prefix(rec: Record) -> int:
    year = rec.year if rec.year and 0 < rec.year < 8000 else 0
    month = rec.month if rec.month and 1 <= rec.month <= 12 else 0
    return (year << YEAR_SHIFT) | (month << MONTH_SHIFT)


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs(
    rowid INTEGER PRIMARY KEY,
    rid TEXT NOT NULL UNIQUE,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS ft USING fts5(
    {", ".join(_COLUMNS)},
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
    """

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._timeout = timeout
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
        if version == INDEX_SCHEMA and {"docs", "ft", "meta", "ft_vocab"} <= have:
            return

        def create() -> None:
            with self._write():
                v = db.execute("PRAGMA user_version").fetchone()[0]
                if v not in (0, INDEX_SCHEMA):
                    # Another layout: start empty; the store's verify() sees the mismatch.
                    for name in ("ft_vocab", "ft", "docs", "meta"):
                        db.execute(f"DROP TABLE IF EXISTS {name}")
                # (executescript would commit mid-transaction: run the statements singly)
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version = {INDEX_SCHEMA}")

        self._retry(create)

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
        seq = self._meta(db, "seq")
        dead = 0
        insert_ft = f"INSERT INTO ft(rowid, {', '.join(_COLUMNS)}) VALUES (?{', ?' * 8})"
        for rec in records:
            cols = _record_columns(rec)
            prefix = _rowid_prefix(rec)
            digest = hashlib.blake2b(
                "\x1f".join(cols).encode("utf-8") + prefix.to_bytes(8, "big"), digest_size=16
            ).digest()
            old = db.execute("SELECT rowid, hash FROM docs WHERE rid = ?", (rec.id,)).fetchone()
            if old is not None:
                if old[1] == digest:
                    continue
                db.execute("DELETE FROM docs WHERE rowid = ?", (old[0],))
                dead += 1
            seq += 1
            rowid = prefix | (seq & ((1 << _SEQ_BITS) - 1))
            db.execute(insert_ft, (rowid, *cols))
            db.execute(
                "INSERT INTO docs(rowid, rid, hash) VALUES (?, ?, ?)", (rowid, rec.id, digest)
            )
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('seq', ?)", (seq,))
        if dead:
            self._bump_dead(db, dead)

    @staticmethod
    def _bump_dead(db: sqlite3.Connection, n: int) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('dead', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
            (n,),
        )

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
                db.execute("DELETE FROM meta WHERE key IN ('seq', 'dead')")
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

    def remove(self, rids: Iterable[str]) -> None:
        """Drop records from the index (their rows become tombstones until a rebuild)."""
        wanted = list(rids)

        def run() -> None:
            with self._write() as db:
                gone = 0
                for rid in wanted:
                    gone += db.execute("DELETE FROM docs WHERE rid = ?", (rid,)).rowcount
                if gone:
                    self._bump_dead(db, gone)

        self._guard(run)

    def stats(self) -> dict[str, int]:
        """``records``, ``tombstones`` (replaced rows still in the inverted index) and ``bytes``
        on disk; a rebuild is worth it when tombstones are a sizeable share of records."""

        def run() -> dict[str, int]:
            records = self._db.execute("SELECT count(*) FROM docs").fetchone()[0]
            dead = self._meta(self._db, "dead")
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
        if limit < 1 or not isinstance(query, str):
            return []

        def run() -> list[str]:
            plan = compile_query(query, prefix_last, self._stemmer.stems_before)
            return [] if plan is None else run_plan(self._db, plan, limit)

        return self._guard(run)
