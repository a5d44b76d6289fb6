"""Fictional records for the export tests, the real NCBI samples, and the tools that check them.

Fictional PMIDs are 8 digits from 90000000 up and DOIs are under the reserved prefix 10.5555/.
The hostile records carry what the network could send: TeX specials, unbalanced braces,
``\\input``/``\\write18``, control characters, accents, CJK, collective and missing authors.
Helpers here run the real ``bibtex`` and ``biber`` binaries; tests skip with a message when they
are not installed (CI installs them).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from mscterm.model import AbstractSection, Author, Book, MeshHeading, Record
from tests.conftest import make_record

SAMPLES = Path(__file__).resolve().parents[2] / "shared" / "ncbi" / "samples"


def article(pmid: str, title: str, **kw: object) -> Record:
    """A fictional journal article (``tests.conftest.make_record``) with bare export defaults.

    No abstract, MeSH, publication type or language unless given, so each test sees only the
    fields it sets.
    """
    defaults: dict[str, object] = {
        "authors": [Author("Wang", "Youwei", "Y")],
        "journal": "Journal of fictional stem cell research",
        "journal_abbrev": "J Fict Stem Cell Res",
        "year": 2012,
        "month": 5,
        "volume": "12",
        "issue": "3",
        "pages": "123-9",
        "doi": f"10.5555/fict.{pmid}",
        "abstract": [],
        "mesh": [],
        "publication_types": [],
        "language": None,
        "languages": [],
    }
    defaults.update(kw)
    return make_record(int(pmid) - 90_000_000, title=title, **defaults)


def hostile_records() -> list[Record]:
    """Records whose text tries everything that could break or subvert a .bib."""
    return [
        article(
            "90000001",
            "Safety of mesenchymal stem cells (MSCs): HLA-DR, p53 and GMP in Wharton's jelly.",
            authors=[
                Author("Røsland", "Gro Vatne", "GV"),
                Author("Müller", None, "ZB"),
                Author("Smith", "John", "J", suffix="Jr"),
                Author(collective="International Society for Cellular Therapy"),
            ],
            abstract=[
                AbstractSection("BACKGROUND", "100% of {cells} & $5 #1 a_b ~ ^ \\ < >."),
                AbstractSection("RESULTS", "Unbalanced } and { here."),
            ],
            mesh=[MeshHeading("Mesenchymal Stem Cells", True), MeshHeading("Safety")],
            keywords=["MSC", "safety"],
            pmcid="PMC90000001",
            retracted=True,
            comments=[{"type": "RetractionIn", "pmid": "90000099"}],
        ),
        article(
            "90000002",
            "\\input{/etc/passwd} and \\write18{rm -rf ~} then \\def\\x{y} \\x",
            authors=[Author("Gonzalez-Reyes", "José Ángel"), Author("王", "伟")],
        ),
        article(
            "90000003",
            "Unbalanced } closing { opening }} {{{ braces % comment # hash & amp _ under",
            authors=[Author("O'Brien", "Siobhán"), Author("van der Berg", "Jan")],
        ),
        article(
            "90000004",
            "Control\x00chars\x07 and\x1b[31m escapes\u202e reversed\ttab\nnewline",
            authors=[Author("Ab\x08c", "D\x1f")],
        ),
        article(
            "90000005",
            "ΔNp63 and α-SMA in 中文 cells: Ærø Ñandú ß ł Ø ı ç.",
            authors=[Author("Ñúñez", "Ærø"), Author("Łukasz", "Świątek")],
            journal="Revista de células & tejidos",
        ),
        article(
            "90000006",
            "A report from a committee",
            authors=[Author(collective="MSC Safety and Efficacy Consortium, Working Group {B}")],
        ),
        article("90000007", "An article nobody signed", authors=[]),
        article("90000008", "An undated article", year=None, month=None),
        article("90000009", "Partial author list", authors_complete=False),
        Record(
            id="90000010",
            pmid="90000010",
            title="Mesenchymal stem cell therapy: a chapter",
            authors=[Author("Adam", "Margaret P", "MP")],
            year=2020,
            book=Book(
                booktitle="Fictional Reviews®",
                publisher="University of Fiction, Seattle",
                editors=[Author("Feldman", "Jerry", "J"), Author("Pagon", "Roberta A", "RA")],
            ),
        ),
        Record(
            id="90000011",
            pmid="90000011",
            title="Cellular therapy standards.",
            authors=[Author(collective="Committee on Cellular Therapy")],
            year=2015,
            month=9,
            doi="10.5555/book.90000011",
            book=Book(booktitle="Cellular therapy standards", publisher="Fiction Press (US)"),
        ),
        Record(
            id="doi:10.5555/nopmid_{x}\\y",
            doi="10.5555/nopmid_{x}\\y",
            title="A record with only a DOI",
            authors=[Author("Doe", "Jane", "J")],
            journal="Stem cells",
            year=2019,
            source="seed",
        ),
    ]


def empty_record() -> Record:
    """A record with nothing but an id: must still export without breaking anything."""
    return Record(id="cite:anon-nd-untitled", title="", source="seed")


def sample_records() -> list[Record]:
    """Every record of every efetch sample (skips when the samples or the parser are absent)."""
    if not SAMPLES.is_dir():
        pytest.skip(f"NCBI samples not found at {SAMPLES}")
    try:
        from mscterm.ncbi.parser import parse_pubmed_xml
    except ImportError:
        pytest.skip("mscterm.ncbi.parser is not available yet")
    records: list[Record] = []
    for path in sorted(SAMPLES.glob("efetch_pubmed_xml_*.xml")):
        records.extend(parse_pubmed_xml(path.read_bytes()))
    assert records, "the efetch samples gave no records"
    return records


def run_bibtex(tmp_path: Path, bib: str, style: str = "plain") -> tuple[str, str]:
    """Run real BibTeX on ``bib`` with ``\\nocite{*}``; returns (.blg text, .bbl text)."""
    if shutil.which("bibtex") is None:
        pytest.skip("bibtex is not installed (Debian: texlive-binaries + texlive-base)")
    work = tmp_path / "bibtex"
    work.mkdir(exist_ok=True)
    (work / "refs.bib").write_text(bib, encoding="utf-8")
    (work / "doc.aux").write_text(
        f"\\citation{{*}}\n\\bibdata{{refs}}\n\\bibstyle{{{style}}}\n", encoding="utf-8"
    )
    proc = subprocess.run(
        ["bibtex", "doc"], cwd=work, capture_output=True, text=True, timeout=60, env=_tex_env()
    )
    blg = (work / "doc.blg").read_text(encoding="utf-8", errors="replace")
    assert proc.returncode == 0, f"bibtex failed ({proc.returncode}):\n{proc.stdout}\n{blg}"
    bbl = (work / "doc.bbl").read_text(encoding="utf-8", errors="replace")
    return blg, bbl


def assert_clean_blg(blg: str) -> None:
    """No warning and no error in a BibTeX log."""
    bad = [
        line
        for line in blg.splitlines()
        if line.startswith("Warning--") or "error message" in line or line.startswith("I was")
    ]
    assert not bad, "bibtex complained:\n" + "\n".join(bad) + "\n---\n" + blg
    assert "warning" not in blg.lower().replace("warning$ -- 0", ""), blg


def run_biber(tmp_path: Path, bib: str, *, validate: bool = True) -> str:
    """Run ``biber --tool`` (optionally ``--validate-datamodel``); returns its WARN/ERROR lines."""
    if shutil.which("biber") is None:
        pytest.skip("biber is not installed (Debian: biber)")
    work = tmp_path / "biber"
    work.mkdir(exist_ok=True)
    src = work / "refs.bib"
    src.write_text(bib, encoding="utf-8")
    cmd = ["biber", "--tool", "--output-file", str(work / "out.bib"), str(src)]
    if validate:
        cmd.insert(2, "--validate-datamodel")
    proc = subprocess.run(cmd, cwd=work, capture_output=True, text=True, timeout=120)
    output = proc.stdout + proc.stderr
    assert proc.returncode == 0, f"biber failed ({proc.returncode}):\n{output}"
    return "\n".join(
        line for line in output.splitlines() if line.startswith(("WARN", "ERROR", "FATAL"))
    )


def _tex_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("BIBINPUTS", None)
    env.pop("BSTINPUTS", None)
    return env


def test_hostile_records_are_fictional() -> None:
    """Fixtures must never look like real PubMed data (8-digit 9000xxxx PMIDs, 10.5555 DOIs)."""
    for record in hostile_records():
        if record.pmid:
            assert record.pmid.startswith("9") and len(record.pmid) == 8
        if record.doi:
            assert record.doi.startswith("10.5555/")
