"""The one reader of JSON-lines record files: the shipped seed snapshot and cache snapshots.

Every record read from such a file goes through :func:`parse_record_line` (the codec's shape and
key checks), whoever reads it: the store's seed tier, the topic map's landmarks, ``mscterm
topics`` and ``mscterm cache import``. Two policies over the same lines:

* :func:`read_seed` is tolerant: the shipped snapshot must never stop mscterm, so a bad line is
  skipped and named in :attr:`Seed.problems` (``cache verify`` reports it).
* :func:`read_snapshot` is strict: an import either takes the whole file or nothing, so the first
  bad line raises :class:`~mscterm.store.errors.SnapshotError` naming it.

Only the standard library and the model: the topic map reads the seed at start-up.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mscterm.model import Record
from mscterm.store.codec import record_from_json
from mscterm.store.errors import SnapshotError

MAX_LINE_BYTES = 8 * 1024 * 1024
"""Longest JSON line accepted: far above any real record, far below a denial of service."""


def parse_record_line(line: bytes | str) -> Record:
    """One JSON line -> Record, or ``ValueError`` saying what is wrong with it."""
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
    return record_from_json(data)


def _lines(path: Path) -> Iterator[tuple[int, bytes | ValueError]]:
    """(line number, bytes) of each non-blank line, or the error that line is, bounded in size."""
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
                limit = MAX_LINE_BYTES // (1024 * 1024)
                yield number, ValueError(f"longer than {limit} MB; not a record")
                while line and not line.endswith(b"\n"):  # skip the rest of the long line
                    line = fh.readline(MAX_LINE_BYTES + 1)
                continue
            if line.strip():
                yield number, line


def _records(path: Path) -> Iterator[tuple[int, Record | ValueError]]:
    for number, line in _lines(path):
        if isinstance(line, ValueError):
            yield number, line
            continue
        try:
            yield number, parse_record_line(line)
        except ValueError as exc:
            yield number, exc


def read_snapshot(path: Path, label: str | None = None) -> Iterator[Record]:
    """Every record of a snapshot file; the first bad line raises :class:`SnapshotError`."""
    label = label or str(path)
    for number, item in _records(Path(path)):
        if isinstance(item, ValueError):
            raise SnapshotError(f"{label} line {number}: {item} (nothing was imported)")
        yield item


@dataclass(slots=True)
class Seed:
    """The shipped snapshot: records by id, DOI ids of records keyed otherwise, and problems."""

    records: dict[str, Record] = field(default_factory=dict)
    by_doi: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def get(self, rid: str) -> Record | None:
        """The seed record for ``rid``; a ``doi:`` id also finds a record keyed by its PMID."""
        record = self.records.get(rid)
        if record is None and rid.startswith("doi:"):
            other = self.by_doi.get(rid)
            record = self.records.get(other) if other else None
        return record


def read_seed(path: Path | None) -> Seed:
    """The seed snapshot at ``path``; absent -> empty, bad lines skipped and named."""
    seed = Seed()
    if path is None:
        return seed
    try:
        for number, item in _records(Path(path)):
            if isinstance(item, ValueError):
                seed.problems.append(f"the seed snapshot {path} line {number} was skipped: {item}")
                continue
            seed.records[item.id] = item
            if item.doi:
                seed.by_doi.setdefault("doi:" + item.doi.strip().lower(), item.id)
    except FileNotFoundError:
        pass
    except OSError as exc:
        seed.problems.append(f"the seed snapshot {path} could not be read: {exc.strerror or exc}")
    return seed
