"""Exports checked by software nobody here wrote: pdflatex + biber, bibtex, pandoc, rispy.

Each test skips with a reason when its tool is missing (``.ci/run`` installs them). The inputs
are every efetch sample in ``../shared/ncbi/samples`` and fictional records (Greek letters,
symbols, hostile text) and trials. Documents are compiled with ``-no-shell-escape``.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from mscterm.export import Annotation, ExportOptions, Item, render
from mscterm.export.citekeys import assign_keys
from mscterm.export.latex import PDFLATEX_UTF8, SYMBOLS
from mscterm.model import AbstractSection, Author, MeshHeading
from tests.conftest import make_record, make_trial
from tests.test_export_records import assert_clean_blg, hostile_records, run_bibtex, sample_records

GREEK_TITLE = "TGF-β and ε-sarcoglycan: ⍺-SMA ≥ 5 µm, Ca²⁺ ± 2 °C, CO₂ ≈ 5 %, Δψ ≤ 0.5 ‰"
GREEK_ABSTRACT = (
    "αβγδεζηθικλμνξοπρςστυφχψω ΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩ × ÷ · → ← ↑ ↓ ∞ ∼ ′ ″ − ½ ® ™ §"
)
T1_ONLY = re.compile("[ĄąĘęĮįŲųŊŋĐđÐðÞþ]")  # letters that only T1 fonts have


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        pytest.skip(f"{name} is not installed (.ci/run installs it)")
    return path


def _greek_records() -> list[Item]:
    return [
        make_record(
            1,
            title=GREEK_TITLE,
            abstract=[AbstractSection("RESULTS", GREEK_ABSTRACT)],
            authors=[Author("Świątek", "Łukasz", "Ł"), Author("Müller", "JH", "JH")],
            mesh=[MeshHeading("Cell Transformation, Neoplastic"), MeshHeading("Humans")],
        ),
        make_record(2, title="Role of 5α-reductase and β₂-microglobulin in MSCs", language="eng"),
        make_trial(3, results=True, title="A trial of ⍺-MSC ≥ 10⁶ cells/kg"),
    ]


def _export(items: list[Item], fmt: str, **options: object) -> tuple[str, dict[str, str]]:
    keys = assign_keys(items, {})
    opts = ExportOptions(include_abstract=True, **options)  # type: ignore[arg-type]
    return render(items, fmt, keys, opts), keys


def _latex(work: Path, engine: str = "pdflatex") -> str:
    proc = subprocess.run(
        [engine, "-no-shell-escape", "-interaction=nonstopmode", "-halt-on-error", "doc"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    log = (work / "doc.log").read_text(encoding="utf-8", errors="replace")
    errors = [line for line in log.splitlines() if line.startswith("!")]
    assert proc.returncode == 0 and not errors, "\n".join(errors) or proc.stdout[-3000:]
    return log


def compile_biblatex(tmp_path: Path, bib: str, *, fontenc: str | None = "T1") -> str:
    """pdflatex, biber, pdflatex on ``bib`` (style=numeric); returns the .bbl text."""
    _tool("pdflatex")
    _tool("biber")
    found = subprocess.run(["kpsewhich", "biblatex.sty"], capture_output=True, text=True)
    if not found.stdout.strip():
        pytest.skip("biblatex.sty is not installed (Debian: texlive-bibtex-extra)")
    work = tmp_path / f"biblatex-{fontenc}"
    work.mkdir()
    (work / "refs.bib").write_text(bib, encoding="utf-8")
    (work / "doc.tex").write_text(
        "\\documentclass{article}\n"
        + (f"\\usepackage[{fontenc}]{{fontenc}}\n" if fontenc else "")
        + "\\usepackage[style=numeric]{biblatex}\n\\addbibresource{refs.bib}\n"
        "\\begin{document}\n\\nocite{*}\n\\printbibliography\n\\end{document}\n",
        encoding="utf-8",
    )
    _latex(work)
    proc = subprocess.run(["biber", "doc"], cwd=work, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "ERROR" not in proc.stdout, proc.stdout
    log = _latex(work)
    assert "not set up for use with LaTeX" not in log
    assert "runsystem" not in log
    return (work / "doc.bbl").read_text(encoding="utf-8")


# -- pdflatex + biber -----------------------------------------------------------------------------
@pytest.mark.parametrize("fontenc", ["T1", None])
def test_biblatex_of_every_sample_compiles_with_pdflatex_and_biber(
    tmp_path: Path, fontenc: str | None
) -> None:
    records = sample_records()
    text, keys = _export(list(records), "biblatex")
    bbl = compile_biblatex(tmp_path, text, fontenc=fontenc)
    for key in keys.values():
        assert f"\\entry{{{key}}}" in bbl


def test_biblatex_with_greek_symbols_trials_and_hostile_text_compiles(tmp_path: Path) -> None:
    hostile = [r for r in hostile_records() if not re.search("[\u4e00-\u9fff王伟]", str(r))]
    items = [*_greek_records(), *hostile]
    notes = {"90000001": Annotation("Note with β & 50% {x}", ("to check", "a, b"))}
    text, keys = _export(items, "biblatex", annotations=notes)
    bbl = compile_biblatex(tmp_path, text)
    assert "\\ensuremath{\\beta}" in bbl and "\\ensuremath{\\alpha}" in bbl
    assert "β" not in bbl and "⍺" not in bbl
    assert "Świątek" in bbl  # letters stay UTF-8
    assert "\\verb NCT99000003" in bbl  # the trial's eprint
    keyw = re.search(r"\\keyw\{(.*)\}", bbl.split("\\entry{" + keys["90000001"])[1])
    assert keyw is not None
    words = _top_level_split(keyw.group(1))
    assert len(words) == 4, words  # two MeSH headings (one with a comma), two tags (one too)
    assert any("Cell Transformation" in w and "Neoplastic" in w for w in words)
    assert any("a" in w and "b" in w for w in words)


def _top_level_split(text: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, c in enumerate(text):
        depth += c == "{"
        depth -= c == "}"
        if c == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return out


def test_greek_and_symbols_compile_with_the_default_font_encoding_too(tmp_path: Path) -> None:
    items = [r for r in _greek_records() if not T1_ONLY.search(str(r))]
    items.append(
        make_record(5, title=GREEK_TITLE, abstract=[AbstractSection(None, GREEK_ABSTRACT)])
    )
    text, _ = _export(items, "biblatex")
    compile_biblatex(tmp_path, text, fontenc=None)


def test_every_kept_letter_and_every_symbol_form_typesets(tmp_path: Path) -> None:
    """The tables of mscterm.export.latex, checked character by character by pdflatex (T1)."""
    _tool("pdflatex")
    work = tmp_path / "chars"
    work.mkdir()
    lines = [f"{c}\\par" for c in sorted(PDFLATEX_UTF8)]
    lines += [f"{{{form}}}\\par" for form in SYMBOLS.values()]
    (work / "doc.tex").write_text(
        "\\documentclass{article}\n\\usepackage[T1]{fontenc}\n\\begin{document}\n"
        + "\n".join(lines)
        + "\n\\end{document}\n",
        encoding="utf-8",
    )
    log = _latex(work)
    assert "Missing character" not in log


# -- bibtex ---------------------------------------------------------------------------------------
def test_bibtex_with_greek_and_trials_is_clean_and_compiles(tmp_path: Path) -> None:
    items = _greek_records()
    text, keys = _export(items, "bibtex")
    blg, bbl = run_bibtex(tmp_path, text)
    assert_clean_blg(blg)
    assert all(f"\\bibitem{{{k}}}" in bbl for k in keys.values())
    assert not re.search("[^\x00-\x7f]", text.replace("Świątek", "").replace("Łukasz", ""))
    work = tmp_path / "bibtex"
    (work / "doc.tex").write_text(
        "\\documentclass{article}\\usepackage[T1]{fontenc}\n\\begin{document}\\nocite{*}"
        "\\bibliographystyle{plain}\\bibliography{refs}\\end{document}\n",
        encoding="utf-8",
    )
    _tool("pdflatex")
    assert "not set up for use with LaTeX" not in _latex(work)


# -- pandoc --citeproc ----------------------------------------------------------------------------
def _pandoc(tmp_path: Path, items: list[Item]) -> dict[str, str]:
    """Each item's rendered entry (pandoc's default Chicago author-date), keyed by its key."""
    pandoc = _tool("pandoc")
    text, keys = _export(items, "csl-json")
    (tmp_path / "refs.json").write_text(text, encoding="utf-8")
    (tmp_path / "doc.md").write_text('---\nnocite: "@*"\n---\n', encoding="utf-8")
    proc = subprocess.run(
        [pandoc, "doc.md", "--citeproc", "--bibliography", "refs.json", "-t", "html"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0 and "WARNING" not in proc.stderr, proc.stderr
    entries = re.findall(r'<div id="ref-([^"]+)"[^>]*>\s*(.*?)</div>', proc.stdout, re.S)
    rendered = {key: re.sub(r"\s+", " ", re.sub("<[^>]+>", "", body)) for key, body in entries}
    assert set(rendered) == set(keys.values())
    return {rid: rendered[key] for rid, key in keys.items()}


def test_pandoc_title_cases_english_and_not_other_languages(tmp_path: Path) -> None:
    english = make_record(1, title="Safety of mesenchymal stromal cells in fictional settings.")
    german = make_record(
        2, title="Sicherheit von mesenchymalen Stromazellen.", language="ger", languages=["ger"]
    )
    out = _pandoc(tmp_path, [english, german])
    assert "Safety of Mesenchymal Stromal Cells in Fictional Settings" in out["90000001"]
    assert "Sicherheit von mesenchymalen Stromazellen" in out["90000002"]


def test_pandoc_renders_every_sample_and_a_trial(tmp_path: Path) -> None:
    records: list[Item] = list(sample_records())
    trial = make_trial(1, results=True)
    out = _pandoc(tmp_path, [*records, trial])
    assert "clinicaltrials.gov/study/NCT99000001" in out["NCT99000001"]
    assert "Fictional Sponsor" in out["NCT99000001"]
    for record in records:
        assert str(record.year or "n.d.") in out[record.id]


# -- RIS through rispy (and Zotero's rules) -------------------------------------------------------
def _zotero_creator(value: str) -> tuple[str, str]:
    """How Zotero's RIS import splits an AU value: last name up to the first comma."""
    last = re.split(r"\s*,\s*", value)[0]
    first = re.sub(r"^\s*,\s*", "", value[len(last) :])
    return last, first


def test_rispy_reads_every_reference(tmp_path: Path) -> None:
    rispy = pytest.importorskip("rispy", reason="rispy is in the dev group")
    group = "Fictional Academies of Sciences, Engineering, and Medicine"
    items: list[Item] = [
        *sample_records(),
        *hostile_records(),
        make_record(1, authors=[Author(collective=group)], pmcid="PMC90000001"),
        make_trial(2, sponsor="Fictional Institute, Inc."),
    ]
    text, keys = _export(items, "ris", journal="full")
    entries = rispy.loads(text)
    assert [e["id"] for e in entries] == [keys[i.id] for i in items]
    by_id = {e["id"]: e for e in entries}
    record = by_id[keys["90000001"]]
    assert record["type_of_reference"] == "JOUR"
    assert record["secondary_title"] == "Journal of Fictional Results"
    assert record["alternate_title1"] == "J Fict Res"
    assert record["custom2"] == "PMC90000001"
    last, first = _zotero_creator(record["authors"][0])
    assert first == "" and last.replace("\u201a", ",") == group  # one institutional name
    trial = by_id["NCT99000002"]
    assert trial["type_of_reference"] == "DATA"
    assert trial["accession_number"] == "NCT99000002"
    assert _zotero_creator(trial["authors"][0])[1] == ""
    for entry in entries:
        for author in entry.get("authors", []):
            last, first = _zotero_creator(author)
            assert last, author
    assert json.dumps(entries)  # plain data, nothing odd left over
