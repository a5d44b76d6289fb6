"""mscterm.trialstats: adverse-event rates, organ-system grouping, the threshold, the
publication gap. Real numbers come from the recorded samples (read in place); the gap is
checked on fictional trials (``make_trial``: NCT99000000 + n) with a fixed ``today``."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from mscterm.ctgov.parser import parse_study
from mscterm.model import AdverseEvent, AdverseEvents, EventStat, Trial, TrialPublication
from mscterm.trialstats import (
    other_above_threshold,
    partial_date_end,
    percent,
    publication_gap,
    serious_by_organ_system,
    threshold_percent,
    total_affected,
    years_after,
)
from tests.conftest import make_trial

NCT00791778 = "study_nct00791778_full_with_results_serious_events.json"
NCT03722472 = "study_nct03722472_full_with_adverse_events.json"


def sample_trial(samples: Path, name: str) -> Trial:
    return parse_study((samples / name).read_bytes())


def test_percent_needs_both_numbers() -> None:
    assert percent(1, 4) == 25.0
    assert percent(0, 10) == 0.0
    assert percent(None, 4) is None
    assert percent(3, None) is None
    assert percent(3, 0) is None


def test_serious_events_grouped_most_frequent_system_first(ctgov_samples_dir: Path) -> None:
    trial = sample_trial(ctgov_samples_dir, NCT00791778)
    assert trial.adverse_events is not None
    grouped = serious_by_organ_system(trial.adverse_events)
    totals = [(system, sum(map(total_affected, events))) for system, events in grouped]
    assert totals[:5] == [
        ("General disorders", 17),
        ("Gastrointestinal disorders", 12),
        ("Skin and subcutaneous tissue disorders", 11),
        ("Musculoskeletal and connective tissue disorders", 5),  # ties: by name
        ("Nervous system disorders", 5),
    ]
    assert [t for _, t in totals] == sorted((t for _, t in totals), reverse=True)
    general = grouped[0][1]
    assert [e.term for e in general[:2]] == ["No Code In CTCAE", "Pain, Abdomen NOS"]  # 6, 3
    # every serious event exactly once, under its own organ system (raw JSON as the oracle)
    raw = json.loads((ctgov_samples_dir / NCT00791778).read_bytes())
    recorded = raw["resultsSection"]["adverseEventsModule"]["seriousEvents"]
    listed = sorted((system, e.term) for system, events in grouped for e in events)
    assert listed == sorted((e["organSystem"], e["term"]) for e in recorded)


def test_events_without_organ_system_are_grouped_by_name() -> None:
    events = AdverseEvents(
        serious=[
            AdverseEvent("Fictional A", None, stats=[EventStat("EG000", None, 1, 10)]),
            AdverseEvent(
                "Fictional B", "Cardiac disorders", stats=[EventStat("EG000", None, 2, 10)]
            ),
        ]
    )
    assert [s for s, _ in serious_by_organ_system(events)] == [
        "Cardiac disorders",
        "Organ system not given",
    ]


def test_other_events_at_or_above_the_threshold(ctgov_samples_dir: Path) -> None:
    trial = sample_trial(ctgov_samples_dir, NCT03722472)
    assert trial.adverse_events is not None
    kept, hidden = other_above_threshold(trial.adverse_events)
    assert hidden == 0  # haemoglobin decreased is 4.3% in one arm but 20% in the other
    assert [e.term for e in kept][:2] == ["Injection site pain", "Fatigue"]  # 43, 16 affected
    assert len(kept) == 8

    def event(term: str, a: int | None, b: int | None) -> AdverseEvent:
        return AdverseEvent(
            term, stats=[EventStat("EG000", None, a, 40), EventStat("EG001", None, b, 40)]
        )

    events = AdverseEvents(
        frequency_threshold="5",
        other=[event("Below", 1, 1), event("At", 2, 0), event("Unknown", None, None)],
    )
    kept, hidden = other_above_threshold(events)
    assert ([e.term for e in kept], hidden) == (["At", "Unknown"], 1)
    events.frequency_threshold = "not a number"
    assert other_above_threshold(events)[1] == 0
    assert threshold_percent(AdverseEvents(frequency_threshold="2.5")) == 2.5
    assert threshold_percent(AdverseEvents(frequency_threshold="500")) is None


# --------------------------------------------------------------------------------------------
# the publication gap

TODAY = dt.date(2024, 6, 15)


def completed(n: int, when: str | None, **fields: object) -> Trial:
    values: dict[str, object] = {"status": "COMPLETED", "completion_date": when}
    values.update(fields)
    return make_trial(n, **values)


def test_gap_counts_each_kind() -> None:
    trials = [
        completed(1, "2020-01-31"),  # silent
        completed(2, "2023-12"),  # completed too recently
        make_trial(3, results=True, completion_date="2019-05"),  # results posted
        completed(4, "2019", publications=[TrialPublication("90000004", "RESULT", "Fict.")]),
        completed(5, "2019", publications=[TrialPublication("90000005", "BACKGROUND", "F.")]),
        completed(6, "2019", publications=[TrialPublication("90000006", "DERIVED", "Fict.")]),
        completed(7, "2019", publications=[TrialPublication(None, "RESULT", "No PMID.")]),
        make_trial(8, status="RECRUITING", completion_date="2015"),
        make_trial(9, status="TERMINATED", completion_date="2015"),
        completed(10, None),  # no date: never silent
        completed(11, "2018", has_results=None),  # unknown results: counted as not posted
        completed(12, "2018"),  # a PubMed record names it
    ]
    gap = publication_gap(trials, TODAY, published={"NCT99000012"})
    assert gap.registered == 12
    assert gap.completed == 10  # make_trial(results=True) is COMPLETED
    assert gap.with_results == 1
    assert gap.with_publication == 3  # RESULT, DERIVED, a PubMed record naming the trial
    assert gap.silent_ids == ["NCT99000001", "NCT99000005", "NCT99000007", "NCT99000011"]
    assert gap.silent == 4
    assert gap.undated == 1


def test_gap_uses_primary_completion_when_overall_is_missing() -> None:
    trial = completed(1, None, primary_completion_date="2015-03")
    assert publication_gap([trial], TODAY).silent == 1


def test_results_first_posted_counts_as_results() -> None:
    trial = completed(1, "2015", has_results=None, results_first_posted="2016-01-01")
    gap = publication_gap([trial], TODAY)
    assert (gap.with_results, gap.silent) == (1, 0)


@pytest.mark.parametrize(
    ("when", "today", "silent"),
    [
        ("2022-06-14", dt.date(2024, 6, 15), True),
        ("2022-06-15", dt.date(2024, 6, 15), False),  # exactly two years: not more
        ("2022-06", dt.date(2024, 6, 30), False),  # June 2022 may end on the 30th
        ("2022-06", dt.date(2024, 7, 1), True),
        ("2021", dt.date(2023, 12, 31), False),
        ("2021", dt.date(2024, 1, 1), True),
        ("2022-02-28", dt.date(2024, 2, 29), True),  # two years on is 28 February 2024
        ("2020-02-29", dt.date(2022, 2, 28), False),  # two years on is 28 February 2022
        ("2020-02-29", dt.date(2022, 3, 1), True),
    ],
)
def test_partial_dates_are_never_silent_too_early(when: str, today: dt.date, silent: bool) -> None:
    assert publication_gap([completed(1, when)], today).silent == int(silent)


def test_duplicates_count_once_and_empty_is_zero() -> None:
    trial = completed(1, "2015")
    gap = publication_gap([trial, trial], TODAY)
    assert (gap.registered, gap.completed, gap.silent) == (1, 1, 1)
    empty = publication_gap([], TODAY)
    assert (empty.registered, empty.silent, empty.silent_ids) == (0, 0, [])


def test_date_helpers() -> None:
    assert partial_date_end("2018") == dt.date(2018, 12, 31)
    assert partial_date_end("2018-02") == dt.date(2018, 2, 28)
    assert partial_date_end("2020-02") == dt.date(2020, 2, 29)
    assert partial_date_end("2018-02-03") == dt.date(2018, 2, 3)
    for bad in (None, "", "2018-13", "soon", "2018-02-30"):
        assert partial_date_end(bad) is None
    assert years_after(dt.date(2020, 2, 29), 2) == dt.date(2022, 2, 28)
    assert years_after(dt.date(2022, 6, 15), 2) == dt.date(2024, 6, 15)
