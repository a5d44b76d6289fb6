"""The one export flow (issue 13) as its three callers use it, and where exports may write (14).

``mscterm export`` runs as a user runs it (offline, from the seed snapshot: the review 22685475
ships there); the TUI's ``export_marked`` and ``lookup --bibtex`` go through the same flow. Writes
onto a FIFO use one in a tmp dir (never /dev/*), read by a non-blocking reader with a deadline.
"""

from __future__ import annotations

import dataclasses
import errno
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from pybtex.database import parse_string

from mscterm.atomic import NotRegularFileError, write_atomic
from mscterm.cli import main
from mscterm.config import Settings
from mscterm.export import flow
from mscterm.export.options import ExportOptions
from mscterm.state import UserState
from tests.conftest import make_trial

REVIEW = "22685475"  # shipped in the seed snapshot: exports offline
BAD_KEY = "x{}\\input{/etc/passwd}"


def _run(tmp_path: Path, *args: str) -> int:
    return main(["export", "--offline", "--cache-dir", str(tmp_path / "cache"), *args])


def _state() -> UserState:
    return UserState(Path(os.environ["MSCTERM_STATE_DIR"]))


class FifoReader:
    """Reads a FIFO in a thread until its writer closes it (or a deadline passes)."""

    def __init__(self, path: Path, deadline: float = 20.0) -> None:
        self.data = b""
        self._fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)  # a reader exists: writers go on
        self._deadline = time.monotonic() + deadline
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()

    def _read(self) -> None:
        while time.monotonic() < self._deadline:
            try:
                chunk = os.read(self._fd, 65536)
            except BlockingIOError:
                chunk = None
            if chunk:
                self.data += chunk
            elif chunk == b"" and self.data:
                break  # the writer has closed it
            else:
                time.sleep(0.02)
        os.close(self._fd)

    def result(self) -> bytes:
        self._thread.join(timeout=30)
        return self.data


# -- where an export may write --------------------------------------------------------------------
def test_export_onto_a_fifo_writes_through_and_keeps_the_fifo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "refs.bib"
    os.mkfifo(fifo)
    reader = FifoReader(fifo)
    assert _run(tmp_path, REVIEW, "-o", str(fifo)) == 0
    text = reader.result().decode("utf-8")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    assert list(parse_string(text, "bibtex").entries) == ["wang2012safety"]
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".refs")] == []


def test_a_symlink_to_a_fifo_is_written_through_and_both_are_kept(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "refs.ris"
    link.symlink_to(fifo)
    reader = FifoReader(fifo)
    assert _run(tmp_path, REVIEW, "--format", "ris", "-o", str(link)) == 0
    assert reader.result().startswith(b"TY  - JOUR\r\n")
    assert link.is_symlink() and stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_a_symlink_to_a_regular_file_replaces_the_target_and_keeps_the_link(
    tmp_path: Path,
) -> None:
    real = tmp_path / "real.bib"
    real.write_text("old", encoding="utf-8")
    link = tmp_path / "refs.bib"
    link.symlink_to(real)
    assert _run(tmp_path, REVIEW, "-o", str(link)) == 0
    assert link.is_symlink() and "@article{wang2012safety," in real.read_text(encoding="utf-8")


def test_append_onto_a_fifo_and_export_onto_a_socket_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    assert _run(tmp_path, REVIEW, "--append", "-o", str(fifo)) == 2
    err = capsys.readouterr().err
    assert "--append needs a regular file" in err and len(err.strip().splitlines()) == 1
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    sock_path = tmp_path / "s"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
        assert _run(tmp_path, REVIEW, "-o", str(sock_path)) == 2
    assert "is a socket" in capsys.readouterr().err
    assert stat.S_ISSOCK(os.lstat(sock_path).st_mode)


def test_atomic_writes_never_replace_what_is_not_a_regular_file(tmp_path: Path) -> None:
    fifo = tmp_path / "state.json"
    os.mkfifo(fifo)
    with pytest.raises(NotRegularFileError, match="a FIFO"):
        write_atomic(fifo, "{}")
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)
    real = tmp_path / "real.json"
    link = tmp_path / "link.json"
    link.symlink_to(real)
    write_atomic(link, "{}")
    assert link.is_symlink() and real.read_text() == "{}"


# -- storage failures: exit 4, one line, nothing lost ---------------------------------------------
def test_disk_full_while_pinning_keys_is_exit_4(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def full(self: UserState, new: dict[str, str]) -> dict[str, str]:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(UserState, "pin_citekeys", full)
    out = tmp_path / "refs.bib"
    assert _run(tmp_path, REVIEW, "-o", str(out)) == 4
    err = capsys.readouterr().err
    assert "disk full" in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_disk_full_while_writing_the_export_is_exit_4_and_keeps_the_old_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from mscterm.export import writer

    out = tmp_path / "refs.bib"
    out.write_text("precious", encoding="utf-8")

    def full(path: object) -> object:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(writer, "atomic_open", full)
    assert _run(tmp_path, REVIEW, "-o", str(out)) == 4
    assert "disk full" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "precious"


# -- pinned keys from state.json ------------------------------------------------------------------
def test_a_bad_pinned_key_is_remade_and_replaced_in_state(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    state_dir = Path(os.environ["MSCTERM_STATE_DIR"])
    state_dir.mkdir(parents=True)
    (state_dir / "state.json").write_text(json.dumps({"citekeys": {REVIEW: BAD_KEY}}))
    assert _run(tmp_path, REVIEW) == 0
    out = capsys.readouterr().out
    assert "\\input" not in out and out.startswith("@article{wang2012safety,")
    assert _state().citekeys == {REVIEW: "wang2012safety"}
    # lookup --bibtex reads the same (now repaired) pin
    assert main(["lookup", "--offline", "--bibtex", REVIEW]) == 0
    assert capsys.readouterr().out.startswith("@article{wang2012safety,")


def test_lookup_bibtex_refuses_a_bad_pinned_key_too(capsys: pytest.CaptureFixture[str]) -> None:
    state_dir = Path(os.environ["MSCTERM_STATE_DIR"])
    state_dir.mkdir(parents=True)
    (state_dir / "state.json").write_text(json.dumps({"citekeys": {REVIEW: BAD_KEY}}))
    assert main(["lookup", "--offline", "--bibtex", REVIEW]) == 0
    out = capsys.readouterr().out
    assert "\\input" not in out and out.startswith("@article{wang2012safety,")


@pytest.mark.parametrize("command", ["export", "lookup"])
def test_state_of_the_wrong_shape_still_exports_with_a_warning(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    state_dir = Path(os.environ["MSCTERM_STATE_DIR"])
    state_dir.mkdir(parents=True)
    (state_dir / "state.json").write_text(json.dumps({"citekeys": 5}))
    if command == "export":
        assert _run(tmp_path, REVIEW) == 0
    else:
        assert main(["lookup", "--offline", "--bibtex", REVIEW]) == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("@article{wang2012safety,")
    assert "Traceback" not in captured.err and "'citekeys'" in captured.err
    assert _state().citekeys == {REVIEW: "wang2012safety"}


def test_unicode_flag_keeps_utf8_in_biblatex(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, REVIEW, "--format", "biblatex", "--unicode") == 0
    assert capsys.readouterr().out.startswith("@article{wang2012safety,")


# -- one flow for the CLI, lookup and the TUI -----------------------------------------------------
def test_journal_form_from_config_reaches_every_caller(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = Path(os.environ["MSCTERM_CONFIG"])
    config.parent.mkdir(parents=True)
    config.write_text('journal = "full"\n', encoding="utf-8")
    assert _run(tmp_path, REVIEW, "--format", "csl-json") == 0
    assert json.loads(capsys.readouterr().out)[0]["container-title"] == "Stem Cells International"
    assert main(["lookup", "--offline", "--bibtex", REVIEW]) == 0
    assert "journal = {Stem Cells International}," in capsys.readouterr().out
    config.write_text("", encoding="utf-8")
    assert _run(tmp_path, REVIEW) == 0
    assert "journal = {Stem Cells Int}," in capsys.readouterr().out


def test_the_tui_export_goes_through_the_flow(tmp_path: Path, offline_settings: Settings) -> None:
    from mscterm.library import Library
    from mscterm.tui.screens.export_dialog import ExportRequest
    from mscterm.tui.workers import export_marked

    settings = dataclasses.replace(offline_settings, journal="full")
    library = Library(settings)
    library.state.pin_citekeys({REVIEW: BAD_KEY})  # as if state.json had been tampered with
    out = tmp_path / "marked.ris"
    message = export_marked(library, [REVIEW, "90000001"], ExportRequest("ris", out, False))
    assert message == f"Wrote 1 reference to {out} (1 not in the cache were left out)"
    lines = out.read_bytes().decode("utf-8").split("\r\n")
    assert "ID  - wang2012safety" in lines
    assert "T2  - Stem Cells International" in lines and "J2  - Stem Cells Int" in lines


def test_flow_exports_trials_beside_records(tmp_path: Path, offline_settings: Settings) -> None:
    from mscterm.library import Library

    library = Library(offline_settings)
    out = tmp_path / "both.bib"
    job = flow.ExportJob(
        [REVIEW, "nct99000001", "NCT99000002"],
        output=out,
        trials=[make_trial(1)],
        options=ExportOptions(journal=offline_settings.journal),
    )
    outcome = flow.export_cached(library, job)
    assert outcome.written == {REVIEW: "wang2012safety", "NCT99000001": "NCT99000001"}
    assert outcome.missing == ["NCT99000002"]
    entries = parse_string(out.read_text(encoding="utf-8"), "bibtex").entries
    assert list(entries) == ["wang2012safety", "NCT99000001"]
    assert library.state.citekeys["NCT99000001"] == "NCT99000001"


def test_cli_names_trials_it_cannot_get_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(tmp_path, REVIEW, "NCT99000001", "-o", str(tmp_path / "x.bib")) == 1
    assert "not available: NCT99000001" in capsys.readouterr().err


def test_the_flow_imports_neither_the_store_nor_the_network() -> None:
    code = (
        "import sys, mscterm.export.flow, mscterm.commands.export;"
        "bad = [m for m in sys.modules if m.startswith(('mscterm.store', 'mscterm.ncbi',"
        " 'httpx', 'diskcache', 'sqlite3'))]; print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
