"""The ClinicalTrials.gov client against the local stand-in: studies, paging, refusals, faults and
the one-request-per-second budget.

The stand-in (``tests/ctgov_server.py``) serves the recorded samples of ``../shared/ctgov/samples``
(when present) and fictional trials NCT99000001 up. Fault tests use a client with a fast retry
policy and a generous private limiter; the rate tests use the client's own limiter.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.ctgov.client import LIMITER_FILE, CTGovClient
from mscterm.ctgov.errors import (
    BadRequest,
    CTGovError,
    DeadlineExceeded,
    MalformedResponse,
    NetworkError,
    RateLimitedError,
    ResponseTooDeep,
    ResponseTooLarge,
    ServerError,
    StudyNotFound,
    TruncatedResponse,
    UnknownEndpoint,
)
from mscterm.ctgov.parser import parse_study
from mscterm.model import TrialsQuery
from mscterm.net.ratelimit import RateLimiter
from tests.ctgov_server import CTGovServer, Fault
from tests.ctgov_studies import fictional_studies

NEXAVAR = "NCT00791778"
ICD = "NCT03722472"
PHELAN = TrialsQuery(cond="Phelan-McDermid Syndrome")


def _settings(tmp_path: Path, server: CTGovServer) -> Settings:
    return Settings(
        cache_dir=tmp_path / "cache", state_dir=tmp_path / "state", ctgov_url=server.url
    )


def _fast(tmp_path: Path, server: CTGovServer, **kwargs: object) -> CTGovClient:
    """A client that retries quickly and is not held back by the 1/s budget."""
    limiter = RateLimiter(tmp_path / "fast-limiter.sqlite3", 1000)
    options: dict[str, object] = {"max_retries": 2, "backoff_base": 0.01, "limiter": limiter}
    options.update(kwargs)
    return CTGovClient(_settings(tmp_path, server), **options)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------
# studies


async def test_a_recorded_study_arrives_whole(
    ctgov_server: CTGovServer, ctgov_samples_dir: Path, tmp_path: Path
) -> None:
    sample = ctgov_samples_dir / "study_nct00791778_full_with_results_serious_events.json"
    async with _fast(tmp_path, ctgov_server) as client:
        trial = await client.study("nct00791778")
    assert trial == parse_study(sample.read_bytes())
    assert trial.adverse_events is not None and len(trial.adverse_events.serious) == 44
    [asked] = ctgov_server.requests_to("study")
    assert asked.path.endswith("/studies/NCT00791778")


async def test_fields_restrict_a_study(ctgov_server: CTGovServer, tmp_path: Path) -> None:
    async with _fast(tmp_path, ctgov_server) as client:
        trial = await client.study(NEXAVAR, fields=["NCTId", "BriefTitle"])
    assert trial.nct_id == NEXAVAR and trial.title.startswith("Comparison of Nexavar")
    assert trial.adverse_events is None and trial.has_results is None and trial.status is None
    assert ctgov_server.requests_to("study")[0].param("fields") == "NCTId,BriefTitle"


async def test_an_old_id_is_redirected_to_the_current_study(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.add_alias("NCT99000100", "NCT99000003")
    async with _fast(tmp_path, ctgov_server) as client:
        trial = await client.study("NCT99000100")
        assert client.requests_made == 2  # the redirect hop passes the limiter too
    assert trial.nct_id == "NCT99000003"
    assert [r.path.rsplit("/", 1)[-1] for r in ctgov_server.requests_to("study")] == [
        "NCT99000100",
        "NCT99000003",
    ]


async def test_unknown_study_is_a_typed_not_found_and_not_retried(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(StudyNotFound) as caught:
            await client.study("NCT99999999")
    assert caught.value.nct_id == "NCT99999999" and caught.value.status == 404
    assert "NCT99999999 not found" in str(caught.value)
    assert len(ctgov_server.requests) == 1


async def test_plain_text_400_is_a_typed_refusal_quoting_the_api(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(BadRequest) as caught:
            await client.search_page(TrialsQuery(term="x"), status=["SOMETIMES"])
    assert caught.value.status == 400
    assert "Invalid value in parameter `overallStatus`: `SOMETIMES`" in str(caught.value)
    assert len(ctgov_server.requests) == 1


async def test_nginx_404_means_a_wrong_base_url(tmp_path: Path) -> None:
    with CTGovServer() as server:
        settings = dataclasses.replace(
            _settings(tmp_path, server), ctgov_url=server.url.replace("/api/v2/", "/api/v9/")
        )
        limiter = RateLimiter(tmp_path / "l.sqlite3", 1000)
        async with CTGovClient(settings, limiter=limiter, backoff_base=0.01) as client:
            with pytest.raises(UnknownEndpoint) as caught:
                await client.study(NEXAVAR)
    assert "URL" in str(caught.value) and "<html" not in str(caught.value)


async def test_a_malformed_id_is_refused_before_any_request(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(BadRequest):
            await client.study("NCT123")
    assert ctgov_server.requests == []


async def test_studies_few_ids_one_request_each_unknown_ones_missing(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _fast(tmp_path, ctgov_server) as client:
        found, missing = await client.studies([NEXAVAR, "nct99000002", "NCT99999999"])
    assert sorted(found) == [NEXAVAR, "NCT99000002"] and missing == ["NCT99999999"]
    assert len(ctgov_server.requests_to("study")) == 3
    assert ctgov_server.requests_to("studies") == []


async def test_studies_many_ids_go_in_filter_ids_batches(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.add_alias("NCT99000200", "NCT99000004")
    asked = [f"NCT{99000000 + n:08d}" for n in range(1, 11)] + ["NCT99000200", "NCT99999999"]
    async with _fast(tmp_path, ctgov_server) as client:
        found, missing = await client.studies(asked, batch_size=5)
    assert sorted(found) == sorted(asked[:11]) and missing == ["NCT99999999"]
    assert found["NCT99000200"].nct_id == "NCT99000004"
    searches = ctgov_server.requests_to("studies")
    assert len(searches) == 3  # 12 ids in batches of 5
    assert all(r.param("fields") is None for r in searches)  # whole studies
    assert searches[0].param("filter.ids") == ",".join(asked[:5])
    # only the two the searches did not return were asked one by one (one redirect hop)
    singles = [r.path.rsplit("/", 1)[-1] for r in ctgov_server.requests_to("study")]
    assert singles == ["NCT99000200", "NCT99000004", "NCT99999999"]


# --------------------------------------------------------------------------------------------
# paging


async def test_recorded_page_pair_then_the_empty_end(
    ctgov_server: CTGovServer, ctgov_samples_dir: Path, tmp_path: Path
) -> None:
    pages = [
        json.loads((ctgov_samples_dir / name).read_bytes())
        for name in ("search_phelan_page1_pagesize5.json", "search_phelan_page2_token.json")
    ]
    recorded = [
        s["protocolSection"]["identificationModule"]["nctId"] for p in pages for s in p["studies"]
    ]
    async with _fast(tmp_path, ctgov_server) as client:
        found = await client.search(PHELAN, page_size=5, fields=["NCTId", "BriefTitle"])
    assert [t.nct_id for t in found.trials] == recorded
    assert found.total == 21 and found.complete and found.pages == 3
    sent = ctgov_server.requests_to("studies")
    assert [r.param("pageToken") for r in sent] == [
        None,
        pages[0]["nextPageToken"],
        pages[1]["nextPageToken"],
    ]
    for request in sent:  # every page repeats the first page's parameters
        assert request.param("query.cond") == "Phelan-McDermid Syndrome"
        assert request.param("pageSize") == "5" and request.param("countTotal") == "true"
        assert request.param("fields") == "NCTId,BriefTitle"


async def test_an_exactly_filled_last_page_leads_to_one_empty_page(tmp_path: Path) -> None:
    with CTGovServer(fictional_studies(6)) as server:
        async with _fast(tmp_path, server) as client:
            found = await client.search(TrialsQuery(term="fictional"), page_size=3)
        assert [t.nct_id for t in found.trials] == [f"NCT9900000{n}" for n in range(1, 7)]
        assert found.total == 6 and found.complete
        assert len(server.requests_to("studies")) == 3  # 3 + 3, then the empty page ends it


async def test_a_short_last_page_ends_paging(tmp_path: Path) -> None:
    with CTGovServer(fictional_studies(7)) as server:
        async with _fast(tmp_path, server) as client:
            found = await client.search(TrialsQuery(term="fictional"), page_size=3)
        assert len(found.trials) == 7 and len(server.requests_to("studies")) == 3


async def test_summary_fields_and_page_size_are_sent(ctgov_server: CTGovServer, tmp_path: Path):
    async with _fast(tmp_path, ctgov_server) as client:
        found = await client.search(
            TrialsQuery(intr="mesenchymal", term="fictional"), status=["COMPLETED", "TERMINATED"]
        )
    [sent] = ctgov_server.requests_to("studies")
    assert sent.param("pageSize") == "1000" and sent.param("countTotal") == "true"
    assert sent.param("query.intr") == "mesenchymal" and sent.param("query.term") == "fictional"
    assert sent.param("filter.overallStatus") == "COMPLETED,TERMINATED"
    assert "NCTId" in (sent.param("fields") or "") and "HasResults" in (sent.param("fields") or "")
    assert found.trials and all(t.status in ("COMPLETED", "TERMINATED") for t in found.trials)
    assert all(t.adverse_events is None for t in found.trials)


async def test_filter_advanced_is_sent_as_essie(ctgov_server: CTGovServer, tmp_path: Path):
    async with _fast(tmp_path, ctgov_server) as client:
        found = await client.search(TrialsQuery(term="fictional"), advanced="AREA[Phase]PHASE3")
    assert found.trials and all("PHASE3" in t.phases for t in found.trials)
    assert ctgov_server.requests_to("studies")[0].param("filter.advanced") == "AREA[Phase]PHASE3"


async def test_paging_stops_at_max_pages_and_says_so(tmp_path: Path) -> None:
    with CTGovServer(fictional_studies(10)) as server:
        async with _fast(tmp_path, server) as client:
            found = await client.search(TrialsQuery(term="fictional"), page_size=2, max_pages=3)
            warnings = client.drain_warnings()
        assert len(found.trials) == 6 and not found.complete and found.total == 10
        assert len(server.requests_to("studies")) == 3
    assert any("stopped after 3 pages" in w and "6 of 10" in w for w in warnings)


async def test_a_topic_of_2500_trials_takes_three_requests_within_one_per_second(
    tmp_path: Path,
) -> None:
    with CTGovServer(fictional_studies(2500)) as server:
        async with CTGovClient(_settings(tmp_path, server)) as client:
            found = await client.search(TrialsQuery(term="fictional"))
        assert len(found.trials) == 2500 and found.total == 2500 and found.complete
        assert len(server.requests_to("studies")) == 3
        assert server.max_requests_in_any_window(1.0) <= 1


# --------------------------------------------------------------------------------------------
# the budget: one request per second, shared by every client on one cache directory


async def test_requests_stay_within_one_per_second_across_clients(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    import asyncio

    settings = _settings(tmp_path, ctgov_server)
    first, second = CTGovClient(settings), CTGovClient(settings)  # two limiters, one file
    try:
        await asyncio.gather(
            first.study("NCT99000001"), second.study("NCT99000002"), first.study("NCT99000003")
        )
    finally:
        await first.aclose()
        await second.aclose()
    assert len(ctgov_server.requests) == 3
    assert ctgov_server.max_requests_in_any_window(1.0) == 1
    assert (tmp_path / "cache" / LIMITER_FILE).is_file()


async def test_the_enforcing_server_never_answers_429(tmp_path: Path) -> None:
    with CTGovServer(fictional_studies(3), enforce_rate_limit=1) as server:
        async with CTGovClient(_settings(tmp_path, server), max_retries=0) as client:
            for n in (1, 2, 3):
                assert (await client.study(f"NCT9900000{n}")).nct_id == f"NCT9900000{n}"


# --------------------------------------------------------------------------------------------
# faults


async def test_429_is_retried_after_its_retry_after(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault("429", retry_after=0.2))
    async with _fast(tmp_path, ctgov_server) as client:
        trial = await client.study("NCT99000001")
    assert trial.nct_id == "NCT99000001"
    first, second = ctgov_server.requests
    assert second.time - first.time >= 0.2


async def test_429_every_time_is_a_rate_limited_error(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault("429", retry_after=0.01, times=10))
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(RateLimitedError) as caught:
            await client.study("NCT99000001")
    assert len(ctgov_server.requests) == 3 and "after 3 tries" in str(caught.value)


@pytest.mark.parametrize("kind", ["500", "502", "503"])
async def test_server_errors_are_retried(
    kind: str, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault(kind, times=2))
    async with _fast(tmp_path, ctgov_server) as client:
        assert (await client.search(TrialsQuery(term="fictional"))).trials
    assert len(ctgov_server.requests) == 3


async def test_server_errors_every_time_end_as_a_server_error(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault("503", times=10))
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(ServerError) as caught:
            await client.study("NCT99000001")
    assert "HTTP 503" in str(caught.value) and "<html" not in str(caught.value)


async def test_a_slow_server_hits_the_deadline_and_is_tried_twice_at_most(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault("slow", delay=2.0, times=5))
    async with _fast(tmp_path, ctgov_server, deadline=0.5) as client:
        with pytest.raises(DeadlineExceeded):
            await client.study("NCT99000001")
    assert len(ctgov_server.requests) == 2


async def test_a_trickling_body_hits_the_deadline(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault("trickle", delay=0.4, chunks=10, times=5))
    async with _fast(tmp_path, ctgov_server, deadline=1.0) as client:
        with pytest.raises(DeadlineExceeded):
            await client.study(NEXAVAR)


@pytest.mark.parametrize("kind", ["truncated", "cut", "empty", "html_200", "drop"])
async def test_broken_bodies_are_retried_then_succeed(
    kind: str, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault(kind, endpoint="study"))
    async with _fast(tmp_path, ctgov_server) as client:
        trial = await client.study("NCT99000005")
    assert trial.nct_id == "NCT99000005"
    assert len(ctgov_server.requests) == 2


@pytest.mark.parametrize("kind", ["truncated", "cut", "html_200"])
async def test_broken_bodies_every_time_are_typed_and_nothing_else(
    kind: str, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault(kind, times=10))
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(CTGovError) as caught:
            await client.study(NEXAVAR)
    assert isinstance(caught.value, MalformedResponse | TruncatedResponse)
    assert "after 3 tries" in str(caught.value)


async def test_deep_nesting_is_refused_once(ctgov_server: CTGovServer, tmp_path: Path) -> None:
    ctgov_server.inject(Fault("deep", depth=200_000, times=5))
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(ResponseTooDeep):
            await client.search(TrialsQuery(term="fictional"))
    assert len(ctgov_server.requests) == 1


@pytest.mark.parametrize("chunked", [False, True])
async def test_a_body_over_the_cap_is_refused_once(
    chunked: bool, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault("huge", size=2 * 1024 * 1024, chunked=chunked, times=5))
    async with _fast(tmp_path, ctgov_server, max_body=1024 * 1024) as client:
        with pytest.raises(ResponseTooLarge) as caught:
            await client.search(TrialsQuery(term="fictional"))
    assert "1 MB" in str(caught.value)
    assert len(ctgov_server.requests) == 1


async def test_designs_64_mb_cap_holds_against_a_gzip_bomb(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.inject(Fault("gzip_bomb", times=5))  # one byte over 64 MB, inflated
    async with _fast(tmp_path, ctgov_server) as client:
        with pytest.raises(ResponseTooLarge) as caught:
            await client.search(TrialsQuery(term="fictional"))
    assert "64 MB" in str(caught.value)
    assert len(ctgov_server.requests) == 1


async def test_a_server_that_is_not_there_is_a_network_error(tmp_path: Path) -> None:
    settings = Settings(
        cache_dir=tmp_path / "c", state_dir=tmp_path / "s", ctgov_url="http://127.0.0.1:9/api/v2/"
    )
    limiter = RateLimiter(tmp_path / "l.sqlite3", 1000)
    async with CTGovClient(settings, limiter=limiter, backoff_base=0.01) as client:
        with pytest.raises(NetworkError) as caught:
            await client.study(NEXAVAR)
    assert "could not be reached" in str(caught.value) and "127.0.0.1" not in str(caught.value)
