"""``mscterm lookup ID... [--json|--bibtex] [--offline]``: print records, cache first.

The warm path (everything cached) touches only the store: no httpx, no Textual, no event loop,
so a lookup answers in DESIGN.md's 150 ms. Missing records are fetched in one batch.
"""

from __future__ import annotations

import argparse
import sys

from mscterm.commands._common import exit_code, parse_ids, say, warn
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NOT_FOUND, OK, STORAGE_FAILURE
from mscterm.library import Fetched, Library
from mscterm.model import Record
from mscterm.results import Problem
from mscterm.textsafe import json_text


def _complete(found: dict[str, Record], ids: list[str], offline: bool) -> bool:
    """Whether the cache alone answers: every id present, and full unless we are offline."""
    if not all(rid in found for rid in ids):
        return False
    return offline or all(found[rid].is_full or found[rid].resolution for rid in ids)


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the records; exit 0 all found, 1 some missing, 2 bad input."""
    ids = parse_ids(args.ids)
    if ids is None:
        return BAD_INPUT
    library = Library(settings)
    warn(library.warnings)
    found = library.cached(ids)
    if _complete(found, ids, library.offline):
        fetched = Fetched(records=found, missing=[])
    else:
        import asyncio

        async def go() -> Fetched:
            try:
                return await library.records(ids)
            finally:
                await library.aclose()

        fetched = asyncio.run(go())
    if fetched.problem in (Problem.INPUT, Problem.STORAGE) and not fetched.records:
        say(fetched.error or "the cache cannot be used")  # nothing to print: one line, why
        return exit_code(fetched.problem)
    records = [fetched.records[rid] for rid in ids if rid in fetched.records]
    failed = _print(records, args, library)
    if failed is not None:
        return failed
    if fetched.error:
        say(f"some records could not be fetched: {fetched.error}")
    if fetched.missing:
        say("not found: " + " ".join(fetched.missing))
        return NOT_FOUND
    return OK


def _print(records: list[Record], args: argparse.Namespace, library: Library) -> int | None:
    """Print the records as asked; an exit code when the BibTeX entries cannot be made."""
    out = sys.stdout
    if args.json:
        out.write(json_text([r.to_json() for r in records]) + "\n")
    elif args.bibtex:  # the export modules load only here (the --json path stays light)
        from mscterm.export.flow import ExportError, annotated, keyed_text
        from mscterm.export.options import ExportOptions

        settings = library.settings
        try:
            options = annotated(
                ExportOptions(journal=settings.journal), library.screening.annotations()
            )
            unique = list({r.id: r for r in records}.values())  # a DOI and its PMID: one entry
            text = keyed_text(library.state, unique, "bibtex", options, settings.citekey_template)
        except ExportError as exc:
            say(str(exc))
            return STORAGE_FAILURE if exc.storage else BAD_INPUT
        out.write(text)
    else:
        from mscterm.citation import format_record_text

        out.write("\n\n".join(format_record_text(r) for r in records))
        if records:
            out.write("\n")
    return None
