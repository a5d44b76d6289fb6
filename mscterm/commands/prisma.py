"""``mscterm prisma [--topic ID] [--reviewer NAME] [--format table|csv]``: PRISMA 2020 counts.

The table names the exclusion reasons with their counts; ``--format csv`` writes the PRISMA2020
R package's and Shiny app's template (``data`` and ``n`` columns, every template row) filled in
as DESIGN.md maps it, ready for ``PRISMA_data(read.csv(...))`` or the app's upload.
"""

from __future__ import annotations

import argparse
import csv
import sys

from mscterm.commands._common import say, warn
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, OK
from mscterm.textsafe import one_line


def run(args: argparse.Namespace, settings: Settings) -> int:
    """0 counted (zeros too), 2 bad input (unknown topic or reviewer)."""
    from mscterm.library import Library
    from mscterm.screening import ScreeningError

    library = Library(settings)
    try:
        screening = library.screening
        reviewer = screening.check_known(args.reviewer) if args.reviewer is not None else None
        counts = screening.prisma(topic=args.topic, reviewer=reviewer)
        warn(library.warnings)  # e.g. a damaged cache moved aside
    except ScreeningError as exc:
        say(str(exc))
        return BAD_INPUT
    finally:
        library.close()
    if args.format == "csv":
        writer = csv.writer(sys.stdout, lineterminator="\n")
        writer.writerows(counts.csv_rows())
        return OK
    scope = f"topic {args.topic}" if args.topic else "all records"
    print(f"PRISMA 2020 · {scope} · reviewer {one_line(counts.reviewer)}")
    lines = counts.table()
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        indent = label[: len(label) - len(label.lstrip())]  # reasons sit under "excluded"
        print(f"{(indent + one_line(label)).ljust(width)}  {value.rjust(6)}")
    return OK
