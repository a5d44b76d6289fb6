"""Benchmark: 10,000 records to BibTeX (DESIGN.md budget: <= 1 s).

Records are synthetic and fictional (PMIDs from 90000000 up, DOIs under 10.5555/) with PubMed-like
field lengths; about 10 % carry non-ASCII author names (so the latexcodec path is exercised) and a
few titles carry TeX specials. The timed work is what ``mscterm export`` does after loading:
assigning citation keys and writing the BibTeX text. Run: ``uv run python -m bench.bench_export``.
"""

from __future__ import annotations

import random
import statistics
import time

from mscterm.export import export_records
from mscterm.export.citekeys import assign_keys
from mscterm.model import AbstractSection, Author, MeshHeading, Record

BUDGET_S = 1.0
N_RECORDS = 10_000
RUNS = 5

_WORDS = (
    "mesenchymal stem cells safety clinical application genetic stability long-term expansion "
    "cryopreservation banking serum tumorigenicity transformation senescence chromosomal "
    "aberrations immunogenicity infusion adverse events trial bone marrow adipose umbilical cord "
    "differentiation potency karyotype culture passage xenogeneic fetal bovine platelet lysate"
).split()
_CAPS = ("MSCs", "GMP", "HLA-DR", "DNA", "TP53", "GvHD", "FBS", "ISCT")
_ASCII_NAMES = ("Wang", "Han", "Song", "Smith", "Garcia", "Chen", "Rubio", "Tarte", "Bernardo")
_UNICODE_NAMES = ("Røsland", "Müller", "González-Reyes", "Åberg", "Łukasz", "Ñúñez", "Gökçe")
_JOURNALS = (
    "Stem cells international",
    "Cytotherapy",
    "Stem cell research & therapy",
    "Cancer research",
    "The New England journal of medicine",
)


def make_records(n: int = N_RECORDS, seed: int = 1) -> list[Record]:
    """``n`` fictional records with realistic lengths; deterministic for a given seed."""
    rng = random.Random(seed)
    records = []
    for i in range(n):
        pmid = str(90000000 + i)
        words = rng.sample(_WORDS, rng.randint(8, 16))
        words[rng.randrange(1, len(words))] = rng.choice(_CAPS)
        if i % 50 == 0:
            words.append("at 37% & 5% CO_2")
        title = (" ".join(words) + ".").capitalize().replace("mscs", "MSCs")
        authors = []
        for _ in range(rng.randint(2, 10)):
            pool = _UNICODE_NAMES if rng.random() < 0.1 else _ASCII_NAMES
            given = rng.choice(("Youwei", "Zhi-Bo", "Anna", "J", "Maria Luisa"))
            authors.append(Author(rng.choice(pool), given, given[0]))
        records.append(
            Record(
                id=pmid,
                pmid=pmid,
                title=title,
                authors=authors,
                journal=rng.choice(_JOURNALS),
                journal_abbrev="Fict J",
                year=rng.randint(1995, 2025),
                month=rng.randint(1, 12),
                volume=str(rng.randint(1, 400)),
                issue=str(rng.randint(1, 12)),
                pages=f"{rng.randint(1, 900)}-{rng.randint(1, 99)}",
                doi=f"10.5555/fict.{pmid}",
                pmcid=f"PMC{90000000 + i}" if i % 3 == 0 else None,
                abstract=[AbstractSection("BACKGROUND", " ".join(rng.choices(_WORDS, k=200)))],
                mesh=[MeshHeading("Mesenchymal Stem Cells", True)],
                retracted=i % 97 == 0,
            )
        )
    return records


def _time(fn: object, runs: int = RUNS) -> float:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()  # type: ignore[operator]
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def run() -> list[dict[str, object]]:
    """Benchmark rows: {"what", "budget", "measured", "ok"} (seconds, median of RUNS runs)."""
    records = make_records()

    def export(abstracts: bool = False) -> str:
        keys = assign_keys(records, {})
        return export_records(records, "bibtex", keys=keys, include_abstract=abstracts)

    export()  # warm caches (latexcodec's tables, regexes)
    plain = _time(export)
    with_abstracts = _time(lambda: export(True))
    return [
        {
            "what": f"export of {N_RECORDS:,} records to BibTeX (keys + text)",
            "budget": f"<= {BUDGET_S:g} s",
            "measured": f"{plain:.3f} s",
            "ok": plain <= BUDGET_S,
        },
        {
            "what": "the same with abstracts and keywords (--abstracts)",
            "budget": "(no budget)",
            "measured": f"{with_abstracts:.3f} s",
            "ok": True,
        },
    ]


def main() -> None:
    """Print the rows as a markdown table."""
    rows = run()
    print("| what | budget | measured | ok |")
    print("|---|---|---|---|")
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(f"| {row['what']} | {row['budget']} | {row['measured']} | {ok} |")


if __name__ == "__main__":
    main()
