"""`mscterm lookup PMID --json` on a warm cache: median wall time of the whole process.

Budget (DESIGN.md): median ≤ 150 ms, and the path imports neither textual nor httpx. Measured
on a cache of 1,000 records and on one of 100,000 (issue 5: lookup must stay fast when the
offline library is large).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from bench.common import PYTHON, median_ms, row, time_command, warm_cache


def _imports_light(cache: Path, pmid: str) -> bool:
    probe = (
        "import sys; from mscterm.cli import main; "
        f"main(['lookup', '{pmid}', '--json', '--offline', '--cache-dir', r'{cache}']); "
        "sys.stderr.write(repr(sorted(m for m in ('textual', 'httpx') if m in sys.modules)))"
    )
    done = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True, check=True)
    return done.stderr.strip().endswith("[]")


def run(sizes: tuple[int, ...] = (1_000, 100_000), runs: int = 21) -> list[dict[str, Any]]:
    """Rows for bench/RESULTS.md."""
    rows = []
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSCTERM_")}
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            cache = Path(tmp) / "cache"
            warm_cache(cache, size)
            pmid = str(90_000_001 + size // 2)
            argv = [PYTHON, "-m", "mscterm", "lookup", pmid, "--json", "--cache-dir", str(cache)]
            # Installed, mscterm runs from bytecode; a checkout where PYTHONDONTWRITEBYTECODE is
            # set recompiles every module on every run. Both are measured.
            compiled = dict(
                env,
                MSCTERM_STATE_DIR=str(Path(tmp) / "state"),
                PYTHONPYCACHEPREFIX=str(Path(tmp) / "pycache"),
            )
            compiled.pop("PYTHONDONTWRITEBYTECODE", None)
            uncompiled = dict(compiled, PYTHONDONTWRITEBYTECODE="1")
            uncompiled.pop("PYTHONPYCACHEPREFIX")
            light = _imports_light(cache, pmid)
            for how, argv_env in (("from bytecode", compiled), ("no bytecode", uncompiled)):
                if how == "no bytecode" and size != sizes[0]:
                    continue
                time_command(argv, 2, argv_env)  # warm the OS file cache (and the bytecode)
                ms = median_ms(time_command(argv, runs, argv_env))
                rows.append(
                    row(
                        f"`lookup PMID --json`, warm cache of {size:,} records, {how} "
                        f"(median of {runs})",
                        "≤ 150 ms; no textual/httpx import",
                        f"{ms:.0f} ms; imports textual/httpx: {'no' if light else 'YES'}",
                        ms <= 150 and light,
                    )
                )
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"| {r['what']} | {r['budget']} | {r['measured']} | {'✓' if r['ok'] else '✗'} |")
