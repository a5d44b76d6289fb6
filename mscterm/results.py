"""What the Library answers: a value, one plain sentence when something failed, and how.

The CLI and the TUI never see a network or storage exception: every Library call that may touch
the network (or write the cache) returns one of these objects instead of raising. ``error`` is a
sentence a user can act on; ``problem`` says which kind of failure it was, so the CLI can pick
its exit code (network 3, storage 4) and the TUI its header state; ``offline`` says the answer
came from the cache and seed alone (offline by choice, or after the network failed).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Generic, TypeVar

from mscterm.model import Record

T = TypeVar("T")


class Problem(StrEnum):
    """The kind of failure behind an answer's ``error``."""

    NETWORK = "network"
    """The service could not be reached (refused, DNS, timeout, deadline): the session goes
    offline. CLI exit code 3."""
    SERVER = "server"
    """The service answered, but with an error (5xx after retries, an error body, a rate limit
    that never lifted, a body too large or malformed). CLI exit code 3."""
    STORAGE = "storage"
    """Local storage failed (disk full, cache or state not writable). CLI exit code 4."""
    OFFLINE = "offline"
    """The network was needed but mscterm is offline by choice: nothing was tried."""


@dataclass(slots=True)
class Answer(Generic[T]):
    """A value (always usable: the cached or empty answer when something failed) and its story."""

    value: T
    error: str | None = None
    problem: Problem | None = None
    offline: bool = False
    warnings: list[str] = field(default_factory=list)
    """Problems met and worked around (bad ids dropped from an answer, a capped Retry-After)."""

    @property
    def ok(self) -> bool:
        """Nothing failed (warnings may still be worth showing)."""
        return self.error is None


@dataclass(slots=True)
class Fetched:
    """What :meth:`Library.records` could provide.

    ``records`` holds every asked id that is available (from the cache or the network; a seed
    record stands in when nothing fuller could be had), keyed by the asked id; ``missing`` the
    ids nobody has; ``error``/``problem``/``offline`` as in :class:`Answer`.
    """

    records: dict[str, Record] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    error: str | None = None
    problem: Problem | None = None
    offline: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed (some ids may still be missing: PubMed does not have them)."""
        return self.error is None


@dataclass(slots=True)
class SearchPage:
    """One page of a PubMed search: the total count and the PMIDs of this page, in order."""

    count: int
    ids: list[str] = field(default_factory=list)
    retstart: int = 0
    retmax: int = 0
    query_translation: str | None = None
    phrases_not_found: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class TopicCounts:
    """The numbers of a topic overview; ``None`` where the network has not answered (yet)."""

    landmarks: int
    cached: int
    on_pubmed: int | None = None
    new_since_visit: int | None = None
    last_visit: str | None = None
    error: str | None = None
