"""PRISMA 2020 counts for one reviewer (and topic), and the CSV the PRISMA2020 tools read.

The mapping is DESIGN.md's (screening is one title/abstract stage; no full-text stage yet):
records identified = the topic's PubMed count (registered trials beside it), duplicates =
records grouped as one work beyond the first, screened = works with a decision, excluded = works
excluded (with their reasons), sought = assessed = included + maybe, studies = included.

The CSV follows the template of the PRISMA2020 R package and Shiny app (``inst/extdata/
PRISMA.csv`` of github.com/prisma-flowdiagram/PRISMA2020, version 1.1.4): columns ``data, node,
box, description, boxtext, tooltips, url, n``. ``PRISMA_data()`` finds each value by grepping
the ``data`` column for the row's name and reading ``n``; it also reads ``box``, ``boxtext``,
``tooltips`` and ``url`` of every row (a file with only ``data,n`` stops it with "argument is
of length zero"), so every template row and column is written, in the template's order.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

from mscterm.screening.decisions import EXCLUDE, INCLUDE, MAYBE, Decision
from mscterm.screening.duplicates import WorkFacts, WorkGroups
from mscterm.screening.prisma_template import _DEFAULT_N, NA, TEMPLATE_COLUMNS, TEMPLATE_ROWS


@dataclass(slots=True)
class PrismaCounts:
    """The numbers of one PRISMA 2020 flow diagram."""

    topic: str | None
    reviewer: str
    database_results: int = 0
    register_results: int = 0
    duplicates: int = 0
    records_screened: int = 0
    records_excluded: int = 0
    included: int = 0
    maybe: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    """Exclusion reason -> excluded works (the table view lists them)."""

    @property
    def sought(self) -> int:
        """dbr_sought_reports and dbr_assessed: included + maybe go on to the next stage."""
        return self.included + self.maybe

    def data(self) -> dict[str, int | str]:
        """The PRISMA2020 ``data`` rows mscterm fills, with their values."""
        return {
            "database_results": self.database_results,
            "database_specific_results": f"PubMed, {self.database_results}",
            "register_results": self.register_results,
            "register_specific_results": f"ClinicalTrials.gov, {self.register_results}",
            "duplicates": self.duplicates,
            "records_screened": self.records_screened,
            "records_excluded": self.records_excluded,
            "dbr_sought_reports": self.sought,
            "dbr_notretrieved_reports": 0,
            "dbr_assessed": self.sought,
            "dbr_excluded": "",
            "new_studies": self.included,
            "new_reports": self.included,
            "total_studies": self.included,
            "total_reports": self.included,
        }

    def table(self) -> list[tuple[str, str]]:
        """(label, value) lines of the table view; exclusion reasons follow the excluded."""
        lines = [
            ("Records identified: databases (PubMed)", str(self.database_results)),
            ("Records identified: registers (ClinicalTrials.gov)", str(self.register_results)),
            ("Duplicate records", str(self.duplicates)),
            ("Records screened", str(self.records_screened)),
            ("Records excluded", str(self.records_excluded)),
        ]
        for reason, n in sorted(self.reasons.items(), key=lambda item: (-item[1], item[0])):
            lines.append((f"    {reason}", str(n)))
        lines += [
            ("Reports sought for retrieval", str(self.sought)),
            ("Reports not retrieved", "0"),
            ("Reports assessed for eligibility", str(self.sought)),
            ("Reports excluded", "–"),
            ("Studies included in review", str(self.included)),
        ]
        return lines

    def csv_rows(self) -> list[list[str]]:
        """The template's header and rows with mscterm's values in ``n`` (see module doc)."""
        values = self.data()
        rows = [list(TEMPLATE_COLUMNS)]
        for data, node, box, description, boxtext, tooltip, url in TEMPLATE_ROWS:
            n = values.get(data, _DEFAULT_N.get(data, 0))
            if tooltip == NA and node != NA:  # every drawn box gets its hover text
                tooltip = description
            rows.append([data, node, box, description, boxtext, tooltip, url, str(n)])
        return rows


def tally(
    counts: PrismaCounts,
    decided: Mapping[str, Decision],
    others: Mapping[str, WorkFacts],
) -> PrismaCounts:
    """Fill the screening numbers: works (records grouped as one work) and their decisions.

    ``decided`` holds the reviewer's decided records by record id; ``others`` the topic's other
    known records (its landmarks), which count towards duplicates only. Within a work, the
    latest decision stands.
    """
    facts: dict[str, WorkFacts] = {k: d.record for k, d in decided.items()}
    for key, fact in others.items():
        facts.setdefault(key, fact)
    groups = WorkGroups(facts)
    counts.duplicates = groups.duplicates()
    latest: dict[str, Decision] = {}
    for key, d in decided.items():
        lead = groups.leader(key)
        if lead not in latest or d.time > latest[lead].time:
            latest[lead] = d
    for d in latest.values():
        counts.records_screened += 1
        if d.decision == EXCLUDE:
            counts.records_excluded += 1
            counts.reasons[d.reason or "other"] += 1
        elif d.decision == INCLUDE:
            counts.included += 1
        elif d.decision == MAYBE:
            counts.maybe += 1
    return counts
