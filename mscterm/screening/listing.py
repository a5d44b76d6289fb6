"""Decisions as rows: DESIGN.md's listing columns, shared by the command line and the TUI."""

from __future__ import annotations

from typing import Any

from mscterm.screening.conflicts import Conflict
from mscterm.screening.decisions import Decision
from mscterm.textsafe import clean, one_line

COLUMNS = (
    "id",
    "pmid",
    "doi",
    "title",
    "year",
    "decision",
    "reason",
    "tags",
    "note",
    "reviewer",
    "time",
)
"""``mscterm screening``'s columns, in DESIGN.md's order."""

CONFLICT_COLUMNS = (
    "id",
    "title",
    "year",
    "first",
    "first_decision",
    "first_reason",
    "second",
    "second_decision",
    "second_reason",
    "consensus",
    "consensus_reason",
)


def row(decision: Decision) -> dict[str, Any]:
    """One decision as a row of plain values (tags as a list, note with its line breaks)."""
    snap = decision.record
    return {
        "id": decision.rid,
        "pmid": snap.pmid,
        "doi": snap.doi,
        "title": one_line(snap.title),
        "year": snap.year,
        "decision": decision.decision,
        "reason": decision.reason,
        "tags": list(decision.tags),
        "note": clean(decision.note),
        "reviewer": decision.reviewer,
        "time": decision.time,
    }


def conflict_row(conflict: Conflict) -> dict[str, Any]:
    """One conflict as a row: both decisions side by side, and the consensus if resolved."""
    snap = conflict.first.record
    resolved = conflict.resolution
    return {
        "id": conflict.rid,
        "title": one_line(snap.title),
        "year": snap.year,
        "first": conflict.first.reviewer,
        "first_decision": conflict.first.decision,
        "first_reason": conflict.first.reason,
        "second": conflict.second.reviewer,
        "second_decision": conflict.second.decision,
        "second_reason": conflict.second.reason,
        "consensus": resolved.decision if resolved else None,
        "consensus_reason": resolved.reason if resolved else None,
    }


def flat(value: Any) -> str:
    """A row value as CSV text: lists joined with ``; ``, ``None`` empty."""
    if value is None:
        return ""
    if isinstance(value, list):
        return "; ".join(str(v) for v in value)
    return str(value)
