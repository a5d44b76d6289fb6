"""Small helpers shared by the sub-commands: error lines, id parsing, running the Library."""

from __future__ import annotations

import sys
from collections.abc import Iterable

from mscterm.model import BadIdError, parse_id
from mscterm.textsafe import one_line


def say(message: str) -> None:
    """One line to stderr, prefixed like every mscterm message; user text cannot steer the
    terminal (control characters are dropped)."""
    print(f"mscterm: {one_line(message)}", file=sys.stderr)


def parse_ids(raw: Iterable[str]) -> list[str] | None:
    """Record ids for user-typed identifiers; ``None`` (after saying why) if any is bad."""
    ids = []
    for text in raw:
        try:
            ids.append(parse_id(text))
        except BadIdError as exc:
            say(str(exc))
            return None
    return list(dict.fromkeys(ids))
