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
from dataclasses import dataclass, field

NA = "NA"


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


TEMPLATE_COLUMNS = ("data", "node", "box", "description", "boxtext", "tooltips", "url", "n")
_DEFAULT_N = {"other_excluded": "0"}

# (data, node, box, description, boxtext, tooltips, url): the template's rows, in its order.
# Row names, node and box ids are what PRISMA_data() and the diagram look up; texts are the
# PRISMA 2020 box labels.
TEMPLATE_ROWS: tuple[tuple[str, str, str, str, str, str, str], ...] = (
    (NA, "node4", "prevstud", "Previous studies", "Previous studies", NA, "prevstud.html"),
    (
        "previous_studies",
        "node5",
        "box1",
        "Studies included in previous version of review",
        "Studies included in previous version of review",
        NA,
        "previous_studies.html",
    ),
    (
        "previous_reports",
        NA,
        "box1",
        "Reports of studies included in previous version of review",
        "Reports of studies included in previous version of review",
        NA,
        "previous_reports.html",
    ),
    (
        NA,
        "node6",
        "newstud",
        "Identification of new studies via databases and registers",
        "Identification of new studies via databases and registers",
        NA,
        "newstud.html",
    ),
    (
        "database_results",
        "node7",
        "box2",
        "Records identified from databases",
        "Databases",
        "Records identified from PubMed by the topic's query",
        "database_results.html",
    ),
    (
        "database_specific_results",
        NA,
        "box2",
        "Records identified from specific databases",
        "Specific Databases",
        NA,
        "database_results.html",
    ),
    (
        "register_results",
        NA,
        "box2",
        "Records identified from registers",
        "Registers",
        NA,
        NA,
    ),
    (
        "register_specific_results",
        NA,
        "box2",
        "Records identified from specific registers",
        "Specific Registers",
        NA,
        "database_results.html",
    ),
    (
        NA,
        "node16",
        "othstud",
        "Identification of new studies via other methods",
        "Identification of new studies via other methods",
        NA,
        "othstud.html",
    ),
    (
        "website_results",
        "node17",
        "box11",
        "Records identified from websites",
        "Websites",
        NA,
        "website_results.html",
    ),
    (
        "organisation_results",
        NA,
        "box11",
        "Records identified from organisations",
        "Organisations",
        NA,
        NA,
    ),
    (
        "citations_results",
        NA,
        "box11",
        "Records identified from citation searching",
        "Citation searching",
        NA,
        NA,
    ),
    (
        "duplicates",
        "node8",
        "box3",
        "Duplicate records removed",
        "Duplicate records",
        "Records grouped as the same work, counted once",
        "duplicates.html",
    ),
    (
        "excluded_automatic",
        NA,
        "box3",
        "Records marked as ineligible by automation tools",
        "Records marked as ineligible by automation tools",
        NA,
        NA,
    ),
    (
        "excluded_other",
        NA,
        "box3",
        "Records removed for other reasons",
        "Records removed for other reasons",
        NA,
        NA,
    ),
    (
        "records_screened",
        "node9",
        "box4",
        "Records screened (databases and registers)",
        "Records screened",
        "Records with a decision: include, exclude or maybe",
        "records_screened.html",
    ),
    (
        "records_excluded",
        "node10",
        "box5",
        "Records excluded (databases and registers)",
        "Records excluded",
        "Records excluded at title/abstract screening",
        "records_excluded.html",
    ),
    (
        "dbr_sought_reports",
        "node11",
        "box6",
        "Reports sought for retrieval (databases and registers)",
        "Reports sought for retrieval",
        "Included and maybe records",
        "dbr_sought_reports.html",
    ),
    (
        "dbr_notretrieved_reports",
        "node12",
        "box7",
        "Reports not retrieved (databases and registers)",
        "Reports not retrieved",
        NA,
        "dbr_notretrieved_reports.html",
    ),
    (
        "other_sought_reports",
        "node18",
        "box12",
        "Reports sought for retrieval (other)",
        "Reports sought for retrieval",
        NA,
        "other_sought_reports.html",
    ),
    (
        "other_notretrieved_reports",
        "node19",
        "box13",
        "Reports not retrieved (other)",
        "Reports not retrieved",
        NA,
        "other_notretrieved_reports.html",
    ),
    (
        "dbr_assessed",
        "node13",
        "box8",
        "Reports assessed for eligibility (databases and registers)",
        "Reports assessed for eligibility",
        "Included and maybe records",
        "dbr_assessed.html",
    ),
    (
        "dbr_excluded",
        "node14",
        "box9",
        "Reports excluded (databases and registers), as reason, n; reason, n",
        "Reports excluded",
        NA,
        "dbrexcludedrecords.html",
    ),
    (
        "other_assessed",
        "node20",
        "box14",
        "Reports assessed for eligibility (other)",
        "Reports assessed for eligibility",
        NA,
        "other_assessed.html",
    ),
    (
        "other_excluded",
        "node21",
        "box15",
        "Reports excluded (other), as reason, n; reason, n",
        "Reports excluded",
        NA,
        "other_excluded.html",
    ),
    (
        "new_studies",
        "node15",
        "box10",
        "New studies included in review",
        "New studies included in review",
        NA,
        "new_studies.html",
    ),
    (
        "new_reports",
        NA,
        "box10",
        "Reports of new included studies",
        "Reports of new included studies",
        NA,
        NA,
    ),
    (
        "total_studies",
        "node22",
        "box16",
        "Total studies included in review",
        "Total studies included in review",
        NA,
        "total_studies.html",
    ),
    (
        "total_reports",
        NA,
        "box16",
        "Reports of total included studies",
        "Reports of total included studies",
        NA,
        NA,
    ),
    (
        "identification",
        "node1",
        "identification",
        "Identification",
        "Identification",
        NA,
        "identification.html",
    ),
    ("screening", "node2", "screening", "Screening", "Screening", NA, "screening.html"),
    ("included", "node3", "included", "Included", "Included", NA, "included.html"),
    (
        "total_studies_ma",
        "node23",
        "box17",
        "Total studies included in meta-analysis",
        "Total studies included in meta-analysis",
        NA,
        "total_studies_meta_analysis.html",
    ),
    (
        "total_reports_ma",
        NA,
        "box17",
        "Reports of total included studies in meta-analysis",
        "Reports of total included studies in meta-analysis",
        NA,
        NA,
    ),
)
