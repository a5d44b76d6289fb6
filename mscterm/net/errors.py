"""Typed failures of a web service call, in words a user can act on.

Service-neutral: the E-utilities client (:mod:`mscterm.ncbi.errors`) and the ClinicalTrials.gov
client subclass each class here, so a caller can catch one service's failures
(``except EUtilsError``) or one kind across services (``except net.NetworkError``). The
session raises the service's own subclasses through an :class:`ErrorFamily`.

Every message is one plain sentence, safe to show: none ever contains a URL's query or an API
key (the session builds messages from fixed words and scrubbed details).
"""

from __future__ import annotations

from dataclasses import dataclass


class ServiceError(Exception):
    """Base of every failure talking to a web service."""


class NetworkError(ServiceError):
    """The service could not be reached (DNS, connect, timeout) even after retries."""


class DeadlineExceeded(NetworkError):
    """One request took longer than its overall deadline (connect, headers and body together),
    whatever the server did (a byte every few seconds never trips a read timeout)."""


class RateLimitedError(ServiceError):
    """The service answered 429 (or its rate-limit body) after every retry."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(ServiceError):
    """The service answered 5xx (or another unexpected status) after every retry."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ResponseTooLarge(ServerError):
    """The answer is larger than the body cap (after decompression): refused, never retried."""


class ErrorResponse(ServiceError):
    """An error reported inside a successful answer (an error element or JSON field)."""


class TruncatedResponse(ServiceError):
    """The body ended early or is not well-formed: nothing from it may be cached."""


class UnusableURLError(ServiceError):
    """The base URL cannot be requested (not http(s), no host, a bad port): bad input, which
    no retry can fix and which is not a network failure (the session does not go offline)."""


class OfflineError(ServiceError):
    """The network was needed but mscterm is offline (by choice or after a failure)."""


@dataclass(frozen=True, slots=True)
class ErrorFamily:
    """The classes one service raises for each kind of failure (its subclasses of the above)."""

    network: type[NetworkError] = NetworkError
    deadline: type[DeadlineExceeded] = DeadlineExceeded
    rate_limited: type[RateLimitedError] = RateLimitedError
    server: type[ServerError] = ServerError
    too_large: type[ResponseTooLarge] = ResponseTooLarge
    truncated: type[TruncatedResponse] = TruncatedResponse
    unusable_url: type[UnusableURLError] = UnusableURLError
