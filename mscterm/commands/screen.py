"""``mscterm screen ID... (--include|--exclude REASON|--maybe|--clear) [--note T] [--tag T]...``.

Records one reviewer's decision on records known locally (cache or seed snapshot; nothing is
fetched), in user state: ``cache clear`` never touches it. Every id is checked before anything
is written, so a typo in the fifth id leaves the first four undecided too.
"""

from __future__ import annotations

import argparse
import sys

from mscterm.commands._common import parse_ids, say
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, OK
from mscterm.model import parse_any_id


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Store the decision; 0 done, 2 bad input (unknown id, empty reason, bad tag)."""
    from mscterm.library import Library
    from mscterm.screening import ScreeningError

    ids = parse_ids(args.ids, parse_any_id)
    if ids is None:
        return BAD_INPUT
    if args.include:
        decision: str | None = "include"
    elif args.exclude is not None:
        decision = "exclude"
    elif args.maybe:
        decision = "maybe"
    else:
        decision = None
    library = Library(settings)
    try:
        written = library.screening.decide(
            ids,
            decision,
            reason=args.exclude,
            note=args.note,
            tags=args.tag or (),
        )
    except ScreeningError as exc:
        say(str(exc))
        return BAD_INPUT
    finally:
        library.close()
    what = decision or "cleared"
    reviewer = written[0].reviewer if written else settings.reviewer
    n = len(written)
    print(
        f"{what}: {n} record{'s' if n != 1 else ''} ({reviewer})"
        + (f", reason: {written[0].reason}" if decision == "exclude" else ""),
        file=sys.stderr,
    )
    return OK
