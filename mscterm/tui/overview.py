"""Pure computations behind the topic overview and the link menus (no Textual here).

Kept apart from the widgets so they can be tested directly and so the pane only renders; the
evidence classification itself is :mod:`mscterm.listing`'s (shared with the command line).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from mscterm.listing import EVIDENCE_ORDER, OTHER, evidence_class, safety
from mscterm.model import Record


@dataclass(slots=True)
class TopicStats:
    """What the overview says about a topic's records that are in the cache."""

    cached: int = 0
    mix: list[tuple[str, int]] = field(default_factory=list)
    retracted: list[Record] = field(default_factory=list)
    years: dict[int, int] = field(default_factory=dict)

    def year_series(self) -> tuple[int, int, list[float]] | None:
        """(first year, last year, counts per year with zeros filled) or None without years."""
        if not self.years:
            return None
        first, last = min(self.years), max(self.years)
        return first, last, [float(self.years.get(y, 0)) for y in range(first, last + 1)]


def topic_stats(records: Iterable[Record]) -> TopicStats:
    """Evidence mix, retracted papers and publications per year over the given records."""
    stats = TopicStats()
    mix: Counter[str] = Counter()
    years: Counter[int] = Counter()
    seen: set[str] = set()
    for record in records:
        if record.id in seen:
            continue
        seen.add(record.id)
        stats.cached += 1
        mix[evidence_class(record)] += 1
        if safety(record) is not None:
            stats.retracted.append(record)
        if record.year:
            years[record.year] += 1
    order = [name for _, name in EVIDENCE_ORDER] + [OTHER]
    stats.mix = [(name, mix[name]) for name in order if mix[name]]
    stats.years = dict(years)
    return stats


def citation_label(record: Record) -> str:
    """The label a person scans in the tree and lists: ``Rubio et al. 2005 · Cancer Res``.

    One function so the tree, search hits and the overview agree (and a later change, e.g.
    title words for seed records without authors, happens in one place).
    """
    return record.short_citation


def pubmed_url(record: Record) -> str:
    """The record's PubMed page, else its DOI landing page."""
    if record.pmid:
        return f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/"
    if record.doi:
        return f"https://doi.org/{record.doi}"
    return "https://pubmed.ncbi.nlm.nih.gov/?term=" + "+".join(record.title.split()[:12])


def record_links(record: Record) -> list[tuple[str, str]]:
    """(where, address) of every page the record has: PubMed, PMC (with a PMCID), the DOI.

    A record with none of them (a citation-only seed record) gets a PubMed search for its
    title, so ``o`` always offers something to open.
    """
    links = []
    if record.pmid:
        links.append(("PubMed", f"https://pubmed.ncbi.nlm.nih.gov/{record.pmid}/"))
    if record.pmcid:
        pmcid = record.pmcid if record.pmcid.upper().startswith("PMC") else f"PMC{record.pmcid}"
        links.append(("PMC", f"https://pmc.ncbi.nlm.nih.gov/articles/{pmcid}/"))
    if record.doi:
        links.append(("DOI", f"https://doi.org/{record.doi}"))
    if not links:
        links.append(("PubMed search", pubmed_url(record)))
    return links
