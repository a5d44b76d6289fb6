"""The search index's life beside the records: opened on first need, fed, checked, replaced.

The records are the truth and the index is derived from them, so a damaged index file is moved
aside (kept for inspection) and rebuilt from the records, and an index that failed to take a
batch is repaired by ``verify``. A full disk is not damage: the index is kept as it is and the
caller gets a :class:`StoreError` saying "disk full". The seed snapshot gets a small in-memory
index of its own, so a fresh install answers the full query language offline too.

The index also answers which records carry a label (a topic: :mod:`.labels`); when it cannot
(busy, unwritable, labels it cannot make), it says so and the caller counts another way.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TypeVar

from mscterm.model import Record
from mscterm.store.errors import Finding, StoreError
from mscterm.store.fts import IndexCorruptError, Matches, SearchIndex
from mscterm.store.labels import Labeler, LabelsStale
from mscterm.store.recovery import aside, is_corruption

_SIDE_FILES = ("-wal", "-shm", "-journal")
T = TypeVar("T")


def _damaged(exc: BaseException) -> bool:
    return isinstance(exc, IndexCorruptError) or is_corruption(exc)


class IndexKeeper:
    """One shared connection to the index file (the TUI's worker threads included)."""

    def __init__(
        self,
        path: Path,
        *,
        records: Callable[[], Iterable[Record]],
        ids: Callable[[], list[str]],
        warn: Callable[[str], None],
        labeler: Labeler | None = None,
    ) -> None:
        self.path = Path(path)
        self._records = records
        self._ids = ids
        self._warn = warn
        self._labeler = labeler
        self._index: SearchIndex | None = None
        self._seed_index: SearchIndex | None = None
        self._replaced: str | None = None
        self._filled = False
        """Whether an empty index beside cached records was looked for (and filled)."""
        self._lacking = False
        """A batch stored here did not reach the index: its labels cannot be trusted."""
        # SQLite transactions on one connection must not interleave.
        self._lock = threading.RLock()

    def _new(self) -> SearchIndex:
        return SearchIndex(self.path, labeler=self._labeler)

    def _open(self) -> SearchIndex:
        if self._index is None:
            try:
                index = self._new()
            except Exception as exc:
                if not _damaged(exc):
                    raise
                index = self._replace()
            if index.stale:  # made by another version of mscterm: rebuilt once, here
                try:
                    index.rebuild(self._records())
                except BaseException:
                    index.close()
                    raise
            self._index = index
        return self._index

    def _replace(self) -> SearchIndex:
        """Move a damaged index file aside and build a new one from the cached records."""
        self._close_index()
        target = aside(self.path)
        with contextlib.suppress(FileNotFoundError):
            os.replace(self.path, target)
        for suffix in _SIDE_FILES:
            with contextlib.suppress(OSError):
                os.unlink(f"{self.path}{suffix}")
        index = self._new()
        index.rebuild(self._records())
        self._lacking = False
        self._replaced = (
            f"the search index was damaged and has been moved aside to {target}; "
            "it was rebuilt from the cache"
        )
        self._warn(self._replaced)
        return index

    def search(self, query: str, limit: int = 20, *, prefix_last: bool = False) -> list[str]:
        """Ids of the best matches; a damaged index is rebuilt, not raised."""
        if limit < 1:
            return []
        return self.find(query, limit, prefix_last=prefix_last).ids

    def find(self, query: str, limit: int = 20, *, prefix_last: bool = False) -> Matches:
        """The best matches, their count and a hint (:meth:`SearchIndex.find`); a damaged
        index is rebuilt, not raised."""
        with self._lock:
            try:
                return self._open().find(query, limit, prefix_last=prefix_last)
            except Exception as exc:
                if not _damaged(exc):
                    raise
                self._index = self._replace()
                return self._index.find(query, limit, prefix_last=prefix_last)

    def known(self, rids: list[str]) -> set[str]:
        """Which of ``rids`` the cache's index holds."""
        with self._lock:
            return self._open().known(rids)

    def labelled(self, label: str) -> list[str] | None:
        """Ids of the cached records labelled ``label``; None (with a warning saying why)
        when the index cannot answer, or when this keeper labels nothing."""
        return self._by_labels(lambda index: index.labelled(label))

    def label_counts(
        self, wanted: Mapping[str, Iterable[str]]
    ) -> dict[str, tuple[int, int]] | None:
        """Per label of ``wanted``: (records labelled so, how many of its ids are among them);
        None like :meth:`labelled`."""
        return self._by_labels(lambda index: index.label_counts(wanted))

    def _by_labels(self, read: Callable[[SearchIndex], T]) -> T | None:
        if self._labeler is None:
            return None
        with self._lock:
            try:
                if self._lacking:
                    raise StoreError("it lacks records stored since it could not be updated")
                return self._read_labels(read)
            except Exception as exc:  # busy past the timeout, unwritable, a labeler that fails
                self._warn(
                    f"the search index cannot list topic members ({type(exc).__name__}: {exc}); "
                    "they were counted by reading every cached record (slower)"
                )
                return None

    def _read_labels(self, read: Callable[[SearchIndex], T]) -> T:
        """``read`` on the open index; rows of another labelling are relabelled (a rebuild),
        a damaged index is replaced, an empty one beside cached records is filled first."""
        for attempt in (1, 2):
            try:
                index = self._open()
                if not self._filled:
                    self._filled = True
                    if index.count() == 0 and (missing := len(self._ids())):
                        index.rebuild(self._records())
                        self._warn(
                            f"the search index lacked {missing} cached record(s); it was rebuilt"
                        )
                return read(index)
            except LabelsStale:  # another process wrote rows of other labels since the open
                if attempt == 2:
                    raise
                index.rebuild(self._records())
            except Exception as exc:
                if not _damaged(exc) or attempt == 2:
                    raise
                self._index = self._replace()
        raise AssertionError("unreachable")  # pragma: no cover

    def feed(self, records: list[Record], dropped: list[str]) -> None:
        """Index newly stored records (and forget superseded ones).

        The records are already safe on disk: a full disk raises a :class:`StoreError` saying
        so; any other failure only leaves a warning (``verify`` rebuilds the index).
        """
        if not (records or dropped):
            return
        with self._lock:
            try:
                try:
                    self._feed(self._open(), records, dropped)
                except Exception as exc:
                    if not _damaged(exc):
                        raise
                    self._index = self._replace()
            except StoreError as exc:
                self._lacking = True
                if exc.disk_full:
                    raise StoreError(
                        f"{exc}; the records were cached, the search index lacks them until "
                        "'mscterm cache verify' runs with space free",
                        disk_full=True,
                    ) from None
                self._warn_not_updated(exc)
            except Exception as exc:
                self._lacking = True
                self._warn_not_updated(exc)

    def _warn_not_updated(self, exc: BaseException) -> None:
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

    def verify(self) -> list[Finding]:
        """Compare the index's ids with the store's and rebuild the index when they differ."""
        with self._lock:
            findings = self._verify()
            if all(f.fixed for f in findings):
                self._lacking = False
            return findings

    def _verify(self) -> list[Finding]:
        self._replaced = None
        try:
            index = self._open()
        except Exception as exc:
            return [Finding(f"the search index cannot be opened ({exc})", False)]
        findings: list[Finding] = [Finding(self._replaced)] if self._replaced else []
        stored = set(self._ids())
        try:
            indexed = set(index.ids())
        except Exception as exc:
            if not _damaged(exc):
                return [*findings, Finding(f"the search index cannot be read ({exc})", False)]
            try:
                self._index = self._replace()
            except Exception as exc2:
                return [*findings, Finding(f"the search index cannot be rebuilt ({exc2})", False)]
            return [*findings, Finding(self._replaced or "the search index was rebuilt")]
        if indexed != stored:
            try:
                index.rebuild(self._records())
            except Exception as exc:
                return [*findings, Finding(f"the search index could not be rebuilt ({exc})", False)]
            parts = []
            if stored - indexed:
                parts.append(f"lacked {len(stored - indexed)} cached record(s)")
            if indexed - stored:
                parts.append(f"held {len(indexed - stored)} record(s) no longer cached")
            findings.append(Finding(f"the search index {' and '.join(parts)}; it was rebuilt"))
        return findings

    def clear(self) -> None:
        """Empty the index (a rebuild with nothing; a file that cannot be opened is deleted)."""
        with self._lock:
            self._close_index()
            if not any(Path(f"{self.path}{s}").exists() for s in ("", *_SIDE_FILES[:2])):
                return
            try:
                with self._new() as index:
                    index.rebuild([])
            except Exception:
                for suffix in ("", *_SIDE_FILES):
                    with contextlib.suppress(OSError):
                        os.unlink(f"{self.path}{suffix}")

    def search_seed(self, records: Callable[[], list[Record]], query: str, limit: int) -> list[str]:
        """Matches among the seed snapshot's records, from a small in-memory index built once."""
        return self.find_seed(records, query, limit).ids if limit >= 1 else []

    def find_seed(
        self,
        records: Callable[[], list[Record]],
        query: str,
        limit: int,
        *,
        prefix_last: bool = False,
    ) -> Matches:
        """:meth:`find` over the seed snapshot's records (a small in-memory index built once)."""
        with self._lock:
            if self._seed_index is None:
                index = SearchIndex(Path(":memory:"))
                index.add(records())
                self._seed_index = index
            return self._seed_index.find(query, limit, prefix_last=prefix_last)

    def _close_index(self) -> None:
        if self._index is not None:
            with contextlib.suppress(Exception):
                self._index.close()
            self._index = None

    def close(self) -> None:
        with self._lock:
            self._close_index()
            if self._seed_index is not None:
                self._seed_index.close()
                self._seed_index = None
