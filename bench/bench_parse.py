"""Benchmark: PubMed XML -> records, mscterm's parser against Biopython's ``Entrez.read``.

DESIGN.md's budget: parsing PubMed XML into records at >= 20 x the records/s of
``Bio.Entrez.read`` on the same files. Both parsers read every recorded efetch sample in
``../shared/ncbi/samples`` (in memory, so disk speed does not count), round after round until
at least ``MIN_SECONDS`` have passed, and the records/s are compared.

Run: ``uv run --group bench python bench/bench_parse.py`` (Biopython lives in the ``bench``
dependency group). ``run()`` returns rows ``{"what", "budget", "measured", "ok"}`` for a bench
runner; ``__main__`` prints them as a markdown table, with the details underneath.

Biopython validates against the DTD named in each file's DOCTYPE and would download a DTD it
does not ship; network access is cut off here, so a file whose DTD is not available locally is
left out of *both* measurements (the comparison stays like for like) and named in the notes.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # allow `python bench/bench_parse.py` without installing
    sys.path.insert(0, str(REPO))

from lxml import etree  # noqa: E402

from mscterm.ncbi.parser import iter_pubmed_xml, parse_pubmed_xml  # noqa: E402

SAMPLES = REPO.parent / "shared" / "ncbi" / "samples"
MIN_SECONDS = 2.0
SLICES = 4
RATIO_BUDGET = 20.0

NOTES: list[str] = []
"""Human-readable details of the last :func:`run` (rates, skipped files)."""


def _rates(
    parsers: dict[str, Callable[[bytes], int]], bodies: list[bytes], min_seconds: float
) -> dict[str, float]:
    """Records/s of each parser over ``bodies``, >= ``min_seconds`` of whole rounds each.

    The parsers take turns in ``SLICES`` short slices, so a change in machine load while the
    benchmark runs (other processes on a shared box) is spread over all of them alike.
    """
    records = dict.fromkeys(parsers, 0)
    seconds = dict.fromkeys(parsers, 0.0)
    for _ in range(SLICES):
        for name, parse in parsers.items():
            start = time.perf_counter()
            elapsed = 0.0
            while elapsed < min_seconds / SLICES:
                for body in bodies:
                    records[name] += parse(body)
                elapsed = time.perf_counter() - start
            seconds[name] += elapsed
    return {name: records[name] / seconds[name] for name in parsers}


def _entrez_reader() -> Callable[[bytes], int] | None:
    """A Biopython parse function that can never reach the network, or None if not installed."""
    try:
        from Bio import Entrez
        from Bio.Entrez import Parser as entrez_parser
    except ImportError:
        return None

    def no_network(*_args: Any, **_kwargs: Any) -> Any:
        raise OSError("network disabled in bench_parse: DTD not available locally")

    entrez_parser.urlopen = no_network  # type: ignore[attr-defined]

    def read(body: bytes) -> int:
        result = Entrez.read(io.BytesIO(body))
        return len(result["PubmedArticle"]) + len(result["PubmedBookArticle"])

    return read


def _ours(body: bytes) -> int:
    return len(parse_pubmed_xml(body))


def _ours_streaming(body: bytes) -> int:
    return sum(1 for _ in iter_pubmed_xml(io.BytesIO(body)))


def _lxml_bare(body: bytes) -> int:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    root = etree.fromstring(body, parser)
    return sum(1 for _ in root.iterchildren("PubmedArticle", "PubmedBookArticle"))


def run(min_seconds: float = MIN_SECONDS) -> list[dict[str, Any]]:
    """Measure and return one row per budgeted comparison (see module docstring)."""
    NOTES.clear()
    budget = f"≥ {RATIO_BUDGET:g} × Entrez.read records/s"
    files = sorted(SAMPLES.glob("efetch_*.xml")) if SAMPLES.is_dir() else []
    if not files:
        NOTES.append(f"no efetch samples found in {SAMPLES}")
        return [
            {"what": "parse PubMed XML", "budget": budget, "measured": "no samples", "ok": False}
        ]
    entrez = _entrez_reader()
    if entrez is None:
        NOTES.append("biopython is not installed: run with `uv run --group bench`")
        return [
            {
                "what": "parse PubMed XML",
                "budget": budget,
                "measured": "biopython missing",
                "ok": False,
            }
        ]

    bodies: list[bytes] = []
    for path in files:
        body = path.read_bytes()
        try:
            theirs = entrez(body)
        except Exception as exc:  # a DTD Biopython does not ship, or another refusal
            NOTES.append(f"skipped {path.name}: Entrez.read failed ({type(exc).__name__}: {exc})")
            continue
        ours = _ours(body)
        if ours != theirs:
            NOTES.append(f"{path.name}: record counts differ (ours {ours}, Entrez {theirs})")
        bodies.append(body)
    per_round = sum(_ours(b) for b in bodies)
    NOTES.append(
        f"{len(bodies)} of {len(files)} efetch samples, {per_round} records per round, "
        f">= {min_seconds:g} s per measurement"
    )

    rates = _rates(
        {
            "entrez": entrez,
            "parse_pubmed_xml": _ours,
            "iter_pubmed_xml": _ours_streaming,
            "lxml": _lxml_bare,
        },
        bodies,
        min_seconds,
    )
    entrez_rate = rates["entrez"]
    rows: list[dict[str, Any]] = []
    for name, what in (
        ("parse_pubmed_xml", "parse PubMed XML into records: parse_pubmed_xml"),
        ("iter_pubmed_xml", "parse PubMed XML into records: iter_pubmed_xml (streaming)"),
    ):
        ratio = rates[name] / entrez_rate
        rows.append(
            {
                "what": what,
                "budget": budget,
                "measured": f"{ratio:.1f} × ({rates[name]:,.0f} vs {entrez_rate:,.0f} records/s)",
                "ok": ratio >= RATIO_BUDGET,
            }
        )
    NOTES.append(
        f"for scale: a bare lxml parse of the same files runs at {rates['lxml']:,.0f} "
        f"records/s ({rates['lxml'] / entrez_rate:.0f} x Entrez.read)"
    )
    return rows


def _markdown(rows: list[dict[str, Any]]) -> str:
    lines = ["| what | budget | measured | ok |", "|---|---|---|---|"]
    for row in rows:
        ok = "yes" if row["ok"] else "**no**"
        lines.append(f"| {row['what']} | {row['budget']} | {row['measured']} | {ok} |")
    return "\n".join(lines)


if __name__ == "__main__":
    result = run()
    print(_markdown(result))
    print()
    for note in NOTES:
        print(f"- {note}")
    sys.exit(0 if all(r["ok"] for r in result) else 1)
