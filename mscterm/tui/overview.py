"""Pure computations behind the topic overview and the copy menu (no Textual here).

Kept apart from the widgets so they can be tested directly and so the pane only renders.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from mscterm.model import Record

EVIDENCE_ORDER = (
    ("meta-analysis", "Meta-analysis"),
    ("systematic review", "Systematic review"),
    ("randomized controlled trial", "Randomized controlled trial"),
    ("clinical trial", "Clinical trial"),
    ("case report", "Case report"),
    ("review", "Review"),
)
"""DESIGN.md's order: a record with several types counts once, under the first that applies."""


def evidence_class(record: Record) -> str:
    """The one evidence class a record counts under (``Other`` when none applies)."""
    types = [t.casefold() for t in record.publication_types]
    for needle, name in EVIDENCE_ORDER:
        if needle == "clinical trial":
            if any(t.startswith("clinical trial") for t in types):
                return name
        elif needle in types:
            return name
    return "Other"


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
        if record.retracted:
            stats.retracted.append(record)
        if record.year:
            years[record.year] += 1
    order = [name for _, name in EVIDENCE_ORDER] + ["Other"]
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
