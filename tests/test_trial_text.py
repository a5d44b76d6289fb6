"""mscterm.trialtext: a trial as text, the adverse-event table as CSV, ``trials --csv`` rows.

Recorded trials are read in place from ``../shared/ctgov/samples``; hostile text is fictional
(``make_trial``: NCT99000000 + n, PMIDs from 90000000 up).
"""

from __future__ import annotations

import csv
import io
import unicodedata
from pathlib import Path

import pytest

from mscterm.ctgov.parser import parse_study
from mscterm.model import EventGroup, EventStat, Trial, TrialPublication
from mscterm.trialstats import PublicationGap
from mscterm.trialtext import (
    EVENTS_CSV_COLUMNS,
    TRIALS_CSV_COLUMNS,
    adverse_events_csv,
    gap_text,
    label,
    phase_label,
    rate,
    trial_text,
    trials_csv,
)
from tests.conftest import make_trial

NCT00791778 = "study_nct00791778_full_with_results_serious_events.json"
NCT03722472 = "study_nct03722472_full_with_adverse_events.json"
OBSERVATIONAL = "study_nct06323538_observational_full.json"

HOSTILE = "Evil\x1b[31m red\x07 \u202etxet\u2066 [bold]markup[/bold] \x9b2J"


def sample_trial(samples: Path, name: str) -> Trial:
    return parse_study((samples / name).read_bytes())


def rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def assert_terminal_safe(text: str) -> None:
    for char in text:
        if char == "\n":
            continue
        assert unicodedata.category(char) != "Cc", repr(char)
        assert char not in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069", repr(char)


def test_labels() -> None:
    assert label("ACTIVE_NOT_RECRUITING") == "Active, not recruiting"
    assert label("COMPLETED") == "Completed"
    assert label(None) == "–"
    assert phase_label(["PHASE1", "PHASE2"]) == "Phase 1/2"
    assert phase_label(["EARLY_PHASE1"]) == "Phase early 1"
    assert phase_label(["NA"]) == "Not applicable"
    assert phase_label([]) == "No phase"
    assert rate(26, 123) == "26/123 (21.1%)"
    assert rate(None, None) == "–"
    assert rate(None, 20) == "–/20"
    assert rate(0, 0) == "0/0"


def test_trial_text_of_nct00791778(ctgov_samples_dir: Path) -> None:
    text = trial_text(sample_trial(ctgov_samples_dir, NCT00791778), width=100)
    lines = text.splitlines()
    assert lines[0] == (
        "NCT00791778 Comparison of Nexavar/Placebo as Maintenance Therapy for Patients With "
        "Advanced Ovarian"
    )
    for expected in (
        "Completed · Phase 2 · Interventional · enrollment 246",
        "Design: Randomized, Parallel, Treatment, masking double",
        "Dates: start 2008-11 · primary completion 2011-07 · completion 2012-12 · results posted "
        "2012-11-30",
        "Sponsor: Bayer",
        "Conditions: Ovarian Neoplasms",
        "Interventions: Sorafenib (Nexavar, BAY43-9006) (drug); Placebo (drug)",
        "Registry: https://clinicaltrials.gov/study/NCT00791778",
        "  EG000: Sorafenib (Nexavar, BAY43-9006)",
        "  EG001: Placebo",
        "Serious adverse events by organ system (most frequent first)",
        "  General disorders (17 affected)",
        "  Gastrointestinal disorders (12 affected)",
        "Other adverse events (threshold 5% in any arm)",
        "Publications",
    ):
        assert expected in lines, expected
    arms = [line.split() for line in lines if line.startswith("  EG00") and ":" not in line]
    assert arms == [
        ["EG000", "–", "26/123", "(21.1%)", "121/123", "(98.4%)"],  # deaths not given: "–"
        ["EG001", "–", "25/123", "(20.3%)", "105/123", "(85.4%)"],
    ]
    assert lines.index("  General disorders (17 affected)") < lines.index(
        "  Gastrointestinal disorders (12 affected)"
    )
    no_code = next(line for line in lines if "No Code In CTCAE" in line)
    assert no_code.split()[-4:] == ["0/123", "(0.0%)", "6/123", "(4.9%)"]
    assert any(line.startswith("  Result · PMID 23591401: Herzog TJ") for line in lines)
    assert any(line.startswith("  Derived · PMID 37185961: Gaitskell K") for line in lines)
    assert "below the threshold" not in text  # all 54 other events reach 5% in an arm


def test_trial_text_of_nct03722472(ctgov_samples_dir: Path) -> None:
    lines = trial_text(sample_trial(ctgov_samples_dir, NCT03722472), width=80).splitlines()
    arms = [line.split() for line in lines if line.startswith("  EG00") and ":" not in line]
    assert arms == [
        ["EG000", "0/23", "(0.0%)", "0/23", "(0.0%)", "23/23", "(100.0%)"],
        ["EG001", "0/25", "(0.0%)", "0/25", "(0.0%)", "24/25", "(96.0%)"],
    ]
    serious = lines.index("Serious adverse events by organ system (most frequent first)")
    assert lines[serious + 1] == "  none reported"
    start = lines.index("Other adverse events (threshold 5% in any arm)") + 2
    other = [line[:40].strip() for line in lines[start : lines.index("", start)]]
    assert other[:3] == ["Injection site pain", "Fatigue", "Headache"]
    assert len(other) == 8


@pytest.mark.parametrize("width", [40, 60, 80, 120])
def test_trial_text_fits_the_width(ctgov_samples_dir: Path, width: int) -> None:
    for name in (NCT00791778, NCT03722472, OBSERVATIONAL):
        text = trial_text(sample_trial(ctgov_samples_dir, name), width=width)
        too_long = [line for line in text.splitlines() if len(line) > max(width, 80)]
        assert not too_long, too_long[:2]
        if width >= 80:
            assert all(len(line) <= width for line in text.splitlines())


def test_observational_and_without_results(ctgov_samples_dir: Path) -> None:
    text = trial_text(sample_trial(ctgov_samples_dir, OBSERVATIONAL))
    assert "Recruiting · No phase · Observational · enrollment 6000" in text
    assert "Design: Cohort" in text
    assert "Interventions: –" in text
    assert "Results posted: no" in text
    assert "Adverse events" not in text and "Publications" not in text


def test_numbers_not_given_show_as_a_dash_never_zero() -> None:
    trial = make_trial(1, results=True)
    assert trial.adverse_events is not None
    trial.adverse_events.groups[1] = EventGroup("EG001", "Placebo")
    trial.adverse_events.serious[0].stats[1] = EventStat("EG001")
    text = trial_text(trial, width=100)
    placebo = next(line for line in text.splitlines() if line.startswith("  EG001 "))
    assert placebo.split() == ["EG001", "–", "–", "–"]
    event = next(line for line in text.splitlines() if "Fictional serious event" in line)
    assert event.split()[-1] == "–"
    assert "0/" not in placebo


def test_hostile_text_is_printed_as_plain_text() -> None:
    trial = make_trial(
        1,
        results=True,
        title=HOSTILE,
        official_title=HOSTILE,
        conditions=[HOSTILE],
        sponsor=HOSTILE,
        publications=[TrialPublication("90000001", "RESULT", HOSTILE)],
    )
    assert trial.adverse_events is not None
    trial.adverse_events.serious[0].term = HOSTILE
    trial.adverse_events.groups[0].title = HOSTILE
    trial.adverse_events.time_frame = HOSTILE
    text = trial_text(trial)
    assert_terminal_safe(text)
    assert "[bold]markup[/bold]" in text  # markup is text here, never interpreted
    for out in (trials_csv([trial]), adverse_events_csv([trial])):
        assert_terminal_safe(out)


# --------------------------------------------------------------------------------------------
# CSV


def test_trials_csv_columns_and_values(ctgov_samples_dir: Path) -> None:
    trials = [
        sample_trial(ctgov_samples_dir, NCT00791778),
        make_trial(2),
        make_trial(3, has_results=None, phases=[]),
    ]
    text = trials_csv(trials)
    assert text.splitlines()[0] == ",".join(TRIALS_CSV_COLUMNS)
    assert TRIALS_CSV_COLUMNS == (
        "nct_id", "title", "status", "phases", "enrollment", "start", "completion",
        "has_results", "results_first_posted", "publications", "sponsor",
    )  # fmt: skip
    first, second, third = rows(text)
    assert first == {
        "nct_id": "NCT00791778",
        "title": "Comparison of Nexavar/Placebo as Maintenance Therapy for Patients With "
        "Advanced Ovarian or Primary Peritoneal Cancer",
        "status": "COMPLETED",
        "phases": "PHASE2",
        "enrollment": "246",
        "start": "2008-11",
        "completion": "2012-12",
        "has_results": "true",
        "results_first_posted": "2012-11-30",
        "publications": "23591401;37185961",
        "sponsor": "Bayer",
    }
    assert (second["phases"], second["has_results"], second["results_first_posted"]) == (
        "PHASE1|PHASE2", "false", "",
    )  # fmt: skip
    assert (third["phases"], third["has_results"]) == ("", "")  # unknown stays empty


def test_adverse_events_csv_of_nct03722472(ctgov_samples_dir: Path) -> None:
    trial = sample_trial(ctgov_samples_dir, NCT03722472)
    table = rows(adverse_events_csv([trial, make_trial(5)]))  # the second has no results
    assert list(table[0]) == list(EVENTS_CSV_COLUMNS)
    arms = [r for r in table if r["level"] == "arm"]
    assert [
        (r["group_id"], r["category"], r["affected"], r["at_risk"], r["percent"]) for r in arms
    ] == [
        ("EG000", "deaths", "0", "23", "0.0"),
        ("EG000", "serious", "0", "23", "0.0"),
        ("EG000", "other", "23", "23", "100.0"),
        ("EG001", "deaths", "0", "25", "0.0"),
        ("EG001", "serious", "0", "25", "0.0"),
        ("EG001", "other", "24", "25", "96.0"),
    ]
    events = [r for r in table if r["level"] == "event"]
    assert len(events) == 16  # eight other events in two arms
    assert {r["category"] for r in events} == {"other"}
    haemoglobin = [r for r in events if r["term"] == "Haemoglobin decreased"]
    assert [(r["group_id"], r["affected"], r["at_risk"], r["percent"]) for r in haemoglobin] == [
        ("EG000", "1", "23", "4.3"),
        ("EG001", "5", "25", "20.0"),
    ]
    assert haemoglobin[0]["organ_system"] == "Investigations"
    assert haemoglobin[0]["group_title"] == "Single-vial Presentation ID93 + GLA-SE"
    assert haemoglobin[0]["events"] == ""  # numEvents not given: empty, not 0
    assert {r["nct_id"] for r in table} == {"NCT03722472"}


def test_adverse_events_csv_of_nct00791778_has_every_event(ctgov_samples_dir: Path) -> None:
    trial = sample_trial(ctgov_samples_dir, NCT00791778)
    table = rows(adverse_events_csv([trial]))
    arms = [r for r in table if r["level"] == "arm" and r["category"] == "deaths"]
    assert [(r["affected"], r["at_risk"], r["percent"]) for r in arms] == [("", "", "")] * 2
    events = [r for r in table if r["level"] == "event"]
    assert sum(r["category"] == "serious" for r in events) == 44 * 2
    assert sum(r["category"] == "other" for r in events) == 54 * 2


def test_csv_cells_cannot_run_as_formulas() -> None:
    trial = make_trial(
        1, results=True, title='=HYPERLINK("http://example.invalid")', sponsor="@SUM(A1)"
    )
    assert trial.adverse_events is not None
    trial.adverse_events.other[0].term = "-2+3"
    row = rows(trials_csv([trial]))[0]
    assert row["title"] == '\'=HYPERLINK("http://example.invalid")'
    assert row["sponsor"] == "'@SUM(A1)"
    terms = {r["term"] for r in rows(adverse_events_csv([trial]))}
    assert "'-2+3" in terms


def test_gap_text() -> None:
    gap = PublicationGap(registered=12, completed=9, with_results=1, with_publication=3, silent=4)
    assert gap_text(gap) == (
        "12 registered · 9 completed · 1 with results posted · 3 with a linked publication · "
        "4 completed more than two years ago with neither"
    )


def test_trial_path_imports_neither_httpx_nor_textual() -> None:
    """``trial NCT --json`` on a warm cache must stay light (DESIGN.md budget): the parser, the
    model and the renderings pull in no HTTP or UI library."""
    import subprocess
    import sys

    code = (
        "import sys, mscterm.ctgov.parser, mscterm.ctgov.errors, mscterm.trialtext, "
        "mscterm.trialstats\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'httpx', 'textual', 'rich', "
        "'diskcache', 'sqlite3', 'lxml'})\n"
        "print(','.join(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == ""
