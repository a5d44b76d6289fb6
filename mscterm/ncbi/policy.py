"""What is special about NCBI's answers, for the shared session: secrets, transient errors.

* **The API key never shows.** Parameters (and the key) travel in POST bodies, but ECitMatch is
  a GET and httpx names URLs in its errors and INFO log lines: :func:`scrub` removes every
  ``api_key=…`` value and the key itself from any such text, and a filter on the ``httpx``
  logger applies it to httpx's own lines.
* **Errors hide in 200s.** A 200 can carry the rate-limit JSON, an ``<ERROR>`` text, or a body
  cut off mid-transfer; :func:`parsing` turns each into a retryable failure when it is
  transient, and into one final sentence when it is not (:func:`is_transient_error_text`).
* **NCBI's own words.** A 4xx such as the 9,999 paging cap carries an ``<ERROR>`` sentence that
  tells the user more than the status does (:func:`error_detail`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Protocol, TypeVar

from mscterm.ncbi.errors import ErrorResponse, RateLimitedError, TruncatedResponse
from mscterm.ncbi.safexml import check_rate_limit_body, message_text
from mscterm.net.retry import Retryable

__all__ = ["TOOL", "Parser", "error_detail", "is_transient_error_text", "parsing", "scrub"]

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)

TOOL = "mscterm"
"""Sent as ``tool`` with every request, as NCBI asks."""

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
_ERROR_TAG_RE = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)
_JSON_ERROR_RE = re.compile(rb'"(?:ERROR|error)"\s*:\s*"((?:[^"\\]|\\.)*)"')


def scrub(text: str, api_key: str | None = None) -> str:
    """``text`` with every ``api_key=…`` value and the key itself replaced by ``***``."""
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


def error_detail(head: bytes) -> str | None:
    """NCBI's own words from the start of an error answer (``<ERROR>`` text or JSON ``error``)."""
    match = _ERROR_TAG_RE.search(head[:4096]) or _JSON_ERROR_RE.search(head[:4096])
    if not match:
        return None
    text = message_text(match.group(1), 200)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&") or None


class Parser(Protocol[T_co]):
    """A parser of one E-utility's answer; ``warnings`` collects what it left out."""

    def __call__(self, body: bytes, /, *, warnings: list[str]) -> T_co: ...


def parsing(
    label: str, parse: Parser[T], api_key: str | None, warn: Callable[[str], None]
) -> Callable[[bytes], T]:
    """``parse`` for the session: NCBI's failures inside a 2xx body become retryable or final,
    and what the parser left out (ids that are not PMIDs) reaches ``warn``.

    The rate-limit JSON, a cut-off body and a transient ``<ERROR>`` are retried; any other
    ``<ERROR>`` is final, as one sentence naming ``label`` ("NCBI efetch reported an error: …").
    """

    def parse_body(body: bytes) -> T:
        notes: list[str] = []
        try:
            check_rate_limit_body(body)
            return parse(body, warnings=notes)
        except RateLimitedError as exc:
            raise Retryable(
                RateLimitedError(f"{label} failed: rate limit exceeded"),
                "rate-limit answer in HTTP 200",
                retry_after=exc.retry_after,
            ) from None
        except TruncatedResponse as exc:
            raise Retryable(
                TruncatedResponse(f"{label} failed: the answer was cut off"),
                f"truncated answer ({scrub(str(exc), api_key)})",
            ) from None
        except ErrorResponse as exc:
            text = scrub(str(exc), api_key)
            error = ErrorResponse(f"{label} reported an error: {text}")
            if not is_transient_error_text(text):
                raise error from None
            raise Retryable(error, f"transient error ({text})") from None
        finally:
            for note in notes:
                warn(note)

    return parse_body


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
