"""mscterm.ctgov.parser against ClinicalTrials.gov's real recorded answers.

The recordings are read in place from ``../shared/ctgov/samples`` (never copied here); every
literal expected value below was read off those files. Where a list is long (the 98 adverse
events of NCT00791778) the parsed trial is compared with the raw JSON read by plain ``json``,
field by field, as an independent oracle.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from mscterm.ctgov.parser import parse_search_page, parse_study
from mscterm.model import Trial

DESIGN_MD = Path(__file__).resolve().parents[1].parent / "shared" / "DESIGN.md"

NCT00791778 = "study_nct00791778_full_with_results_serious_events.json"
NCT03722472 = "study_nct03722472_full_with_adverse_events.json"


def read(samples: Path, name: str) -> bytes:
    path = samples / name
    if not path.is_file():
        pytest.skip(f"sample {name} not present")
    return path.read_bytes()


def study(samples: Path, name: str) -> Trial:
    return parse_study(read(samples, name))


# --------------------------------------------------------------------------------------------
# NCT00791778: DESIGN.md's example


def design_trial_json() -> dict[str, Any]:
    """The Trial JSON example of DESIGN.md ("Trials"), whose values are NCT00791778's."""
    if not DESIGN_MD.is_file():
        pytest.skip(f"DESIGN.md not found at {DESIGN_MD}")
    text = DESIGN_MD.read_text(encoding="utf-8")
    start = text.index("`trial --json` prints")
    block = re.search(r"```json\n(.*?)\n```", text[start:], re.DOTALL)
    assert block is not None
    return json.loads(block.group(1))


# DESIGN.md's example gives the adverse-events "description" as null, but the recorded
# NCT00791778 has a description (an acronym list); the parser keeps what the registry sent.
DESIGN_DISAGREES_WITH_SAMPLE = {("adverse_events", "description")}


def assert_shortened_match(expected: Any, actual: Any, path: tuple[str, ...] = ()) -> None:
    """``actual`` fits DESIGN.md's shortened example: a string with ``…`` is a prefix (``…``
    alone stands for any text), a list is a prefix of the parsed list, everything else equal."""
    if path in DESIGN_DISAGREES_WITH_SAMPLE:
        return
    where = ".".join(path) or "<root>"
    if isinstance(expected, dict):
        assert isinstance(actual, dict), where
        assert list(expected) == list(actual), f"{where}: keys differ"
        for key, value in expected.items():
            assert_shortened_match(value, actual[key], (*path, key))
    elif isinstance(expected, list):
        assert isinstance(actual, list), where
        assert len(actual) >= len(expected), where
        for index, value in enumerate(expected):
            assert_shortened_match(value, actual[index], path)
    elif isinstance(expected, str) and "…" in expected:
        assert isinstance(actual, str) and actual, where
        assert actual.startswith(expected.split("…")[0].rstrip()), where
    else:
        assert actual == expected, f"{where}: {actual!r} != {expected!r}"


def test_nct00791778_prints_designs_trial_json(ctgov_samples_dir: Path) -> None:
    trial = study(ctgov_samples_dir, NCT00791778)
    assert_shortened_match(design_trial_json(), trial.to_json())


def test_nct00791778_every_protocol_value(ctgov_samples_dir: Path) -> None:
    data = study(ctgov_samples_dir, NCT00791778).to_json()
    events = data.pop("adverse_events")
    publications = data.pop("publications")
    assert data == {
        "nct_id": "NCT00791778",
        "title": (
            "Comparison of Nexavar/Placebo as Maintenance Therapy for Patients With Advanced "
            "Ovarian or Primary Peritoneal Cancer"
        ),
        "official_title": (
            "A Double-Blind, Randomized Phase II Study Evaluating the Efficacy and Safety of "
            "Sorafenib Compared to Placebo in Ovarian Epithelial Cancer or Primary Peritoneal "
            "Cancer Patients Who Have Achieved a Complete Clinical Response After Standard "
            "Platinum/Taxane Containing Chemotherapy"
        ),
        "status": "COMPLETED",
        "phases": ["PHASE2"],
        "study_type": "INTERVENTIONAL",
        "design": {
            "allocation": "RANDOMIZED",
            "model": "PARALLEL",
            "purpose": "TREATMENT",
            "masking": "DOUBLE",
        },
        "enrollment": 246,
        "start_date": "2008-11",  # recorded without a "type"
        "primary_completion_date": "2011-07",
        "completion_date": "2012-12",
        "results_first_posted": "2012-11-30",
        "conditions": ["Ovarian Neoplasms"],
        "interventions": [
            {"type": "DRUG", "name": "Sorafenib (Nexavar, BAY43-9006)"},
            {"type": "DRUG", "name": "Placebo"},
        ],
        "sponsor": "Bayer",
        "has_results": True,
        "source": "ctgov",
    }
    assert [(p["pmid"], p["type"]) for p in publications] == [
        ("23591401", "RESULT"),
        ("37185961", "DERIVED"),
    ]
    assert publications[0]["citation"].startswith("Herzog TJ, Scambia G, Kim BG")
    assert publications[0]["citation"].endswith("Epub 2013 Apr 13.")
    assert publications[1]["citation"].startswith("Gaitskell K, Rogozinska E")
    assert events["time_frame"] == (
        "From the start of treatment up to 30 days after last study drug administration."
    )
    assert events["description"].startswith("Acronyms used: Gastrointestinal (GI)")
    assert events["frequency_threshold"] == "5"
    assert events["groups"] == [
        {"id": "EG000", "title": "Sorafenib (Nexavar, BAY43-9006)", "deaths_affected": None,
         "deaths_at_risk": None, "serious_affected": 26, "serious_at_risk": 123,
         "other_affected": 121, "other_at_risk": 123},
        {"id": "EG001", "title": "Placebo", "deaths_affected": None, "deaths_at_risk": None,
         "serious_affected": 25, "serious_at_risk": 123, "other_affected": 105,
         "other_at_risk": 123},
    ]  # fmt: skip
    assert len(events["serious"]) == 44
    assert len(events["other"]) == 54
    assert events["serious"][0] == {
        "term": "Neutrophils",
        "organ_system": "Blood and lymphatic system disorders",
        "vocabulary": "NCI-CTCAE (v.3.0)",
        "assessment": "NON_SYSTEMATIC_ASSESSMENT",
        "stats": [
            {"group": "EG000", "events": None, "affected": 0, "at_risk": 123},
            {"group": "EG001", "events": None, "affected": 1, "at_risk": 123},
        ],
    }
    assert events["serious"][-1]["term"] == "Thrombosis/embolism (vascular access)"
    assert events["other"][-1]["term"] == "Urticaria"


def raw_events(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """The registry's events in the Trial JSON shape, read straight from the decoded sample."""
    return [
        {
            "term": e["term"],
            "organ_system": e.get("organSystem"),
            "vocabulary": e.get("sourceVocabulary"),
            "assessment": e.get("assessmentType"),
            "stats": [
                {
                    "group": s["groupId"],
                    "events": s.get("numEvents"),
                    "affected": s.get("numAffected"),
                    "at_risk": s.get("numAtRisk"),
                }
                for s in e["stats"]
            ],
        }
        for e in raw["resultsSection"]["adverseEventsModule"].get(key, [])
    ]


@pytest.mark.parametrize("name", [NCT00791778, NCT03722472])
def test_every_event_term_and_number_as_recorded(ctgov_samples_dir: Path, name: str) -> None:
    body = read(ctgov_samples_dir, name)
    raw = json.loads(body)
    events = parse_study(body).to_json()["adverse_events"]
    assert events["serious"] == raw_events(raw, "seriousEvents")
    assert events["other"] == raw_events(raw, "otherEvents")
    # numEvents is absent from every recorded event: null, never 0
    assert all(s["events"] is None for e in events["serious"] + events["other"] for s in e["stats"])


# --------------------------------------------------------------------------------------------
# NCT03722472: deaths given, no serious events, a RESULT publication


def test_nct03722472_groups_events_and_publication(ctgov_samples_dir: Path) -> None:
    trial = study(ctgov_samples_dir, NCT03722472)
    assert trial.nct_id == "NCT03722472"
    assert trial.title == "Phase 1 Clinical Trial of Single-Vial ID93 + GLA-SE in Healthy Adults"
    assert (trial.status, trial.phases, trial.study_type) == (
        "COMPLETED",
        ["PHASE1"],
        "INTERVENTIONAL",
    )
    assert trial.design is not None
    assert (trial.design.allocation, trial.design.model) == ("RANDOMIZED", "PARALLEL")
    assert (trial.design.purpose, trial.design.masking) == ("PREVENTION", "QUADRUPLE")
    assert trial.enrollment == 48
    assert (trial.start_date, trial.primary_completion_date, trial.completion_date) == (
        "2018-10-02", "2020-06-15", "2020-06-15",
    )  # fmt: skip
    assert trial.results_first_posted == "2023-06-01"
    assert trial.conditions == ["Pulmonary TB"]
    assert [(i.type, i.name) for i in trial.interventions] == [("BIOLOGICAL", "ID93 + GLA-SE")]
    assert trial.sponsor == "Access to Advanced Health Institute (AAHI)"
    assert trial.has_results is True
    assert len(trial.publications) == 1
    publication = trial.publications[0]
    assert (publication.pmid, publication.type) == ("36878897", "RESULT")
    assert publication.citation.startswith("Sagawa ZK, Goman C, Frevol A")
    assert "Nat Commun. 2023 Mar 6;14(1):1138." in publication.citation

    events = trial.adverse_events
    assert events is not None
    assert events.time_frame == "421 days"
    assert events.frequency_threshold == "5"
    assert events.description is not None
    assert events.description.startswith("Solicited adverse events within 7 days")
    groups = [
        (g.id, g.title, g.deaths_affected, g.deaths_at_risk, g.serious_affected,
         g.serious_at_risk, g.other_affected, g.other_at_risk)
        for g in events.groups
    ]  # fmt: skip
    assert groups == [
        ("EG000", "Single-vial Presentation ID93 + GLA-SE", 0, 23, 0, 23, 23, 23),
        ("EG001", "Two-vial Presentation ID93 + GLA-SE", 0, 25, 0, 25, 24, 25),
    ]
    assert events.serious == []  # the module has no seriousEvents key
    other = [
        (e.term, e.organ_system, e.vocabulary, e.assessment,
         [(s.group, s.events, s.affected, s.at_risk) for s in e.stats])
        for e in events.other
    ]  # fmt: skip
    musculo = "Musculoskeletal and connective tissue disorders"
    systematic, non_systematic = "SYSTEMATIC_ASSESSMENT", "NON_SYSTEMATIC_ASSESSMENT"
    meddra = "MedDRA 21.1"

    def arms(a: int, b: int) -> list[tuple[str, None, int, int]]:
        return [("EG000", None, a, 23), ("EG001", None, b, 25)]

    assert other == [
        ("Arthralgia", musculo, meddra, systematic, arms(4, 1)),
        ("Fatigue", "General disorders", meddra, systematic, arms(6, 10)),
        ("Headache", "Nervous system disorders", meddra, systematic, arms(4, 7)),
        ("Injection site pain", "General disorders", meddra, systematic, arms(22, 21)),
        ("Injection site induration", "General disorders", meddra, systematic, arms(3, 0)),
        ("Myalgia", musculo, meddra, systematic, arms(3, 5)),
        ("Haemoglobin decreased", "Investigations", meddra, systematic, arms(1, 5)),
        (
            "Upper respiratory tract infection",
            "Infections and infestations",
            meddra,
            non_systematic,
            arms(4, 2),
        ),
    ]


# --------------------------------------------------------------------------------------------
# studies without results, restricted by fields=, observational


def test_nct02576665_full_terminated_without_results(ctgov_samples_dir: Path) -> None:
    trial = study(ctgov_samples_dir, "study_nct02576665_full.json")
    assert trial.status == "TERMINATED"
    assert trial.phases == ["PHASE1"]
    assert trial.design is not None
    assert (trial.design.allocation, trial.design.model, trial.design.purpose) == (
        "NA", "SINGLE_GROUP", "TREATMENT",
    )  # fmt: skip
    assert trial.design.masking == "NONE"
    assert trial.enrollment == 21
    assert (trial.start_date, trial.primary_completion_date, trial.completion_date) == (
        "2016-07", "2019-05", "2019-12-20",
    )  # fmt: skip
    assert trial.results_first_posted is None
    assert trial.has_results is False
    assert trial.adverse_events is None
    assert [(i.type, i.name) for i in trial.interventions] == [
        ("BIOLOGICAL", "Toca 511"),
        ("DRUG", "Toca FC"),
    ]
    assert trial.sponsor == "Tocagen Inc."
    assert len(trial.conditions) == 12
    assert trial.conditions[0] == "Colorectal Cancer"
    assert [(p.pmid, p.type) for p in trial.publications] == [
        ("29735994", "DERIVED"),
        ("29322091", "DERIVED"),
    ]


def test_nct02576665_restricted_fields_leave_nulls_not_guesses(ctgov_samples_dir: Path) -> None:
    full = study(ctgov_samples_dir, "study_nct02576665_full.json")
    restricted = study(ctgov_samples_dir, "study_nct02576665_fields_restricted.json")
    assert restricted.nct_id == full.nct_id == "NCT02576665"
    assert restricted.title == full.title
    assert restricted.official_title is None  # not asked for
    assert restricted.status == "TERMINATED"
    assert restricted.phases == ["PHASE1"]
    assert restricted.enrollment == 21
    assert restricted.start_date == "2016-07"
    assert restricted.completion_date == "2019-12-20"
    assert restricted.primary_completion_date is None
    assert restricted.design is None  # no designInfo asked for
    assert restricted.has_results is None  # no hasResults: unknown, not False
    assert [(i.type, i.name) for i in restricted.interventions] == [
        (None, "Toca 511"),  # no intervention type asked for
        (None, "Toca FC"),
    ]
    assert restricted.conditions == full.conditions
    assert restricted.sponsor == "Tocagen Inc."
    assert restricted.publications == []


def test_nct06131398_sorted_keys_and_links_only(ctgov_samples_dir: Path) -> None:
    trial = study(ctgov_samples_dir, "study_nct06131398_full_no_officials.json")
    assert trial.title.startswith("A Study of AMG 355 Alone and in Combination With Pembrolizumab")
    assert trial.status == "COMPLETED"
    assert trial.design is not None
    assert (trial.design.allocation, trial.design.model) == ("NON_RANDOMIZED", "SEQUENTIAL")
    assert (trial.design.purpose, trial.design.masking) == ("BASIC_SCIENCE", "NONE")
    assert trial.enrollment == 77
    assert (trial.start_date, trial.completion_date) == ("2024-03-07", "2026-07-22")
    assert [(i.type, i.name) for i in trial.interventions] == [
        ("DRUG", "AMG 355"),
        ("DRUG", "Pembrolizumab"),
    ]
    assert trial.sponsor == "Amgen"
    assert trial.has_results is False
    assert trial.publications == []  # only seeAlsoLinks: no reference


def test_nct06323538_observational_has_no_phases(ctgov_samples_dir: Path) -> None:
    trial = study(ctgov_samples_dir, "study_nct06323538_observational_full.json")
    assert trial.title == "Cohort Study on Plant-based Diets (COPLANT Study)"
    assert trial.study_type == "OBSERVATIONAL"
    assert trial.phases == []
    assert trial.design is not None
    assert (trial.design.model, trial.design.allocation, trial.design.purpose) == (
        "COHORT", None, None,
    )  # fmt: skip
    assert trial.design.masking is None
    assert trial.enrollment == 6000  # ESTIMATED
    assert trial.status == "RECRUITING"
    assert (trial.start_date, trial.primary_completion_date, trial.completion_date) == (
        "2024-04-09", "2027-03-31", "2047-03-31",
    )  # fmt: skip
    assert trial.interventions == []
    assert trial.conditions[:2] == ["Dietary Exposure", "Diabetes Mellitus, Type 2"]
    assert len(trial.conditions) == 9
    assert trial.sponsor == "German Federal Institute for Risk Assessment"
    assert trial.has_results is False
    assert trial.adverse_events is None


def test_nct07062965_protocol_only_subset(ctgov_samples_dir: Path) -> None:
    trial = study(ctgov_samples_dir, "study_nct07062965_fields_restricted_many_site_statuses.json")
    assert trial.status == "RECRUITING"
    assert trial.phases == ["PHASE3"]
    assert trial.study_type is None
    assert trial.enrollment == 400
    assert (trial.start_date, trial.completion_date) == (None, None)
    assert trial.has_results is None
    assert [i.name for i in trial.interventions] == [
        "PF-07248144",
        "Fulvestrant",
        "Everolimus",
        "Exemestane",
    ]
    assert trial.conditions == ["Breast Cancer"]
    assert trial.sponsor == "Pfizer"


def test_restricted_interventional_and_observational(ctgov_samples_dir: Path) -> None:
    phase3 = study(ctgov_samples_dir, "study_nct06382129_fields_restricted.json")
    assert (phase3.status, phase3.phases, phase3.study_type) == (
        "ACTIVE_NOT_RECRUITING", ["PHASE3"], "INTERVENTIONAL",
    )  # fmt: skip
    assert (phase3.enrollment, phase3.start_date, phase3.completion_date) == (
        698, "2024-05-17", "2026-12",
    )  # fmt: skip
    assert [i.name for i in phase3.interventions] == ["BL-B01D1", "Docetaxel"]
    observational = study(ctgov_samples_dir, "study_nct06604689_fields_restricted.json")
    assert (observational.study_type, observational.phases) == ("OBSERVATIONAL", [])
    assert observational.enrollment == 800
    assert observational.sponsor == "Fudan University"
    assert observational.conditions == [
        "NSCLC (Advanced Non-small Cell Lung Cancer)",
        "Brain Metastasases",  # sic: the registry's spelling
    ]


# --------------------------------------------------------------------------------------------
# search pages


@pytest.mark.parametrize(
    ("name", "total", "token", "ids"),
    [
        (
            "search_phelan_page1_pagesize5.json",
            21,
            "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4dnDeTsPkw",
            ["NCT02710084", "NCT05105685", "NCT01525901", "NCT03493607", "NCT07119606"],
        ),
        (
            "search_phelan_page2_token.json",
            None,  # countTotal=true was sent again: later pages never carry it
            "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4bmjeauvk_IQ",
            ["NCT05187377", "NCT03836300", "NCT07014020", "NCT05025241", "NCT07281079"],
        ),
        (
            "search_phelan_pagesize50_reduced.json",
            3,  # edited by the publisher; only its shape is used here
            None,
            ["NCT02710084", "NCT05105685", "NCT01525901"],
        ),
        (
            "search_all_pagesize1_counttotal.json",
            598101,
            "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd6-r3_cfnzeRvfE",
            ["NCT01595035"],
        ),
        (
            "search_cond_melanoma_recruiting_pagesize3.json",
            480,
            "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4ZmTmRvvE",
            ["NCT06970236", "NCT04114136", "NCT04318717"],
        ),
        (
            "search_intr_keytruda_pagesize3.json",
            2924,
            "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4YnzmVtA",
            ["NCT05431270", "NCT03590054", "NCT04795661"],
        ),
        (
            "search_cond_nsclc_term_area_egfr_l858r.json",
            2,
            None,
            ["NCT06382129", "NCT06604689"],
        ),
    ],
)
def test_search_pages_tokens_totals_and_ids(
    ctgov_samples_dir: Path, name: str, total: int | None, token: str | None, ids: list[str]
) -> None:
    page = parse_search_page(read(ctgov_samples_dir, name))
    assert page.total_count == total
    assert page.next_page_token == token
    assert [t.nct_id for t in page.trials] == ids
    assert page.study_count == len(ids)
    assert page.warnings == []
    assert all(t.adverse_events is None for t in page.trials)


def test_search_page_rows_carry_summary_fields(ctgov_samples_dir: Path) -> None:
    page = parse_search_page(read(ctgov_samples_dir, "search_intr_keytruda_pagesize3.json"))
    first, second, third = page.trials
    assert first.phases == ["PHASE1", "PHASE2"]  # a phase 1/2 trial lists both
    assert (first.status, first.enrollment, first.sponsor) == (
        "RECRUITING",
        40,
        "Phanes Therapeutics",
    )
    assert (first.start_date, first.completion_date) == ("2022-08-11", "2028-08")
    assert first.interventions[0].name == "Mavrostobart (PT199)"
    assert first.interventions[0].type is None
    assert (second.status, second.phases, second.enrollment) == ("COMPLETED", ["PHASE1"], 35)
    assert (third.status, third.completion_date) == ("ACTIVE_NOT_RECRUITING", "2029-10")
    assert all(t.has_results is None for t in page.trials)  # HasResults was not asked for

    phelan = parse_search_page(read(ctgov_samples_dir, "search_phelan_page1_pagesize5.json"))
    last = phelan.trials[-1]
    assert last.sponsor == "Assistance Publique - Hôpitaux de Paris"
    assert last.phases == ["NA"]  # the registry's own value for "not applicable"


def test_every_recorded_sample_parses(ctgov_samples_dir: Path) -> None:
    """A new recording dropped into the corpus is parsed too (no sample is left unread)."""
    studies = sorted(ctgov_samples_dir.glob("study_*.json"))
    searches = sorted(ctgov_samples_dir.glob("search_*.json"))
    assert len(studies) >= 9 and len(searches) >= 7
    for path in studies:
        trial = parse_study(path.read_bytes())
        assert trial.nct_id.upper() in path.name.upper(), path.name
        assert Trial.from_json(json.loads(json.dumps(trial.to_json()))) == trial
    for path in searches:
        page = parse_search_page(path.read_bytes())
        assert page.trials and len(page.trials) == page.study_count, path.name
