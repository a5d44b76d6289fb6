"""The screening views by keys (issue 16): V the screening view, K conflicts, P PRISMA, C criteria;
highlighted terms in the pane; the help.

A second reviewer's decisions are made through the screening service, as ``mscterm screen
--reviewer bob`` would make them; the first reviewer's by keys or the service.
"""

from __future__ import annotations

import dataclasses
from collections import Counter

from rich.style import Style

from mscterm.config import Highlight, Settings
from mscterm.library import Library
from mscterm.screening import PrismaCounts
from mscterm.tui.app import MscApp
from mscterm.tui.screening.conflicts import ConflictsScreen
from mscterm.tui.screening.editors import CriteriaScreen
from mscterm.tui.screening.prisma_boxes import diagram
from mscterm.tui.screening.prisma_view import PrismaScreen
from mscterm.tui.screening.view import ScreeningView
from mscterm.tui.screens.main import MainScreen
from tests.test_tui_app import RUBIO, SIZE, TOPIC, goto_key, main_screen, screen_text, settle
from tests.test_tui_screening import decision, open_topic, status_text


def text_of(widget) -> str:
    return str(widget.render())


# -- V: the screening view -------------------------------------------------------------------------
async def test_screening_view_shows_progress_filters_and_decides_by_keys(
    offline_settings: Settings,
):
    library = Library(offline_settings)
    landmarks = library.topics.landmark_ids(TOPIC)
    library.screening.decide([landmarks[0]], "include")
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_topic(pilot)
        await pilot.press("V")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, ScreeningView)
        total = len(view.hits.ids())
        assert total >= len(landmarks)  # the topic's landmarks and its sub-topics'
        progress = view.query_one("#screening-progress")
        assert text_of(progress).startswith(f"1 of {total} screened")
        assert view.hits.highlighted_id() == landmarks[1]  # starts at the first unscreened
        assert "Spontaneous human adult stem cell" in screen_text(app)  # read below the list
        await pilot.press("x", "3")  # the reason picker over the view; the third reason
        await settle(pilot)
        assert decision(app, landmarks[1]).reason == offline_settings.exclusion_reasons[2]
        assert text_of(progress).startswith(f"2 of {total} screened")
        assert view.hits.highlighted_id() == landmarks[2]  # moved on
        assert "EXCLUDED" not in screen_text(app)  # the record read now is undecided
        await pilot.press("d")  # decision filter: unscreened only
        await settle(pilot)
        assert len(view.hits.ids()) == total - 2
        assert landmarks[0] not in view.hits.ids()
        await pilot.press("d")  # include only
        await settle(pilot)
        assert view.hits.ids() == [landmarks[0]]
        await pilot.press("d", "d", "d", "R")  # exclude, maybe, all again; then one reason
        await settle(pilot)
        await pilot.press("down", "enter")  # the one reason used
        await settle(pilot)
        assert view.hits.ids() == [landmarks[1]]
        assert "reason: " + offline_settings.exclusion_reasons[2] in text_of(progress)
        await pilot.press("enter")  # opens the record in the main screen
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert main_screen(app).explorer.record == landmarks[1]


async def test_screening_view_filters_by_tag(offline_settings: Settings):
    library = Library(offline_settings)
    landmarks = library.topics.landmark_ids(TOPIC)
    library.screening.annotate(landmarks[3], tags=["karyotype"])
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await open_topic(pilot)
        await pilot.press("V")
        await settle(pilot)
        view = app.screen
        await pilot.press("T")
        await settle(pilot)
        await pilot.press("down", "enter")
        await settle(pilot)
        assert isinstance(view, ScreeningView)
        assert view.hits.ids() == [landmarks[3]]


# -- K: conflicts ----------------------------------------------------------------------------------
async def test_conflicts_side_by_side_and_the_resolution_stored_under_consensus(
    offline_settings: Settings,
):
    library = Library(offline_settings)
    landmarks = library.topics.landmark_ids(TOPIC)
    screening = library.screening
    screening.decide([RUBIO], "exclude", reason="cross-contamination")
    screening.decide([RUBIO], "maybe", reviewer="bob")
    screening.decide([landmarks[0]], "include")
    screening.decide([landmarks[0]], "exclude", reason="wrong outcome", reviewer="bob")
    screening.decide([landmarks[2]], "include", reviewer="bob")  # only bob: no conflict
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, ConflictsScreen)
        assert [c.rid for c in view.conflicts] == [RUBIO, landmarks[0]]
        table = view.table
        assert [str(label.plain) for label in (c.label for c in table.columns.values())] == [
            "Record",
            "default",
            "bob",
            "consensus",
        ]
        rubio_row = [cell.plain for cell in table.get_row(RUBIO)]
        assert rubio_row[1] == "− exclude: cross-contamination"
        assert rubio_row[2] == "? maybe"
        assert rubio_row[3] == "–"
        assert "2 records · 0 resolved" in text_of(view.query_one("#conflicts-title"))
        await pilot.press("i")  # the consensus on the first row: include
        await settle(pilot)
        assert decision(app, RUBIO, "consensus").decision == "include"
        assert decision(app, RUBIO).decision == "exclude"  # the reviewers' own stay
        assert [cell.plain for cell in table.get_row(RUBIO)][3] == "+ include"
        assert "1 resolved" in text_of(view.query_one("#conflicts-title"))
        await pilot.press("j", "x", "1")  # second row: exclude, for the reason bob gave
        await settle(pilot)
        resolved = decision(app, landmarks[0], "consensus")
        assert (resolved.decision, resolved.reason) == ("exclude", "wrong outcome")
        prisma = app.library.screening.prisma(topic=TOPIC, reviewer="consensus")
        assert prisma.records_screened == 2 and prisma.records_excluded == 1


async def test_conflicts_without_a_second_reviewer_say_how_to_get_one(
    offline_settings: Settings,
):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert "--reviewer NAME" in status_text(app)


async def test_conflicts_ask_which_reviewer_when_there_are_several(offline_settings: Settings):
    library = Library(offline_settings)
    screening = library.screening
    screening.decide([RUBIO], "include")
    screening.decide([RUBIO], "maybe", reviewer="bob")
    screening.decide([RUBIO], "include", reviewer="carol")
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("K")
        await settle(pilot)
        assert "Conflicts with which reviewer?" in screen_text(app)
        await pilot.press("down", "enter")  # carol: she agrees, no conflict
        await settle(pilot)
        view = app.screen
        assert isinstance(view, ConflictsScreen)
        assert (view.second, view.conflicts) == ("carol", [])
        assert "decided every record they both screened alike" in screen_text(app)


# -- P: the PRISMA 2020 diagram --------------------------------------------------------------------
async def test_prisma_boxes_show_the_counts_of_decisions_made_by_keys(
    offline_settings: Settings,
):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        landmarks = await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{landmarks[0]}")
        await pilot.press("i")  # include; on to Rubio
        await settle(pilot)
        await pilot.press("x", *"cross-contamination", "enter")
        await settle(pilot)
        await pilot.press("m")
        await settle(pilot)
        await pilot.press("P")
        await settle(pilot)
        view = app.screen
        assert isinstance(view, PrismaScreen)
        counts = view.counts
        assert (counts.records_screened, counts.records_excluded, counts.included) == (3, 1, 1)
        drawn = text_of(view.query_one("#prisma-diagram"))
        for line in (
            "│ Records screened: 3",
            "│ Records excluded: 1",
            "cross-contamination: 1",
            "Reports sought for retrieval: 2",
            "│ Studies included in review: 1",
        ):
            assert line in drawn, line
        assert "───▶" in drawn  # the side boxes beside their boxes at 80 columns
        assert drawn.index("Identification") < drawn.index("Screening") < drawn.index("Included")
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)


def test_prisma_diagram_goes_to_one_column_when_narrow():
    counts = PrismaCounts(
        topic=None,
        reviewer="default",
        database_results=1234,
        records_screened=5,
        records_excluded=2,
        included=3,
        reasons=Counter({"wrong population": 2}),
    )
    narrow = diagram(counts, 40).plain
    wide = diagram(counts, 110).plain
    assert "───▶" not in narrow and "└─▶" in narrow
    assert max(len(line) for line in narrow.splitlines()) <= 40
    assert "Databases (PubMed): 1,234" in wide and "wrong population: 2" in wide
    assert max(len(line) for line in wide.splitlines()) <= 110


# -- C and the highlighted terms -------------------------------------------------------------------
async def test_criteria_one_key_away_and_terms_highlighted_in_the_theme_colours(
    offline_settings: Settings,
):
    settings = dataclasses.replace(
        offline_settings,
        criteria="Include: adult human MSC products.\nExclude: animal-only studies.",
        highlight=Highlight(include=("TRANSFORMATION",), exclude=("[bold]adult",)),
    )
    app = MscApp(Library(settings))
    async with app.run_test(size=SIZE) as pilot:
        await open_topic(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        pane = main_screen(app).pane
        body = pane.query_one("#pane-body").content
        include = pane.get_component_rich_style("reference-pane--include-term", partial=True)
        marked = {body.plain[s.start : s.end] for s in body.spans if s.style == include}
        # Any case ("transformation." in the title, "Cell Transformation" in MeSH), drawn with
        # the record's own letters.
        assert {"transformation", "Transformation"} <= marked
        assert {m.casefold() for m in marked} == {"transformation"}
        assert include.bgcolor is not None  # a theme colour
        assert "[bold]adult" not in body.plain  # a term is matched, never parsed as markup
        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, CriteriaScreen)
        shown = screen_text(app)
        assert "Exclude: animal-only studies." in shown
        assert "inclusion terms: TRANSFORMATION" in shown


def test_highlighting_matches_any_case_and_ignores_empty_terms():
    from rich.text import Text

    from mscterm.tui.screening.panel import highlight_terms

    body = Text("Tumour formation after MSC infusion; tumours in mice.")
    yes, no = Style(bgcolor="green"), Style(bgcolor="red")
    assert highlight_terms(body, ["", "  "], [], yes, no) == 0
    assert body.spans == []
    assert highlight_terms(body, ["tumour"], ["MICE"], yes, no) == 3
    assert [body.plain[s.start : s.end] for s in body.spans] == ["Tumour", "tumour", "mice"]


# -- help and footer ------------------------------------------------------------------------------
def test_help_lists_the_screening_keys(offline_settings: Settings):
    from mscterm.tui.screens.help import help_text

    text = help_text(Library(offline_settings).query_help()).plain
    for key in ("i", "x", "m", "n", "t", "] [", "V", "C", "P", "K"):
        assert f"\n  {key} " in text, key
    assert "next unscreened record" in text
    assert "+ − ?" in text  # the legend


async def test_footer_stays_short(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "Include" not in footer and "PRISMA" not in footer
