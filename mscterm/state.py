"""User state that outlives the cache: marks, expanded nodes, cursor, topic visits, citation keys.

It lives in the platformdirs *state* directory (not the cache), so ``mscterm cache clear`` never
erases a person's marks or the citation keys their manuscript already uses.

Every change is a read-merge-write under a cross-process lock: the file is read afresh while the
lock is held, the one change is applied to what is on disk, and the result replaces the file
atomically (temp file + rename). Two mscterm processes (the TUI marking, a CLI export pinning
keys) therefore never lose each other's writes. The lock is ``filelock``'s: a lock file beside
the document, ``flock`` on POSIX and ``msvcrt`` locking on Windows, with a timeout (a stuck
process becomes a clear message, not a hang), so the same code is safe on every platform the
app runs on -- ``fcntl`` alone would leave Windows unprotected.

Every part is checked on read. A part of the wrong shape (``{"marks": 5}``) is set aside, never
silently overwritten: the whole file is first copied to ``state.corrupt-<time>.json``, then the
good parts are written back, and the user is told in one line. A file that cannot be read at all
(permissions, a folder in its place) raises :class:`StateError`; the TUI then exits with its
code (2) and every command says it in one line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import json
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mscterm.exitcodes import BAD_INPUT

STATE_FILE = "state.json"
LOCK_TIMEOUT = 15.0
"""Seconds to wait for another process's write before giving up with a clear message."""
STORAGE_FAILED = 4
"""DESIGN.md's exit code when local storage failed (disk full, state not writable)."""

CITEKEY_RE = re.compile(r"^[A-Za-z0-9_:.+\-]{1,200}$")
"""What a pinned citation key may hold: the characters the key scheme produces, nothing a
BibTeX file could read as a command (``x{}\\input{…}``)."""
_DAY_RE = re.compile(r"^\d{4}/\d{2}/\d{2}$")

PartCheck = Callable[[Any], tuple[Any, str | None]]
"""Checks one part of a document: ``(clean value, problem)``; ``DROP`` as value removes it."""
DROP = object()

_problem_sink: Callable[[str], None] | None = None


class StateError(OSError):
    """User state cannot be read or saved; ``str()`` is one line a person can act on.

    ``exit_code`` is what the command line returns: 2 when the state cannot be read (DESIGN.md:
    the TUI exits 2), 4 when it cannot be saved (disk full, not writable, locked).
    """

    def __init__(self, message: str, *, exit_code: int = BAD_INPUT) -> None:
        super().__init__(message)
        self.exit_code = exit_code

    def __str__(self) -> str:
        return str(self.args[0])


def report_problems_to(sink: Callable[[str], None] | None) -> None:
    """Where one-line notices about damaged state go as they happen (the CLI prints them).

    Without a sink they are only kept in each document's ``warnings`` (the TUI shows those).
    """
    global _problem_sink
    _problem_sink = sink


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _reason(exc: OSError) -> str:
    return exc.strerror or exc.__class__.__name__


class JsonDocument:
    """One JSON object on disk, checked part by part, changed only under its lock."""

    def __init__(
        self, path: Path, parts: Mapping[str, PartCheck], *, what: str, compact: bool = False
    ) -> None:
        self.path = Path(path)
        self.compact = compact
        self.what = what
        self._parts = dict(parts)
        self.warnings: list[str] = []
        self._lock: Any = None

    # -- locking -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the document's cross-process lock (re-entrant within one thread)."""
        if self._lock is None:
            from filelock import FileLock

            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise StateError(
                    f"cannot create the state folder {self.path.parent}: {_reason(exc)}",
                    exit_code=STORAGE_FAILED,
                ) from None
            self._lock = FileLock(str(self.path) + ".lock", timeout=LOCK_TIMEOUT)
        from filelock import Timeout

        try:
            self._lock.acquire()
        except Timeout:
            raise StateError(
                f"{self.path} is locked by another mscterm process; try again",
                exit_code=STORAGE_FAILED,
            ) from None
        except OSError as exc:
            raise StateError(
                f"cannot lock {self.path}: {_reason(exc)}", exit_code=STORAGE_FAILED
            ) from None
        try:
            yield
        finally:
            self._lock.release()

    # -- reading -------------------------------------------------------------------------------
    def _raw(self) -> bytes | None:
        try:
            return self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StateError(f"cannot read {self.what} {self.path}: {_reason(exc)}") from None

    def _check(self, raw: bytes | None) -> tuple[dict[str, Any], list[str]]:
        """The document's good parts and one sentence per bad one."""
        if raw is None:
            return {}, []
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {}, ["it is not valid JSON"]
        if not isinstance(data, dict):
            return {}, [f"it holds a JSON {type(data).__name__}, not an object"]
        problems = []
        for name, check in self._parts.items():
            if name not in data:
                continue
            value, problem = check(data[name])
            if problem:
                problems.append(f"'{name}' {problem}")
            if value is DROP:
                del data[name]
            else:
                data[name] = value
        return data, problems

    def read(self) -> dict[str, Any]:
        """The document's checked content; a damaged part is set aside first (see module doc)."""
        data, problems = self._check(self._raw())
        if not problems:
            return data
        with self.locked():
            raw = self._raw()
            data, problems = self._check(raw)
            if problems and raw is not None:
                self._set_aside(raw, problems)
                self._write(data)
        return data

    def _set_aside(self, raw: bytes, problems: list[str]) -> None:
        stem = self.path.name.removesuffix(".json")
        for n in range(100):
            aside = self.path.with_name(f"{stem}.corrupt-{_stamp()}{f'-{n}' if n else ''}.json")
            if not aside.exists():
                break
        from mscterm.atomic import write_atomic

        try:
            write_atomic(aside, raw)
        except OSError as exc:
            raise StateError(
                f"{self.what} {self.path} is damaged ({problems[0]}) and could not be set "
                f"aside: {_reason(exc)}"
            ) from None
        line = (
            f"{self.what} {self.path}: {'; '.join(problems)}; the file was kept as {aside.name} "
            "and the rest is used"
        )
        self.warnings.append(line)
        if _problem_sink is not None:
            _problem_sink(line)

    # -- writing -------------------------------------------------------------------------------
    def _write(self, data: dict[str, Any]) -> None:
        # Compact documents (thousands of decisions) use json's C encoder; indent would not.
        text = json.dumps(
            data,
            indent=None if self.compact else 1,
            separators=(",", ":") if self.compact else None,
            sort_keys=not self.compact,
            ensure_ascii=False,
            default=_jsonable,
        )
        from mscterm.atomic import write_atomic

        try:
            write_atomic(self.path, text + "\n")
        except OSError as exc:
            full = exc.errno == errno.ENOSPC
            raise StateError(
                f"cannot save {self.what} to {self.path}: "
                + ("disk full" if full else _reason(exc)),
                exit_code=STORAGE_FAILED,
            ) from None

    def update(self, change: Callable[[dict[str, Any]], bool | None]) -> dict[str, Any]:
        """Apply ``change`` to the document as it is on disk now, under the lock; save it.

        ``change`` edits the dict in place and may return ``False`` to say nothing changed
        (then nothing is written). Returns the document as saved.
        """
        with self.locked():
            raw = self._raw()
            data, problems = self._check(raw)
            if problems and raw is not None:
                self._set_aside(raw, problems)
            if change(data) is not False or problems:
                self._write(data)
        return data


def _jsonable(value: Any) -> Any:
    """Parts may hold objects that know their JSON form (``to_json()``)."""
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    raise TypeError(f"cannot store {type(value).__name__} in user state")


# -- the parts of state.json ---------------------------------------------------------------------
def _id_text(value: Any) -> bool:
    return isinstance(value, str) and 0 < len(value) <= 2000 and value.isprintable()


def _id_list(value: Any) -> tuple[Any, str | None]:
    if not isinstance(value, list):
        return DROP, f"is a {type(value).__name__}, not a list of ids"
    good = [v for v in value if _id_text(v)]
    bad = len(value) - len(good)
    return list(dict.fromkeys(good)), (f"had {bad} entries that are not ids" if bad else None)


def _str_map(ok: Callable[[str], bool], what: str) -> PartCheck:
    def check(value: Any) -> tuple[Any, str | None]:
        if not isinstance(value, dict):
            return DROP, f"is a {type(value).__name__}, not a mapping of ids to {what}"
        good = {k: v for k, v in value.items() if _id_text(k) and isinstance(v, str) and ok(v)}
        bad = len(value) - len(good)
        return good, (f"had {bad} entries that are not {what}" if bad else None)

    return check


def _cursor(value: Any) -> tuple[Any, str | None]:
    if value is None or _id_text(value):
        return value, None
    return DROP, f"is a {type(value).__name__}, not a tree position"


def _text(value: Any) -> tuple[Any, str | None]:
    return (value, None) if isinstance(value, str) else (DROP, "is not text")


STATE_PARTS: dict[str, PartCheck] = {
    "marks": _id_list,
    "expanded": _id_list,
    "cursor": _cursor,
    "theme": _text,
    "visits": _str_map(lambda v: bool(_DAY_RE.match(v)), "dates"),
    "citekeys": _str_map(lambda v: bool(CITEKEY_RE.match(v)), "citation keys"),
}


class UserState:
    """Marks, tree position, topic visits and pinned citation keys (``state.json``)."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / STATE_FILE
        self._doc = JsonDocument(self.path, STATE_PARTS, what="user state")
        self._data: dict[str, Any] = self._doc.read()

    @property
    def warnings(self) -> list[str]:
        """One line per damaged part set aside since this object was made."""
        return list(self._doc.warnings)

    def _update(self, change: Callable[[dict[str, Any]], bool | None]) -> None:
        self._data = self._doc.update(change)

    # -- marks -------------------------------------------------------------------------------
    @property
    def marks(self) -> list[str]:
        """Marked record ids, in the order they were marked."""
        return list(self._data.get("marks", []))

    def set_marks(self, ids: Iterable[str]) -> None:
        """Replace the marked set (the TUI owns marking; this persists it)."""
        marks = list(dict.fromkeys(ids))

        def change(data: dict[str, Any]) -> None:
            data["marks"] = marks

        self._update(change)

    # -- tree position and other free-form values --------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """A free-form value (``expanded``, ``cursor``, ``theme``…)."""
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Persist a free-form JSON value (checked like on read when it is a known part)."""
        check = STATE_PARTS.get(key)
        if check is not None and check(value)[1] is not None:
            raise ValueError(f"not a valid value for {key}: {value!r}")

        def change(data: dict[str, Any]) -> None:
            data[key] = value

        self._update(change)

    # -- topic visits ------------------------------------------------------------------------
    def last_visit(self, topic_id: str) -> str | None:
        """ISO date (YYYY/MM/DD, NCBI's format) of the user's last visit to a topic."""
        visit = self._data.get("visits", {}).get(topic_id)
        return visit if isinstance(visit, str) else None

    def record_visit(self, topic_id: str, day: str) -> None:
        """Remember that the user looked at a topic on ``day`` (YYYY/MM/DD)."""

        def change(data: dict[str, Any]) -> None:
            data.setdefault("visits", {})[topic_id] = day

        self._update(change)

    # -- citation keys -----------------------------------------------------------------------
    @property
    def citekeys(self) -> dict[str, str]:
        """Pinned citation keys: record id -> key. The first export of a record fixes its key."""
        return dict(self._data.get("citekeys", {}))

    def pin_citekeys(self, new: dict[str, str]) -> dict[str, str]:
        """Pin keys for records that have none yet; returns the full, merged mapping.

        Keys already pinned (by this or another process) win over the proposed ones. A
        proposed key that breaks the key rules is not pinned (it is returned as proposed).
        """
        valid = {rid: key for rid, key in new.items() if CITEKEY_RE.match(key)}

        def change(data: dict[str, Any]) -> bool:
            pinned: dict[str, str] = data.setdefault("citekeys", {})
            added = [rid for rid in valid if rid not in pinned]
            for rid in added:
                pinned[rid] = valid[rid]
            return bool(added)

        self._update(change)
        return {**new, **self.citekeys}
