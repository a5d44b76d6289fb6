"""The explorer's state without Textual: marks, lists and their pages, fetch history, position.

These are the rules the screen follows (what a list shows, what to fetch, what a restart brings
back), driven directly on :class:`mscterm.tui.explorer.Explorer`.
"""

from __future__ import annotations

from mscterm.model import Record
from mscterm.tui.explorer import (
    IDLE,
    LOADED,
    LOADING,
    PREFETCH,
    Explorer,
    ListState,
    Position,
    latest_key,
)
from tests.conftest import make_record

TOPIC = "genetic-stability"


def explorer_with_list(key: str = "review/similar", kind: str = "similar") -> Explorer:
    explorer = Explorer()
    explorer.list_for(key, kind, "22685475")
    return explorer


# -- marks -------------------------------------------------------------------------------------
def test_marks_start_from_the_saved_ones_in_order():
    explorer = Explorer(["90000003", "90000001"])
    assert list(explorer.marks) == ["90000003", "90000001"]
    assert explorer.marks.toggle(["90000001", "90000002"]) == {"90000001", "90000002"}
    assert list(explorer.marks) == ["90000003", "90000002"]


def test_mark_all_marks_the_missing_then_unmarks_all():
    explorer = Explorer(["90000002"])
    changed, marked = explorer.mark_all(["90000001", "90000002", "90000003"])
    assert marked and changed == {"90000001", "90000003"}
    assert list(explorer.marks) == ["90000002", "90000001", "90000003"]
    changed, marked = explorer.mark_all(["90000001", "90000002", "90000003"])
    assert not marked and changed == {"90000001", "90000002", "90000003"}
    assert list(explorer.marks) == []


# -- lists -------------------------------------------------------------------------------------
def test_list_state_defaults_are_independent():
    a = ListState(key="a", kind="similar", owner="1")
    b = ListState(key="b", kind="similar", owner="1")
    a.ids.append("90000001")
    assert b.ids == []


def test_a_list_is_created_once_and_starts_idle():
    explorer = Explorer()
    first = explorer.list_for("review/similar", "similar", "22685475")
    assert explorer.list_for("review/similar", "similar", "22685475") is first
    assert first.state == IDLE and first.needs_load


def test_loading_drops_the_note_and_loaded_pages_follow_without_repeats():
    explorer = explorer_with_list()
    explorer.set_state("review/similar", "failed", "offline: not fetched yet")
    lst = explorer.begin("review/similar")
    assert lst is not None and lst.state == LOADING and lst.note is None
    explorer.fill("review/similar", ["90000001", "90000002"], 5)
    assert lst.state == LOADED and not lst.needs_load and lst.has_more
    assert explorer.next_start("review/similar", append=True) == 2
    assert explorer.next_start("review/similar", append=False) == 0
    explorer.fill("review/similar", ["90000002", "90000003"], 5, append=True)
    assert lst.ids == ["90000001", "90000002", "90000003"]
    explorer.fill("review/similar", ["90000004"], 5)  # not appended: replaces
    assert lst.ids == ["90000004"]


def test_a_later_load_makes_the_earlier_answer_stale():
    explorer = explorer_with_list()
    first = explorer.begin("review/similar")
    assert first is not None
    generation = first.generation
    explorer.begin("review/similar")
    assert explorer.current("review/similar", generation) is None
    assert explorer.current("review/similar", generation + 1) is first
    assert explorer.current("nowhere", None) is None


def test_the_whole_link_answer_is_kept_for_the_next_page_until_forgotten():
    explorer = explorer_with_list()
    lst = explorer.lists["review/similar"]
    lst.every_id = [str(90000000 + n) for n in range(1, 30)]
    explorer.fill("review/similar", lst.every_id[:20], 29)
    assert explorer.cached_answer("review/similar", append=True) == lst.every_id
    assert explorer.cached_answer("review/similar", append=False) is None
    explorer.forget("review/similar")
    assert lst.ids == [] and lst.every_id is None


def test_unloaded_lists_leave_out_tried_loaded_and_the_latest_of_open_topics():
    explorer = Explorer()
    explorer.list_for(latest_key(TOPIC), "latest", TOPIC)
    explorer.list_for(latest_key("serum"), "latest", "serum")
    explorer.fill(latest_key("serum"), ["90000001"], 1)
    explorer.list_for("review/references", "references", "22685475")
    explorer.list_for("review/similar", "similar", "22685475")
    topics, lists = explorer.unloaded(
        [TOPIC, "serum"],
        [latest_key(TOPIC), "review/references", "review/similar"],
        {"review/similar"},
    )
    assert topics == [TOPIC]  # serum's latest page is loaded
    assert lists == ["review/references"]  # the topic's latest loads with it; similar was tried
    topics, _ = explorer.unloaded([TOPIC], [], {f"t:{TOPIC}"})
    assert topics == []


# -- records -----------------------------------------------------------------------------------
def test_a_record_is_fetched_once_when_missing_or_only_a_citation():
    explorer = Explorer()
    full, seed = make_record(1), make_record(2, source="seed")
    assert explorer.wants_fetch("90000009", None)
    assert explorer.wants_fetch(seed.id, seed)
    assert not explorer.wants_fetch(full.id, full)
    explorer.fetched([seed.id])
    assert not explorer.wants_fetch(seed.id, seed)
    explorer.retry(seed.id)
    assert explorer.wants_fetch(seed.id, seed)


def test_failures_are_remembered_until_an_answer_comes():
    explorer = Explorer()
    explorer.fetched(["90000001", "90000002"], "HTTP 500")
    assert explorer.failed == {"90000001": "HTTP 500", "90000002": "HTTP 500"}
    explorer.fetched(["90000001"])
    assert explorer.failed == {"90000002": "HTTP 500"}


def test_prefetch_takes_the_first_pmids_not_fetched_yet():
    explorer = Explorer()
    cached: dict[str, Record] = {make_record(2).id: make_record(2)}
    explorer.fetched(["90000003"])
    rids = ["doi:10.5555/test.1", *(str(90000000 + n) for n in range(1, 40))]
    wanted = explorer.to_prefetch(rids, cached.get)
    assert wanted[:2] == ["90000001", "90000004"]  # not the DOI, the cached one, the tried one
    assert len(wanted) == PREFETCH


# -- position ----------------------------------------------------------------------------------
def test_a_saved_key_waits_in_an_open_list_that_has_not_loaded():
    explorer = explorer_with_list()
    position = explorer.position
    position.plan(["review", "review/similar", "review/similar/90000004"], None)
    nodes = {"review": True, "review/similar": True}  # what exists now: key -> expanded

    def opened(key: str) -> bool | None:
        return nodes.get(key)

    lists = explorer.lists
    assert position.still_pending("review/similar/90000004", opened, lists)
    # Below a saved key that is itself waiting: waiting too; below anything else: gone.
    assert position.still_pending("review/similar/90000004/cited_by", opened, lists)
    assert not position.still_pending("review/similar/90000009/cited_by", opened, lists)
    assert not position.still_pending("review", opened, lists)  # top level: exists or never
    explorer.fill("review/similar", ["90000005"], 1)
    assert not position.still_pending("review/similar/90000004", opened, lists)
    nodes["review/similar"] = False
    explorer.lists["review/similar"].state = IDLE
    assert not position.still_pending("review/similar/90000004", opened, lists)


def test_expanding_a_saved_key_counts_it_restored_until_the_restore_ends():
    position = Position()
    position.plan(["t:serum", "review"], "t:serum/90000001")
    assert position.take("t:serum") and not position.take("t:serum")
    assert position.restored == {"t:serum"} and position.expand == {"review"}
    position.active = True
    position.finish_restore()
    assert not position.active and position.restored == set()


# -- what the session found, the row layout, long work -----------------------------------------
def test_found_records_and_searches_come_newest_first_without_repeats():
    explorer = Explorer()
    assert explorer.found_record("90000001") and not explorer.found_record("90000001")
    first = explorer.found_search("Search: tolar", ["90000002"], None)
    assert first.total == 1 and first.state == LOADED and first.ids == ["90000002"]
    explorer.found_record("90000003")
    again = explorer.found_search("Search: tolar", ["90000004", "90000005"], 107)
    assert again.key == first.key and again.ids == ["90000004", "90000005"] and again.total == 107
    assert explorer.found == [("search", first.key), ("record", "90000003"), ("record", "90000001")]


def test_the_record_shown_is_the_one_keys_act_on():
    explorer = Explorer()
    assert explorer.record is None
    explorer.shown = ("record", "90000001")
    assert explorer.record == "90000001"
    explorer.shown = ("topic", "serum")
    assert explorer.record is None


def test_a_row_puts_every_signal_before_the_citation_and_fills_the_decision_slot():
    from mscterm.tui.rows import record_label, record_row

    concern = make_record(1, comments=[{"type": "ExpressionOfConcernIn", "pmid": "90000075"}])
    row = record_row(concern, concern.id)
    assert row.safety == "concern"
    label = record_label(row, marked=True, landmark=True, decision="exclude").plain
    assert label.startswith("● ⚠ − ★ Testperson 2011 · Fictional mesenchymal")
    explorer = Explorer()
    assert explorer.decision_of("90000001") is None  # empty until screening fills the slot
    unknown = record_row(None, "90000009").text.plain
    assert unknown == "PMID 90000009 (not fetched)"


def test_long_work_shows_its_clock_and_try_only_after_a_second():
    from mscterm.tui.activity import Activity

    now = [100.0]
    activity = Activity(clock=lambda: now[0])
    assert activity.describe() is None
    with activity.track("search-pubmed", "Searching PubMed"):
        now[0] += 0.5
        assert activity.describe() is None
        now[0] += 2.0
        activity.note_try(2, 5)
        assert activity.describe() == "Searching PubMed… 2 s, try 2 of 5 · escape cancels"
        assert activity.describe({"topic"}) is None
    assert activity.describe() is None and activity.try_of is None


def test_a_lists_progress_reads_alike_for_records_and_trials_and_its_note_is_plain_text():
    """Every list's explanation ends the same way (one function); a note, which may carry a
    server's words, never reaches the terminal with control or bidi characters."""
    from mscterm.tui.explorer import ListState
    from mscterm.tui.trials.text import trial_group_text
    from mscterm.tui.widgets.reference_pane import group_text

    hostile = "the server said \x1b[31mred\x1b[0m \u202egnp.exe"
    for lst, text in (
        (ListState("k", "similar", "90000001", state="loaded", ids=["1", "2"], total=9,
                   note=hostile), group_text),
        (ListState("t", "trials", "genetic-stability", state="loaded", ids=["1", "2"], total=9,
                   note=hostile), trial_group_text),
    ):  # fmt: skip
        plain = text(lst).plain
        assert "2 shown of 9." in plain
        assert "the server said" in plain and "red" in plain
        assert "\x1b" not in plain and "\u202e" not in plain
