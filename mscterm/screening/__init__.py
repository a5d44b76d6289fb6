"""Screening: reviewers' decisions, notes and tags on records, duplicates, conflicts, PRISMA 2020.

The one entry point is :class:`Screening` (``library.screening`` builds it on the Library's
user state directory and settings). Decisions live in user state, one file per reviewer, never
in the cache. Modules: ``decisions`` (the stored shape and input checks), ``store`` (files,
locking), ``index`` (a doi:/cite: id and its PMID as one record), ``duplicates`` (same-work
grouping), ``conflicts`` (two reviewers), ``prisma`` (counts and the PRISMA2020 CSV) with
``prisma_template`` (the template's rows), ``source`` (what is read from the Library),
``listing`` (rows for the command line), ``service`` (the facade).
"""

from mscterm.screening.conflicts import Conflict
from mscterm.screening.decisions import (
    CONSENSUS,
    DECISIONS,
    EXCLUDE,
    INCLUDE,
    MAYBE,
    Decision,
    ScreeningError,
    Snapshot,
)
from mscterm.screening.prisma import PrismaCounts
from mscterm.screening.service import Screening
from mscterm.screening.source import LibrarySource, Source

__all__ = [
    "CONSENSUS",
    "DECISIONS",
    "EXCLUDE",
    "INCLUDE",
    "MAYBE",
    "Conflict",
    "Decision",
    "LibrarySource",
    "PrismaCounts",
    "Screening",
    "ScreeningError",
    "Snapshot",
    "Source",
]
