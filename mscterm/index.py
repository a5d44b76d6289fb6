"""Moved: the search index is now :mod:`mscterm.store.fts` and its query language
:mod:`mscterm.store.query`. This alias keeps old imports working while the Library, the TUI
help screen and ``commands/search.py`` move to asking the store (remove it once none import it).
"""

from mscterm.store.fts import INDEX_SCHEMA, IndexCorruptError, IndexError_, SearchIndex
from mscterm.store.query import QUERY_HELP, clean_query
from mscterm.store.ranking import compile_query

__all__ = [
    "INDEX_SCHEMA",
    "QUERY_HELP",
    "IndexCorruptError",
    "IndexError_",
    "SearchIndex",
    "clean_query",
    "compile_query",
]
