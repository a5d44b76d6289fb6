"""The diskcache serializer of every mscterm cache: text and integers in SQLite, nothing else.

diskcache pickles any key or value that is not a string, bytes or number, and unpickles any row
stored in pickle mode. mscterm only ever stores text (records, trials, results as JSON text) and
integers (not-found notes), so :class:`SafeDisk` refuses to write anything else and, reading,
raises :class:`~mscterm.store.errors.CorruptRow` for a value in pickle (or file) mode and keeps a
pickled key as opaque bytes. A tampered cache file therefore cannot run code: its rows read as
corrupt, ``verify`` removes them, and nothing is ever unpickled.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import diskcache

from mscterm.store.errors import CorruptRow


class PickledKey(bytes):
    """The raw bytes of a key row stored in pickle mode: kept opaque so it can be deleted."""


class SafeDisk(diskcache.Disk):
    """diskcache's serializer, restricted to what mscterm writes: text and integers in SQLite."""

    def __init__(self, directory: str, **_settings: Any) -> None:
        # Unknown ``disk_*`` settings (a tampered Settings table) are ignored, not a crash.
        super().__init__(directory)

    def put(self, key: Any) -> tuple[Any, bool]:
        if isinstance(key, PickledKey):
            return sqlite3.Binary(bytes(key)), False
        if type(key) in (str, int):
            return key, True
        if type(key) is bytes:
            return sqlite3.Binary(key), True
        raise TypeError(f"cache keys are text, not {type(key).__name__}")

    def get(self, key: Any, raw: bool) -> Any:
        if not raw:
            return PickledKey(bytes(key))  # never unpickled: callers skip non-text keys
        return bytes(key) if isinstance(key, memoryview | bytes) else key

    def store(self, value: Any, read: bool, key: Any = diskcache.core.UNKNOWN) -> tuple:
        if not read and type(value) in (str, int):
            return 0, diskcache.core.MODE_RAW, None, value
        raise TypeError(f"cache values are text or integers, not {type(value).__name__}")

    def fetch(self, mode: int, filename: str | None, value: Any, read: bool) -> Any:
        if mode != diskcache.core.MODE_RAW or filename is not None:
            raise CorruptRow(f"a cache row in mode {mode} was not written by mscterm")
        return bytes(value) if isinstance(value, memoryview | bytes) else value

    def remove(self, file_path: str) -> None:
        """mscterm never writes side files: a row naming one is foreign; leave files alone."""
