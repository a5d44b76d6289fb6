"""Typed failures of the E-utilities: what went wrong, in words a user can act on.

Each class is the E-utilities member of a service-neutral kind in :mod:`mscterm.net.errors`:
``except EUtilsError`` catches every NCBI failure, ``except mscterm.net.NetworkError`` every
unreachable service. Every message is safe to show: none ever contains the API key (the client
scrubs URLs and details first).
"""

from __future__ import annotations

from mscterm.net import errors as net

__all__ = [
    "EUTILS_ERRORS",
    "DeadlineExceeded",
    "EUtilsError",
    "ErrorResponse",
    "NetworkError",
    "OfflineError",
    "RateLimitedError",
    "ResponseTooLarge",
    "ServerError",
    "TruncatedResponse",
    "UnsafeXMLError",
    "UnusableURLError",
]


class EUtilsError(net.ServiceError):
    """Base of every E-utilities failure."""


class NetworkError(EUtilsError, net.NetworkError):
    """NCBI could not be reached (DNS, connect, read timeout) even after retries."""


class DeadlineExceeded(NetworkError, net.DeadlineExceeded):
    """One request to NCBI took longer than its overall deadline."""


class RateLimitedError(EUtilsError, net.RateLimitedError):
    """NCBI answered 429 (or the rate-limit JSON inside a 200) after every retry."""


class ServerError(EUtilsError, net.ServerError):
    """NCBI answered 5xx (or another unexpected status) after every retry."""


class ResponseTooLarge(ServerError, net.ResponseTooLarge):
    """NCBI's answer was larger than the body cap (64 MB after decompression)."""


class ErrorResponse(EUtilsError, net.ErrorResponse):
    """An error reported inside an HTTP 200 body: ``<ERROR>``, an error JSON, an error list."""


class TruncatedResponse(EUtilsError, net.TruncatedResponse):
    """The body ended early or is not well-formed: nothing from it may be cached."""


class UnsafeXMLError(EUtilsError):
    """The XML declares entities or external resources; it is refused, never expanded."""


class UnusableURLError(EUtilsError, net.UnusableURLError):
    """The E-utilities URL cannot be requested (``file://``, no host, a bad port)."""


class OfflineError(EUtilsError, net.OfflineError):
    """The network was needed but mscterm is offline (by choice or after a failure)."""


EUTILS_ERRORS = net.ErrorFamily(
    network=NetworkError,
    deadline=DeadlineExceeded,
    rate_limited=RateLimitedError,
    server=ServerError,
    too_large=ResponseTooLarge,
    truncated=TruncatedResponse,
    unusable_url=UnusableURLError,
)
"""What the shared HTTP session raises on behalf of the E-utilities client."""
