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
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from mscterm.model import Record

if TYPE_CHECKING:
    from mscterm.model import Trial, TrialPublication

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
    """The network was needed but mscterm is offline (by choice, or since an earlier network
    failure): nothing was tried."""
    REFUSED = "refused"
    """The service understood the request and refused it (an error inside a 200 answer, such
    as a query PubMed cannot parse): retrying will not help, rewording may. CLI exit code 3."""
    INPUT = "input"
    """A file the user named cannot be used (unwritable target, unreadable or malformed
    snapshot). CLI exit code 2."""


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
class Outcome:
    """How a many-ids call went: ``error``/``problem``/``offline``/``warnings`` as in
    :class:`Answer`; ``missing`` the asked ids nobody has (PubMed, the registry, or offline the
    cache)."""

    missing: list[str] = field(default_factory=list)
    error: str | None = None
    problem: Problem | None = None
    offline: bool = False
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Nothing failed (some ids may still be missing: the service does not have them)."""
        return self.error is None


@dataclass(slots=True)
class Fetched(Outcome):
    """What :meth:`Library.records` could provide: ``records`` holds every asked id that is
    available (from the cache or the network; a seed record stands in when nothing fuller
    could be had), keyed by the asked id."""

    records: dict[str, Record] = field(default_factory=dict)


@dataclass(slots=True)
class FetchedTrials(Outcome):
    """What :meth:`Library.trials` could provide: ``trials`` holds every asked NCT id that is
    available (cache or registry), keyed by the asked id (an old id the registry redirects
    holds the trial under its current id)."""

    trials: dict[str, Trial] = field(default_factory=dict)


@dataclass(slots=True)
class TrialList:
    """A topic's (or a query's) registered trials, newest registration first.

    Trials of a list carry the summary fields (no adverse events: ``Library.trials`` has the
    full study). ``total`` is the registry's own count when it gave one; ``complete`` is false
    when paging stopped before the end (the rest is said in a warning); ``fetched_at`` is when
    the list was fetched (Unix time; None: never, e.g. offline with nothing cached).
    """

    trials: list[Trial] = field(default_factory=list)
    total: int | None = None
    complete: bool = True
    fetched_at: float | None = None


@dataclass(slots=True)
class TrialPublications:
    """The papers of one registered trial, in both directions.

    ``references`` is the registry's reference list (RESULT, DERIVED, BACKGROUND; with or
    without a PMID) in its order; ``naming`` the PMIDs of PubMed records whose DataBankList
    names the trial (an esearch ``NCT…[si]`` online, cached records' ``registry_ids``
    offline); ``records`` every linked record available (cache or fetched), by PMID.
    """

    nct_id: str
    references: list[TrialPublication] = field(default_factory=list)
    naming: list[str] = field(default_factory=list)
    records: dict[str, Record] = field(default_factory=dict)

    @property
    def pmids(self) -> list[str]:
        """Every linked PMID once: the registry's references first, then records naming it."""
        linked = [p.pmid for p in self.references if p.pmid]
        return list(dict.fromkeys([*linked, *self.naming]))


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
    """The numbers of a topic overview; ``None`` where the network has not answered (yet).

    ``landmarks`` and ``cached`` come from the one topic counter (:class:`TopicSize`:
    ``cached`` is its ``total``); ``error``/``problem``/``offline`` as in :class:`Answer`.
    """

    landmarks: int
    cached: int
    on_pubmed: int | None = None
    new_since_visit: int | None = None
    last_visit: str | None = None
    error: str | None = None
    problem: Problem | None = None
    offline: bool = False


@dataclass(frozen=True, slots=True)
class TopicSize:
    """How many records of a topic are available offline: the one topic counter.

    ``landmarks``: its pinned papers (shipped in the seed snapshot); ``fetched``: fetched
    PubMed records in the cache that belong to it (its rules match, or it pins them);
    ``total``: both without double counting: the records ``export --topic`` writes offline.
    """

    landmarks: int
    fetched: int
    total: int


@dataclass(frozen=True, slots=True)
class CacheCounts:
    """What is browsable offline: ``shipped`` seed records and ``fetched`` records on disk."""

    shipped: int
    fetched: int


@dataclass(slots=True)
class LocalHits:
    """One page of local (offline) search hits.

    ``total`` counts the records that match (the cache index's count plus the seed matches it
    does not hold; ``None``: not counted); ``more`` means counting stopped early: *more than*
    ``total`` match. ``hint`` is one line about the query itself (an unknown field prefix, a
    bad value such as ``year:abc``) instead of a silent 0 hits; records may still come with it
    (an unknown ``foo:bar`` is searched as its words).
    """

    records: list[Record] = field(default_factory=list)
    total: int | None = 0
    hint: str | None = None
    more: bool = False

    def shown_of(self) -> str:
        """``20 shown of 107`` (``… of more than 50,000`` when counting stopped early)."""
        total = len(self.records) if self.total is None else self.total
        return f"{len(self.records):,} shown of {'more than ' if self.more else ''}{total:,}"


@dataclass(frozen=True, slots=True)
class CacheFinding:
    """One sentence of a cache check; ``fixed`` tells a repaired problem from a remaining one."""

    text: str
    fixed: bool = True


@dataclass(slots=True)
class CacheCheck:
    """What ``cache verify`` found (in order), and the records on disk afterwards."""

    findings: list[CacheFinding] = field(default_factory=list)
    records: int = 0
    path: str = ""
    repaired: bool = False
    """Something was wrong and has been put right (a finding, or damage moved aside on open)."""

    @property
    def remaining(self) -> list[CacheFinding]:
        """The problems that could not be repaired."""
        return [f for f in self.findings if not f.fixed]


@dataclass(slots=True)
class CacheStats:
    """What ``cache stats`` shows: the store's own figures and the one topic counter's."""

    figures: dict[str, Any] = field(default_factory=dict)
    """Counts, sizes, ages and paths as the store reports them (see ``RecordStore.stats``)."""
    topics: list[tuple[str, str, TopicSize]] = field(default_factory=list)
    """(id, title, size) of every top-level topic, in the map's order."""


@dataclass(frozen=True, slots=True)
class ImportCounts:
    """The outcome of merging a JSON-lines snapshot into the cache."""

    added: int
    updated: int
    skipped: int


@dataclass(frozen=True, slots=True)
class LibraryStatus:
    """What a UI shows about the Library's state; ``version`` grows on every change.

    ``offline`` is true by choice or after a network failure (``reason`` then holds that
    failure's sentence); a change of the cache's contents also bumps ``version``.
    """

    offline: bool
    reason: str | None
    version: int
