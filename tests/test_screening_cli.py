"""``mscterm screen``, ``screening``, ``screening conflicts`` and ``prisma`` as a user runs them.

Real processes, offline, on a fresh install (tmp cache and state dirs, the shipped seed only):
issue 16's "Done means" scenario end to end, and every kind of bad input.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
NOTE = "Retracted: the 'transformed' cells were tumour lines.\nDNA fingerprinting showed it."
# Real landmarks of the genetic-stability topic (shipped in the seed snapshot).
INCLUDED = ["16306013", "20032501"]
RUBIO = "15833829"
MAYBE = "17108121"


def mscterm(tmp: Path, *argv: str, reviewer: str | None = None) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        MSCTERM_CACHE_DIR=str(tmp / "cache"),
        MSCTERM_STATE_DIR=str(tmp / "state"),
        MSCTERM_OFFLINE="1",
    )
    env.pop("MSCTERM_REVIEWER", None)
    if reviewer:
        env["MSCTERM_REVIEWER"] = reviewer
    return subprocess.run(
        [sys.executable, "-m", "mscterm", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def one_line_exit(done: subprocess.CompletedProcess[str], code: int) -> str:
    assert done.returncode == code, (done.stdout, done.stderr)
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("mscterm: "), done.stderr
    return lines[0]


def test_issue_16_done_scenario(tmp_path: Path) -> None:
    ok(mscterm(tmp_path, "screen", *INCLUDED, "--include"))
    ok(
        mscterm(
            tmp_path, "screen", RUBIO, "--exclude", "cross-contamination", "--note", NOTE,
            "--tag", "contamination",
        )
    )  # fmt: skip
    ok(mscterm(tmp_path, "screen", MAYBE, "--maybe"))
    ok(mscterm(tmp_path, "cache", "clear", "--yes"))

    listing = ok(mscterm(tmp_path, "screening", "--topic", "genetic-stability", "--format", "csv"))
    rows = list(csv.DictReader(io.StringIO(listing)))
    assert list(rows[0]) == [
        "id", "pmid", "doi", "title", "year", "decision", "reason", "tags", "note", "reviewer",
        "time",
    ]  # fmt: skip
    by_id = {r["id"]: r for r in rows}
    assert set(by_id) == {*INCLUDED, RUBIO, MAYBE}
    rubio = by_id[RUBIO]
    assert rubio["decision"] == "exclude" and rubio["reason"] == "cross-contamination"
    assert rubio["note"] == NOTE and rubio["tags"] == "contamination"
    assert rubio["title"] == "Spontaneous human adult stem cell transformation."
    assert rubio["year"] == "2005" and rubio["reviewer"] == "default" and rubio["time"]
    assert {by_id[i]["decision"] for i in INCLUDED} == {"include"}
    assert by_id[MAYBE]["decision"] == "maybe"

    prisma_csv = ok(mscterm(tmp_path, "prisma", "--topic", "genetic-stability", "--format", "csv"))
    n = {r["data"]: r["n"] for r in csv.DictReader(io.StringIO(prisma_csv))}
    assert n["records_screened"] == "4" and n["records_excluded"] == "1"
    assert n["dbr_assessed"] == "3" and n["total_studies"] == "2"
    table = ok(mscterm(tmp_path, "prisma", "--topic", "genetic-stability"))
    reason_lines = [line for line in table.splitlines() if "cross-contamination" in line]
    assert len(reason_lines) == 1 and reason_lines[0].split()[-1] == "1"

    ok(mscterm(tmp_path, "screen", RUBIO, "--include", reviewer="reviewer2"))
    conflicts = ok(
        mscterm(tmp_path, "screening", "conflicts", "--reviewers", "default,reviewer2",
                "--format", "csv")
    )  # fmt: skip
    found = list(csv.DictReader(io.StringIO(conflicts)))
    assert [(r["id"], r["first_decision"], r["second_decision"]) for r in found] == [
        (RUBIO, "exclude", "include")
    ]
    # Resolved or not, nothing was written to the cache directory.
    assert not list((tmp_path / "cache").rglob("*.json"))


def test_listing_formats_and_reviewers(tmp_path: Path) -> None:
    ok(mscterm(tmp_path, "screen", RUBIO, "--exclude", "Retracted", "--reviewer", "Alice"))
    data = json.loads(ok(mscterm(tmp_path, "screening", "--reviewer", "alice", "--format", "json")))
    assert data[0]["id"] == RUBIO and data[0]["reason"] == "retracted"  # the configured form
    assert data[0]["reviewer"] == "Alice" and data[0]["tags"] == []
    table = ok(mscterm(tmp_path, "screening", "--reviewer", "Alice"))
    assert RUBIO in table and "exclude" in table
    # The configured reviewer has decided nothing: "none" is exit 1, one line.
    one_line_exit(mscterm(tmp_path, "screening"), 1)
    # Same folder whatever the cache: --cache-dir does not move decisions.
    other = mscterm(
        tmp_path, "--cache-dir", str(tmp_path / "c2"), "screening", "--reviewer", "Alice"
    )
    assert RUBIO in ok(other)


def test_prisma_with_no_decisions_is_zeros_and_exit_0(tmp_path: Path) -> None:
    out = ok(mscterm(tmp_path, "prisma", "--topic", "serum", "--format", "csv"))
    n = {r["data"]: r["n"] for r in csv.DictReader(io.StringIO(out))}
    assert n["records_screened"] == "0" and int(n["database_results"]) > 0


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["screen", "12ab", "--include"], "not a PMID"),
        (["screen", "99999999", "--include"], "unknown id: 99999999"),
        (["screen", RUBIO, "--exclude", ""], "needs a reason"),
        (["screen", RUBIO, "--exclude", "  "], "needs a reason"),
        (["screen", RUBIO, "--include", "--tag", "a,b"], "no commas"),
        (["screen", RUBIO, "--include", "--reviewer", "a,b"], "reviewer"),
        (["screen", RUBIO], "one of the arguments"),
        (["screen", RUBIO, "--include", "--maybe"], "not allowed with"),
        (["screening", "--topic", "no-such-topic"], "unknown topic: no-such-topic"),
        (["screening", "--reviewer", "nobody"], "unknown reviewer: nobody"),
        (["screening", "conflicts", "--reviewers", "default"], "two reviewer names"),
        (["screening", "conflicts", "--reviewers", "default,nobody"], "unknown reviewer: nobody"),
        (["prisma", "--topic", "no-such-topic"], "unknown topic"),
        (["prisma", "--reviewer", "nobody"], "unknown reviewer: nobody"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, argv: list[str], says: str) -> None:
    ok(mscterm(tmp_path, "screen", RUBIO, "--maybe"))  # the reviewer 'default' exists
    before = sorted(p.read_bytes() for p in (tmp_path / "state").rglob("*.json"))
    line = one_line_exit(mscterm(tmp_path, *argv), 2)
    assert says in line
    assert sorted(p.read_bytes() for p in (tmp_path / "state").rglob("*.json")) == before


def test_no_conflicts_is_exit_1(tmp_path: Path) -> None:
    ok(mscterm(tmp_path, "screen", RUBIO, "--maybe"))
    ok(mscterm(tmp_path, "screen", RUBIO, "--maybe", "--reviewer", "b"))
    one_line_exit(mscterm(tmp_path, "screening", "conflicts", "--reviewers", "default,b"), 1)


def test_screening_commands_speak_only_to_the_library() -> None:
    forbidden = ("mscterm.store", "mscterm.ncbi", "mscterm.ctgov", "httpx", "diskcache", "sqlite3")
    for name in ("screen.py", "screening.py", "prisma.py"):
        source = (REPO / "mscterm" / "commands" / name).read_text()
        assert not [
            word for word in forbidden if f"import {word}" in source or f"from {word}" in source
        ]


def test_export_decision_include_writes_the_included_set_with_notes_and_tags(
    tmp_path: Path,
) -> None:
    ok(mscterm(tmp_path, "screen", "16306013", "20032501", "--include", "--tag", "karyotype"))
    ok(
        mscterm(
            tmp_path,
            "screen",
            "15833829",
            "--exclude",
            "retracted",
            "--note",
            "Cross-contaminated culture.",
            "--tag",
            "contamination",
        )
    )
    bib = ok(mscterm(tmp_path, "export", "--decision", "include", "--offline"))
    assert bib.count("pmid = {") == 2 and bib.count("keywords = {karyotype}") == 2
    assert "pmid = {16306013}" in bib and "pmid = {20032501}" in bib
    assert "Rubio" not in bib  # excluded records stay out
    ris = ok(mscterm(tmp_path, "export", "15833829", "--format", "ris", "--offline"))
    assert "KW  - contamination" in ris and "N1  - Cross-contaminated culture." in ris
    csl = json.loads(
        ok(mscterm(tmp_path, "export", "15833829", "--format", "csl-json", "--offline"))
    )
    assert "Cross-contaminated culture." in csl[0]["note"]
    done = mscterm(tmp_path, "export", "--decision", "maybe", "--offline")
    assert done.returncode == 1 and "no records are screened 'maybe'" in done.stderr
