"""One web service, one session: requests with retries, an overall deadline and a body cap.

Both service clients (E-utilities, ClinicalTrials.gov) send every request through
:meth:`ServiceSession.call`, so the rules DESIGN.md's budgets set are written once:

* **Deadline.** Each request ends within ``deadline`` seconds (default 30) whatever the server
  does — connect, headers and body together (:class:`~mscterm.net.transport.DeadlineTransport`)
  — and a request that hit it is tried at most once more.
* **Body cap.** A body larger than ``max_body`` bytes (default 64 MB) *after decompression* is
  refused as it streams in, so a huge body or a gzip bomb costs at most the cap in memory and
  time, and is not retried. An error answer (4xx/5xx) is read only up to its first
  :data:`ERROR_BODY_LIMIT` bytes (all a one-line message needs); the rest is never read.
* **Errors.** httpx's exceptions become the service's typed errors (an :class:`ErrorFamily`)
  here and nowhere else; messages read ``"<label> failed: <what> after N tries"`` and never
  hold a URL.
* **Warnings.** What was worked around (a ``Retry-After`` capped) is kept for the caller's
  :meth:`drain_warnings`.

Test hook: the environment variable ``MSCTERM_TEST_DEADLINE`` (seconds) *lowers* the default
deadline, so a test can run a real ``mscterm`` process against a stalling server without
waiting 30 s twice. It can only lower it (values above 30 s or unreadable ones are ignored).
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Callable, Mapping
from typing import Literal, TypeVar

import httpx

from mscterm.config import ConfigError, check_url
from mscterm.net.errors import ErrorFamily, ServiceError
from mscterm.net.retry import Retryable, RetryPolicy, parse_retry_after, status_failure
from mscterm.net.transport import (
    DeadlineTransport,
    LimitedTransport,
    Limiter,
    RequestDeadline,
    default_transport,
)

__all__ = [
    "DEFAULT_DEADLINE",
    "DEFAULT_MAX_BODY",
    "ERROR_BODY_LIMIT",
    "TEST_DEADLINE_ENV",
    "ServiceSession",
    "default_deadline",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_DEADLINE = 30.0
"""DESIGN.md: one request's overall deadline, connect, headers and body together."""
DEFAULT_MAX_BODY = 64 * 1024 * 1024
"""DESIGN.md: the largest response body accepted, after decompression."""
ERROR_BODY_LIMIT = 64 * 1024
"""How much of an error answer is read (for the service's own one-line explanation)."""
TEST_DEADLINE_ENV = "MSCTERM_TEST_DEADLINE"


def default_deadline() -> float:
    """:data:`DEFAULT_DEADLINE`, or less when the test hook :data:`TEST_DEADLINE_ENV` asks."""
    try:
        asked = float(os.environ.get(TEST_DEADLINE_ENV, ""))
    except ValueError:
        return DEFAULT_DEADLINE
    return asked if 0 < asked < DEFAULT_DEADLINE else DEFAULT_DEADLINE


def _size(limit: int) -> str:
    return f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit / 1024:g} kB"


class ServiceSession:
    """Requests to one service: a connection pool behind the shared limiter, with retries.

    ``service`` names the service in messages ("NCBI"); ``errors`` are the service's error
    classes; ``scrub`` removes secrets from any text taken from an exception; ``error_detail``
    extracts the service's own words from the start of an error answer; ``refusal`` may turn
    an error answer the service explains itself (ClinicalTrials.gov's plain-text 400 and 404)
    into the service's own typed error, raised at once and never retried. Redirects are not
    followed unless asked (ClinicalTrials.gov redirects an old NCT id to its current one);
    each hop passes the limiter and has its own deadline.
    """

    def __init__(
        self,
        *,
        service: str,
        base_url: str,
        errors: ErrorFamily,
        limiter: Limiter,
        transport: httpx.AsyncBaseTransport | None = None,
        policy: RetryPolicy | None = None,
        timeout: httpx.Timeout | None = None,
        deadline: float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        concurrency: int = 3,
        follow_redirects: bool = False,
        headers: Mapping[str, str] | None = None,
        scrub: Callable[[str], str] = str,
        error_detail: Callable[[bytes], str | None] | None = None,
        refusal: Callable[[int, bytes], ServiceError | None] | None = None,
    ) -> None:
        if max_body < 1:
            raise ValueError("max_body must be positive")
        self.service = service
        self.errors = errors
        self.policy = policy or RetryPolicy()
        self.deadline = default_deadline() if deadline is None else deadline
        self.max_body = max_body
        self._scrub = scrub
        self._error_detail = error_detail
        self._refusal = refusal
        self._warnings: list[str] = []
        try:
            self.base_url: str | None = check_url(base_url, f"the {service} URL")
            self.url_problem: str | None = None
        except ConfigError as exc:
            self.base_url, self.url_problem = None, scrub(str(exc))
        inner = transport or default_transport(self.base_url or "http://localhost/")
        self.transport = LimitedTransport(
            DeadlineTransport(inner, self.deadline), limiter, concurrency=concurrency
        )
        self._http = httpx.AsyncClient(
            transport=self.transport,
            timeout=timeout or httpx.Timeout(30.0, connect=10.0),
            follow_redirects=follow_redirects,
            headers=dict(headers or {}),
        )

    @property
    def requests_made(self) -> int:
        """HTTP attempts sent (retries included): what the service would count."""
        return self.transport.requests_made

    def warn(self, sentence: str) -> None:
        """Keep one sentence for :meth:`drain_warnings` (repeats are kept once)."""
        if sentence not in self._warnings:
            self._warnings.append(sentence)

    def drain_warnings(self) -> list[str]:
        """What was worked around since the last call (and forget it)."""
        out, self._warnings = self._warnings, []
        return out

    async def aclose(self) -> None:
        await self._http.aclose()

    async def call(
        self,
        label: str,
        method: Literal["GET", "POST"],
        path: str,
        params: Mapping[str, str],
        parse: Callable[[bytes], T],
    ) -> T:
        """Send one request (``params`` in the query for GET, the form body for POST), retrying
        as the policy says; return ``parse(body)``. ``parse`` may raise :class:`Retryable`.

        Raises the service's typed error of the last try, its message naming ``label`` and the
        number of tries, never the URL or the parameters.
        """
        if self.base_url is None:
            raise self.errors.unusable_url(f"{label} failed: {self.url_problem}")
        url = self.base_url + path
        policy = self.policy
        last: Retryable | None = None
        tries = 0
        capped = False
        while True:
            if last is not None:
                allowed = policy.max_retries + 1
                if last.max_tries is not None:
                    allowed = min(allowed, last.max_tries)
                if tries >= allowed:
                    break
                delay = policy.delay(tries, last.retry_after)
                log.info(
                    "%s: %s; retrying in %.2f s (try %d of %d)",
                    label, last.reason, delay, tries + 1, allowed,
                )  # fmt: skip
                await asyncio.sleep(delay)
            tries += 1
            try:
                return parse(await self._exchange(label, method, url, params))
            except Retryable as exc:
                last, capped = exc, self._cap_retry_after(exc, tries, capped)
        error = last.error
        error.args = (f"{error.args[0]} after {tries} {'try' if tries == 1 else 'tries'}",)
        raise error

    def _cap_retry_after(self, failure: Retryable, tries: int, capped: bool) -> bool:
        """Shorten a ``Retry-After`` over the policy's cap and say so; after the first capped
        wait the request is tried once more only. Returns whether a cap was ever applied."""
        cap = self.policy.max_retry_after
        if failure.retry_after is None or failure.retry_after <= cap:
            return capped
        if capped:  # the server still asks for too long: give up now
            failure.max_tries = tries
            return True
        self.warn(
            f"{self.service} asked to wait {failure.retry_after:.0f} s before trying again "
            f"(Retry-After); mscterm waited {cap:g} s and tried once more"
        )
        failure.retry_after = cap
        failure.max_tries = min(failure.max_tries or tries + 1, tries + 1)
        return True

    async def _exchange(
        self, label: str, method: str, url: str, params: Mapping[str, str]
    ) -> bytes:
        """One HTTP exchange: the body of a 2xx answer, or a classified failure."""
        errors = self.errors
        try:
            if method == "GET":
                request = self._http.build_request("GET", url, params=dict(params))
            else:
                request = self._http.build_request(method, url, data=dict(params))
        except httpx.InvalidURL as exc:
            raise errors.unusable_url(f"{label} failed: {self._scrub(str(exc))}") from None
        phase = "connect"
        try:
            response = await self._http.send(request, stream=True)
            phase = "body"
            try:
                if not 200 <= response.status_code < 300:
                    head = await self._read(label, response, ERROR_BODY_LIMIT, prefix=True)
                    refused = self._refusal(response.status_code, head) if self._refusal else None
                    if refused is not None:
                        raise refused
                    detail = self._error_detail(head) if self._error_detail else None
                    raise status_failure(
                        label,
                        response.status_code,
                        parse_retry_after(response.headers.get("Retry-After")),
                        self._scrub(detail) if detail else None,
                        self.errors,
                        self.policy,
                    )
                body = await self._read(label, response, self.max_body)
            finally:
                await response.aclose()
        except RequestDeadline:
            raise Retryable(
                errors.deadline(
                    f"{label} failed: {self.service} did not finish answering within "
                    f"{self.deadline:g} s"
                ),
                "overall deadline passed",
                max_tries=self.policy.timeout_tries,
            ) from None
        except httpx.TimeoutException as exc:
            raise Retryable(
                errors.network(f"{label} failed: {self.service} did not answer in time"),
                f"timeout ({type(exc).__name__})",
                max_tries=self.policy.timeout_tries,
            ) from None
        except httpx.UnsupportedProtocol as exc:
            raise errors.unusable_url(f"{label} failed: {self._scrub(str(exc))}") from None
        except httpx.ConnectError as exc:
            # No route, no DNS, connection refused: most likely no network at all. One quick
            # retry, then the caller goes offline instead of waiting.
            raise Retryable(
                errors.network(f"{label} failed: {self.service} could not be reached"),
                f"cannot connect ({type(exc).__name__}: {self._scrub(str(exc))})",
                max_tries=self.policy.connect_tries,
            ) from None
        except (httpx.TransportError, httpx.DecodingError) as exc:
            detail = f"{type(exc).__name__}: {self._scrub(str(exc))}"
            if phase == "body":  # headers arrived but the body broke off: incomplete
                raise Retryable(
                    errors.truncated(f"{label} failed: the answer was cut off"),
                    f"body cut off ({detail})",
                ) from None
            raise Retryable(
                errors.network(f"{label} failed: {self.service} could not be reached"),
                f"network error ({detail})",
            ) from None
        if not body.strip():
            raise Retryable(errors.truncated(f"{label} failed: the answer was empty"), "empty body")
        return body

    async def _read(
        self, label: str, response: httpx.Response, limit: int, *, prefix: bool = False
    ) -> bytes:
        """The decoded body, at most ``limit`` bytes: cut there (``prefix``) or refused."""
        declared = response.headers.get("Content-Length", "")
        plain = response.headers.get("Content-Encoding", "identity").strip() in ("", "identity")
        if not prefix and plain and declared.isdigit() and int(declared) > limit:
            raise self._too_large(label, response)
        parts: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > limit:
                if not prefix:
                    raise self._too_large(label, response)
                parts.append(chunk[: len(chunk) - (size - limit)])
                break
            parts.append(chunk)
        return b"".join(parts)

    def _too_large(self, label: str, response: httpx.Response) -> ServiceError:
        return self.errors.too_large(
            f"{label} failed: the answer is larger than {_size(self.max_body)}; refused",
            response.status_code,
        )
