"""Exceptions from the clients and the store, turned into what the Library answers instead.

The Library catches failures at its edge and hands the UI a :class:`~mscterm.results.Problem`
and one sentence. This module is the single place that decides which failure is which, so the
CLI's exit codes and the TUI's header agree: a network that cannot be reached, a service that
answered with an error, a refused request, and local storage that cannot be written.
"""

from __future__ import annotations

import errno
from dataclasses import dataclass

from mscterm.results import Problem

OFFLINE_SENTENCE = "mscterm is offline; showing cached records only"
"""What an answer says when the network was needed but mscterm is offline."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A classified failure: its kind and the sentence a user reads."""

    problem: Problem
    sentence: str


def is_disk_full(exc: OSError) -> bool:
    """ENOSPC/EDQUOT, or the store's flag for a full disk (SQLite's SQLITE_FULL has no errno)."""
    return exc.errno in (errno.ENOSPC, errno.EDQUOT) or bool(getattr(exc, "disk_full", False))


def storage_sentence(exc: OSError) -> str:
    """One sentence for a storage failure; a full disk always says "disk full" first."""
    if exc.strerror:  # an OS error: "No space left on device: /path", not "[Errno 28] …"
        text = exc.strerror + (f": {exc.filename}" if exc.filename else "")
    else:
        text = str(exc) or type(exc).__name__
    return f"disk full: {text}" if is_disk_full(exc) else text


def classify(exc: BaseException) -> Failure | None:
    """The failure ``exc`` stands for; ``None`` when it is none of ours (a bug: re-raise it)."""
    # the clients' errors load with the first failure, not with the first frame
    from mscterm.net.errors import (
        ErrorResponse,
        NetworkError,
        OfflineError,
        ServiceError,
        UnusableURLError,
    )

    if isinstance(exc, OfflineError):
        return Failure(Problem.OFFLINE, str(exc) or OFFLINE_SENTENCE)
    if isinstance(exc, NetworkError):
        return Failure(Problem.NETWORK, str(exc))
    if isinstance(exc, ErrorResponse):
        return Failure(Problem.REFUSED, str(exc))
    if isinstance(exc, UnusableURLError):
        return Failure(Problem.INPUT, str(exc))
    if isinstance(exc, ServiceError):
        return Failure(Problem.SERVER, str(exc))
    if isinstance(exc, OSError):
        return storage_failure(exc)
    return None


def storage_failure(exc: OSError) -> Failure:
    """A storage failure; a cache path that cannot hold a cache (a file where the folder
    belongs) is bad input (exit 2), every other one local storage failing (exit 4)."""
    problem = Problem.INPUT if getattr(exc, "bad_path", False) else Problem.STORAGE
    return Failure(problem, storage_sentence(exc))
