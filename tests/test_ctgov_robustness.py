"""The ctgov parser on what the registry (or a hostile server) may send besides the recordings.

CTGOV_FACTS.md lists the variations: partial dates, missing ``type``, string counts such as
``"NA"``, missing ``numEvents``, absent modules, no ``phases``, no ``hasResults``. Beyond those,
every body here is fictional (NCT ids from NCT99000000 up, PMIDs from 90000000 up) and built by
hand, so these tests do not lean on the stand-in server's own builder.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mscterm.ctgov import parser
from mscterm.ctgov.errors import (
    ApiError,
    BadRequest,
    CTGovError,
    MalformedResponse,
    ResponseTooDeep,
    ResponseTooLarge,
    StudyNotFound,
    TruncatedResponse,
    UnexpectedShape,
    UnknownEndpoint,
    api_error,
)
from mscterm.ctgov.parser import parse_search_page, parse_study, study_to_trial

BASE: dict[str, Any] = {
    "protocolSection": {
        "identificationModule": {
            "nctId": "NCT99000001",
            "briefTitle": "Fictional MSC infusion trial",
            "officialTitle": "A fictional trial of mesenchymal stromal cells",
        },
        "statusModule": {
            "overallStatus": "COMPLETED",
            "startDateStruct": {"date": "2015-03", "type": "ACTUAL"},
            "completionDateStruct": {"date": "2017-06-30", "type": "ACTUAL"},
        },
        "designModule": {"studyType": "INTERVENTIONAL", "phases": ["PHASE1"]},
    },
    "resultsSection": {
        "adverseEventsModule": {
            "frequencyThreshold": "5",
            "eventGroups": [
                {"id": "EG000", "title": "MSC", "seriousNumAffected": 1, "seriousNumAtRisk": 10}
            ],
            "seriousEvents": [
                {
                    "term": "Fictional event",
                    "organSystem": "General disorders",
                    "stats": [{"groupId": "EG000", "numAffected": 1, "numAtRisk": 10}],
                }
            ],
        }
    },
    "hasResults": True,
}


def variant(**changes: Any) -> dict[str, Any]:
    """BASE with dotted paths set (``None`` removes the key)."""
    study = copy.deepcopy(BASE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = study
        for key in parents:
            node = node.setdefault(key, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return study


def parse(study: Any) -> Any:
    return parse_study(json.dumps(study).encode())


# --------------------------------------------------------------------------------------------
# the documented variations


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        ("2008", "2008"),
        ("2008-11", "2008-11"),
        ("2008-11-03", "2008-11-03"),
        (" 2008-11 ", "2008-11"),
        ("November 2008", None),
        ("2008-13", None),
        ("2008-11-32", None),
        ("2008-11-03T10:00", None),
        (2008, None),
        ("", None),
    ],
)
def test_partial_dates_keep_their_precision(sent: Any, kept: str | None) -> None:
    study = variant(protocolSection__statusModule__startDateStruct={"date": sent})
    assert parse(study).start_date == kept


def test_date_struct_without_type_or_not_a_struct() -> None:
    trial = parse(variant(protocolSection__statusModule__completionDateStruct="2017-06"))
    assert trial.completion_date is None
    trial = parse(variant(protocolSection__statusModule__startDateStruct={"date": "2015"}))
    assert trial.start_date == "2015"


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        (7, 7),
        ("7", 7),
        (" 12 ", 12),
        (0, 0),
        ("0", 0),
        (3.0, 3),
        ("NA", None),
        ("", None),
        ("n/a", None),
        (-1, None),
        (2.5, None),
        (True, None),
        (None, None),
        ({"value": 3}, None),
        ("１２", None),  # full-width digits are not a count
        (10**12, None),
    ],
)
def test_counts_the_registry_does_not_give_are_null_never_zero(sent: Any, kept: Any) -> None:
    group = {"id": "EG000", "title": "MSC", "otherNumAffected": sent, "otherNumAtRisk": 10}
    stat = {"groupId": "EG000", "numEvents": sent, "numAffected": sent, "numAtRisk": 10}
    event = {"term": "Fictional event", "stats": [stat]}
    trial = parse(
        variant(
            resultsSection__adverseEventsModule__eventGroups=[group],
            resultsSection__adverseEventsModule__otherEvents=[event],
            protocolSection__designModule__enrollmentInfo={"count": sent},
        )
    )
    assert trial.enrollment == kept
    assert trial.adverse_events.groups[0].other_affected == kept
    assert trial.adverse_events.other[0].stats[0].events == kept
    assert trial.adverse_events.other[0].stats[0].affected == kept


def test_missing_num_events_and_deaths_stay_null() -> None:
    events = parse(BASE).adverse_events
    assert events.serious[0].stats[0].events is None
    assert events.groups[0].deaths_affected is None
    assert events.groups[0].other_at_risk is None
    assert events.other == []  # no otherEvents key


def test_absent_modules_give_empty_values() -> None:
    bare = {"protocolSection": {"identificationModule": {"nctId": "NCT99000002"}}}
    trial = parse(bare)
    assert trial.nct_id == "NCT99000002"
    assert (trial.title, trial.official_title, trial.status) == ("", None, None)
    assert (trial.phases, trial.study_type, trial.design, trial.enrollment) == (
        [],
        None,
        None,
        None,
    )
    assert (trial.conditions, trial.interventions, trial.publications) == ([], [], [])
    assert (trial.sponsor, trial.adverse_events, trial.has_results) == (None, None, None)


def test_has_results_when_missing_is_derived_or_unknown() -> None:
    assert parse(variant(hasResults=None)).has_results is True  # a results section is there
    assert parse(variant(hasResults=None, resultsSection=None)).has_results is None
    posted = {"date": "2019-01-15"}
    study = variant(
        hasResults=None,
        resultsSection=None,
        protocolSection__statusModule__resultsFirstPostDateStruct=posted,
    )
    trial = parse(study)
    assert (trial.has_results, trial.results_first_posted) == (True, "2019-01-15")
    assert parse(variant(hasResults=False, resultsSection=None)).has_results is False
    assert parse(variant(hasResults="yes", resultsSection=None)).has_results is None


def test_observational_without_phases_and_with_observational_model() -> None:
    design = {
        "studyType": "OBSERVATIONAL",
        "designInfo": {"observationalModel": "COHORT", "timePerspective": "PROSPECTIVE"},
    }
    trial = parse(variant(protocolSection__designModule=design))
    assert trial.phases == []
    assert trial.study_type == "OBSERVATIONAL"
    assert trial.design is not None and trial.design.model == "COHORT"


def test_title_falls_back_to_the_official_title() -> None:
    trial = parse(variant(protocolSection__identificationModule__briefTitle=None))
    assert trial.title == "A fictional trial of mesenchymal stromal cells"


# --------------------------------------------------------------------------------------------
# untrusted text


def test_control_and_bidi_characters_are_dropped() -> None:
    hostile = "Evil\x1b[2J\x1b]0;title\x07 trial\u202e reversed\u2066 \x9b31m"
    event = {"term": hostile, "organSystem": "Org\x00an", "stats": []}
    trial = parse(
        variant(
            protocolSection__identificationModule__briefTitle=hostile,
            protocolSection__conditionsModule={"conditions": [hostile, "\x1b\x07"]},
            resultsSection__adverseEventsModule__otherEvents=[event],
            resultsSection__adverseEventsModule__description="Line one\x1b[31m\nline \u202etwo",
        )
    )
    for text in (trial.title, trial.conditions[0], trial.adverse_events.other[0].term):
        assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text), repr(text)
        assert not any(c in text for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    assert trial.title.startswith("Evil")
    assert trial.conditions == [trial.title]  # the control-only condition is dropped
    assert trial.adverse_events.other[0].organ_system == "Organ"  # the one cleaner drops it
    assert (
        trial.adverse_events.description == "Line one\nline two"
    )  # escapes whole, paragraphs kept


def test_markup_is_kept_as_text_and_markdown_escapes_removed() -> None:
    trial = parse(
        variant(
            protocolSection__identificationModule__briefTitle="[bold red]not markup[/] <b>x</b>",
            resultsSection__adverseEventsModule__description="Dose \\[lyophilized\\] \\< 5 \\* 2",
        )
    )
    assert trial.title == "[bold red]not markup[/] <b>x</b>"
    assert trial.adverse_events.description == "Dose [lyophilized] < 5 * 2"


def test_long_text_is_bounded() -> None:
    trial = parse(variant(protocolSection__identificationModule__briefTitle="x" * 100_000))
    assert len(trial.title) == parser.MAX_TEXT
    assert trial.title.endswith("…")


# --------------------------------------------------------------------------------------------
# wrong types anywhere read as absent


@pytest.mark.parametrize(
    "changes",
    [
        {"protocolSection__identificationModule__briefTitle": {"text": "x"}},
        {"protocolSection__conditionsModule": {"conditions": "Fictional condition"}},
        {"protocolSection__conditionsModule": ["a", "b"]},
        {"protocolSection__designModule__phases": {"0": "PHASE1"}},
        {"protocolSection__designModule__designInfo": "RANDOMIZED"},
        {"protocolSection__armsInterventionsModule": {"interventions": [1, None, {"name": 5}]}},
        {"protocolSection__referencesModule": {"references": [["23591401"], {"pmid": 5}]}},
        {"resultsSection__adverseEventsModule__eventGroups": [{"title": "no id"}, "EG000"]},
        {"resultsSection__adverseEventsModule__seriousEvents": [{"stats": [[1, 2], None]}]},
        {"resultsSection__adverseEventsModule": []},
        {"resultsSection": "none"},
        {"protocolSection__statusModule": None, "protocolSection__designModule": 7},
    ],
)
def test_wrong_types_never_crash(changes: dict[str, Any]) -> None:
    trial = parse(variant(**changes))
    assert trial.nct_id == "NCT99000001"
    json.dumps(trial.to_json())  # still plain JSON


def test_wrong_types_read_as_absent_values() -> None:
    trial = parse(
        variant(
            protocolSection__conditionsModule={"conditions": ["ok", 3, None, {"x": 1}]},
            protocolSection__designModule__phases=["PHASE1", 2, None],
            resultsSection__adverseEventsModule__eventGroups=[{"title": "no id"}, {"id": "EG001"}],
        )
    )
    assert trial.conditions == ["ok"]
    assert trial.phases == ["PHASE1"]
    assert [g.id for g in trial.adverse_events.groups] == ["EG001"]


def test_publications_validate_pmids_and_keep_citations() -> None:
    refs = [
        {"pmid": "90000001", "type": "RESULT", "citation": "Fictional A. 2020."},
        {"pmid": "0123", "type": "BACKGROUND", "citation": "Fictional B. 2021."},
        {"pmid": " 90000002 ", "type": "DERIVED"},
        {"type": "BACKGROUND"},
    ]
    trial = parse(variant(protocolSection__referencesModule={"references": refs}))
    assert [(p.pmid, p.type, p.citation) for p in trial.publications] == [
        ("90000001", "RESULT", "Fictional A. 2020."),
        (None, "BACKGROUND", "Fictional B. 2021."),
        ("90000002", "DERIVED", ""),
    ]


def test_numeric_frequency_threshold_becomes_text() -> None:
    for sent, kept in ((5, "5"), (2.5, "2.5"), ("0", "0"), (None, None), ([5], None)):
        study = variant(resultsSection__adverseEventsModule__frequencyThreshold=sent)
        assert parse(study).adverse_events.frequency_threshold == kept


def test_nct_id_is_required_and_normalised() -> None:
    assert parse(variant(protocolSection__identificationModule__nctId="nct99000003")).nct_id == (
        "NCT99000003"
    )
    for bad in (None, "NCT123", "99000001", 99000001, "NCT99000001 OR 1=1"):
        with pytest.raises(UnexpectedShape):
            parse(variant(protocolSection__identificationModule__nctId=bad))
    for bad_study in ([], "NCT99000001", None, {"studies": []}):
        with pytest.raises(UnexpectedShape):
            parse(bad_study)
    with pytest.raises(UnexpectedShape):
        study_to_trial(["not", "a", "study"])


# --------------------------------------------------------------------------------------------
# bodies that are not usable JSON


def test_deep_nesting_is_refused_with_a_typed_error() -> None:
    for body in (b"[" * 200_000, b'{"a":' * 100_000, b"[" * 5_000 + b"]" * 5_000):
        with pytest.raises(ResponseTooDeep):
            parse_study(body)
        with pytest.raises(ResponseTooDeep):
            parse_search_page(body)


def test_truncated_json_is_a_truncated_response() -> None:
    body = json.dumps(BASE).encode()
    for cut in (len(body) // 2, len(body) - 1, 1, body.index(b"Fictional MSC") + 4):
        with pytest.raises(TruncatedResponse):
            parse_study(body[:cut])
    for empty in (b"", b"  \n"):
        with pytest.raises(TruncatedResponse):
            parse_study(empty)


def test_garbage_is_malformed_but_not_truncated() -> None:
    for body in (b"<html><body>Bad Gateway</body></html>", b"{'a': 1}", b"\xff\xfe\x00{", b"NaN!"):
        with pytest.raises(MalformedResponse) as caught:
            parse_study(body)
        assert not isinstance(caught.value, TruncatedResponse | ResponseTooDeep)
    with pytest.raises(MalformedResponse):
        parse_study(b'{"n": ' + b"1" * 6000 + b"}")  # beyond Python's int-digits limit


def test_absurd_size_is_refused_before_decoding() -> None:
    body = b" " * (parser.MAX_BODY_BYTES + 1)
    with pytest.raises(ResponseTooLarge) as caught:
        parse_search_page(body)
    assert "64 MB" in str(caught.value)


def test_every_parse_error_is_a_ctgov_error_with_one_line() -> None:
    for body in (b"", b"[" * 100_000, b"<html>", b'{"studies": 5}', b"{}"):
        with pytest.raises(CTGovError) as caught:
            parse_search_page(body)
        message = str(caught.value)
        assert message and "\n" not in message and len(message) < 200


# --------------------------------------------------------------------------------------------
# search pages


def test_page_skips_unreadable_studies_with_a_warning() -> None:
    good = variant()
    page = parse_search_page(
        json.dumps({"studies": [good, {"protocolSection": {}}, 5, good], "totalCount": 4}).encode()
    )
    assert [t.nct_id for t in page.trials] == ["NCT99000001", "NCT99000001"]
    assert page.study_count == 4
    assert page.warnings == [
        "study 2 of the page skipped: a study has no valid NCT id",
        "study 3 of the page skipped: a study is not a JSON object",
    ]
    many = parse_search_page(json.dumps({"studies": [{}] * 40}).encode())
    assert many.trials == [] and many.study_count == 40
    assert len(many.warnings) == 6 and many.warnings[-1] == "… and 35 more studies skipped"


def test_empty_page_with_token_and_bad_tokens() -> None:
    page = parse_search_page(b'{"studies": [], "nextPageToken": "abc_DEF-123"}')
    assert (page.trials, page.study_count, page.next_page_token) == ([], 0, "abc_DEF-123")
    for token in ("", "has space", "a\x1bb", "x" * 5000, 42, None, ["t"]):
        body = json.dumps({"studies": [], "nextPageToken": token}).encode()
        assert parse_search_page(body).next_page_token is None
    for total, kept in ((21, 21), ("21", 21), ("NA", None), (-3, None), (True, None)):
        body = json.dumps({"studies": [], "totalCount": total}).encode()
        assert parse_search_page(body).total_count == kept


def test_page_without_studies_list_is_unexpected() -> None:
    for body in (b"[]", b'{"studies": {}}', b'{"nextPageToken": "x"}', json.dumps(BASE).encode()):
        with pytest.raises(UnexpectedShape):
            parse_search_page(body)


# --------------------------------------------------------------------------------------------
# plain-text error answers (CTGOV_FACTS.md "Errors")


def test_api_errors_from_plain_text_bodies() -> None:
    missing = api_error(404, b"NCT number NCT99999999 not found")
    assert isinstance(missing, StudyNotFound)
    assert missing.nct_id == "NCT99999999"
    assert str(missing) == "ClinicalTrials.gov: NCT number NCT99999999 not found"

    bad = api_error(400, "Parameter `nctId` has incorrect format")
    assert isinstance(bad, BadRequest) and bad.status == 400
    assert (
        str(bad) == "ClinicalTrials.gov refused the request: Parameter `nctId` has incorrect format"
    )

    nginx = b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n</body>\r\n</html>"
    assert isinstance(api_error(404, nginx), UnknownEndpoint)

    other = api_error(418, b"")
    assert type(other) is ApiError and other.status == 418
    assert str(other) == "ClinicalTrials.gov answered HTTP 418: no reason given"


def test_api_error_text_is_one_clean_bounded_line() -> None:
    error = api_error(400, ("`filter.phase` is unknown parameter\x1b[2J\n" + "x" * 10_000).encode())
    message = str(error)
    assert message.startswith("ClinicalTrials.gov refused the request: `filter.phase` is unknown")
    assert "\x1b" not in message and "\n" not in message
    assert len(message) < 400
    assert isinstance(api_error(404, b"\xff\xfe not utf-8"), StudyNotFound)
