"""``mscterm cache stats|verify|clear|export|import`` as a user runs it: output and exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mscterm.library.facade as library_mod
from mscterm.cli import main
from mscterm.model import Record
from mscterm.state import UserState
from mscterm.store import RecordStore
from tests.conftest import make_record

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An isolated cache dir; the shipped seed replaced by a small fictional one."""
    for name in ("MSCTERM_CACHE_DIR", "MSCTERM_STATE_DIR", "MSCTERM_OFFLINE", "NCBI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MSCTERM_CONFIG", str(tmp_path / "no-config.toml"))
    seed = write_seed(tmp_path / "seed.jsonl", [doi_seed("10.5555/cli-seed")])
    monkeypatch.setattr(library_mod, "seed_records_path", lambda: seed)
    return tmp_path / "cache"


def write_seed(path: Path, records: list[Record]) -> Path:
    """A seed snapshot (or an import file): one Record JSON per line."""
    lines = "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records)
    path.write_text(lines, encoding="utf-8")
    return path


def doi_seed(doi: str) -> Record:
    """A citation-level seed record without a PMID (stored under doi:…)."""
    return make_record(
        1, id="doi:" + doi.lower(), pmid=None, doi=doi, source="seed", authors_complete=False
    )


def run_cli(cache: Path, *args: str) -> int:
    return main(["cache", *args, "--cache-dir", str(cache)])


def fill(cache: Path, *numbers: int) -> None:
    with RecordStore(cache) as s:
        s.put([make_record(n) for n in numbers])


class FakeTty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_stats_reports_counts(env: Path, capsys) -> None:
    fill(env, 1, 2, 3)
    assert run_cli(env, "stats") == 0
    out = capsys.readouterr().out
    assert "records:         3 fetched from PubMed, 0 citation-level" in out
    assert "seed snapshot:   1 shipped records" in out
    assert str(env / "records") in out
    assert "size on disk:" in out


def test_stats_on_an_empty_cache(env: Path, capsys) -> None:
    assert run_cli(env, "stats") == 0
    out = capsys.readouterr().out
    assert "0 fetched from PubMed" in out
    assert "oldest never" in out


def test_verify_healthy_and_repaired(env: Path, capsys) -> None:
    fill(env, 1, 2)
    assert run_cli(env, "verify") == 0
    assert "cache healthy: 2 records" in capsys.readouterr().out
    (env / "index.sqlite3").unlink()
    for suffix in ("-wal", "-shm"):
        Path(f"{env / 'index.sqlite3'}{suffix}").unlink(missing_ok=True)
    assert run_cli(env, "verify") == 0
    out = capsys.readouterr().out
    assert "fixed: the search index lacked 2 cached record(s); it was rebuilt" in out
    assert "cache repaired: 2 records" in out


def test_verify_exits_1_when_a_problem_remains(
    env: Path, tmp_path: Path, capsys, monkeypatch
) -> None:
    bad_seed = tmp_path / "bad-seed.jsonl"
    bad_seed.write_text("not json\n", encoding="utf-8")
    monkeypatch.setattr(library_mod, "seed_records_path", lambda: bad_seed)
    assert run_cli(env, "verify") == 1
    out = capsys.readouterr().out
    assert "problem: the seed snapshot" in out and "line 1" in out
    assert "1 problem(s) remain" in out


def test_clear_without_terminal_needs_yes(env: Path, capsys, monkeypatch) -> None:
    fill(env, 1, 2)
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert run_cli(env, "clear") == 2
    assert "add --yes" in capsys.readouterr().err
    with RecordStore(env) as s:
        assert len(s) == 2


def test_clear_asks_on_a_terminal(env: Path, capsys, monkeypatch) -> None:
    fill(env, 1, 2, 3)
    monkeypatch.setattr(sys, "stdin", FakeTty("n\n"))
    assert run_cli(env, "clear") == 1
    err = capsys.readouterr().err
    assert "Clear 3 cached records? [y/N]" in err
    assert "nothing was cleared" in err
    with RecordStore(env) as s:
        assert len(s) == 3
    monkeypatch.setattr(sys, "stdin", FakeTty("y\n"))
    assert run_cli(env, "clear") == 0
    with RecordStore(env) as s:
        assert len(s) == 0


def test_clear_yes_keeps_marks_and_citekeys(env: Path, capsys) -> None:
    fill(env, 1)
    from mscterm.config import load_settings

    state_dir = load_settings(cache_dir=env).state_dir  # the user state dir, not the cache's
    UserState(state_dir).set_marks(["90000001"])
    UserState(state_dir).pin_citekeys({"90000001": "Testperson2011"})
    assert run_cli(env, "clear", "--yes") == 0
    out = capsys.readouterr().out
    assert "cleared 1 cached records" in out and str(state_dir) in out
    assert UserState(state_dir).marks == ["90000001"]
    assert UserState(state_dir).citekeys == {"90000001": "Testperson2011"}


def test_export_to_file_and_stdout(env: Path, tmp_path: Path, capsys) -> None:
    fill(env, 2, 1)
    target = tmp_path / "out.jsonl"
    assert run_cli(env, "export", str(target)) == 0
    assert "exported 2 records" in capsys.readouterr().err
    ids = [json.loads(line)["id"] for line in target.read_text(encoding="utf-8").splitlines()]
    assert ids == ["90000001", "90000002"]
    assert run_cli(env, "export", "-") == 0
    out = capsys.readouterr().out
    assert [json.loads(line)["id"] for line in out.splitlines()] == ids


def test_export_to_a_missing_folder_is_one_line_exit_2(env: Path, tmp_path: Path, capsys) -> None:
    fill(env, 1)
    assert run_cli(env, "export", str(tmp_path / "nope" / "out.jsonl")) == 2
    err = capsys.readouterr().err
    assert err.startswith("mscterm: cannot write") and err.count("\n") == 1
    assert run_cli(env, "export", str(tmp_path)) == 2
    assert "it is a folder" in capsys.readouterr().err


def test_import_file_and_stdin(env: Path, tmp_path: Path, capsys, monkeypatch) -> None:
    snap = write_seed(tmp_path / "in.jsonl", [make_record(5), make_record(6)])
    assert run_cli(env, "import", str(snap)) == 0
    assert "2 added, 0 updated, 0 unchanged" in capsys.readouterr().out
    data = json.dumps(make_record(7).to_json()) + "\n"
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data.encode())))
    assert run_cli(env, "import", "-") == 0
    assert "imported stdin: 1 added" in capsys.readouterr().out
    with RecordStore(env) as s:
        assert sorted(s.ids()) == ["90000005", "90000006", "90000007"]
    assert not list(env.glob(".import.*")), "the stdin spool file is removed"


def test_import_errors_are_one_line_exit_2(env: Path, tmp_path: Path, capsys) -> None:
    assert run_cli(env, "import", str(tmp_path / "absent.jsonl")) == 2
    err = capsys.readouterr().err
    assert err.startswith("mscterm: cannot read") and err.count("\n") == 1
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(make_record(8).to_json()) + "\n[1, 2]\n", encoding="utf-8")
    assert run_cli(env, "import", str(bad)) == 2
    err = capsys.readouterr().err
    assert "line 2: not a JSON object (nothing was imported)" in err
    assert "Traceback" not in err
    with RecordStore(env) as s:
        assert len(s) == 0


def test_cache_stats_in_a_real_process(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    fill(cache, 1, 2)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSCTERM_", "NCBI_"))}
    env["MSCTERM_CONFIG"] = str(tmp_path / "no-config.toml")
    proc = subprocess.run(
        [sys.executable, "-m", "mscterm", "cache", "stats", "--cache-dir", str(cache)],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "2 fetched from PubMed" in proc.stdout
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize("command", [["stats"], ["verify"], ["clear", "--yes"], ["export", "-"]])
def test_an_unusable_cache_is_one_line_and_exit_2(env: Path, capsys, command: list[str]) -> None:
    env.mkdir()
    (env / "records").write_text("a file where the records folder belongs")
    assert run_cli(env, *command) == 2  # issue 14: a path that cannot hold a cache is bad input
    err = capsys.readouterr().err
    assert err.startswith("mscterm: ") and err.count("\n") == 1
    assert "not a folder" in err and "Traceback" not in err
