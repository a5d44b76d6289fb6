"""The trial pane's text and the trial rows, without an app: what a reviewer reads, at every width.

The adverse-event numbers are checked against the recorded ClinicalTrials.gov samples (read in
place from ``../shared/ctgov/samples``) and fictional trials (``make_trial``); the layout is
checked as Rich draws it at a given width, so "never cut a number" means: every rate the trial
has is found whole on one drawn line.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from rich.console import Console

from mscterm.ctgov.parser import parse_study
from mscterm.model import AdverseEvent, EventStat, Trial, TrialPublication
from mscterm.trialstats import PublicationGap, serious_by_organ_system, total_affected
from mscterm.trialtext import rate
from mscterm.tui.rows import RowStyles, record_label
from mscterm.tui.trials.events import arm_rates, events_text
from mscterm.tui.trials.rows import STATUS_WORDS, badge, phase_short, status_word, trial_row
from mscterm.tui.trials.text import TrialContent, gap_text, trial_citation
from tests.conftest import make_trial

SORAFENIB = "study_nct00791778_full_with_results_serious_events.json"
ID93 = "study_nct03722472_full_with_adverse_events.json"
TODAY = dt.date(2026, 11, 30)


def recorded(samples: Path, name: str) -> Trial:
    return parse_study((samples / name).read_bytes())


def drawn(renderable: object, width: int) -> list[str]:
    """The lines Rich draws for ``renderable`` at ``width`` columns (no colour)."""
    console = Console(width=width, color_system=None, force_terminal=False, record=True)
    console.print(renderable)
    return console.export_text().split("\n")


def every_rate(trial: Trial) -> list[str]:
    """Every number string the adverse-event tables must show whole."""
    events = trial.adverse_events
    assert events is not None
    rates = [r for g in events.groups for r in arm_rates(g)]
    for event in events.serious:
        rates += [rate(s.affected, s.at_risk) for s in event.stats]
    return rates


# -- the adverse-event table -------------------------------------------------------------------
@pytest.mark.parametrize("width", [45, 60, 69, 100])
def test_recorded_arms_read_whole_at_every_width(ctgov_samples_dir: Path, width: int):
    trial = recorded(ctgov_samples_dir, SORAFENIB)
    lines = drawn(TrialContent(trial), width)
    assert all(len(line) <= width for line in lines)
    # The sample's arms as the registry gives them (EG000 sorafenib, EG001 placebo): serious
    # and other events affected / at risk, with the share; deaths not given (never shown as 0).
    for numbers in ("26/123 (21.1%)", "121/123 (98.4%)", "25/123 (20.3%)", "105/123 (85.4%)"):
        assert any(numbers in line for line in lines), (width, numbers)
    for value in every_rate(trial):
        assert any(value in line for line in lines), (width, value)
    assert not any("0/123" in line and "Deaths" in line for line in lines)


def test_narrow_pane_gives_each_arm_a_block_and_wide_pane_a_table(ctgov_samples_dir: Path):
    trial = recorded(ctgov_samples_dir, SORAFENIB)
    narrow = drawn(TrialContent(trial), 45)
    assert "EG000 Sorafenib (Nexavar, BAY43-9006)" in narrow
    serious = [line for line in narrow if line.strip().startswith("Serious")]
    assert [line.split()[-2:] for line in serious[:2]] == [
        ["26/123", "(21.1%)"],
        ["25/123", "(20.3%)"],
    ]
    wide = drawn(TrialContent(trial), 69)
    header = next(line for line in wide if "Deaths" in line)
    assert header.split() == ["Deaths", "Serious", "Other"]
    row = next(line for line in wide if line.startswith("EG000"))
    assert row.split()[-5:] == ["–", "26/123", "(21.1%)", "121/123", "(98.4%)"]
    # A cut arm name is given whole below the table.
    assert "EG000: Sorafenib (Nexavar, BAY43-9006)" in wide


def test_serious_events_by_organ_system_most_frequent_first(ctgov_samples_dir: Path):
    trial = recorded(ctgov_samples_dir, SORAFENIB)
    events = trial.adverse_events
    assert events is not None
    systems = serious_by_organ_system(events)
    counts = [sum(map(total_affected, members)) for _, members in systems]
    assert counts == sorted(counts, reverse=True) and len(systems) > 3
    text = events_text(events, 45).plain
    named = zip(systems, counts, strict=True)
    positions = [text.index(f"{system} ({n} affected)") for (system, _), n in named]
    assert positions == sorted(positions)
    for _, members in systems:
        for event in members:
            assert event.term in text


def test_recorded_trial_without_serious_events_and_other_events_above_threshold(
    ctgov_samples_dir: Path,
):
    trial = recorded(ctgov_samples_dir, ID93)
    events = trial.adverse_events
    assert events is not None and not events.serious
    lines = drawn(TrialContent(trial), 45)
    text = "\n".join(lines)
    assert "None reported." in text
    assert "Other adverse events, at or above 5% in an" in text
    for group in events.groups:
        deaths, serious, other = arm_rates(group)
        assert deaths == f"0/{group.deaths_at_risk} (0.0%)"
        for value in (deaths, serious, other):
            assert any(value in line for line in lines)
    for event in events.other:
        assert event.term in text
        for stat in event.stats:
            assert any(rate(stat.affected, stat.at_risk) in line for line in lines)


@pytest.mark.parametrize("width", [30, 45, 80])
def test_fictional_trial_with_results(width: int):
    trial = make_trial(3, results=True)
    lines = drawn(TrialContent(trial, marked=True), width)
    text = "\n".join(lines)
    for value in ("2/20 (10.0%)", "1/20 (5.0%)", "5/20 (25.0%)", "3/20 (15.0%)", "0/20 (0.0%)"):
        assert any(value in line for line in lines), value
    assert "Infections and infestations (3 affected)" in text.replace("\n", " ")
    assert "Fictional other event" in text and "● marked for export" in text
    assert all(len(line) <= width for line in lines)


def test_other_events_below_the_threshold_are_counted_not_listed():
    trial = make_trial(4, results=True)
    events = trial.adverse_events
    assert events is not None
    rare = AdverseEvent("Fictional rare event", "General disorders", None, None,
                        [EventStat("EG000", 1, 0, 20), EventStat("EG001", 0, 0, 20)])  # fmt: skip
    events.other.append(rare)
    text = events_text(events, 60).plain
    assert "Fictional rare event" not in text
    assert "(1 other event below the threshold not shown)" in text


def test_no_results_and_unknown_numbers_say_so():
    text = TrialContent(make_trial(5)).text(45).plain
    assert "No results posted on the registry" in text
    summary = dataclasses.replace(make_trial(6, results=True), adverse_events=None)
    note = "Fetching the full study with its adverse events…"
    assert note in TrialContent(summary, events_note=note).text(45).plain
    assert "the registry sent no adverse events" in TrialContent(summary).text(45).plain
    unknown = dataclasses.replace(summary, has_results=None)
    assert "Not known whether results are posted." in TrialContent(unknown).text(45).plain


def test_hostile_registry_text_is_shown_literally():
    trial = make_trial(
        7, results=True, title="[bold red]x[/] \x1b[31mred\u202e", sponsor="[link=x]s[/link]"
    )
    events = trial.adverse_events
    assert events is not None
    events.serious[0].term = "[i]term[/i]\x07"
    text = TrialContent(trial).text(60)
    assert "[bold red]x[/]" in text.plain and "[i]term[/i]" in text.plain
    assert not any(ch in text.plain for ch in "\x1b\x07\u202e")
    assert all(not span.style or "link" not in str(span.style) for span in text.spans)


def test_publications_are_listed_with_their_pmids():
    pubs = [
        TrialPublication("90000003", "RESULT", "Fictus A. Fictional results. J Fict Res. 2020."),
        TrialPublication(None, "BACKGROUND", "An earlier fictional paper."),
    ]
    text = TrialContent(make_trial(3, results=True, publications=pubs)).text(60).plain
    assert "Result · PMID 90000003" in text and "Background (no PMID)" in text
    assert "An earlier fictional paper." in text and "Publications" in text


# -- rows --------------------------------------------------------------------------------------
def test_trial_rows_read_status_phase_badge_title():
    done = make_trial(1, results=True, status="COMPLETED")
    assert trial_row(done, done.nct_id, today=TODAY).text.plain == (
        "Completed Ph1/2 R Fictional mesenchymal stromal cell trial 1"
    )
    pub = [TrialPublication("90000002", "DERIVED", "x")]
    both = make_trial(2, results=True, publications=pub)
    assert badge(both, TODAY) == "RP"
    silent = make_trial(3, status="COMPLETED", completion_date="2020-05", has_results=False)
    assert badge(silent, TODAY) == "!"
    assert badge(dataclasses.replace(silent, completion_date="2025-06"), TODAY) == ""
    background = dataclasses.replace(silent, publications=[TrialPublication("1", "BACKGROUND")])
    assert badge(background, TODAY) == "!"  # earlier literature is not the trial's own paper
    assert phase_short(make_trial(4, phases=["EARLY_PHASE1"])) == "PhE1"
    assert phase_short(make_trial(4, phases=["NA"])) == "N/A"
    assert phase_short(make_trial(4, phases=[], study_type="OBSERVATIONAL")) == "Obs"
    assert set(STATUS_WORDS) >= {"COMPLETED", "TERMINATED", "WITHDRAWN", "RECRUITING"}
    assert status_word("SOMETHING_NEW") == "Something new"


def test_stopped_trials_and_silent_ones_carry_the_theme_styles():
    styles = RowStyles(retracted="red", concern="yellow", decision="green")  # type: ignore[arg-type]
    stopped = trial_row(make_trial(1, status="TERMINATED"), "NCT99000001", styles, TODAY).text
    assert stopped.plain.startswith("Terminated")
    assert any(str(span.style) == "red" for span in stopped.spans)
    silent = make_trial(2, status="COMPLETED", completion_date="2019", has_results=False)
    row = trial_row(silent, silent.nct_id, styles, TODAY).text
    assert any(str(s.style) == "yellow" and row.plain[s.start : s.end] == "!" for s in row.spans)


def test_a_trial_not_cached_and_a_marked_trial():
    row = trial_row(None, "NCT99000042")
    assert row.text.plain == "NCT99000042 (not fetched)"
    marked = record_label(trial_row(make_trial(1), "NCT99000001", today=TODAY),
                          marked=True, landmark=False)  # fmt: skip
    assert marked.plain.startswith("● Recruiting Ph1/2 Fictional")


# -- the gap, the citation -----------------------------------------------------------------------
def test_gap_text_and_calm_note():
    gap = PublicationGap(
        registered=57, completed=30, with_results=12, with_publication=9, silent=14
    )
    text = gap_text(gap).plain
    assert "57 registered" in text and "14 completed more than two years ago with neither" in text
    assert text.index("registered") < text.index("completed") < text.index("with results")
    calm = gap_text(None, note="Not fetched yet (offline).").plain
    assert "Not fetched yet (offline)." in calm and "registered" not in calm


def test_citation_names_sponsor_title_registry_and_address():
    citation = trial_citation(make_trial(1))
    assert citation == (
        "Fictional Sponsor. Fictional mesenchymal stromal cell trial 1. ClinicalTrials.gov "
        "identifier: NCT99000001. https://clinicaltrials.gov/study/NCT99000001"
    )


def test_help_lists_the_trial_row_legend_and_keys():
    from mscterm.tui.screens.help import help_text

    text = help_text("syntax", 76).plain
    assert "What a trial row shows" in text
    for sign in ("status", "Ph1/2", "R ", "P ", "! "):
        assert f"\n  {sign}" in text, sign
    assert "  T " in text and "ClinicalTrials.gov" in text
