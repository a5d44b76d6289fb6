"""The E-utilities client: every byte mscterm gets from NCBI comes through here.

Why it looks the way it does (see ``../shared/ncbi/EUTILS_FACTS.md``):

* **One shared budget.** Each HTTP attempt — first tries and retries alike — first passes the
  :class:`~mscterm.ncbi.ratelimit.RateLimiter`, which all mscterm processes on one cache
  directory share, because NCBI counts per machine.
* **Few, big requests.** efetch sends up to ``batch_size`` (200) PMIDs per POST (NCBI asks for
  POST beyond ~200 ids), so 1,000 uncached PMIDs cost 5 requests. A PMID that another ``efetch``
  on this client is already fetching is awaited, not requested again.
* **POST everywhere but ECitMatch.** Parameters (and the API key) travel in the request body, so
  no URL — in a log line, a proxy log or an exception text — ever holds the key. ECitMatch is
  only known to answer GET, so its URL is scrubbed wherever it could surface.
* **Errors hide in 200s.** A 200 can carry the rate-limit JSON, an ``<ERROR>`` text, an empty or
  cut-off body; each is detected by content and retried like a 429/5xx when it is transient.
* **Plain, safe messages.** Failures are typed (:mod:`mscterm.ncbi.errors`) and read as one
  sentence naming the E-utility; they are built without URLs or parameters, and anything taken
  from an exception is scrubbed of ``api_key=…`` and of the key itself.

Retry policy: up to ``max_retries`` retries on 429 (waiting at least ``Retry-After``, capped at
:data:`MAX_RETRY_AFTER`), 5xx, transport errors and timeouts, truncated or empty bodies, the
rate-limit JSON in a 200, and the transient ``<ERROR>`` texts NCBI's back end produces under
load (:func:`is_transient_error_text`); full-jitter exponential backoff between tries. Other
statuses (400, 404, redirects) fail at once with :class:`ServerError` carrying the status.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import logging
import random
import re
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, Literal, TypeVar

import httpx

from mscterm.config import Settings
from mscterm.model import Record
from mscterm.ncbi import parser
from mscterm.ncbi.errors import (
    ErrorResponse,
    EUtilsError,
    NetworkError,
    RateLimitedError,
    ServerError,
    TruncatedResponse,
)
from mscterm.ncbi.ratelimit import RateLimiter
from mscterm.ncbi.results import CitationMatch, CitationQuery, SearchResult

__all__ = [
    "DEFAULT_TIMEOUT",
    "MAX_RETRY_AFTER",
    "TOOL",
    "EUtilsClient",
    "is_transient_error_text",
    "scrub",
]

log = logging.getLogger(__name__)

T = TypeVar("T")

TOOL = "mscterm"
"""Sent as ``tool`` with every request, as NCBI asks."""

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Connect 10 s; read/write/pool 30 s: a 200-record efetch can take NCBI several seconds."""

MAX_RETRY_AFTER = 30.0
"""Longest ``Retry-After`` honoured; a longer one is capped rather than freezing the app."""

MAX_BACKOFF = 30.0
"""Upper bound of one jittered backoff sleep."""

ECITMATCH_CHUNK = 50
"""Citations per ECitMatch request: ECitMatch is GET-only, so the URL must stay short."""

_API_KEY_RE = re.compile(r"(api[_-]?key[\"']?\s*[=:]\s*[\"']?)[^&\s\"',;}]+", re.IGNORECASE)

_PERMANENT_ERROR_MARKERS = (
    "cannot be larger than",
    "out of acceptable range",
    "invalid",
    "empty id list",
    "empty term",
    "unknown",
)
_TRANSIENT_ERROR_MARKERS = (
    "backend failed",
    "unable to open connection",
    "database is not supported",
    "temporarily unavailable",
    "service unavailable",
    "timed out",
    "timeout",
    "try again",
)


def scrub(text: str, api_key: str | None = None) -> str:
    """``text`` with every ``api_key=…`` value and the key itself replaced by ``***``.

    Applied to anything that might echo a URL or a request (httpx errors name the URL).
    """
    text = _API_KEY_RE.sub(r"\1***", text)
    if api_key:
        text = text.replace(api_key, "***")
    return text


def is_transient_error_text(text: str) -> bool:
    """Whether an ``<ERROR>`` text from NCBI is worth retrying.

    NCBI's back end reports overload inside HTTP 200 answers — "Search Backend failed: Database
    is not supported: pubmed", "Unable to open connection to #PMQuerySrv…" — and EDirect retries
    those. Texts that describe the request itself ("'retstart' cannot be larger than 9998",
    "Invalid db name", "Empty ID list") fail the same way every time and are not retried, even
    when they also start with "Search Backend failed".
    """
    low = text.lower()
    if any(marker in low for marker in _PERMANENT_ERROR_MARKERS):
        return False
    return any(marker in low for marker in _TRANSIENT_ERROR_MARKERS)


def _version() -> str:
    try:
        return metadata.version("mscterm")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


class _ScrubHttpxLogs(logging.Filter):
    """Scrubs ``api_key=…`` from httpx's own INFO lines (they print the request URL)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            args = record.args if isinstance(record.args, tuple) else (record.args,)
            record.args = tuple(scrub(str(a)) if "api" in str(a).lower() else a for a in args)
        if isinstance(record.msg, str) and "api" in record.msg.lower():
            record.msg = scrub(record.msg)
        return True


_httpx_logger = logging.getLogger("httpx")
if not any(isinstance(f, _ScrubHttpxLogs) for f in _httpx_logger.filters):
    _httpx_logger.addFilter(_ScrubHttpxLogs())


CONNECT_TRIES = 2
"""Tries in all when no connection can be made (other failures get ``max_retries + 1``)."""


class _Retryable(Exception):
    """One failed attempt that may be retried; ``error`` is what the caller gets if it is last."""

    def __init__(
        self,
        error: EUtilsError,
        reason: str,
        retry_after: float | None = None,
        *,
        tries: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        self.retry_after = retry_after
        self.tries = tries
        """At most this many tries in all for this kind of failure (None: ``max_retries + 1``)."""


def _dedupe(pmids: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out: list[str] = []
    for raw in pmids:
        pmid = str(raw).strip()
        if pmid and pmid not in seen:
            seen.add(pmid)
            out.append(pmid)
    return out


def _retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), else None."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when is None:
            return None
        seconds = when.timestamp() - time.time()
    if seconds != seconds:  # NaN
        return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


_ERROR_TAG_RE = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
_JSON_ERROR_RE = re.compile(rb'"(?:ERROR|error)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _error_detail(response: httpx.Response) -> str | None:
    """NCBI's own words from an error answer (``<ERROR>`` text or a JSON ``error``), if any.

    NCBI reports e.g. the 9,999 paging cap as HTTP 400 with an ``<ERROR>`` body; that sentence
    tells the user more than the status does.
    """
    try:
        head = response.content[:4096]
    except httpx.ResponseNotRead:
        return None
    match = _ERROR_TAG_RE.search(head) or _JSON_ERROR_RE.search(head)
    if not match:
        return None
    text = " ".join(match.group(1).decode("utf-8", "replace").split())
    text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text[:197] + "…" if len(text) > 200 else (text or None)


def _field(text: str) -> str:
    """An ECitMatch field: no ``|`` or line breaks (they would shift the columns)."""
    return " ".join(text.replace("|", " ").split())


class EUtilsClient:
    """Async client of the PubMed E-utilities (efetch, esearch, elink, ecitmatch).

    One per process (or per :class:`~mscterm.library.Library`): it keeps one keep-alive HTTP/1.1
    connection pool and the table of in-flight efetch PMIDs. Use ``async with`` or call
    :meth:`aclose`.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: RateLimiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retries: int = 4,
        batch_size: int = 200,
        backoff_base: float = 0.5,
        timeout: httpx.Timeout | float | None = None,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        if max_retries < 0:
            raise ValueError("max_retries must not be negative")
        self.settings = settings
        self.max_retries = max_retries
        self.batch_size = batch_size
        self.backoff_base = backoff_base
        self.requests_made = 0
        """HTTP attempts sent (retries included): what NCBI would count."""
        self._own_limiter = limiter is None
        self.limiter = limiter or RateLimiter(
            settings.cache_dir / "ratelimit.sqlite3", settings.requests_per_second
        )
        self._base = (
            settings.eutils_url
            if settings.eutils_url.endswith("/")
            else (settings.eutils_url + "/")
        )
        if isinstance(timeout, int | float):
            timeout = httpx.Timeout(float(timeout))
        self._http = httpx.AsyncClient(
            transport=transport,
            timeout=timeout or DEFAULT_TIMEOUT,
            follow_redirects=False,
            http1=True,
            headers={"User-Agent": f"mscterm/{_version()}"},
            limits=httpx.Limits(max_connections=10, max_keepalive_connections=5),
        )
        # Concurrent requests of this client; the limiter spaces them in time, this bounds how
        # many connections are open at once (NCBI dislikes many parallel connections).
        self._slots = asyncio.Semaphore(max(1, settings.requests_per_second))
        self._inflight: dict[str, asyncio.Future[dict[str, Record]]] = {}
        self._closed = False

    # -- lifecycle ---------------------------------------------------------------------------

    async def __aenter__(self) -> EUtilsClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (and the limiter when this client created it)."""
        if self._closed:
            return
        self._closed = True
        await self._http.aclose()
        if self._own_limiter:
            self.limiter.close()

    # -- efetch ------------------------------------------------------------------------------

    async def efetch(
        self,
        pmids: Sequence[str],
        on_batch: Callable[[list[Record]], None] | None = None,
    ) -> list[Record]:
        """Fetch full PubMed records, ``batch_size`` PMIDs per POST.

        Duplicates are dropped; PMIDs that another ``efetch`` of this client is fetching right
        now are awaited instead of requested twice. ``on_batch`` receives each batch's records
        as soon as they are parsed — also those of batches that succeed while another fails —
        so the caller can store them before an error ends the call. Every record returned is
        passed to ``on_batch`` exactly once. PMIDs NCBI does not return are simply absent: the
        caller decides they are missing. After all batches finished, the first failure is
        raised.
        """
        wanted = _dedupe(pmids)
        found: dict[str, Record] = {}
        errors: list[BaseException] = []
        pending = wanted
        while pending:
            own: list[str] = []
            shared: dict[asyncio.Future[dict[str, Record]], list[str]] = {}
            loop = asyncio.get_running_loop()
            for pmid in pending:
                fut = self._inflight.get(pmid)
                if fut is None or fut.done():
                    own.append(pmid)
                else:
                    shared.setdefault(fut, []).append(pmid)
            jobs = []
            for start in range(0, len(own), self.batch_size):
                batch = own[start : start + self.batch_size]
                fut = loop.create_future()
                for pmid in batch:
                    self._inflight[pmid] = fut
                jobs.append(self._fetch_batch(batch, fut, on_batch, found))
            jobs.extend(
                self._await_shared(fut, ids, on_batch, found) for fut, ids in shared.items()
            )
            outcomes = await asyncio.gather(*jobs, return_exceptions=True)
            pending = []
            for outcome in outcomes:
                if isinstance(outcome, list):  # PMIDs whose owner was cancelled: fetch them
                    pending.extend(outcome)
                elif isinstance(outcome, BaseException):
                    if isinstance(outcome, asyncio.CancelledError):
                        raise outcome
                    errors.append(outcome)
        if errors:
            raise errors[0]
        ordered = [found.pop(pmid) for pmid in wanted if pmid in found]
        return ordered + list(found.values())

    async def _fetch_batch(
        self,
        batch: list[str],
        fut: asyncio.Future[dict[str, Record]],
        on_batch: Callable[[list[Record]], None] | None,
        found: dict[str, Record],
    ) -> None:
        try:
            records = await self._call(
                "efetch",
                {"db": "pubmed", "retmode": "xml", "id": ",".join(batch)},
                parser.parse_pubmed_xml,
            )
        except BaseException as exc:
            if not fut.done():
                if isinstance(exc, asyncio.CancelledError):
                    fut.cancel()
                else:
                    fut.set_exception(exc)
                    fut.exception()  # marked retrieved: waiters may be gone
            raise
        finally:
            for pmid in batch:
                if self._inflight.get(pmid) is fut:
                    del self._inflight[pmid]
        by_id: dict[str, Record] = {}
        new: list[Record] = []
        for record in records:
            key = record.pmid or record.id
            if key in by_id:
                continue
            by_id[key] = record
            if key not in found:
                found[key] = record
                new.append(record)
        if not fut.done():
            fut.set_result(by_id)
        if on_batch is not None and new:
            on_batch(new)

    async def _await_shared(
        self,
        fut: asyncio.Future[dict[str, Record]],
        ids: list[str],
        on_batch: Callable[[list[Record]], None] | None,
        found: dict[str, Record],
    ) -> list[str]:
        """Wait for another call's batch; returns the ids to refetch if that call was cancelled.

        ``asyncio.wait`` (not ``await fut``) so that cancelling *this* call never cancels the
        future the other call owns.
        """
        await asyncio.wait([fut])
        if fut.cancelled():
            return ids
        exc = fut.exception()
        if exc is not None:
            raise exc
        got = fut.result()
        new = []
        for pmid in ids:
            record = got.get(pmid)
            if record is not None and pmid not in found:
                found[pmid] = record
                new.append(record)
        if on_batch is not None and new:
            on_batch(new)
        return []

    # -- esearch / count ---------------------------------------------------------------------

    async def esearch(
        self,
        term: str,
        *,
        retstart: int = 0,
        retmax: int = 20,
        sort: str | None = None,
        datetype: str | None = None,
        mindate: str | None = None,
        maxdate: str | None = None,
    ) -> SearchResult:
        """One page of PMIDs matching a PubMed query, with the total count.

        ``sort`` e.g. ``pub_date`` (newest first) or ``relevance``; ``datetype`` ``edat`` /
        ``pdat`` / ``mdat`` with ``mindate``/``maxdate`` (``YYYY[/MM[/DD]]``). A query that
        matches nothing is a result with ``count == 0``, not an error.
        """
        params: dict[str, Any] = {
            "db": "pubmed",
            "term": term,
            "retmode": "xml",
            "retstart": str(retstart),
            "retmax": str(retmax),
        }
        params.update(_optional(sort=sort, datetype=datetype, mindate=mindate, maxdate=maxdate))
        return await self._call("esearch", params, parser.parse_esearch)

    async def count(
        self,
        term: str,
        *,
        datetype: str | None = None,
        mindate: str | None = None,
        maxdate: str | None = None,
    ) -> int:
        """How many PubMed records match ``term`` (``rettype=count``: no ids transferred).

        Used for the topic overview's "on PubMed" and "new since last visit" numbers.
        """
        params: dict[str, Any] = {
            "db": "pubmed",
            "term": term,
            "retmode": "xml",
            "rettype": "count",
        }
        params.update(_optional(datetype=datetype, mindate=mindate, maxdate=maxdate))
        result = await self._call("esearch", params, parser.parse_esearch)
        return result.count

    # -- elink -------------------------------------------------------------------------------

    async def elink(self, pmid: str, linkname: str) -> list[str]:
        """PMIDs linked to ``pmid`` by ``linkname`` (e.g. ``pubmed_pubmed`` = similar articles,
        ``pubmed_pubmed_citedin`` = cited by, ``pubmed_pubmed_refs`` = references), in NCBI's
        order.

        One PMID per request: with a comma list NCBI merges the link sets of all inputs. The
        input PMID itself (NCBI lists it first among its own similar articles) is left out.
        """
        pmid = str(pmid).strip()
        params = {
            "dbfrom": "pubmed",
            "db": "pubmed",
            "cmd": "neighbor",
            "linkname": linkname,
            "id": pmid,
            "retmode": "xml",
        }
        linksets = await self._call("elink", params, parser.parse_elink)
        chosen = next((ls for ls in linksets if pmid in ls.ids), None)
        if chosen is None and len(linksets) == 1:
            chosen = linksets[0]
        if chosen is None:
            return []
        out: list[str] = []
        seen = {pmid}
        for linked in chosen.links.get(linkname, []):
            if linked not in seen:
                seen.add(linked)
                out.append(linked)
        return out

    # -- ecitmatch ---------------------------------------------------------------------------

    async def ecitmatch(self, queries: Sequence[CitationQuery]) -> list[CitationMatch]:
        """Match citations (journal, year, volume, first page, author) to PMIDs.

        ECitMatch answers plain text, one line per citation, echoing each line's ``key``; a
        query without a key gets its position (``"0"``, ``"1"``, …) as key so answers can be
        matched back. Sent as GET (the only form NCBI documents), in chunks of
        :data:`ECITMATCH_CHUNK` to keep URLs short.
        """
        lines = []
        for index, q in enumerate(queries):
            fields = (q.journal, q.year, q.volume, q.first_page, q.author, q.key or str(index))
            # httpx encodes spaces as "+", which is what ECitMatch expects.
            lines.append("|".join(_field(f) for f in fields) + "|")
        matches: list[CitationMatch] = []
        for start in range(0, len(lines), ECITMATCH_CHUNK):
            chunk = lines[start : start + ECITMATCH_CHUNK]
            params = {"db": "pubmed", "retmode": "xml", "bdata": "\r".join(chunk)}
            matches.extend(
                await self._call(
                    "ecitmatch",
                    params,
                    lambda body: parser.parse_ecitmatch(body.decode("utf-8", "replace")),
                    method="GET",
                )
            )
        return matches

    # -- the one request path ----------------------------------------------------------------

    async def _call(
        self,
        endpoint: Literal["efetch", "esearch", "elink", "ecitmatch"],
        params: dict[str, Any],
        parse: Callable[[bytes], T],
        *,
        method: Literal["GET", "POST"] = "POST",
    ) -> T:
        """Send one E-utility request with retries; return ``parse(body)``.

        Raises the typed error of the last attempt, with a message naming ``endpoint`` and the
        number of tries, and never the URL or parameters.
        """
        if self._closed:
            raise NetworkError(f"NCBI {endpoint} failed: the client is closed")
        url = self._base + ("ecitmatch.cgi" if endpoint == "ecitmatch" else f"{endpoint}.fcgi")
        data = dict(params)
        data["tool"] = TOOL
        if self.settings.email:
            data["email"] = self.settings.email
        if self.settings.api_key:
            data["api_key"] = self.settings.api_key
        tries = self.max_retries + 1
        last: _Retryable | None = None
        for attempt in range(tries):
            if last is not None and last.tries is not None and attempt >= last.tries:
                tries = attempt
                break
            if last is not None:
                delay = self._backoff(attempt, last)
                log.info(
                    "NCBI %s: %s; retrying in %.2f s (try %d of %d)",
                    endpoint,
                    last.reason,
                    delay,
                    attempt + 1,
                    tries,
                )
                await asyncio.sleep(delay)
            try:
                body = await self._attempt(endpoint, method, url, data)
                parser.check_rate_limit_body(body)
                return parse(body)
            except _Retryable as exc:
                last = exc
            except RateLimitedError as exc:
                last = _Retryable(
                    RateLimitedError(self._msg(endpoint, "rate limit exceeded")),
                    "rate-limit answer in HTTP 200",
                    getattr(exc, "retry_after", None),
                )
            except TruncatedResponse as exc:
                last = _Retryable(
                    TruncatedResponse(self._msg(endpoint, "the answer was cut off")),
                    f"truncated answer ({self._scrub(str(exc))})",
                )
            except ErrorResponse as exc:
                text = self._scrub(str(exc))
                error = ErrorResponse(f"NCBI {endpoint} reported an error: {text}")
                if not is_transient_error_text(text):
                    raise error from None
                last = _Retryable(error, f"transient error ({text})")
        assert last is not None
        err = last.error
        err.args = (f"{err.args[0]} after {tries} {'try' if tries == 1 else 'tries'}",)
        raise err

    async def _attempt(self, endpoint: str, method: str, url: str, data: dict[str, Any]) -> bytes:
        """One HTTP exchange through the limiter: the body of a 2xx answer, or a classified
        failure (:class:`_Retryable` or a final :class:`ServerError`)."""
        async with self._slots:
            await self.limiter.acquire()
            self.requests_made += 1
            if method == "GET":
                request = self._http.build_request("GET", url, params=data)
            else:
                request = self._http.build_request("POST", url, data=data)
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TimeoutException as exc:
                raise _Retryable(
                    NetworkError(self._msg(endpoint, "NCBI did not answer in time")),
                    f"timeout ({type(exc).__name__})",
                ) from None
            except httpx.ConnectError as exc:
                # No route, no DNS, connection refused: most likely no network at all (a laptop
                # on a plane). One quick retry, then the caller goes offline instead of waiting.
                raise _Retryable(
                    NetworkError(self._msg(endpoint, "NCBI could not be reached")),
                    f"cannot connect ({type(exc).__name__}: {self._scrub(str(exc))})",
                    tries=CONNECT_TRIES,
                ) from None
            except httpx.TransportError as exc:
                raise _Retryable(
                    NetworkError(self._msg(endpoint, "NCBI could not be reached")),
                    f"network error ({type(exc).__name__}: {self._scrub(str(exc))})",
                ) from None
            try:
                status = response.status_code
                if not 200 <= status < 300:
                    # Drain the (small) error body so the keep-alive connection can be reused.
                    with contextlib.suppress(httpx.HTTPError):
                        await response.aread()
                if status == 429:
                    retry_after = _retry_after(response.headers.get("Retry-After"))
                    raise _Retryable(
                        RateLimitedError(
                            self._msg(endpoint, "HTTP 429 (rate limit exceeded)"), retry_after
                        ),
                        "HTTP 429",
                        retry_after,
                    )
                if status >= 500:
                    raise _Retryable(
                        ServerError(self._msg(endpoint, f"HTTP {status}"), status),
                        f"HTTP {status}",
                        _retry_after(response.headers.get("Retry-After")),
                    )
                if not 200 <= status < 300:
                    what = f"HTTP {status}"
                    if 300 <= status < 400:
                        what += " (redirect not followed)"
                    detail = _error_detail(response)
                    if detail:
                        what += f": {self._scrub(detail)}"
                    raise ServerError(self._msg(endpoint, what), status)
                try:
                    body = await response.aread()
                except httpx.TimeoutException as exc:
                    raise _Retryable(
                        NetworkError(self._msg(endpoint, "NCBI did not answer in time")),
                        f"timeout while reading ({type(exc).__name__})",
                    ) from None
                except httpx.TransportError as exc:
                    # Headers arrived but the body broke off: the answer is incomplete.
                    raise _Retryable(
                        TruncatedResponse(self._msg(endpoint, "the answer was cut off")),
                        f"body cut off ({type(exc).__name__})",
                    ) from None
            finally:
                await response.aclose()
        if not body.strip():
            raise _Retryable(
                TruncatedResponse(self._msg(endpoint, "the answer was empty")), "empty body"
            )
        return body

    def _backoff(self, attempt: int, last: _Retryable) -> float:
        """Full-jitter exponential backoff, but never shorter than the server's Retry-After."""
        jitter = random.random() * min(MAX_BACKOFF, self.backoff_base * 2**attempt)
        if last.retry_after is not None:
            return max(last.retry_after, jitter)
        return jitter

    def _msg(self, endpoint: str, what: str) -> str:
        return f"NCBI {endpoint} failed: {what}"

    def _scrub(self, text: str) -> str:
        return scrub(text, self.settings.api_key)


def _optional(**values: str | None) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if v is not None and str(v) != ""}
