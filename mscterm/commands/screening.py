"""``mscterm screening [--topic ID] [--reviewer NAME] [--format table|csv|json]`` and
``mscterm screening conflicts --reviewers A,B [--format table|csv]``.

Lists one reviewer's decisions with DESIGN.md's columns (from the decisions' own snapshots, so
the list survives ``cache clear``), or the records two reviewers decided differently.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mscterm.commands._common import say
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NOT_FOUND, OK
from mscterm.screening.listing import flat
from mscterm.textsafe import json_text, one_line

if TYPE_CHECKING:
    from mscterm.screening import Screening


def run(args: argparse.Namespace, settings: Settings) -> int:
    """0 listed, 1 nothing to list, 2 bad input (unknown topic or reviewer)."""
    from mscterm.library import Library
    from mscterm.screening import ScreeningError

    library = Library(settings)
    try:
        if getattr(args, "screening_command", None) == "conflicts":
            return _conflicts(library.screening, args)
        return _decisions(library.screening, args, settings)
    except ScreeningError as exc:
        say(str(exc))
        return BAD_INPUT
    finally:
        library.close()


def _decisions(screening: Screening, args: argparse.Namespace, settings: Settings) -> int:
    from mscterm.screening.listing import COLUMNS, row

    explicit = args.reviewer is not None
    reviewer = screening.check_known(args.reviewer) if explicit else settings.reviewer
    rows = [row(d) for d in screening.decisions(reviewer=reviewer, topic=args.topic)]
    if not rows:
        where = f" under topic {args.topic}" if args.topic else ""
        say(f"no screening decisions by {reviewer}{where}")
        return NOT_FOUND
    _print(rows, COLUMNS, args.format, wide=("title", "note"))
    return OK


def _conflicts(screening: Screening, args: argparse.Namespace) -> int:
    from mscterm.screening.listing import CONFLICT_COLUMNS, conflict_row

    names = [name.strip() for name in (args.reviewers or "").split(",")]
    if len(names) != 2 or not all(names):
        say("--reviewers takes two reviewer names: --reviewers A,B")
        return BAD_INPUT
    first, second = (screening.check_known(name) for name in names)
    found = screening.conflicts(first, second, topic=args.topic)
    if not found:
        say(f"no conflicts between {first} and {second}")
        return NOT_FOUND
    _print([conflict_row(c) for c in found], CONFLICT_COLUMNS, args.format, wide=("title",))
    return OK


def _print(
    rows: list[dict[str, Any]], columns: Sequence[str], fmt: str, wide: Sequence[str]
) -> None:
    out = sys.stdout
    if fmt == "json":
        out.write(json_text(rows) + "\n")
    elif fmt == "csv":
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(columns)
        for r in rows:
            writer.writerow([flat(r[c]) for c in columns])
    else:
        _table(rows, columns, wide)


def _table(rows: list[dict[str, Any]], columns: Sequence[str], wide: Sequence[str]) -> None:
    """Aligned columns; on a terminal, long text columns share what its width leaves."""
    shown = [c for c in columns if c not in ("pmid", "doi")]  # the id column names the record
    cells = [[one_line(flat(r[c])) for c in shown] for r in rows]
    widths = [max(len(c), *(len(line[i]) for line in cells)) for i, c in enumerate(shown)]
    room = shutil.get_terminal_size().columns if sys.stdout.isatty() else 1 << 16
    fixed = sum(w + 2 for c, w in zip(shown, widths, strict=True) if c not in wide)
    share = max(12, (room - fixed) // max(1, len(wide)) - 2)
    widths = [min(w, share) if c in wide else w for c, w in zip(shown, widths, strict=True)]
    print("  ".join(c.ljust(w) for c, w in zip(shown, widths, strict=True)).rstrip())
    for line in cells:
        parts = [
            (text if len(text) <= w else text[: w - 1] + "…").ljust(w)
            for text, w in zip(line, widths, strict=True)
        ]
        print("  ".join(parts).rstrip())
