"""Looking after the cache: ``stats``, ``verify``, ``clear`` and JSON-lines snapshots.

``verify`` is where damage that reads as "absent" gets cleaned up for good: rows mscterm did
not write (a pickled value or key, a foreign type) are removed unread, records of another schema
or of the wrong shape are removed (they are fetched again), aliases are made to agree with the
records, and the index is compared with the records and rebuilt when they differ. A damaged
database met on the way is salvaged into a fresh one by :mod:`mscterm.store.recovery`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from mscterm.atomic import atomic_open
from mscterm.model import Record
from mscterm.store import codec
from mscterm.store.codec import ALIAS_KEY, MISSING_KEY, RECORD_KEY, RESULT_KEY, TRIAL_KEY
from mscterm.store.errors import CorruptRow, Finding
from mscterm.store.recovery import CacheLike, Shelf, read
from mscterm.store.seed import read_snapshot
from mscterm.store.writing import alias_of

if TYPE_CHECKING:  # pragma: no cover
    from mscterm.store.facade import RecordStore

IMPORT_CHUNK = 1000
"""Records per transaction on import: bounded lock time, whole records on a crash."""


# -- stats ---------------------------------------------------------------------------------------
def stats(store: RecordStore) -> dict[str, Any]:
    """Counts, size on disk, age and paths (``mscterm cache stats``).

    ``records`` counts fetched PubMed records, ``citation_level`` records without an abstract
    stored on disk, ``seed_only`` snapshot records nothing on disk supersedes.
    """
    full = citation = unreadable = 0
    stamps: list[float] = []
    on_disk: set[str] = set()
    for key in store.records.run(lambda c: list(c.iterkeys())):
        if type(key) is not str or not key.startswith(RECORD_KEY):
            continue
        on_disk.add(key[len(RECORD_KEY) :])
        head = codec.header(store.records.get(key))
        if head is None:
            unreadable += 1
            continue
        stamps.append(head[0])
        if head[1] == "pubmed":
            full += 1
        else:
            citation += 1
    answers = {ALIAS_KEY: 0, RESULT_KEY: 0, MISSING_KEY: 0}
    aliased: set[str] = set()
    if store.answers.exists():
        for key in store.answers.run(lambda a: list(a.iterkeys())):
            prefix = key[:2] if type(key) is str else ""
            if prefix not in answers or store.answers.get(key) is None:
                continue  # expired (diskcache hides expired values) or not ours
            answers[prefix] += 1
            if prefix == ALIAS_KEY:
                aliased.add(key[2:])
    seed = store.seed()
    superseded = on_disk | aliased
    seed_only = sum(
        1
        for rid, rec in seed.records.items()
        if rid not in superseded and not (rec.doi and f"doi:{rec.doi.lower()}" in superseded)
    )
    index = [store.index_path, Path(f"{store.index_path}-wal")]
    shelves = (store.records, store.answers, store.trials)
    return {
        "path": str(store.path),
        "records": full,
        "citation_level": citation,
        "unreadable": unreadable,
        "trials": store.trial_count(),
        "seed_snapshot": len(seed.records),
        "seed_only": seed_only,
        "seed_path": str(store.seed_path) if store.seed_path else None,
        "aliases": answers[ALIAS_KEY],
        "results": answers[RESULT_KEY],
        "missing": answers[MISSING_KEY],
        "size_bytes": sum(shelf.size() for shelf in shelves),
        "index_path": str(store.index_path),
        "index_bytes": sum(os.stat(p).st_size for p in index if p.exists()),
        "oldest": min(stamps, default=None),
        "newest": max(stamps, default=None),
        "quarantined": [str(p) for p in store.quarantined()],
    }


# -- verify --------------------------------------------------------------------------------------
def _sweep(shelf: Shelf, keep: Callable[[str, Any], str | None]) -> dict[str, list[Any]]:
    """Sort every row of a cache by ``keep(key, value)`` (a verdict, ``None`` = sound) and delete
    the rows that got one. Rows mscterm did not write are removed unread (verdict ``foreign``)."""

    def run(cache: CacheLike) -> dict[str, list[Any]]:
        verdicts: dict[str, list[Any]] = {}
        for key in list(cache.iterkeys()):
            if type(key) is not str:
                verdict: str | None = "foreign"
            else:
                try:
                    verdict = keep(key, cache.get(key))
                except CorruptRow:
                    verdict = "foreign"
            if verdict is not None:
                verdicts.setdefault(verdict, []).append(key)
        if verdicts:
            with cache.transact():
                for keys in verdicts.values():
                    for key in keys:
                        cache.delete(key)
        return verdicts

    return shelf.run(run)


def _record_verdict(key: str, value: Any) -> str | None:
    if not key.startswith(RECORD_KEY):
        return "layout"  # an alias or answer kept in the records cache by mscterm before 0.3
    if value is None:
        return None  # gone since the keys were listed
    version = codec.stored_version(value)
    if version is not None and version != codec.RECORD_VERSION:
        return "schema"
    return None if codec.decode_record(value, key[len(RECORD_KEY) :]) else "unreadable"


def _trial_verdict(key: str, value: Any) -> str | None:
    if value is None:
        return None
    if not key.startswith(TRIAL_KEY) or codec.stored_version(value) != codec.TRIAL_VERSION:
        return "schema"
    return None if codec.decode_trial(value, key[len(TRIAL_KEY) :]) else "unreadable"


def _answer_verdict(key: str, value: Any) -> str | None:
    if key.startswith(ALIAS_KEY) and not (isinstance(value, str) and value.isdigit()):
        return "unreadable"
    return None if key[:2] in (ALIAS_KEY, RESULT_KEY, MISSING_KEY) else "layout"


_SENTENCES = {
    "foreign": "{n} cache row(s) mscterm did not write (pickled or of a foreign type) were "
    "removed unread",
    "layout": "{n} entries of an older cache layout were removed",
    "schema": "{n} {unit}(s) stored by another version of mscterm were removed; they are "
    "fetched again when needed",
    "unreadable": "{n} unreadable {unit}(s) were removed (e.g. {first}); they are fetched "
    "again when needed",
}


def _sentences(verdicts: dict[str, list[Any]], unit: str) -> list[Finding]:
    out = []
    for verdict, keys in verdicts.items():
        first = keys[0][2:] if isinstance(keys[0], str) else "?"
        text = _SENTENCES[verdict].format(n=len(keys), unit=unit, first=first)
        out.append(Finding(text))
    return out


def _verify_aliases(store: RecordStore) -> list[Finding]:
    """Aliases agree with the records: dangling ones removed, missing ones restored."""
    implied = dict(a for r in store.iter_records() if (a := alias_of(r)) is not None)
    on_disk = set(store.id_list())
    if not implied and not store.answers.exists():
        return []

    def run(answers: CacheLike) -> tuple[int, int]:
        dangling = [
            key
            for key in list(answers.iterkeys())
            if type(key) is str and key.startswith(ALIAS_KEY) and read(answers, key) not in on_disk
        ]
        missing = {a: t for a, t in implied.items() if read(answers, ALIAS_KEY + a) != t}
        with answers.transact():
            for key in dangling:
                answers.delete(key)
            for alias, target in missing.items():
                answers.set(ALIAS_KEY + alias, target)
        return len(dangling), len(missing)

    dangling, restored = store.answers.run(run)
    findings = []
    if dangling:
        findings.append(Finding(f"{dangling} alias(es) to missing records were removed"))
    if restored:
        findings.append(Finding(f"{restored} alias(es) were restored from their records"))
    return findings


_FILE_WARNINGS = ("wrong file size", "file not found", "unknown file", "empty directory")


def _check(shelf: Shelf, fix: bool) -> list[str]:
    """diskcache's own check (SQLite's integrity check, then side files): its sentences."""
    warnings = shelf.run(lambda c: c.check(fix=fix))
    return [str(getattr(w, "message", w)) for w in warnings]


def _check_integrity(shelf: Shelf) -> None:
    """A database SQLite calls damaged is salvaged into a fresh one before anything else.

    (``check(fix=True)`` would VACUUM it first, and VACUUM of a damaged file fails -- with
    SQLITE_FULL at times, which must not read as a full disk.)
    """
    if any(not m.startswith(_FILE_WARNINGS) for m in _check(shelf, fix=False)):
        shelf.quarantine()


def verify(store: RecordStore) -> list[Finding]:
    """Check and repair every part of the cache (see the module docstring)."""
    findings = [Finding(w) for w in store.warnings if "moved aside" in w]
    parts = [(store.records, _record_verdict, "record")]
    if store.answers.exists():
        parts.append((store.answers, _answer_verdict, "alias"))
    if store.trials.exists():
        parts.append((store.trials, _trial_verdict, "trial"))
    for shelf, verdict, unit in parts:
        seen = set(store.warnings)
        _check_integrity(shelf)
        for message in _check(shelf, fix=True):
            findings.append(Finding(f"diskcache reported and repaired: {message}"))
        findings += [Finding(w) for w in store.warnings if w not in seen]  # salvaged on the way
        findings += _sentences(_sweep(shelf, verdict), unit)
    findings += _verify_aliases(store)
    for problem in store.seed().problems:
        findings.append(Finding(problem + " (reinstall mscterm to repair it)", False))
    if store.use_index:
        findings += store.index().verify()
    return findings


# -- clear ---------------------------------------------------------------------------------------
def clear(store: RecordStore) -> None:
    """Empty every cache and the index; damaged copies moved aside earlier are removed too."""
    for shelf in (store.records, store.answers, store.trials):
        if shelf.exists():
            shelf.run(lambda c: c.clear())
    store.index().clear()
    for path in store.quarantined():
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


# -- snapshots -----------------------------------------------------------------------------------
def _sorted_records(store: RecordStore) -> Iterator[Record]:
    def order(rid: str) -> tuple[int, int, str]:
        return (0, int(rid), "") if rid.isdigit() else (1, 0, rid)

    for rid in sorted(store.id_list(), key=order):
        value = store.records.get(RECORD_KEY + rid)
        record = codec.decode_record(value, rid)
        if record is not None:
            yield record


def write_jsonl(store: RecordStore, out: IO[str]) -> int:
    """Every disk record as one Record JSON per line, PMIDs first in numeric order."""
    count = 0
    for record in _sorted_records(store):
        out.write(codec.dumps(record.to_json()))
        out.write("\n")
        count += 1
    return count


def export_jsonl(store: RecordStore, path: Path) -> int:
    """Export to ``path`` atomically (temp file + rename): a failure part-way (full disk,
    Ctrl-C) leaves any existing file at ``path`` untouched and no temp file behind."""
    with atomic_open(path, text=True) as fh:
        return store.write_jsonl(fh)


def import_jsonl(store: RecordStore, path: Path) -> tuple[int, int, int]:
    """Merge a snapshot file; returns ``(added, updated, skipped)``.

    The whole file is checked first: a bad line raises :class:`SnapshotError` naming the first
    bad line and nothing is imported. Fetched records are never replaced by citation-level
    ones. Records go in by chunks, each one transaction.
    """
    path = Path(path)
    for _ in read_snapshot(path):
        pass
    totals = [0, 0, 0]
    chunk: list[Record] = []
    for record in read_snapshot(path):
        chunk.append(record)
        if len(chunk) >= IMPORT_CHUNK:
            totals = [a + b for a, b in zip(totals, store.put_counts(chunk), strict=True)]
            chunk = []
    if chunk:
        totals = [a + b for a, b in zip(totals, store.put_counts(chunk), strict=True)]
    return totals[0], totals[1], totals[2]
