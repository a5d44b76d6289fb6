"""Typed failures of ClinicalTrials.gov answers, in words a user can act on.

Two families: a body mscterm cannot use (:class:`MalformedResponse` and its kinds: cut short,
too large, nested too deep, not the documented shape), and an error the API itself stated in
plain text (:class:`ApiError`: HTTP 400 or 404, see CTGOV_FACTS.md "Errors"). Every message is
one line, free of control characters and bounded in length, because the server's text ends up
on a terminal.

Each class is also the ClinicalTrials.gov member of a service-neutral kind of
:mod:`mscterm.net.errors` (as :mod:`mscterm.ncbi.errors` is for NCBI), so the shared session
raises them through :data:`CTGOV_ERRORS` and the Library classifies both services' failures
the same way: unreachable, refused, an unusable answer.
"""

from __future__ import annotations

import re

from mscterm.net import errors as net
from mscterm.textsafe import one_line


class CTGovError(net.ServiceError):
    """Base of every ClinicalTrials.gov failure."""


class NetworkError(CTGovError, net.NetworkError):
    """ClinicalTrials.gov could not be reached (DNS, connect, timeout) even after retries."""


class DeadlineExceeded(NetworkError, net.DeadlineExceeded):
    """One request to ClinicalTrials.gov took longer than its overall deadline."""


class RateLimitedError(CTGovError, net.RateLimitedError):
    """ClinicalTrials.gov answered 429 after every retry."""


class ServerError(CTGovError, net.ServerError):
    """ClinicalTrials.gov answered 5xx (or another unexpected status) after every retry."""


class UnusableURLError(CTGovError, net.UnusableURLError):
    """The ClinicalTrials.gov URL cannot be requested (``file://``, no host, a bad port)."""


class MalformedResponse(CTGovError):
    """The body is not usable JSON: nothing from it may be cached.

    A retry may help (a proxy's error page, a connection cut mid-body), so the client retries
    these like a 5xx answer.
    """


class TruncatedResponse(MalformedResponse, net.TruncatedResponse):
    """The JSON ends before it is complete (a connection cut short)."""


class ResponseTooLarge(MalformedResponse, net.ResponseTooLarge):
    """The body is larger than mscterm accepts (DESIGN.md: 64 MB after decompression).

    Never retried: the same answer would come again.
    """


class ResponseTooDeep(MalformedResponse):
    """The JSON nests deeper than any real study does: refused rather than recursed into."""


class UnexpectedShape(MalformedResponse):
    """Valid JSON, but not a study or a page of studies (e.g. no NCT id, no ``studies`` list)."""


class ApiError(CTGovError, net.ErrorResponse):
    """The API refused the request and said why in its plain-text body (HTTP 400/404)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class BadRequest(ApiError):
    """HTTP 400: a malformed NCT id, an unknown parameter or value, a query syntax error."""


class StudyNotFound(ApiError):
    """HTTP 404 for ``/studies/{nctId}``: the registry has no study with this id."""

    def __init__(self, message: str, status: int = 404, nct_id: str | None = None) -> None:
        super().__init__(message, status)
        self.nct_id = nct_id


class UnknownEndpoint(ApiError):
    """HTTP 404 with nginx's HTML page: the path does not exist (a wrong base URL?)."""


_NCT_IN_TEXT = re.compile(r"\bNCT\d{8}\b", re.IGNORECASE)
MAX_MESSAGE = 300
"""Characters of the server's own text quoted in a message."""


def api_error(status: int, body: bytes | str) -> ApiError:
    """The typed error for a 4xx answer, quoting the API's plain-text reason (bounded, cleaned).

    404 with nginx's HTML page means the path is wrong (:class:`UnknownEndpoint`); any other
    404 names a study the registry does not have (:class:`StudyNotFound`); 400 is
    :class:`BadRequest`.
    """
    text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
    head = text[:4096]
    if status == 404 and re.search(r"<\s*(html|head|body|center)\b", head, re.IGNORECASE):
        return UnknownEndpoint(
            "ClinicalTrials.gov has no such address (HTTP 404): check the ClinicalTrials.gov URL "
            "setting",
            status,
        )
    reason = one_line(head)
    if len(reason) > MAX_MESSAGE:
        reason = reason[: MAX_MESSAGE - 1] + "…"
    if status == 404:
        found = _NCT_IN_TEXT.search(reason)
        return StudyNotFound(
            f"ClinicalTrials.gov: {reason or 'study not found'}",
            status,
            found.group(0).upper() if found else None,
        )
    if status == 400:
        return BadRequest(f"ClinicalTrials.gov refused the request: {reason or 'bad request'}", 400)
    return ApiError(
        f"ClinicalTrials.gov answered HTTP {status}: {reason or 'no reason given'}", status
    )


CTGOV_ERRORS = net.ErrorFamily(
    network=NetworkError,
    deadline=DeadlineExceeded,
    rate_limited=RateLimitedError,
    server=ServerError,
    too_large=ResponseTooLarge,
    truncated=TruncatedResponse,
    unusable_url=UnusableURLError,
)
"""What the shared HTTP session raises on behalf of the ClinicalTrials.gov client."""
