"""``mscterm export``: write references for a manuscript (BibTeX, BibLaTeX, CSL-JSON, RIS).

This module only reads the command line and reports: choosing the ids (given, ``--topic``,
``--marked``), then :mod:`mscterm.export.flow` gets the records through the Library (cache and
seed first, the rest fetched unless offline), pins citation keys and writes atomically.
Records that cannot be had are named on stderr (exit 1) but the rest are still written.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from mscterm.commands._common import parse_ids, say, warn
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NOT_FOUND, OK, STORAGE_FAILURE
from mscterm.model import parse_any_id

if TYPE_CHECKING:
    from mscterm.export.flow import ExportJob, ExportOutcome
    from mscterm.library import Library


def _n(count: int) -> str:
    return f"{count} reference" if count == 1 else f"{count} references"


def _where(path: str) -> str:
    return "stdout" if path == "-" else path


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Collect the asked ids, export them through the flow; return the exit code."""
    from mscterm.export import flow
    from mscterm.export.options import ExportOptions

    output: str = args.output or "-"
    ids = parse_ids(args.ids, parse_any_id)
    if ids is None:
        return BAD_INPUT
    if not (ids or args.topic or args.marked or args.decision):
        say("nothing to export: give IDs, --topic ID, --marked or --decision")
        return BAD_INPUT
    options = ExportOptions(
        include_abstract=args.abstracts,
        journal=settings.journal,
        unicode=args.unicode,
    )
    job = flow.ExportJob(ids, fmt=args.format, output=output, append=args.append, options=options)
    try:
        flow.check(job, settings.citekey_template)
    except flow.ExportError as exc:
        say(str(exc))
        return STORAGE_FAILURE if exc.storage else BAD_INPUT

    from mscterm.library import Library

    library = Library(settings)
    for topic_id in args.topic:
        if library.topics.get(topic_id) is None:
            say(f"unknown topic: {topic_id} (see 'mscterm topics')")
            asyncio.run(library.aclose())
            return BAD_INPUT
        ids.extend(library.topic_members(topic_id))
    if args.marked:
        marks = library.state.marks
        if not marks and not ids:
            say("no references are marked (mark them with space in the explorer)")
            asyncio.run(library.aclose())
            return NOT_FOUND
        ids.extend(marks)
    if args.decision:
        decided = _decided(library, args.decision, args.topic)
        if decided is None:
            asyncio.run(library.aclose())
            return BAD_INPUT
        if not decided and not ids:
            say(f"no records are screened '{args.decision}' by reviewer {settings.reviewer}")
            asyncio.run(library.aclose())
            return NOT_FOUND
        ids = decided if args.topic else [*ids, *decided]
    job.ids = list(dict.fromkeys(ids))
    job.options = flow.annotated(job.options, library.screening.annotations())
    try:
        outcome = asyncio.run(_export(library, job))
    except flow.ExportError as exc:
        say(str(exc))
        return STORAGE_FAILURE if exc.storage else BAD_INPUT
    return _report(outcome, job)


def _decided(library: Library, decision: str, topics: list[str]) -> list[str] | None:
    """Ids the reviewer screened ``decision`` (within ``topics`` when given); None when the
    screening state cannot be read (said)."""
    from mscterm.screening import ScreeningError

    try:
        if not topics:
            return library.screening.ids(decision=decision)
        return [
            rid for topic in topics for rid in library.screening.ids(decision=decision, topic=topic)
        ]
    except (ScreeningError, OSError) as exc:
        say(str(exc))
        return None


async def _export(library: Library, job: ExportJob) -> ExportOutcome:
    """Fetch, key and write in one event loop, then close (the HTTP client belongs to it)."""
    from mscterm.export import flow

    try:
        return await flow.export(library, job)
    finally:
        warn(library.warnings)  # e.g. a damaged cache moved aside
        await library.aclose()


def _report(outcome: ExportOutcome, job: ExportJob) -> int:
    code = OK
    if outcome.missing:
        say("not available: " + " ".join(outcome.missing))
        if outcome.error:
            say(outcome.error)
        code = NOT_FOUND
    if not outcome.written and not outcome.skipped:
        say("nothing was written")
        return NOT_FOUND
    where = _where(str(job.output))
    line = f"Wrote {_n(len(outcome.written))} to {where}"
    if outcome.skipped:
        line += f" ({len(outcome.skipped)} already there)"
    print(line, file=sys.stderr)
    return code
