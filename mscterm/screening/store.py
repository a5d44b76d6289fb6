"""Where decisions live: one JSON file per reviewer in ``<state dir>/screening/``.

One file per reviewer keeps each write small (a reviewer rewrites only their own decisions) and
lets two reviewers screen at once without touching the same file. Each file is a
:class:`mscterm.state.JsonDocument`: changed by read-merge-write under its cross-process lock,
replaced atomically, checked entry by entry on read (a damaged entry is set aside with the whole
file kept as ``<name>.corrupt-<time>.json``). The cache is elsewhere: ``cache clear`` never
touches these files.

Reviewer names are matched without regard to case (``Alice`` and ``alice`` are one reviewer, on
every file system); the name as first written is the one shown.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from mscterm.screening.decisions import Decision
from mscterm.state import DROP, JsonDocument, PartCheck

FOLDER = "screening"
FORMAT = 1
_SAFE = re.compile(r"[A-Za-z0-9_-]")
_FILE_RE = re.compile(r"^[A-Za-z0-9_%-]+\.json$")


def file_stem(reviewer: str) -> str:
    """A file name for a reviewer: letters, digits, ``_-`` kept, the rest percent-encoded.

    ``.`` is encoded too, so no reviewer's file can look like a set-aside ``.corrupt-`` copy.
    """
    name = reviewer.casefold()
    stem = "".join(
        c if _SAFE.match(c) else "".join(f"%{b:02X}" for b in c.encode("utf-8")) for c in name
    )
    if len(stem) > 120:
        stem = "h-" + hashlib.sha256(name.encode("utf-8")).hexdigest()[:40]
    return stem


def _reviewer_part(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, str) and value.strip():
        return value, None
    return DROP, "is not a reviewer name"


def _format_part(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, int) and not isinstance(value, bool):
        return value, None
    return DROP, "is not a format number"


def _decisions_check(reviewer: str) -> PartCheck:
    """Checks stored entries and turns them into :class:`Decision` objects of ``reviewer``."""

    def check(value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, dict):
            return DROP, f"is a {type(value).__name__}, not a mapping of record ids to decisions"
        good = {}
        for rid, entry in value.items():
            decision = Decision.from_json(rid, reviewer, entry) if rid.isprintable() else None
            if decision is not None and rid:
                good[rid] = decision
        bad = len(value) - len(good)
        return good, (f"had {bad} damaged decisions" if bad else None)

    return check


def _named(decisions: dict[str, Decision], name: str) -> dict[str, Decision]:
    """Checked decisions with their reviewer's name (the file names it once)."""
    return {
        rid: d if d.reviewer == name else d.with_changes(reviewer=name)
        for rid, d in decisions.items()
    }


class ReviewerFile:
    """One reviewer's decisions; re-read only when the file changed on disk."""

    def __init__(self, path: Path, reviewer: str) -> None:
        self.path = path
        self.asked = reviewer
        parts = {
            "reviewer": _reviewer_part,
            "format": _format_part,
            "decisions": _decisions_check(reviewer),
        }
        self.doc = JsonDocument(self.path, parts, what="screening decisions", compact=True)
        self._seen: tuple[int, int, int] | None = None
        self._name = reviewer
        self._decisions: dict[str, Decision] = {}

    def _stat(self) -> tuple[int, int, int] | None:
        # Every save is a rename: a new inode, so another process's write is always noticed.
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return (st.st_ino, st.st_mtime_ns, st.st_size)

    @property
    def exists(self) -> bool:
        """Whether this reviewer has a file (has ever decided, noted or tagged something)."""
        return self._stat() is not None

    def _load(self, data: dict[str, Any]) -> None:
        self._name = data.get("reviewer") or self.asked
        self._decisions = _named(data.get("decisions", {}), self._name)

    def _fresh(self) -> None:
        seen = self._stat()
        if seen != self._seen or seen is None:
            self._load(self.doc.read() if seen is not None else {})
            self._seen = self._stat()

    @property
    def name(self) -> str:
        """The reviewer's name as first written."""
        self._fresh()
        return self._name

    def decisions(self) -> dict[str, Decision]:
        """Every stored decision of this reviewer, by the id it was stored under."""
        self._fresh()
        return self._decisions

    def change(self, edit: Callable[[dict[str, Decision]], None]) -> dict[str, Decision]:
        """Apply ``edit`` to the decisions as they are on disk now (under the lock) and save.

        ``edit`` gets the current decisions by id and changes that dict in place.
        """

        def apply(data: dict[str, Any]) -> None:
            name = data.get("reviewer") or self.asked
            current = _named(data.get("decisions", {}), name)
            edit(current)
            data["format"] = FORMAT
            data["reviewer"] = name
            data["decisions"] = current

        self._load(self.doc.update(apply))
        self._seen = self._stat()
        return self._decisions


class DecisionStore:
    """Every reviewer's file in one folder of the user state directory."""

    def __init__(self, state_dir: Path) -> None:
        self.folder = Path(state_dir) / FOLDER
        self._files: dict[str, ReviewerFile] = {}

    def reviewer(self, name: str) -> ReviewerFile:
        """The file of reviewer ``name`` (which may not exist yet)."""
        key = file_stem(name)
        if key not in self._files:
            self._files[key] = ReviewerFile(self.folder / f"{key}.json", name)
        return self._files[key]

    def reviewers(self) -> list[str]:
        """Names of every reviewer with a file, sorted."""
        try:
            names = [p.name for p in self.folder.iterdir() if _FILE_RE.match(p.name)]
        except OSError:
            return []
        found = []
        for name in names:
            stem = name.removesuffix(".json")
            cached = self._files.get(stem)
            if cached is None:
                cached = ReviewerFile(self.folder / name, unquote(stem))
                self._files[stem] = cached
            found.append(cached.name)
        return sorted(found, key=str.casefold)

    def warnings(self) -> list[str]:
        """Damaged entries set aside in any reviewer file read so far."""
        return [w for f in self._files.values() for w in f.doc.warnings]
