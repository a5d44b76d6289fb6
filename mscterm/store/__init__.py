"""The record store: records, trials and answers cached on disk, in front of the seed snapshot.

Modules, one job each (``docs/ARCHITECTURE.md`` has the map):

* :mod:`.facade`      :class:`RecordStore`, what the Library calls;
* :mod:`.codec`       records, trials and results as text; shape checks of what is read back;
* :mod:`.disk`        the diskcache serializer that never pickles (nor unpickles);
* :mod:`.seed`        the one reader of JSON-lines record files (the shipped seed snapshot);
* :mod:`.recovery`    guarded calls, damaged files moved aside, the read-only fallback;
* :mod:`.salvage`     readable rows of a damaged database copied into a fresh one;
* :mod:`.writing`     batches of records (aliases, no downgrades) and trials;
* :mod:`.maintenance` stats, verify, clear, JSON-lines import and export;
* :mod:`.query`       the offline search's query language; :mod:`.queryhelp` its help text
  (:data:`QUERY_HELP`); :mod:`.filters` values of year/pmid/pt/is/has; :mod:`.pubtypes`
  PubMed's publication types; :mod:`.indexrows` what the index stores of a record;
* :mod:`.fts`         the SQLite FTS5 index; :mod:`.ranking` query -> FTS5 tiers -> ranked ids;
  :mod:`.labels` records filed under labels (topics) in it;
* :mod:`.searching`   the index's life beside the records (fed, checked, rebuilt).

Names are imported lazily: ``from mscterm.store import QUERY_HELP`` must not load diskcache,
and ``from mscterm.store.seed import read_seed`` (the topic map at start-up) neither.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from mscterm.store.codec import SCHEMA_VERSION, validate_record
    from mscterm.store.errors import CorruptRow, Finding, SnapshotError, StoreError
    from mscterm.store.facade import INDEX_FILE, RECORDS_DIR, RecordStore
    from mscterm.store.fts import IndexCorruptError, SearchIndex
    from mscterm.store.queryhelp import QUERY_HELP
    from mscterm.store.recovery import CORRUPT_MARK
    from mscterm.store.seed import MAX_LINE_BYTES, parse_record_line, read_seed

_WHERE = {
    "RecordStore": "facade",
    "RECORDS_DIR": "facade",
    "INDEX_FILE": "facade",
    "StoreError": "errors",
    "SnapshotError": "errors",
    "Finding": "errors",
    "CorruptRow": "errors",
    "SCHEMA_VERSION": "codec",
    "validate_record": "codec",
    "CORRUPT_MARK": "recovery",
    "MAX_LINE_BYTES": "seed",
    "parse_record_line": "seed",
    "read_seed": "seed",
    "QUERY_HELP": "queryhelp",
    "SearchIndex": "fts",
    "IndexCorruptError": "fts",
}

__all__ = [
    "CORRUPT_MARK",
    "INDEX_FILE",
    "MAX_LINE_BYTES",
    "QUERY_HELP",
    "RECORDS_DIR",
    "SCHEMA_VERSION",
    "CorruptRow",
    "Finding",
    "IndexCorruptError",
    "RecordStore",
    "SearchIndex",
    "SnapshotError",
    "StoreError",
    "parse_record_line",
    "read_seed",
    "validate_record",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'mscterm.store' has no attribute {name!r}")
    return getattr(importlib.import_module(f"mscterm.store.{module}"), name)
