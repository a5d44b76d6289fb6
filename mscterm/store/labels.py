"""Labels in the search index: which labelling its rows carry, and reading a label's records.

The store's labeler (normally: the topics a record belongs to) runs when a record is indexed,
and each label becomes a ``meta`` token (:func:`~mscterm.store.indexrows.label_token`), so a
topic's records are one FTS5 posting list: listed or counted in milliseconds, from the same file
every process writes, instead of one pass over the whole cache.

Labels are only as good as the rules that made them, so the index keeps, in its ``meta`` table,
the *labels version* (a hash of what decides membership) its rows were labelled with:

* a writer with the index's version adds rows as usual;
* a writer with another version (or none) adding rows to a non-empty index leaves the version
  :data:`MIXED`: no labelled reader trusts it until a rebuild relabels every row;
* a rebuild writes the rebuilder's version.

A labelled reader whose version differs sees the index as stale (:class:`LabelsStale`); its keeper
rebuilds it from the records, as for a change of :data:`~mscterm.store.fts.INDEX_SCHEMA`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from typing import Protocol

from mscterm.model import Record
from mscterm.store.indexrows import label_token

LABELS_KEY = "labels"
"""The ``meta`` key holding the labels version of the index's rows."""
MIXED = "mixed"
"""The labels version of an index whose rows were labelled by different versions."""


class Labeler(Protocol):
    """Gives a record's labels (its topic ids) by rules that :attr:`version` names."""

    @property
    def version(self) -> str:
        """A hash of the rules: rows labelled under another version are relabelled."""

    def __call__(self, record: Record) -> Iterable[str]: ...


class LabelsStale(Exception):
    """The index's rows were labelled by another labels version (or by none)."""


def stored_version(db: sqlite3.Connection) -> str | None:
    """The labels version of the index's rows (None: unlabelled)."""
    row = db.execute("SELECT value FROM meta WHERE key = ?", (LABELS_KEY,)).fetchone()
    return str(row[0]) if row is not None else None


def _has_rows(db: sqlite3.Connection) -> bool:
    return bool(db.execute("SELECT EXISTS (SELECT 1 FROM docs)").fetchone()[0])


def is_current(db: sqlite3.Connection, version: str | None) -> bool:
    """Whether rows labelled by ``version`` are what the index holds (an empty index is)."""
    return version is not None and (stored_version(db) == version or not _has_rows(db))


def set_version(db: sqlite3.Connection, version: str | None) -> None:
    """Record ``version`` as the labelling of every row (inside the caller's transaction)."""
    if version is None:
        db.execute("DELETE FROM meta WHERE key = ?", (LABELS_KEY,))
    else:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", (LABELS_KEY, version))


class Labeling:
    """Labels for the rows of one write transaction, keeping the stored version true: rows of
    another labelling than the index's, or a labeler that failed, leave it :data:`MIXED`."""

    def __init__(self, db: sqlite3.Connection, labeler: Labeler | None) -> None:
        self._db = db
        self._labeler = labeler
        self._failed = False
        version = labeler.version if labeler is not None else None
        if stored_version(db) != version:
            set_version(db, MIXED if _has_rows(db) else version)

    def of(self, record: Record) -> Iterable[str]:
        """The record's labels (none when the labeler fails: the index must still take it)."""
        if self._labeler is None:
            return ()
        try:
            return self._labeler(record)
        except Exception:
            if not self._failed:
                self._failed = True
                set_version(self._db, MIXED)
            return ()


@contextlib.contextmanager
def _snapshot(db: sqlite3.Connection, version: str | None) -> Iterator[None]:
    """One read transaction for the labels check and the reads (another process may write)."""
    db.execute("BEGIN")
    try:
        if not is_current(db, version):
            raise LabelsStale(f"the index's labels are {stored_version(db)!r}, not {version!r}")
        yield
    finally:
        with contextlib.suppress(sqlite3.Error):
            db.execute("COMMIT")


def _match(label: str) -> str:
    return f'meta : "{label_token(label)}"'


def labelled(db: sqlite3.Connection, version: str | None, label: str) -> list[str]:
    """Ids of the live records carrying ``label`` (in no particular order)."""
    sql = "SELECT d.rid FROM ft JOIN docs AS d ON d.rowid = ft.rowid WHERE ft MATCH ?"
    with _snapshot(db, version):
        return [rid for (rid,) in db.execute(sql, (_match(label),))]


def label_counts(
    db: sqlite3.Connection, version: str | None, wanted: Mapping[str, Iterable[str]]
) -> dict[str, tuple[int, int]]:
    """For each label of ``wanted``: (live records carrying it, how many of its ids are among
    them). Counting walks a posting list without ranking: a few ms per 100,000 records."""
    with _snapshot(db, version):
        rows = "SELECT rowid AS r FROM ft WHERE ft MATCH ?"
        count = f"SELECT count(*) FROM ({rows})"
        if db.execute("SELECT EXISTS (SELECT 1 FROM gone)").fetchone()[0]:  # tombstones
            live = "count(*) - count(g.rowid)"
            count = f"SELECT {live} FROM ({rows}) LEFT JOIN gone AS g ON g.rowid = r"
        probe = "SELECT EXISTS (SELECT 1 FROM ft WHERE ft MATCH ? AND rowid = ?)"
        rowid_of = "SELECT rowid FROM docs WHERE rid = ?"
        rowids: dict[str, int | None] = {}
        out: dict[str, tuple[int, int]] = {}
        for label, ids in wanted.items():
            match = _match(label)
            total = int(db.execute(count, (match,)).fetchone()[0])
            among = 0
            for rid in dict.fromkeys(ids) if total else ():
                if rid not in rowids:
                    row = db.execute(rowid_of, (rid,)).fetchone()
                    rowids[rid] = int(row[0]) if row is not None else None
                rowid = rowids[rid]
                if rowid is not None and db.execute(probe, (match, rowid)).fetchone()[0]:
                    among += 1
            out[label] = (total, among)
        return out
