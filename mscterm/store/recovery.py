"""How the store survives its disk: guarded calls, damaged files moved aside, read-only fallback.

Each of the store's diskcache directories (records, answers, trials) is a :class:`Shelf`. Every
call into diskcache goes through :meth:`Shelf.run`, which sorts SQLite's complaints three ways:

* **damage** (SQLITE_CORRUPT, NOTADB, "malformed"): the folder is moved aside (never deleted),
  every row still readable is salvaged into a fresh cache (:mod:`mscterm.store.salvage`), the
  user is told through the store's warnings, and the call is retried once;
* **no space** (ENOSPC, SQLITE_FULL): a :class:`StoreError` with ``disk_full`` set that says
  "disk full"; nothing is moved aside, since nothing is damaged;
* anything else (read-only mount, permissions, a lock held too long): a :class:`StoreError`
  with a plain sentence.

A cache that cannot be opened for writing (diskcache writes its settings on every open) is read
through :class:`ReadOnlyCache`, so offline lookups keep working on a full disk.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import diskcache

from mscterm.store import codec
from mscterm.store.disk import SafeDisk
from mscterm.store.errors import CorruptRow, StoreError

CORRUPT_MARK = ".corrupt-"
"""Infix of the names damaged caches and indexes are moved aside to."""

SETTINGS: dict[str, Any] = {
    # Records are the user's offline library: never evict them for size (expired answers are
    # still culled on writes). Every value stays inside SQLite, so a transaction covers it.
    "eviction_policy": "none",
    "disk_min_file_size": 1 << 24,
    "statistics": 0,
    "tag_index": 0,
}

T = TypeVar("T")
CacheLike = Any
"""A ``diskcache.Cache`` (with :class:`SafeDisk`) or a :class:`ReadOnlyCache`."""
Accept = Callable[[str, str], bool]
"""Whether a (key, value) row of a damaged cache is sound enough to salvage."""


def is_corruption(exc: BaseException) -> bool:
    """SQLite says the file is damaged or not a database (as opposed to busy, full, read-only)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "encrypted" in text


def is_disk_full(exc: BaseException, where: Path | None = None) -> bool:
    """ENOSPC, SQLITE_FULL, or an SQLite I/O error while ``where``'s disk has no room left."""
    if isinstance(exc, StoreError):
        return exc.disk_full
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    name = getattr(exc, "sqlite_errorname", "") or ""
    text = str(exc).lower()
    if name.startswith("SQLITE_FULL") or "disk is full" in text:
        return True
    if where is not None and (name.startswith("SQLITE_IOERR") or "i/o error" in text):
        probe = where if where.exists() else where.parent
        with contextlib.suppress(OSError):
            return shutil.disk_usage(probe).free < 256 * 1024
    return False


def store_error(exc: BaseException, cache_dir: Path, what: str = "the cache") -> StoreError:
    """The one plain sentence (and flags) for a storage failure."""
    if isinstance(exc, StoreError):
        return exc
    if is_disk_full(exc, cache_dir):
        return StoreError(
            f"no space left on the disk holding {what} in {cache_dir} (disk full); "
            "what was cached before is kept",
            disk_full=True,
        )
    if isinstance(exc, diskcache.Timeout):
        return StoreError(f"{what} in {cache_dir} stayed locked by another process")
    reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    bad_path = isinstance(exc, OSError) and exc.errno in (errno.ENOTDIR, errno.EEXIST)
    return StoreError(f"cannot use {what} in {cache_dir}: {reason}", bad_path=bad_path)


def aside(path: Path) -> Path:
    """A free name ``<path>.corrupt-<timestamp>[-n]`` to move a damaged file or folder to."""
    base = f"{path.name}{CORRUPT_MARK}{time.strftime('%Y%m%d-%H%M%S')}"
    candidate = path.with_name(base)
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{base}-{n}")
        n += 1
    return candidate


def connect_read_only(db: Path, *, probe: bool = True) -> sqlite3.Connection:
    """A read-only connection to a diskcache database (raises ``sqlite3.Error``); ``probe``
    checks that its table can be read (salvage takes whatever connection it can get)."""

    def connect(uri: str) -> sqlite3.Connection:
        con = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
        try:
            if probe:
                con.execute("SELECT count(*) FROM Cache WHERE rowid = 0").fetchall()
        except sqlite3.Error:
            con.close()
            raise
        return con

    db = db.resolve()
    try:
        return connect(db.as_uri() + "?mode=ro")
    except sqlite3.Error:
        # On a full disk SQLite cannot even create the WAL index (-shm) a reader needs; with no
        # pending WAL content the database file alone is the whole truth.
        wal = Path(f"{db}-wal")
        if wal.exists() and wal.stat().st_size > 0:
            raise
        return connect(db.as_uri() + "?mode=ro&immutable=1")


def read(cache: CacheLike, key: Any) -> Any:
    """A stored value, or ``None`` for a row mscterm did not write (never unpickled)."""
    try:
        return cache.get(key)
    except CorruptRow:
        return None


class ReadOnlyCache:
    """Read access to a diskcache database that cannot be opened for writing.

    Reads the table diskcache writes, only text keys and raw values (never unpickling), and
    refuses writes with a :class:`StoreError` that says why.
    """

    def __init__(self, directory: Path, error: StoreError) -> None:
        self.error = error
        self._con = connect_read_only(directory / diskcache.core.DBNAME)

    def get(self, key: str, default: Any = None) -> Any:
        row = self._con.execute(
            "SELECT mode, value, filename FROM Cache WHERE key = ? AND raw = 1"
            " AND (expire_time IS NULL OR expire_time > ?)",
            (key, time.time()),
        ).fetchone()
        if row is None or row[0] != diskcache.core.MODE_RAW or row[2] is not None:
            return default
        return row[1]

    def iterkeys(self) -> Iterator[Any]:
        rows = self._con.execute("SELECT key FROM Cache WHERE raw = 1 ORDER BY key").fetchall()
        return iter([r[0] for r in rows])

    def __len__(self) -> int:
        return int(self._con.execute("SELECT count(*) FROM Cache").fetchone()[0])

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    set = delete = clear = check = transact = _refuse

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._con.close()


class Shelf:
    """One diskcache directory of the store, opened on first use and kept usable.

    ``label`` names it in sentences ("the cache", "the trial cache"); ``unit`` names its rows
    ("records"); ``accept`` decides which rows of a damaged copy are salvaged (by default the
    codec's check for the shelf's kind of row).
    """

    def __init__(
        self,
        path: Path,
        label: str,
        unit: str,
        accept: Accept | None = None,
        *,
        warn: Callable[[str], None],
    ) -> None:
        self.path = Path(path)
        self.label = label
        self.unit = unit
        self._accept = accept or codec.row_ok
        self._warn = warn
        self._cache: CacheLike | None = None
        self._inode: int | None = None
        self._lock = threading.RLock()

    # -- opening -------------------------------------------------------------------------------
    @property
    def cache(self) -> CacheLike:
        """The open cache (opened, repaired or read-only, on first use)."""
        if self._cache is None:
            with self._lock:
                if self._cache is None:
                    self._cache = self._open()
        return self._cache

    @property
    def read_only(self) -> bool:
        return isinstance(self._cache, ReadOnlyCache)

    def exists(self) -> bool:
        """Whether the folder holds a database (so reading it cannot create one)."""
        return self._cache is not None or (self.path / diskcache.core.DBNAME).is_file()

    def _db_inode(self) -> int | None:
        try:
            return os.stat(self.path / diskcache.core.DBNAME).st_ino
        except OSError:
            return None

    def _new(self) -> diskcache.Cache:
        cache = diskcache.Cache(str(self.path), timeout=60, disk=SafeDisk, **SETTINGS)
        self._inode = self._db_inode()
        return cache

    def _open(self) -> CacheLike:
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(
                f"the cache path {self.path} exists but is not a folder; "
                "move that file away or choose another cache folder",
                bad_path=True,
            )
        before = self._db_inode()
        try:
            return self._new()
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                return self._read_only(exc)
        except OSError as exc:
            return self._read_only(exc)
        # Damaged at open: move it aside unless another process already replaced it.
        return self._replace_damaged(before)

    def _read_only(self, exc: BaseException) -> ReadOnlyCache:
        error = self.error(exc)
        if not (self.path / diskcache.core.DBNAME).is_file():
            raise error from None
        try:
            cache = ReadOnlyCache(self.path, error)
        except sqlite3.Error:
            raise error from None
        self._warn(f"{error}; cached {self.unit} can be read, nothing new is stored for now")
        return cache

    def error(self, exc: BaseException) -> StoreError:
        return store_error(exc, self.path.parent, self.label)

    # -- damage ----------------------------------------------------------------------------------
    def _replace_damaged(self, known_inode: int | None) -> diskcache.Cache:
        """Move the damaged folder aside, open a fresh cache and salvage what can be read."""
        from mscterm.store.salvage import salvage

        current = self._db_inode()
        target: Path | None = None
        if known_inode is None or current is None or current == known_inode:
            target = aside(self.path)
            try:
                os.replace(self.path, target)
            except FileNotFoundError:
                target = None  # another process moved it already
            except OSError as exc:
                raise self.error(exc) from None
        try:
            fresh = self._new()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise self.error(exc) from None
        if target is not None:
            try:
                saved, total = salvage(target / diskcache.core.DBNAME, fresh, self._accept)
                done = f"salvaged {saved} of {total} {self.unit} into a fresh cache"
            except (sqlite3.Error, OSError, diskcache.Timeout) as exc:  # e.g. the disk filled up
                done = f"salvaging stopped ({self.error(exc)}); the damaged copy is kept"
            self._warn(f"{self.label} was damaged and has been moved aside to {target}; {done}")
        return fresh

    def quarantine(self) -> None:
        """An operation met a damaged database after a successful open: replace it."""
        with self._lock:
            known = self._inode
            if self._cache is not None:
                with contextlib.suppress(Exception):
                    self._cache.close()
            self._cache = None
            self._cache = self._replace_damaged(known)

    # -- guarded calls ---------------------------------------------------------------------------
    def run(self, fn: Callable[[CacheLike], T]) -> T:
        """``fn(cache)``; damage is repaired and ``fn`` retried once; failures are StoreErrors."""
        try:
            return fn(self.cache)
        except StoreError:
            raise
        except sqlite3.DatabaseError as exc:
            if not is_corruption(exc):
                raise self.error(exc) from None
            self.quarantine()
        except (OSError, diskcache.Timeout) as exc:
            raise self.error(exc) from None
        try:
            return fn(self.cache)
        except StoreError:
            raise
        except (sqlite3.DatabaseError, OSError, diskcache.Timeout) as exc:
            raise self.error(exc) from None

    def keys(self, prefix: str) -> list[str]:
        """The text keys that start with ``prefix``, without it (pickled keys are skipped)."""
        n = len(prefix)

        def run(cache: CacheLike) -> list[str]:
            return [k[n:] for k in cache.iterkeys() if type(k) is str and k.startswith(prefix)]

        return self.run(run)

    def get(self, key: Any) -> Any:
        """One guarded read: the value, or ``None`` when absent, expired or not mscterm's (a
        cache that does not exist yet is not created by reading it)."""
        return self.run(lambda cache: read(cache, key)) if self.exists() else None

    def set_many(self, items: Iterable[tuple[str, Any]], expire: float | None = None) -> None:
        """Write ``(key, value)`` pairs in one transaction."""
        pairs = list(items)

        def write(cache: CacheLike) -> None:
            with cache.transact():
                for key, value in pairs:
                    cache.set(key, value, expire=expire)

        self.run(write)

    def get_many(self, prefix: str, names: list[str]) -> list[Any]:
        """Guarded reads of ``prefix + name`` for each name, in one call."""
        return self.run(lambda cache: [read(cache, prefix + name) for name in names])

    def size(self) -> int:
        """Bytes on disk of this folder."""
        total = 0
        for root, _, files in os.walk(self.path):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(root, name)).st_size
        return total

    def close(self) -> None:
        with self._lock:
            if self._cache is not None:
                with contextlib.suppress(Exception):
                    self._cache.close()
                self._cache = None
