"""Registered trials: the warm ``trial NCT --json``, a topic's requests, and parse throughput.

* ``mscterm trial NCT --json`` on a warm cache (DESIGN.md: median ≤ 150 ms wall, importing
  neither textual nor httpx), the whole process, for the recorded NCT00791778 (44 serious and 54
  other events) in a cache of 1,000 fictional trials.
* The requests for a topic of 2,500 fictional trials against the local stand-in (DESIGN.md: one
  request per 1,000 trials, ≤ 1 request/s): the Library's own search, its own limiter.
* Parse throughput, below.

Three bodies are measured, each against a bare ``json.loads`` of the same bytes (the floor no
parser of this JSON can beat): the recorded full studies of ``../shared/ctgov/samples``
(``parse_study``; 3–95 kB each, two with every adverse event posted), the recorded search pages
(``parse_search_page``), and one fictional page of 1,000 studies restricted to the fields a
topic search asks for (``SUMMARY_FIELDS``), the shape a topic's trials arrive in.

DESIGN.md sets no budget for this; the row's budget is derived from the one it does set (one
request per second, 1,000 trials per request): a 1,000-study page must parse well within the
second between two requests, i.e. ≥ 1,000 studies/s on the search page. Full studies are
reported for scale.

Run: ``uv run python bench/bench_trials.py``. ``run()`` returns rows for ``bench/run.py``;
``warm_trial_rows()`` and ``topic_requests_row()`` are the two new rows on their own.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # allow `python bench/bench_trials.py` without installing
    sys.path.insert(0, str(REPO))

from bench.common import PYTHON, median_ms, row, time_command  # noqa: E402
from mscterm.ctgov.parser import SUMMARY_FIELDS, parse_search_page, parse_study  # noqa: E402
from tests.ctgov_essie import PIECES, project, projection  # noqa: E402
from tests.ctgov_studies import fictional_studies  # noqa: E402

SAMPLES = REPO.parent / "shared" / "ctgov" / "samples"
MIN_SECONDS = 1.0
BUDGET = 1_000.0  # studies/s on a 1,000-study summary page

NOTES: list[str] = []
"""Details of the last :func:`run` (what was measured, the json.loads floor)."""


def _rate(parse: Callable[[bytes], int], bodies: list[bytes], min_seconds: float) -> float:
    """Studies per second over whole rounds of ``bodies`` lasting at least ``min_seconds``."""
    studies = 0
    start = time.perf_counter()
    elapsed = 0.0
    while elapsed < min_seconds:
        for body in bodies:
            studies += parse(body)
        elapsed = time.perf_counter() - start
    return studies / elapsed


def _summary_page(count: int = 1_000) -> bytes:
    """A fictional page of ``count`` studies holding only :data:`SUMMARY_FIELDS`."""
    tree = projection([PIECES[name] for name in SUMMARY_FIELDS])
    studies = [project(s, tree) for s in fictional_studies(count)]
    return json.dumps({"studies": studies, "nextPageToken": "benchToken"}).encode()


def _count_study(body: bytes) -> int:
    parse_study(body)
    return 1


def _count_page(body: bytes) -> int:
    return len(parse_search_page(body).trials)


def _count_json_study(body: bytes) -> int:
    json.loads(body)
    return 1


def _count_json_page(body: bytes) -> int:
    return len(json.loads(body)["studies"])


# --------------------------------------------------------------------------------------------
# `mscterm trial NCT --json` on a warm cache


def _warm_trial_cache(cache: Path, count: int) -> str:
    """A cache of ``count`` fictional trials (those with results whole) and, when the samples
    are here, the recorded NCT00791778; returns the NCT id to look up."""
    from mscterm.store import RecordStore
    from tests.ctgov_studies import fictional_trial

    store = RecordStore(cache, index=False)
    try:
        store.put_trials([fictional_trial(n)[0] for n in range(1, count + 1)])
        sample = SAMPLES / "study_nct00791778_full_with_results_serious_events.json"
        if sample.is_file():
            store.put_trials([parse_study(sample.read_bytes())])
            return "NCT00791778"
        return "NCT99000009"
    finally:
        store.close()


def _trial_imports_light(cache: Path, nct: str, env: dict[str, str]) -> bool:
    probe = (
        "import sys; from mscterm.cli import main; "
        f"main(['trial', '{nct}', '--json', '--cache-dir', r'{cache}']); "
        "sys.stderr.write(repr(sorted(m for m in ('textual', 'httpx') if m in sys.modules)))"
    )
    done = subprocess.run(
        [PYTHON, "-c", probe], capture_output=True, text=True, check=True, env=env, cwd=REPO
    )
    return done.stderr.strip().endswith("[]")


def warm_trial_rows(count: int = 1_000, runs: int = 21) -> list[dict[str, Any]]:
    """``trial NCT --json`` from bytecode and without, on a warm cache of ``count`` trials."""
    rows = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSCTERM_")}
    with tempfile.TemporaryDirectory() as tmp:
        cache = Path(tmp) / "cache"
        nct = _warm_trial_cache(cache, count)
        argv = [PYTHON, "-m", "mscterm", "trial", nct, "--json", "--cache-dir", str(cache)]
        compiled = dict(
            env,
            MSCTERM_STATE_DIR=str(Path(tmp) / "state"),
            MSCTERM_CTGOV_URL="http://127.0.0.1:9/api/v2/",  # a cache miss would fail loudly
            PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
        )
        compiled.pop("PYTHONDONTWRITEBYTECODE", None)
        uncompiled = dict(compiled, PYTHONDONTWRITEBYTECODE="1")
        uncompiled.pop("PYTHONPYCACHEPREFIX")
        light = _trial_imports_light(cache, nct, compiled)
        for how, argv_env in (("from bytecode", compiled), ("no bytecode", uncompiled)):
            time_command(argv, 2, argv_env)  # warm the OS file cache (and the bytecode)
            ms = median_ms(time_command(argv, runs, argv_env))
            rows.append(
                row(
                    f"`trial {nct} --json`, warm cache of {count + 1:,} trials, {how} "
                    f"(median of {runs})",
                    "≤ 150 ms; no textual/httpx import",
                    f"{ms:.0f} ms; imports textual/httpx: {'no' if light else 'YES'}",
                    ms <= 150 and light,
                )
            )
    return rows


# --------------------------------------------------------------------------------------------
# a topic's requests


def topic_requests_row(count: int = 2_500) -> dict[str, Any]:
    """The Library's search for ``count`` fictional trials against the stand-in, with the
    registry's own limiter (1 request/s across processes)."""
    from mscterm.config import Settings
    from mscterm.library import Library
    from mscterm.model import TrialsQuery
    from tests.ctgov_server import CTGovServer

    with tempfile.TemporaryDirectory() as tmp, CTGovServer(fictional_studies(count)) as server:
        settings = Settings(
            cache_dir=Path(tmp) / "cache", state_dir=Path(tmp) / "state", ctgov_url=server.url
        )

        async def search() -> int:
            async with Library(settings) as library:
                found = await library.registry.search(TrialsQuery(term="fictional"), max_pages=10)
                return len(found.value.trials)

        start = time.perf_counter()
        got = asyncio.run(search())
        elapsed = time.perf_counter() - start
        requests = len(server.requests_to("studies"))
        peak = server.max_requests_in_any_window(1.0)
    budget_requests = -(-count // 1000)
    return row(
        f"a topic's registered trials: {count:,} fictional trials (pageSize 1000)",
        f"≤ {budget_requests} requests; ≤ 1 request in any 1 s",
        f"{requests} requests; peak {peak} in 1 s; {got:,} trials in {elapsed:.1f} s",
        requests <= budget_requests and peak <= 1 and got == count,
    )


# --------------------------------------------------------------------------------------------
# all rows


def run(min_seconds: float = MIN_SECONDS) -> list[dict[str, Any]]:
    """Measure and return rows for bench/RESULTS.md (see the module docstring)."""
    NOTES.clear()
    rows = warm_trial_rows()
    rows.append(topic_requests_row())
    page = [_summary_page()]
    ours = _rate(_count_page, page, min_seconds)
    floor = _rate(_count_json_page, page, min_seconds)
    rows.append(
        row(
            "parse a 1,000-study summary page (parse_search_page)",
            f"≥ {BUDGET:,.0f} studies/s (derived: 1 request/s of 1,000)",
            f"{ours:,.0f} studies/s (a bare json.loads: {floor:,.0f})",
            ours >= BUDGET,
        )
    )
    NOTES.append(f"summary page: {len(page[0]):,} bytes")
    full = sorted(SAMPLES.glob("study_*.json")) if SAMPLES.is_dir() else []
    searches = sorted(SAMPLES.glob("search_*.json")) if SAMPLES.is_dir() else []
    if not full:
        NOTES.append(f"no recorded samples in {SAMPLES}: only the fictional page was measured")
        return rows
    for label, paths, parse, bare in (
        ("recorded studies (parse_study)", full, _count_study, _count_json_study),
        ("recorded search pages (parse_search_page)", searches, _count_page, _count_json_page),
    ):
        bodies = [p.read_bytes() for p in paths]
        ours = _rate(parse, bodies, min_seconds)
        floor = _rate(bare, bodies, min_seconds)
        size = sum(map(len, bodies))
        rows.append(
            row(
                f"parse the {label}",
                "none (reported for scale)",
                f"{ours:,.0f} studies/s (a bare json.loads: {floor:,.0f})",
                True,
            )
        )
        NOTES.append(f"{label}: {len(bodies)} files, {size:,} bytes per round")
    return rows


if __name__ == "__main__":
    result = run()
    for item in result:
        print(f"| {item['what']} | {item['budget']} | {item['measured']} | {item['ok']} |")
    for note in NOTES:
        print(f"- {note}")
    sys.exit(0 if all(r["ok"] for r in result) else 1)
