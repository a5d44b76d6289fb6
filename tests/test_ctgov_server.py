"""The local ClinicalTrials.gov stand-in must answer like the API and misbehave on request.

Every later ctgov test trusts this server, so here it is checked with plain httpx against the
recordings in ``../shared/ctgov/samples`` and CTGOV_FACTS.md (paging, errors, ``fields=``).
Fictional trials use NCT ids from NCT99000000 up.
"""

from __future__ import annotations

import json
import time
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from mscterm.ctgov.errors import ResponseTooDeep, TruncatedResponse
from mscterm.ctgov.parser import SUMMARY_FIELDS, parse_search_page, parse_study
from tests.conftest import make_trial
from tests.ctgov_essie import PIECES, EssieError, load_metadata, parse_essie
from tests.ctgov_server import (
    BOMB_SIZE,
    RECORDED_STUDIES,
    CTGovServer,
    Fault,
    main,
)
from tests.ctgov_studies import fictional_studies, fictional_trial, trial_to_study

PHELAN = {
    "query.cond": "Phelan-McDermid Syndrome",
    "countTotal": "true",
    "pageSize": "5",
    "fields": "NCTId,BriefTitle,OverallStatus,Phase,StudyType,Condition,InterventionName,"
    "LeadSponsorName,EnrollmentCount,BriefSummary,StartDate,CompletionDate,MinimumAge,MaximumAge",
}


def get(server: CTGovServer, path: str, **params: str) -> httpx.Response:
    return httpx.get(server.url + path, params=params, timeout=30)


def ids(response: httpx.Response) -> list[str]:
    return [
        s["protocolSection"]["identificationModule"]["nctId"] for s in response.json()["studies"]
    ]


@pytest.fixture
def six() -> CTGovServer:
    """Six fictional MSC trials NCT99000001..6, started (stopped by the test's ``with``)."""
    return CTGovServer(fictional_studies(6))


# --------------------------------------------------------------------------------------------
# fictional studies round-trip through the parser


@pytest.mark.parametrize("results", [False, True])
def test_trial_to_study_round_trips_through_the_parser(results: bool) -> None:
    trial = make_trial(3, results=results)
    assert parse_study(json.dumps(trial_to_study(trial)).encode()) == trial


def test_fictional_trials_round_trip_and_stay_fictional() -> None:
    for n in range(1, 60):
        trial, _keywords = fictional_trial(n)
        assert parse_study(json.dumps(trial_to_study(trial))) == trial
        assert trial.nct_id.startswith("NCT99")
        assert trial.title.startswith("Fictional")
        assert all(int(p.pmid or 0) >= 90_000_000 for p in trial.publications)
    kinds = [fictional_trial(n)[0] for n in range(1, 60)]
    assert any(t.adverse_events for t in kinds) and any(t.publications for t in kinds)
    assert any(t.study_type == "OBSERVATIONAL" and not t.phases for t in kinds)


# --------------------------------------------------------------------------------------------
# GET /studies/{nctId}


def test_recorded_study_is_served_byte_for_byte(ctgov_samples_dir: Path) -> None:
    with CTGovServer(samples_dir=ctgov_samples_dir) as server:
        for name in RECORDED_STUDIES:
            recorded = (ctgov_samples_dir / name).read_bytes()
            nct = json.loads(recorded)["protocolSection"]["identificationModule"]["nctId"]
            response = get(server, f"studies/{nct.lower()}")  # lower case is accepted
            assert response.status_code == 200
            assert response.headers["content-type"] == "application/json"
            assert response.content == recorded


def test_fields_keep_only_the_requested_leaves_as_the_api_does(ctgov_samples_dir: Path) -> None:
    """Projecting the full NCT02576665 on the leaves of the recorded restricted answer gives
    that answer exactly (no ``type`` beside dates or enrollment, no ``hasResults``)."""
    restricted = json.loads(
        (ctgov_samples_dir / "study_nct02576665_fields_restricted.json").read_text()
    )
    pieces = load_metadata(ctgov_samples_dir / "studies_metadata_field_schema.json")
    by_path = {path: piece for piece, path in pieces.items()}
    asked: set[str] = set()

    def leaves(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                leaves(item, f"{path}.{key}" if path else key)
        elif isinstance(value, list) and value and isinstance(value[0], dict):
            for item in value:
                leaves(item, path)
        else:  # a leaf: its piece, or the piece of the struct holding it (geoPoint.lat)
            asked.add(by_path.get(path) or by_path[path.rsplit(".", 1)[0]])

    leaves(restricted, "")
    with CTGovServer(samples_dir=ctgov_samples_dir) as server:
        response = get(server, "studies/NCT02576665", fields="|".join(sorted(asked)))
    assert response.status_code == 200
    assert response.json() == restricted


def test_every_piece_the_stand_in_knows_is_the_apis(ctgov_samples_dir: Path) -> None:
    recorded = load_metadata(ctgov_samples_dir / "studies_metadata_field_schema.json")
    for piece, path in PIECES.items():
        assert recorded.get(piece) == path, piece
    assert set(SUMMARY_FIELDS) <= set(recorded)  # what a search asks for exists


def test_missing_malformed_and_aliased_ids() -> None:
    with CTGovServer(fictional_studies(2)) as server:
        server.add_alias("NCT99000999", "NCT99000002")
        missing = get(server, "studies/NCT99999999")
        assert (missing.status_code, missing.text) == (404, "NCT number NCT99999999 not found")
        assert missing.headers["content-type"] == "text/plain"
        for bad in ("NCT123", "12345678", "NCT1234567X", "NCT000000001"):
            answer = get(server, f"studies/{bad}")
            assert (answer.status_code, answer.text) == (
                400,
                "Parameter `nctId` has incorrect format",
            )
        moved = get(server, "studies/NCT99000999")
        assert moved.status_code == 301
        assert moved.headers["location"] == "/api/v2/studies/NCT99000002"
        followed = httpx.get(server.url + "studies/NCT99000999", follow_redirects=True)
        assert parse_study(followed.content).nct_id == "NCT99000002"
        assert get(server, "studies/NCT99000001", bogus="1").status_code == 400
        unknown = get(server, "studies/NCT99000001", fields="NoSuchField")
        assert unknown.text == "Parameter 'fields' contains invalid field name: 'NoSuchField'"


def test_unknown_paths_get_nginx_html_404() -> None:
    with CTGovServer() as server:
        for path in ("nope", "studies/NCT99000001/extra", "../../etc"):
            answer = httpx.get(server.url + path)
            assert answer.status_code == 404
            assert answer.headers["content-type"] == "text/html"
            assert b"<center>nginx</center>" in answer.content
        assert httpx.post(server.url + "studies").status_code == 405


# --------------------------------------------------------------------------------------------
# GET /studies: paging


def test_paging_exactly_filled_last_page_leads_to_an_empty_page(six: CTGovServer) -> None:
    with six as server:
        first = get(server, "studies", pageSize="3", countTotal="true", fields="NCTId")
        body = first.json()
        assert ids(first) == ["NCT99000001", "NCT99000002", "NCT99000003"]
        assert body["totalCount"] == 6
        second = get(
            server,
            "studies",
            pageSize="3",
            countTotal="true",
            fields="NCTId",
            pageToken=body["nextPageToken"],
        )
        assert ids(second) == ["NCT99000004", "NCT99000005", "NCT99000006"]
        assert "totalCount" not in second.json()  # first page only, though asked again
        third = get(
            server,
            "studies",
            pageSize="3",
            fields="NCTId",
            pageToken=second.json()["nextPageToken"],
        )
        assert third.json() == {"studies": []}  # the exact multiple's trap: an empty last page


def test_paging_short_last_page_has_no_token(six: CTGovServer) -> None:
    with six as server:
        first = get(server, "studies", pageSize="4")
        second = get(server, "studies", pageSize="4", pageToken=first.json()["nextPageToken"])
        assert len(ids(second)) == 2
        assert "nextPageToken" not in second.json()
        assert "totalCount" not in first.json()  # countTotal was not asked for


def test_page_token_needs_the_first_requests_parameters(six: CTGovServer) -> None:
    with six as server:
        token = get(server, "studies", pageSize="2", **{"query.term": "fictional"}).json()[
            "nextPageToken"
        ]
        same = get(
            server,
            "studies",
            pageSize="5",
            countTotal="true",
            pageToken=token,
            **{"query.term": "fictional"},
        )
        assert same.status_code == 200 and ids(same)[0] == "NCT99000003"
        other = get(server, "studies", pageToken=token, **{"query.term": "other"})
        assert (other.status_code, other.text) == (400, "Invalid value in parameter `pageToken`")
        assert get(server, "studies", pageToken="not-a-token!").status_code == 400


def test_page_size_default_cap_and_bad_values() -> None:
    with CTGovServer(fictional_studies(1_050)) as server:
        assert len(ids(get(server, "studies", fields="NCTId"))) == 10
        assert len(ids(get(server, "studies", fields="NCTId", pageSize="0"))) == 10
        capped = get(server, "studies", fields="NCTId", pageSize="99999")
        assert len(ids(capped)) == 1000 and "nextPageToken" in capped.json()
        for bad in ("-1", "ten", "1.5"):
            answer = get(server, "studies", pageSize=bad)
            assert answer.status_code == 400 and "pageSize" in answer.text


def test_recorded_page_pair_and_its_end(ctgov_samples_dir: Path) -> None:
    page1 = (ctgov_samples_dir / "search_phelan_page1_pagesize5.json").read_bytes()
    page2 = (ctgov_samples_dir / "search_phelan_page2_token.json").read_bytes()
    with CTGovServer(samples_dir=ctgov_samples_dir) as server:
        first = get(server, "studies", **PHELAN)
        assert first.content == page1
        token = parse_search_page(first.content).next_page_token
        assert token == "ZVt07cGHkvI2wRk2CJf6_LLq14bEL8swd7KrgP4dnDeTsPkw"
        second = get(server, "studies", pageToken=token, **PHELAN)
        assert second.content == page2
        after = get(server, "studies", pageToken=json.loads(page2)["nextPageToken"], **PHELAN)
        assert after.json() == {"studies": []}  # the recording ends here
        assert get(server, "studies", pageToken="ZZZ", **PHELAN).status_code == 400
        melanoma = get(
            server,
            "studies",
            countTotal="true",
            pageSize="3",
            **{"query.cond": "melanoma", "filter.overallStatus": "RECRUITING"},
        )
        assert melanoma.json()["totalCount"] == 480


# --------------------------------------------------------------------------------------------
# GET /studies: queries and filters


def test_queries_search_their_areas() -> None:
    studies = fictional_studies(30) + fictional_studies(5, start=31, msc=False)
    with CTGovServer(studies) as server:
        msc = '"mesenchymal stromal cells" OR MSC'
        every = ids(get(server, "studies", pageSize="100", **{"query.intr": msc}))
        assert len(every) == 30 - 2  # the two observational ones have no intervention
        assert "NCT99000031" not in every  # a non-MSC comparator
        gvhd = ids(
            get(
                server,
                "studies",
                pageSize="100",
                **{"query.intr": msc, "query.cond": '"graft vs host disease" OR GVHD'},
            )
        )
        assert gvhd == ["NCT99000001", "NCT99000021"]  # NCT99000011 is observational
        cryo = ids(get(server, "studies", pageSize="100", **{"query.term": "cryopreserved"}))
        assert cryo == ["NCT99000002", "NCT99000012", "NCT99000022", "NCT99000032"]
        completed = get(
            server,
            "studies",
            pageSize="100",
            fields="OverallStatus",
            **{"filter.overallStatus": "COMPLETED|TERMINATED"},
        )
        statuses = {
            s["protocolSection"]["statusModule"]["overallStatus"]
            for s in completed.json()["studies"]
        }
        assert statuses == {"COMPLETED", "TERMINATED"}
        advanced = get(
            server,
            "studies",
            pageSize="100",
            fields="NCTId,Phase,StartDate",
            **{"filter.advanced": "AREA[Phase]PHASE3 AND AREA[StartDate]RANGE[2015,MAX]"},
        )
        for study in advanced.json()["studies"]:
            assert "PHASE3" in study["protocolSection"]["designModule"]["phases"]
            assert study["protocolSection"]["statusModule"]["startDateStruct"]["date"] >= "2015"
        assert advanced.json()["studies"]
        negated = ids(
            get(server, "studies", pageSize="100", **{"query.term": "fictional NOT placebo"})
        )
        without_placebo = [  # the word may also name an adverse-event group
            s["protocolSection"]["identificationModule"]["nctId"]
            for s in studies
            if "placebo" not in json.dumps(s).lower()
        ]
        assert negated == without_placebo and len(negated) < 35


def test_sort_by_a_date_piece() -> None:
    with CTGovServer(fictional_studies(12)) as server:
        answer = get(server, "studies", pageSize="100", sort="StartDate:desc", fields="StartDate")
        dates = [
            s["protocolSection"]["statusModule"]["startDateStruct"]["date"]
            for s in answer.json()["studies"]
        ]
        assert dates == sorted(dates, reverse=True)
        assert get(server, "studies", sort="Nope:desc").status_code == 400


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"filter.phase": "PHASE3"}, "`filter.phase` is unknown parameter"),
        ({"query.recrs": "x"}, "`query.recrs` is unknown parameter"),
        ({"filter.overallStatus": "DONE"}, "Invalid value in parameter `overallStatus`: `DONE`"),
        ({"fields": "NCTId,Bogus"}, "Parameter 'fields' contains invalid field name: 'Bogus'"),
        (
            {"query.term": '"unbalanced'},
            "Error parsing query in query.term: unbalanced double quotes",
        ),
        (
            {"query.cond": "AREA[NoSuchArea]x"},
            "Error parsing query in query.cond: Unknown area name NoSuchArea",
        ),
        ({"countTotal": "maybe"}, "Invalid value in parameter `countTotal`: `maybe`"),
        (
            {"format": "csv"},
            "Invalid value in parameter `format`: `csv` (the stand-in serves json)",
        ),
    ],
)
def test_bad_requests_answer_400_in_plain_text(params: dict[str, str], message: str) -> None:
    with CTGovServer(fictional_studies(2)) as server:
        answer = get(server, "studies", **params)
    assert (answer.status_code, answer.text) == (400, message)
    assert answer.headers["content-type"] == "text/plain"


def test_essie_grammar() -> None:
    areas = set(PIECES) | {"BasicSearch"}
    for good in (
        "a OR b",
        "(a AND b) OR NOT c",
        "AREA[Phase]PHASE3",
        "x AREA[StartDate]RANGE[MIN,2020]",
        'EXPANSION[None]"exact phrase"',
        "a b c",
    ):
        parse_essie(good, areas=areas)
    for bad in ("", "(a", "a)", "AND a", "a OR", '"x', "SEARCH[Location](x)", "RANGE[1]"):
        with pytest.raises(EssieError):
            parse_essie(bad, areas=areas)


# --------------------------------------------------------------------------------------------
# faults


def test_429_with_retry_after_then_normal() -> None:
    with CTGovServer(fictional_studies(1)) as server:
        server.inject(Fault("429", retry_after=2.5, times=2))
        for _ in range(2):
            limited = get(server, "studies/NCT99000001")
            assert (limited.status_code, limited.headers["retry-after"]) == (429, "2.5")
        assert get(server, "studies/NCT99000001").status_code == 200
        assert server.pending_faults == []


def test_server_errors() -> None:
    with CTGovServer(fictional_studies(1)) as server:
        for kind, status, ctype in (
            ("500", 500, "text/plain"),
            ("502", 502, "text/html"),
            ("503", 503, "text/html"),
        ):
            server.inject(Fault(kind))
            answer = get(server, "studies")
            assert (answer.status_code, answer.headers["content-type"]) == (status, ctype)
        server.inject(Fault("http_error", status=504))
        assert get(server, "studies").status_code == 504


def test_faults_match_their_endpoint() -> None:
    with CTGovServer(fictional_studies(1)) as server:
        server.inject(Fault("500", endpoint="studies"))
        assert get(server, "studies/NCT99000001").status_code == 200
        assert get(server, "studies").status_code == 500
        with pytest.raises(ValueError, match="unknown fault kind"):
            Fault("teapot")


def test_slow_and_trickling_answers_arrive_whole() -> None:
    with CTGovServer(fictional_studies(1)) as server:
        server.inject(Fault("slow", delay=0.3))
        start = time.monotonic()
        assert get(server, "studies/NCT99000001").status_code == 200
        assert time.monotonic() - start >= 0.3
        server.inject(Fault("trickle", delay=0.05, chunks=5))
        start = time.monotonic()
        with httpx.stream("GET", server.url + "studies/NCT99000001") as response:
            pieces = list(response.iter_raw())
        assert time.monotonic() - start >= 0.2  # four pauses between five pieces
        assert parse_study(b"".join(pieces)).nct_id == "NCT99000001"
        with pytest.raises(httpx.ReadTimeout):
            server.inject(Fault("slow", delay=2))
            httpx.get(server.url + "studies", timeout=0.2)


def test_faults_are_bounded_in_time() -> None:
    assert Fault("slow", delay=10_000).delay == 60.0
    assert Fault("huge", size=10**15).size == 1024**3


def test_truncated_and_cut_bodies() -> None:
    with CTGovServer(fictional_studies(1)) as server:
        server.inject(Fault("truncated"))
        cut = get(server, "studies/NCT99000001")
        assert cut.status_code == 200 and int(cut.headers["content-length"]) == len(cut.content)
        with pytest.raises(TruncatedResponse):
            parse_study(cut.content)
        server.inject(Fault("cut"))
        with pytest.raises(httpx.RemoteProtocolError):
            get(server, "studies/NCT99000001")


def test_deep_nesting_is_refused_by_the_parser() -> None:
    with CTGovServer() as server:
        server.inject(Fault("deep", depth=50_000))
        answer = get(server, "studies")
        assert len(answer.content) == 100_000
        with pytest.raises(ResponseTooDeep):
            parse_search_page(answer.content)


def test_huge_body_is_streamed_with_or_without_length() -> None:
    with CTGovServer() as server:
        server.inject(Fault("huge", size=3_000_000))
        answer = get(server, "studies")
        assert len(answer.content) == 3_000_000 == int(answer.headers["content-length"])
        assert parse_search_page(answer.content).study_count == 0  # valid JSON, all padding
        server.inject(Fault("huge", chunked=True))
        with httpx.stream("GET", server.url + "studies") as response:
            assert "content-length" not in response.headers
            size = sum(len(piece) for piece in response.iter_raw())
        assert size == BOMB_SIZE  # one byte over DESIGN.md's 64 MB cap


def test_gzip_bomb_is_small_on_the_wire_and_huge_inflated() -> None:
    with CTGovServer() as server:
        server.inject(Fault("gzip_bomb", size=5_000_000))
        with httpx.stream("GET", server.url + "studies") as response:
            assert response.headers["content-encoding"] == "gzip"
            wire = b"".join(response.iter_raw())
        assert len(wire) < 50_000
        assert len(zlib.decompress(wire, 31)) == 5_000_000


def test_empty_html_dropped_and_text_error_answers() -> None:
    with CTGovServer(fictional_studies(1)) as server:
        server.inject(Fault("empty"))
        assert get(server, "studies").content == b""
        server.inject(Fault("html_200"))
        assert get(server, "studies").headers["content-type"] == "text/html"
        server.inject(Fault("drop"))
        with pytest.raises(httpx.RemoteProtocolError):
            get(server, "studies")
        server.inject(Fault("error_404", message="NCT number NCT99000001 not found"))
        assert get(server, "studies/NCT99000001").text == "NCT number NCT99000001 not found"
        server.inject(Fault("error_400"))
        assert get(server, "studies").status_code == 400


def test_enforced_rate_limit_and_request_log() -> None:
    with CTGovServer(fictional_studies(1), enforce_rate_limit=1) as server:
        codes = [get(server, "studies", pageSize="1").status_code for _ in range(3)]
        logged = server.requests_to("studies")
        assert len(logged) == 3 and logged[0].param("pageSize") == "1"
        assert codes[0] == 200
        for previous, request, code in zip(logged[:-1], logged[1:], codes[1:], strict=True):
            # whatever the machine's speed: within 1 s of the previous request means refused
            assert code == (429 if request.time - previous.time < 1.0 else 200)
        assert server.max_requests_in_any_window(1.0) >= 1
        assert logged[0].headers["host"].startswith("127.0.0.1:")
        server.clear_log()
        assert server.requests == []


def test_command_line_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m tests.ctgov_server`` prints its URL and serves until interrupted."""
    served: dict[str, httpx.Response] = {}

    def fake_sleep(seconds: float) -> None:
        url = capsys.readouterr().out.splitlines()[0]
        served["study"] = httpx.get(url + "studies/NCT99000001")
        served["search"] = httpx.get(url + "studies", params={"query.intr": "mesenchymal"})
        raise KeyboardInterrupt

    monkeypatch.setattr("tests.ctgov_server.time.sleep", fake_sleep)
    assert main(["--port", "0", "--fictional", "3"]) == 0
    assert parse_study(served["study"].content).nct_id == "NCT99000001"
    assert [t.nct_id for t in parse_search_page(served["search"].content).trials][:3] == [
        "NCT99000001",
        "NCT99000002",
        "NCT99000003",
    ]


def test_fixture_server_and_sealed_ctgov_url(ctgov_server: CTGovServer) -> None:
    """No test reaches the real registry by accident; the fixture serves the fictional trials."""
    from mscterm.config import load_settings
    from tests.conftest import UNREACHABLE_CTGOV_URL

    assert load_settings().ctgov_url == UNREACHABLE_CTGOV_URL
    page = parse_search_page(get(ctgov_server, "studies", pageSize="100").content)
    fictional = [t.nct_id for t in page.trials if t.nct_id.startswith("NCT99")]
    assert fictional == [f"NCT{99_000_000 + n}" for n in range(1, 11)]
