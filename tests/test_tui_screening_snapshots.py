"""Snapshots of screening (issue 16) at 80×24 and 120×40: the screening view, the PRISMA 2020
diagram, and the main screen with decisions in the rows and the pane's decision strip.

Deterministic: offline, decisions made through the service before the app starts, with the
clock of the decisions fixed (the strip shows when a decision was made). Regenerate with
``uv run pytest tests/test_tui_screening_snapshots.py --snapshot-update`` and look at the SVGs.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.tui.app import MscApp
from tests.test_tui_app import RUBIO, TOPIC, settle

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]
FIXED_TIME = "2026-01-31T14:05:09.123Z"


@pytest.fixture
def screened(offline_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Library:
    """A library whose reviewer screened four of the topic's landmarks (one only tagged)."""
    monkeypatch.setattr("mscterm.screening.service.now_utc", lambda: FIXED_TIME)
    library = Library(offline_settings)
    landmarks = library.topics.landmark_ids(TOPIC)
    screening = library.screening
    screening.decide([landmarks[0]], "include", note="Transformed population after passage 8.")
    screening.decide([RUBIO], "exclude", reason="cross-contamination", tags=["contamination"])
    screening.decide([landmarks[3]], "maybe")
    screening.annotate(landmarks[4], tags=["karyotype"])
    return library


async def _open_topic(pilot: Pilot) -> None:
    await settle(pilot)
    await pilot.press("j", "enter")
    await settle(pilot)


@pytest.mark.parametrize("size", SIZES)
def test_screening_view(snap_compare, screened: Library, size: tuple[int, int]):
    """``V`` on a topic: progress, filters, rows with their decisions, the first unscreened read."""

    async def run_before(pilot: Pilot) -> None:
        await _open_topic(pilot)
        await pilot.press("V")
        await settle(pilot)

    assert snap_compare(MscApp(screened), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_prisma_diagram(snap_compare, screened: Library, size: tuple[int, int]):
    """``P`` on a topic: the PRISMA 2020 boxes with the exclusion reason and the counts."""

    async def run_before(pilot: Pilot) -> None:
        await _open_topic(pilot)
        await pilot.press("P")
        await settle(pilot)

    assert snap_compare(MscApp(screened), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_decision_strip(snap_compare, screened: Library, size: tuple[int, int]):
    """The tree's decision slots and, on the excluded retracted landmark, the pane's strip."""

    async def run_before(pilot: Pilot) -> None:
        await _open_topic(pilot)
        await pilot.press("j", "j")
        await settle(pilot)

    assert snap_compare(MscApp(screened), terminal_size=size, run_before=run_before)
