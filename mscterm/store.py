"""RecordStore: the on-disk record cache (diskcache) plus the read-only seed snapshot tier.

Why it looks the way it does:

* ``mscterm lookup`` on a warm cache must answer in DESIGN.md's 150 ms including interpreter
  start, so this module imports only the standard library, :mod:`diskcache` and the model; the
  search index and the seed snapshot are loaded only when something needs them.
* Records are stored as one text value per record, ``"<schema>|<stored_at>|<source>|<json>"``:
  the header lets ``stats`` and the downgrade check read age and kind without decoding JSON, and
  a record written by another schema version is simply treated as absent (it is fetched again).
  Text values (no pickle) also mean a hostile cache file cannot execute code.
* A batch of records is written in one diskcache transaction, so a crash or a full disk leaves
  whole records only; diskcache (SQLite in WAL mode) lets several mscterm processes share one
  cache without losing each other's writes.
* A damaged database is moved aside and rebuilt (the records are re-fetchable), and the user is
  told through :attr:`RecordStore.warnings` instead of getting a traceback.

Keys in the diskcache: ``r:<id>`` records, ``a:<id>`` aliases (``doi:…``/``cite:…`` -> PMID of
the fetched record), ``m:<id>`` recently-not-found notes, ``q:<key>`` TTL'd query results.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import json
import os
import shutil
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

import diskcache

from mscterm.atomic import atomic_open
from mscterm.model import PMID_RE, SCHEMA_VERSION, Record

if TYPE_CHECKING:  # pragma: no cover
    from mscterm.index import SearchIndex

RECORDS_DIR = "records"
"""Sub-folder of the cache directory holding the diskcache of records."""
INDEX_FILE = "index.sqlite3"
"""The full-text search index (mscterm.index) beside the records."""
CORRUPT_MARK = ".corrupt-"
"""Infix of the names damaged caches/indexes are moved aside to."""

MAX_LINE_BYTES = 8 * 1024 * 1024
"""Longest JSON line ``import_jsonl`` accepts: far above any real record, far below a DoS."""
IMPORT_CHUNK = 1000
"""Records per transaction on import: bounded lock time, whole records on a crash."""

_REC = "r:"
_ALIAS = "a:"
_MISS = "m:"
_RESULT = "q:"
_VERSION = str(SCHEMA_VERSION)
_SOURCES = frozenset({"pubmed", "seed"})
_JSON_SEP = (",", ":")

_CACHE_SETTINGS: dict[str, Any] = {
    # Records are the user's offline library: never evict them for size. Expired results and
    # not-found notes are still culled by diskcache on writes.
    "eviction_policy": "none",
    # Keep every record inside the SQLite file so a transaction covers it completely (no
    # orphan value files after a crash).
    "disk_min_file_size": 1 << 24,
    "statistics": 0,
    "tag_index": 0,
}

T = TypeVar("T")


class StoreError(OSError):
    """The cache cannot be used (unwritable folder, full disk); the message says which and why."""


class SnapshotError(ValueError):
    """A JSON-lines snapshot cannot be imported; the message names the file and first bad line."""


class Finding(str):
    """One sentence of :meth:`RecordStore.verify`; ``fixed`` says whether it was repaired.

    A ``str`` subclass so ``verify()`` keeps ARCHITECTURE.md's ``list[str]`` contract while the
    CLI can still tell repaired problems (exit 0) from remaining ones (exit 1).
    """

    fixed: bool

    def __new__(cls, text: str, fixed: bool = True) -> Finding:
        obj = super().__new__(cls, text)
        obj.fixed = fixed
        return obj


def _is_corruption(exc: BaseException) -> bool:
    """SQLite says the file is damaged or not a database (as opposed to busy, full, read-only)."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith(("SQLITE_CORRUPT", "SQLITE_NOTADB")):
        return True
    text = str(exc).lower()
    return "malformed" in text or "not a database" in text or "encrypted" in text


def _is_disk_full(exc: BaseException, where: Path | None = None) -> bool:
    """ENOSPC, SQLITE_FULL, or an SQLite I/O error while ``where``'s disk has no room left."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    name = getattr(exc, "sqlite_errorname", "") or ""
    if name.startswith("SQLITE_FULL") or "disk is full" in str(exc).lower():
        return True
    if where is not None and (name.startswith("SQLITE_IOERR") or "i/o error" in str(exc).lower()):
        probe = where if where.exists() else where.parent
        with contextlib.suppress(OSError):
            return shutil.disk_usage(probe).free < 256 * 1024
    return False


def _encode(record: Record, stored_at: float) -> tuple[str, str]:
    """(stored value, its JSON part): the header keeps stats and downgrade checks JSON-free."""
    body = json.dumps(record.to_json(), ensure_ascii=False, separators=_JSON_SEP)
    source = record.source.replace("|", "_")
    return f"{_VERSION}|{stored_at:.3f}|{source}|{body}", body


def _header(value: Any) -> tuple[float, str, str] | None:
    """(stored_at, source, json) of a stored value of this schema version, else ``None``."""
    if not isinstance(value, str):
        return None
    parts = value.split("|", 3)
    if len(parts) != 4 or parts[0] != _VERSION:
        return None
    try:
        return float(parts[1]), parts[2], parts[3]
    except ValueError:
        return None


def _decode(value: Any) -> Record | None:
    """The record of a stored value, or ``None`` when it is from another schema or unreadable."""
    head = _header(value)
    if head is None:
        return None
    try:
        data = json.loads(head[2])
        if not isinstance(data, dict):
            return None
        return Record.from_json(data)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def validate_record(record: Record) -> None:
    """Refuse records the rest of mscterm could not key correctly (raises ``ValueError``).

    Minimal on purpose: the parser's output always passes; this catches programming errors and
    hostile snapshot files before they reach the cache.
    """
    rid = record.id
    if not isinstance(rid, str) or not rid or not rid.isprintable() or rid != rid.strip():
        raise ValueError(f"record id {rid!r} is empty or not printable")
    if record.pmid:
        if record.pmid != rid:
            raise ValueError(f"record id {rid!r} does not match its pmid {record.pmid!r}")
        if not PMID_RE.match(rid):
            raise ValueError(f"pmid {rid!r} is not 1-9 digits")
    elif not rid.startswith(("doi:", "cite:")):
        raise ValueError(f"record id {rid!r} without a pmid must start with doi: or cite:")


_STR_FIELDS = (
    "title", "journal", "journal_abbrev", "volume", "issue", "pages", "doi", "pmcid",
    "language", "resolution", "pmid",
)  # fmt: skip
_LIST_FIELDS = (
    "authors", "abstract", "mesh", "publication_types", "keywords", "comments", "provenance",
)  # fmt: skip


def _check_shape(data: Any) -> None:
    """Type checks for untrusted record JSON (an imported file), so later code cannot trip."""
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    for key in _STR_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise ValueError(f"{key!r} must be a string or null")
    for key in ("year", "month"):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise ValueError(f"{key!r} must be an integer or null")
    for key in _LIST_FIELDS:
        if data.get(key) is not None and not isinstance(data[key], list):
            raise ValueError(f"{key!r} must be a list")
    for key in ("authors", "abstract", "mesh", "comments"):
        if any(not isinstance(item, dict) for item in data.get(key) or []):
            raise ValueError(f"every item of {key!r} must be an object")
    for key in ("publication_types", "keywords", "provenance"):
        if any(not isinstance(item, str) for item in data.get(key) or []):
            raise ValueError(f"every item of {key!r} must be a string")
    book = data.get("book")
    if book is not None and not isinstance(book, dict):
        raise ValueError("'book' must be an object or null")
    people = list(data.get("authors") or [])
    if book:
        if not isinstance(book.get("editors") or [], list):
            raise ValueError("'book.editors' must be a list")
        people += list(book.get("editors") or [])
        if any(v is not None and not isinstance(v, (str, list)) for v in book.values()):
            raise ValueError("'book' fields must be strings")
    for person in people:
        if not isinstance(person, dict) or any(
            v is not None and not isinstance(v, str) for v in person.values()
        ):
            raise ValueError("author fields must be strings or null")
    for key in ("abstract",):
        for section in data.get(key) or []:
            if not isinstance(section.get("text"), str):
                raise ValueError("every abstract section needs a 'text' string")
    for heading in data.get("mesh") or []:
        if not isinstance(heading.get("descriptor"), str) or not isinstance(
            heading.get("qualifiers") or [], list
        ):
            raise ValueError("every MeSH heading needs a 'descriptor' string")
    for key in ("retracted", "authors_complete"):
        if data.get(key) is not None and not isinstance(data[key], bool):
            raise ValueError(f"{key!r} must be true or false")
    if not isinstance(data.get("id"), str):
        raise ValueError("'id' must be a string")
    if data.get("source", "pubmed") not in _SOURCES:
        raise ValueError("source must be pubmed or seed")


def parse_record_line(line: bytes | str) -> Record:
    """One snapshot line -> Record, or ``ValueError`` saying what is wrong with it."""
    if isinstance(line, bytes):
        try:
            line = line.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ValueError(f"not UTF-8 text (byte {exc.start})") from None
    try:
        data = json.loads(line)
    except ValueError as exc:
        raise ValueError(f"not valid JSON ({exc})") from None
    except RecursionError:
        raise ValueError("not a record (JSON nested too deeply)") from None
    _check_shape(data)
    try:
        record = Record.from_json(data)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a record ({exc})") from None
    validate_record(record)
    return record


def _timestamp() -> str:
    return time.strftime("%Y%m%d-%H%M%S")


def _aside(path: Path) -> Path:
    """A free name ``<path>.corrupt-<timestamp>[-n]`` to move a damaged file or folder to."""
    base = f"{path.name}{CORRUPT_MARK}{_timestamp()}"
    candidate = path.with_name(base)
    n = 1
    while candidate.exists():
        candidate = path.with_name(f"{base}-{n}")
        n += 1
    return candidate


class _ReadOnlyCache:
    """Read access to a diskcache database that cannot be opened for writing.

    diskcache writes its settings on every open, so on a full disk (or a read-only mount) it
    cannot open at all; this keeps offline lookups working there. It reads the same table
    diskcache writes, only values mscterm stores (text and integers, never unpickling), and
    refuses writes with a :class:`StoreError` that says why.
    """

    def __init__(self, directory: Path, reason: str) -> None:
        self.reason = reason
        db = (directory / diskcache.core.DBNAME).resolve()
        wal = Path(f"{db}-wal")
        try:
            self._con = self._connect(db.as_uri() + "?mode=ro")
        except sqlite3.Error:
            # On a full disk SQLite cannot even create the WAL index (-shm) a reader needs;
            # with no pending WAL content the database file alone is the whole truth.
            if wal.exists() and wal.stat().st_size > 0:
                raise
            self._con = self._connect(db.as_uri() + "?mode=ro&immutable=1")

    @staticmethod
    def _connect(uri: str) -> sqlite3.Connection:
        con = sqlite3.connect(uri, uri=True, timeout=60, isolation_level=None)
        try:
            con.execute("SELECT count(*) FROM Cache WHERE rowid = 0").fetchall()
        except sqlite3.Error:
            con.close()
            raise
        return con

    def get(self, key: str, default: Any = None) -> Any:
        row = self._con.execute(
            "SELECT mode, value FROM Cache WHERE key = ? AND raw = 1"
            " AND (expire_time IS NULL OR expire_time > ?)",
            (key, time.time()),
        ).fetchone()
        if row is None or row[0] != diskcache.core.MODE_RAW:
            return default
        return row[1]

    def iterkeys(self) -> Iterator[Any]:
        rows = self._con.execute("SELECT key FROM Cache WHERE raw = 1 ORDER BY key").fetchall()
        return iter([r[0] for r in rows])

    def _refuse(self, *args: Any, **kwargs: Any) -> Any:
        raise StoreError(self.reason)

    set = delete = clear = check = transact = _refuse

    def close(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._con.close()


def _guarded(method: Callable[..., T]) -> Callable[..., T]:
    """Run a store method; if SQLite reports a damaged database, move it aside and retry once.

    Full disks and unwritable folders become :class:`StoreError` with a plain sentence.
    """

    @functools.wraps(method)
    def wrapper(self: RecordStore, *args: Any, **kwargs: Any) -> T:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                raise self._as_store_error(exc) from None
            self._quarantine_cache()
        except OSError as exc:
            if isinstance(exc, StoreError):
                raise
            raise self._as_store_error(exc) from None
        try:
            return method(self, *args, **kwargs)
        except (sqlite3.DatabaseError, OSError) as exc:
            if isinstance(exc, StoreError):
                raise
            raise self._as_store_error(exc) from None

    return wrapper


class RecordStore:
    """Records on disk (diskcache) in front of the shipped, read-only seed snapshot.

    ``get`` looks at the disk first, then at the seed snapshot, which is read only when a disk
    miss needs it. ``put`` never replaces a fetched PubMed record by a citation-level one.
    """

    def __init__(
        self, cache_dir: Path, seed_path: Path | None = None, *, index: bool = True
    ) -> None:
        self.cache_dir = Path(cache_dir)
        self.path = self.cache_dir / RECORDS_DIR
        self.index_path = self.cache_dir / INDEX_FILE
        self.seed_path = Path(seed_path) if seed_path is not None else None
        self.use_index = index
        self.warnings: list[str] = []
        """Plain sentences for the user (damaged cache moved aside, index not updated, …)."""
        self._seed: dict[str, Record] | None = None
        self._seed_by_doi: dict[str, str] = {}
        self._index: SearchIndex | None = None
        self._index_failed = False
        # One index connection is shared by the store's callers (the TUI's worker threads
        # included); SQLite transactions on one connection must not interleave.
        self._index_lock = threading.RLock()
        self._db_inode: int | None = None
        self._cache = self._open()

    # -- opening, damage and errors ------------------------------------------------------------
    def _inode(self) -> int | None:
        try:
            return os.stat(self.path / diskcache.core.DBNAME).st_ino
        except OSError:
            return None

    def _new_cache(self) -> diskcache.Cache:
        cache = diskcache.Cache(str(self.path), timeout=60, **_CACHE_SETTINGS)
        self._db_inode = self._inode()
        return cache

    def _open(self) -> diskcache.Cache | _ReadOnlyCache:
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"the cache path {self.path} exists but is not a folder")
        before = self._inode()
        try:
            return self._new_cache()
        except sqlite3.DatabaseError as exc:
            if not _is_corruption(exc):
                return self._read_only(exc)
        except OSError as exc:
            return self._read_only(exc)
        # Move it aside unless another process already replaced it by a fresh one.
        if before is None or self._inode() == before:
            self._move_aside_cache()
        try:
            return self._new_cache()
        except (sqlite3.DatabaseError, OSError) as exc:
            raise self._as_store_error(exc) from None

    def _read_only(self, exc: BaseException) -> _ReadOnlyCache:
        """Fall back to reading when the cache cannot be written (full disk, read-only mount)."""
        error = self._as_store_error(exc)
        if not (self.path / diskcache.core.DBNAME).is_file():
            raise error
        try:
            cache = _ReadOnlyCache(self.path, str(error))
        except sqlite3.Error:
            raise error from None
        self._warn(f"{error}; cached records can be read, nothing new is stored for now")
        return cache

    def _as_store_error(self, exc: BaseException) -> StoreError:
        if _is_disk_full(exc, self.cache_dir):
            return StoreError(
                f"no space left on the disk holding the cache ({self.cache_dir}); "
                "what was cached before is kept"
            )
        if isinstance(exc, diskcache.Timeout):
            return StoreError(f"the cache in {self.cache_dir} stayed locked by another process")
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        return StoreError(f"cannot use the cache in {self.cache_dir}: {reason}")

    def _move_aside_cache(self) -> None:
        """Move the damaged records folder aside (kept for inspection) and tell the user."""
        target = _aside(self.path)
        try:
            os.replace(self.path, target)
        except FileNotFoundError:
            return  # another process moved it already
        except OSError as exc:
            raise self._as_store_error(exc) from None
        self._warn(
            f"the cache was damaged and has been moved aside to {target}; "
            "it will be rebuilt (records are fetched again when needed)"
        )

    def _quarantine_cache(self) -> None:
        """Called when an operation hit a damaged database after a successful open."""
        with contextlib.suppress(Exception):
            self._cache.close()
        current = self._inode()
        # If another process already replaced the damaged database, use its fresh one.
        if current is not None and current == self._db_inode:
            self._move_aside_cache()
        self._cache = self._open()

    def _warn(self, sentence: str) -> None:
        if sentence not in self.warnings:
            self.warnings.append(sentence)

    # -- the seed tier -------------------------------------------------------------------------
    def _seed_tier(self) -> dict[str, Record]:
        """The shipped snapshot, read on first need (a disk miss), keyed by record id."""
        if self._seed is not None:
            return self._seed
        seed: dict[str, Record] = {}
        by_doi: dict[str, str] = {}
        path = self.seed_path
        if path is not None:
            try:
                with open(path, "rb") as fh:
                    for number, line in enumerate(fh, 1):
                        if not line.strip():
                            continue
                        try:
                            record = parse_record_line(line)
                        except ValueError as exc:
                            self._warn(f"the seed snapshot {path} line {number} was skipped: {exc}")
                            continue
                        seed[record.id] = record
                        if record.doi:
                            by_doi.setdefault("doi:" + record.doi.strip().lower(), record.id)
            except FileNotFoundError:
                pass
            except OSError as exc:
                self._warn(f"the seed snapshot {path} could not be read: {exc.strerror or exc}")
        self._seed, self._seed_by_doi = seed, by_doi
        return seed

    def seed_records(self) -> list[Record]:
        """Every record of the shipped snapshot (read-only; may be superseded on disk)."""
        return list(self._seed_tier().values())

    def _seed_get(self, rid: str) -> Record | None:
        seed = self._seed_tier()
        record = seed.get(rid)
        if record is None and rid.startswith("doi:"):
            other = self._seed_by_doi.get(rid)
            record = seed.get(other) if other else None
        return record

    # -- reading -------------------------------------------------------------------------------
    def _disk(self, rid: str) -> Record | None:
        return _decode(self._cache.get(_REC + rid))

    def _disk_full(self, rid: str) -> Record | None:
        """The fetched PubMed record for ``rid`` on disk, following a doi:/cite: alias."""
        record = self._disk(rid)
        if record is not None and record.is_full:
            return record
        if not PMID_RE.match(rid):
            target = self._cache.get(_ALIAS + rid)
            if isinstance(target, str):
                full = self._disk(target)
                if full is not None and full.is_full:
                    return full
        return None

    @_guarded
    def get(self, rid: str) -> Record | None:
        """The best record for ``rid``: fetched on disk, else citation-level on disk, else seed.

        A ``doi:``/``cite:`` id answers with the fetched PubMed record once one is known for
        it (its ``id`` is then the PMID).
        """
        full = self._disk_full(rid)
        if full is not None:
            return full
        record = self._disk(rid)
        if record is not None:
            return record
        seed = self._seed_get(rid)
        if seed is not None and seed.id != rid:
            return self._disk(seed.id) or seed
        return seed

    def get_many(self, rids: Iterable[str]) -> dict[str, Record]:
        """``{asked id: record}`` for every id the disk or the seed has."""
        found: dict[str, Record] = {}
        for rid in rids:
            record = self.get(rid)
            if record is not None:
                found[rid] = record
        return found

    @_guarded
    def has_full(self, rid: str) -> bool:
        """Whether a fetched PubMed record for ``rid`` is on disk (no need to fetch it)."""
        return self._disk_full(rid) is not None

    # -- writing -------------------------------------------------------------------------------
    def put(self, records: Iterable[Record]) -> int:
        """Store whole records in one transaction; returns how many were added or replaced.

        A citation-level (``seed``) record never replaces a fetched one; a fetched record with a
        DOI gets an alias ``doi:…`` -> PMID so the seed's DOI-keyed version leads to it. Raises
        ``ValueError`` (before writing anything) for a record that cannot be keyed.
        """
        added, updated, _ = self.put_counts(records)
        return added + updated

    def put_counts(self, records: Iterable[Record]) -> tuple[int, int, int]:
        """Like :meth:`put`, returning ``(added, updated, skipped)``.

        Skipped are records identical to the stored ones and citation-level records that would
        have replaced fetched ones.
        """
        batch = list(records)
        for record in batch:
            validate_record(record)
        if not batch:
            return 0, 0, 0
        added, updated, skipped, written, dropped = self._write(batch)
        self._index_add(written, dropped)
        return added, updated, skipped

    @_guarded
    def _write(self, batch: list[Record]) -> tuple[int, int, int, list[Record], list[str]]:
        cache = self._cache
        now = time.time()
        added = updated = skipped = 0
        written: list[Record] = []
        dropped: list[str] = []
        with cache.transact():
            for record in batch:
                key = _REC + record.id
                old = _header(cache.get(key))
                if not record.is_full:
                    if old is not None and old[1] == "pubmed":
                        skipped += 1
                        continue
                    if not PMID_RE.match(record.id):
                        target = cache.get(_ALIAS + record.id)
                        if isinstance(target, str) and (
                            (h := _header(cache.get(_REC + target))) and h[1] == "pubmed"
                        ):
                            skipped += 1
                            continue
                value, body = _encode(record, now)
                if old is not None and old[1] == record.source and old[2] == body:
                    skipped += 1
                    continue
                cache.set(key, value)
                cache.delete(_MISS + record.id)
                if record.is_full and record.doi:
                    doi_id = "doi:" + record.doi.strip().lower()
                    if doi_id != record.id:
                        cache.set(_ALIAS + doi_id, record.id)
                        # The DOI-keyed citation-level copy is superseded by this record.
                        if cache.delete(_REC + doi_id):
                            dropped.append(doi_id)
                elif (
                    not record.is_full
                    and record.resolution
                    and PMID_RE.match(record.resolution)
                    and record.resolution != record.id
                ):
                    cache.set(_ALIAS + record.id, record.resolution)
                if old is None:
                    added += 1
                else:
                    updated += 1
                written.append(record)
        return added, updated, skipped, written, dropped

    @_guarded
    def note_missing(self, rids: Iterable[str], ttl: float = 3600) -> None:
        """Remember for ``ttl`` seconds that PubMed does not have these ids (no re-asking)."""
        cache = self._cache
        with cache.transact():
            for rid in rids:
                cache.set(_MISS + rid, 1, expire=ttl)

    @_guarded
    def recently_missing(self, rid: str) -> bool:
        """Whether PubMed answered "not found" for ``rid`` within the note's TTL."""
        return self._cache.get(_MISS + rid) is not None

    @_guarded
    def get_result(self, key: str) -> Any | None:
        """A cached esearch/elink/count answer, or ``None`` when absent or expired."""
        value = self._cache.get(_RESULT + key)
        if not isinstance(value, str):
            return None
        version, _, body = value.partition("|")
        if version != _VERSION:
            return None
        try:
            return json.loads(body)
        except ValueError:
            return None

    @_guarded
    def put_result(self, key: str, value: Any, ttl: float) -> None:
        """Cache a JSON-serialisable answer for ``ttl`` seconds (keys never hold the API key)."""
        body = json.dumps(value, ensure_ascii=False, separators=_JSON_SEP)
        self._cache.set(_RESULT + key, f"{_VERSION}|{body}", expire=ttl)

    # -- the search index ----------------------------------------------------------------------
    @staticmethod
    def _index_damaged(exc: BaseException) -> bool:
        """The index module's "damaged file" error (or a raw SQLite corruption error)."""
        return type(exc).__name__ == "IndexCorruptError" or _is_corruption(exc)

    def _open_index(self) -> SearchIndex | None:
        """The search index, opened once; a damaged file is replaced by a rebuilt one."""
        if self._index is not None:
            return self._index
        if self._index_failed:
            return None
        try:
            from mscterm.index import SearchIndex
        except ImportError as exc:
            self._index_failed = True
            self._warn(f"the search index is not available ({exc}); records are still cached")
            return None
        try:
            self._index = SearchIndex(self.index_path)
        except Exception as exc:
            if not self._index_damaged(exc):
                raise
            self._index = self._replace_index()
        return self._index

    def _replace_index(self) -> SearchIndex:
        """Move a damaged index file aside and build a new one from the cached records."""
        from mscterm.index import SearchIndex

        if self._index is not None:
            with contextlib.suppress(Exception):
                self._index.close()
            self._index = None
        target = _aside(self.index_path)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.index_path, target)
        for suffix in ("-wal", "-shm", "-journal"):
            with contextlib.suppress(OSError):
                os.unlink(f"{self.index_path}{suffix}")
        index = SearchIndex(self.index_path)
        index.rebuild(self.iter_records())
        self._warn(
            f"the search index was damaged and has been moved aside to {target}; "
            "it was rebuilt from the cache"
        )
        return index

    def search(self, query: str, limit: int = 20) -> list[str]:
        """Ids of cached records best matching ``query`` (see :data:`mscterm.index.QUERY_HELP`).

        Goes through the store so a damaged index is moved aside and rebuilt, not raised.
        """
        with self._index_lock:
            index = self._open_index()
            if index is None:
                return []
            try:
                return index.search(query, limit=limit)
            except Exception as exc:
                if not self._index_damaged(exc):
                    raise
                self._index = self._replace_index()
                return self._index.search(query, limit=limit)

    def _index_add(self, records: list[Record], dropped: list[str]) -> None:
        """Feed newly stored records to the search index; a failure never loses the records."""
        if not self.use_index or not (records or dropped):
            return
        with self._index_lock:
            self._index_add_locked(records, dropped)

    def _index_add_locked(self, records: list[Record], dropped: list[str]) -> None:
        try:
            index = self._open_index()
            if index is None:
                return
            try:
                self._feed(index, records, dropped)
            except Exception as exc:
                if not self._index_damaged(exc):
                    raise
                self._index = self._replace_index()
        except Exception as exc:
            self._warn(
                f"the search index could not be updated ({type(exc).__name__}: {exc}); "
                "'mscterm cache verify' rebuilds it"
            )

    @staticmethod
    def _feed(index: SearchIndex, records: list[Record], dropped: list[str]) -> None:
        if records:
            index.add(records)
        if dropped:
            index.remove(dropped)

    # -- listing, stats, maintenance -----------------------------------------------------------
    def _keys(self, prefix: str) -> Iterator[str]:
        for key in self._cache.iterkeys():
            if isinstance(key, str) and key.startswith(prefix):
                yield key[len(prefix) :]

    @_guarded
    def _id_list(self) -> list[str]:
        return list(self._keys(_REC))

    def ids(self) -> Iterator[str]:
        """Ids of the records on disk (not the seed snapshot's)."""
        return iter(self._id_list())

    def __len__(self) -> int:
        return self.count()

    @_guarded
    def count(self) -> int:
        """Records on disk, counted by SQLite in the key index (iterating keys is O(n) Python).

        diskcache keeps string keys as TEXT in its ``Cache`` table, so the ``r:`` prefix is a
        key range; ``_sql`` is diskcache's own statement helper.
        """
        rows = self._cache._sql(
            "SELECT COUNT(*) FROM Cache WHERE key >= ? AND key < ?", (_REC, "r;")
        ).fetchall()
        return int(rows[0][0])

    def iter_records(self) -> Iterator[Record]:
        """Every readable record on disk (for the index, exports and topic membership)."""
        for rid in self._id_list():
            record = self._guarded_disk(rid)
            if record is not None:
                yield record

    @_guarded
    def _guarded_disk(self, rid: str) -> Record | None:
        return self._disk(rid)

    def _dir_size(self, path: Path) -> int:
        total = 0
        if path.is_file():
            return path.stat().st_size
        for root, _, files in os.walk(path):
            for name in files:
                with contextlib.suppress(OSError):
                    total += os.stat(os.path.join(root, name)).st_size
        return total

    @_guarded
    def stats(self) -> dict[str, Any]:
        """What ``mscterm cache stats`` shows: counts, size on disk, age, paths.

        ``records`` counts fetched PubMed records, ``citation_level`` records without an abstract
        stored on disk, ``seed_only`` snapshot records nothing on disk supersedes.
        """
        cache = self._cache
        full = citation = unreadable = results = missing = aliases = 0
        oldest: float | None = None
        newest: float | None = None
        on_disk: set[str] = set()
        aliased: set[str] = set()
        for key in list(cache.iterkeys()):
            if not isinstance(key, str):
                continue
            if key.startswith(_REC):
                on_disk.add(key[2:])
                head = _header(cache.get(key))
                if head is None:
                    unreadable += 1
                    continue
                stored_at, source, _ = head
                if source == "pubmed":
                    full += 1
                else:
                    citation += 1
                oldest = stored_at if oldest is None else min(oldest, stored_at)
                newest = stored_at if newest is None else max(newest, stored_at)
            elif key.startswith(_ALIAS):
                aliases += 1
                aliased.add(key[2:])
            elif key.startswith((_RESULT, _MISS)):
                if cache.get(key) is None:  # expired (diskcache hides expired values)
                    continue
                if key.startswith(_RESULT):
                    results += 1
                else:
                    missing += 1
        seed = self._seed_tier()
        superseded = on_disk | aliased
        seed_only = sum(
            1
            for rid, rec in seed.items()
            if rid not in superseded and not (rec.doi and f"doi:{rec.doi.lower()}" in superseded)
        )
        index_bytes = sum(
            os.stat(p).st_size
            for p in (self.index_path, Path(f"{self.index_path}-wal"))
            if os.path.exists(p)
        )
        return {
            "path": str(self.path),
            "records": full,
            "citation_level": citation,
            "unreadable": unreadable,
            "seed_snapshot": len(seed),
            "seed_only": seed_only,
            "seed_path": str(self.seed_path) if self.seed_path else None,
            "aliases": aliases,
            "results": results,
            "missing": missing,
            "size_bytes": self._dir_size(self.path),
            "index_path": str(self.index_path),
            "index_bytes": index_bytes,
            "oldest": oldest,
            "newest": newest,
            "quarantined": [str(p) for p in self.quarantined()],
        }

    def quarantined(self) -> list[Path]:
        """Damaged caches and indexes moved aside earlier (removed by :meth:`clear`)."""
        if not self.cache_dir.is_dir():
            return []
        return sorted(
            p
            for p in self.cache_dir.iterdir()
            if p.name.startswith((RECORDS_DIR + CORRUPT_MARK, INDEX_FILE + CORRUPT_MARK))
        )

    @_guarded
    def verify(self) -> list[str]:
        """Check and repair the cache and the index; sentences of what was found and fixed.

        Each item is a :class:`Finding`; ``finding.fixed`` is false for problems that remain.
        An empty list means all is well.
        """
        findings: list[str] = [Finding(w) for w in self.warnings if "moved aside" in w]
        cache = self._cache
        for warning in cache.check(fix=True):
            message = getattr(warning, "message", warning)
            findings.append(Finding(f"diskcache reported and repaired: {message}"))
        old_schema: list[str] = []
        unreadable: list[str] = []
        for rid in list(self._keys(_REC)):
            value = cache.get(_REC + rid)
            if isinstance(value, str) and value.split("|", 1)[0] != _VERSION:
                old_schema.append(rid)
                continue
            record = _decode(value)
            if record is None or record.id != rid:
                unreadable.append(rid)
        if old_schema or unreadable:
            with cache.transact():
                for rid in old_schema + unreadable:
                    cache.delete(_REC + rid)
        if unreadable:
            findings.append(
                Finding(
                    f"{len(unreadable)} unreadable record(s) were removed "
                    f"(e.g. {unreadable[0]}); they are fetched again when needed"
                )
            )
        if old_schema:
            findings.append(
                Finding(
                    f"{len(old_schema)} record(s) stored by another version of mscterm were "
                    "removed; they are fetched again when needed"
                )
            )
        dangling = [
            alias
            for alias in list(self._keys(_ALIAS))
            if not isinstance(target := cache.get(_ALIAS + alias), str)
            or cache.get(_REC + target) is None
        ]
        if dangling:
            with cache.transact():
                for alias in dangling:
                    cache.delete(_ALIAS + alias)
            findings.append(Finding(f"{len(dangling)} alias(es) to missing records were removed"))
        self._seed_tier()
        for sentence in self.warnings:
            if sentence.startswith("the seed snapshot"):
                findings.append(Finding(sentence + " (reinstall mscterm to repair it)", False))
        if self.use_index:
            with self._index_lock:
                findings.extend(self._verify_index())
        return findings

    def _verify_index(self) -> list[str]:
        """Compare the index's ids with the store's and rebuild the index when they differ."""
        was_warned = set(self.warnings)
        try:
            index = self._open_index()
        except Exception as exc:
            return [Finding(f"the search index cannot be opened ({exc})", False)]
        findings: list[str] = [Finding(w) for w in self.warnings if w not in was_warned]
        if index is None:
            return [Finding(f, False) for f in findings]
        stored = set(self._id_list())
        try:
            indexed = set(index.ids())
        except Exception as exc:
            if not self._index_damaged(exc):
                return [*findings, Finding(f"the search index cannot be read ({exc})", False)]
            try:
                self._index = self._replace_index()
            except Exception as exc2:
                return [*findings, Finding(f"the search index cannot be rebuilt ({exc2})", False)]
            return [*findings, Finding(self.warnings[-1])]
        if indexed != stored:
            try:
                index.rebuild(self.iter_records())
            except Exception as exc:
                return [*findings, Finding(f"the search index could not be rebuilt ({exc})", False)]
            parts = []
            if stored - indexed:
                parts.append(f"lacked {len(stored - indexed)} cached record(s)")
            if indexed - stored:
                parts.append(f"held {len(indexed - stored)} record(s) no longer cached")
            findings.append(Finding(f"the search index {' and '.join(parts)}; it was rebuilt"))
        return findings

    @_guarded
    def clear(self) -> None:
        """Empty the record cache, its results and the search index.

        User state (marks, pinned citation keys) lives in the state directory and is never
        touched; damaged copies moved aside earlier are removed too.
        """
        self._cache.clear()
        with self._index_lock:
            self._clear_index()
        for path in self.quarantined():
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                with contextlib.suppress(OSError):
                    path.unlink()

    def _clear_index(self) -> None:
        if self._index is not None:
            with contextlib.suppress(Exception):
                self._index.close()
            self._index = None
        if self.index_path.exists() or any(
            Path(f"{self.index_path}{s}").exists() for s in ("-wal", "-shm")
        ):
            try:
                from mscterm.index import SearchIndex

                index = SearchIndex(self.index_path)
                try:
                    index.rebuild([])
                finally:
                    index.close()
            except Exception:
                for suffix in ("", "-wal", "-shm", "-journal"):
                    with contextlib.suppress(OSError):
                        os.unlink(f"{self.index_path}{suffix}")

    # -- snapshots -----------------------------------------------------------------------------
    def _sorted_records(self) -> Iterator[Record]:
        def order(rid: str) -> tuple[int, int, str]:
            return (0, int(rid), "") if rid.isdigit() else (1, 0, rid)

        for rid in sorted(self._id_list(), key=order):
            record = self._guarded_disk(rid)
            if record is not None:
                yield record

    def write_jsonl(self, out: IO[str]) -> int:
        """Write every disk record as one Record JSON per line (the seed snapshot's format)."""
        count = 0
        for record in self._sorted_records():
            out.write(json.dumps(record.to_json(), ensure_ascii=False, separators=_JSON_SEP))
            out.write("\n")
            count += 1
        return count

    def export_jsonl(self, path: Path) -> int:
        """Export the disk records to ``path`` atomically (temp file + rename); returns the count.

        A failure part-way (full disk, Ctrl-C) leaves any existing file at ``path`` untouched
        and no temp file behind.
        """
        with atomic_open(path, text=True) as fh:
            return self.write_jsonl(fh)

    def import_jsonl(self, path: Path) -> tuple[int, int, int]:
        """Merge a snapshot file; returns ``(added, updated, skipped)``.

        The whole file is checked first: a bad line raises :class:`SnapshotError` naming the
        first bad line and nothing is imported. Fetched records are never replaced by
        citation-level ones. Records go in by chunks, each one transaction.
        """
        path = Path(path)
        label = str(path)
        for _ in self._read_snapshot(path, label):
            pass
        added = updated = skipped = 0
        chunk: list[Record] = []
        for record in self._read_snapshot(path, label):
            chunk.append(record)
            if len(chunk) >= IMPORT_CHUNK:
                a, u, s = self.put_counts(chunk)
                added, updated, skipped = added + a, updated + u, skipped + s
                chunk = []
        if chunk:
            a, u, s = self.put_counts(chunk)
            added, updated, skipped = added + a, updated + u, skipped + s
        return added, updated, skipped

    @staticmethod
    def _read_snapshot(path: Path, label: str) -> Iterator[Record]:
        with open(path, "rb") as fh:
            number = 0
            while True:
                line = fh.readline(MAX_LINE_BYTES + 1)
                if not line:
                    return
                number += 1
                if number == 1 and line.startswith(b"\xef\xbb\xbf"):
                    line = line[3:]  # a UTF-8 byte-order mark some editors add
                if len(line) > MAX_LINE_BYTES:
                    raise SnapshotError(
                        f"{label} line {number}: longer than {MAX_LINE_BYTES // (1024 * 1024)} MB; "
                        "not a record (nothing was imported)"
                    )
                if not line.strip():
                    continue
                try:
                    yield parse_record_line(line)
                except ValueError as exc:
                    raise SnapshotError(
                        f"{label} line {number}: {exc} (nothing was imported)"
                    ) from None

    # -- lifetime ------------------------------------------------------------------------------
    def close(self) -> None:
        """Close the database connections (the store must not be used afterwards)."""
        with self._index_lock:
            if self._index is not None:
                with contextlib.suppress(Exception):
                    self._index.close()
                self._index = None
        with contextlib.suppress(Exception):
            self._cache.close()

    def __enter__(self) -> RecordStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
