"""``mscterm trials [QUERY] [--topic ID] [--status S] [--json|--csv] [--offline]``.

The registered trials of a topic (its ``trials_query``) or of a query (sent as ``query.term``;
with ``--topic`` too, ANDed with the topic's), newest registration first: one row each with its
status, phase, enrollment, whether results are posted and the publication the registry links.
A topic's whole list is kept a day, so ``--status`` filters it offline as well.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys

from mscterm.commands._common import exit_code, say, warn
from mscterm.commands.search import fit
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NETWORK_FAILURE, NOT_FOUND, OK
from mscterm.library import Library
from mscterm.library.trials import parse_statuses
from mscterm.model import Trial, TrialsQuery
from mscterm.results import Answer, Problem, TrialList
from mscterm.textsafe import json_text, one_line
from mscterm.trialstats import LINKING_REFERENCE_TYPES, has_posted_results

MAX_QUERY_CHARS = 2000


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the trials; exit 0 · 1 none · 2 bad input · 3 network."""
    query = one_line(" ".join(args.query))
    if not query and not args.topic:
        say("give a query or --topic ID (see 'mscterm topics')")
        return BAD_INPUT
    if len(query) > MAX_QUERY_CHARS:
        say(f"the query is too long ({len(query):,} characters; at most {MAX_QUERY_CHARS:,})")
        return BAD_INPUT
    try:
        status = parse_statuses(args.status or "")
    except ValueError as exc:
        say(str(exc))
        return BAD_INPUT
    library = Library(settings)
    topic = library.topics.get(args.topic) if args.topic else None
    if args.topic and topic is None:
        say(f"unknown topic: {args.topic} (see 'mscterm topics')")
        return BAD_INPUT
    if topic is not None and topic.trials_query is None and not query:
        say(f"topic {topic.id} has no registered-trials query")
        return NOT_FOUND
    opened = library.open()
    if opened.error:
        say(opened.error)
        return exit_code(opened.problem)

    async def go() -> Answer[TrialList]:
        try:
            if topic is not None and not query:
                return await library.topic_trials(topic.id, status=status)
            base = topic.trials_query if topic is not None else None
            return await library.registry.search(_combined(base, query), status=status)
        finally:
            await library.aclose()

    answer = asyncio.run(go())
    return _report(answer, args, query or (topic.id if topic else ""))


def _combined(base: TrialsQuery | None, query: str) -> TrialsQuery:
    """The user's words as ``query.term``, ANDed with a topic's own term when there is one."""
    if base is None:
        return TrialsQuery(term=query)
    term = f"({base.term}) AND ({query})" if base.term else query
    return TrialsQuery(intr=base.intr, cond=base.cond, term=term)


def _report(answer: Answer[TrialList], args: argparse.Namespace, asked: str) -> int:
    listed = answer.value
    trials = listed.trials
    warn(answer.warnings)
    if answer.error and not trials and answer.problem is not Problem.OFFLINE:
        say(f"the registry could not be searched: {answer.error}")
        return exit_code(answer.problem, NETWORK_FAILURE)
    if answer.error and trials:
        say(f"warning: showing the trials kept from an earlier search ({answer.error})")
    if args.json:
        sys.stdout.write(json_text([t.to_json() for t in trials]) + "\n")
    elif args.csv:
        from mscterm.trialtext import trials_csv

        sys.stdout.write(trials_csv(trials))
    elif trials:
        width = max(60, shutil.get_terminal_size((100, 24)).columns)
        sys.stdout.write(format_rows(trials, width))
    if not listed.complete and listed.total is not None:
        say(f"showing {len(trials):,} of {listed.total:,} registered trials")
    if not trials:
        where = " in the cache" if answer.offline else ""
        say(f"no registered trials for {asked[:80]!r}{where}")
        return NOT_FOUND
    return OK


def _publication(trial: Trial) -> str:
    """The registry's own result (or derived) paper: ``PMID 23591401`` (``+2`` more), or –."""
    pmids = [p.pmid for p in trial.publications if p.pmid and p.type in LINKING_REFERENCE_TYPES]
    if not pmids:
        return "–"
    return f"PMID {pmids[0]}" + (f" +{len(pmids) - 1}" if len(pmids) > 1 else "")


def format_rows(trials: list[Trial], width: int) -> str:
    """One line per trial, never wider than ``width``: id, status, phase, enrollment, results,
    linked publication, title."""
    from mscterm.trialtext import label, phase_label

    heads = ("NCT ID", "STATUS", "PHASE", "N", "RESULTS", "PUBLICATION")
    sizes = (11, 22, 12, 6, 7, 13)
    title_w = max(10, width - sum(sizes) - len(sizes))
    lines = [" ".join([*(fit(h, w) for h, w in zip(heads, sizes, strict=True)), "TITLE"])]
    for t in trials:
        cells = (
            one_line(t.nct_id), label(t.status), phase_label(t.phases),
            "" if t.enrollment is None else str(t.enrollment),
            "posted" if has_posted_results(t) else "none", _publication(t),
        )  # fmt: skip
        row = [fit(c, w) for c, w in zip(cells, sizes, strict=True)]
        lines.append(" ".join([*row, fit(one_line(t.title) or "(no title)", title_w)]).rstrip())
    return "\n".join(lines) + "\n"
