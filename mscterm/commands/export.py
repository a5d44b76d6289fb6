"""``mscterm export``: write references for a manuscript (BibTeX, BibLaTeX, CSL-JSON, RIS).

Records come from the cache and the seed snapshot first; only what is missing is fetched, and
not at all when offline. Records that cannot be had are named on stderr (exit 1) but the rest are
still written. Citation keys are pinned in user state on first export so a manuscript's
``\\cite{…}`` keeps working across later exports.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import TYPE_CHECKING

from mscterm.commands._common import say
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NOT_FOUND, OK
from mscterm.model import BadIdError, Record, parse_id

if TYPE_CHECKING:
    from mscterm.library import Fetched, Library


def _n(count: int) -> str:
    return f"{count} reference" if count == 1 else f"{count} references"


def _where(path: str) -> str:
    return "stdout" if path == "-" else path


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Collect the asked records, assign/pin keys, write them; return the exit code."""
    from mscterm.export import export_records
    from mscterm.export.citekeys import TemplateError, assign_keys, validate_template
    from mscterm.export.writer import ExportWriteError, append_bibtex, check_writable, write_output

    fmt: str = args.format
    output: str = args.output or "-"
    ids: list[str] = []
    try:
        ids.extend(parse_id(raw) for raw in args.ids)
    except BadIdError as exc:
        say(str(exc))
        return BAD_INPUT
    if args.append and fmt != "bibtex":
        say("--append merges into a BibTeX file; use it with --format bibtex")
        return BAD_INPUT
    if args.append and output == "-":
        say("--append needs a file to merge into (-o FILE)")
        return BAD_INPUT
    if not (ids or args.topic or args.marked):
        say("nothing to export: give IDs, --topic ID or --marked")
        return BAD_INPUT
    try:
        validate_template(settings.citekey_template)
        check_writable(output)
    except (TemplateError, ExportWriteError) as exc:
        say(str(exc))
        return BAD_INPUT

    from mscterm.library import Library

    library = Library(settings)
    closed = False
    try:
        for topic_id in args.topic:
            if library.topics.get(topic_id) is None:
                say(f"unknown topic: {topic_id} (see 'mscterm topics')")
                return BAD_INPUT
            ids.extend(library.topic_members(topic_id))
        if args.marked:
            marks = library.state.marks
            if not marks and not ids:
                say("no references are marked (mark them with space in the explorer)")
                return NOT_FOUND
            ids.extend(marks)
        ids = list(dict.fromkeys(ids))
        fetched = asyncio.run(_records(library, ids))
        closed = True
        records: list[Record] = [fetched.records[rid] for rid in ids if rid in fetched.records]
        missing = [rid for rid in ids if rid not in fetched.records]
        # Records found under another id (a DOI resolved to a PMID) are exported once.
        records = list({r.id: r for r in records}.values())

        code = OK
        if missing:
            say("not available: " + " ".join(missing))
            if fetched.error:
                say(fetched.error)
            code = NOT_FOUND
        if not records:
            say("nothing was written")
            return NOT_FOUND

        state = library.state
        keys = assign_keys(records, state.citekeys, settings.citekey_template)
        keys = {**keys, **state.pin_citekeys(keys)}
        try:
            if args.append:
                result = append_bibtex(output, records, keys, include_abstract=args.abstracts)
                line = f"Wrote {_n(len(result.added))} to {output}"
                if result.skipped:
                    line += f" ({len(result.skipped)} already there)"
                print(line, file=sys.stderr)
            else:
                text = export_records(records, fmt, keys=keys, include_abstract=args.abstracts)
                write_output(text, output)
                print(f"Wrote {_n(len(records))} to {_where(output)}", file=sys.stderr)
        except (ExportWriteError, OSError) as exc:
            say(str(exc) if isinstance(exc, ExportWriteError) else f"cannot write {output}: {exc}")
            return BAD_INPUT
        return code
    except TemplateError as exc:
        say(str(exc))
        return BAD_INPUT
    finally:
        if not closed:
            asyncio.run(library.aclose())


async def _records(library: Library, ids: list[str]) -> Fetched:
    """Cached records at once, the rest fetched (nothing online when offline); then close.

    One event loop for fetching and closing: the HTTP client belongs to the loop it ran in.
    """
    try:
        return await library.records(ids)
    finally:
        await library.aclose()
