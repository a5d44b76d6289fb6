"""`mscterm prisma --topic ID` with 100,000 cached records and 10,000 decisions.

Budget (DESIGN.md): ≤ 1 s, the whole process (median wall time). The cache holds 100,000
fictional records, stored the way ``mscterm fetch`` stores them (through the Library's store, so
the search index files each record under its topics); one reviewer has decided 10,000 of them
(include / exclude with four reasons / maybe), all filed under the topic by its rules. Measured
with the topic's PubMed count cached (as after browsing or fetching the topic:
``database_results`` is that count) and without it (``database_results`` then counts the topic's
members in the cache: a count in the index). Beside them, on the same cache: ``mscterm topics``
(every topic counted), the Library's ``load_membership`` and the members of the largest topic,
and, once, the cost of relabelling the index after the topic map changed (an upgrade).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import PYTHON, fictional_record, median_ms, row, time_command

TOPIC = "genetic-stability"
REASONS = ("wrong population", "wrong outcome", "not primary research", "other")


def _library(cache: Path, state: Path) -> Any:
    from mscterm.config import load_settings
    from mscterm.library import Library

    return Library(
        load_settings(cache_dir=cache, offline=True, env={"MSCTERM_STATE_DIR": str(state)})
    )


def _fill(cache: Path, state: Path, count: int) -> float:
    """Store ``count`` fictional records as a fetch does; seconds taken."""
    library = _library(cache, state)
    start = time.perf_counter()
    for first in range(0, count, 2000):
        library.store.put([fictional_record(n) for n in range(first, min(count, first + 2000))])
    library.close()
    return time.perf_counter() - start


def _decide(cache: Path, state: Path, decisions: int) -> int:
    """Record ``decisions`` decisions on the first records of the cache; returns how many
    of them the topic holds."""
    library = _library(cache, state)
    ids = [str(90_000_001 + n) for n in range(decisions)]
    screening = library.screening
    screening.decide(ids[0::4], "include")
    screening.decide(ids[1::4], "maybe")
    excluded = ids[2::4] + ids[3::4]
    for k, reason in enumerate(REASONS):
        screening.decide(excluded[k :: len(REASONS)], "exclude", reason=reason)
    in_topic = len(screening.decisions(topic=TOPIC))
    library.close()
    return in_topic


def _cache_count(cache: Path, state: Path, count: int) -> None:
    """Leave the topic's PubMed count in the cache, as the topic overview does."""
    library = _library(cache, state)
    topic = library.topics.get(TOPIC)
    assert topic is not None
    library.store.put_result(f"count:{dt.date.today():%Y/%m/%d}:{topic.query}", count, 86_400)
    library.close()


def _in_process(cache: Path, state: Path) -> tuple[float, float, int]:
    """(ms of a fresh Library's ``load_membership``, ms of the largest topic's members, and
    how many those are)."""
    library = _library(cache, state)
    library.topics  # noqa: B018 -- the map loads before the clock starts, as in the TUI
    start = time.perf_counter()
    asyncio.run(library.load_membership())
    loaded = time.perf_counter() - start
    start = time.perf_counter()
    members = library.topic_members(TOPIC)
    listed = time.perf_counter() - start
    library.close()
    return loaded * 1000, listed * 1000, len(members)


def _relabel_once(cache: Path, argv: list[str], env: dict[str, str]) -> float:
    """Mark the index as labelled by other rules (a changed topic map), then time the first
    run of ``argv``, which relabels it from the records."""
    db = sqlite3.connect(cache / "index.sqlite3")
    with db:
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('labels', 'other rules')")
    db.close()
    return time_command(argv, 1, env)[0]


def run(
    records: int = 100_000, decisions: int = 10_000, runs: int = 7, relabel: bool = True
) -> list[dict[str, Any]]:
    """Rows for bench/RESULTS.md."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache, state = Path(tmp) / "cache", Path(tmp) / "state"
        filled = _fill(cache, state, records)
        in_topic = _decide(cache, state, decisions)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSCTERM_")}
        env.update(MSCTERM_STATE_DIR=str(state), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc"))
        where = ["--offline", "--cache-dir", str(cache)]
        argv = [PYTHON, "-m", "mscterm", "prisma", "--topic", TOPIC, *where]
        topics_argv = [PYTHON, "-m", "mscterm", "topics", *where]
        time_command(argv, 1, env)  # bytecode and OS file cache warm
        slow = median_ms(time_command(argv, runs, env))
        topics_ms = median_ms(time_command(topics_argv, runs, env))
        loaded, listed, members = _in_process(cache, state)
        _cache_count(cache, state, 54_321)
        time_command(argv, 1, env)
        fast = median_ms(time_command(argv, runs, env))
        what = (
            f"`prisma --topic {TOPIC}`, {records:,} cached records, {decisions:,} decisions "
            f"({in_topic:,} in the topic)"
        )
        rows.append(
            row(f"{what}, PubMed count cached (median of {runs})", "≤ 1 s", f"{fast:.0f} ms",
                fast <= 1000)
        )  # fmt: skip
        rows.append(
            row(
                f"{what}, no PubMed count: the topic's members counted in the index "
                f"(median of {runs})",
                "≤ 1 s",
                f"{slow:.0f} ms",
                slow <= 1000,
            )
        )
        rows.append(
            row(f"`mscterm topics`, {records:,} cached records: every topic counted "
                f"(median of {runs})", "-", f"{topics_ms:.0f} ms", True)
        )  # fmt: skip
        rows.append(
            row(
                f"Library.load_membership, {records:,} cached records; then the members of "
                f"{TOPIC} ({members:,}, landmarks first, newest first)",
                "-",
                f"{loaded:.0f} ms; {listed:.0f} ms",
                True,
            )
        )
        rows.append(
            row(f"storing {records:,} records through the Library (index and topic labels)",
                "-", f"{filled:.1f} s", True)
        )  # fmt: skip
        if relabel:
            seconds = _relabel_once(cache, topics_argv, env)
            rows.append(
                row(f"first `mscterm topics` after the topic map changed: the index relabelled "
                    f"from {records:,} records (once)", "-", f"{seconds:.1f} s", True)
            )  # fmt: skip
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"| {r['what']} | {r['budget']} | {r['measured']} | {'✓' if r['ok'] else '✗'} |")
