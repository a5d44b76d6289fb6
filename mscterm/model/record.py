"""Records (and what they are made of) and topics, in DESIGN.md's record JSON shape.

These dataclasses are the one shape every layer shares (parser, store, library, CLI, TUI, export).
They know how to turn into DESIGN.md's record JSON and back, and nothing else: no I/O, no network,
no imports heavier than the standard library, so the warm ``lookup`` path stays fast.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

SCHEMA_VERSION = 2
"""Bump when Record's shape changes; the store then re-fetches instead of misreading old data.

2: ``languages``, ``registry_ids`` and ``book.location`` (a version-1 record lacks them)."""


@dataclass(slots=True)
class Author:
    """A person (family/given/initials) or a group (collective); never both."""

    family: str | None = None
    given: str | None = None
    initials: str | None = None
    suffix: str | None = None
    collective: str | None = None
    orcid: str | None = None

    @property
    def display(self) -> str:
        """``Family I`` for a person, the group name for a collective."""
        if self.collective:
            return self.collective
        parts = [p for p in (self.family, self.initials) if p]
        return " ".join(parts) or (self.given or "")


@dataclass(slots=True)
class AbstractSection:
    """One paragraph of an abstract; ``label`` is set for structured abstracts (e.g. METHODS)."""

    label: str | None
    text: str


@dataclass(slots=True)
class MeshHeading:
    """A MeSH descriptor with its qualifiers; ``major`` marks a major topic of the article."""

    descriptor: str
    major: bool = False
    qualifiers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Book:
    """What a PubmedBookArticle adds: the book it belongs to."""

    booktitle: str | None = None
    publisher: str | None = None
    location: str | None = None
    editors: list[Author] = field(default_factory=list)
    chapter: str | None = None


@dataclass(slots=True)
class Record:
    """One bibliographic record in DESIGN.md's JSON shape.

    ``id`` is the key used everywhere (tree, marks, exports): the PMID, else ``doi:<lower DOI>``,
    else ``cite:<first author>-<year>-<first title words>`` (see :func:`record_id`).
    """

    id: str
    pmid: str | None = None
    title: str = ""
    authors: list[Author] = field(default_factory=list)
    authors_complete: bool | None = True
    journal: str | None = None
    journal_abbrev: str | None = None
    year: int | None = None
    month: int | None = None
    volume: str | None = None
    issue: str | None = None
    pages: str | None = None
    doi: str | None = None
    pmcid: str | None = None
    book: Book | None = None
    abstract: list[AbstractSection] = field(default_factory=list)
    mesh: list[MeshHeading] = field(default_factory=list)
    publication_types: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    language: str | None = None
    languages: list[str] = field(default_factory=list)
    registry_ids: list[str] = field(default_factory=list)
    retracted: bool = False
    comments: list[dict[str, Any]] = field(default_factory=list)
    source: str = "pubmed"
    provenance: list[str] = field(default_factory=list)
    resolution: str | None = None

    @property
    def is_full(self) -> bool:
        """A record fetched from PubMed, as opposed to a citation-level seed record."""
        return self.source == "pubmed"

    @property
    def first_author(self) -> str | None:
        """Family name (or group name) of the first author, for labels and keys."""
        if not self.authors:
            return None
        a = self.authors[0]
        return a.collective or a.family

    @property
    def short_citation(self) -> str:
        """``Rubio 2005 · Cancer Res``: the label a person scans in a list."""
        who = self.first_author
        if who and (len(self.authors) > 1 or self.authors_complete is False):
            who += " et al."
        elif not who:  # no author known (some seed landmarks): name it by its title
            words = self.title.split()
            who = " ".join(words[:4]) + ("…" if len(words) > 4 else "") if words else "Anon"
        year = str(self.year) if self.year else "n.d."
        where = self.journal_abbrev or self.journal or (self.book.booktitle if self.book else None)
        return f"{who} {year}" + (f" · {where}" if where else "")

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's record JSON (a plain dict ready for :func:`json.dumps`)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Record:
        """Inverse of :meth:`to_json`; unknown keys are ignored so newer files still load."""
        known = {k: v for k, v in data.items() if k in _RECORD_FIELDS}
        known["authors"] = [_author(a) for a in data.get("authors") or []]
        known["abstract"] = [AbstractSection(**s) for s in data.get("abstract") or []]
        known["mesh"] = [MeshHeading(**m) for m in data.get("mesh") or []]
        book = data.get("book")
        if book:
            book = dict(book)
            book["editors"] = [_author(a) for a in book.get("editors") or []]
            known["book"] = Book(**book)
        return cls(**known)


def _author(data: dict[str, Any]) -> Author:
    return Author(**{k: v for k, v in data.items() if k in _AUTHOR_FIELDS})


_RECORD_FIELDS = frozenset(Record.__dataclass_fields__)
_AUTHOR_FIELDS = frozenset(Author.__dataclass_fields__)


@dataclass(slots=True)
class TopicRules:
    """Which records belong to a topic: any MeSH descriptor, or any term in title/abstract."""

    mesh: list[str] = field(default_factory=list)
    terms: list[str] = field(default_factory=list)


@dataclass(slots=True, frozen=True)
class TrialsQuery:
    """A ClinicalTrials.gov search in the API's own terms: Essie expressions for its
    ``query.intr`` (interventions), ``query.cond`` (conditions) and ``query.term`` (any field).

    A topic's ``trials_query`` (topics.toml) is one of these: MSC interventions AND the topic's
    conditions or safety terms. The API combines the given parameters with AND.
    """

    intr: str | None = None
    cond: str | None = None
    term: str | None = None

    def params(self) -> dict[str, str]:
        """The request parameters (``query.intr`` …) for the parts that are set."""
        parts = (("query.intr", self.intr), ("query.cond", self.cond), ("query.term", self.term))
        return {name: value for name, value in parts if value}

    def to_json(self) -> dict[str, str | None]:
        """``{"intr": …, "cond": …, "term": …}`` (``mscterm topics --json``)."""
        return {"intr": self.intr, "cond": self.cond, "term": self.term}


@dataclass(slots=True)
class Topic:
    """A node of the safety map: its PubMed query, match rules, landmarks and sub-topics."""

    id: str
    title: str
    description: str = ""
    query: str = ""
    rules: TopicRules = field(default_factory=TopicRules)
    landmarks: list[str] = field(default_factory=list)
    children: list[Topic] = field(default_factory=list)
    parent: str | None = None
    trials_query: TrialsQuery | None = None
    """Its registered trials on ClinicalTrials.gov (None: no trials search for this topic)."""
