"""The E-utilities client: every byte mscterm gets from NCBI comes through here.

The calls (efetch, esearch, count, elink, ecitmatch) build NCBI's parameters and hand them to
a :class:`~mscterm.net.session.ServiceSession`, which owns the rules shared with every service:
the shared rate limit (applied in a transport, so tests can wrap ``httpx.MockTransport``), the
retry policy, the overall deadline per request and the body cap. What is NCBI's own lives in
:mod:`mscterm.ncbi.policy` (the API key scrubbed everywhere, errors hidden in 200s).

* **Few, big requests.** efetch sends up to ``batch_size`` (200) PMIDs per POST (NCBI asks for
  POST beyond ~200 ids), so 1,000 uncached PMIDs cost 5 requests
  (:mod:`mscterm.ncbi.batching`).
* **POST everywhere but ECitMatch**, so no URL ever holds the key (ECitMatch is GET-only).
* **Only what was asked.** efetch returns (and hands to ``on_batch``) only records of PMIDs it
  asked for: an answer carrying extra articles, or another PMID, cannot fill the cache. Ids that
  are not PMIDs are left out by the parsers. Both are said in :meth:`drain_warnings`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from importlib import metadata
from typing import Any, Literal, TypeVar

import httpx

from mscterm.config import Settings
from mscterm.model import Record
from mscterm.ncbi import parser
from mscterm.ncbi.batching import BatchFetcher
from mscterm.ncbi.errors import EUTILS_ERRORS, NetworkError
from mscterm.ncbi.policy import TOOL, Parser, error_detail, parsing, scrub
from mscterm.ncbi.results import CitationMatch, CitationQuery, SearchResult
from mscterm.net.ratelimit import RateLimiter
from mscterm.net.retry import RetryPolicy
from mscterm.net.session import DEFAULT_MAX_BODY, ServiceSession
from mscterm.net.transport import Limiter

__all__ = ["DEFAULT_TIMEOUT", "ECITMATCH_CHUNK", "TOOL", "EUtilsClient"]

T = TypeVar("T")

DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
"""Connect 10 s; read/write/pool 30 s: a 200-record efetch can take NCBI several seconds."""

ECITMATCH_CHUNK = 50
"""Citations per ECitMatch request: ECitMatch is GET-only, so the URL must stay short."""

Endpoint = Literal["efetch", "esearch", "elink", "ecitmatch"]


def _version() -> str:
    try:
        return metadata.version("mscterm")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        return "0"


def _field(text: str) -> str:
    """An ECitMatch field: no ``|`` or line breaks (they would shift the columns)."""
    return " ".join(text.replace("|", " ").split())


def _parse_ecitmatch(body: bytes, *, warnings: list[str]) -> list[CitationMatch]:
    """ECitMatch answers text (UTF-8), not XML, whatever ``retmode`` says."""
    return parser.parse_ecitmatch(body.decode("utf-8", "replace"))


def _optional(**values: str | None) -> dict[str, str]:
    return {k: str(v) for k, v in values.items() if v is not None and str(v) != ""}


class EUtilsClient:
    """Async client of the PubMed E-utilities (efetch, esearch, elink, ecitmatch).

    One per process (or per :class:`~mscterm.library.Library`): it keeps one keep-alive
    connection pool and the table of in-flight efetch PMIDs. Use ``async with`` or call
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
        batch_size: int = 200,
        backoff_base: float = 0.5,
        timeout: httpx.Timeout | float | None = None,
        deadline: float | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        max_retry_after: float = 10.0,
    ) -> None:
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.settings = settings
        self.max_retries = max_retries
        self.batch_size = batch_size
        self.backoff_base = backoff_base
        self._own_limiter: RateLimiter | None = None
        if limiter is None:  # the shared one of this cache directory, closed with the client
            limiter = self._own_limiter = RateLimiter(
                settings.cache_dir / "ratelimit.sqlite3", settings.requests_per_second
            )
        self.limiter: Limiter = limiter
        if isinstance(timeout, int | float):
            timeout = httpx.Timeout(float(timeout))
        self._session = ServiceSession(
            service="NCBI",
            base_url=settings.eutils_url,
            errors=EUTILS_ERRORS,
            limiter=self.limiter,
            transport=transport,
            policy=RetryPolicy(
                max_retries=max_retries, backoff_base=backoff_base, max_retry_after=max_retry_after
            ),
            timeout=timeout or DEFAULT_TIMEOUT,
            deadline=deadline,
            max_body=max_body,
            concurrency=settings.requests_per_second,
            headers={"User-Agent": f"mscterm/{_version()}"},
            scrub=self._scrub,
            error_detail=error_detail,
        )
        self._batches = BatchFetcher(self._efetch_batch, batch_size, self._session.warn)
        self._closed = False

    @property
    def requests_made(self) -> int:
        """HTTP attempts sent (retries included): what NCBI would count."""
        return self._session.requests_made

    def drain_warnings(self) -> list[str]:
        """What was worked around since the last call, one sentence each (then forgotten):
        ids dropped from an answer, records nobody asked for, a ``Retry-After`` capped."""
        return self._session.drain_warnings()

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
        await self._session.aclose()
        if self._own_limiter is not None:
            self._own_limiter.close()

    # -- efetch ------------------------------------------------------------------------------

    async def efetch(
        self,
        pmids: Sequence[str],
        on_batch: Callable[[list[Record]], None] | None = None,
    ) -> list[Record]:
        """Fetch full PubMed records, ``batch_size`` PMIDs per POST (see :class:`BatchFetcher`).

        Duplicates are dropped; PMIDs that another ``efetch`` of this client is fetching right
        now are awaited instead of requested twice. ``on_batch`` receives each batch's records
        as soon as they are parsed — also those of batches that succeed while another fails —
        so the caller can store them before an error ends the call. Every record returned is
        passed to ``on_batch`` exactly once, and every one is of a PMID asked for. PMIDs NCBI
        does not return are simply absent: the caller decides they are missing. After all
        batches finished, the first failure is raised.
        """
        return await self._batches.fetch(pmids, on_batch)

    async def _efetch_batch(self, batch: list[str]) -> list[Record]:
        params = {"db": "pubmed", "retmode": "xml", "id": ",".join(batch)}
        return await self._call("efetch", params, parser.parse_pubmed_xml)

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
        params = {
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
        """How many PubMed records match ``term`` (``rettype=count``: no ids transferred)."""
        params = {"db": "pubmed", "term": term, "retmode": "xml", "rettype": "count"}
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
        links = chosen.links.get(linkname, [])
        return [linked for linked in dict.fromkeys(links) if linked != pmid]

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
            matches.extend(await self._call("ecitmatch", params, _parse_ecitmatch, method="GET"))
        return matches

    # -- the one request path ----------------------------------------------------------------

    async def _call(
        self,
        endpoint: Endpoint,
        params: dict[str, str],
        parse: Parser[T],
        *,
        method: Literal["GET", "POST"] = "POST",
    ) -> T:
        """One E-utility request through the session, with ``tool``/``email``/``api_key``;
        ``parse(body, warnings=…)`` gives the answer (see :func:`policy.parsing`)."""
        label = f"NCBI {endpoint}"
        if self._closed:
            raise NetworkError(f"{label} failed: the client is closed")
        data: dict[str, Any] = dict(params, tool=TOOL)
        if self.settings.email:
            data["email"] = self.settings.email
        if self.settings.api_key:
            data["api_key"] = self.settings.api_key
        path = "ecitmatch.cgi" if endpoint == "ecitmatch" else f"{endpoint}.fcgi"
        checked = parsing(label, parse, self.settings.api_key, self._session.warn)
        return await self._session.call(label, method, path, data, checked)

    def _scrub(self, text: str) -> str:
        return scrub(text, self.settings.api_key)
