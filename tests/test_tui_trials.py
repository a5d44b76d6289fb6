"""Registered trials in the explorer, by keys: a topic's "Registered trials", the trial pane, its
publications, a record naming a trial, the publication gap, offline and failures.

A real Library on tmp directories talks to the local stand-ins: ClinicalTrials.gov
(``ctgov_server``: the recorded samples and fictional trials NCT99000001..NCT99000010, of which
``clinical-evidence`` lists all ten and ``genetic-stability`` only NCT99000009, the one with
posted results) and E-utilities (``eutils_server``: fictional records 90000001..90000010).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

from mscterm.config import Settings
from mscterm.ctgov.client import CTGovClient
from mscterm.library import Library
from mscterm.model import TrialPublication
from mscterm.ncbi.client import EUtilsClient
from mscterm.net.ratelimit import RateLimiter
from mscterm.trialstats import publication_gap
from mscterm.tui.app import MscApp
from mscterm.tui.screens.copy_menu import ChoiceMenu
from mscterm.tui.screens.marked import MarkedScreen
from mscterm.tui.trials.rows import phase_short, status_word
from tests.conftest import make_record, make_trial
from tests.ctgov_server import CTGovServer, Fault
from tests.ctgov_studies import fictional_studies, trial_to_study
from tests.eutils_server import EUtilsServer
from tests.test_tui_app import (
    SIZE,
    drawn,
    goto_key,
    labels_under,
    main_screen,
    screen_text,
    settle,
    tree_of,
)

ALL_TEN = "clinical-evidence"
ONLY_NINE = "genetic-stability"
WITH_RESULTS = "NCT99000009"
SORAFENIB = "NCT00791778"
TEN = [f"NCT{99000000 + n:08d}" for n in range(1, 11)]


def trials_library(
    settings: Settings, ctgov: CTGovServer | None, tmp_path: Path, **changes: object
) -> Library:
    """A Library on both stand-ins whose clients retry quickly and whose ClinicalTrials.gov
    limiter is private (tests need not wait a second between requests)."""
    url = ctgov.url if ctgov is not None else "http://127.0.0.1:9/api/v2/"
    settings = dataclasses.replace(settings, ctgov_url=url, **changes)  # type: ignore[arg-type]

    def trials_client() -> CTGovClient:
        limiter = RateLimiter(tmp_path / "fast-ctgov.sqlite3", 1000)
        return CTGovClient(settings, limiter=limiter, max_retries=1, backoff_base=0.01)

    def client() -> EUtilsClient:
        return EUtilsClient(settings, max_retries=1, backoff_base=0.01)

    return Library(settings, client_factory=client, trials_factory=trials_client)


def status_text(app: MscApp) -> str:
    return str(main_screen(app).query_one("#status").render())


def trial_shown(app: MscApp, width: int = 45) -> str:
    """The trial pane's text laid out for ``width`` ("" when a note stands in for it)."""
    content = main_screen(app).view.trials.content
    return content.text(width).plain if content is not None else ""


def pane_note(app: MscApp) -> str:
    """The pane's text when it shows a note or an overview (not a trial)."""
    body = main_screen(app).pane.query_one("#pane-body").render()
    return str(getattr(body, "plain", body))


async def open_trials(pilot, topic: str) -> str:
    """Expand ``topic`` and its "Registered trials" list; returns the list's key."""
    await settle(pilot)
    await goto_key(pilot, f"t:{topic}")
    await pilot.press("enter")
    await settle(pilot)
    key = f"t:{topic}/trials"
    await goto_key(pilot, key)
    await pilot.press("enter")
    await settle(pilot)
    return key


async def scroll_pane_to(pilot, text: str, presses: int = 60) -> str:
    """Tab into the pane and scroll down until ``text`` is on the screen; the screen."""
    await pilot.press("tab")
    for _ in range(presses):
        screen = screen_text(pilot.app)
        if text in screen:
            return screen
        await pilot.press("j")
        await pilot.pause()
    return screen_text(pilot.app)


# -- the topic's "Registered trials" -------------------------------------------------------------
async def test_a_topics_registered_trials_load_when_opened_newest_first(
    settings: Settings, ctgov_server: CTGovServer, eutils_server: EUtilsServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto_key(pilot, f"t:{ALL_TEN}")
        await pilot.press("enter")
        await settle(pilot)
        tree = tree_of(app)
        key = f"t:{ALL_TEN}/trials"
        assert drawn(tree, tree.node_by_key(key)) == "Registered trials"
        assert ctgov_server.requests_to("studies") == []  # nothing until the list is opened
        key = await open_trials(pilot, ALL_TEN)
        rows = [n.data.rid for n in tree.node_by_key(key).children]
        assert rows == sorted(TEN, reverse=True)  # newest registration first
        trials = library.cached_trials(TEN)
        for node in tree.node_by_key(key).children:
            trial = trials[node.data.rid]
            label = drawn(tree, node)
            assert label.startswith(f"{status_word(trial.status)} {phase_short(trial)} ")
            assert label.endswith(trial.title)
        assert drawn(tree, tree.node_by_key(key)) == "Registered trials (10)"
        assert "Registered trials: 10 of 10 shown" in status_text(app)
        assert "Completed PhE1 R " in drawn(tree, tree.node_by_key(f"{key}/{WITH_RESULTS}"))
    assert len(ctgov_server.requests_to("studies")) == 1
    # The rows are trials: nobody asked PubMed to fetch or resolve an NCT id.
    assert not any("NCT" in str(r.params).upper() for r in eutils_server.requests)


async def test_a_long_list_shows_a_page_then_more_from_the_same_answer(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    ctgov_server.add_studies(fictional_studies(15, start=11))
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        key = await open_trials(pilot, ALL_TEN)
        tree = tree_of(app)
        labels = labels_under(tree, key)
        assert len(labels) == 21 and labels[-1].startswith("more… (20 of ")  # rows, "more…"
        listed = int(labels[-1].split(" of ")[1].rstrip(")"))
        assert listed > 20
        assert f"Registered trials: 20 of {listed} shown" in status_text(app)
        await goto_key(pilot, f"{key}/more")
        await pilot.press("enter")
        await settle(pilot)
        assert len(tree.node_by_key(key).children) == listed
    assert len(ctgov_server.requests_to("studies")) == 1  # the next page cut from the first


async def test_a_list_row_with_results_fetches_the_full_study_for_the_pane(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        key = await open_trials(pilot, ONLY_NINE)
        cached = library.cached_trial(WITH_RESULTS)
        assert cached is not None and cached.has_results and cached.adverse_events is None
        await goto_key(pilot, f"{key}/{WITH_RESULTS}")
        await settle(pilot)
        text = trial_shown(app)
        assert "Pneumonia" in text and "Deep vein thrombosis" in text
        full = library.cached_trial(WITH_RESULTS)
        assert full is not None and full.adverse_events is not None
        for group in full.adverse_events.groups:
            assert f"{group.id} {group.title}" in text
        assert main_screen(app).shown_record() == WITH_RESULTS
        assert f"{WITH_RESULTS} · Completed" in status_text(app)
    studies = [r.path for r in ctgov_server.requests_to("study")]
    assert len(studies) == 1 and studies[0].endswith(WITH_RESULTS)


# -- the trial pane ------------------------------------------------------------------------------
async def test_the_recorded_trials_adverse_events_read_at_80x24(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path, ctgov_samples_dir: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id(SORAFENIB.lower())
        await settle(pilot)
        tree = tree_of(app)
        assert tree.cursor_node.data.key == f"found/{SORAFENIB}"  # gathered under "Found"
        assert drawn(tree, tree.cursor_node).startswith("Completed Ph2 RP Comparison of Nexa")
        screen = await scroll_pane_to(pilot, "Other    105/123 (85.4%)")
        for line in ("EG000 Sorafenib (Nexavar, BAY43-9006)", "Serious   26/123 (21.1%)",
                     "Other    121/123 (98.4%)", "EG001 Placebo", "Serious   25/123 (20.3%)",
                     "Other    105/123 (85.4%)"):  # fmt: skip
            assert line in screen, line
        assert "Result · PMID 23591401" in trial_shown(app)
    assert len(ctgov_server.requests_to("study")) == 1


async def test_a_second_recorded_trial_and_a_fictional_one(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path, ctgov_samples_dir: Path
):
    fictional = make_trial(21, results=True)
    ctgov_server.add_study(trial_to_study(fictional))
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id("NCT03722472")
        await settle(pilot)
        text = trial_shown(app)
        assert "Other    23/23 (100.0%)" in text and "Deaths      0/25 (0.0%)" in text
        assert "Injection site pain" in text and "None reported." in text
        main_screen(app).navigator.goto_id(fictional.nct_id)
        await settle(pilot)
        text = trial_shown(app)
        for value in ("Serious  2/20 (10.0%)", "Other    5/20 (25.0%)", "Serious   1/20 (5.0%)"):
            assert value in text, value
        found = tree_of(app).node_by_key("found")
        assert [n.data.rid for n in found.children] == [fictional.nct_id, "NCT03722472"]


async def test_a_publication_is_opened_marked_and_exported_from_its_trial(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    cite = "Fictus A, Testperson B. Fictional results. J Fict Res. 2021;1:3."
    paper = TrialPublication("90000003", "RESULT", cite)
    trial = make_trial(23, results=True, publications=[paper])
    ctgov_server.add_study(trial_to_study(trial))
    out = tmp_path / "trial.bib"
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id(trial.nct_id)
        await settle(pilot)
        assert "Result · PMID 90000003" in trial_shown(app)
        await pilot.press("l", "j")  # the trial's Publications list
        await settle(pilot)
        tree = tree_of(app)
        key = f"found/{trial.nct_id}/publications"
        assert tree.cursor_node.data.key == key
        await pilot.press("enter")
        await settle(pilot)
        assert "Fictional record 3:" in labels_under(tree, key)[0]
        await pilot.press("j")  # the record itself: read it, mark it
        await settle(pilot)
        assert main_screen(app).shown_record() == "90000003"
        assert "PMID 90000003" in status_text(app)
        await pilot.press("space")
        await pilot.press("k", "k", "space")  # and the trial, as a registry record
        await settle(pilot)
        assert app.library.state.marks == ["90000003", trial.nct_id]
        await pilot.press("e")
        await pilot.pause()
        app.screen.query_one("#export-path").value = str(out)
        await pilot.press("enter")
        await settle(pilot)
    text = out.read_text(encoding="utf-8")
    assert "pmid = {90000003}" in text
    assert "@misc{" in text and trial.nct_id in text and "clinicaltrials.gov/study/" in text


async def test_keys_on_a_trial_copy_open_and_refresh(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id("NCT99000004")
        await settle(pilot)
        await pilot.press("y")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceMenu)
        text = screen_text(app)
        for what in ("NCT id", "NCT99000004", "Link", "Citation", "BibTeX", "@misc{"):
            assert what in text, what
        await pilot.press("escape", "o")
        await pilot.pause()
        assert "https://clinicaltrials.gov/study/NCT99000004" in status_text(app)
        before = len(ctgov_server.requests_to("study"))
        await pilot.press("r")
        await settle(pilot)
        assert len(ctgov_server.requests_to("study")) == before + 1  # asked again


async def test_a_pubmed_record_names_its_trial_and_T_opens_it(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    library.store.put([make_record(31, registry_ids=["NCT99000002"]),
                       make_record(32, registry_ids=["NCT99000005", "NCT99000006"])])  # fmt: skip
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id("90000031")
        await settle(pilot)
        assert "Registered trial: NCT99000002 (T opens it)" in screen_text(app)
        await pilot.press("T")
        await settle(pilot)
        assert main_screen(app).shown_record() == "NCT99000002"
        assert "Fictional trial 2:" in trial_shown(app)
        assert tree_of(app).cursor_node.data.key == "found/NCT99000002"
        main_screen(app).navigator.goto_id("90000032")  # two trials: a menu
        await settle(pilot)
        await pilot.press("T")
        await pilot.pause()
        assert isinstance(app.screen, ChoiceMenu)
        await pilot.press("j", "enter")
        await settle(pilot)
        assert main_screen(app).shown_record() == "NCT99000006"
        await goto_key(pilot, "t:genetic-stability")
        await pilot.press("T")
        assert "move to a record" in status_text(app)


async def test_a_marked_trial_is_in_the_marked_view_with_its_row(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        key = await open_trials(pilot, ONLY_NINE)
        await goto_key(pilot, f"{key}/{WITH_RESULTS}")
        await pilot.press("space")
        await settle(pilot)
        assert drawn(tree_of(app), tree_of(app).cursor_node).startswith("● Completed PhE1 R ")
        assert "1 marked" in screen_text(app)
        await pilot.press("S")  # the registry's order stays: S and F arrange literature lists
        assert "S and F arrange a list" in status_text(app)
        await pilot.press("M")
        await pilot.pause()
        assert isinstance(app.screen, MarkedScreen)
        assert "● Completed PhE1 R Fictional trial 9" in screen_text(app)


# -- the publication gap in the overview ---------------------------------------------------------
async def test_the_topic_overview_shows_its_publication_gap_once_the_list_is_known(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await goto_key(pilot, f"t:{ALL_TEN}")
        await settle(pilot)
        text = screen_text(app)
        assert "Registered trials (ClinicalTrials.gov)" in text
        assert "Not fetched yet: open Registered trials under the topic" in text
        assert ctgov_server.requests_to("studies") == []  # the overview fetches no list
        await open_trials(pilot, ALL_TEN)
        await goto_key(pilot, f"t:{ALL_TEN}")
        await settle(pilot)
        trials = list(library.cached_trials(TEN).values())
        gap = publication_gap(trials, dt.date.today(), published=set())
        assert gap.registered == 10 and gap.silent > 0
        screen = await scroll_pane_to(pilot, "with neither")
        counts = [
            (gap.registered, "registered"),
            (gap.completed, "completed"),
            (gap.with_results, "with results posted"),
            (gap.with_publication, "with a linked publication"),
            (gap.silent, "completed more than two years ago with neither"),
        ]
        for n, what in counts:
            assert f"{n:>2} {what}" in screen, what
    assert len(ctgov_server.requests_to("studies")) == 1


# -- offline and failures ------------------------------------------------------------------------
async def test_offline_with_nothing_cached_says_so_calmly(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path, offline=True)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        key = await open_trials(pilot, ALL_TEN)
        assert labels_under(tree_of(app), key) == ["offline: not fetched yet"]
        assert "Registered trials: offline: not fetched yet" in status_text(app)
        await goto_key(pilot, f"t:{ALL_TEN}")
        await settle(pilot)
        assert "Not fetched yet (offline)." in pane_note(app)
        main_screen(app).navigator.goto_id(SORAFENIB)
        await settle(pilot)
        assert f"{SORAFENIB} is not in the cache, and mscterm is offline." in pane_note(app)
        assert not app._notifications  # calm: no toast
    assert ctgov_server.requests == []


async def test_offline_the_kept_list_and_trials_come_back(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    await library.topic_trials(ONLY_NINE)
    await library.trials([WITH_RESULTS])
    await library.aclose()
    before = len(ctgov_server.requests)
    library = trials_library(settings, ctgov_server, tmp_path, offline=True)
    library.state.set("expanded", [f"t:{ONLY_NINE}", f"t:{ONLY_NINE}/trials"])
    library.state.set("cursor", f"t:{ONLY_NINE}/trials/{WITH_RESULTS}")
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app)
        assert tree.cursor_node.data.key == f"t:{ONLY_NINE}/trials/{WITH_RESULTS}"
        assert "Pneumonia" in trial_shown(app)  # the whole study, from the cache
    assert len(ctgov_server.requests) == before


async def test_a_failed_list_names_the_cause_and_r_retries(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    ctgov_server.inject(Fault("500", endpoint="studies", times=4))
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        key = await open_trials(pilot, ALL_TEN)
        tree = tree_of(app)
        assert labels_under(tree, key) == ["could not load (see status line)"]
        assert "HTTP 500" in status_text(app)
        ctgov_server.clear_faults()
        await goto_key(pilot, key)
        await pilot.press("r")
        await settle(pilot)
        assert len(tree.node_by_key(key).children) == 10
        assert "Registered trials: 10 of 10 shown" in status_text(app)


async def test_escape_cancels_a_slow_list(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    ctgov_server.inject(Fault("slow", endpoint="studies", delay=20))
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto_key(pilot, f"t:{ALL_TEN}")
        await pilot.press("enter")
        await settle(pilot)
        key = f"t:{ALL_TEN}/trials"
        await goto_key(pilot, key)
        await pilot.press("enter")
        await pilot.pause()
        assert labels_under(tree_of(app), key) == ["Loading…"]
        await pilot.press("escape")
        await settle(pilot)
        assert labels_under(tree_of(app), key) == ["expand again to load"]
        assert "Cancelled: Loading Registered trials" in status_text(app)


async def test_an_unknown_trial_says_so(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
):
    library = trials_library(settings, ctgov_server, tmp_path)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id("NCT99999999")
        await settle(pilot)
        assert "NCT99999999: ClinicalTrials.gov has no such trial." in pane_note(app)
