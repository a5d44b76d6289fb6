"""Issue 14's export findings, issue 15's journal form and the notes/tags and trial hooks.

Each test names what independent tools found; the real tools themselves run in
``test_export_tools.py``. Records are fictional (``tests.conftest.make_record``).
"""

from __future__ import annotations

import json
import re

import pytest
from pybtex.database import parse_string

from mscterm.export import Annotation, ExportOptions, export_records, render
from mscterm.export.bibtex import protect_title
from mscterm.export.citekeys import assign_keys, is_valid_key
from mscterm.export.latex import tex_ascii, tex_pdflatex, tex_unicode
from mscterm.model import Author, MeshHeading, Record
from tests.conftest import make_record, make_trial

FORMATS = ["bibtex", "biblatex", "csl-json", "ris"]
GREEK = "TGF-β and ε-sarcoglycan: ⍺-SMA ≥ 5 µm, Ca²⁺ ± 2 °C"


def _text(records: list[Record], fmt: str, **options: object) -> str:
    keys = assign_keys(records, {})
    return render(records, fmt, keys, ExportOptions(**options))  # type: ignore[arg-type]


def _ris_lines(text: str) -> list[str]:
    return text.split("\r\n")


# -- CSL-JSON language ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("codes", "bcp47"),
    [(["eng"], "en"), (["ger"], "de"), (["chi", "eng"], "zh"), (["scr"], "hr"), (["mul"], None)],
)
def test_csl_language_is_bcp47(codes: list[str], bcp47: str | None) -> None:
    record = make_record(1, language=codes[0], languages=codes)
    item = json.loads(_text([record], "csl-json"))[0]
    assert item.get("language") == bcp47


def test_unknown_language_is_left_out_everywhere() -> None:
    record = make_record(1, language="xxx", languages=["xxx"])
    assert "language" not in json.loads(_text([record], "csl-json"))[0]
    assert not any(line.startswith("LA  - ") for line in _ris_lines(_text([record], "ris")))


# -- Greek letters and symbols --------------------------------------------------------------------
def test_greek_and_symbols_become_latex_for_pdflatex_but_letters_stay_utf8() -> None:
    text = tex_pdflatex(GREEK + " Müller Świątek")
    for char in "β ε ⍺ ≥ µ ² ⁺ ± °".split():
        assert char not in text, char
    assert "{\\ensuremath{\\beta}}" in text and "{\\ensuremath{\\alpha}}" in text
    assert "{\\ensuremath{\\geq}}" in text and "{\\ensuremath{\\mu}}m" in text
    assert "Müller Świątek" in text


def test_bibtex_writes_greek_as_ascii_latex() -> None:
    assert tex_ascii("β-catenin ≥") == "{\\ensuremath{\\beta}}-catenin {\\ensuremath{\\geq}}"
    assert tex_ascii("“quoted” – dash") == "``quoted'' -- dash"


def test_unicode_option_keeps_everything_utf8_in_biblatex() -> None:
    record = make_record(1, title=GREEK)
    default = _text([record], "biblatex")
    pure = _text([record], "biblatex", unicode=True)
    assert "β" not in default and "\\ensuremath" in default
    assert "β" in pure and "⍺" in pure and "\\ensuremath" not in pure
    assert tex_unicode("a & β") == "a \\& β"


# -- RIS ------------------------------------------------------------------------------------------
def test_ris_journal_pair_and_bare_pmcid() -> None:
    record = make_record(1, pmcid="PMC90000001")
    full = _ris_lines(_text([record], "ris", journal="full"))
    assert "T2  - Journal of Fictional Results" in full
    assert "J2  - J Fict Res" in full
    assert not any(line.startswith("JO  - ") for line in full)
    assert "C2  - PMC90000001" in full
    seed = make_record(2, journal=None, source="seed")  # seed records know the abbreviation only
    assert "T2  - J Fict Res" in _ris_lines(_text([seed], "ris", journal="full"))


def test_ris_collective_name_with_commas_has_no_comma_zotero_would_cut_at() -> None:
    name = "Fictional Academies of Sciences, Engineering, and Medicine"
    record = make_record(1, authors=[Author(collective=name), Author("Doe", "Jane", "J")])
    lines = _ris_lines(_text([record], "ris"))
    authors = [line[6:] for line in lines if line.startswith("AU  - ")]
    assert "," not in authors[0]
    assert authors[0].replace("\u201a", ",") == name
    assert authors[1] == "Doe, Jane"


# -- names ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("given", "initials", "out"),
    [
        ("JH", "JH", "J. H."),
        ("LJH", None, "L. J. H."),
        ("T C", "TC", "T. C."),
        ("J-P", "JP", "J.-P."),
        ("Margaret P", "MP", "Margaret P."),
        ("Zhi-Bo", "ZB", "Zhi-Bo"),
        (None, "ZB", "Z. B."),
    ],
)
def test_initials_get_periods_in_every_format(
    given: str | None, initials: str | None, out: str
) -> None:
    record = make_record(1, authors=[Author("Bean", given, initials)])
    assert f"author = {{Bean, {out}}}" in _text([record], "bibtex")
    assert f"author = {{Bean, {out}}}" in _text([record], "biblatex")
    assert json.loads(_text([record], "csl-json"))[0]["author"][0]["given"] == out
    assert f"AU  - Bean, {out}" in _ris_lines(_text([record], "ris"))


# -- keywords with commas -------------------------------------------------------------------------
def test_mesh_heading_with_a_comma_is_one_braced_keyword() -> None:
    mesh = [MeshHeading("Cell Transformation, Neoplastic"), MeshHeading("Humans")]
    record = make_record(1, mesh=mesh)
    for fmt in ("bibtex", "biblatex"):
        text = _text([record], fmt, include_abstract=True)
        assert "keywords = {{Cell Transformation, Neoplastic}, Humans}," in text


# -- title protection -----------------------------------------------------------------------------
def test_title_case_title_with_a_species_epithet_is_still_title_case() -> None:
    title = "Isolation of Mesenchymal Stem Cells from Canis familiaris Bone Marrow"
    assert protect_title(title, tex_ascii) == title  # nothing braced: capitals say nothing


@pytest.mark.parametrize(
    ("title", "out"),
    [
        ("Hyperpolarized (13)C imaging", "Hyperpolarized {(13)C} imaging"),
        ("Uptake of [18F]FDG", "Uptake of {[18F]FDG}"),
        ("A (13)C, (15)N study", "A {(13)C}, {(15)N} study"),
    ],
)
def test_protected_words_keep_their_brackets_inside_the_braces(title: str, out: str) -> None:
    assert protect_title(title, tex_ascii) == out


# -- pinned keys ----------------------------------------------------------------------------------
def test_a_pinned_key_that_breaks_the_rules_is_remade() -> None:
    record = make_record(1)
    bad = "x{}\\input{/etc/passwd}"
    keys = assign_keys([record], {record.id: bad})
    assert keys[record.id] != bad and is_valid_key(keys[record.id])
    with pytest.raises(ValueError, match="not a usable citation key"):
        export_records([record], "bibtex", keys={record.id: bad})


# -- one journal form per export (issue 15) -------------------------------------------------------
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("form", ["abbrev", "full"])
def test_one_journal_form_per_export_in_every_format(fmt: str, form: str) -> None:
    fetched = make_record(1)  # knows both forms
    seed = make_record(2, journal=None, source="seed")  # knows the abbreviation only
    text = _text([fetched, seed], fmt, journal=form)
    if fmt == "csl-json":
        titles = [i["container-title"] for i in json.loads(text)]
    elif fmt == "ris":
        titles = [line[6:] for line in _ris_lines(text) if line.startswith("T2  - ")]
    else:
        field = "journal" if fmt == "bibtex" else "journaltitle"
        titles = re.findall(rf"^  {field} = {{(.*)}},$", text, re.M)
    want = "Journal of Fictional Results" if form == "full" else "J Fict Res"
    assert titles == [want, "J Fict Res"]


def test_unknown_journal_form_is_refused() -> None:
    with pytest.raises(ValueError, match="journal form"):
        ExportOptions(journal="iso")


# -- notes and tags (screening) -------------------------------------------------------------------
def test_notes_and_tags_go_where_each_format_has_a_place() -> None:
    record = make_record(1)
    notes = {record.id: Annotation("Excluded: cross-contamination & 50% {x}", ("contamination",))}
    bib = parse_string(_text([record], "bibtex", annotations=notes), "bibtex")
    fields = bib.entries[next(iter(bib.entries))].fields
    assert fields["keywords"] == "contamination"
    assert fields["annote"].startswith("Excluded: cross-contamination \\& 50\\%")
    biblatex = _text([record], "biblatex", annotations=notes)
    assert "annotation = {Excluded" in biblatex and "keywords = {contamination}" in biblatex
    item = json.loads(_text([record], "csl-json", annotations=notes))[0]
    assert item["note"] == "Excluded: cross-contamination & 50% {x}"
    assert item["keyword"] == "contamination"
    ris = _ris_lines(_text([record], "ris", annotations=notes))
    assert "KW  - contamination" in ris and "N1  - Excluded: cross-contamination & 50% {x}" in ris


def test_records_without_annotations_get_none() -> None:
    record = make_record(1)
    text = _text([record], "bibtex", annotations={"90000999": Annotation("other", ("t",))})
    assert "annote" not in text and "keywords" not in text


# -- trials as citable registry records -----------------------------------------------------------
def test_trial_in_every_format() -> None:
    trial = make_trial(1, results=True)
    keys = assign_keys([trial], {})
    assert keys == {"NCT99000001": "NCT99000001"}
    url = "https://clinicaltrials.gov/study/NCT99000001"
    bib = parse_string(render([trial], "bibtex", keys), "bibtex").entries["NCT99000001"]
    assert bib.type == "misc"
    assert bib.fields["howpublished"] == "ClinicalTrials.gov"
    assert bib.fields["note"] == "ClinicalTrials.gov identifier: NCT99000001"
    assert bib.fields["url"] == url
    assert [str(p) for p in bib.persons["author"]] == ["{Fictional Sponsor}"]
    online = parse_string(render([trial], "biblatex", keys), "bibtex").entries["NCT99000001"]
    assert online.type == "online"
    assert online.fields["eprint"] == "NCT99000001" and online.fields["url"] == url
    item = json.loads(render([trial], "csl-json", keys))[0]
    assert item["type"] == "dataset" and item["number"] == "NCT99000001"
    assert item["URL"] == url and item["author"] == [{"literal": "Fictional Sponsor"}]
    ris = _ris_lines(render([trial], "ris", keys))
    assert ris[0] == "TY  - DATA" and "AN  - NCT99000001" in ris and f"UR  - {url}" in ris
    assert "DB  - ClinicalTrials.gov" in ris


def test_trials_and_records_together_keep_their_order() -> None:
    items = [make_record(1), make_trial(2), make_record(3)]
    keys = assign_keys(items, {})
    text = render(items, "bibtex", keys)
    assert [m for m in re.findall(r"^@(\w+)\{", text, re.M)] == ["article", "misc", "article"]
