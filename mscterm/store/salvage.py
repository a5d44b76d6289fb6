"""Copy what can still be read out of a damaged cache database into a fresh one.

One bad page in a 100 MB ``cache.db`` (a disk error, 4 KiB of noise) makes SQLite call the whole
file malformed, yet nearly every row still sits in pages that read fine. First SQLite reads rows
by rowid range (a range that fails is read row by row); then the leaf pages are read directly
(:mod:`mscterm.store.pages`) for what was out of its reach (below a damaged interior page, in a
truncated file, behind an unreadable schema). Only rows mscterm could have written are kept
(text keys, raw text values, nothing pickled, nothing in side files) and each must pass
``accept`` (the codec's checks), so salvage never brings damage or a tampered row into the
fresh cache.
"""

from __future__ import annotations

import contextlib
import sqlite3
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import diskcache

from mscterm.store.pages import scan
from mscterm.store.recovery import Accept, connect_read_only

CHUNK = 256
"""Rowids read per query; a damaged range is re-read one row at a time."""
GIVE_UP_AFTER = 64
"""Empty chunks in a row that end the scan when the table's last rowid cannot be read."""
_COLUMNS = "key, raw, mode, filename, value, expire_time"


def _first(con: sqlite3.Connection, *queries: str) -> int | None:
    """The integer the first query that can still be answered gives."""
    for query in queries:
        with contextlib.suppress(sqlite3.DatabaseError):
            value = con.execute(query).fetchone()[0]
            if value is not None:
                return int(value)
    return None


def _rows(con: sqlite3.Connection, last: int | None) -> Iterator[tuple[Any, ...] | None]:
    """Every row by rowid (``None`` for a row that cannot be read), damaged ranges row by row."""
    start, empty_run = 1, 0
    while (last is not None and start <= last) or (last is None and empty_run < GIVE_UP_AFTER):
        end = start + CHUNK - 1
        try:
            rows: list[Any] = con.execute(
                f"SELECT {_COLUMNS} FROM Cache WHERE rowid BETWEEN ? AND ?", (start, end)
            ).fetchall()
        except sqlite3.DatabaseError:
            rows = []
            for rowid in range(start, end + 1):
                try:
                    row = con.execute(f"SELECT {_COLUMNS} FROM Cache WHERE rowid = ?", (rowid,))
                    rows.extend(row.fetchall())
                except sqlite3.DatabaseError:
                    rows.append(None)
        empty_run = 0 if any(r is not None for r in rows) else empty_run + 1
        yield from rows
        start = end + 1


def _sound(
    row: tuple[Any, ...], accept: Accept, now: float
) -> tuple[str, str, float | None] | None:
    """(key, value, ttl) of a row mscterm could have written and ``accept`` takes, else None."""
    key, raw, mode, filename, value, expire = row
    if raw != 1 or type(key) is not str or type(value) is not str:
        return None
    if mode != diskcache.core.MODE_RAW or filename is not None:
        return None
    if (expire is not None and expire <= now) or not accept(key, value):
        return None
    return key, value, None if expire is None else expire - now


def _sql_pass(db: Path, keep: Callable[[tuple[Any, ...]], None]) -> int:
    """Rows SQLite can still read, by rowid; returns how many rows it says the table holds."""
    try:
        con = connect_read_only(db, probe=False)
    except (sqlite3.Error, OSError):
        return 0
    try:
        if _first(con, "SELECT count(*) FROM sqlite_master") is None:
            return 0  # not even the schema reads: only the pages can tell
        claimed = _first(con, "SELECT count(*) FROM Cache") or 0
        last = _first(
            con,
            "SELECT max(rowid) FROM Cache",
            "SELECT max(rowid) FROM Cache INDEXED BY Cache_key_raw",
            "SELECT max(rowid) FROM Cache INDEXED BY Cache_expire_time",
        )
        for row in _rows(con, last):
            if row is not None:
                keep(row)
    finally:
        con.close()
    return claimed


def salvage(db: Path, target: diskcache.Cache, accept: Accept) -> tuple[int, int]:
    """Copy every sound row of the damaged database ``db`` into ``target``.

    SQLite reads what it still can, then the file's leaf pages are read directly
    (:mod:`mscterm.store.pages`) for the rest: a damaged interior page can make SQLite skip a
    whole subtree without an error. Returns ``(salvaged, total)``:
    ``total`` is how many rows the damaged file held, as far as it can still tell.
    """
    now = time.time()
    saved: set[str] = set()
    batch: list[tuple[str, str, float | None]] = []

    def keep(row: tuple[Any, ...]) -> None:
        sound = _sound(row, accept, now)
        if sound is not None and sound[0] not in saved:
            saved.add(sound[0])
            batch.append(sound)
            if len(batch) >= 1000:
                _write(target, batch)

    claimed = _sql_pass(db, keep)
    rows, counted = scan(db)
    for values in rows.values():
        keep((values[1], values[2], values[9], values[10], values[11], values[4]))
    _write(target, batch)
    return len(saved), max(claimed or counted or 0, len(saved))


def _write(target: diskcache.Cache, batch: list[tuple[str, str, float | None]]) -> None:
    with target.transact():
        for key, value, ttl in batch:
            target.set(key, value, expire=ttl)
    batch.clear()
