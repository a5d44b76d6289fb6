"""The shared cross-process rate limiter moved to :mod:`mscterm.net.ratelimit` (both clients
use it); this name stays importable for code written against the E-utilities package."""

from mscterm.net.ratelimit import DEFAULT_MARGIN, RateLimiter

__all__ = ["DEFAULT_MARGIN", "RateLimiter"]
