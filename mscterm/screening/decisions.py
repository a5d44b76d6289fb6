"""A screening decision as stored: what was decided, why, by whom and when, and on what record.

A decision keeps a snapshot of the record it was made on (title, year, topics, PMID, DOI, first
author), so listings, PRISMA counts and duplicate grouping still work after ``cache clear``.
User-typed text is checked here once: an exclusion needs a reason, tags are short single words
or phrases, notes are text without terminal control characters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from mscterm.textsafe import clean, one_line

INCLUDE = "include"
EXCLUDE = "exclude"
MAYBE = "maybe"
DECISIONS = (INCLUDE, EXCLUDE, MAYBE)
CONSENSUS = "consensus"
"""The reviewer under which resolved conflicts are stored (DESIGN.md)."""

MAX_REASON = 200
MAX_TAG = 60
MAX_NOTE = 20_000
_TIME_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$")
_TAG_FORBIDDEN = re.compile(r"[,;\n\r\t]")
_STR: frozenset[type] = frozenset({str})
_STR_OR_NONE: frozenset[type] = frozenset({str, type(None)})
_DECISION_VALUES = frozenset({*DECISIONS, None})


class ScreeningError(ValueError):
    """Bad screening input (an unknown id, an empty reason, an unknown reviewer): one line."""


def now_utc() -> str:
    """The current time as ISO 8601 UTC to the millisecond (``2026-01-31T14:05:09.123Z``).

    Milliseconds, so two decisions of one burst still say which came last.
    """
    return dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def check_reason(text: str | None, known: Sequence[str]) -> str:
    """An exclusion reason: one of ``known`` (any case, as configured) or free text, never empty."""
    reason = one_line(text)
    if not reason:
        raise ScreeningError(
            "an exclusion needs a reason: one of "
            + ", ".join(f'"{r}"' for r in known)
            + " or your own words"
        )
    if len(reason) > MAX_REASON:
        raise ScreeningError(f"an exclusion reason is at most {MAX_REASON} characters")
    for option in known:
        if option.casefold() == reason.casefold():
            return option
    return reason


def check_tags(tags: Iterable[str]) -> tuple[str, ...]:
    """Tags as stored: trimmed, no commas or semicolons (exports join tags with them), unique."""
    out: dict[str, str] = {}
    for raw in tags:
        tag = one_line(raw)
        if not tag:
            raise ScreeningError("a tag cannot be empty")
        if _TAG_FORBIDDEN.search(raw) or len(tag) > MAX_TAG:
            raise ScreeningError(
                f"a tag is a word or short phrase (at most {MAX_TAG} characters, no commas or "
                f"semicolons): {tag[:40]!r}"
            )
        out.setdefault(tag.casefold(), tag)
    return tuple(out.values())


def check_note(text: str | None) -> str:
    """A note as stored: any lines of text, without terminal control characters."""
    note = clean(text).replace("\r\n", "\n").replace("\r", "\n").strip()
    if len(note) > MAX_NOTE:
        raise ScreeningError(f"a note is at most {MAX_NOTE} characters")
    return note


@dataclass(frozen=True, slots=True)
class Snapshot:
    """What a decision remembers of its record, so it outlives the cache."""

    title: str = ""
    year: int | None = None
    topics: tuple[str, ...] = ()
    pmid: str | None = None
    doi: str | None = None
    first_author: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The snapshot as stored in the reviewer's file."""
        return {
            "title": self.title,
            "year": self.year,
            "topics": list(self.topics),
            "pmid": self.pmid,
            "doi": self.doi,
            "first_author": self.first_author,
        }

    @classmethod
    def from_json(cls, data: Any) -> Snapshot | None:
        """The stored snapshot, or ``None`` when its fields have the wrong types."""
        if not isinstance(data, dict):
            return None
        title, year, topics = data.get("title", ""), data.get("year"), data.get("topics", [])
        pmid, doi, author = data.get("pmid"), data.get("doi"), data.get("first_author")
        # Type checks as sets of types: 10,000 decisions load within PRISMA's 1 s budget.
        if (
            type(title) is not str
            or not (year is None or type(year) is int)
            or type(topics) is not list
            or not set(map(type, topics)) <= _STR
            or not {type(pmid), type(doi), type(author)} <= _STR_OR_NONE
        ):
            return None
        return cls(title, year, tuple(topics), pmid, doi, author)


@dataclass(frozen=True, slots=True)
class Decision:
    """One reviewer's screening of one record (stored under the id it was given).

    ``decision`` is ``include``, ``exclude`` (then ``reason`` is set) or ``maybe``; ``None``
    when the record only carries a note or tags. ``time`` is ISO 8601 UTC.
    """

    rid: str
    reviewer: str
    decision: str | None
    reason: str | None = None
    note: str = ""
    tags: tuple[str, ...] = ()
    time: str = field(default_factory=now_utc)
    record: Snapshot = field(default_factory=Snapshot)

    @property
    def decided(self) -> bool:
        """Whether the record was screened (include, exclude or maybe)."""
        return self.decision is not None

    @property
    def empty(self) -> bool:
        """Nothing left worth keeping: no decision, no note, no tags."""
        return self.decision is None and not self.note and not self.tags

    def with_changes(self, **changes: Any) -> Decision:
        """A copy with some fields replaced (the dataclass is frozen)."""
        return replace(self, **changes)

    def to_json(self) -> dict[str, Any]:
        """The decision as stored in the reviewer's file (keyed by ``rid`` there)."""
        return {
            "decision": self.decision,
            "reason": self.reason,
            "note": self.note,
            "tags": list(self.tags),
            "time": self.time,
            "record": self.record.to_json(),
        }

    @classmethod
    def from_json(cls, rid: str, reviewer: str, data: Any) -> Decision | None:
        """A stored decision, or ``None`` when the entry is damaged (wrong types or values)."""
        if not isinstance(data, dict):
            return None
        decision, reason = data.get("decision"), data.get("reason")
        note, tags, time = data.get("note", ""), data.get("tags", []), data.get("time")
        snapshot = Snapshot.from_json(data.get("record", {}))
        if (
            snapshot is None
            or decision not in _DECISION_VALUES
            or not (reason is None or (type(reason) is str and reason.strip()))
            or (decision == EXCLUDE and reason is None)
            or type(note) is not str
            or type(tags) is not list
            or not set(map(type, tags)) <= _STR
            or "" in tags
            or not (type(time) is str and _TIME_RE.match(time))
        ):
            return None
        return cls(rid, reviewer, decision, reason, note, tuple(tags), time, snapshot)
