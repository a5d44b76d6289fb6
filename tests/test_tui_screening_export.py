"""The explorer's export (``e``) carries the reviewer's notes and tags, as ``mscterm export`` does
(issue 16: BibTeX ``annote``/``keywords``, RIS ``N1``/``KW``)."""

from __future__ import annotations

from pathlib import Path

from mscterm.config import Settings
from mscterm.library import Library
from tests.conftest import make_record


def test_tui_export_carries_notes_and_tags(offline_settings: Settings, tmp_path: Path):
    from mscterm.tui.screens.export_dialog import ExportRequest
    from mscterm.tui.workers import export_marked

    library = Library(offline_settings)
    library.store.put([make_record(5)])
    library.screening.decide(["90000005"], "include", note="dose-dependent", tags=["karyotype"])
    out = tmp_path / "marked.bib"
    export_marked(library, ["90000005"], ExportRequest("bibtex", out, False))
    written = out.read_text(encoding="utf-8")
    assert "dose-dependent" in written
    assert "karyotype" in written
    ris = tmp_path / "marked.ris"
    export_marked(library, ["90000005"], ExportRequest("ris", ris, False))
    lines = ris.read_text(encoding="utf-8").splitlines()
    assert "KW  - karyotype" in lines and "N1  - dose-dependent" in lines
