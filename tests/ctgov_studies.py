"""Fictional registered trials in ClinicalTrials.gov's API v2 JSON shape, for the stand-in server.

:func:`trial_to_study` turns a :class:`mscterm.model.Trial` (e.g. from
``tests.conftest.make_trial``) into the study object ``GET /studies/{nctId}`` would return,
so that parsing it gives the same Trial back (tested). Module names, key order and value types
follow the recorded samples in ``../shared/ctgov/samples`` (dates as ``{date, type}``, counts
as integers, ``hasResults`` at the end). :func:`fictional_studies` builds a varied set for the
demo server and benchmarks.

Fictional trials use NCT ids from NCT99000000 up, PMIDs from 90000000 up and say "Fictional"
in their titles and sponsors: never a real-looking trial.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from mscterm.model import (
    AdverseEvent,
    AdverseEvents,
    EventGroup,
    EventStat,
    Intervention,
    Trial,
    TrialDesign,
    TrialPublication,
)

FICTIONAL_NCT_START = 99_000_000


def fictional_nct(n: int) -> str:
    """``NCT99000000 + n`` (n >= 1 for the generated ones)."""
    return f"NCT{FICTIONAL_NCT_START + n:08d}"


def _drop_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None and v != [] and v != {}}


def _date(value: str | None, kind: str = "ACTUAL") -> dict[str, str] | None:
    return None if value is None else {"date": value, "type": kind}


def _events(events: Sequence[AdverseEvent]) -> list[dict[str, Any]]:
    return [
        _drop_none(
            {
                "term": e.term,
                "organSystem": e.organ_system,
                "sourceVocabulary": e.vocabulary,
                "assessmentType": e.assessment,
                "stats": [
                    _drop_none(
                        {
                            "groupId": s.group,
                            "numEvents": s.events,
                            "numAffected": s.affected,
                            "numAtRisk": s.at_risk,
                        }
                    )
                    for s in e.stats
                ],
            }
        )
        for e in events
    ]


def _adverse_events(events: AdverseEvents) -> dict[str, Any]:
    groups = [
        _drop_none(
            {
                "id": g.id,
                "title": g.title,
                "deathsNumAffected": g.deaths_affected,
                "deathsNumAtRisk": g.deaths_at_risk,
                "seriousNumAffected": g.serious_affected,
                "seriousNumAtRisk": g.serious_at_risk,
                "otherNumAffected": g.other_affected,
                "otherNumAtRisk": g.other_at_risk,
            }
        )
        for g in events.groups
    ]
    return _drop_none(
        {
            "frequencyThreshold": events.frequency_threshold,
            "timeFrame": events.time_frame,
            "description": events.description,
            "eventGroups": groups,
            "seriousEvents": _events(events.serious),
            "otherEvents": _events(events.other),
        }
    )


def trial_to_study(
    trial: Trial,
    *,
    summary: str | None = None,
    keywords: Sequence[str] = (),
    other_names: Sequence[str] = (),
    enrollment_type: str = "ACTUAL",
) -> dict[str, Any]:
    """The v2 study object for ``trial`` (``summary``/``keywords``/``other_names`` are searchable
    text the Trial itself does not keep)."""
    design = trial.design or TrialDesign()
    observational = trial.study_type == "OBSERVATIONAL"
    design_info = _drop_none(
        {
            "allocation": design.allocation,
            "observationalModel" if observational else "interventionModel": design.model,
            "primaryPurpose": design.purpose,
            "maskingInfo": _drop_none({"masking": design.masking}),
        }
    )
    interventions = [
        _drop_none({"type": i.type, "name": i.name, "otherNames": list(other_names)})
        for i in trial.interventions
    ]
    protocol = {
        "identificationModule": _drop_none(
            {
                "nctId": trial.nct_id,
                "organization": {"fullName": trial.sponsor, "class": "OTHER"}
                if trial.sponsor
                else None,
                "briefTitle": trial.title,
                "officialTitle": trial.official_title,
            }
        ),
        "statusModule": _drop_none(
            {
                "overallStatus": trial.status,
                "startDateStruct": _date(trial.start_date),
                "primaryCompletionDateStruct": _date(trial.primary_completion_date),
                "completionDateStruct": _date(trial.completion_date),
                "resultsFirstPostDateStruct": _date(trial.results_first_posted),
            }
        ),
        "sponsorCollaboratorsModule": _drop_none(
            {"leadSponsor": {"name": trial.sponsor, "class": "OTHER"} if trial.sponsor else None}
        ),
        "descriptionModule": _drop_none({"briefSummary": summary}),
        "conditionsModule": _drop_none(
            {"conditions": list(trial.conditions), "keywords": list(keywords)}
        ),
        "designModule": _drop_none(
            {
                "studyType": trial.study_type,
                "phases": list(trial.phases) or None,
                "designInfo": design_info,
                "enrollmentInfo": _drop_none({"count": trial.enrollment, "type": enrollment_type})
                if trial.enrollment is not None
                else None,
            }
        ),
        "armsInterventionsModule": _drop_none({"interventions": interventions}),
        "referencesModule": _drop_none(
            {
                "references": [
                    _drop_none({"pmid": p.pmid, "type": p.type, "citation": p.citation or None})
                    for p in trial.publications
                ]
            }
        ),
    }
    study: dict[str, Any] = {"protocolSection": _drop_none(protocol)}
    if trial.adverse_events is not None:
        study["resultsSection"] = {"adverseEventsModule": _adverse_events(trial.adverse_events)}
    if trial.has_results is not None:
        study["hasResults"] = trial.has_results
    return study


# --------------------------------------------------------------------------------------------
# a varied fictional registry

#: (condition, keywords): each keyword is a term some topic's ``trials_query`` searches for.
THEMES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Graft vs Host Disease", ("steroid-refractory",)),
    ("Knee Osteoarthritis", ("cryopreserved", "freshly thawed")),
    ("Acute Respiratory Distress Syndrome", ("thrombosis",)),
    ("Crohn Disease", ("platelet lysate",)),
    ("Multiple Sclerosis", ("biodistribution",)),
    ("Heart Failure", ("immunogenicity",)),
    ("Acute Myeloid Leukemia", ("relapse",)),
    ("Spinal Cord Injuries", ("good manufacturing practice",)),
    ("Osteogenesis Imperfecta", ("karyotype",)),
    ("Liver Cirrhosis", ("long-term follow-up",)),
)
_STATUSES = (
    "COMPLETED", "RECRUITING", "COMPLETED", "TERMINATED", "ACTIVE_NOT_RECRUITING", "COMPLETED",
    "UNKNOWN", "WITHDRAWN", "NOT_YET_RECRUITING",
)  # fmt: skip
_PHASES = (["PHASE1"], ["PHASE1", "PHASE2"], ["PHASE2"], ["PHASE3"], ["EARLY_PHASE1"])
MSC_PRODUCT = "Fictional allogeneic mesenchymal stromal cells"


def fictional_trial(n: int, *, msc: bool = True) -> tuple[Trial, tuple[str, ...]]:
    """Fictional trial ``n`` (>= 1) and its keywords; every 11th is observational, every third
    completed one has results, every fourth with results a RESULT publication (PMID 9000xxxx)."""
    condition, keywords = THEMES[(n - 1) % len(THEMES)]
    status = _STATUSES[n % len(_STATUSES)]
    observational = n % 11 == 0
    start_year = 2005 + n % 18
    with_results = status == "COMPLETED" and n % 3 == 0
    product = MSC_PRODUCT if msc else "Fictional small-molecule comparator"
    trial = Trial(
        nct_id=fictional_nct(n),
        title=f"Fictional trial {n}: {product.lower()} in {condition.lower()}",
        official_title=f"A fictional study {n} of {product.lower()} for {condition}",
        status=status,
        phases=[] if observational else list(_PHASES[n % len(_PHASES)]),
        study_type="OBSERVATIONAL" if observational else "INTERVENTIONAL",
        design=TrialDesign(model="COHORT")
        if observational
        else TrialDesign("RANDOMIZED", "PARALLEL", "TREATMENT", "DOUBLE"),
        enrollment=20 + (n * 7) % 180,
        start_date=f"{start_year}-{n % 12 + 1:02d}",
        primary_completion_date=f"{start_year + 2}-{n % 12 + 1:02d}",
        completion_date=f"{start_year + 3}-{n % 12 + 1:02d}-15",
        results_first_posted=f"{start_year + 4}-02-01" if with_results else None,
        conditions=[condition],
        interventions=[] if observational else [Intervention("BIOLOGICAL", product)],
        sponsor=f"Fictional Sponsor {n % 7 + 1}",
        has_results=with_results,
    )
    if not observational and n % 2 == 0:
        trial.interventions.append(Intervention("OTHER", "Placebo"))
    if with_results:
        trial.adverse_events = _fictional_events(n)
        if n % 4 == 0:
            trial.publications = [
                TrialPublication(
                    pmid=str(90_000_000 + n),
                    type="RESULT",
                    citation=f"Fictus A, Testperson B. Fictional results of trial {n}. "
                    f"J Fict Res. {start_year + 5};1:{n}.",
                )
            ]
    return trial, keywords


def _fictional_events(n: int) -> AdverseEvents:
    at_risk = (10 + n % 15, 10 + n % 13)

    def stats(a: int, b: int) -> list[EventStat]:
        return [EventStat("EG000", None, a, at_risk[0]), EventStat("EG001", None, b, at_risk[1])]

    return AdverseEvents(
        time_frame="12 months after infusion",
        frequency_threshold="5",
        groups=[
            EventGroup("EG000", "Fictional MSC arm", 0, at_risk[0], 2, at_risk[0], 6, at_risk[0]),
            EventGroup("EG001", "Placebo", 0, at_risk[1], 1, at_risk[1], 4, at_risk[1]),
        ],
        serious=[
            AdverseEvent(
                "Pneumonia", "Infections and infestations", "MedDRA (fictional)",
                "SYSTEMATIC_ASSESSMENT", stats(1, 1),
            ),
            AdverseEvent(
                "Deep vein thrombosis", "Vascular disorders", "MedDRA (fictional)",
                "SYSTEMATIC_ASSESSMENT", stats(1, 0),
            ),
        ],
        other=[
            AdverseEvent(
                "Fever", "General disorders", "MedDRA (fictional)", "SYSTEMATIC_ASSESSMENT",
                stats(5, 2),
            ),
            AdverseEvent(
                "Headache", "Nervous system disorders", "MedDRA (fictional)",
                "NON_SYSTEMATIC_ASSESSMENT", stats(2, 3),
            ),
        ],
    )  # fmt: skip


def fictional_studies(count: int, start: int = 1, *, msc: bool = True) -> list[dict[str, Any]]:
    """``count`` fictional v2 studies from ``NCT99000000 + start``, as :func:`fictional_trial`."""
    studies = []
    for n in range(start, start + count):
        trial, keywords = fictional_trial(n, msc=msc)
        summary = (
            f"Fictional registry entry {n} for software tests: {trial.title.lower()}. "
            f"Safety outcomes include {' and '.join(keywords)}."
        )
        studies.append(trial_to_study(trial, summary=summary, keywords=list(keywords)))
    return studies
