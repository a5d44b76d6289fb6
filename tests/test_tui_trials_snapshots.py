"""Snapshots of registered trials at 80×24 and 120×40 (SVGs in tests/__snapshots__/).

Deterministic as the others: the cache is warmed from the ClinicalTrials.gov stand-in first (the
recorded NCT00791778, the fictional trials of a topic), then the app runs offline on it, so no
network timing, clock or tmp path reaches the screen. The fictional trials all completed before
2019, so their "!" badges and the publication gap no longer change with the date.
Regenerate with ``uv run pytest tests/test_tui_trials_snapshots.py --snapshot-update`` and look
at the SVGs before committing them.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from textual.pilot import Pilot

from mscterm.config import Settings
from mscterm.tui.app import MscApp
from tests.ctgov_server import CTGovServer
from tests.test_tui_app import goto_key, main_screen, screen_text, settle
from tests.test_tui_trials import ALL_TEN, SORAFENIB, trials_library

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def warm(settings: Settings, ctgov: CTGovServer, tmp_path: Path) -> None:
    """Fetch the recorded trial and the topic's list into the cache, as a session online
    would (``mscterm fetch --topic … --trials`` does the same)."""

    async def fetch() -> None:
        library = trials_library(settings, ctgov, tmp_path)
        try:
            await library.trials([SORAFENIB])
            await library.topic_trials(ALL_TEN)
        finally:
            await library.aclose()

    asyncio.run(fetch())


@pytest.mark.parametrize("size", SIZES)
def test_trial_pane(
    snap_compare,
    settings: Settings,
    ctgov_server: CTGovServer,
    ctgov_samples_dir: Path,
    tmp_path: Path,
    size: tuple[int, int],
):
    """The recorded NCT00791778 under "Found": its facts, then its adverse events per arm (the
    pane scrolled to them at 80×24)."""
    warm(settings, ctgov_server, tmp_path)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        main_screen(pilot.app).navigator.goto_id(SORAFENIB)  # type: ignore[arg-type]
        await settle(pilot)
        await pilot.press("tab")
        for _ in range(30):
            if "25/123 (20.3%)" in screen_text(pilot.app):  # type: ignore[arg-type]
                break
            await pilot.press("j")
            await pilot.pause()
        await settle(pilot)

    app = MscApp(trials_library(settings, None, tmp_path, offline=True))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_topic_with_registered_trials(
    snap_compare,
    settings: Settings,
    ctgov_server: CTGovServer,
    ctgov_samples_dir: Path,
    tmp_path: Path,
    size: tuple[int, int],
):
    """A topic opened with its "Registered trials" list: status · phase · badge · title rows,
    the list's explanation and legend in the pane."""
    warm(settings, ctgov_server, tmp_path)

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await goto_key(pilot, f"t:{ALL_TEN}")
        await pilot.press("enter")
        await settle(pilot)
        key = f"t:{ALL_TEN}/trials"
        await goto_key(pilot, key)
        await pilot.press("enter")
        await settle(pilot)
        tree = main_screen(pilot.app).topic_tree  # type: ignore[arg-type]
        tree.scroll_to(y=tree.node_by_key(key).line, animate=False)  # the list's rows in view
        await settle(pilot)

    app = MscApp(trials_library(settings, None, tmp_path, offline=True))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
