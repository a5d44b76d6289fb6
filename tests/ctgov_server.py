"""A local stand-in for ClinicalTrials.gov's API v2, for tests, benchmarks and trying by hand.

A real HTTP server (``ThreadingHTTPServer`` on 127.0.0.1, random port) so the client is exercised
through httpx and sockets, as with ``tests/eutils_server.py``. ``../shared/ctgov/CTGOV_FACTS.md``
is the spec; the recordings in ``../shared/ctgov/samples`` are served as they are.

``GET /api/v2/studies/{nctId}``
    the study as JSON (a recorded full study byte for byte, else compact JSON); ``nct`` in lower
    case accepted; ``fields=`` keeps only the requested leaves; an alias (:meth:`add_alias`)
    answers 301 to its current id; a malformed id 400 and an unknown one 404, in plain text.
``GET /api/v2/studies``
    ``query.cond``, ``query.intr``, ``query.term``, ``filter.overallStatus``, ``filter.ids``,
    ``filter.advanced`` (Essie, see ``tests/ctgov_essie.py``), ``fields``, ``sort``,
    ``pageSize`` (default 10, at most 1000), ``pageToken`` (opaque; valid only with the
    parameters of the first page), ``countTotal`` (``totalCount`` on the first page only). A
    page filled exactly to ``pageSize`` carries a ``nextPageToken`` even when nothing follows,
    so the last token of an exact multiple leads to an empty page, as the real API does; a
    shorter page has no token. Unknown parameters and bad values answer 400 in plain text.
    Recorded searches (:data:`RECORDED_SEARCHES`) are answered with their recorded pages when
    their recorded parameters are sent (``fields`` aside); the recorded chain ends with an
    empty page.
Anything else: nginx's HTML 404.

Faults (:class:`Fault`, :meth:`CTGovServer.inject`): 429 with ``Retry-After``, 5xx, slow (before
the headers) or trickling (between body chunks), JSON cut short (with a matching or a lying
``Content-Length``), deep nesting, huge and gzip-bombed bodies, empty and HTML bodies, dropped
connections, plain-text 400/404. Every fault is bounded: sizes by ``size`` (default just over
DESIGN.md's 64 MB cap, streamed, never held in memory), times by ``MAX_FAULT_SECONDS``.
Every request is logged (:attr:`CTGovServer.requests`).

Run by hand::

    python -m tests.ctgov_server --port 8766 --fictional 40
    MSCTERM_CTGOV_URL=http://127.0.0.1:8766/api/v2/ mscterm trial NCT00791778
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from tests.ctgov_essie import (
    PIECES,
    SEARCH_AREAS,
    EssieError,
    IndexedStudy,
    load_metadata,
    parse_essie,
    project,
    projection,
    values_at,
)
from tests.ctgov_studies import fictional_studies

__all__ = [
    "API_PREFIX",
    "RECORDED_SEARCHES",
    "CTGovServer",
    "Fault",
    "LoggedRequest",
    "default_samples_dir",
    "demo_server",
]

API_PREFIX = "/api/v2/"
JSON_TYPE = "application/json"
TEXT_TYPE = "text/plain"
MAX_PAGE_SIZE = 1000
DEFAULT_PAGE_SIZE = 10
MAX_FAULT_SECONDS = 60.0
"""No injected delay or trickle lasts longer than this, whatever a test asks."""
BOMB_SIZE = 64 * 1024 * 1024 + 1
"""Default size of huge bodies: one byte over DESIGN.md's cap."""

STATUSES = frozenset(
    "ACTIVE_NOT_RECRUITING COMPLETED ENROLLING_BY_INVITATION NOT_YET_RECRUITING RECRUITING "
    "SUSPENDED TERMINATED WITHDRAWN AVAILABLE NO_LONGER_AVAILABLE TEMPORARILY_NOT_AVAILABLE "
    "APPROVED_FOR_MARKETING WITHHELD UNKNOWN".split()
)
SEARCH_PARAMETERS = frozenset(
    "format markupFormat query.cond query.term query.locn query.titles query.intr query.outc "
    "query.spons query.lead query.id query.patient filter.overallStatus filter.geo filter.ids "
    "filter.advanced filter.synonyms postFilter.overallStatus postFilter.geo postFilter.ids "
    "postFilter.advanced postFilter.synonyms aggFilters geoDecay fields sort countTotal "
    "pageSize pageToken".split()
)
STUDY_PARAMETERS = frozenset({"format", "markupFormat", "fields"})
_QUERY_AREAS = {
    "query.cond": "ConditionSearch",
    "query.intr": "InterventionSearch",
    "query.term": "BasicSearch",
    "filter.advanced": "BasicSearch",
}
_PAGING = frozenset({"pageToken", "pageSize", "countTotal"})

#: Recorded searches served for their recorded parameters (from the receipts in INDEX.md;
#: ``fields`` is not compared, as most receipts elide it). Each item: files of the pages in
#: order, and the parameters of the first request.
RECORDED_SEARCHES: tuple[tuple[tuple[str, ...], dict[str, str]], ...] = (
    (
        ("search_phelan_page1_pagesize5.json", "search_phelan_page2_token.json"),
        {"query.cond": "Phelan-McDermid Syndrome", "countTotal": "true", "pageSize": "5"},
    ),
    (
        ("search_cond_melanoma_recruiting_pagesize3.json",),
        {
            "query.cond": "melanoma",
            "filter.overallStatus": "RECRUITING",
            "countTotal": "true",
            "pageSize": "3",
        },
    ),
    (
        ("search_intr_keytruda_pagesize3.json",),
        {"query.intr": '"Keytruda"', "countTotal": "true", "pageSize": "3"},
    ),
    (("search_all_pagesize1_counttotal.json",), {"countTotal": "true", "pageSize": "1"}),
)
#: Recorded full studies served by ``GET /studies/{nctId}`` (restricted recordings are not).
RECORDED_STUDIES = (
    "study_nct00791778_full_with_results_serious_events.json",
    "study_nct03722472_full_with_adverse_events.json",
    "study_nct02576665_full.json",
    "study_nct06131398_full_no_officials.json",
    "study_nct06323538_observational_full.json",
)


def default_samples_dir() -> Path:
    """``../shared/ctgov/samples`` beside the repository."""
    return Path(__file__).resolve().parents[1].parent / "shared" / "ctgov" / "samples"


def _html_404() -> bytes:
    return (
        b"<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n"
        b"<center><h1>404 Not Found</h1></center>\r\n<hr><center>nginx</center>\r\n"
        b"</body>\r\n</html>\r\n"
    )


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


# --------------------------------------------------------------------------------------------
# log and faults


@dataclass(frozen=True, slots=True)
class LoggedRequest:
    """One request as the server saw it."""

    endpoint: str  # "study", "studies" or "other"
    method: str
    path: str
    params: dict[str, list[str]]
    time: float  # time.monotonic() on arrival
    headers: dict[str, str] = field(default_factory=dict)  # names in lower case

    def param(self, name: str, default: str | None = None) -> str | None:
        values = self.params.get(name)
        return values[0] if values else default


FAULT_KINDS = frozenset(
    {
        "429", "500", "502", "503", "http_error", "slow", "trickle", "truncated", "cut",
        "deep", "huge", "gzip_bomb", "empty", "html_200", "drop", "error_400", "error_404",
    }
)  # fmt: skip


@dataclass(slots=True)
class Fault:
    """A misbehaviour for the next ``times`` matching requests (``endpoint``: "study",
    "studies" or None for any).

    ``429`` Retry-After ``retry_after`` s (default 1); ``500``/``502``/``503``/``http_error``
    (``status``) a short error page; ``slow`` waits ``delay`` s before answering; ``trickle``
    sends the headers, then the real body in ``chunks`` pieces ``delay`` s apart; ``truncated``
    half the real body with a matching Content-Length; ``cut`` the full Content-Length but only
    half the body, then closes; ``deep`` JSON nested ``depth`` levels; ``huge`` a valid JSON
    body of ``size`` bytes (streamed; ``chunked=True`` omits Content-Length); ``gzip_bomb`` a
    small gzip body inflating to ``size`` bytes; ``empty`` HTTP 200 without a body; ``html_200``
    a proxy's HTML page with 200; ``drop`` closes without answering; ``error_400``/``error_404``
    a plain-text error (``message``).
    """

    kind: str
    endpoint: str | None = None
    times: int = 1
    retry_after: float | None = None
    delay: float = 0.0
    chunks: int = 10
    status: int | None = None
    depth: int = 100_000
    size: int = BOMB_SIZE
    chunked: bool = False
    message: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; one of {sorted(FAULT_KINDS)}")
        self.delay = min(max(self.delay, 0.0), MAX_FAULT_SECONDS)
        self.depth = min(max(self.depth, 1), 10_000_000)
        self.size = min(max(self.size, 16), 1024**3)

    def matches(self, endpoint: str) -> bool:
        return self.endpoint is None or self.endpoint == endpoint


@dataclass(slots=True)
class Answer:
    """What the handler sends: a body given whole, or streamed in pieces."""

    status: int
    body: bytes = b""
    content_type: str = JSON_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None
    length: int | None = None  # Content-Length for a stream (None: close-delimited)
    pause: float = 0.0  # between streamed pieces
    drop: bool = False


class _BadRequest(Exception):
    """Answered as HTTP 400 with this plain-text message."""


# --------------------------------------------------------------------------------------------
# HTTP plumbing


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    ctgov: CTGovServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _HTTPServer
    server_version = "nginx"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        """Silence the default access log."""

    def setup(self) -> None:
        super().setup()
        self.server.ctgov._track(self.connection, add=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.ctgov._track(self.connection, add=False)

    def do_GET(self) -> None:
        headers = {k.lower(): v for k, v in self.headers.items()}
        answer = self.server.ctgov._respond("GET", self.path, headers)
        if answer.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self._send(answer)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True

    def do_POST(self) -> None:  # the API is GET-only
        self._send(Answer(405, b"Method Not Allowed", TEXT_TYPE))

    def _send(self, answer: Answer) -> None:
        self.send_response(answer.status)
        self.send_header("Content-Type", answer.content_type)
        for key, value in answer.headers.items():
            self.send_header(key, value)
        if answer.stream is None:
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            self.wfile.write(answer.body)
            return
        if answer.length is not None:
            self.send_header("Content-Length", str(answer.length))
        else:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        deadline = time.monotonic() + MAX_FAULT_SECONDS
        for piece in answer.stream:
            if time.monotonic() > deadline or self.server.ctgov._stopping.is_set():
                break
            self.wfile.write(piece)
            self.wfile.flush()
            if answer.pause:
                time.sleep(answer.pause)
        self.close_connection = True


# --------------------------------------------------------------------------------------------
# the server


class CTGovServer:
    """A real HTTP stand-in for ClinicalTrials.gov API v2 on 127.0.0.1.

    ``url`` is the API base (``http://127.0.0.1:PORT/api/v2/``), as ``MSCTERM_CTGOV_URL`` takes it.
    Studies are served in the order they were added (the real API does not sort unless asked).
    """

    def __init__(
        self,
        studies: Sequence[Mapping[str, Any]] = (),
        *,
        samples_dir: Path | None = None,
        port: int = 0,
        delay: float = 0.0,
        enforce_rate_limit: int | None = None,
    ) -> None:
        self._lock = threading.RLock()
        self._studies: dict[str, IndexedStudy] = {}
        self._raw: dict[str, bytes] = {}  # recorded bytes, served as they are
        self._aliases: dict[str, str] = {}
        self._recorded: list[tuple[dict[str, str], list[bytes]]] = []
        self._pieces = dict(PIECES)
        self._faults: list[Fault] = []
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self.requests: list[LoggedRequest] = []
        self.delay = delay
        self.enforce_rate_limit = enforce_rate_limit
        self._port = port
        self._httpd: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        if samples_dir is not None:
            self.load_samples(samples_dir)
        for study in studies:
            self.add_study(study)

    # ----------------------------------------------------------------------- lifecycle

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/api/v2/`` (the server must be started)."""
        return f"http://127.0.0.1:{self.port}{API_PREFIX}"

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("CTGovServer is not started")
        return int(self._httpd.server_address[1])

    def start(self) -> CTGovServer:
        if self._httpd is not None:
            return self
        self._stopping.clear()
        httpd = _HTTPServer(("127.0.0.1", self._port), _Handler)
        httpd.ctgov = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
            name=f"ctgov-server-{httpd.server_address[1]}",
        )  # fmt: skip
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, end running streams and close every open connection."""
        httpd, self._httpd = self._httpd, None
        if httpd is None:
            return
        self._stopping.set()
        httpd.shutdown()
        httpd.server_close()
        with self._lock:
            connections = list(self._connections)
        for conn in connections:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> CTGovServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _track(self, conn: socket.socket, *, add: bool) -> None:
        with self._lock:
            (self._connections.add if add else self._connections.discard)(conn)

    # ----------------------------------------------------------------------- data

    def add_study(self, study: Mapping[str, Any], raw: bytes | None = None) -> str:
        """Serve ``study`` (a v2 study object); ``raw`` are its exact bytes, if recorded."""
        found = list(values_at(study, PIECES["NCTId"]))
        if not found or not isinstance(found[0], str):
            raise ValueError("a study to serve needs protocolSection.identificationModule.nctId")
        nct = found[0].upper()
        with self._lock:
            self._studies[nct] = IndexedStudy(dict(study), self._pieces)
            if raw is None:
                self._raw.pop(nct, None)
            else:
                self._raw[nct] = raw
        return nct

    def add_studies(self, studies: Sequence[Mapping[str, Any]]) -> list[str]:
        return [self.add_study(s) for s in studies]

    def remove_study(self, nct: str) -> None:
        with self._lock:
            self._studies.pop(nct.upper(), None)
            self._raw.pop(nct.upper(), None)

    def add_alias(self, old: str, current: str) -> None:
        """``GET /studies/{old}`` answers 301 to ``current``, as the API does for old ids."""
        with self._lock:
            self._aliases[old.upper()] = current.upper()

    @property
    def nct_ids(self) -> list[str]:
        with self._lock:
            return list(self._studies)

    def load_samples(self, samples_dir: Path) -> list[str]:
        """Serve the recorded full studies, recorded searches and every piece of the recorded
        field metadata; returns the NCT ids served. Missing files are skipped."""
        samples_dir = Path(samples_dir)
        metadata = samples_dir / "studies_metadata_field_schema.json"
        if metadata.is_file():
            with self._lock:
                for piece, path in load_metadata(metadata).items():
                    self._pieces.setdefault(piece, path)
        loaded = []
        for name in RECORDED_STUDIES:
            path = samples_dir / name
            if path.is_file():
                raw = path.read_bytes()
                loaded.append(self.add_study(json.loads(raw), raw))
        for names, params in RECORDED_SEARCHES:
            paths = [samples_dir / n for n in names]
            if all(p.is_file() for p in paths):
                self.add_recorded_search(params, [p.read_bytes() for p in paths])
        return loaded

    def add_recorded_search(self, params: Mapping[str, str], pages: Sequence[bytes]) -> None:
        """Answer a search sent with ``params`` (``fields`` and ``pageToken`` aside) with
        ``pages``: the first without a token, each next one for the previous page's
        ``nextPageToken``; the last page's token leads to an empty page."""
        with self._lock:
            self._recorded.append((dict(params), list(pages)))

    # ----------------------------------------------------------------------- faults and log

    def inject(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    @property
    def pending_faults(self) -> list[Fault]:
        with self._lock:
            return list(self._faults)

    def clear_log(self) -> None:
        with self._lock:
            self.requests.clear()

    def requests_to(self, endpoint: str) -> list[LoggedRequest]:
        """Logged requests to ``"study"`` or ``"studies"``, oldest first."""
        with self._lock:
            return [r for r in self.requests if r.endpoint == endpoint]

    def max_requests_in_any_window(self, seconds: float = 1.0) -> int:
        """The most requests that arrived within any window ``[t, t + seconds)``."""
        with self._lock:
            times = sorted(r.time for r in self.requests)
        best = start = 0
        for end, moment in enumerate(times):
            while moment - times[start] >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best

    # ----------------------------------------------------------------------- dispatch

    def _respond(self, method: str, target: str, headers: dict[str, str]) -> Answer:
        arrived = time.monotonic()
        split = urlsplit(target)
        params = parse_qs(split.query, keep_blank_values=True)
        path = split.path
        if path == API_PREFIX + "studies" or path == API_PREFIX + "studies/":
            endpoint = "studies"
        elif path.startswith(API_PREFIX + "studies/") and path.count("/") == 4:
            endpoint = "study"
        else:
            endpoint = "other"
        with self._lock:
            self.requests.append(LoggedRequest(endpoint, method, path, params, arrived, headers))
            fault = next((f for f in self._faults if f.matches(endpoint)), None)
            if fault is not None:
                fault.times -= 1
                if fault.times <= 0:
                    self._faults.remove(fault)
            recent = sum(1 for r in self.requests if arrived - r.time < 1.0)
        if self.delay:
            time.sleep(min(self.delay, MAX_FAULT_SECONDS))
        if endpoint == "other":
            return Answer(404, _html_404(), "text/html")
        limit = self.enforce_rate_limit
        if fault is None and limit is not None and recent > limit:
            fault = Fault("429")
        if fault is not None:
            early = self._fault_answer(fault)
            if early is not None:
                return early
        try:
            if endpoint == "study":
                answer = self._study(path.rsplit("/", 1)[-1], params)
            else:
                answer = self._search(params)
        except _BadRequest as exc:
            answer = Answer(400, str(exc).encode("utf-8"), TEXT_TYPE)
        return self._late_fault(fault, answer) if fault is not None else answer

    def _fault_answer(self, fault: Fault) -> Answer | None:
        """Faults that replace the answer; None for those that alter the real one."""
        kind = fault.kind
        if kind == "429":
            retry = 1 if fault.retry_after is None else fault.retry_after
            headers = {"Retry-After": format(retry, "g")}
            return Answer(429, b"Too Many Requests", TEXT_TYPE, headers)
        if kind in ("500", "502", "503", "http_error"):
            status = fault.status or (int(kind) if kind.isdigit() else 500)
            if status in (502, 503, 504):
                title = f"{status} {'Bad Gateway' if status == 502 else 'Service Unavailable'}"
                page = f"<html><head><title>{title}</title></head><body>{title}</body></html>"
                return Answer(status, page.encode(), "text/html")
            return Answer(status, b"Internal Server Error", TEXT_TYPE)
        if kind == "slow":
            time.sleep(fault.delay)
            return None
        if kind == "deep":
            half = fault.depth
            return Answer(200, content_type=JSON_TYPE, stream=_deep(half), length=2 * half)
        if kind == "huge":
            return Answer(
                200,
                stream=_huge(fault.size),
                length=None if fault.chunked else fault.size,
            )
        if kind == "gzip_bomb":
            body = _gzip_bomb(fault.size)
            return Answer(200, body, JSON_TYPE, {"Content-Encoding": "gzip"})
        if kind == "empty":
            return Answer(200, b"", JSON_TYPE)
        if kind == "html_200":
            page = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
            return Answer(200, page, "text/html")
        if kind == "drop":
            return Answer(0, drop=True)
        if kind in ("error_400", "error_404"):
            text = fault.message or (
                "Invalid value in parameter `overallStatus`: `X`"
                if kind == "error_400"
                else "NCT number NCT99999999 not found"
            )
            return Answer(int(kind[-3:]), text.encode("utf-8"), TEXT_TYPE)
        return None

    def _late_fault(self, fault: Fault, answer: Answer) -> Answer:
        body = answer.body
        if fault.kind == "truncated":
            answer.body = body[: len(body) // 2]
        elif fault.kind == "cut":
            answer.stream, answer.length = iter([body[: len(body) // 2]]), len(body)
            answer.body = b""
        elif fault.kind == "trickle":
            count = max(1, fault.chunks)
            step = max(1, -(-len(body) // count))
            answer.stream = iter([body[i : i + step] for i in range(0, len(body), step)])
            answer.length, answer.pause, answer.body = len(body), fault.delay, b""
        return answer

    # ----------------------------------------------------------------------- /studies/{id}

    def _study(self, raw_id: str, params: dict[str, list[str]]) -> Answer:
        unknown = sorted(set(params) - STUDY_PARAMETERS)
        if unknown:
            raise _BadRequest(f"`{unknown[0]}` is unknown parameter")
        nct = raw_id.upper()
        if not (nct.startswith("NCT") and len(nct) == 11 and nct[3:].isdigit()):
            raise _BadRequest("Parameter `nctId` has incorrect format")
        self._check_format(params)
        with self._lock:
            current = self._aliases.get(nct)
            indexed = self._studies.get(nct)
            raw = self._raw.get(nct)
        if current is not None and indexed is None:
            return Answer(301, b"", TEXT_TYPE, {"Location": f"{API_PREFIX}studies/{current}"})
        if indexed is None:
            return Answer(404, f"NCT number {nct} not found".encode(), TEXT_TYPE)
        tree = self._fields(params)
        if tree is None:
            return Answer(200, raw if raw is not None else _dumps(indexed.study))
        return Answer(200, _dumps(project(indexed.study, tree) or {}))

    # ----------------------------------------------------------------------- /studies

    def _search(self, params: dict[str, list[str]]) -> Answer:
        unknown = sorted(set(params) - SEARCH_PARAMETERS)
        if unknown:
            raise _BadRequest(f"`{unknown[0]}` is unknown parameter")
        self._check_format(params)
        flat = {k: v[-1] for k, v in params.items()}
        recorded = self._recorded_page(flat)
        if recorded is not None:
            return Answer(200, recorded)
        size = self._page_size(flat.get("pageSize"))
        count_total = self._flag(flat.get("countTotal"), "countTotal")
        statuses = self._statuses(flat.get("filter.overallStatus"))
        wanted_ids = self._ids(flat.get("filter.ids"))
        areas = set(self._pieces) | set(SEARCH_AREAS)
        queries = []
        for name, area in _QUERY_AREAS.items():
            text = flat.get(name, "").strip()
            if text:
                try:
                    queries.append((parse_essie(text, areas=areas), area))
                except EssieError as exc:
                    raise _BadRequest(f"Error parsing query in {name}: {exc}") from None
        tree = self._fields(params)
        signature = _signature(flat)
        offset = self._offset(flat.get("pageToken"), signature)
        with self._lock:
            studies = list(self._studies.values())
        hits = [
            s
            for s in studies
            if (not statuses or _status(s) in statuses)
            and (wanted_ids is None or _nct_of(s) in wanted_ids)
            and all(s.matches(node, area) for node, area in queries)
        ]
        hits = self._sorted(hits, flat.get("sort"))
        page = hits[offset : offset + size]
        out: dict[str, Any] = {
            "studies": [s.study if tree is None else (project(s.study, tree) or {}) for s in page]
        }
        if page and len(page) == size:  # the real API's trap: a full last page has a token
            out["nextPageToken"] = _token(offset + size, signature)
        if count_total and flat.get("pageToken") is None:
            out["totalCount"] = len(hits)
        return Answer(200, _dumps(out))

    def _recorded_page(self, flat: dict[str, str]) -> bytes | None:
        asked = {k: v for k, v in flat.items() if k not in ("fields", "pageToken")}
        token = flat.get("pageToken")
        with self._lock:
            recorded = list(self._recorded)
        for params, pages in recorded:
            if asked != params:
                continue
            if token is None:
                return pages[0]
            for index, page in enumerate(pages):
                if json.loads(page).get("nextPageToken") == token:
                    return pages[index + 1] if index + 1 < len(pages) else b'{"studies":[]}'
            raise _BadRequest("Invalid value in parameter `pageToken`")
        return None

    # ----------------------------------------------------------------------- parameters

    @staticmethod
    def _check_format(params: dict[str, list[str]]) -> None:
        fmt = (params.get("format") or ["json"])[-1]
        if fmt != "json":
            raise _BadRequest(
                f"Invalid value in parameter `format`: `{fmt}` (the stand-in serves json)"
            )

    def _fields(self, params: dict[str, list[str]]) -> dict[str, Any] | None:
        raw = (params.get("fields") or [""])[-1]
        names = [n.strip() for n in raw.replace("|", ",").split(",") if n.strip()]
        if not names:
            return None
        paths = []
        with self._lock:
            known = self._pieces
            for name in names:
                if name in known:
                    paths.append(known[name])
                elif name in known.values():
                    paths.append(name)
                else:
                    raise _BadRequest(f"Parameter 'fields' contains invalid field name: '{name}'")
        return projection(paths)

    @staticmethod
    def _page_size(value: str | None) -> int:
        if value is None or value.strip() in ("", "0"):
            return DEFAULT_PAGE_SIZE
        if not value.strip().isdigit():
            raise _BadRequest(f"Invalid value in parameter `pageSize`: `{value}`")
        return min(int(value), MAX_PAGE_SIZE)

    @staticmethod
    def _flag(value: str | None, name: str) -> bool:
        if value is None or value.lower() == "false":
            return False
        if value.lower() == "true":
            return True
        raise _BadRequest(f"Invalid value in parameter `{name}`: `{value}`")

    @staticmethod
    def _statuses(value: str | None) -> set[str]:
        wanted = {s.strip() for s in (value or "").replace("|", ",").split(",") if s.strip()}
        for status in sorted(wanted):
            if status not in STATUSES:
                raise _BadRequest(f"Invalid value in parameter `overallStatus`: `{status}`")
        return wanted

    @staticmethod
    def _ids(value: str | None) -> set[str] | None:
        """``filter.ids``: comma- or pipe-separated NCT numbers (OAS), any case; None if absent."""
        if value is None:
            return None
        wanted = {s.strip() for s in value.replace("|", ",").split(",") if s.strip()}
        for nct in sorted(wanted):
            if not (nct[:3].upper() == "NCT" and len(nct) == 11 and nct[3:].isdigit()):
                raise _BadRequest(f"Invalid value in parameter `filter.ids`: `{nct}`")
        return {n.upper() for n in wanted}

    @staticmethod
    def _offset(token: str | None, signature: str) -> int:
        if token is None:
            return 0
        try:
            decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode("ascii")
            offset, sig = decoded.split(":", 1)
            if sig != signature:
                raise ValueError("token of another query")
            return int(offset)
        except ValueError:
            raise _BadRequest("Invalid value in parameter `pageToken`") from None

    def _sorted(self, hits: list[IndexedStudy], sort: str | None) -> list[IndexedStudy]:
        if not sort or sort.strip() == "@relevance":
            return hits
        piece, _, order = sort.split(",")[0].strip().partition(":")
        if piece not in self._pieces or order not in ("", "asc", "desc"):
            raise _BadRequest(f"Invalid value in parameter `sort`: `{sort}`")
        present = [h for h in hits if h.raw(piece)]
        missing = [h for h in hits if not h.raw(piece)]
        present.sort(key=lambda h: str(h.raw(piece)[0]), reverse=order == "desc")
        return present + missing  # studies without the field come last either way


def _nct_of(study: IndexedStudy) -> str:
    found = study.raw("NCTId")
    return str(found[0]).upper() if found else ""


def _status(study: IndexedStudy) -> str | None:
    found = study.raw("OverallStatus")
    return str(found[0]) if found else None


def _signature(flat: Mapping[str, str]) -> str:
    """What later pages must repeat: everything but the paging parameters."""
    kept = sorted((k, v) for k, v in flat.items() if k not in _PAGING)
    return hashlib.sha256(repr(kept).encode()).hexdigest()[:12]


def _token(offset: int, signature: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}:{signature}".encode()).decode().rstrip("=")


def _deep(depth: int) -> Iterator[bytes]:
    for start in range(0, depth, 65536):
        yield b"[" * min(65536, depth - start)
    for start in range(0, depth, 65536):
        yield b"]" * min(65536, depth - start)


def _huge(size: int) -> Iterator[bytes]:
    """Valid JSON of exactly ``size`` bytes: a page whose padding is white space."""
    head, tail = b'{"studies":[', b"]}"
    yield head
    left = size - len(head) - len(tail)
    chunk = b" " * 65536
    while left > 0:
        yield chunk[: min(left, len(chunk))]
        left -= len(chunk)
    yield tail


_BOMBS: dict[int, bytes] = {}


def _gzip_bomb(size: int) -> bytes:
    """``_huge(size)`` gzipped (about a thousandth of its size), built once per size, streamed
    through the compressor so the inflated body never sits in memory."""
    if size not in _BOMBS:
        compressor = zlib.compressobj(9, zlib.DEFLATED, 31)  # wbits 31: a gzip container
        parts = [compressor.compress(piece) for piece in _huge(size)]
        parts.append(compressor.flush())
        _BOMBS[size] = b"".join(parts)
    return _BOMBS[size]


# --------------------------------------------------------------------------------------------
# command line


def demo_server(
    *, port: int = 0, samples_dir: Path | None = None, fictional: int = 40, delay: float = 0.0
) -> CTGovServer:
    """A server preloaded for trying mscterm by hand (not started): the recorded samples when
    present, and ``fictional`` fictional MSC trials NCT99000001 … (with a few non-MSC ones)."""
    if samples_dir is None and default_samples_dir().is_dir():
        samples_dir = default_samples_dir()
    server = CTGovServer(samples_dir=samples_dir, port=port, delay=delay)
    server.add_studies(fictional_studies(fictional))
    server.add_studies(fictional_studies(max(1, fictional // 10), start=fictional + 1, msc=False))
    return server


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m tests.ctgov_server``: serve until Ctrl-C."""
    parser = argparse.ArgumentParser(
        prog="python -m tests.ctgov_server",
        description="Local stand-in for ClinicalTrials.gov API v2 (tests and manual trials).",
    )
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0 = random)")
    parser.add_argument("--samples", type=Path, default=None, help="recorded samples directory")
    parser.add_argument("--fictional", type=int, default=40, help="fictional trials (default 40)")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before every answer")
    args = parser.parse_args(argv)
    server = demo_server(
        port=args.port, samples_dir=args.samples, fictional=args.fictional, delay=args.delay
    )
    server.start()
    print(server.url, flush=True)
    print(f"serving {len(server.nct_ids)} studies; Ctrl-C stops", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
