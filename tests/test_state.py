"""User state (issue 14): concurrent writers lose nothing; damaged parts are set aside, not fatal.

The concurrency tests run two real Python processes on one state directory at the same time,
as a TUI marking records and a CLI export pinning citation keys would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mscterm.state import StateError, UserState

REPO = Path(__file__).resolve().parents[1]
RUBIO = "15833829"  # a real landmark of the shipped seed snapshot


def _corrupt_copies(state_dir: Path) -> list[Path]:
    return sorted(state_dir.glob("state.corrupt-*.json"))


# -- two processes at once ------------------------------------------------------------------------
_MARKER = """
import sys
from pathlib import Path
from mscterm.state import UserState
state_dir, n = Path(sys.argv[1]), int(sys.argv[2])
Path(sys.argv[3]).touch()
while not Path(sys.argv[4]).exists():
    pass
for i in range(n):
    state = UserState(state_dir)
    state.set_marks([*state.marks, str(90000001 + i)])
"""

_PINNER = """
import sys
from pathlib import Path
from mscterm.state import UserState
state_dir, n = Path(sys.argv[1]), int(sys.argv[2])
Path(sys.argv[3]).touch()
while not Path(sys.argv[4]).exists():
    pass
for i in range(n):
    UserState(state_dir).pin_citekeys({str(91000001 + i): f"Testperson2010key{i}"})
"""


def _run_together(tmp_path: Path, scripts: list[str], n: int) -> None:
    """Start every script, let them all begin at the same moment, wait for them."""
    go = tmp_path / "go"
    procs = []
    for k, script in enumerate(scripts):
        ready = tmp_path / f"ready{k}"
        procs.append(
            subprocess.Popen(
                [
                    sys.executable,
                    "-c",
                    textwrap.dedent(script),
                    str(tmp_path / "state"),
                    str(n),
                    str(ready),
                    str(go),
                ],
                cwd=REPO,
                stderr=subprocess.PIPE,
                text=True,
            )
        )
    for k in range(len(scripts)):
        while not (tmp_path / f"ready{k}").exists():
            assert all(p.poll() is None for p in procs), "a writer died before starting"
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err


def test_marks_and_pins_written_at_once_by_two_processes_all_survive(tmp_path: Path) -> None:
    n = 300
    _run_together(tmp_path, [_MARKER, _PINNER], n)
    state = UserState(tmp_path / "state")
    assert state.marks == [str(90000001 + i) for i in range(n)]
    assert state.citekeys == {str(91000001 + i): f"Testperson2010key{i}" for i in range(n)}
    assert not _corrupt_copies(tmp_path / "state")


def test_two_processes_pinning_keys_at_once_lose_none(tmp_path: Path) -> None:
    other = _PINNER.replace("91000001", "92000001").replace("key{i}", "other{i}")
    _run_together(tmp_path, [_PINNER, other], 200)
    pinned = UserState(tmp_path / "state").citekeys
    assert len(pinned) == 400


def test_a_key_pinned_by_another_process_wins(tmp_path: Path) -> None:
    first, second = UserState(tmp_path), UserState(tmp_path)
    first.pin_citekeys({"90000001": "Testperson2010a"})
    merged = second.pin_citekeys({"90000001": "Testperson2010b", "90000002": "Testperson2011"})
    assert merged["90000001"] == "Testperson2010a"
    assert UserState(tmp_path).citekeys == {
        "90000001": "Testperson2010a",
        "90000002": "Testperson2011",
    }


# -- damaged state.json ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("content", "kept"),
    [
        ('{"marks": 5, "citekeys": {"90000001": "Testperson2010"}}', {"citekeys"}),
        ('{"citekeys": [], "marks": ["90000001"]}', {"marks"}),
        ('{"marks": ["90000001", 7, null]}', {"marks"}),
        ('{"visits": {"serum": 20240101}, "theme": 3, "cursor": {"a": 1}}', {"visits"}),
        ("[1, 2, 3]", set()),
        ('"marks"', set()),
        ("{not json", set()),
        (b"\xff\xfe\x00garbage", set()),
    ],
)
def test_a_damaged_part_is_set_aside_with_the_whole_file_kept(
    tmp_path: Path, content: str | bytes, kept: set[str]
) -> None:
    path = tmp_path / "state.json"
    raw = content if isinstance(content, bytes) else content.encode()
    path.write_bytes(raw)
    state = UserState(tmp_path)
    assert len(state.warnings) == 1 and "state.corrupt-" in state.warnings[0]
    copies = _corrupt_copies(tmp_path)
    assert len(copies) == 1 and copies[0].read_bytes() == raw  # never silently overwritten
    repaired = json.loads(path.read_text())
    assert set(repaired) == kept
    # Every accessor works on what is left.
    assert isinstance(state.marks, list) and isinstance(state.citekeys, dict)
    state.set_marks(["90000003"])
    state.pin_citekeys({"90000004": "Testperson2014"})
    assert UserState(tmp_path).warnings == []  # repaired once, not on every run


def test_only_the_bad_entries_of_a_part_are_dropped(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text(
        json.dumps({"marks": ["90000001", 5], "citekeys": {"90000001": "Good2010", "90000002": 3}})
    )
    state = UserState(tmp_path)
    assert state.marks == ["90000001"]
    assert state.citekeys == {"90000001": "Good2010"}


def test_a_pinned_key_that_could_run_latex_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "state.json").write_text(
        json.dumps({"citekeys": {RUBIO: "x{}\\input{/etc/passwd}", "90000001": "Fine2010"}})
    )
    state = UserState(tmp_path)
    assert state.citekeys == {"90000001": "Fine2010"}
    assert "citation keys" in state.warnings[0]


def test_an_invalid_proposed_key_is_not_pinned(tmp_path: Path) -> None:
    state = UserState(tmp_path)
    keys = state.pin_citekeys({"90000001": "bad key{}", "90000002": "Good2011"})
    assert keys["90000001"] == "bad key{}"  # used for this export as proposed...
    assert UserState(tmp_path).citekeys == {"90000002": "Good2011"}  # ...but never stored


def test_state_that_cannot_be_read_raises_state_error(tmp_path: Path) -> None:
    (tmp_path / "state.json").mkdir()
    with pytest.raises(StateError) as caught:
        UserState(tmp_path)
    assert caught.value.exit_code == 2 and "state.json" in str(caught.value)


def test_state_that_cannot_be_saved_says_so_with_exit_code_4(tmp_path: Path) -> None:
    state = UserState(tmp_path / "state")
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.json.lock").mkdir()  # the lock cannot be taken
    with pytest.raises(StateError) as caught:
        state.set_marks(["90000001"])
    assert caught.value.exit_code == 4


# -- the commands that read state ---------------------------------------------------------------
def _cli(tmp_path: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        MSCTERM_STATE_DIR=str(tmp_path / "state"),
        MSCTERM_CACHE_DIR=str(tmp_path / "cache"),
        MSCTERM_OFFLINE="1",
    )
    return subprocess.run(
        [sys.executable, "-m", "mscterm", *argv],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )


@pytest.mark.parametrize("state", ['{"marks": 5}', '{"citekeys": []}', "[]", '{"citekeys": 1}'])
@pytest.mark.parametrize(
    "argv",
    [
        ["lookup", RUBIO, "--bibtex"],
        ["export", RUBIO, "-o", "-"],
        ["export", "--marked", "-o", "-"],
    ],
)
def test_export_and_lookup_survive_state_of_the_wrong_shape(
    tmp_path: Path, state: str, argv: list[str]
) -> None:
    (tmp_path / "state").mkdir()
    (tmp_path / "state" / "state.json").write_text(state)
    done = _cli(tmp_path, *argv)
    assert "Traceback" not in done.stderr
    warnings = [line for line in done.stderr.splitlines() if "warning:" in line]
    assert len(warnings) == 1 and "state.corrupt-" in warnings[0]
    if "--marked" in argv:
        assert done.returncode == 1  # no marks left: says so, one line
    else:
        assert done.returncode == 0 and "@article{" in done.stdout
    assert _corrupt_copies(tmp_path / "state")


def test_the_tui_exits_2_when_its_state_cannot_be_read(tmp_path: Path) -> None:
    (tmp_path / "state" / "state.json").mkdir(parents=True)
    done = _cli(tmp_path)  # the TUI; a real process, so a TUI that starts anyway times out
    assert done.returncode == 2
    err = done.stderr.strip().splitlines()
    assert len(err) == 1 and "state.json" in err[0] and "Traceback" not in done.stderr


async def test_the_tui_starts_on_state_of_the_wrong_shape(offline_settings) -> None:
    from mscterm.library import Library
    from mscterm.tui.app import MscApp

    offline_settings.state_dir.mkdir(parents=True)
    (offline_settings.state_dir / "state.json").write_text(
        '{"marks": 5, "expanded": 3, "cursor": [1], "theme": 7}'
    )
    library = Library(offline_settings)
    app = MscApp(library)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "space")
        await pilot.pause()
    assert library.state.warnings and "state.corrupt-" in library.state.warnings[0]
    assert _corrupt_copies(offline_settings.state_dir)
