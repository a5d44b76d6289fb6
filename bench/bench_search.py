"""Benchmark: offline search over 100,000 cached records (DESIGN.md: median ≤ 50 ms).

The records are synthetic and clearly fictional (PMIDs from 90000000, DOIs under 10.5555/),
drawn from an MSC-literature vocabulary written for this benchmark, with the skew that makes the
budget hard: ``mesenchymal``, ``stem`` and ``cells`` appear in about 95% of records. Publication
types, retractions and missing abstracts come in rough real-world shares, for the filters.
Every query is timed as the Library runs it: the best 20 hits *and* the count of all matches.
The built index is kept in the system temp dir under ``mscterm-bench-search/`` (keyed by the
generator version and the index schema), so a second run skips the ~40 s build.

Run: ``uv run python -m bench.bench_search`` (prints a markdown table; ``--rebuild`` forces a
fresh build). ``run()`` returns the rows for ``bench/RESULTS.md``.
"""

from __future__ import annotations

import argparse
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from mscterm.model import AbstractSection, Author, MeshHeading, Record
from mscterm.store.fts import INDEX_SCHEMA, SearchIndex

N_RECORDS = 100_000
BUDGET_MS = 50.0
GENERATOR_VERSION = 2
CACHE_DIR = Path(tempfile.gettempdir()) / "mscterm-bench-search"

# Words an MSC-safety abstract is made of, roughly most to least frequent within each list.
DOMAIN = """
mesenchymal stromal differentiation expansion culture passage clinical therapy transplantation
bone marrow adipose umbilical cord tissue derived donor patients safety efficacy trial infusion
immunomodulatory proliferation osteogenic adipogenic chondrogenic phenotype markers cd73 cd90 cd105
senescence karyotype chromosomal aberrations genomic stability tumorigenicity transformation
malignant tumor sarcoma engraftment homing migration paracrine secretome exosomes vesicles
cytokines inflammation graft versus host disease gvhd allogeneic autologous xenogeneic serum
fetal bovine platelet lysate xeno free cryopreservation thawing viability dmso banking potency
release criteria manufacturing gmp quality control sterility endotoxin mycoplasma contamination
telomerase telomere length p53 p16 apoptosis oncogenic myc ras immunogenicity hla rejection
fibrosis ectopic calcification thrombosis embolism pulmonary intravenous intra-arterial
intrathecal dose escalation adverse events follow-up mortality infection fever hepatic cardiac
myocardial infarction stroke osteoarthritis crohn spinal cord injury multiple sclerosis
diabetes lupus covid-19 ards sepsis wound healing regeneration scaffold hydrogel
extracellular matrix hypoxia oxidative stress mitochondria dna damage repair aneuploidy
polyploidy spontaneous cross-contamination retraction osteosarcoma fibroblasts pericytes
wharton jelly dental pulp placenta amniotic induced pluripotent embryonic hematopoietic
lineage clonal heterogeneity single-cell sequencing transcriptome proteomic methylation
epigenetic microrna signaling wnt notch tgf-beta bmp pdgf vegf angiogenesis vascular
""".split()
GENERAL = """
study results showed significantly increased decreased compared control group analysis
effect effects role potential using method methods data observed associated high low levels
expression model vitro vivo mice rats human cell we these this that which were was have has
been also both however respectively found demonstrated suggest suggests indicate may can
after before during long-term short-term time days weeks months years treatment treated
response function factors factor activity protein gene genes mechanism mechanisms new novel
important review evidence reported report case series systematic meta-analysis randomized
phase open-label prospective retrospective cohort outcome outcomes primary secondary endpoint
""".split()
ALWAYS = ["mesenchymal", "stem", "cells"]
FAMILY = """Rubio Garcia Wang Zhang Li Liu Chen Smith Jones Muller Rossi Tanaka Kim Park Nguyen
Silva Santos Novak Horvath Andersen Nielsen Larsen Kowalski Ivanova Dubois Moreau Bernard
Fischer Weber Schmidt Ricci Romano Costa Ferreira Sato Suzuki Yamamoto Lee Choi Singh Kumar
Patel Shah Cohen Levi Murphy Kelly Walsh Brown Taylor Wilson Evans Thomas Roberts Bernardo
Prockop Caplan Pittenger Dominici Galipeau Horwitz Krampera Sensebe Bourin Rosland""".split()
JOURNALS = [
    ("Fictional Stem Cell Reports", "Fict Stem Cell Rep"),
    ("Journal of Imaginary Cytotherapy", "J Imag Cytother"),
    ("Synthetic Regenerative Medicine", "Synth Regen Med"),
    ("Example Cell Transplantation", "Ex Cell Transplant"),
    ("Test Journal of Translational Safety", "Test J Transl Saf"),
    ("Placeholder Oncology Letters", "Placeh Oncol Lett"),
]
MESH = [
    "Mesenchymal Stem Cells",
    "Mesenchymal Stem Cell Transplantation",
    "Cell Transformation, Neoplastic",
    "Cell Differentiation",
    "Cell Proliferation",
    "Cellular Senescence",
    "Cryopreservation",
    "Chromosome Aberrations",
    "Karyotyping",
    "Graft vs Host Disease",
    "Cells, Cultured",
    "Culture Media",
    "Serum",
    "Humans",
    "Animals",
    "Mice",
    "Bone Marrow Cells",
    "Adipose Tissue",
    "Umbilical Cord",
    "Tumor Microenvironment",
]
QUALIFIERS = ["cytology", "transplantation", "adverse effects", "genetics", "methods",
              "metabolism", "pathology", "physiology"]  # fmt: skip
# PubMed publication types beside "Journal Article", with a rough share of records each: the
# filters (pt:, is:retracted, has:abstract) need realistic, skewed token frequencies.
TYPES = [
    ("Research Support, Non-U.S. Gov't", 0.30), ("Review", 0.12), ("Comparative Study", 0.05),
    ("Case Reports", 0.05), ("Clinical Trial", 0.03), ("Randomized Controlled Trial", 0.03),
    ("Systematic Review", 0.03), ("Meta-Analysis", 0.02), ("Clinical Trial, Phase I", 0.01),
]  # fmt: skip
RETRACTED_SHARE = 0.003
NO_ABSTRACT_SHARE = 0.08


def _zipf_picker(words: list[str], rng: random.Random) -> Iterator[str]:
    weights = [1.0 / (i + 1) ** 0.9 for i in range(len(words))]
    while True:
        yield from rng.choices(words, weights=weights, k=512)


def synthetic_records(n: int = N_RECORDS, seed: int = 20120612) -> Iterator[Record]:
    """``n`` fictional MSC records: ~15-word titles, ~200-word abstracts, MeSH, authors."""
    rng = random.Random(seed)
    domain = _zipf_picker(DOMAIN, rng)
    general = _zipf_picker(GENERAL, rng)

    def words(k: int) -> list[str]:
        return [next(domain) if rng.random() < 0.45 else next(general) for _ in range(k)]

    for i in range(n):
        pmid = str(90_000_000 + i)
        title_words = words(rng.randint(8, 16))
        if rng.random() < 0.6:
            title_words[rng.randrange(len(title_words))] = "mesenchymal stem cells"
        title = " ".join(title_words).capitalize() + "."
        abstract = []
        for label in ("BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"):
            sent = words(rng.randint(35, 65))
            if rng.random() < 0.95 / 2 + 0.25:
                sent.insert(rng.randrange(len(sent)), rng.choice(ALWAYS))
            abstract.append(AbstractSection(label, " ".join(sent).capitalize() + "."))
        if rng.random() < 0.95 and not any("mesenchymal" in s.text for s in abstract):
            abstract[0].text = "Mesenchymal stem cells " + abstract[0].text
        authors = [
            Author(family=rng.choice(FAMILY), given=None, initials=rng.choice("ABCDEFGHJKLMNPRSTY"))
            for _ in range(rng.randint(1, 9))
        ]
        mesh = [
            MeshHeading(d, major=rng.random() < 0.3, qualifiers=rng.sample(QUALIFIERS, 1))
            for d in rng.sample(MESH, rng.randint(3, 9))
        ]
        journal, abbrev = rng.choice(JOURNALS)
        types = ["Journal Article"] + [t for t, share in TYPES if rng.random() < share]
        retracted = rng.random() < RETRACTED_SHARE
        if retracted:
            types.append("Retracted Publication")
        if rng.random() < NO_ABSTRACT_SHARE:
            abstract = []
        yield Record(
            id=pmid,
            pmid=pmid,
            title=title,
            authors=authors,
            journal=journal,
            journal_abbrev=abbrev,
            year=rng.randint(1995, 2024),
            month=rng.randint(1, 12),
            doi=f"10.5555/bench.{i}",
            abstract=abstract,
            mesh=mesh,
            keywords=rng.sample(DOMAIN, 3),
            publication_types=types,
            retracted=retracted,
            pmcid=f"PMC{90_000_000 + i}" if rng.random() < 0.3 else None,
        )


QUERIES: list[tuple[str, str]] = [
    # (kind, query): common terms first -- the hard part of the budget
    ("common", "mesenchymal"),
    ("common", "mesenchymal stem cells"),
    ("common", "stem"),
    ("common", "cells"),
    ("common", "mesenchymal stem"),
    ("common", "stem cells safety"),
    ("common", "mesenchymal study"),
    ("common", '"mesenchymal stem cells"'),
    ("medium", "tumorigenicity"),
    ("medium", "senescence karyotype"),
    ("medium", "cryopreservation viability"),
    ("medium", "fetal bovine serum"),
    ("medium", '"genomic stability"'),
    ("medium", "transformation sarcoma"),
    ("medium", "umbilical cord exosomes"),
    ("medium", "graft versus host disease"),
    ("medium", "gvhd OR rejection"),
    ("medium", "transformation -review"),
    ("rare", "osteosarcoma cross-contamination retraction"),
    ("rare", "wharton jelly telomerase aneuploidy"),
    ("rare", "pmid:90012345"),
    ("rare", "doi:10.5555/bench.4242"),
    ("rare", "nosuchwordanywhere"),
    ("field", "au:rubio"),
    ("field", "au:rubio ti:transformation"),
    ("field", 'mesh:"cell transformation, neoplastic"'),
    ("field", "jo:cytotherapy"),
    ("field", "year:2012"),
    ("field", "year:2010-2015 mesenchymal"),
    ("field", "ti:senescence year:2020-"),
    ("field", "mesh:cryopreservation ab:dmso"),
    ("prefix", "mesench*"),
    ("prefix", "transf*"),
    ("prefix", "cryopres*"),
    ("prefix", "immunomod* safety"),
    ("typeahead", "mesenchymal stem ce"),
    ("typeahead", "transformati"),
    ("typeahead", "spontaneous transfor"),
    ("typeahead", "mesenchymal pt:rev"),
    # filters on a record's facts (issue 15): alone, negated, with common and rare words
    ("filter", "transformation -retracted"),
    ("filter", "is:retracted"),
    ("filter", "mesenchymal -is:retracted"),
    ("filter", "pt:review"),
    ("filter", 'pt:"systematic review" safety'),
    ("filter", "pt:rct mesenchymal stem cells"),
    ("filter", 'pt:"clinical trial" -retracted'),
    ("filter", "has:abstract tumorigenicity"),
    ("filter", "-has:abstract"),
    ("filter", "pt:meta-analysis year:2015-"),
]


def _build(path: Path) -> float:
    if path.parent.exists():
        shutil.rmtree(path.parent)
    path.parent.mkdir(parents=True)
    t0 = time.perf_counter()
    index = SearchIndex(path)
    index.rebuild(synthetic_records())
    index.close()
    return time.perf_counter() - t0


def run(rebuild: bool = False, repeats: int = 5) -> list[dict[str, object]]:
    """Build (or reuse) the 100k index, run the query mix, return the RESULTS.md rows."""
    path = CACHE_DIR / f"search-g{GENERATOR_VERSION}-s{INDEX_SCHEMA}" / "index.sqlite3"
    build_s: float | None = None
    if rebuild or not path.exists():
        build_s = _build(path)
    index = SearchIndex(path)
    try:
        assert index.count() == N_RECORDS, "stale benchmark index: run with --rebuild"
        timings: list[float] = []
        by_kind: dict[str, list[float]] = {}
        for q_kind, q in QUERIES:  # warm-up: page cache, prepared statements
            index.find(q, 20, prefix_last=q_kind == "typeahead")
        for _ in range(repeats):
            for q_kind, q in QUERIES:
                t0 = time.perf_counter()
                index.find(q, 20, prefix_last=q_kind == "typeahead")
                ms = (time.perf_counter() - t0) * 1000
                timings.append(ms)
                by_kind.setdefault(q_kind, []).append(ms)
    finally:
        index.close()
    median = statistics.median(timings)
    p95 = statistics.quantiles(timings, n=20)[-1]
    rows: list[dict[str, object]] = [
        {
            "what": f"offline search, {N_RECORDS:,} records, {len(timings)} queries: median",
            "budget": f"≤ {BUDGET_MS:.0f} ms",
            "measured": f"{median:.1f} ms",
            "ok": median <= BUDGET_MS,
        },
        {
            "what": "offline search: p95 (informational)",
            "budget": "-",
            "measured": f"{p95:.1f} ms",
            "ok": True,
        },
    ]
    for q_kind, values in by_kind.items():
        rows.append(
            {
                "what": f"offline search: {q_kind} queries, median / max",
                "budget": "-",
                "measured": f"{statistics.median(values):.1f} / {max(values):.1f} ms",
                "ok": True,
            }
        )
    size_mb = sum(p.stat().st_size for p in path.parent.iterdir()) / 1e6
    rows.append(
        {
            "what": "index build (100k records)" if build_s is not None else "index size",
            "budget": "-",
            "measured": (f"{build_s:.1f} s, " if build_s is not None else "") + f"{size_mb:.0f} MB",
            "ok": True,
        }
    )
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the rows as a markdown table; exit 1 if the budget is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rebuild", action="store_true", help="build the index afresh")
    args = parser.parse_args(argv)
    rows = run(rebuild=args.rebuild)
    print("| what | budget | measured | ok |")
    print("|---|---|---|---|")
    for row in rows:
        ok = "yes" if row["ok"] else "NO"
        print(f"| {row['what']} | {row['budget']} | {row['measured']} | {ok} |")
    return 0 if all(r["ok"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
