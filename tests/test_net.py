"""The shared HTTP layer (mscterm.net) under the E-utilities client, driven by httpx.MockTransport.

The layers wrap any transport, so these tests swap the network for ``httpx.MockTransport`` (as
httpx's own ``_transports/mock.py`` intends) beside the socket-level tests against the stand-in
server (tests/test_client.py, tests/test_hostile_server.py): the shared limiter still sees every
request, the deadline still ends a stalling body, the body cap still holds after decompression.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gzip
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpcore
import httpx
import pytest

from mscterm.config import Settings
from mscterm.ncbi import errors as ncbi_errors
from mscterm.ncbi.client import EUtilsClient
from mscterm.ncbi.errors import (
    DeadlineExceeded,
    EUtilsError,
    NetworkError,
    RateLimitedError,
    ResponseTooLarge,
    ServerError,
    UnusableURLError,
)
from mscterm.net import errors as net_errors
from mscterm.net.transport import default_transport
from tests.eutils_server import EFETCH_HEADER, EUtilsServer, fictional_article

Handler = Callable[[httpx.Request], httpx.Response]


class CountingLimiter:
    """Stands in for the shared RateLimiter: counts turns, optionally makes each one wait."""

    def __init__(self, wait: float = 0.0) -> None:
        self.turns = 0
        self.wait = wait
        self.restamped: list[float] = []

    async def acquire(self) -> float:
        self.turns += 1
        if self.wait:
            await asyncio.sleep(self.wait)
        return float(self.turns)

    def restamp(self, stamp: float) -> None:
        self.restamped.append(stamp)


class Dripping(httpx.AsyncByteStream):
    """A body that sends one byte every ``pause`` seconds (at most ``count`` bytes)."""

    def __init__(self, pause: float, count: int = 1000) -> None:
        self.pause = pause
        self.count = count
        self.sent = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for _ in range(self.count):
            await asyncio.sleep(self.pause)
            self.sent += 1
            yield b" "


class Counted(httpx.AsyncByteStream):
    """A large body in 16 KiB pieces that counts how much of it was pulled."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.size:
            self.pulled += 16384
            yield b"x" * 16384


def efetch_body(*pmids: str) -> bytes:
    articles = b"".join(fictional_article(p, title=f"Fictional record {p}.") for p in pmids)
    return EFETCH_HEADER + b"<PubmedArticleSet>\n" + articles + b"</PubmedArticleSet>"


def asked_ids(request: httpx.Request) -> list[str]:
    form = dict(httpx.QueryParams(request.content.decode()))
    return form["id"].split(",")


def client(settings: Settings, handler: Handler, **kwargs: object) -> EUtilsClient:
    kwargs.setdefault("limiter", CountingLimiter())
    kwargs.setdefault("backoff_base", 0.01)
    return EUtilsClient(settings, transport=httpx.MockTransport(handler), **kwargs)  # type: ignore[arg-type]


# -- the limiter is applied in the transport -------------------------------------------------


async def test_every_request_through_a_mock_transport_passes_the_shared_limiter(
    settings: Settings,
) -> None:
    limiter = CountingLimiter()

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=efetch_body(*asked_ids(request)))

    async with client(settings, handler, limiter=limiter, batch_size=2) as c:
        records = await c.efetch(["90000001", "90000002", "90000003"])
        assert c.requests_made == 2
    assert [r.pmid for r in records] == ["90000001", "90000002", "90000003"]
    assert limiter.turns == 2


async def test_the_stamp_moves_to_the_moment_the_headers_leave(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    """Over a real socket, httpcore's trace hook tells the limiter when each request leaves
    (after its connection is open), so connection set-up cannot bunch arrivals."""
    limiter = CountingLimiter()
    async with EUtilsClient(settings, limiter=limiter, batch_size=1) as c:
        await c.efetch(["90000001", "90000002"])
    assert sorted(limiter.restamped) == [1.0, 2.0]  # each request's own stamp, once


# -- the overall deadline --------------------------------------------------------------------


async def test_a_body_dripping_a_byte_at_a_time_ends_at_the_deadline_retried_once(
    settings: Settings,
) -> None:
    streams: list[Dripping] = []

    def handler(request: httpx.Request) -> httpx.Response:
        streams.append(Dripping(pause=0.05))
        return httpx.Response(200, headers={"Content-Length": "1000"}, stream=streams[-1])

    async with client(settings, handler, deadline=0.3, max_retries=4) as c:
        with pytest.raises(DeadlineExceeded) as info:
            await c.efetch(["90000001"])
        assert c.requests_made == 2  # hit the deadline: retried at most once
    assert str(info.value) == (
        "NCBI efetch failed: NCBI did not finish answering within 0.3 s after 2 tries"
    )
    assert isinstance(info.value, NetworkError)  # the Library goes offline on it
    assert all(0 < s.sent < 1000 for s in streams)  # cut off mid-body, not read to the end


async def test_headers_that_never_come_end_at_the_deadline(settings: Settings) -> None:
    class Stall(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(60)
            raise AssertionError("unreachable")

    c = EUtilsClient(settings, transport=Stall(), limiter=CountingLimiter(), deadline=0.2)
    async with c:
        with pytest.raises(DeadlineExceeded, match="after 2 tries"):
            await c.efetch(["90000001"])


async def test_waiting_for_the_rate_limiter_does_not_count_against_the_deadline(
    settings: Settings,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=efetch_body(*asked_ids(request)))

    slow_queue = CountingLimiter(wait=0.4)
    async with client(settings, handler, limiter=slow_queue, deadline=0.2) as c:
        records = await c.efetch(["90000001"])
        assert c.requests_made == 1
    assert [r.pmid for r in records] == ["90000001"]


# -- the body cap ------------------------------------------------------------------------------


async def test_a_body_over_the_cap_after_decompression_is_refused_once(settings: Settings) -> None:
    inflated = EFETCH_HEADER + b"<PubmedArticleSet>\n" + b" " * (2 * 1024 * 1024)
    packed = gzip.compress(inflated)
    assert len(packed) < 64 * 1024  # small on the wire: only decompression shows the size

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Encoding": "gzip"}, content=packed)

    async with client(settings, handler, max_body=1024 * 1024) as c:
        with pytest.raises(ResponseTooLarge) as info:
            await c.efetch(["90000001"])
        assert c.requests_made == 1  # not retried: the same answer would come again
    assert str(info.value) == "NCBI efetch failed: the answer is larger than 1 MB; refused"
    assert isinstance(info.value, ServerError) and isinstance(info.value, EUtilsError)


async def test_a_declared_length_over_the_cap_is_refused_before_reading(
    settings: Settings,
) -> None:
    body = Counted(8 * 1024 * 1024)

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Length": str(body.size)}, stream=body)

    async with client(settings, handler, max_body=1024 * 1024) as c:
        with pytest.raises(ResponseTooLarge):
            await c.efetch(["90000001"])
    assert body.pulled == 0


async def test_an_error_body_is_read_only_as_far_as_its_message_needs(settings: Settings) -> None:
    bodies: list[Counted] = []

    def handler(request: httpx.Request) -> httpx.Response:
        bodies.append(Counted(512 * 1024 * 1024))
        return httpx.Response(500, stream=bodies[-1])

    async with client(settings, handler, max_retries=2) as c:
        with pytest.raises(ServerError) as info:
            await c.efetch(["90000001"])
    assert str(info.value) == "NCBI efetch failed: HTTP 500 after 3 tries"
    assert len(bodies) == 3
    assert all(b.pulled <= 64 * 1024 + 16384 for b in bodies)


# -- Retry-After -------------------------------------------------------------------------------


async def test_a_huge_retry_after_is_capped_said_and_tried_once_more(settings: Settings) -> None:
    answers = iter([429, 429, 429, 200])

    def handler(request: httpx.Request) -> httpx.Response:
        status = next(answers)
        if status == 429:
            return httpx.Response(429, headers={"Retry-After": "86400"}, content=b"{}")
        return httpx.Response(200, content=efetch_body("90000001"))

    async with client(settings, handler, max_retry_after=0.05) as c:
        with pytest.raises(RateLimitedError, match="after 2 tries"):
            await c.efetch(["90000001"])
        warnings = c.drain_warnings()
        assert c.drain_warnings() == []  # drained
        # A later call starts afresh: one capped wait again, then NCBI answers.
        records = await c.efetch(["90000001"])
    assert warnings == [
        "NCBI asked to wait 86400 s before trying again (Retry-After); mscterm waited 0.05 s "
        "and tried once more"
    ]
    assert [r.pmid for r in records] == ["90000001"]


# -- unusable URLs are bad input, never retried ------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://127.0.0.1/",
        "http://127.0.0.1:99999/",
        "",
        "http://[::1",
        "http://xn--/",
    ],
)
async def test_an_unusable_url_is_refused_without_a_single_request(
    settings: Settings, url: str
) -> None:
    limiter = CountingLimiter()
    bad = dataclasses.replace(settings, eutils_url=url)
    async with EUtilsClient(bad, limiter=limiter) as c:
        with pytest.raises(UnusableURLError) as info:
            await c.efetch(["90000001"])
        assert c.requests_made == 0
    assert limiter.turns == 0
    assert not isinstance(info.value, NetworkError)  # bad input: the Library must not go offline
    assert str(info.value).startswith("NCBI efetch failed: the NCBI URL")


# -- only what was asked -----------------------------------------------------------------------


async def test_records_nobody_asked_for_are_dropped_and_said(settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        asked = asked_ids(request)
        if asked == ["90000001"]:  # the answer carries extra articles
            return httpx.Response(
                200, content=efetch_body("90000001", *map(str, range(90000100, 90000120)))
            )
        return httpx.Response(200, content=efetch_body("90000003"))  # another PMID than asked

    delivered: list[str] = []
    async with client(settings, handler) as c:
        first = await c.efetch(["90000001"], on_batch=lambda rs: delivered.extend(r.id for r in rs))
        second = await c.efetch(
            ["90000002"], on_batch=lambda rs: delivered.extend(r.id for r in rs)
        )
        warnings = c.drain_warnings()
    assert [r.pmid for r in first] == ["90000001"] and second == []
    assert delivered == ["90000001"]  # nothing unasked reaches the cache
    assert warnings == [
        "NCBI efetch answered with 20 records nobody asked for (90000100, 90000101, 90000102 "
        "and 17 more); left out, not cached",
        "NCBI efetch answered with 1 record nobody asked for (90000003); left out, not cached",
    ]


async def test_invalid_pmids_in_an_answer_reach_drain_warnings(settings: Settings) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, content=efetch_body("90000001", "0001", "90000002"))

    async with client(settings, handler) as c:
        records = await c.efetch(["90000001", "90000002"])
        warnings = c.drain_warnings()
    assert [r.pmid for r in records] == ["90000001", "90000002"]
    assert warnings == [
        'NCBI efetch answer: left out 1 id that is not a PMID of 1-9 digits ("0001")'
    ]


# -- error classes and transports ----------------------------------------------------------------


def test_ncbi_errors_are_eutils_errors_and_service_neutral_kinds() -> None:
    pairs = {
        ncbi_errors.NetworkError: net_errors.NetworkError,
        ncbi_errors.DeadlineExceeded: net_errors.DeadlineExceeded,
        ncbi_errors.RateLimitedError: net_errors.RateLimitedError,
        ncbi_errors.ServerError: net_errors.ServerError,
        ncbi_errors.ResponseTooLarge: net_errors.ResponseTooLarge,
        ncbi_errors.ErrorResponse: net_errors.ErrorResponse,
        ncbi_errors.TruncatedResponse: net_errors.TruncatedResponse,
        ncbi_errors.UnusableURLError: net_errors.UnusableURLError,
        ncbi_errors.OfflineError: net_errors.OfflineError,
    }
    for mine, kind in pairs.items():
        assert issubclass(mine, ncbi_errors.EUtilsError) and issubclass(mine, kind)
    assert issubclass(ncbi_errors.DeadlineExceeded, ncbi_errors.NetworkError)
    assert issubclass(ncbi_errors.UnsafeXMLError, ncbi_errors.EUtilsError)


def test_the_environment_proxy_is_used_unless_no_proxy_says_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("https_proxy", "http://127.0.0.1:3128")
    proxied = default_transport("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
    assert isinstance(proxied._pool, httpcore.AsyncHTTPProxy)  # type: ignore[attr-defined]
    monkeypatch.setenv("no_proxy", "eutils.ncbi.nlm.nih.gov")
    direct = default_transport("https://eutils.ncbi.nlm.nih.gov/entrez/eutils/")
    assert not isinstance(direct._pool, httpcore.AsyncHTTPProxy)  # type: ignore[attr-defined]


def test_importing_the_error_classes_does_not_import_httpx(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = "import sys, mscterm.ncbi.errors; print('httpx' in sys.modules)"
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo)
    assert out.stdout.strip() == "False", out.stderr
