"""httpx transports that wrap a transport: the shared rate limit, then the per-request deadline.

As in httpx's own ``_transports`` (``base.py``, ``mock.py``), a transport takes a request and
gives a response whose body streams later. Wrapping one means the rules apply to *any* inner
transport: the real network (:func:`default_transport`), or ``httpx.MockTransport`` in unit
tests. A session stacks them as ``LimitedTransport(DeadlineTransport(inner))``:

* :class:`LimitedTransport` bounds the requests in flight (a few connections, as NCBI likes),
  waits for the shared :class:`~mscterm.net.ratelimit.RateLimiter` (every process on one cache
  directory shares it), and counts what was sent — retries included, as the server counts.
  Through httpcore's ``trace`` extension it moves the request's stamp to the moment its
  headers are written, so the time spent opening a connection cannot squeeze four arrivals
  into one second.
* :class:`DeadlineTransport` starts the clock *after* that wait: the deadline is about what the
  server does (connect, headers and body together), not about our own queue. The clock keeps
  running while the body streams, so a server sending one byte every few seconds, which never
  trips a read timeout, still ends at the deadline (:class:`RequestDeadline`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

import httpx

__all__ = [
    "DeadlineTransport",
    "LimitedTransport",
    "Limiter",
    "RequestDeadline",
    "default_transport",
]


class Limiter(Protocol):
    """Anything that can make a request wait for its turn (e.g. the shared RateLimiter)."""

    async def acquire(self) -> float:
        """Wait for a turn; the stamp it was counted under."""
        ...

    def restamp(self, stamp: float) -> None:
        """The request counted under ``stamp`` leaves now (its connection is ready)."""
        ...


class RequestDeadline(Exception):
    """The request's overall deadline passed (before the headers, or while the body streamed)."""


def default_transport(base_url: str) -> httpx.AsyncBaseTransport:
    """The real network: HTTP/1.1 keep-alive, and the proxy the environment names.

    httpx reads ``HTTPS_PROXY``/``NO_PROXY`` itself only when it builds its own transport; a
    session always passes a wrapped one, so the environment's proxy is chosen here (users on a
    cluster often reach the internet only through one).
    """
    parts = urlsplit(base_url)
    proxies = getproxies()
    proxy = None
    if not (parts.hostname and proxy_bypass(parts.hostname)):
        proxy = proxies.get(parts.scheme) or proxies.get("all")
    return httpx.AsyncHTTPTransport(
        http1=True,
        limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        proxy=proxy,
    )


class _WrappedStream(httpx.AsyncByteStream):
    """A response body whose every chunk must arrive before ``when`` (a loop time, if set),
    and that calls ``done`` once when it is closed."""

    def __init__(
        self,
        stream: httpx.AsyncByteStream,
        *,
        when: float | None = None,
        done: Callable[[], None] | None = None,
    ) -> None:
        self._stream = stream
        self._when = when
        self._done = done

    async def __aiter__(self) -> AsyncIterator[bytes]:
        chunks = self._stream.__aiter__()
        while True:
            try:
                if self._when is None:
                    chunk = await chunks.__anext__()
                else:
                    async with asyncio.timeout_at(self._when):
                        chunk = await chunks.__anext__()
            except StopAsyncIteration:
                return
            except TimeoutError:
                raise RequestDeadline("the deadline passed while the body was arriving") from None
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._stream.aclose()
        finally:
            done, self._done = self._done, None
            if done is not None:
                done()


def _body(response: httpx.Response) -> httpx.AsyncByteStream:
    stream = response.stream
    if not isinstance(stream, httpx.AsyncByteStream):  # a sync transport given to async code
        raise TypeError("an async transport must answer with an async byte stream")
    return stream


def _rewrap(response: httpx.Response, stream: httpx.AsyncByteStream) -> httpx.Response:
    return httpx.Response(
        status_code=response.status_code,
        headers=response.headers,
        stream=stream,
        extensions=response.extensions,
    )


class DeadlineTransport(httpx.AsyncBaseTransport):
    """Each request, from connect to the last body byte, within ``deadline`` seconds."""

    def __init__(self, inner: httpx.AsyncBaseTransport, deadline: float) -> None:
        if deadline <= 0:
            raise ValueError("deadline must be positive")
        self._inner = inner
        self.deadline = deadline

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        when = asyncio.get_running_loop().time() + self.deadline
        try:
            async with asyncio.timeout_at(when):
                response = await self._inner.handle_async_request(request)
        except TimeoutError:
            raise RequestDeadline("the deadline passed before the answer began") from None
        return _rewrap(response, _WrappedStream(_body(response), when=when))

    async def aclose(self) -> None:
        await self._inner.aclose()


_DEPARTURES = ("http11.send_request_headers.started", "http2.send_request_headers.started")


def _restamp_on_departure(request: httpx.Request, limiter: Limiter, stamp: float) -> None:
    """Have httpcore's trace hook tell ``limiter`` when the request's headers really leave."""
    outer = request.extensions.get("trace")

    async def trace(event: str, info: dict[str, Any]) -> None:
        if event in _DEPARTURES:
            limiter.restamp(stamp)
        if outer is not None:
            await outer(event, info)

    request.extensions = {**request.extensions, "trace": trace}


class LimitedTransport(httpx.AsyncBaseTransport):
    """At most ``concurrency`` requests in flight, each started only when ``limiter`` allows.

    A slot is held until the response body is closed, so a slow body keeps its connection's
    place. :attr:`requests_made` counts requests handed to the inner transport.
    """

    def __init__(
        self, inner: httpx.AsyncBaseTransport, limiter: Limiter, *, concurrency: int = 3
    ) -> None:
        self._inner = inner
        self._limiter = limiter
        self._slots = asyncio.Semaphore(max(1, concurrency))
        self.requests_made = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await self._slots.acquire()
        try:
            stamp = await self._limiter.acquire()
            self.requests_made += 1
            _restamp_on_departure(request, self._limiter, stamp)
            response = await self._inner.handle_async_request(request)
            body = _body(response)
        except BaseException:
            self._slots.release()
            raise
        return _rewrap(response, _WrappedStream(body, done=self._slots.release))

    async def aclose(self) -> None:
        await self._inner.aclose()
