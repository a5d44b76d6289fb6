"""The store's errors and findings: what callers catch, and what ``verify`` reports.

Kept apart from the code that raises them so the Library (and the CLI's last-resort handler) can
tell a full disk from a bad cache path without importing diskcache or SQLite.
"""

from __future__ import annotations

STORAGE_FAILED = 4
"""DESIGN.md's exit code for "local storage failed" (disk full, cache not writable)."""
BAD_INPUT = 2
"""DESIGN.md's exit code for bad input, such as a cache path that cannot hold a cache."""


class StoreError(OSError):
    """The cache cannot be used; the message is one plain sentence saying which and why.

    ``disk_full`` is set when a write failed for lack of space (ENOSPC, SQLITE_FULL): the Library
    maps it, like every other storage failure, to DESIGN.md's exit code 4. ``bad_path`` is set
    when the configured cache folder cannot hold a cache at all (a file where a folder must be):
    that is bad input, exit code 2.
    """

    def __init__(self, message: str, *, disk_full: bool = False, bad_path: bool = False) -> None:
        super().__init__(message)
        self.disk_full = disk_full
        self.bad_path = bad_path

    @property
    def exit_code(self) -> int:
        """DESIGN.md's exit code for this failure (2 for a bad cache path, else 4)."""
        return BAD_INPUT if self.bad_path else STORAGE_FAILED

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class SnapshotError(ValueError):
    """A JSON-lines snapshot cannot be imported; the message names the file and first bad line."""


class CorruptRow(ValueError):
    """A cache row mscterm did not write: a pickled value or key, or a value of a foreign mode.

    Raised by :class:`mscterm.store.codec.SafeDisk` instead of unpickling; readers treat the
    row as absent and ``verify`` removes it.
    """


class Finding(str):
    """One sentence of ``RecordStore.verify``; ``fixed`` says whether it was repaired.

    A ``str`` subclass so ``verify()`` keeps its ``list[str]`` contract while the CLI can still
    tell repaired problems (exit 0) from remaining ones (exit 1).
    """

    fixed: bool

    def __new__(cls, text: str, fixed: bool = True) -> Finding:
        obj = super().__new__(cls, text)
        obj.fixed = fixed
        return obj
