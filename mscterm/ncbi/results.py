"""Parsed answers of esearch, elink and ecitmatch (efetch answers are :class:`Record`s).

An esearch page is the Library's own :class:`~mscterm.results.SearchPage` (one shape, no copy
between them).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mscterm.results import SearchPage as SearchResult

__all__ = ["CitationMatch", "CitationQuery", "LinkSet", "SearchResult"]


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
