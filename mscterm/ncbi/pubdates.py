"""PubMed dates -> (year, month): what a citation prints, from PubDate, MedlineDate and friends.

Judgement calls: a ``Season`` such as ``Spring`` gives ``month=None``; a month range such as
``Nov-Dec`` (or a ``MedlineDate`` like ``1998 Dec-1999 Jan``) gives its *first* month, because
it is a real month and citation styles print the issue under it. Journal PubDate months are
usually names (``Nov``), the other dates numbers (``11``): both are read.
"""

from __future__ import annotations

import re

from lxml import etree

__all__ = ["history_date", "pub_date", "ymd"]

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
_YEAR_RE = re.compile(r"\b(\d{4})\b")


def _month(value: str | None) -> int | None:
    """``Nov``, ``11``, ``Nov-Dec`` -> 11; seasons and junk -> None."""
    if not value:
        return None
    value = value.strip()
    if value[:1].isdigit():
        digits = value[:2] if value[:2].isdigit() else value[:1]
        number = int(digits)
        return number if 1 <= number <= 12 else None
    return _MONTHS.get(value[:3].lower())


def _year(value: str | None) -> int | None:
    if value and len(value) >= 4 and value[:4].isdigit():
        return int(value[:4])
    return None


def pub_date(date: etree._Element | None) -> tuple[int | None, int | None]:
    """Year and month of a PubDate: Year + (Month | Season) or a free-text MedlineDate."""
    if date is None:
        return None, None
    year = _year(date.findtext("Year"))
    if year is not None:
        month = date.findtext("Month")
        if month is None:
            month = date.findtext("Season")
        return year, _month(month)
    medline = date.findtext("MedlineDate")
    if medline:
        found = _YEAR_RE.search(medline)
        if found:
            rest = medline[found.end() :].strip()
            return int(found.group(1)), _month(rest) if rest[:1].isalpha() else None
    return None, None


def ymd(date: etree._Element | None) -> tuple[int | None, int | None]:
    """Year and month of a numeric date element (ArticleDate, ContributionDate, History)."""
    if date is None:
        return None, None
    return _year(date.findtext("Year")), _month(date.findtext("Month"))


def history_date(data: etree._Element | None) -> tuple[int | None, int | None]:
    """The ``pubmed`` date of a PubmedData/PubmedBookData History: the last resort."""
    history = data.find("History") if data is not None else None
    if history is not None:
        for date in history.iterchildren("PubMedPubDate"):
            if date.get("PubStatus") == "pubmed":
                return ymd(date)
    return None, None
