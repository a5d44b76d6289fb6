"""The retry policy: which failed attempts are tried again, how often, and after how long.

A failed attempt that may be tried again is raised as :class:`Retryable`, carrying the error
the caller gets if it was the last try. Everything else fails at once. How long to wait:
full-jitter exponential backoff, but never less than the server's ``Retry-After`` — which is
itself capped (:attr:`RetryPolicy.max_retry_after`), because a server asking for an hour must
not hold a command (or the whole TUI) for an hour; after a capped wait the request is tried
once more only.

Some failures get fewer tries than :attr:`RetryPolicy.max_retries` allows (``max_tries``): no
connection at all (a laptop on a plane: one quick retry, then the caller goes offline), and a
request that ran out of time (the deadline or a timeout: retried at most once, so one slow
server costs at most two deadlines).
"""

from __future__ import annotations

import datetime
import email.utils
import math
import random
import time
from dataclasses import dataclass

from mscterm.net.errors import ErrorFamily, ServiceError

__all__ = ["RetryPolicy", "Retryable", "parse_retry_after", "status_failure"]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How a session retries; every number injectable so tests run fast."""

    max_retries: int = 4
    """Retries after the first try (so at most ``max_retries + 1`` tries)."""
    backoff_base: float = 0.5
    """The first backoff window in seconds; it doubles with every try."""
    max_backoff: float = 30.0
    """Upper bound of one jittered backoff sleep."""
    max_retry_after: float = 10.0
    """Longest ``Retry-After`` honoured; a longer one is capped, said, and tried once more."""
    connect_tries: int = 2
    """Tries in all when no connection can be made."""
    timeout_tries: int = 2
    """Tries in all for a request that hit the deadline or a timeout."""

    def __post_init__(self) -> None:
        if self.max_retries < 0:
            raise ValueError("max_retries must not be negative")
        if self.backoff_base < 0 or self.max_backoff < 0 or self.max_retry_after < 0:
            raise ValueError("backoff and Retry-After limits must not be negative")

    def delay(self, tries: int, retry_after: float | None) -> float:
        """Seconds to sleep before try number ``tries + 1`` (``retry_after`` already capped)."""
        jitter = random.random() * min(self.max_backoff, self.backoff_base * 2**tries)
        return jitter if retry_after is None else max(retry_after, jitter)


class Retryable(Exception):
    """One failed attempt that may be retried; ``error`` is what the caller gets if it is last."""

    def __init__(
        self,
        error: ServiceError,
        reason: str,
        *,
        retry_after: float | None = None,
        max_tries: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.error = error
        self.reason = reason
        """A short phrase for the log line (never shown as the final error)."""
        self.retry_after = retry_after
        """The server's ``Retry-After`` in seconds (uncapped), if it sent one."""
        self.max_tries = max_tries
        """At most this many tries in all for this kind of failure (None: the policy's)."""


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), else None.

    Negative values and dates in the past mean "now" (0); nonsense is ignored (None). The
    value is *not* capped here: the session caps it and says so.
    """
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:  # "-0000" parses as naive; HTTP dates are GMT
            when = when.replace(tzinfo=datetime.UTC)
        seconds = when.timestamp() - time.time()
    if math.isnan(seconds):
        return None
    return max(seconds, 0.0)


def status_failure(
    label: str,
    status: int,
    retry_after: float | None,
    detail: str | None,
    errors: ErrorFamily,
    policy: RetryPolicy,
) -> Exception:
    """What a non-2xx answer means: 429 and 5xx may be retried, every other status is final.

    ``detail`` is the service's own sentence from the error body (e.g. NCBI's "'retstart'
    cannot be larger than 9998"); it tells the user more than the status does.
    """
    if status == 429:
        shown = None if retry_after is None else min(retry_after, policy.max_retry_after)
        return Retryable(
            errors.rate_limited(f"{label} failed: HTTP 429 (rate limit exceeded)", shown),
            "HTTP 429",
            retry_after=retry_after,
        )
    if status >= 500:
        return Retryable(
            errors.server(f"{label} failed: HTTP {status}", status),
            f"HTTP {status}",
            retry_after=retry_after,
        )
    what = f"HTTP {status}"
    if 300 <= status < 400:
        what += " (redirect not followed)"
    if detail:
        what += f": {detail}"
    return errors.server(f"{label} failed: {what}", status)
