"""The ClinicalTrials.gov API v2 client: every byte mscterm gets from the registry passes here.

The calls build the API's parameters and hand them to a
:class:`~mscterm.net.session.ServiceSession`, which owns what every service shares with the
E-utilities: retries with backoff on 429, 5xx and transport errors, the overall deadline per
request and the body cap (DESIGN.md's budgets). What is the registry's own:

* **Its own limiter.** The registry publishes no limit; robots.txt asks for one request per
  second (CTGOV_FACTS.md "Rate limiting"), so every process on one cache directory shares a
  budget of one request per second in its own file, apart from NCBI's.
* **Plain-text refusals.** A 400 or 404 says why in plain text: it becomes the typed error of
  :func:`~mscterm.ctgov.errors.api_error` (an unknown study, a bad parameter), never retried.
* **Paging.** ``nextPageToken`` goes back as ``pageToken`` with the first request's parameters
  repeated; paging stops on a missing token or an empty page (a page filled exactly to
  ``pageSize`` still carries a token that leads to an empty one); ``totalCount`` is read from
  the first page only.
* **Old ids.** ``/studies/{old id}`` answers 301 to the current id: redirects are followed, each
  hop through the limiter.
* **Only what was asked.** Fetching by id returns only studies asked for.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from typing import TypeVar

import httpx

from mscterm.config import Settings
from mscterm.ctgov import parser
from mscterm.ctgov.errors import (
    CTGOV_ERRORS,
    ApiError,
    BadRequest,
    MalformedResponse,
    NetworkError,
    ResponseTooDeep,
    ResponseTooLarge,
    StudyNotFound,
    api_error,
)
from mscterm.model import NCT_RE, Trial, TrialsQuery
from mscterm.net.ratelimit import RateLimiter
from mscterm.net.retry import Retryable, RetryPolicy
from mscterm.net.session import DEFAULT_MAX_BODY, ServiceSession
from mscterm.net.transport import Limiter

__all__ = [
    "ID_BATCH",
    "LIMITER_FILE",
    "MAX_PAGE_SIZE",
    "CTGovClient",
    "TrialSearch",
]

T = TypeVar("T")

LIMITER_FILE = "ctgov-ratelimit.sqlite3"
"""The registry's request budget, beside the cache (NCBI's is ``ratelimit.sqlite3``)."""
REQUESTS_PER_SECOND = 1
"""robots.txt's ``Crawl-delay: 1``: at most one request per second across processes."""
MAX_PAGE_SIZE = 1000
"""The API's largest page; larger values are silently lowered to it."""
ID_BATCH = 50
"""Full studies asked for in one ``filter.ids`` search (a study with results is up to ~100 kB)."""
DIRECT_LIMIT = 3
"""Up to this many studies are fetched one ``/studies/{id}`` each (one request fewer than a
search that must then look up the ones it did not find)."""
DEFAULT_MAX_PAGES = 10
"""Pages followed by :meth:`CTGovClient.search` before it stops and says so."""
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)


def _version() -> str:
    try:
        return metadata.version("mscterm")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


@dataclass(slots=True)
class TrialSearch:
    """A whole search, every page followed: the trials in the API's order, the registry's own
    count (``totalCount`` of the first page), and whether paging reached the end."""

    trials: list[Trial] = field(default_factory=list)
    total: int | None = None
    complete: bool = True
    pages: int = 0


def _refusal(status: int, head: bytes) -> ApiError | None:
    """The registry's plain-text 400 and 404 (and nginx's HTML 404) as typed errors."""
    return api_error(status, head) if status in (400, 404) else None


def _checked(label: str, parse: Callable[[bytes], T]) -> Callable[[bytes], T]:
    """``parse`` for the session: an unusable body is retried (a proxy's page, a cut-off
    answer), except one too large or nested too deep, which would come again the same."""

    def parse_body(body: bytes) -> T:
        try:
            return parse(body)
        except (ResponseTooLarge, ResponseTooDeep):
            raise
        except MalformedResponse as exc:
            error = type(exc)(f"{label} failed: {exc}")
            raise Retryable(error, f"unusable answer ({exc})") from None

    return parse_body


def _nct(text: str) -> str:
    raw = text.strip()
    if not NCT_RE.match(raw):
        raise BadRequest(f"not a ClinicalTrials.gov id (NCT + 8 digits): {raw[:40]!r}", 400)
    return raw.upper()


class CTGovClient:
    """Async client of ClinicalTrials.gov API v2 (``/studies`` and ``/studies/{nctId}``).

    One per Library: it keeps one keep-alive connection pool. Use ``async with`` or call
    :meth:`aclose`. ``deadline`` (seconds per request, default 30), ``max_body`` (bytes after
    decompression, default 64 MB) and ``max_retry_after`` (seconds, default 10) are DESIGN.md's
    budgets, injectable so tests run fast.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        limiter: Limiter | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        max_retries: int = 4,
        backoff_base: float = 0.5,
        timeout: httpx.Timeout | float | None = None,
        deadline: float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        max_retry_after: float = 10.0,
    ) -> None:
        self.settings = settings
        self._own_limiter: RateLimiter | None = None
        if limiter is None:  # the registry's own budget on this cache directory
            limiter = self._own_limiter = RateLimiter(
                settings.cache_dir / LIMITER_FILE, REQUESTS_PER_SECOND
            )
        self.limiter: Limiter = limiter
        if isinstance(timeout, int | float):
            timeout = httpx.Timeout(float(timeout))
        self._session = ServiceSession(
            service="ClinicalTrials.gov",
            base_url=settings.ctgov_url,
            errors=CTGOV_ERRORS,
            limiter=self.limiter,
            transport=transport,
            policy=RetryPolicy(
                max_retries=max_retries, backoff_base=backoff_base, max_retry_after=max_retry_after
            ),
            timeout=timeout or DEFAULT_TIMEOUT,
            deadline=deadline,
            max_body=max_body,
            concurrency=1,
            follow_redirects=True,
            headers={"User-Agent": f"mscterm/{_version()}", "Accept": "application/json"},
            refusal=_refusal,
        )
        self._closed = False

    @property
    def requests_made(self) -> int:
        """HTTP requests sent (retries and redirect hops included)."""
        return self._session.requests_made

    def drain_warnings(self) -> list[str]:
        """What was worked around since the last call (then forgotten): studies nobody asked
        for, unreadable studies skipped, a ``Retry-After`` capped, paging stopped early."""
        return self._session.drain_warnings()

    async def __aenter__(self) -> CTGovClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool (and the limiter when this client created it)."""
        if self._closed:
            return
        self._closed = True
        await self._session.aclose()
        if self._own_limiter is not None:
            self._own_limiter.close()

    # -- one study -----------------------------------------------------------------------------

    async def study(self, nct: str, *, fields: Sequence[str] = ()) -> Trial:
        """``GET /studies/{nctId}``: the full study (or only ``fields``) as a Trial.

        An old id is redirected to its current one: the Trial then carries the current id.
        Raises :class:`StudyNotFound` for an id the registry does not have.
        """
        asked = _nct(nct)
        params = {"fields": ",".join(fields)} if fields else {}
        label = "ClinicalTrials.gov study"
        return await self._call(label, f"studies/{asked}", params, parser.parse_study)

    async def studies(
        self, ncts: Sequence[str], *, batch_size: int = ID_BATCH
    ) -> tuple[dict[str, Trial], list[str]]:
        """Full studies by id: ``({asked id: trial}, [ids the registry does not have])``.

        A few ids are fetched one by one; more go ``batch_size`` at a time through a
        ``filter.ids`` search, and the ids a search did not return (old ids, unknown ones) are
        then asked for one by one, so redirects and 404s say which is which. The first failure
        other than "not found" is raised (:meth:`studies_into` keeps what came before it).
        """
        found: dict[str, Trial] = {}
        missing = await self.studies_into(ncts, found.__setitem__, batch_size=batch_size)
        return found, missing

    async def studies_into(
        self,
        ncts: Sequence[str],
        on_found: Callable[[str, Trial], None],
        *,
        batch_size: int = ID_BATCH,
    ) -> list[str]:
        """:meth:`studies`, handing each ``(asked id, trial)`` to ``on_found`` as it arrives
        (so a caller can keep what came before a failure); returns the ids not found."""
        wanted = list(dict.fromkeys(_nct(n) for n in ncts))
        single = list(wanted)
        if len(wanted) > DIRECT_LIMIT:
            single = []
            for start in range(0, len(wanted), max(1, batch_size)):
                batch = wanted[start : start + max(1, batch_size)]
                got = await self._by_ids(batch)
                for nct in batch:
                    if nct in got:
                        on_found(nct, got[nct])
                    else:
                        single.append(nct)
        missing = []
        for nct in single:
            try:
                on_found(nct, await self.study(nct))
            except StudyNotFound:
                missing.append(nct)
        return missing

    async def _by_ids(self, batch: list[str]) -> dict[str, Trial]:
        """One ``filter.ids`` search (a page one larger than the batch, so no token follows)."""
        params = {"filter.ids": ",".join(batch)}
        found = await self.search(params, page_size=len(batch) + 1, fields=(), count_total=False)
        asked = set(batch)
        got = {t.nct_id: t for t in found.trials if t.nct_id in asked}
        extra = len({t.nct_id for t in found.trials} - asked)
        if extra:
            self._session.warn(
                f"ClinicalTrials.gov sent {extra} studies that were not asked for; left out"
            )
        return got

    # -- searches ------------------------------------------------------------------------------

    async def search_page(
        self,
        query: TrialsQuery | Mapping[str, str],
        *,
        status: Sequence[str] = (),
        advanced: str | None = None,
        fields: Sequence[str] = parser.SUMMARY_FIELDS,
        page_size: int = MAX_PAGE_SIZE,
        page_token: str | None = None,
        count_total: bool = True,
    ) -> parser.TrialPage:
        """One page of ``GET /studies``.

        ``query`` is a :class:`TrialsQuery` (``query.intr``/``cond``/``term``) or ready
        parameters; ``status`` goes as ``filter.overallStatus``, ``advanced`` as
        ``filter.advanced`` (Essie), ``fields`` as ``fields`` (empty: whole studies).
        """
        params = _search_params(query, status, advanced, fields, page_size, count_total)
        if page_token is not None:
            params["pageToken"] = page_token
        page = await self._call(
            "ClinicalTrials.gov search", "studies", params, parser.parse_search_page
        )
        for warning in page.warnings:
            self._session.warn(f"ClinicalTrials.gov search: {warning}")
        return page

    async def search(
        self,
        query: TrialsQuery | Mapping[str, str],
        *,
        status: Sequence[str] = (),
        advanced: str | None = None,
        fields: Sequence[str] = parser.SUMMARY_FIELDS,
        page_size: int = MAX_PAGE_SIZE,
        count_total: bool = True,
        max_pages: int = DEFAULT_MAX_PAGES,
        on_page: Callable[[parser.TrialPage], None] | None = None,
    ) -> TrialSearch:
        """Every page of a search, following ``nextPageToken`` with the same parameters.

        Stops on a page without a token or with no studies; after ``max_pages`` pages it stops
        with ``complete=False`` (and a warning). ``on_page`` hears each page as it arrives.
        """
        result = TrialSearch()
        token: str | None = None
        seen: set[str] = set()
        while True:
            page = await self.search_page(
                query, status=status, advanced=advanced, fields=fields, page_size=page_size,
                page_token=token, count_total=count_total,
            )  # fmt: skip
            result.pages += 1
            if result.pages == 1:
                result.total = page.total_count
            if on_page is not None:
                on_page(page)
            for trial in page.trials:
                if trial.nct_id not in seen:
                    seen.add(trial.nct_id)
                    result.trials.append(trial)
            token = page.next_page_token
            if token is None or page.study_count == 0:
                return result
            if result.pages >= max_pages:
                result.complete = False
                shown = f" of {result.total:,}" if result.total is not None else ""
                self._session.warn(
                    f"ClinicalTrials.gov search stopped after {result.pages} pages: "
                    f"{len(result.trials):,}{shown} trials loaded"
                )
                return result

    # -- the one request path ------------------------------------------------------------------

    async def _call(
        self, label: str, path: str, params: dict[str, str], parse: Callable[[bytes], T]
    ) -> T:
        if self._closed:
            raise NetworkError(f"{label} failed: the client is closed")
        return await self._session.call(label, "GET", path, params, _checked(label, parse))


def _search_params(
    query: TrialsQuery | Mapping[str, str],
    status: Sequence[str],
    advanced: str | None,
    fields: Sequence[str],
    page_size: int,
    count_total: bool,
) -> dict[str, str]:
    """The parameters every page of one search repeats (``countTotal`` included: the API
    ignores it after the first page, and a recorded second page was sent with it)."""
    params = dict(query.params() if isinstance(query, TrialsQuery) else query)
    if status:
        params["filter.overallStatus"] = ",".join(status)
    if advanced:
        params["filter.advanced"] = advanced
    if fields:
        params["fields"] = ",".join(fields)
    params["pageSize"] = str(max(1, min(int(page_size), MAX_PAGE_SIZE)))
    if count_total:
        params["countTotal"] = "true"
    return params
