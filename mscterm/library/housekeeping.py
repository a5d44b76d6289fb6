"""Looking after the offline cache for the Library: stats, verify, clear, export, import.

People carry a warmed cache to an air-gapped laptop (export/import in the seed snapshot's
JSON-lines format), check it after a crash (verify) and empty it without losing their marks
(clear never touches the state directory). Each operation answers with a result object: a
failure of the cache itself is :attr:`Problem.STORAGE`; a file the user named that cannot be
read, written or parsed is :attr:`Problem.INPUT`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, TypeVar

from mscterm.library.failures import storage_failure, storage_sentence
from mscterm.results import (
    Answer,
    CacheCheck,
    CacheCounts,
    CacheFinding,
    CacheStats,
    ImportCounts,
    Problem,
    TopicSize,
)

if TYPE_CHECKING:
    from mscterm.library.membership import LazyMembership
    from mscterm.store import RecordStore
    from mscterm.topics import TopicMap

T = TypeVar("T")


def _storage(exc: OSError, empty: T) -> Answer[T]:
    failure = storage_failure(exc)
    return Answer(empty, error=failure.sentence, problem=failure.problem)


def _input(sentence: str, empty: T) -> Answer[T]:
    return Answer(empty, error=sentence, problem=Problem.INPUT)


def stats(
    store: RecordStore, roots: Callable[[], list[tuple[str, str, TopicSize]]]
) -> Answer[CacheStats]:
    """The store's figures and the one topic counter for every top-level topic."""
    from mscterm.store import StoreError

    try:
        return Answer(CacheStats(figures=store.stats(), topics=roots()))
    except StoreError as exc:
        return _storage(exc, CacheStats())


def check(store: RecordStore) -> Answer[CacheCheck]:
    """Verify and repair; every finding in order, with whether it was fixed."""
    from mscterm.store import Finding, StoreError

    try:
        found = store.verify()
        records = len(store)
    except StoreError as exc:
        return _storage(exc, CacheCheck(path=str(store.path)))
    findings = [CacheFinding(str(f), f.fixed if isinstance(f, Finding) else True) for f in found]
    repaired = bool(findings or store.warnings)
    return Answer(CacheCheck(findings, records=records, path=str(store.path), repaired=repaired))


def clear(store: RecordStore) -> Answer[int]:
    """Empty the cache and its index; the answer holds how many records it held."""
    from mscterm.store import StoreError

    try:
        count = len(store)
        store.clear()
    except StoreError as exc:
        return _storage(exc, 0)
    return Answer(count)


def export(store: RecordStore, target: Path | IO[str]) -> Answer[int]:
    """Write the disk records as JSON lines to a file (atomically) or an open text stream."""
    from mscterm.store import StoreError

    if not isinstance(target, Path):
        try:
            return Answer(store.write_jsonl(target))
        except StoreError as exc:
            return _storage(exc, 0)
    try:
        return Answer(store.export_jsonl(target))
    except StoreError as exc:
        return _storage(exc, 0)
    except OSError as exc:
        return _input(f"cannot write {target}: {exc.strerror or exc}; nothing was written", 0)


def import_(store: RecordStore, source: Path | BinaryIO, label: str) -> Answer[ImportCounts]:
    """Merge a JSON-lines snapshot (a file, or a stream spooled into the cache folder first).

    A bad line rejects the whole file; the sentence names ``label`` and the line.
    """
    from mscterm.store import SnapshotError, StoreError

    empty = ImportCounts(0, 0, 0)
    spooled: Path | None = None
    try:
        if isinstance(source, Path):
            path = source
        else:
            try:
                spooled = _spool(source, store.cache_dir)
            except OSError as exc:
                return Answer(
                    empty,
                    error=f"cannot read {label} into {store.cache_dir}: {storage_sentence(exc)}",
                    problem=Problem.STORAGE,
                )
            path = spooled
        try:
            added, updated, skipped = store.import_jsonl(path)
        except SnapshotError as exc:
            message = str(exc)
            if spooled is not None:
                message = message.replace(str(path), label, 1)
            return _input(message, empty)
        except StoreError as exc:
            return _storage(exc, empty)
        except OSError as exc:
            return _input(f"cannot read {label}: {exc.strerror or exc}", empty)
        return Answer(ImportCounts(added, updated, skipped))
    finally:
        if spooled is not None:
            with contextlib.suppress(OSError):
                os.unlink(spooled)


def _spool(stream: BinaryIO, folder: Path) -> Path:
    """Copy a stream into a temporary file in ``folder`` (the import reads the file twice)."""
    fd, name = tempfile.mkstemp(prefix=".import.", suffix=".jsonl", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            shutil.copyfileobj(stream, fh)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise
    return Path(name)


class CacheUpkeep:
    """The maintenance steps on the Library's store; a failure to open it is an answer too."""

    def __init__(
        self,
        store: Callable[[], RecordStore],
        topics: Callable[[], TopicMap],
        members: LazyMembership,
        changed: Callable[[], None],
    ) -> None:
        self._store = store
        self._topics = topics
        self._members = members
        self._changed = changed
        """Tells the UI the cache changed (after clear, import and repairs)."""

    def _run(
        self, work: Callable[[RecordStore], Answer[T]], empty: T, *, changes: bool = False
    ) -> Answer[T]:
        try:
            store = self._store()
        except OSError as exc:
            return _storage(exc, empty)
        try:
            return work(store)
        finally:
            if changes:
                self._members.reset()
                self._changed()

    def _root_sizes(self) -> list[tuple[str, str, TopicSize]]:
        """The one topic counter for each top-level topic."""
        members = self._members.get()
        return [(t.id, t.title, members.size(t.id)) for t in self._topics().roots]

    def counts(self) -> Answer[CacheCounts]:
        """Shipped seed records and records stored on disk (what is browsable offline)."""

        def count(store: RecordStore) -> Answer[CacheCounts]:
            try:
                return Answer(CacheCounts(len(store.seed_records()), store.count()))
            except OSError as exc:
                return _storage(exc, CacheCounts(0, 0))

        return self._run(count, CacheCounts(0, 0))

    def stats(self) -> Answer[CacheStats]:
        return self._run(lambda s: stats(s, self._root_sizes), CacheStats())

    def verify(self) -> Answer[CacheCheck]:
        return self._run(check, CacheCheck(), changes=True)

    def clear(self) -> Answer[int]:
        return self._run(clear, 0, changes=True)

    def export(self, target: Path | IO[str]) -> Answer[int]:
        return self._run(lambda s: export(s, target), 0)

    def import_(self, source: Path | BinaryIO, label: str) -> Answer[ImportCounts]:
        return self._run(lambda s: import_(s, source, label), ImportCounts(0, 0, 0), changes=True)
