"""What the explorer does before its first frame: as little as it can (the first-frame budget).

The budget itself is measured in ``bench/bench_tui.py``; these tests hold the start-up to its
plan: the parts that act on keys, screening, the trial model, SQLite and hashing are loaded
after the first frame, the outline's landmark counts compile no topic rules, and the footer's
keys arrive right after the first frame without moving anything.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Footer

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.topics import load_topics, topicmap
from mscterm.tui.app import MscApp
from tests.test_tui_app import SIZE, screen_text, settle

DEFERRED = [
    "mscterm.model.trial",
    "mscterm.tui.screening.screener",
    "mscterm.tui.screens.actions",
    "mscterm.tui.screens.palette",
    "mscterm.tui.screens.tree_filter",
    "mscterm.tui.trials.text",
    "hashlib",
    "sqlite3",
    "httpx",
    "diskcache",
    "mscterm.net.errors",
]
"""Modules the first frame does without (each costs milliseconds of imports)."""

_PROBE = """
import json, sys
from mscterm.config import load_settings
from mscterm.library import Library
from mscterm.tui.app import MscApp
from mscterm.tui.screens.main import MainScreen

library = Library(load_settings(offline=True))
app = MscApp(library)
screen = MainScreen(library)
print(json.dumps(sorted(name for name in {wanted} if name in sys.modules)))
"""


def test_the_first_frame_imports_nothing_it_does_not_show(tmp_path: Path) -> None:
    """The app and its main screen, built as ``mscterm`` builds them, load none of DEFERRED."""
    home = tmp_path / "home"
    env = {
        "HOME": str(home),
        "MSCTERM_CACHE_DIR": str(tmp_path / "cache"),
        "MSCTERM_STATE_DIR": str(tmp_path / "state"),
        "MSCTERM_CONFIG": str(tmp_path / "config.toml"),
    }
    code = _PROBE.format(wanted=repr(DEFERRED))
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


def test_outline_landmark_counts_compile_no_topic_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """The first frame's outline counts each topic's landmarks without any rule index."""
    outline = load_topics(landmark_records={})

    def refuse(*_: object) -> None:
        raise AssertionError("a topic's rules were compiled for the outline")

    monkeypatch.setattr(topicmap, "_index_for", refuse)
    counts = {t.id: len(outline.landmark_ids(t.id)) for t in outline.walk()}
    assert counts and all(n >= 0 for n in counts.values())
    assert sum(counts[root.id] for root in outline.roots) > 0


async def test_the_footers_keys_come_right_after_the_first_frame(offline_settings: Settings):
    """The bar that holds the footer's place is gone and the keys are on the last line."""
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query("#footer-bar")
        assert len(app.screen.query(Footer)) == 1
        last = screen_text(app).rstrip("\n").split("\n")[-1]
        assert "Help" in last and "Quit" in last


def test_mscterm_alone_is_mscterm_tui_with_every_setting_at_its_default() -> None:
    """``mscterm`` skips building the whole grammar, and means exactly ``mscterm tui``."""
    from mscterm.cli import parse_command_line

    alone = vars(parse_command_line([]))
    assert alone == vars(parse_command_line(["tui"]))
    assert alone["command"] == "tui"
    assert vars(parse_command_line(["tui", "--offline"]))["offline"] is True


async def test_collections_are_back_on_once_the_first_frame_is_drawn(offline_settings: Settings):
    """``mscterm`` starts with the cyclic collector off (mscterm.cli); the explorer turns it
    back on after its first frame, so a long session never runs without it."""
    gc.disable()
    try:
        app = MscApp(Library(offline_settings))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            assert gc.isenabled()
    finally:
        gc.enable()


def test_a_command_runs_with_the_collector_on_and_leaves_it_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Commands other than the explorer collect as usual once imported; ``main`` returns with
    the collector on whatever happened (here: bad input, exit 2)."""
    from mscterm import cli
    from mscterm.commands import topics

    seen: list[bool] = []
    real = topics.run

    def spy(*args: object) -> int:
        seen.append(gc.isenabled())
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(topics, "run", spy)
    monkeypatch.setenv("MSCTERM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MSCTERM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MSCTERM_CONFIG", str(tmp_path / "config.toml"))
    assert cli.main(["--offline", "topics"]) == 0
    assert seen == [True]
    with pytest.raises(SystemExit) as bad:
        cli.main(["lookup"])
    assert bad.value.code == 2
    assert gc.isenabled()
    capsys.readouterr()


async def test_tab_keeps_the_footers_keys_when_they_stay_the_same(offline_settings: Settings):
    """A focus change that leaves the shown keys as they were does not rebuild the footer (it
    made ``tab`` the slowest key); a screen with other keys still gets its own."""
    from textual.widgets._footer import FooterKey

    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        before = list(app.screen.query(FooterKey))
        assert before
        await pilot.press("tab")
        await settle(pilot)
        assert app.focused is not None and app.focused.id == "pane"
        assert list(app.screen.query(FooterKey)) == before
        await pilot.press("tab")
        await settle(pilot)
        assert list(app.screen.query(FooterKey)) == before
        last = screen_text(app).rstrip("\n").split("\n")[-1]
        assert "Help" in last and "Quit" in last
