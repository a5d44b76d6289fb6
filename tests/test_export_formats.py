"""BibLaTeX (checked by real biber), CSL-JSON (what pandoc/Zotero read) and RIS."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from pybtex.database import parse_string

from mscterm.export import FORMATS, export_records
from mscterm.export.citekeys import assign_keys
from mscterm.model import Record
from tests.test_export_records import empty_record, hostile_records, run_biber, sample_records


def _export(records: list[Record], fmt: str, abstracts: bool = True) -> tuple[str, dict[str, str]]:
    keys = assign_keys(records, {})
    return export_records(records, fmt, keys=keys, include_abstract=abstracts), keys


def _complete(records: list[Record]) -> list[Record]:
    """Records that have what biblatex's data model makes mandatory (authors, a year)."""
    return [r for r in records if r.authors and r.year and r.title]


# -- BibLaTeX -------------------------------------------------------------------------------------
def test_samples_pass_biber_datamodel_validation(tmp_path: Path) -> None:
    text, _ = _export(sample_records(), "biblatex")
    assert run_biber(tmp_path, text, validate=True) == ""


def test_hostile_records_pass_biber_datamodel_validation(tmp_path: Path) -> None:
    text, _ = _export(_complete(hostile_records()), "biblatex")
    assert run_biber(tmp_path, text, validate=True) == ""


def test_every_record_even_incomplete_ones_passes_biber(tmp_path: Path) -> None:
    """biber proper (as biblatex runs it) accepts records without authors or a date too."""
    records = [*hostile_records(), empty_record()]
    text, keys = _export(records, "biblatex")
    assert run_biber(tmp_path, text, validate=False) == ""
    out = (tmp_path / "biber" / "out.bib").read_text(encoding="utf-8")
    for key in keys.values():
        assert re.search(rf"@\w+{{{re.escape(key)},", out, re.I), key


def test_biblatex_fields_and_utf8() -> None:
    record = hostile_records()[0]
    text, _keys = _export([record], "biblatex")
    assert text.startswith("@article{rosland2012safety,\n")
    assert "author = {Røsland, Gro Vatne and Müller, Z. B." in text
    assert "journaltitle = {J Fict Stem Cell Res}," in text  # default journal form: abbrev
    assert "shortjournal" not in text  # it would repeat journaltitle
    assert "date = {2012-05}," in text
    assert "pages = {123--129}," in text
    assert "eprint = {90000001},\n  eprinttype = {pubmed}," in text
    assert "addendum = {PMCID: PMC90000001}," in text
    assert "doi = {10.5555/fict.90000001}," in text
    assert "note = {Retracted publication; retraction notice: PMID 90000099}," in text
    assert not re.search(r"^  (journal|year|month) =", text, re.M)


def test_biblatex_books_chapters_and_round_trip() -> None:
    records = hostile_records()
    text, keys = _export(records, "biblatex")
    parsed = parse_string(text, "bibtex")
    assert parsed.entries[keys["90000010"]].type == "incollection"
    assert parsed.entries[keys["90000011"]].type == "book"
    injected = parsed.entries[keys["90000002"]].fields["title"]
    assert injected.startswith("\\textbackslash{}input\\textbraceleft{}/etc/passwd")
    assert "date" not in parsed.entries[keys["90000008"]].fields


# -- CSL-JSON -------------------------------------------------------------------------------------
def test_csl_json_items() -> None:
    records = hostile_records()
    text, keys = _export(records, "csl-json")
    items = {item["id"]: item for item in json.loads(text)}
    assert list(items) == [keys[r.id] for r in records]
    first = items["rosland2012safety"]
    assert first["type"] == "article-journal"
    assert first["title"] == (
        "Safety of mesenchymal stem cells (MSCs): HLA-DR, p53 and GMP in Wharton's jelly"
    )
    assert first["author"][:2] == [
        {"family": "Røsland", "given": "Gro Vatne"},
        {"family": "Müller", "given": "Z. B."},
    ]
    assert first["author"][2] == {"family": "Smith", "given": "John", "suffix": "Jr"}
    assert first["author"][3] == {"literal": "International Society for Cellular Therapy"}
    assert first["container-title"] == "J Fict Stem Cell Res"  # default journal form: abbrev
    assert first["container-title-short"] == "J Fict Stem Cell Res"
    assert first["issued"] == {"date-parts": [[2012, 5]]}
    assert first["volume"] == "12" and first["issue"] == "3" and first["page"] == "123-129"
    assert first["DOI"] == "10.5555/fict.90000001"
    assert first["PMID"] == "90000001" and first["PMCID"] == "PMC90000001"
    assert first["abstract"].startswith("BACKGROUND: 100% of {cells}")
    assert items[keys["90000010"]]["type"] == "chapter"
    assert items[keys["90000010"]]["container-title"] == "Fictional Reviews®"
    assert items[keys["90000011"]]["type"] == "book"
    assert "issued" not in items[keys["90000008"]]
    control = items[keys["90000004"]]["title"]
    assert not re.search("[\x00-\x1f\u202e]", control)


def test_csl_json_without_abstracts() -> None:
    text, _ = _export(hostile_records(), "csl-json", abstracts=False)
    assert all("abstract" not in item for item in json.loads(text))


# -- RIS ------------------------------------------------------------------------------------------
def test_ris_structure() -> None:
    records = [*hostile_records(), empty_record()]
    text, _keys = _export(records, "ris")
    assert text.endswith("ER  - \r\n")
    assert "\n" not in text.replace("\r\n", "")
    refs = [r for r in text.split("\r\n\r\n") if r.strip()]
    assert len(refs) == len(records)
    for ref in refs:
        lines = ref.strip("\r\n").split("\r\n")
        assert lines[0].startswith("TY  - ") and lines[-1] == "ER  - "
        for line in lines:
            assert re.match(r"^[A-Z][A-Z0-9]  - ", line), line
            assert not re.search("[\x00-\x1f\x7f\u202e]", line)
    first = refs[0].split("\r\n")
    assert "TY  - JOUR" in first
    assert "AU  - Røsland, Gro Vatne" in first
    assert "AU  - Smith, John, Jr" in first
    assert "AU  - International Society for Cellular Therapy" in first
    assert "SP  - 123" in first and "EP  - 129" in first
    assert "AN  - 90000001" in first and "DO  - 10.5555/fict.90000001" in first
    assert "PY  - 2012" in first and "DA  - 2012/05//" in first
    assert "KW  - Mesenchymal Stem Cells" in first
    assert "N1  - Retracted publication; retraction notice: PMID 90000099" in first
    assert any(line.startswith("AB  - BACKGROUND: ") for line in first)
    chapter = refs[9].split("\r\n")
    assert "TY  - CHAP" in chapter and "T2  - Fictional Reviews®" in chapter
    assert "A2  - Feldman, Jerry" in chapter
    assert "TY  - BOOK" in refs[10]


def test_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown export format"):
        export_records([], "endnote-xml", keys={})
    assert list(FORMATS) == ["bibtex", "biblatex", "csl-json", "ris"]


@pytest.mark.parametrize("fmt", list(FORMATS))
def test_samples_export_in_every_format(fmt: str) -> None:
    records = sample_records()
    text, keys = _export(records, fmt)
    for key in keys.values():
        assert key in text
