"""Snapshot tests: what a person sees at 80×24 and 120×40 (SVGs in tests/__snapshots__/).

Deterministic by construction: offline (or the stand-in server with fixed fictional data), no
clock on screen, no tmp paths shown, and every worker finished before the picture is taken.
Regenerate with ``uv run pytest tests/test_tui_snapshots.py --snapshot-update`` and look at the
SVGs before committing them.
"""

from __future__ import annotations

import pytest
from textual.pilot import Pilot

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.tui.app import MscApp
from tests.eutils_server import EUtilsServer, Fault
from tests.test_tui_app import TOPIC, fast_library, preresolve, settle, topic_query

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.mark.parametrize("size", SIZES)
def test_main_screen(snap_compare, offline_settings: Settings, size: tuple[int, int]):
    """The first frame offline: the review highlighted, its seed record in the pane."""
    app = MscApp(Library(offline_settings))
    assert snap_compare(app, terminal_size=size, run_before=settle)


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, offline_settings: Settings, size: tuple[int, int]):
    """``?``: every key and the local search syntax."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)

    app = MscApp(Library(offline_settings))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_topic_overview(snap_compare, offline_settings: Settings, size: tuple[int, int]):
    """A topic highlighted: description, query, counts, evidence mix, retracted, sparkline."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "enter")
        await settle(pilot)

    app = MscApp(Library(offline_settings))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_error_state(
    snap_compare,
    settings: Settings,
    eutils_server: EUtilsServer,
    size: tuple[int, int],
):
    """PubMed answers 500 to everything: notification, status line, landmarks still shown."""
    library = fast_library(settings)
    preresolve(library, TOPIC)
    eutils_server.set_search(topic_query(library, TOPIC), ["90000001"], count=1)

    async def run_before(pilot: Pilot) -> None:
        await pilot.press("j")
        await settle(pilot)  # the overview's counts arrive before the failures start
        eutils_server.inject(Fault("500", times=100))
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("j", "j")
        await settle(pilot)

    app = MscApp(library)
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_marked_and_filtered(snap_compare, offline_settings: Settings, size: tuple[int, int]):
    """Marks (●), a retracted landmark's badge and banner, and the tree filtered by ``f``."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("f", *"transform", "enter")
        await settle(pilot)
        await pilot.press("j", "j", "space")
        await settle(pilot)

    app = MscApp(Library(offline_settings))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_hit_list_with_marks(snap_compare, offline_settings: Settings, size: tuple[int, int]):
    """``/`` hits in DESIGN.md's row layout: a marked hit, the retracted one's ⚠, N shown."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("slash", *"transformation", "enter")
        await settle(pilot)
        await pilot.press("space", "j", "j", "space")
        await settle(pilot)

    app = MscApp(Library(offline_settings))
    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_marked_view(snap_compare, offline_settings: Settings, size: tuple[int, int]):
    """``M``: the marked records (a topic's landmarks marked with ``A``), one unmarked."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press("j", "A")
        await settle(pilot)
        await pilot.press("M")
        await settle(pilot)
        await pilot.press("j", "space")
        await settle(pilot)

    app = MscApp(Library(offline_settings))
    assert snap_compare(app, terminal_size=size, run_before=run_before)
