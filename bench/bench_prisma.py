"""`mscterm prisma --topic ID` with 100,000 cached records and 10,000 decisions.

Budget (DESIGN.md): ≤ 1 s, the whole process (median wall time). The cache holds 100,000
fictional records; one reviewer has decided 10,000 of them (include / exclude with four reasons /
maybe), all filed under the topic by its rules. Measured twice: with the topic's PubMed count
cached (as after browsing or fetching the topic: ``database_results`` is that count) and
without it (``database_results`` then counts the topic's members in the cache, one pass over it).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.common import PYTHON, median_ms, row, time_command, warm_cache

TOPIC = "genetic-stability"
REASONS = ("wrong population", "wrong outcome", "not primary research", "other")


def _decide(cache: Path, state: Path, decisions: int) -> int:
    """Record ``decisions`` decisions on the first records of the cache; returns how many
    of them the topic holds."""
    from mscterm.config import load_settings
    from mscterm.library import Library

    library = Library(
        load_settings(cache_dir=cache, offline=True, env={"MSCTERM_STATE_DIR": str(state)})
    )
    ids = [str(90_000_001 + n) for n in range(decisions)]
    screening = library.screening
    screening.decide(ids[0::4], "include")
    screening.decide(ids[1::4], "maybe")
    excluded = ids[2::4] + ids[3::4]
    for k, reason in enumerate(REASONS):
        screening.decide(excluded[k :: len(REASONS)], "exclude", reason=reason)
    in_topic = len(screening.decisions(topic=TOPIC))
    library.store.close()
    return in_topic


def _cache_count(cache: Path, state: Path, count: int) -> None:
    """Leave the topic's PubMed count in the cache, as the topic overview does."""
    from mscterm.config import load_settings
    from mscterm.library import Library

    library = Library(
        load_settings(cache_dir=cache, offline=True, env={"MSCTERM_STATE_DIR": str(state)})
    )
    topic = library.topics.get(TOPIC)
    assert topic is not None
    library.store.put_result(f"count:{dt.date.today():%Y/%m/%d}:{topic.query}", count, 86_400)
    library.store.close()


def run(records: int = 100_000, decisions: int = 10_000, runs: int = 7) -> list[dict[str, Any]]:
    """Rows for bench/RESULTS.md."""
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cache, state = Path(tmp) / "cache", Path(tmp) / "state"
        warm_cache(cache, records)
        in_topic = _decide(cache, state, decisions)
        env = {k: v for k, v in os.environ.items() if not k.startswith("MSCTERM_")}
        env.update(MSCTERM_STATE_DIR=str(state), PYTHONPYCACHEPREFIX=str(Path(tmp) / "pyc"))
        argv = [PYTHON, "-m", "mscterm", "prisma", "--topic", TOPIC, "--offline",
                "--cache-dir", str(cache)]  # fmt: skip
        time_command(argv, 1, env)  # bytecode and OS file cache warm
        slow = median_ms(time_command(argv, max(3, runs // 2), env))
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
                f"{what}, no PubMed count: members counted in the cache "
                f"(median of {max(3, runs // 2)})",
                "≤ 1 s",
                f"{slow:.0f} ms",
                slow <= 1000,
            )
        )
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"| {r['what']} | {r['budget']} | {r['measured']} | {'✓' if r['ok'] else '✗'} |")
