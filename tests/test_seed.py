"""The shipped seed snapshot ``cache/records.jsonl``: its shape, and facts unchanged from the seed.

Facts are compared with ``../shared/seed`` (the verified source), so a hand edit or a script bug
that alters a title, DOI, PMID, page range or author shows up here. Tests that need the seed
files skip when they are absent; the snapshot's own shape is always checked.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from mscterm import resources
from mscterm.model import Record, record_id
from mscterm.topics import REVIEW_ID, load_topics, review_reference_ids

REPO = Path(__file__).resolve().parents[1]
SEED_DIR = REPO.parent / "shared" / "seed"
SNAPSHOT = REPO / "cache" / "records.jsonl"
REVIEW_PAGE = "https://pubmed.ncbi.nlm.nih.gov/22685475/"


@pytest.fixture(scope="module")
def lines() -> list[str]:
    return SNAPSHOT.read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def records(lines: list[str]) -> dict[str, Record]:
    return {r.id: r for r in (Record.from_json(json.loads(line)) for line in lines)}


@pytest.fixture(scope="module")
def seed() -> Path:
    if not (SEED_DIR / "landmarks.json").is_file():
        pytest.skip(f"seed files not available at {SEED_DIR}")
    return SEED_DIR


@pytest.fixture(scope="module")
def papers(seed: Path) -> list[dict]:
    return json.loads((seed / "landmarks.json").read_text(encoding="utf-8"))["papers"]


@pytest.fixture(scope="module")
def review_json(seed: Path) -> dict:
    return json.loads((seed / "review.json").read_text(encoding="utf-8"))


def landmark_id(paper: dict) -> str:
    authors = paper["authors"]
    first = (authors[0].get("family") or authors[0].get("collective")) if authors else None
    return record_id(paper["pmid"], paper["doi"], first, paper["year"], paper["title"])


# ---------------------------------------------------------------------------- shape


def test_the_package_finds_the_snapshot() -> None:
    assert resources.seed_records_path().resolve() == SNAPSHOT.resolve()


def test_one_record_per_line_sorted_by_unique_id(lines: list[str]) -> None:
    assert len(lines) == 87  # 81 landmarks + the review + its 5 known references
    ids = [json.loads(line)["id"] for line in lines]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_lines_round_trip_through_record(lines: list[str]) -> None:
    for line in lines:
        data = json.loads(line)
        assert Record.from_json(data).to_json() == data


def test_every_record_is_seed_level_with_provenance(records: dict[str, Record]) -> None:
    for rec in records.values():
        assert rec.source == "seed", rec.id
        assert rec.provenance and all(u.startswith(("http://", "https://")) for u in rec.provenance)
        assert rec.id == record_id(rec.pmid, rec.doi, rec.first_author, rec.year, rec.title)
        assert rec.resolution == (None if rec.pmid else "pending"), rec.id
        if rec.id != REVIEW_ID:
            assert rec.abstract == [], "landmarks and references are citation-level"


def test_no_pmid_that_is_not_one_to_nine_digits(records: dict[str, Record]) -> None:
    for rec in records.values():
        if rec.pmid is not None:
            assert re.fullmatch(r"[1-9][0-9]{0,8}", rec.pmid), rec.pmid
        for comment in rec.comments:
            if "pmid" in comment:
                assert re.fullmatch(r"[1-9][0-9]{0,8}", comment["pmid"]), comment


def test_every_topic_landmark_is_in_the_snapshot(records: dict[str, Record]) -> None:
    topic_map = load_topics()
    for topic in topic_map.walk():
        for rid in topic_map.landmark_ids(topic.id):
            assert rid in records, (topic.id, rid)
    for rid in review_reference_ids(topic_map):
        assert rid in records


# ---------------------------------------------------------------------------- landmarks


def test_every_landmark_is_there_with_its_facts_unchanged(
    papers: list[dict], records: dict[str, Record]
) -> None:
    assert len(papers) == 81
    for paper in papers:
        rec = records[landmark_id(paper)]
        for field in (
            "pmid",
            "doi",
            "pmcid",
            "title",
            "journal",
            "year",
            "volume",
            "issue",
            "pages",
        ):
            assert getattr(rec, field) == paper[field], (rec.id, field)
        assert [a.family for a in rec.authors] == [a.get("family") for a in paper["authors"]]
        assert [a.collective for a in rec.authors] == [
            a.get("collective") for a in paper["authors"]
        ]
        assert [a.initials for a in rec.authors] == [a.get("initials") for a in paper["authors"]]
        assert [a.suffix for a in rec.authors] == [a.get("suffix") for a in paper["authors"]]
        assert rec.authors_complete is False  # null in the seed: possibly partial
        assert rec.retracted is bool(paper["retracted"])
        assert rec.publication_types == paper.get("publication_types", [])
        assert rec.comments == paper.get("comments", [])
        assert rec.provenance == list(dict.fromkeys(e["url"] for e in paper["evidence"]))
        shown = {m.replace("*", "").split(" / ")[0].strip() for m in paper.get("mesh", [])}
        assert {h.descriptor for h in rec.mesh} == shown


def test_landmark_id_kinds_match_the_issue(papers: list[dict]) -> None:
    kinds = ["pmid" if p["pmid"] else "doi" if p["doi"] else "cite" for p in papers]
    assert (kinds.count("pmid"), kinds.count("doi"), kinds.count("cite")) == (42, 32, 7)


def test_mesh_lines_become_headings_with_qualifiers_and_major_flags(
    records: dict[str, Record],
) -> None:
    rubio = {h.descriptor: h for h in records["15833829"].mesh}
    heading = rubio["Cell Transformation, Neoplastic"]
    assert heading.major is True
    assert heading.qualifiers == ["genetics", "metabolism", "pathology"]
    assert rubio["Adult"].major is False and rubio["Adult"].qualifiers == []
    tarte = {h.descriptor: h for h in records["20032501"].mesh}
    assert tarte["Aneuploidy"].major is True and tarte["Aneuploidy"].qualifiers == []


def test_retracted_landmark_and_its_notice(records: dict[str, Record]) -> None:
    rubio = records["15833829"]
    assert rubio.retracted is True
    assert "Retracted Publication" in rubio.publication_types
    notice = records["doi:10.1158/0008-5472.can-10-2451"]
    assert notice.comments == [{"type": "RetractionOf", "pmid": "15833829"}]
    assert notice.retracted is False  # the notice is not itself retracted


def test_collective_and_suffix_authors_survive(records: dict[str, Record]) -> None:
    tarte = records["20032501"].authors
    assert tarte[-1].collective and tarte[-1].family is None
    fischer = records["doi:10.1089/scd.2008.0253"].authors
    assert (fischer[-1].family, fischer[-1].initials, fischer[-1].suffix) == ("Cox", "CS", "Jr")


# ---------------------------------------------------------------------------- the review


def test_review_record(records: dict[str, Record], review_json: dict, seed: Path) -> None:
    rec = records[REVIEW_ID]
    facts = review_json["review"]
    assert rec.pmid == REVIEW_ID and rec.title == facts["title"]
    assert [(a.family, a.given, a.initials) for a in rec.authors] == [
        ("Wang", "Youwei", "Y"),
        ("Han", "Zhi-bo", "ZB"),
        ("Song", "Yong-ping", "YP"),
        ("Han", "Zhong Chao", "ZC"),
    ]
    assert rec.authors_complete is True
    assert (rec.journal, rec.journal_abbrev) == ("Stem Cells International", "Stem Cells Int")
    assert (rec.year, rec.volume, rec.pages) == (2012, "2012", "652034")
    assert (rec.doi, rec.pmcid) == (facts["doi"], facts["pmcid"])
    assert rec.publication_types == ["Journal Article", "Review"]
    assert rec.provenance == [REVIEW_PAGE] and rec.resolution is None
    page = (seed / "pubmed_22685475.txt").read_text(encoding="utf-8")
    assert len(rec.abstract) == 1 and rec.abstract[0].label is None
    text = rec.abstract[0].text
    assert text.startswith("Mesenchymal stem cells (MSCs) hold great promise")
    assert text.endswith("the role of serum in the preparation of MSCs.")
    assert text in page.splitlines()  # exactly one line of the page, unchanged


def test_review_references(records: dict[str, Record], review_json: dict) -> None:
    refs = [records[rid] for rid in review_reference_ids()]
    given = review_json["references_first_five"]
    assert [r.title for r in refs] == [g["title"] for g in given]
    for rec, ref in zip(refs, given, strict=True):
        shown = [a for a in ref["authors"] if a != "et al."]
        assert [f"{a.family} {a.initials}" for a in rec.authors] == shown
        assert rec.authors_complete is ("et al." not in ref["authors"])
        assert (rec.journal, rec.year, rec.volume, rec.issue) == (
            ref["journal"],
            ref["year"],
            ref["volume"],
            ref["issue"],
        )
        assert rec.pmid is None and rec.doi is None and rec.id.startswith("cite:")
        assert rec.provenance == [REVIEW_PAGE] and rec.resolution == "pending"
    assert [r.pages for r in refs] == ["2", "2625-2633", None, "860578", "1017-1026"]
    assert refs[0].authors_complete is True and refs[1].authors_complete is False
    assert refs[2].year is None


# ---------------------------------------------------------------------------- regeneration


def test_the_script_reproduces_the_snapshot(seed: Path, tmp_path: Path, lines: list[str]) -> None:
    out = tmp_path / "records.jsonl"
    result = subprocess.run(
        [sys.executable, str(REPO / "tools" / "build_seed.py"), str(seed), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 87 records" in result.stdout
    produced = out.read_text(encoding="utf-8").splitlines()
    assert [Record.from_json(json.loads(x)) for x in produced] == [
        Record.from_json(json.loads(x)) for x in lines
    ]
    assert produced == lines  # byte for byte: the shipped file is the script's output


def test_the_script_refuses_a_broken_seed(tmp_path: Path) -> None:
    result = subprocess.run(
        [
            sys.executable,
            str(REPO / "tools" / "build_seed.py"),
            str(tmp_path / "nowhere"),
            "-o",
            str(tmp_path / "out.jsonl"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("build_seed: ")
    assert not (tmp_path / "out.jsonl").exists()
