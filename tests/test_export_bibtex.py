"""BibTeX export: real BibTeX accepts it silently, pybtex reads it back, nothing injects."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from pybtex.database import parse_string

from mscterm.export import ExportOptions, export_records
from mscterm.export.bibtex import build_entry, protect_title, tex_ascii, tex_utf8, to_pybtex
from mscterm.export.citekeys import assign_keys
from mscterm.model import Author, Book, Record
from tests.test_export_records import (
    article,
    assert_clean_blg,
    empty_record,
    hostile_records,
    run_bibtex,
    sample_records,
)

DANGEROUS = re.compile(r"\\(input|write18|write|def|include|openin|immediate|catcode)(?![a-z])")


def _bib(records: list[Record], *, abstracts: bool = False) -> tuple[str, dict[str, str]]:
    keys = assign_keys(records, {})
    return export_records(records, "bibtex", keys=keys, include_abstract=abstracts), keys


def _entries(text: str) -> dict[str, str]:
    """key -> the entry's text, split on '@' at line starts."""
    out = {}
    for chunk in re.split(r"(?m)^@", text)[1:]:
        key = chunk.split("{", 1)[1].split(",", 1)[0]
        out[key] = chunk
    return out


def _assert_balanced(text: str) -> None:
    depth = 0
    for i, c in enumerate(text):
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            assert depth >= 0, f"unbalanced '}}' at {i}: {text[max(0, i - 60) : i + 20]!r}"
    assert depth == 0


# -- real BibTeX ---------------------------------------------------------------------------------
@pytest.mark.parametrize("abstracts", [False, True])
def test_hostile_records_pass_real_bibtex_without_a_warning(
    tmp_path: Path, abstracts: bool
) -> None:
    records = hostile_records()
    text, keys = _bib(records, abstracts=abstracts)
    blg, bbl = run_bibtex(tmp_path, text)
    assert_clean_blg(blg)
    for key in keys.values():
        assert f"\\bibitem{{{key}}}" in bbl
    assert not DANGEROUS.search(bbl), DANGEROUS.search(bbl)


@pytest.mark.parametrize("abstracts", [False, True])
def test_every_efetch_sample_passes_real_bibtex_without_a_warning(
    tmp_path: Path, abstracts: bool
) -> None:
    records = sample_records()
    text, _keys = _bib(records, abstracts=abstracts)
    blg, bbl = run_bibtex(tmp_path, text)
    assert_clean_blg(blg)
    assert bbl.count("\\bibitem{") == len(records)
    assert "\\bibitem{bao2017leucocyte}" in bbl or not any(r.pmid == "27797938" for r in records)


@pytest.mark.parametrize("style", ["unsrt", "alpha", "abbrv"])
def test_other_classic_styles_are_clean_too(tmp_path: Path, style: str) -> None:
    text, _ = _bib(hostile_records())
    blg, _ = run_bibtex(tmp_path, text, style=style)
    assert_clean_blg(blg)


def test_latex_compiles_the_bibliography_and_nothing_is_executed(tmp_path: Path) -> None:
    """The strongest injection check: pdflatex typesets the hostile titles as text."""
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex is not installed")
    # pdflatex without CJK fonts cannot typeset Chinese; everything else must compile.
    records = [r for r in hostile_records() if not re.search("[\u4e00-\u9fff]", r.title)]
    records = [r for r in records if not any("王" in (a.family or "") for a in r.authors)]
    text, _ = _bib(records, abstracts=True)
    _, _bbl = run_bibtex(tmp_path, text)
    work = tmp_path / "bibtex"
    (work / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\n"
        "\\begin{document}\\nocite{*}\\bibliographystyle{plain}\\bibliography{refs}"
        "\\end{document}\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        ["pdflatex", "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    log = (work / "doc.log").read_text(encoding="utf-8", errors="replace")
    if "I can't find the format file" in proc.stdout + log:
        pytest.skip("pdflatex format not built")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "passwd" not in log.replace("textbraceleft{}/etc/passwd", "")
    assert "runsystem" not in log


# -- pybtex round trip ----------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["hostile", "samples"])
def test_pybtex_reads_back_exactly_the_fields_written(which: str) -> None:
    records = [*hostile_records(), empty_record()] if which == "hostile" else sample_records()
    keys = assign_keys(records, {})
    text = export_records(records, "bibtex", keys=keys, include_abstract=True)
    parsed = parse_string(text, "bibtex")
    expected = to_pybtex(
        build_entry(r, keys[r.id], ExportOptions(include_abstract=True)) for r in records
    )
    assert list(parsed.entries.keys()) == [keys[r.id] for r in records]
    for key, want in expected.entries.items():
        got = parsed.entries[key]
        assert got.type == want.type
        assert dict(got.fields) == dict(want.fields), key
        for role in ("author", "editor"):
            assert [str(p) for p in got.persons.get(role, [])] == [
                str(p) for p in want.persons.get(role, [])
            ], (key, role)


def test_output_is_balanced_ascii_without_controls() -> None:
    records = [*hostile_records(), empty_record()]
    text, _ = _bib(records, abstracts=True)
    _assert_balanced(text)
    for entry in _entries(text).values():
        _assert_balanced(entry)
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f\u202e]", text)
    non_ascii = {c for c in text if not c.isascii()}
    assert non_ascii <= set("王伟中文"), non_ascii  # only what LaTeX has no ASCII form for


# -- fields ---------------------------------------------------------------------------------------
def test_article_fields_are_what_a_manuscript_needs() -> None:
    record = hostile_records()[0]
    entry = _entries(_bib([record], abstracts=True)[0])["rosland2012safety"]
    assert entry.startswith("article{rosland2012safety,\n")
    assert (
        'author = {R{\\o}sland, Gro Vatne and M{\\"u}ller, Z. B. and Smith, Jr, John'
        " and {International Society for Cellular Therapy}},"
    ) in entry
    assert (
        "title = {Safety of mesenchymal stem cells ({MSCs}): {HLA-DR}, p53 and {GMP} in"
        " {Wharton's} jelly},"
    ) in entry
    assert "journal = {J Fict Stem Cell Res}," in entry  # the default journal form: ISO abbrev
    assert "year = {2012}," in entry
    assert "month = may," in entry
    assert "volume = {12}," in entry and "number = {3}," in entry
    assert "pages = {123--129}," in entry
    assert "doi = {10.5555/fict.90000001}," in entry
    assert "pmid = {90000001}," in entry and "pmcid = {PMC90000001}," in entry
    assert "url = {https://pubmed.ncbi.nlm.nih.gov/90000001/}," in entry
    assert "note = {Retracted publication; retraction notice: PMID 90000099}," in entry
    assert "abstract = {BACKGROUND: 100\\% of \\textbraceleft{}cells\\textbraceright{}" in entry
    assert "RESULTS: Unbalanced \\textbraceright{} and \\textbraceleft{} here." in entry
    assert "keywords = {Mesenchymal Stem Cells, Safety, MSC}," in entry


def test_abstract_and_keywords_only_when_asked() -> None:
    text, _ = _bib([hostile_records()[0]])
    assert "abstract" not in text and "keywords" not in text


def test_partial_author_list_ends_with_and_others() -> None:
    text, _ = _bib([article("90000009", "x", authors_complete=False)])
    assert "author = {Wang, Youwei and others}," in text
    parsed = parse_string(text, "bibtex")
    assert [str(p) for p in parsed.entries["wang2012x"].persons["author"]] == [
        "Wang, Youwei",
        "others",
    ]


def test_collective_name_is_one_braced_name() -> None:
    rec = article("90000006", "x", authors=[Author(collective="Stem Cells and Safety Group")])
    text, _ = _bib([rec])
    assert "author = {{Stem Cells and Safety Group}}," in text
    persons = parse_string(text, "bibtex").entries["stem2012x"].persons["author"]
    assert len(persons) == 1


def test_books_and_chapters() -> None:
    records = hostile_records()
    chapter, book = records[9], records[10]
    entries = _entries(_bib([chapter, book])[0])
    ch = entries["adam2020mesenchymal"]
    assert ch.startswith("incollection{")
    assert "booktitle = {Fictional {Reviews}{\\textregistered{}}}," in ch
    assert "publisher = {University of Fiction, Seattle}," in ch
    assert "editor = {Feldman, Jerry and Pagon, Roberta A.}," in ch
    bk = entries["committee2015cellular"]
    assert bk.startswith("book{")
    assert "title = {Cellular therapy standards}," in bk
    assert "publisher = {Fiction Press (US)}," in bk


def test_book_with_only_editors_is_a_book_by_its_editors() -> None:
    rec = Record(
        id="90000012",
        pmid="90000012",
        title="Edited volume",
        year=2001,
        book=Book("Edited volume", "Fiction Press", editors=[Author("Feldman", "Jerry")]),
    )
    entry = _bib([rec])[0]
    assert entry.startswith("@book{anon2001edited,")
    assert "editor = {Feldman, Jerry}," in entry


def test_incomplete_articles_become_misc_with_howpublished() -> None:
    nobody = article("90000007", "An article nobody signed", authors=[])
    text = _bib([nobody])[0]
    assert text.startswith("@misc{")
    assert "howpublished = {J Fict Stem Cell Res}," in text
    assert "key = {An article nobody signed}," in text


# -- escaping -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("raw", "tex"),
    [
        ("plain text", "plain text"),
        (
            "\\input{/etc/passwd}",
            "\\textbackslash{}input\\textbraceleft{}/etc/passwd\\textbraceright{}",
        ),
        ("50% & $3 #1 a_b", "50\\% \\& \\$3 \\#1 a\\_b"),
        ("~^", "\\textasciitilde{}\\textasciicircum{}"),
        ("p<0.05 >", "p\\textless{}0.05 \\textgreater{}"),
        ("Røsland Müller", 'R{\\o}sland M{\\"u}ller'),
        ("Siobhán", "Siobh{\\'a}n"),
        ("Ångström ß", '{\\AA}ngstr{\\"o}m {\\ss}'),
        ("a\x00b\x1bc\u202ed", "abcd"),
        ("  spaced\t\nout  ", "spaced out"),
        ("e\u0301", "{\\'e}"),
    ],
)
def test_tex_ascii(raw: str, tex: str) -> None:
    assert tex_ascii(raw) == tex


def test_tex_utf8_keeps_unicode_but_escapes_specials() -> None:
    assert (
        tex_utf8("Müller & Røsland {x}")
        == "Müller \\& Røsland \\textbraceleft{}x\\textbraceright{}"
    )


def test_plain_ascii_takes_the_fast_path() -> None:
    text = "Safety of mesenchymal stem cells for clinical application"
    assert tex_ascii(text) is text


@pytest.mark.parametrize(
    ("title", "out"),
    [
        ("Safety of mesenchymal stem cells", "Safety of mesenchymal stem cells"),
        ("MSCs in GvHD", "{MSCs} in {GvHD}"),
        ("Role of p53 in Parkinson disease", "Role of p53 in {Parkinson} disease"),
        ("Tumours (HLA-DR+) arise", "Tumours ({HLA-DR}+) arise"),
        # Title Case: capitals say nothing, only acronyms and gene names are kept.
        (
            "Safety of Mesenchymal Stem Cells for Clinical Application",
            "Safety of Mesenchymal Stem Cells for Clinical Application",
        ),
        (
            "Role of Cytochrome P450 in Human MSCs Today",
            "Role of Cytochrome {P450} in Human {MSCs} Today",
        ),
        ("Über \\Macro", "Über \\textbackslash{}{Macro}"),
    ],
)
def test_title_protection(title: str, out: str) -> None:
    assert protect_title(title, tex_utf8) == out


def test_protected_word_starting_with_an_accent_is_not_a_bibtex_special_character() -> None:
    # "{\"A}rzte" braced once would read as a special character whose case BibTeX may change.
    assert protect_title("Role of Ärzte", tex_ascii) == 'Role of {{\\"A}rzte}'
