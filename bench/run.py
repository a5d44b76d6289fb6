"""Run every benchmark and rewrite bench/RESULTS.md: one table, DESIGN.md's budgets beside
what this machine measured.

    uv run --group bench python -m bench.run [name ...]

Names: parse, lookup, fetch, search, export, tui, trials, prisma. Without names all run. Rows of
benchmarks not run this time are kept from the previous run (bench/results.json).
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
import platform
import sys
import traceback
from pathlib import Path
from typing import Any

NAMES = ("parse", "lookup", "fetch", "search", "export", "tui", "trials", "prisma")
RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
DATA = RESULTS.with_name("results.json")


def _machine() -> str:
    return (
        f"{platform.python_implementation()} {platform.python_version()}, "
        f"{platform.system()} {platform.machine()}, {os.cpu_count()} cores"
    )


def _previous() -> dict[str, list[dict[str, Any]]]:
    """Rows of the last run, by benchmark name."""
    try:
        return json.loads(DATA.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _lines(rows: list[dict[str, Any]]) -> list[str]:
    return [
        f"| {r['what']} | {r['budget']} | {r['measured']} | {'✓' if r['ok'] else '✗ over'} |"
        for r in rows
    ]


def main(argv: list[str]) -> int:
    """Run the named benchmarks (all by default) and rewrite RESULTS.md."""
    wanted = argv or list(NAMES)
    unknown = [n for n in wanted if n not in NAMES]
    if unknown:
        print(f"unknown benchmark {unknown[0]}; one of {', '.join(NAMES)}", file=sys.stderr)
        return 2
    sections = _previous()
    failed = False
    for name in wanted:
        print(f"== {name}", file=sys.stderr, flush=True)
        try:
            module = importlib.import_module(f"bench.bench_{name}")
            sections[name] = module.run()
        except Exception:  # a broken benchmark must not hide the others' rows
            traceback.print_exc()
            sections[name] = [
                {"what": name, "budget": "", "measured": "benchmark failed to run", "ok": False}
            ]
            failed = True
        print("\n".join(_lines(sections[name])), file=sys.stderr, flush=True)
    out = [
        "# Benchmark results",
        "",
        f"Measured {dt.date.today().isoformat()} on {_machine()} with "
        "`uv run --group bench python -m bench.run`. Budgets are DESIGN.md's.",
        "",
        "| what | budget | measured | within budget |",
        "|---|---|---|---|",
    ]
    for name in NAMES:
        if name in sections:
            out.extend(_lines(sections[name]))
    RESULTS.write_text("\n".join(out) + "\n", encoding="utf-8")
    DATA.write_text(json.dumps(sections, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(RESULTS.read_text(encoding="utf-8"))
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
