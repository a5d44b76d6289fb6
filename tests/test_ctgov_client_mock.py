"""The ClinicalTrials.gov client's paging and id rules with hand-made answers (httpx.MockTransport).

The stand-in server cannot lie in the ways a client must survive: a ``totalCount`` on a later
page, a token on an empty page, a study nobody asked for. These answers are built here, through
the same session, limiter and retry code as the real network.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from mscterm.config import Settings
from mscterm.ctgov.client import CTGovClient
from mscterm.model import TrialsQuery
from mscterm.net.ratelimit import RateLimiter
from tests.conftest import make_trial
from tests.ctgov_studies import trial_to_study

URL = "http://ctgov.test/api/v2/"


def _client(tmp_path: Path, answer: Callable[[httpx.Request], httpx.Response]) -> CTGovClient:
    settings = Settings(cache_dir=tmp_path / "c", state_dir=tmp_path / "s", ctgov_url=URL)
    return CTGovClient(
        settings,
        transport=httpx.MockTransport(answer),
        limiter=RateLimiter(tmp_path / "l.sqlite3", 1000),
        backoff_base=0.01,
        max_retries=1,
    )


def _page(numbers: list[int], token: str | None = None, total: int | None = None) -> bytes:
    body: dict[str, Any] = {"studies": [trial_to_study(make_trial(n)) for n in numbers]}
    if token is not None:
        body["nextPageToken"] = token
    if total is not None:
        body["totalCount"] = total
    return json.dumps(body).encode()


async def test_total_count_is_read_from_the_first_page_only(tmp_path: Path) -> None:
    pages = {None: _page([1, 2], "t2", total=3), "t2": _page([3], total=999)}
    sent: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, content=pages[request.url.params.get("pageToken")])

    async with _client(tmp_path, answer) as client:
        found = await client.search(TrialsQuery(term="x"), page_size=2)
    assert found.total == 3 and [t.nct_id for t in found.trials] == [
        "NCT99000001",
        "NCT99000002",
        "NCT99000003",
    ]
    assert [r.url.params.get("pageToken") for r in sent] == [None, "t2"]


async def test_an_empty_page_ends_paging_even_with_a_token(tmp_path: Path) -> None:
    pages = {None: _page([1], "t2"), "t2": _page([], "t3"), "t3": _page([2])}
    sent: list[str | None] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(request.url.params.get("pageToken"))
        return httpx.Response(200, content=pages[request.url.params.get("pageToken")])

    async with _client(tmp_path, answer) as client:
        found = await client.search(TrialsQuery(term="x"), page_size=1)
    assert [t.nct_id for t in found.trials] == ["NCT99000001"] and found.complete
    assert sent == [None, "t2"]


async def test_every_page_repeats_the_first_requests_parameters(tmp_path: Path) -> None:
    pages = {None: _page([1], "t2"), "t2": _page([2], "t3"), "t3": _page([])}
    sent: list[dict[str, str]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        sent.append(dict(request.url.params))
        return httpx.Response(200, content=pages[request.url.params.get("pageToken")])

    query = TrialsQuery(intr='"mesenchymal stromal cells"', cond="stroke", term="safety")
    async with _client(tmp_path, answer) as client:
        await client.search(
            query, status=["COMPLETED"], advanced="AREA[Phase]PHASE2", page_size=5000
        )
    first = dict(sent[0])
    assert first["pageSize"] == "1000"  # the API's largest page
    assert first["query.intr"] == '"mesenchymal stromal cells"'
    assert first["query.cond"] == "stroke" and first["query.term"] == "safety"
    assert first["filter.overallStatus"] == "COMPLETED"
    assert first["filter.advanced"] == "AREA[Phase]PHASE2"
    for later in sent[1:]:
        token = later.pop("pageToken")
        assert token and later == first


async def test_a_page_repeating_studies_counts_each_once(tmp_path: Path) -> None:
    pages = {None: _page([1, 2], "t2"), "t2": _page([2, 3])}

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=pages[request.url.params.get("pageToken")])

    async with _client(tmp_path, answer) as client:
        found = await client.search(TrialsQuery(term="x"), page_size=2)
    assert [t.nct_id for t in found.trials] == ["NCT99000001", "NCT99000002", "NCT99000003"]


async def test_an_id_search_keeps_only_the_asked_studies(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        asked = request.url.params["filter.ids"].split(",")
        numbers = [int(n[3:]) - 99_000_000 for n in asked] + [77]  # one nobody asked for
        return httpx.Response(200, content=_page(numbers))

    asked = [f"NCT9900000{n}" for n in range(1, 6)]
    async with _client(tmp_path, answer) as client:
        found, missing = await client.studies(asked)
        warnings = client.drain_warnings()
    assert sorted(found) == asked and missing == []
    assert any("not asked for" in w for w in warnings)


async def test_an_unreadable_study_in_a_page_is_skipped_and_said(tmp_path: Path) -> None:
    body = json.loads(_page([1]))
    body["studies"].append({"protocolSection": {"identificationModule": {"nctId": "NCT1"}}})

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=json.dumps(body).encode())

    async with _client(tmp_path, answer) as client:
        found = await client.search(TrialsQuery(term="x"))
        warnings = client.drain_warnings()
    assert [t.nct_id for t in found.trials] == ["NCT99000001"]
    assert any("skipped" in w for w in warnings)


async def test_requests_ask_for_json_and_name_mscterm(tmp_path: Path) -> None:
    seen: list[httpx.Request] = []

    def answer(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, content=json.dumps(trial_to_study(make_trial(1))).encode())

    async with _client(tmp_path, answer) as client:
        await client.study("NCT99000001")
    [request] = seen
    assert request.method == "GET" and request.url.path == "/api/v2/studies/NCT99000001"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["User-Agent"].startswith("mscterm/")
