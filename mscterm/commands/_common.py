"""Small helpers shared by the sub-commands: error lines, id parsing, exit codes of failures."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable

from mscterm.exitcodes import BAD_INPUT, NETWORK_FAILURE, OK, STORAGE_FAILURE
from mscterm.model import BadIdError, parse_id
from mscterm.results import Problem
from mscterm.textsafe import one_line


def say(message: str) -> None:
    """One line to stderr, prefixed like every mscterm message; user text cannot steer the
    terminal (control characters are dropped)."""
    print(f"mscterm: {one_line(message)}", file=sys.stderr)


def warn(lines: Iterable[str]) -> None:
    """Each line as a warning: ``mscterm: warning: …`` on stderr (a problem worked around)."""
    for line in lines:
        say(f"warning: {line}")


def parse_ids(raw: Iterable[str], parse: Callable[[str], str] = parse_id) -> list[str] | None:
    """Ids for user-typed identifiers, each once (``parse``: records by default; trials or
    both with ``parse_trial_id``/``parse_any_id``); ``None`` (after saying why) if any is bad."""
    ids = []
    for text in raw:
        try:
            ids.append(parse(text))
        except BadIdError as exc:
            say(str(exc))
            return None
    return list(dict.fromkeys(ids))


def exit_code(problem: Problem | None, default: int = OK) -> int:
    """The exit code a failure stands for (DESIGN.md): network or service 3, storage 4, input 2."""
    if problem is None:
        return default
    return _EXIT_CODES[problem]


_EXIT_CODES = {
    Problem.NETWORK: NETWORK_FAILURE,
    Problem.SERVER: NETWORK_FAILURE,
    Problem.REFUSED: NETWORK_FAILURE,
    Problem.OFFLINE: NETWORK_FAILURE,
    Problem.STORAGE: STORAGE_FAILURE,
    Problem.INPUT: BAD_INPUT,
}
