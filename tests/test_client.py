"""EUtilsClient against the real local stand-in E-utilities server (tests/eutils_server.py).

Everything here goes through httpx, a socket and the server's NCBI-shaped answers: batching,
in-flight de-duplication, the shared rate limit, the parameters NCBI asks for, every injected
fault, and that the API key never leaks into an error message or a log line.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.model import Record
from mscterm.ncbi.client import EUtilsClient
from mscterm.ncbi.errors import (
    ErrorResponse,
    EUtilsError,
    NetworkError,
    RateLimitedError,
    ServerError,
    TruncatedResponse,
)
from mscterm.ncbi.policy import is_transient_error_text, scrub
from mscterm.ncbi.results import CitationQuery
from mscterm.net.ratelimit import RateLimiter
from mscterm.net.retry import parse_retry_after
from tests.conftest import FICTIONAL_PMIDS, FICTIONAL_SEARCH_TERM
from tests.eutils_server import EUtilsServer, Fault, fictional_articles

API_KEY = "0123456789abcdefSECRETKEY42"
REPO = Path(__file__).resolve().parents[1]


def make_client(settings: Settings, **kwargs: object) -> EUtilsClient:
    """A client with test-friendly backoff (jitter of at most a few tens of ms)."""
    kwargs.setdefault("backoff_base", 0.01)
    return EUtilsClient(settings, **kwargs)  # type: ignore[arg-type]


def pmids_of(records: list[Record]) -> list[str]:
    return [r.pmid or "" for r in records]


def assert_key_absent(exc: BaseException) -> None:
    """Neither the message, the repr, nor the formatted traceback may show the key."""
    texts = [str(exc), repr(exc), *map(str, exc.args)]
    texts.append("".join(traceback.format_exception(exc)))
    for text in texts:
        assert API_KEY not in text, text


# -- batching and de-duplication ----------------------------------------------------------------


async def test_thousand_pmids_cost_exactly_five_posts(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    articles = fictional_articles(1000, start=90000001)
    eutils_server.add_articles(articles)
    wanted = list(articles)
    assert wanted[0] == "90000001" and wanted[-1] == "90001000"
    batches: list[list[str]] = []
    async with make_client(settings) as client:
        records = await client.efetch(wanted, on_batch=lambda rs: batches.append(pmids_of(rs)))
        assert client.requests_made == 5
    assert pmids_of(records) == wanted  # every one, in the order asked
    sent = eutils_server.requests_to("efetch")
    assert len(sent) == 5
    assert all(r.method == "POST" for r in sent)
    assert all(0 < len(r.ids) <= 200 for r in sent)
    assert sorted(eutils_server.requested_ids()) == sorted(wanted)  # none twice
    assert sorted(p for batch in batches for p in batch) == sorted(wanted)  # each once
    assert len(batches) == 5
    assert eutils_server.max_requests_in_any_window(1.0) <= 3


async def test_duplicate_input_ids_are_requested_once(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    async with make_client(settings) as client:
        records = await client.efetch(["90000002", "90000001", " 90000002", "90000001"])
    assert pmids_of(records) == ["90000002", "90000001"]
    assert eutils_server.requested_ids() == ["90000002", "90000001"]
    request = eutils_server.requests_to("efetch")[0]
    assert request.param("db") == "pubmed"
    assert request.param("retmode") == "xml"
    assert request.params["id"] == ["90000002,90000001"]  # one comma list, no spaces


async def test_concurrent_calls_for_overlapping_ids_request_each_pmid_once(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    articles = fictional_articles(400, start=90000001)
    eutils_server.add_articles(articles)
    ids = list(articles)
    first, second = ids[:300], ids[150:400]
    seen_second: list[str] = []
    async with make_client(settings) as client:
        a, b = await asyncio.gather(
            client.efetch(first),
            client.efetch(second, on_batch=lambda rs: seen_second.extend(pmids_of(rs))),
        )
    assert pmids_of(a) == first
    assert pmids_of(b) == second
    requested = eutils_server.requested_ids()
    assert sorted(requested) == sorted(ids)  # 150..299 were awaited, not fetched again
    assert len(requested) == len(set(requested))
    assert sorted(seen_second) == sorted(second)  # shared records reach on_batch too, once


async def test_cancelled_owner_does_not_strand_a_waiting_call(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("slow", endpoint="efetch", delay=0.6))
    async with make_client(settings) as client:
        owner = asyncio.create_task(client.efetch(["90000001", "90000002"]))
        await asyncio.sleep(0.1)  # owner's request is now at the (slow) server
        waiter = asyncio.create_task(client.efetch(["90000002"]))
        await asyncio.sleep(0.1)
        owner.cancel()
        records = await asyncio.wait_for(waiter, timeout=10)
        with pytest.raises(asyncio.CancelledError):
            await owner
    assert pmids_of(records) == ["90000002"]
    assert len(eutils_server.requests_to("efetch")) == 2  # the waiter fetched it itself


async def test_waiting_call_gets_the_owners_failure(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("http_error", endpoint="efetch", status=404))
    async with make_client(settings) as client:
        results = await asyncio.gather(
            client.efetch(["90000001"]), client.efetch(["90000001"]), return_exceptions=True
        )
    assert all(isinstance(r, ServerError) and r.status == 404 for r in results)
    assert len(eutils_server.requests_to("efetch")) == 1


async def test_missing_ids_are_simply_absent(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("missing_ids", ids=["90000002"]))
    async with make_client(settings) as client:
        records = await client.efetch(["90000001", "90000002", "90000003", "90009999"])
    assert pmids_of(records) == ["90000001", "90000003"]
    assert len(eutils_server.requests_to("efetch")) == 1  # absence is an answer, not a fault


async def test_on_batch_keeps_earlier_batches_when_a_later_batch_fails(
    eutils_server: EUtilsServer, settings: Settings, tmp_path: Path
) -> None:
    # One request per 0.3 s: batch 1 is answered (and handed to on_batch) before batch 2 leaves.
    limiter = RateLimiter(tmp_path / "slow-limiter.sqlite3", rate=1, per=0.25, margin=0.05)
    delivered: list[list[str]] = []

    def on_batch(records: list[Record]) -> None:
        delivered.append(pmids_of(records))
        if len(delivered) == 1:  # from now on NCBI refuses everything
            eutils_server.inject(Fault("http_error", endpoint="efetch", status=404, times=99))

    async with make_client(settings, limiter=limiter, batch_size=2) as client:
        with pytest.raises(ServerError) as info:
            await client.efetch(FICTIONAL_PMIDS[:8], on_batch=on_batch)
    limiter.close()
    assert info.value.status == 404
    assert delivered == [FICTIONAL_PMIDS[:2]]
    assert len(eutils_server.requests_to("efetch")) == 4  # 404s are not retried


# -- rate limit -------------------------------------------------------------------------------


async def test_never_more_than_three_requests_in_any_second(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.enforce_rate_limit = True  # the server answers 429 itself, as NCBI does
    # Two clients (e.g. the TUI's and a background fetch's) on the same cache directory.
    async with make_client(settings, batch_size=1) as one, make_client(settings) as two:
        await asyncio.gather(
            one.efetch(FICTIONAL_PMIDS[:4]),
            *(two.elink(pmid, "pubmed_pubmed") for pmid in FICTIONAL_PMIDS[:3]),
        )
    assert len(eutils_server.requests) == 7  # no 429, so no retry
    assert eutils_server.max_requests_in_any_window(1.0) <= 3


async def test_api_key_raises_the_limit_to_ten(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.enforce_rate_limit = True
    keyed = dataclasses.replace(settings, api_key=API_KEY)
    async with make_client(keyed, batch_size=1) as client:
        records = await client.efetch(FICTIONAL_PMIDS)
        await asyncio.gather(*(client.count(FICTIONAL_SEARCH_TERM) for _ in range(4)))
    assert len(records) == 10
    assert len(eutils_server.requests) == 14  # no 429, so no retry
    assert eutils_server.max_requests_in_any_window(1.0) <= 10
    assert eutils_server.max_requests_in_any_window(1.0) > 3  # the key's budget is really used


# -- parameters -------------------------------------------------------------------------------


async def test_every_request_carries_tool_email_and_api_key(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    keyed = dataclasses.replace(settings, api_key=API_KEY)
    eutils_server.set_links("90000001", "pubmed_pubmed_refs", ["90000002"])
    async with make_client(keyed) as client:
        await client.efetch(["90000001"])
        await client.esearch(FICTIONAL_SEARCH_TERM)
        await client.count(FICTIONAL_SEARCH_TERM)
        await client.elink("90000001", "pubmed_pubmed_refs")
        await client.ecitmatch([CitationQuery("J Fict", "2020", "1", "1", "Fictus A", "k")])
    assert {r.endpoint for r in eutils_server.requests} == {
        "efetch",
        "esearch",
        "elink",
        "ecitmatch",
    }
    for request in eutils_server.requests:
        assert request.params["tool"] == ["mscterm"]
        assert request.params["email"] == ["tests@example.org"]
        assert request.params["api_key"] == [API_KEY]
        if request.endpoint != "ecitmatch":
            # The key travels in the POST body, never in a URL someone might log.
            assert request.method == "POST"
            assert API_KEY not in request.path


async def test_no_email_and_no_key_are_not_sent_empty(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    bare = dataclasses.replace(settings, email=None, api_key=None)
    async with make_client(bare) as client:
        await client.efetch(["90000001"])
    (request,) = eutils_server.requests
    assert request.params["tool"] == ["mscterm"]
    assert "email" not in request.params
    assert "api_key" not in request.params


# -- faults: retried ------------------------------------------------------------------------


async def test_429_is_retried_after_retry_after(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("429", endpoint="efetch", retry_after=1))
    async with make_client(settings) as client:
        records = await client.efetch(["90000001"])
        assert client.requests_made == 2
    assert pmids_of(records) == ["90000001"]
    first, second = eutils_server.requests_to("efetch")
    assert second.time - first.time >= 1.0


@pytest.mark.parametrize("kind", ["500", "502", "503"])
async def test_server_errors_are_retried_then_succeed(
    eutils_server: EUtilsServer, settings: Settings, kind: str
) -> None:
    eutils_server.inject(Fault(kind, endpoint="efetch"))
    async with make_client(settings) as client:
        records = await client.efetch(["90000001", "90000002"])
    assert pmids_of(records) == ["90000001", "90000002"]
    assert len(eutils_server.requests_to("efetch")) == 2


@pytest.mark.parametrize(
    ("kind", "extra"),
    [
        ("rate_limit_200", {}),  # NCBI's rate-limit JSON inside an HTTP 200
        ("truncated", {}),  # the XML cut in half
        ("empty", {}),  # HTTP 200, no body
        ("drop", {}),  # connection closed without an answer
        ("error_200", {}),  # "Unable to open connection to #PMQuerySrv…": NCBI overloaded
        ("slow", {"delay": 0.5}),  # longer than the read timeout below
    ],
)
async def test_transient_faults_are_retried_then_succeed(
    eutils_server: EUtilsServer, settings: Settings, kind: str, extra: dict[str, float]
) -> None:
    eutils_server.inject(Fault(kind, endpoint="efetch", **extra))  # type: ignore[arg-type]
    async with make_client(settings, timeout=0.25) as client:
        records = await client.efetch(["90000001"])
        assert client.requests_made == 2
    assert pmids_of(records) == ["90000001"]


async def test_transient_esearch_backend_error_is_retried(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    # Default text: "Search Backend failed: Database is not supported: pubmed".
    eutils_server.inject(Fault("error_200", endpoint="esearch"))
    async with make_client(settings) as client:
        result = await client.esearch(FICTIONAL_SEARCH_TERM)
    assert result.count == 10
    assert len(eutils_server.requests_to("esearch")) == 2


# -- faults: final errors ---------------------------------------------------------------------


async def test_persistent_503_raises_server_error_after_all_tries(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("503", endpoint="efetch", times=99))
    async with make_client(settings) as client:  # default max_retries=4
        with pytest.raises(ServerError) as info:
            await client.efetch(["90000001"])
    assert info.value.status == 503
    assert str(info.value) == "NCBI efetch failed: HTTP 503 after 5 tries"
    assert len(eutils_server.requests_to("efetch")) == 5
    assert eutils_server.max_requests_in_any_window(1.0) <= 3  # retries pass the limiter too


@pytest.mark.parametrize(
    ("kind", "error", "words"),
    [
        ("429", RateLimitedError, "HTTP 429"),
        ("rate_limit_200", RateLimitedError, "rate limit"),
        ("500", ServerError, "HTTP 500"),
        ("truncated", TruncatedResponse, "cut off"),
        ("empty", TruncatedResponse, "empty"),
        ("drop", NetworkError, "could not be reached"),
        ("error_200", ErrorResponse, "Unable to open connection"),
    ],
)
async def test_persistent_faults_raise_typed_errors(
    eutils_server: EUtilsServer,
    settings: Settings,
    kind: str,
    error: type[EUtilsError],
    words: str,
) -> None:
    eutils_server.inject(Fault(kind, endpoint="efetch", times=99, retry_after=0.05))
    async with make_client(settings, max_retries=2) as client:
        with pytest.raises(error) as info:
            await client.efetch(["90000001"])
    message = str(info.value)
    assert message.startswith("NCBI efetch ")
    assert words in message
    assert message.endswith("after 3 tries")
    assert "http://" not in message and "\n" not in message
    assert len(eutils_server.requests_to("efetch")) == 3


async def test_slow_server_with_a_short_read_timeout_is_a_network_error(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("slow", endpoint="esearch", delay=0.6, times=2))
    async with make_client(settings, max_retries=1, timeout=0.2) as client:
        with pytest.raises(NetworkError) as info:
            await client.esearch(FICTIONAL_SEARCH_TERM)
    assert str(info.value) == "NCBI esearch failed: NCBI did not answer in time after 2 tries"


@pytest.mark.parametrize("status", [400, 404, 301])
async def test_other_4xx_and_redirects_are_not_retried(
    eutils_server: EUtilsServer, settings: Settings, status: int
) -> None:
    eutils_server.inject(Fault("http_error", endpoint="efetch", status=status, times=99))
    async with make_client(settings) as client:
        with pytest.raises(ServerError) as info:
            await client.efetch(["90000001"])
        assert client.requests_made == 1
    assert info.value.status == status
    assert str(info.value).startswith(f"NCBI efetch failed: HTTP {status}")
    assert len(eutils_server.requests_to("efetch")) == 1


async def test_paging_past_9999_fails_at_once_with_ncbis_words(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    async with make_client(settings) as client:
        with pytest.raises(ErrorResponse) as info:  # HTTP 200 with <ERROR>: not transient
            await client.esearch(FICTIONAL_SEARCH_TERM, retstart=10000)
        assert "cannot be larger than 9998" in str(info.value)
        # The same text as HTTP 400 (also seen from NCBI): ServerError with NCBI's sentence.
        eutils_server.inject(
            Fault(
                "error_200",
                endpoint="esearch",
                status=400,
                message="Search Backend failed: 'retstart' cannot be larger than 9998.",
            )
        )
        with pytest.raises(ServerError) as info400:
            await client.esearch(FICTIONAL_SEARCH_TERM, retstart=10000)
    assert info400.value.status == 400
    assert "cannot be larger than 9998" in str(info400.value)
    assert len(eutils_server.requests_to("esearch")) == 2


async def test_permanent_error_inside_200_is_not_retried(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(
        Fault("error_200", endpoint="efetch", message="Invalid db name specified: nothing")
    )
    async with make_client(settings) as client:
        with pytest.raises(ErrorResponse) as info:
            await client.efetch(["90000001"])
    assert str(info.value) == "NCBI efetch reported an error: Invalid db name specified: nothing"
    assert len(eutils_server.requests_to("efetch")) == 1


# -- the API key never leaks ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("429", times=99, retry_after=0.05),
        Fault("rate_limit_200", times=99),  # NCBI echoes the key in this JSON
        Fault("503", times=99),
        Fault("http_error", status=404),
        Fault("drop", times=99),
        Fault("truncated", times=99),
        Fault("error_200", times=99, message=f"bad request api_key={API_KEY} refused"),
    ],
    ids=lambda f: f.kind,
)
@pytest.mark.parametrize("endpoint", ["efetch", "ecitmatch"])
async def test_api_key_is_absent_from_every_error_message(
    eutils_server: EUtilsServer,
    settings: Settings,
    fault: Fault,
    endpoint: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    keyed = dataclasses.replace(settings, api_key=API_KEY)
    eutils_server.inject(dataclasses.replace(fault, endpoint=endpoint))
    async with make_client(keyed, max_retries=1) as client:
        with pytest.raises(EUtilsError) as info:
            if endpoint == "efetch":
                await client.efetch(["90000001"])
            else:
                await client.ecitmatch([CitationQuery("J Fict", "2020", "1", "1", "Doe J")])
    assert eutils_server.requests[0].params["api_key"] == [API_KEY]  # it was really sent
    assert_key_absent(info.value)
    assert API_KEY not in caplog.text


async def test_api_key_is_absent_when_ncbi_cannot_be_reached(
    settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    # ECitMatch is a GET: the key is in the URL that httpx names in its errors and log lines.
    keyed = dataclasses.replace(settings, api_key=API_KEY, eutils_url="http://127.0.0.1:9/")
    async with make_client(keyed, max_retries=1) as client:
        with pytest.raises(NetworkError) as info:
            await client.ecitmatch([CitationQuery("J Fict", "2020", "1", "1", "Doe J")])
        with pytest.raises(NetworkError) as info2:
            await client.efetch(["90000001"])
    assert str(info.value) == "NCBI ecitmatch failed: NCBI could not be reached after 2 tries"
    assert_key_absent(info.value)
    assert_key_absent(info2.value)
    assert API_KEY not in caplog.text


async def test_httpx_log_lines_are_scrubbed(
    eutils_server: EUtilsServer, settings: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    keyed = dataclasses.replace(settings, api_key=API_KEY)
    async with make_client(keyed) as client:
        await client.ecitmatch([CitationQuery("J Fict", "2020", "1", "1", "Doe J")])
    assert "ecitmatch.cgi" in caplog.text  # httpx did log the request line …
    assert API_KEY not in caplog.text  # … without the key
    assert "api_key=***" in caplog.text


def test_scrub() -> None:
    assert scrub("GET /x?db=pubmed&api_key=abc123&id=1") == "GET /x?db=pubmed&api_key=***&id=1"
    assert scrub('{"api-key":"abc123","count":"4"}') == '{"api-key":"***","count":"4"}'
    assert scrub("key abc123 here", "abc123") == "key *** here"


# -- round trips ------------------------------------------------------------------------------


async def test_esearch_round_trip(eutils_server: EUtilsServer, settings: Settings) -> None:
    async with make_client(settings) as client:
        page = await client.esearch(FICTIONAL_SEARCH_TERM, retstart=2, retmax=3)
        dated = await client.esearch(
            FICTIONAL_SEARCH_TERM,
            sort="pub_date",
            datetype="edat",
            mindate="2005/01/01",
            maxdate="3000",
        )
        nothing = await client.esearch("no such fictional phrase")
    newest_first = sorted(FICTIONAL_PMIDS, key=int, reverse=True)
    assert page.count == 10
    assert page.ids == newest_first[2:5]
    assert page.retstart == 2
    assert sorted(dated.ids) == sorted(FICTIONAL_PMIDS)
    assert nothing.count == 0 and nothing.ids == []
    assert nothing.phrases_not_found  # PhraseNotFound is an answer, not an error
    sent = eutils_server.requests_to("esearch")
    assert sent[0].param("retstart") == "2" and sent[0].param("retmax") == "3"
    assert sent[0].param("db") == "pubmed" and sent[0].param("retmode") == "xml"
    assert "sort" not in sent[0].params
    assert sent[1].param("sort") == "pub_date"
    assert sent[1].param("datetype") == "edat"
    assert sent[1].param("mindate") == "2005/01/01"
    assert sent[1].param("maxdate") == "3000"


async def test_count_round_trip(eutils_server: EUtilsServer, settings: Settings) -> None:
    eutils_server.set_count(FICTIONAL_SEARCH_TERM, 4, since="2026/01/01")
    async with make_client(settings) as client:
        total = await client.count(FICTIONAL_SEARCH_TERM)
        new = await client.count(
            FICTIONAL_SEARCH_TERM, datetype="edat", mindate="2026/01/01", maxdate="3000"
        )
        none = await client.count("no such fictional phrase")
    assert (total, new, none) == (10, 4, 0)
    sent = eutils_server.requests_to("esearch")
    assert all(r.param("rettype") == "count" for r in sent)
    assert sent[1].param("datetype") == "edat"


async def test_elink_round_trip(eutils_server: EUtilsServer, settings: Settings) -> None:
    # NCBI lists the article itself first among its similar articles.
    eutils_server.set_links("90000001", "pubmed_pubmed", ["90000001", "90000003", "90000002"])
    eutils_server.set_links("90000001", "pubmed_pubmed_citedin", ["90000004"])
    eutils_server.set_links("90000002", "pubmed_pubmed_refs", ["90000005", "90000006"])
    async with make_client(settings) as client:
        similar = await client.elink("90000001", "pubmed_pubmed")
        cited_by = await client.elink("90000001", "pubmed_pubmed_citedin")
        refs = await client.elink("90000002", "pubmed_pubmed_refs")
        none = await client.elink("90000003", "pubmed_pubmed_refs")
    assert similar == ["90000003", "90000002"]
    assert cited_by == ["90000004"]
    assert refs == ["90000005", "90000006"]
    assert none == []
    for request in eutils_server.requests_to("elink"):
        assert len(request.ids) == 1  # one id per request: comma lists merge link sets
        assert request.param("dbfrom") == "pubmed" and request.param("db") == "pubmed"
        assert request.param("cmd") == "neighbor"
    assert eutils_server.requests_to("elink")[0].param("linkname") == "pubmed_pubmed"


async def test_ecitmatch_round_trip(eutils_server: EUtilsServer, settings: Settings) -> None:
    eutils_server.set_citmatch("j fict stem cell res|2020|1|100|fictus a", "90000001")
    eutils_server.set_citmatch("j fict stem cell res|2021|2|5", "AMBIGUOUS")
    queries = [
        CitationQuery("J Fict Stem Cell Res", "2020", "1", "100", "Fictus A", "first"),
        CitationQuery("J Fict Stem Cell Res", "2021", "2", "5", "Anyone B", "second"),
        CitationQuery("Fake|Journal", "2000", "1", "1", "", ""),  # no key: its position
    ]
    async with make_client(settings) as client:
        matches = await client.ecitmatch(queries)
    assert [(m.key, m.pmid, m.status) for m in matches] == [
        ("first", "90000001", "FOUND"),
        ("second", None, "AMBIGUOUS"),
        ("2", None, "NOT_FOUND"),
    ]
    (request,) = eutils_server.requests_to("ecitmatch")
    assert request.method == "GET"
    assert request.path.endswith("/ecitmatch.cgi")
    assert request.param("db") == "pubmed" and request.param("retmode") == "xml"
    lines = (request.param("bdata") or "").split("\r")
    assert lines[0] == "J Fict Stem Cell Res|2020|1|100|Fictus A|first|"  # spaces, not "+"
    assert lines[2] == "Fake Journal|2000|1|1||2|"  # a "|" inside a field cannot shift columns


async def test_many_citations_are_sent_in_short_chunks(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    queries = [CitationQuery("J Fict", "2020", "1", str(n), "Doe J", f"k{n}") for n in range(120)]
    async with make_client(settings) as client:
        matches = await client.ecitmatch(queries)
    assert [m.key for m in matches] == [f"k{n}" for n in range(120)]
    sent = eutils_server.requests_to("ecitmatch")
    assert len(sent) == 3
    assert all(len((r.param("bdata") or "").split("\r")) <= 50 for r in sent)


async def test_closed_client_refuses_work(settings: Settings) -> None:
    client = make_client(settings)
    await client.aclose()
    await client.aclose()  # idempotent
    with pytest.raises(NetworkError):
        await client.efetch(["90000001"])


# -- small pieces -----------------------------------------------------------------------------


def test_transient_error_texts() -> None:
    assert is_transient_error_text("Search Backend failed: Database is not supported: pubmed")
    assert is_transient_error_text("Unable to open connection to #PMQuerySrv?dbaf=pubmed")
    assert not is_transient_error_text(
        "Search Backend failed: Exception:\n'retstart' cannot be larger than 9998."
    )
    assert not is_transient_error_text("Invalid db name specified: fleegle")
    assert not is_transient_error_text("Empty id list - nothing todo")


def test_retry_after_values() -> None:
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.5") == 0.5
    assert parse_retry_after("86400") == 86400.0  # the session caps it (and says so)
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    http_date = time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime(time.time() + 5))
    value = parse_retry_after(http_date)
    assert value is not None and 3.0 <= value <= 5.0


def test_importing_the_client_does_not_import_textual() -> None:
    code = "import sys, mscterm.ncbi.client; print('textual' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert out.stdout.strip() == "False"


async def test_no_connection_gives_up_after_one_quick_retry(settings: Settings) -> None:
    """A refused connection (no network) is retried once, not with the full backoff ladder."""
    dead = dataclasses.replace(settings, eutils_url="http://127.0.0.1:9/")
    client = make_client(dead, max_retries=4, backoff_base=0.01)
    try:
        with pytest.raises(NetworkError, match="after 2 tries"):
            await client.efetch(["90000001"])
        assert client.requests_made == 2
    finally:
        await client.aclose()
