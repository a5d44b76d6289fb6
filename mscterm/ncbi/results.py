"""Parsed answers of esearch, elink and ecitmatch (efetch answers are :class:`Record`s)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class SearchResult:
    """An esearch answer: the total count and one page of PMIDs, newest first when asked."""

    count: int
    ids: list[str] = field(default_factory=list)
    retstart: int = 0
    retmax: int = 0
    query_translation: str | None = None
    phrases_not_found: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


@dataclass(slots=True)
class LinkSet:
    """One elink LinkSet: the input ids and, per link name, the linked PMIDs in NCBI's order."""

    ids: list[str]
    links: dict[str, list[str]] = field(default_factory=dict)


@dataclass(slots=True)
class CitationQuery:
    """One ECitMatch input line: journal|year|volume|first page|author|key."""

    journal: str = ""
    year: str = ""
    volume: str = ""
    first_page: str = ""
    author: str = ""
    key: str = ""


@dataclass(slots=True)
class CitationMatch:
    """One ECitMatch answer: ``pmid`` when found, else ``status`` says why not.

    ``status`` is ``FOUND``, ``NOT_FOUND``, ``AMBIGUOUS`` or NCBI's other text (e.g.
    ``NOT_FOUND;INVALID_JOURNAL``), kept as NCBI wrote it.
    """

    key: str
    pmid: str | None
    status: str
