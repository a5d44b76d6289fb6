"""The HTTP layer every web service client of mscterm stands on (E-utilities, ClinicalTrials.gov).

* :mod:`~mscterm.net.errors`    service-neutral failures; each service subclasses them.
* :mod:`~mscterm.net.ratelimit` the request budget shared by every process on one cache dir.
* :mod:`~mscterm.net.transport` httpx transports wrapping a transport: the shared limiter and
  request counting, then the per-request deadline (so unit tests can wrap ``MockTransport``).
* :mod:`~mscterm.net.retry`     the retry policy: what is tried again, how often, how long after.
* :mod:`~mscterm.net.session`   one request with retries, the overall deadline and the body cap;
  the one place where httpx's exceptions become typed failures.

Nothing is imported here: :mod:`~mscterm.net.errors` must stay importable without httpx (the
warm ``lookup`` path imports the error classes, never the network code).
"""
