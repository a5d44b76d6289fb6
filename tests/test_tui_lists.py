"""Finding and keeping: sorting and filtering any list, the Marked view, copying BibTeX.

The rules (:mod:`mscterm.listing`) are tested directly; the keys (``S``, ``F``, ``M``, ``y``,
``g``/``G``) through Pilot on a real Library offline or against the E-utilities stand-in.
"""

from __future__ import annotations

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.listing import (
    CONCERN,
    RETRACTED,
    arrange,
    describe,
    evidence_class,
    keeps,
    next_sort,
    notices,
    resolution_text,
    safety,
    sort_records,
)
from mscterm.model import Author
from mscterm.tui.app import MscApp
from mscterm.tui.screens.main import MainScreen
from mscterm.tui.screens.marked import MarkedScreen
from tests.conftest import make_record
from tests.eutils_server import EUtilsServer
from tests.test_tui_app import (
    RUBIO,
    SIZE,
    TOPIC,
    main_screen,
    preresolve,
    screen_text,
    settle,
    topic_query,
    tree_of,
)


# -- the rules -----------------------------------------------------------------------------------
def test_sorts_are_stable_and_put_undated_records_last():
    a = make_record(1, year=2015, month=3, authors=[Author(family="Zed")], title="Beta")
    b = make_record(2, year=2020, authors=[Author(family="Abel")], title="alpha")
    c = make_record(3, year=None, title="Gamma")
    assert [r.id for r in sort_records([a, b, c], "newest")] == [b.id, a.id, c.id]
    assert [r.id for r in sort_records([a, b, c], "oldest")] == [a.id, b.id, c.id]
    assert [r.id for r in sort_records([a, b, c], "first author")][:2] == [b.id, c.id]
    assert [r.id for r in sort_records([a, b, c], "title")] == [b.id, a.id, c.id]
    assert next_sort("as listed") == "newest" and next_sort("title") == "as listed"


def test_filters_by_type_and_by_safety_and_count_shown_of_total():
    rct = make_record(1, publication_types=["Randomized Controlled Trial", "Review"])
    retracted = make_record(2, retracted=True, publication_types=["Retracted Publication"])
    concern = make_record(3, comments=[{"type": "ExpressionOfConcernIn", "pmid": "90000075"}])
    plain = make_record(4)
    by_id = {r.id: r for r in (rct, retracted, concern, plain)}
    assert keeps(rct, "randomized controlled trial") and keeps(rct, "review")
    assert evidence_class(rct) == "Randomized controlled trial"
    assert safety(retracted) == RETRACTED and safety(concern) == CONCERN and safety(plain) is None
    assert notices(concern, CONCERN) == ["PMID 90000075"]
    shown = arrange([*by_id, "90000099"], by_id.get, only="retracted")
    assert (shown.ids, shown.total) == ([retracted.id, concern.id], 5)
    assert arrange(by_id, by_id.get, only="not retracted").ids == [rct.id, plain.id]
    assert describe("newest", "randomized controlled trial") == "newest · RCT"
    assert resolution_text("NOT_FOUND") == "not found on PubMed"


# -- the keys ------------------------------------------------------------------------------------
async def test_sort_and_filter_a_tree_list(settings: Settings, eutils_server: EUtilsServer):
    library = Library(settings)
    preresolve(library, TOPIC)
    ids = [str(90000001 + n) for n in range(8)]
    eutils_server.set_search(topic_query(library, TOPIC), ids, count=8)
    app = MscApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        tree = tree_of(app)
        key = f"t:{TOPIC}/latest"
        tree.node_by_key(key).expand()
        await settle(pilot)
        assert tree.select_key(f"{key}/90000003")
        await pilot.press("S")  # newest first
        await pilot.pause()
        years = [library.get(n.data.rid).year for n in tree.node_by_key(key).children[:8]]
        assert years == sorted(years, reverse=True)
        assert tree.cursor_node.data.key == f"{key}/90000003"  # the cursor stays on its record
        await pilot.press("F")
        await pilot.pause()
        await pilot.press(*"jjjjjj", "enter")  # all, meta-analysis, …, case report, review
        await pilot.pause()
        assert main_screen(app).explorer.lists[key].only == "review"
        reviews = [r for r in ids if "Review" in library.get(r).publication_types]
        label = tree.label_of(tree.node_by_key(key)).plain
        assert f"({len(reviews)} shown of 8 · newest · review)" in label
        rows = [n for n in tree.node_by_key(key).children if n.data.key.count("/") == 2]
        assert {n.data.rid for n in rows} == set(reviews)


async def test_marked_view_lists_unmarks_clears_and_exports(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "A")  # every landmark of the topic
        await settle(pilot)
        marks = list(app.library.state.marks)
        assert len(marks) >= 3
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MarkedScreen)
        assert f"Marked: {len(marks)} records" in screen_text(app)
        await pilot.press("space")  # unmark the first
        await pilot.pause()
        assert len(app.library.state.marks) == len(marks) - 1
        await pilot.press("C")
        await pilot.pause()
        assert "Press C again" in screen_text(app)
        assert app.library.state.marks  # one C is not enough
        await pilot.press("C")
        await pilot.pause()
        assert app.library.state.marks == []
        await pilot.press("space", "e")  # mark one again, export
        await pilot.pause()
        assert "Export 1 marked reference" in screen_text(app)
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


async def test_copy_offers_the_bibtex_entry_with_its_pinned_key(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        assert tree_of(app).select_key(f"t:{TOPIC}/{RUBIO}")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert "BibTeX" in screen_text(app)
        await pilot.press("j", "j", "j", "enter")  # PMID, DOI, Citation, BibTeX
        await pilot.pause()
        key = app.library.state.citekeys[RUBIO]
        assert app.clipboard.startswith(f"@article{{{key},")
        assert "Spontaneous human adult stem cell transformation" in app.clipboard


async def test_g_and_shift_g_go_to_the_ends(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("G")
        await pilot.pause()
        tree = tree_of(app)
        assert tree.cursor_line == tree.last_line
        await pilot.press("g")
        await pilot.pause()
        assert tree.cursor_line == 0
