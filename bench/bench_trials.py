"""Parse throughput of ClinicalTrials.gov API v2 JSON into Trials (studies/s).

Three bodies are measured, each against a bare ``json.loads`` of the same bytes (the floor no
parser of this JSON can beat): the recorded full studies of ``../shared/ctgov/samples``
(``parse_study``; 3–95 kB each, two with every adverse event posted), the recorded search pages
(``parse_search_page``), and one fictional page of 1,000 studies restricted to the fields a
topic search asks for (``SUMMARY_FIELDS``), the shape a topic's trials arrive in.

DESIGN.md sets no budget for this; the row's budget is derived from the one it does set (one
request per second, 1,000 trials per request): a 1,000-study page must parse well within the
second between two requests, i.e. ≥ 1,000 studies/s on the search page. Full studies are
reported for scale.

Run: ``uv run python bench/bench_trials.py``. ``run()`` returns rows for ``bench/run.py``.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # allow `python bench/bench_trials.py` without installing
    sys.path.insert(0, str(REPO))

from bench.common import row  # noqa: E402
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


def run(min_seconds: float = MIN_SECONDS) -> list[dict[str, Any]]:
    """Measure and return rows for bench/RESULTS.md (see the module docstring)."""
    NOTES.clear()
    rows = []
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
