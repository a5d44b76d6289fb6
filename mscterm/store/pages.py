"""Rows read straight from the pages of a damaged SQLite file, for salvage.

When SQLite cannot even read the schema (a truncated file) or a damaged interior page hides the
leaves below it, the rows themselves usually still sit in intact *table leaf* pages. This reads
those pages by the file format (sqlite.org/fileformat2.html): each cell's payload (following its
overflow chain), decoded as a record. Nothing found here is trusted: the caller keeps only rows
shaped like diskcache's ``Cache`` table and passes each through the codec's checks.
"""

from __future__ import annotations

import mmap
import struct
from pathlib import Path
from typing import Any

_LEAF = 0x0D
"""B-tree page type of a table leaf."""
_CACHE_COLUMNS = 12
"""rowid, key, raw, store_time, expire_time, access_time, access_count, tag, size, mode,
filename, value: diskcache's ``Cache`` table (the rowid column is stored as NULL)."""
_MAX_PAYLOAD = 64 * 1024 * 1024


def _varint(data: bytes, pos: int) -> tuple[int, int]:
    """SQLite's big-endian variable-length integer at ``pos``: (value, next position)."""
    value = 0
    for i in range(8):
        byte = data[pos + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    return (value << 8) | data[pos + 8], pos + 9


def _values(payload: bytes) -> list[Any]:
    """The column values of one record (``ValueError``/``IndexError`` when it is not one)."""
    size, pos = _varint(payload, 0)
    types = []
    while pos < size:
        kind, pos = _varint(payload, pos)
        types.append(kind)
    out: list[Any] = []
    pos = size
    for kind in types:
        if kind in (0, 8, 9):
            out.append(None if kind == 0 else kind - 8)
        elif 1 <= kind <= 6:
            width = (1, 2, 3, 4, 6, 8)[kind - 1]
            out.append(int.from_bytes(payload[pos : pos + width], "big", signed=True))
            pos += width
        elif kind == 7:
            out.append(struct.unpack(">d", payload[pos : pos + 8])[0])
            pos += 8
        elif kind >= 12:
            length = (kind - 12) // 2
            chunk = payload[pos : pos + length]
            out.append(chunk.decode("utf-8") if kind % 2 else bytes(chunk))
            pos += length
        else:
            raise ValueError("reserved serial type")
    if pos > len(payload):
        raise ValueError("record runs past its payload")
    return out


class _File:
    """A database file's pages (``data`` is the whole file, mapped, never read into memory)."""

    def __init__(self, data: bytes | mmap.mmap) -> None:
        self.data = data
        size = int.from_bytes(data[16:18], "big") if len(data) >= 100 else 0
        size = 65536 if size == 1 else size
        self.page_size = size if size >= 512 and size & (size - 1) == 0 else 4096
        self.usable = self.page_size - (data[20] if len(data) >= 100 else 0)
        self.pages = len(data) // self.page_size

    def page(self, number: int) -> bytes:
        if not 1 <= number <= self.pages:
            raise ValueError("page out of range")
        start = (number - 1) * self.page_size
        return self.data[start : start + self.page_size]

    def payload(self, page: bytes, offset: int) -> bytes:
        """One table-leaf cell's payload, its overflow chain followed."""
        total, pos = _varint(page, offset)
        _, pos = _varint(page, pos)  # the rowid
        if total > _MAX_PAYLOAD:
            raise ValueError("payload too large")
        usable = self.usable
        local = total
        if total > usable - 35:
            least = (usable - 12) * 32 // 255 - 23
            local = least + (total - least) % (usable - 4)
            local = local if local <= usable - 35 else least
        parts = [page[pos : pos + local]]
        got = local
        following = int.from_bytes(page[pos + local : pos + local + 4], "big") if got < total else 0
        seen = set()
        while got < total:
            if following in seen:
                raise ValueError("overflow loop")
            seen.add(following)
            overflow = self.page(following)
            take = min(total - got, usable - 4)
            parts.append(overflow[4 : 4 + take])
            got += take
            following = int.from_bytes(overflow[:4], "big")
        return b"".join(parts)


def scan(db: Path) -> tuple[dict[Any, tuple[Any, ...]], int | None]:
    """Rows of diskcache's ``Cache`` table found in intact leaf pages of ``db``, by key (the
    newest copy of each), and the row count of its ``Settings`` table if that row survived."""
    try:
        with open(db, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
            return _scan(_File(data))
    except (OSError, ValueError):  # unreadable, or empty (mmap of 0 bytes)
        return {}, None


def _scan(file: _File) -> tuple[dict[Any, tuple[Any, ...]], int | None]:
    rows: dict[Any, tuple[Any, ...]] = {}
    count: int | None = None
    for number in range(1, file.pages + 1):
        page = file.page(number)
        head = 100 if number == 1 else 0
        if page[head] != _LEAF:
            continue
        cells = int.from_bytes(page[head + 3 : head + 5], "big")
        for i in range(cells):
            at = head + 8 + 2 * i
            try:
                values = _values(file.payload(page, int.from_bytes(page[at : at + 2], "big")))
            except (ValueError, IndexError, UnicodeDecodeError, struct.error):
                continue
            if len(values) == 2 and values[0] == "count" and type(values[1]) is int:
                count = values[1]
            elif len(values) == _CACHE_COLUMNS:
                key, old = values[1], rows.get(values[1])
                if old is None or (values[3] or 0) >= (old[3] or 0):
                    rows[key] = tuple(values)
    return rows, count
