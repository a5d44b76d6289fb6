"""Screening in the explorer by keys (issue 16): decide, exclude with a reason, note, tag, move on.

A real Library on a tmp cache, offline; keys pressed as a person would; what is checked is the
screen (rows, the pane's decision strip, the status line, the dialogs) and what the screening
service then holds (``library.screening``: the files ``mscterm screening`` reads).
"""

from __future__ import annotations

from textual.widgets import Input, Static

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.tui.app import MscApp
from mscterm.tui.screening.editors import Confirm, NoteEditor
from mscterm.tui.screening.pickers import ReasonPicker, TagPicker
from mscterm.tui.screens.main import MainScreen
from mscterm.tui.screens.search import SearchScreen
from tests.conftest import make_record
from tests.test_tui_app import RUBIO, SIZE, TOPIC, drawn, goto_key, main_screen, settle, tree_of


def status_text(app: MscApp) -> str:
    return str(main_screen(app).query_one("#status").render())


def strip_text(app: MscApp) -> str:
    """The pane's decision strip as drawn ("" while hidden)."""
    strip = main_screen(app).pane.query_one("#pane-decision")
    return "" if strip.has_class("hidden") else str(strip.render())


def row_of(app: MscApp, rid: str, parent: str = f"t:{TOPIC}") -> str:
    tree = tree_of(app)
    return drawn(tree, tree.node_by_key(f"{parent}/{rid}"))


async def open_topic(pilot) -> list[str]:
    await pilot.press("j", "enter")
    await settle(pilot)
    return pilot.app.library.topics.landmark_ids(TOPIC)


def decision(app: MscApp, rid: str, reviewer: str | None = None):
    return app.library.screening.decision_for(rid, reviewer=reviewer)


# -- i, m and the same key again -------------------------------------------------------------------
async def test_include_shows_in_the_row_and_the_pane_moves_on_and_again_clears(
    offline_settings: Settings,
):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        landmarks = await open_topic(pilot)
        first, second = landmarks[0], landmarks[1]
        await goto_key(pilot, f"t:{TOPIC}/{first}")
        assert strip_text(app) == ""  # nothing decided: no strip
        await pilot.press("i")
        await settle(pilot)
        assert decision(app, first).decision == "include"
        assert row_of(app, first).startswith("+ ★")
        tree = tree_of(app)
        assert tree.cursor_node.data.rid == second  # on to the next unscreened record
        assert main_screen(app).explorer.record == second  # and the pane shows it
        assert status_text(app).startswith(f"Included PMID {first}")
        assert "1 of" in status_text(app)
        await pilot.press("k")
        await settle(pilot)
        strip = strip_text(app)
        assert strip.startswith("+ INCLUDED · default · ") and "UTC" in strip
        await pilot.press("i")  # the same decision again clears it (and stays)
        await settle(pilot)
        assert decision(app, first) is None
        assert row_of(app, first).startswith("★")
        assert tree.cursor_node.data.rid == first
        assert strip_text(app) == ""
        assert "Cleared" in status_text(app)


async def test_maybe_on_a_hit_marks_its_row_and_moves_to_the_next_hit(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"transformation", "enter")
        await settle(pilot)
        search = app.screen
        assert isinstance(search, SearchScreen)
        hits = search.hits
        first, second = hits.ids()[0], hits.ids()[1]
        await pilot.press("m")
        await settle(pilot)
        assert decision(app, first).decision == "maybe"
        assert "? " in hits.label(next(r for r in hits.records if r.id == first)).plain[:6]
        assert hits.highlighted_id() == second
        said = str(search.query_one("#search-status").render())
        assert said.startswith("Maybe ")
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_a_record_found_by_go_to_and_one_in_the_marked_view_are_screened_too(
    offline_settings: Settings,
):
    library = Library(offline_settings)
    library.store.put([make_record(3), make_record(4)])
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id("90000003")  # ctrl+p → go to
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert decision(app, "90000003").decision == "include"
        assert row_of(app, "90000003", parent="found").startswith("+ ")
        main_screen(app).navigator.goto_id("90000004")
        await settle(pilot)
        await pilot.press("space", "M")  # marked, then the Marked view
        await settle(pilot)
        await pilot.press("m")  # on the highlighted marked record
        await settle(pilot)
        assert decision(app, "90000004").decision == "maybe"
        said = str(app.screen.query_one("#marked-status").render())
        assert said.startswith("Maybe PMID 90000004")


# -- x: the reason picker --------------------------------------------------------------------------
async def test_exclude_refuses_an_empty_reason_and_keeps_a_typed_one(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await pilot.press("x")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ReasonPicker)
        await pilot.press("c", "backspace", "enter")  # typing moves to the line; empty: refused
        await settle(pilot)
        assert app.screen is picker
        assert "reason is needed" in str(picker.query_one("#reason-status").render())
        assert decision(app, RUBIO) is None
        await pilot.press(*"cross-contamination", "enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        found = decision(app, RUBIO)
        assert (found.decision, found.reason) == ("exclude", "cross-contamination")
        assert row_of(app, RUBIO).startswith("⚠ − ★ Rubio")  # safety first, then the decision
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        assert strip_text(app).startswith("− EXCLUDED: cross-contamination · default")
        await pilot.press("x")  # x again clears the exclusion (no picker)
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert decision(app, RUBIO) is None
        assert row_of(app, RUBIO).startswith("⚠ ★ Rubio")


async def test_exclude_by_digit_offers_configured_and_used_reasons(offline_settings: Settings):
    library = Library(offline_settings)
    library.screening.decide([RUBIO], "exclude", reason="cross-contamination")
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        landmarks = await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{landmarks[0]}")
        await pilot.press("x")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, ReasonPicker)
        offered = [str(o.prompt) for o in picker.options._options]
        configured = list(offline_settings.exclusion_reasons)
        assert [o[2:] for o in offered] == [*configured, "cross-contamination"]
        await pilot.press("2")
        await settle(pilot)
        assert decision(app, landmarks[0]).reason == configured[1]
        assert landmarks[1] == RUBIO  # screened already: stepped over
        assert tree_of(app).cursor_node.data.rid == landmarks[2]
        await pilot.press("x", "escape")  # cancelled: nothing written, said so
        await settle(pilot)
        assert decision(app, landmarks[2]) is None
        assert "not excluded" in status_text(app)


# -- n: the note editor ----------------------------------------------------------------------------
async def test_note_is_multi_line_saved_with_ctrl_s_and_kept_by_a_single_escape(
    offline_settings: Settings,
):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor)
        await pilot.press(*"line one", "enter", *"line two", "ctrl+s")
        await settle(pilot)
        found = decision(app, RUBIO)
        assert found.note == "line one\nline two" and found.decision is None
        assert "Note: line one" in strip_text(app) and "line two" in strip_text(app)
        assert row_of(app, RUBIO).startswith("⚠ ★")  # a note does not screen the record
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*" more", "escape")  # changed: one escape only warns
        await settle(pilot)
        assert isinstance(app.screen, NoteEditor)
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert decision(app, RUBIO).note == "line one\nline two"


# -- t: tags with completion -----------------------------------------------------------------------
async def test_tags_complete_from_those_in_use_and_are_added_and_removed(
    offline_settings: Settings,
):
    library = Library(offline_settings)
    landmarks = library.topics.landmark_ids(TOPIC)
    library.screening.annotate(landmarks[0], tags=["contamination", "cell lines"])
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await pilot.press("t")
        await settle(pilot)
        picker = app.screen
        assert isinstance(picker, TagPicker)
        await pilot.press(*"cont")
        await settle(pilot)
        assert picker.query_one("#tag-input", Input)._suggestion == "contamination"
        await pilot.press("right", "enter")  # the completion accepted, then added
        await settle(pilot)
        assert picker.tags == ["contamination"]
        await pilot.press("enter")  # an empty line saves
        await settle(pilot)
        assert decision(app, RUBIO).tags == ("contamination",)
        assert "Tags: contamination" in strip_text(app)
        await pilot.press("t")
        await settle(pilot)
        await pilot.press("down", "enter", "ctrl+s")  # the list's first tag: on, so off
        await settle(pilot)
        assert decision(app, RUBIO) is None  # nothing left on it


# -- ] and [ ---------------------------------------------------------------------------------------
async def test_brackets_step_over_screened_records_in_the_topic(offline_settings: Settings):
    library = Library(offline_settings)
    landmarks = library.topics.landmark_ids(TOPIC)
    library.screening.decide(landmarks[1:3], "include")
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{landmarks[0]}")
        tree = tree_of(app)
        await pilot.press("right_square_bracket")
        await settle(pilot)
        assert tree.cursor_node.data.rid == landmarks[3]
        assert main_screen(app).explorer.record == landmarks[3]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert tree.cursor_node.data.rid == landmarks[0]
        await pilot.press("left_square_bracket")
        await settle(pilot)
        assert tree.cursor_node.data.rid == landmarks[0]
        assert "No unscreened record before this one" in status_text(app)


async def test_staying_on_the_record_after_a_decision_is_a_saved_choice(
    offline_settings: Settings,
):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        landmarks = await open_topic(pilot)
        main_screen(app).screener.main_key("toggle_advance")
        await goto_key(pilot, f"t:{TOPIC}/{landmarks[0]}")
        await pilot.press("i")
        await settle(pilot)
        assert tree_of(app).cursor_node.data.rid == landmarks[0]
        assert app.library.state.get("screening_advance") is False


# -- duplicates ------------------------------------------------------------------------------------
TWIN_TITLE = "Karyotype of fictional stromal cells after forty passages in culture"


async def test_a_decision_is_offered_for_the_same_work_under_another_id(
    offline_settings: Settings,
):
    library = Library(offline_settings)
    library.store.put(
        [make_record(1, title=TWIN_TITLE, year=2011), make_record(2, title=TWIN_TITLE, year=2011)]
    )
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"forty passages", "enter")
        await settle(pilot)
        hits = app.screen.hits  # type: ignore[attr-defined]
        assert sorted(hits.ids()) == ["90000001", "90000002"]
        first, other = hits.ids()
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        await pilot.press("y")
        await settle(pilot)
        assert decision(app, first).decision == "include"
        assert decision(app, other).decision == "include"
        said = str(app.screen.query_one("#search-status").render())
        assert "and 1 duplicate" in said
        # The cursor had moved on to the twin; decided too, it stays (nothing unscreened after).
        assert hits.highlighted_id() == other
        await pilot.press("x", "1")  # exclude the twin now, and decline for the first
        await settle(pilot)
        assert isinstance(app.screen, Confirm)
        assert "Exclude it too?" in str(app.screen.query_one(Static).render())
        await pilot.press("n")
        await settle(pilot)
        assert decision(app, other).decision == "exclude"
        assert decision(app, first).decision == "include"


# -- failures --------------------------------------------------------------------------------------
async def test_a_decision_that_cannot_be_saved_is_one_status_line(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        landmarks = await open_topic(pilot)
        (offline_settings.state_dir / "screening").write_text("not a folder")  # writes fail
        await goto_key(pilot, f"t:{TOPIC}/{landmarks[0]}")
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        said = status_text(app)
        assert said.startswith("Not saved:") and "state folder" in said
        assert "\n" not in said
        assert row_of(app, landmarks[0]).startswith("★")  # nothing shown that was not saved
        assert tree_of(app).cursor_node.data.rid == landmarks[0]


async def test_damaged_decisions_are_said_once(offline_settings: Settings):
    folder = offline_settings.state_dir / "screening"
    folder.mkdir(parents=True)
    (folder / "default.json").write_text(
        '{"format": 1, "reviewer": "default", "decisions": {"15833829": {"decision": "nope"}}}'
    )
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        told = [n.message for n in app._notifications if "damaged" in n.message]
        assert len(told) == 1  # at start, before any decision
        landmarks = await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{landmarks[0]}")
        await pilot.press("i")
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        told = [n.message for n in app._notifications if "damaged" in n.message]
        assert len(told) == 1
