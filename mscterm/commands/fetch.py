"""``mscterm fetch PMID...|--topic ID|--all-topics [--trials]``: warm the cache for offline use.

With ``--trials`` each topic's registered trials are fetched too (its list, and every trial
with posted results whole), so ``mscterm trial`` and the trial pane work offline.
"""

from __future__ import annotations

import argparse
import asyncio

from mscterm.commands._common import exit_code, parse_ids, say, warn
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NETWORK_FAILURE, NOT_FOUND, OK
from mscterm.library import Library
from mscterm.progress import ProgressBar
from mscterm.results import Answer, Fetched, Problem, TrialList


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Fetch and cache; exit 0 done · 1 some not found · 2 bad input · 3 network · 4 storage."""
    ids = parse_ids(args.ids)
    if ids is None:
        return BAD_INPUT
    if not ids and not args.topic and not args.all_topics:
        say("nothing to fetch: give PMIDs, --topic ID or --all-topics")
        return BAD_INPUT
    if args.trials and not args.topic and not args.all_topics:
        say("--trials needs --topic ID or --all-topics")
        return BAD_INPUT
    if not 1 <= args.limit <= 9999:
        say("--limit must be between 1 and 9999")
        return BAD_INPUT
    if settings.offline:
        say("cannot fetch while offline (--offline or MSCTERM_OFFLINE is set)")
        return NETWORK_FAILURE
    library = Library(settings)
    opened = library.open()
    if opened.error:
        say(opened.error)
        return exit_code(opened.problem)
    topic_ids = [t.id for t in library.topics.walk()] if args.all_topics else args.topic
    unknown = [t for t in topic_ids if library.topics.get(t) is None]
    if unknown:
        say(f"unknown topic: {unknown[0]} (see 'mscterm topics')")
        return BAD_INPUT
    return asyncio.run(_fetch(library, ids, topic_ids, args.limit, trials=args.trials))


async def _fetch(
    library: Library, ids: list[str], topic_ids: list[str], limit: int, *, trials: bool = False
) -> int:
    results: list[Fetched] = []
    trial_answers: list[Answer[TrialList]] = []
    try:
        if ids:
            bar = ProgressBar("records")
            try:
                results.append(await library.records(ids, progress=bar))
            finally:
                bar.close()
        for topic_id in topic_ids:
            bar = ProgressBar(f"records · {topic_id}")
            try:
                results.append(await library.fetch_topic(topic_id, limit=limit, progress=bar))
            finally:
                bar.close()
            if results[-1].error:
                break
            topic = library.topics.get(topic_id)
            if trials and topic is not None and topic.trials_query is not None:
                trial_answers.append(await _topic_trials(library, topic_id))
                if trial_answers[-1].error:
                    break
    finally:
        await library.aclose()
    got = sum(len(r.records) for r in results)
    missing = [rid for r in results for rid in r.missing]
    failed = next((r for r in results if r.error), None)
    say(f"{got} records cached in {library.settings.cache_dir}")
    if trials:
        count = len({t.nct_id for a in trial_answers for t in a.value.trials})
        say(f"{count} registered trials cached")
        warn(w for a in trial_answers for w in a.warnings)
        trial_failed = next((a for a in trial_answers if a.error), None)
        if failed is None and trial_failed is not None:
            say(f"ClinicalTrials.gov failure: {trial_failed.error}")
            return exit_code(trial_failed.problem, NETWORK_FAILURE)
    if failed is not None:
        if failed.problem is Problem.STORAGE:
            say(f"cannot store the records: {failed.error}")
        else:
            say(f"network failure: {failed.error}")
        return exit_code(failed.problem, NETWORK_FAILURE)
    if missing:
        say("not found: " + " ".join(missing))
        return NOT_FOUND
    return OK


async def _topic_trials(library: Library, topic_id: str) -> Answer[TrialList]:
    bar = ProgressBar(f"trials · {topic_id}")
    try:
        return await library.registry.fetch_topic(topic_id, progress=bar)
    finally:
        bar.close()
