"""PRISMA 2020 counts (DESIGN.md's mapping) and the CSV that the PRISMA2020 R package reads.

The template facts below are those of the PRISMA2020 package 1.1.4 (github.com/prisma-flowdiagram/
PRISMA2020: ``inst/extdata/PRISMA.csv`` and ``R/PRISMA_data.R``): the template's columns, its
``data`` rows in order, and the patterns ``PRISMA_data()`` greps for in the ``data`` column (first)
and the ``box`` column (third) before reading ``n`` or ``boxtext``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import pytest

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.screening import Screening
from tests.conftest import make_record

TOPIC = "genetic-stability"

TEMPLATE_COLUMNS = ["data", "node", "box", "description", "boxtext", "tooltips", "url", "n"]
TEMPLATE_DATA = [
    "NA", "previous_studies", "previous_reports", "NA", "database_results",
    "database_specific_results", "register_results", "register_specific_results", "NA",
    "website_results", "organisation_results", "citations_results", "duplicates",
    "excluded_automatic", "excluded_other", "records_screened", "records_excluded",
    "dbr_sought_reports", "dbr_notretrieved_reports", "other_sought_reports",
    "other_notretrieved_reports", "dbr_assessed", "dbr_excluded", "other_assessed",
    "other_excluded", "new_studies", "new_reports", "total_studies", "total_reports",
    "identification", "screening", "included", "total_studies_ma", "total_reports_ma",
]  # fmt: skip
DATA_GREPS = [
    "previous_studies", "previous_reports", "register_results", "database_results",
    "database_specific_results", "register_specific_results", "website_results",
    "organisation_results", "citations_results", "duplicates", "excluded_automatic",
    "excluded_other", "records_screened", "records_excluded", "dbr_sought_reports",
    "dbr_notretrieved_reports", "other_sought_reports", "other_notretrieved_reports",
    "dbr_assessed", "dbr_excluded", "other_assessed", "other_excluded", "new_studies",
    "new_reports", "total_studies$", "total_reports$", "total_studies_ma", "total_reports_ma",
    "identification", "screening", "included",
]  # fmt: skip
BOX_GREPS = ["prevstud", "newstud", "othstud"]


def genetic(n: int, **fields: object):
    return make_record(
        n, title=f"Genetic stability of fictional stromal cells, report {n}.", **fields
    )


@pytest.fixture
def library(offline_settings: Settings) -> Iterator[Library]:
    lib = Library(offline_settings)
    lib.store.put([genetic(n) for n in range(1, 11)])
    yield lib
    lib.store.close()


def _decide(screening: Screening) -> None:
    screening.decide(["90000001", "90000002"], "include")
    screening.decide(["90000003", "90000004"], "exclude", reason="wrong population")
    screening.decide(["90000005"], "exclude", reason="cell line cross-contamination")
    screening.decide(["90000006"], "maybe")
    screening.annotate("90000007", note="noted, not screened")  # no decision: not screened


def _csv(screening: Screening, **kw: str) -> list[dict[str, str]]:
    text = io.StringIO()
    csv.writer(text, lineterminator="\n").writerows(screening.prisma(**kw).csv_rows())
    return list(csv.DictReader(io.StringIO(text.getvalue())))


def test_counts_follow_designs_mapping(library: Library) -> None:
    _decide(library.screening)
    counts = library.screening.prisma(topic=TOPIC)
    data = counts.data()
    assert data["records_screened"] == 6
    assert data["records_excluded"] == 3
    assert data["dbr_sought_reports"] == data["dbr_assessed"] == 3  # included + maybe
    assert data["dbr_notretrieved_reports"] == 0 and data["dbr_excluded"] == ""
    assert data["new_studies"] == data["total_studies"] == 2
    assert data["duplicates"] == 0 and data["register_results"] == 0
    assert dict(counts.reasons) == {"wrong population": 2, "cell line cross-contamination": 1}
    table = dict((label.strip(), value) for label, value in counts.table())
    assert table["wrong population"] == "2" and table["Records excluded"] == "3"


def test_database_results_is_the_cached_pubmed_count_else_the_cached_members(
    library: Library,
) -> None:
    members = len(library.topic_members(TOPIC))
    assert library.screening.prisma(topic=TOPIC).database_results == members
    import datetime as dt

    topic = library.topics.get(TOPIC)
    assert topic is not None
    key = f"count:{dt.date.today():%Y/%m/%d}:{topic.query}"
    library.store.put_result(key, 4321, 3600)
    assert library.screening.prisma(topic=TOPIC).database_results == 4321


def test_csv_is_the_prisma2020_template_with_our_numbers(library: Library) -> None:
    _decide(library.screening)
    rows = _csv(library.screening, topic=TOPIC)
    assert list(rows[0]) == TEMPLATE_COLUMNS
    assert [r["data"] for r in rows] == TEMPLATE_DATA
    by_name = {r["data"]: r["n"] for r in rows if r["data"] != "NA"}
    assert by_name["records_screened"] == "6" and by_name["records_excluded"] == "3"
    assert by_name["dbr_excluded"] == ""
    # Every value PRISMA_data() greps for is found in exactly one row (R's grep: a regex search).
    for pattern in DATA_GREPS:
        hits = [r for r in rows if r["data"] != "NA" and re.search(pattern, r["data"])]
        assert len(hits) == 1, pattern
    for pattern in BOX_GREPS:
        assert len([r for r in rows if re.search(pattern, r["box"])]) == 1, pattern
    # Numbers are plain digits (PRISMA_format_number_ strips anything else).
    for name in DATA_GREPS:
        value = by_name[name.rstrip("$")]
        assert value == "" or value.isdigit() or ", " in value, (name, value)


def test_no_decisions_gives_zeros_not_an_error(library: Library) -> None:
    counts = library.screening.prisma(topic=TOPIC)
    assert counts.records_screened == counts.records_excluded == counts.included == 0
    assert counts.database_results > 0  # the topic's landmarks and cached records
