"""Build the shipped seed snapshot ``cache/records.jsonl`` from the curated seed files.

Why a script and not a hand-edited file: every fact in the snapshot must be traceable to
``seed/review.json``, ``seed/pubmed_22685475.txt`` or ``seed/landmarks.json`` (verified public
pages), and regenerating it whenever those files change is the only way to keep that promise.
Nothing here is guessed: a field the seed files do not show stays empty (``None``/``[]``).

Usage (from the repository root)::

    uv run python tools/build_seed.py [SEED_DIR] [-o cache/records.jsonl]

SEED_DIR defaults to ``../shared/seed`` relative to the repository.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # run as a plain script from anywhere
    sys.path.insert(0, str(REPO))

from mscterm.model import AbstractSection, Author, MeshHeading, Record, record_id  # noqa: E402

DEFAULT_SEED = REPO.parent / "shared" / "seed"
DEFAULT_OUT = REPO / "cache" / "records.jsonl"

REVIEW_PMID = "22685475"
REVIEW_PAGE = f"https://pubmed.ncbi.nlm.nih.gov/{REVIEW_PMID}/"
# review.json has the full journal name; the abbreviation is the one the review's PubMed page
# (pubmed_22685475.txt) shows after the author line: "Youwei Wang et al. Stem Cells Int."
REVIEW_JOURNAL_ABBREV = "Stem Cells Int"
# review.json's article_type is "Review Article" (the publisher's label); PubMed files such an
# article as these two publication types.
REVIEW_PUBLICATION_TYPES = ["Journal Article", "Review"]

_ET_AL = {"et al.", "et al"}


class SeedError(ValueError):
    """The seed files do not say what this script relies on (it refuses to guess)."""


def _split_name(short: str) -> tuple[str, str]:
    """``"Han ZB"`` -> ``("Han", "ZB")``: family name, then initials (PubMed's short form)."""
    family, _, initials = short.strip().rpartition(" ")
    if not family or not initials.isupper():
        raise SeedError(f"not a 'Family INITIALS' author: {short!r}")
    return family, initials


def _pages(text: str | None) -> str | None:
    """Page ranges as plain ``first-last`` (en dash -> hyphen); ``Article ID N`` -> ``N``."""
    if text is None:
        return None
    text = text.strip()
    text = re.sub(r"^Article ID\s+", "", text)
    return text.replace("–", "-").replace("—", "-")


def _mesh(strings: Iterable[str]) -> list[MeshHeading]:
    """Turn PubMed's displayed MeSH lines into headings.

    The page shows one line per descriptor/qualifier pair (``Mesenchymal Stem Cells /
    pathology*``); PubMed's XML has one MeshHeading per descriptor with its qualifiers, so
    consecutive lines of one descriptor are merged. A ``*`` anywhere marks the heading major.
    """
    headings: list[MeshHeading] = []
    by_name: dict[str, MeshHeading] = {}
    for line in strings:
        major = "*" in line
        descriptor, _, qualifier = (part.strip() for part in line.replace("*", "").partition("/"))
        heading = by_name.get(descriptor)
        if heading is None:
            heading = MeshHeading(descriptor=descriptor, major=major, qualifiers=[])
            by_name[descriptor] = heading
            headings.append(heading)
        heading.major = heading.major or major
        if qualifier and qualifier not in heading.qualifiers:
            heading.qualifiers.append(qualifier)
    return headings


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def review_abstract(page_text: str) -> str:
    """The abstract exactly as the review's PubMed page shows it (one unlabelled paragraph).

    The saved page has the title twice, the author line, then the abstract paragraph, then
    "Similar articles". The paragraph is the one long line between the author line and that
    heading.
    """
    lines = [line.strip() for line in page_text.splitlines()]
    try:
        end = lines.index("Similar articles")
    except ValueError as exc:
        raise SeedError("the review page has no 'Similar articles' heading") from exc
    paragraphs = [line for line in lines[:end] if len(line) > 200]
    if len(paragraphs) != 1:
        raise SeedError(
            f"expected one abstract paragraph on the review page, got {len(paragraphs)}"
        )
    return paragraphs[0]


def review_record(review: dict[str, Any], page_text: str) -> Record:
    """The seed review (PMID 22685475) from review.json plus the abstract of its PubMed page."""
    facts = review["review"]
    if facts["pmid"] != REVIEW_PMID:
        raise SeedError(f"review.json is about PMID {facts['pmid']}, not {REVIEW_PMID}")
    authors = []
    for short, full in zip(facts["authors"], facts["authors_full"], strict=True):
        family, initials = _split_name(short)
        if not full.endswith(" " + family):
            raise SeedError(f"full name {full!r} does not end with family name {family!r}")
        authors.append(Author(family=family, given=full[: -len(family) - 1], initials=initials))
    return Record(
        id=REVIEW_PMID,
        pmid=REVIEW_PMID,
        title=facts["title"],
        authors=authors,
        authors_complete=True,  # the page lists these four and no "et al." beyond them
        journal=facts["journal"],
        journal_abbrev=REVIEW_JOURNAL_ABBREV,
        year=facts["year"],
        volume=facts["volume"],
        pages=facts["article_id"],
        doi=facts["doi"],
        pmcid=facts["pmcid"],
        abstract=[AbstractSection(label=None, text=review_abstract(page_text))],
        publication_types=list(REVIEW_PUBLICATION_TYPES),
        source="seed",
        provenance=[REVIEW_PAGE],
    )


def reference_records(review: dict[str, Any]) -> list[Record]:
    """The review's first five references, citation-level, in the review's order."""
    records = []
    for ref in review["references_first_five"]:
        names = [a for a in ref["authors"] if a.strip().lower() not in _ET_AL]
        authors = [Author(family=f, initials=i) for f, i in map(_split_name, names)]
        title = ref["title"]
        records.append(
            Record(
                id=record_id(
                    None, None, authors[0].family if authors else None, ref["year"], title
                ),
                title=title,
                authors=authors,
                authors_complete=len(names) == len(ref["authors"]),
                journal=ref["journal"],
                year=ref["year"],
                volume=ref["volume"],
                issue=ref["issue"],
                pages=_pages(ref["pages"]),
                source="seed",
                provenance=[REVIEW_PAGE],
                resolution="pending",
            )
        )
    return records


def _landmark_author(data: dict[str, Any]) -> Author:
    if data.get("collective"):
        return Author(collective=data["collective"])
    return Author(
        family=data.get("family"), initials=data.get("initials"), suffix=data.get("suffix")
    )


def landmark_record(paper: dict[str, Any]) -> Record:
    """One landmark of landmarks.json as a citation-level seed record."""
    authors = [_landmark_author(a) for a in paper["authors"]]
    first = authors[0].collective or authors[0].family if authors else None
    pmid = paper["pmid"]
    return Record(
        id=record_id(pmid, paper["doi"], first, paper["year"], paper["title"]),
        pmid=pmid,
        title=paper["title"],
        authors=authors,
        # null means "no page proved the list whole": possibly partial (BibTeX "and others")
        authors_complete=bool(paper["authors_complete"]) and bool(authors),
        journal=paper["journal"],
        year=paper["year"],
        volume=paper["volume"],
        issue=paper["issue"],
        pages=paper["pages"],
        doi=paper["doi"],
        pmcid=paper["pmcid"],
        mesh=_mesh(paper.get("mesh") or []),
        publication_types=list(paper.get("publication_types") or []),
        retracted=bool(paper["retracted"]),
        comments=[dict(c) for c in paper.get("comments") or []],
        source="seed",
        provenance=_unique(e["url"] for e in paper["evidence"]),
        resolution=None if pmid else "pending",
    )


def build_records(seed_dir: Path) -> list[Record]:
    """Every seed record (review, its five references, the landmarks), sorted by id.

    Raises :class:`SeedError` when two records would share an id, rather than silently
    dropping one.
    """
    review = json.loads((seed_dir / "review.json").read_text(encoding="utf-8"))
    page = (seed_dir / f"pubmed_{REVIEW_PMID}.txt").read_text(encoding="utf-8")
    landmarks = json.loads((seed_dir / "landmarks.json").read_text(encoding="utf-8"))
    records = [review_record(review, page), *reference_records(review)]
    records += [landmark_record(p) for p in landmarks["papers"]]
    seen: dict[str, Record] = {}
    for rec in records:
        if rec.id in seen:
            raise SeedError(f"two seed records share the id {rec.id!r}")
        seen[rec.id] = rec
    return sorted(records, key=lambda r: r.id)


def dumps(record: Record) -> str:
    """One line of the snapshot: compact JSON, real Unicode (the file is UTF-8)."""
    return json.dumps(record.to_json(), ensure_ascii=False, separators=(",", ":"))


def write_snapshot(records: Iterable[Record], out: Path) -> int:
    """Write records as JSON lines (atomically: temp file, then rename); returns the count."""
    lines = [dumps(r) for r in records]
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    tmp.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    tmp.replace(out)
    return len(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: build and write the snapshot, print a one-line summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("seed_dir", nargs="?", type=Path, default=DEFAULT_SEED)
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    try:
        records = build_records(args.seed_dir)
    except (OSError, SeedError, KeyError) as exc:
        print(f"build_seed: {exc}", file=sys.stderr)
        return 1
    count = write_snapshot(records, args.output)
    kinds = {
        "pmid": sum(1 for r in records if r.pmid),
        "doi": sum(1 for r in records if not r.pmid and r.doi),
        "cite": sum(1 for r in records if not r.pmid and not r.doi),
    }
    print(f"wrote {count} records to {args.output} ({kinds})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
