"""Typed failures of the E-utilities: what went wrong, in words a user can act on.

Every message is safe to show: none ever contains the API key (the client scrubs URLs first).
"""

from __future__ import annotations


class EUtilsError(Exception):
    """Base of every E-utilities failure."""


class NetworkError(EUtilsError):
    """NCBI could not be reached (DNS, connect, read timeout) even after retries."""


class RateLimitedError(EUtilsError):
    """NCBI answered 429 (or the rate-limit JSON inside a 200) after every retry."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ServerError(EUtilsError):
    """NCBI answered 5xx (or another unexpected status) after every retry."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class ErrorResponse(EUtilsError):
    """An error reported inside an HTTP 200 body: ``<ERROR>``, an error JSON, an error list."""


class TruncatedResponse(EUtilsError):
    """The body ended early or is not well-formed: nothing from it may be cached."""


class UnsafeXMLError(EUtilsError):
    """The XML declares entities or external resources; it is refused, never expanded."""


class OfflineError(EUtilsError):
    """The network was needed but mscterm is offline (by choice or after a failure)."""
