"""``mscterm trial NCT... [--json|--csv] [--offline]``: registered trials, from the cache first.

The warm path (every trial cached whole) touches only the store: no httpx, no Textual, no event
loop, so it answers within DESIGN.md's 150 ms. Text comes from :mod:`mscterm.trialtext`;
``--json`` prints DESIGN.md's Trial JSON array; ``--csv`` the adverse-event table.
"""

from __future__ import annotations

import argparse
import shutil
import sys

from mscterm.commands._common import exit_code, parse_ids, say, warn
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NETWORK_FAILURE, NOT_FOUND, OK
from mscterm.library import Library
from mscterm.library.trials import is_complete
from mscterm.model import Trial, parse_trial_id
from mscterm.results import FetchedTrials
from mscterm.textsafe import json_text


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the trials; exit 0 all found · 1 some not found · 2 bad input · 3 network."""
    ids = parse_ids(args.ids, parse_trial_id)
    if ids is None:
        return BAD_INPUT
    library = Library(settings)
    opened = library.open()
    if opened.error:
        say(opened.error)
        return exit_code(opened.problem)
    warn(opened.warnings)
    got = library.registry.cached_answer(ids)
    if got is None:
        import asyncio

        async def fetch() -> FetchedTrials:
            try:
                return await library.trials(ids)
            finally:
                await library.aclose()

        got = asyncio.run(fetch())
    else:
        library.close()
    trials = [got.trials[n] for n in ids if n in got.trials]
    _print(trials, args)
    warn(got.warnings)
    partial = [t.nct_id for t in trials if not is_complete(t)]
    if got.error and (got.missing or partial):  # a summary without its adverse events is not
        say(f"{' '.join(got.missing + partial)} could not be fetched: {got.error}")  # the trial
        return exit_code(got.problem, NETWORK_FAILURE)
    if got.error:
        say(f"warning: {got.error}")
    if got.missing:
        where = "not in the cache (offline)" if got.offline else "not found"
        say(f"{where}: {' '.join(got.missing)}")
        return NOT_FOUND
    return OK


def _print(trials: list[Trial], args: argparse.Namespace) -> None:
    out = sys.stdout
    if args.json:
        out.write(json_text([t.to_json() for t in trials]) + "\n")
        return
    from mscterm import trialtext

    if args.csv:
        out.write(trialtext.adverse_events_csv(trials))
        quiet = [t.nct_id for t in trials if t.adverse_events is None]
        if quiet:
            say("no adverse events posted: " + " ".join(quiet))
        return
    width = max(60, min(shutil.get_terminal_size((100, 24)).columns, 120))
    out.write("\n".join(trialtext.trial_text(t, width=width) for t in trials))
