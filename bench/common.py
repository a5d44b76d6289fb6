"""Shared helpers of the benchmarks: timing, fictional records, result rows."""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from mscterm.model import AbstractSection, Author, MeshHeading, Record

REPO = Path(__file__).resolve().parents[1]
FICTIONAL_START = 90_000_001

_WORDS = (
    "mesenchymal stromal stem cells culture expansion passage karyotype aneuploidy senescence "
    "telomere transformation tumorigenicity cryopreservation dimethyl sulfoxide thawing viability "
    "banking donor screening release criteria potency serum bovine platelet lysate xenogeneic "
    "immunogenicity allogeneic HLA infusion thrombosis coagulation tissue factor biodistribution "
    "engraftment ectopic calcification trial adverse events safety efficacy graft versus host"
).split()


def row(what: str, budget: str, measured: str, ok: bool) -> dict[str, Any]:
    """One line of bench/RESULTS.md."""
    return {"what": what, "budget": budget, "measured": measured, "ok": ok}


def fictional_record(n: int) -> Record:
    """A fictional but realistically sized record (PMID 90000001 + n)."""
    pmid = str(FICTIONAL_START + n)
    words = [_WORDS[(n * 7 + i * 13) % len(_WORDS)] for i in range(200)]
    return Record(
        id=pmid,
        pmid=pmid,
        title=" ".join(words[:14]).capitalize() + ".",
        authors=[
            Author(family=f"Author{(n + i) % 977}", given="Fictional", initials="F")
            for i in range(6)
        ],
        journal="Journal of Fictional Stem Cell Research",
        journal_abbrev="J Fict Stem Cell Res",
        year=1995 + n % 30,
        month=1 + n % 12,
        volume=str(n % 50 + 1),
        issue=str(n % 12 + 1),
        pages=f"{n % 900 + 1}-{n % 900 + 12}",
        doi=f"10.5555/fict.{pmid}",
        abstract=[AbstractSection(label=None, text=" ".join(words))],
        mesh=[MeshHeading("Mesenchymal Stem Cells", True, ["cytology"])],
        publication_types=["Journal Article"],
    )


def warm_cache(path: Path, count: int, *, index: bool = False) -> None:
    """A cache directory holding ``count`` fictional full records (and their index if asked)."""
    from mscterm.store import RecordStore

    store = RecordStore(path, index=index)
    for start in range(0, count, 2000):
        store.put([fictional_record(n) for n in range(start, min(count, start + 2000))])
    store.close()


def median_ms(samples: Sequence[float]) -> float:
    """Median of durations in seconds, as milliseconds."""
    return statistics.median(samples) * 1000


def time_command(argv: Sequence[str], runs: int, env: dict[str, str] | None = None) -> list[float]:
    """Wall time of ``runs`` executions of a command (each must succeed)."""
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True, env=env)
        out.append(time.perf_counter() - start)
    return out


PYTHON = sys.executable
