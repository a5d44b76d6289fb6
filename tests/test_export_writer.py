"""Writing exports: atomic replacement, and --append that never touches the user's entries."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from pybtex.database import parse_string

from mscterm.export import writer
from mscterm.export.citekeys import assign_keys
from mscterm.export.writer import ExportWriteError, append_bibtex, write_output
from tests.test_export_records import article, assert_clean_blg, hostile_records, run_bibtex

USER_BIB = """% My manuscript's references -- hand edited, do not reorder!
@String{nejm = "New England Journal of Medicine"}

@Article{ wang2012safety ,
   Author  = "Wang, Y. and Han, Z.",
   Title   = "{S}afety of {MSCs}",
   Journal = nejm,
   Year    = 2012,
   PMID    = {90000001},
}

@misc{mine,   title={Something of mine}, doi = {https://doi.org/10.5555/FICT.90000002}}
@comment{ keep me }
"""


def test_write_output_replaces_atomically_and_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    write_output("new text é", target)
    assert target.read_text(encoding="utf-8") == "new text é"
    assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]


def test_interrupted_write_leaves_the_old_file_and_no_temp(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("precious", encoding="utf-8")

    def ctrl_c(src: str, dst: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(writer.os, "replace", ctrl_c)
    with pytest.raises(KeyboardInterrupt):
        write_output("half" * 1000, target)
    assert target.read_text(encoding="utf-8") == "precious"
    assert [p.name for p in tmp_path.iterdir()] == ["refs.bib"]


def test_write_through_a_symlink_updates_the_real_file(tmp_path: Path) -> None:
    real = tmp_path / "real.bib"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "link.bib"
    link.symlink_to(real)
    write_output("new", link)
    assert link.is_symlink() and real.read_text(encoding="utf-8") == "new"


@pytest.mark.parametrize("where", ["missing/refs.bib", "."])
def test_unwritable_targets_give_one_clear_error(tmp_path: Path, where: str) -> None:
    with pytest.raises(ExportWriteError, match="cannot write to"):
        write_output("x", tmp_path / where)


@pytest.mark.skipif(os.geteuid() == 0, reason="root can write anywhere")
def test_read_only_folder(tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(ExportWriteError, match="not writable"):
            write_output("x", folder / "refs.bib")
    finally:
        folder.chmod(0o755)


def test_append_skips_duplicates_by_pmid_and_doi_and_keeps_user_bytes(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_bytes(USER_BIB.encode("utf-8"))
    records = [
        article("90000001", "Safety of MSCs"),  # same PMID as the user's entry
        article("90000002", "Other"),  # same DOI (different case, as a URL) as "mine"
        article("90000003", "Safety of stem cells"),  # new, but its key is the user's
        article("90000004", "Brand new", authors=[]),
    ]
    keys = assign_keys(records, {})
    assert keys["90000003"] == "wang2012safetya"
    keys["90000003"] = "wang2012safety"  # as if pinned long ago, clashing with the user's key
    result = append_bibtex(target, records, keys)
    assert result.skipped == ["90000001", "90000002"]
    assert result.added == {"90000003": "wang2012safetya", "90000004": "anon2012brand"}
    data = target.read_bytes()
    assert data.startswith(USER_BIB.encode("utf-8"))
    parsed = parse_string(data.decode("utf-8"), "bibtex")
    assert list(parsed.entries) == ["wang2012safety", "mine", "wang2012safetya", "anon2012brand"]
    assert parsed.entries["wang2012safety"].fields["Title"] == "{S}afety of {MSCs}"
    # A second append of the same records adds nothing and leaves the file byte-identical.
    again = append_bibtex(target, records, keys)
    assert again.added == {} and len(again.skipped) == 4
    assert target.read_bytes() == data


def test_append_to_missing_file_creates_it_and_result_compiles(tmp_path: Path) -> None:
    target = tmp_path / "new.bib"
    records = hostile_records()
    result = append_bibtex(target, records, assign_keys(records, {}))
    assert len(result.added) == len(records)
    blg, _ = run_bibtex(tmp_path, target.read_text(encoding="utf-8"))
    assert_clean_blg(blg)


def test_append_refuses_a_file_that_is_not_bibtex(tmp_path: Path) -> None:
    target = tmp_path / "refs.bib"
    target.write_text("@article{broken, title = {unclosed\n", encoding="utf-8")
    before = target.read_bytes()
    with pytest.raises(ExportWriteError, match="cannot read"):
        append_bibtex(target, [article("90000001", "x")], {"90000001": "k"})
    assert target.read_bytes() == before
