"""Lists of records as a reviewer arranges them: evidence class, safety, sort and type filter.

Pure functions over :class:`~mscterm.model.Record` (no Textual, no store), so the explorer's
lists, its topic overview and the command line classify, sort and filter the same way.

* :func:`evidence_class` -- DESIGN.md's one class per record (the overview's evidence mix);
* :func:`safety` -- ``retracted`` / ``concern`` / None: what a row's safety mark says;
* :data:`SORTS` and :func:`sort_records` -- newest, oldest, first author, title;
* :data:`FILTERS` and :func:`keeps` -- by publication type, or by retraction;
* :func:`arrange` -- a list of ids as shown: filtered, sorted, and how many of how many.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from mscterm.model import Record, fold_ascii

EVIDENCE_ORDER = (
    ("meta-analysis", "Meta-analysis"),
    ("systematic review", "Systematic review"),
    ("randomized controlled trial", "Randomized controlled trial"),
    ("clinical trial", "Clinical trial"),
    ("case report", "Case report"),
    ("review", "Review"),
)
"""DESIGN.md's order: a record with several types counts once, under the first that applies."""
OTHER = "Other"


def _types(record: Record) -> list[str]:
    return [t.casefold() for t in record.publication_types]


def _has_type(types: list[str], needle: str) -> bool:
    if needle == "clinical trial":  # "Clinical Trial, Phase II" and the like count too
        return any(t.startswith("clinical trial") for t in types)
    return needle in types


def evidence_class(record: Record) -> str:
    """The one evidence class a record counts under (``Other`` when none applies)."""
    types = _types(record)
    for needle, name in EVIDENCE_ORDER:
        if _has_type(types, needle):
            return name
    return OTHER


# -- safety ------------------------------------------------------------------------------------
RETRACTED = "retracted"
CONCERN = "concern"
_CONCERN_TYPES = {"expressionofconcernin"}
_RETRACTION_TYPES = {"retractionin"}


def safety(record: Record | None) -> str | None:
    """``retracted`` (retracted, or a retraction notice links to it), ``concern`` (an
    expression of concern links to it), else None: the signal a safety reviewer must see."""
    if record is None:
        return None
    kinds = {str(c.get("type", "")).casefold() for c in record.comments if isinstance(c, dict)}
    if record.retracted or kinds & _RETRACTION_TYPES:
        return RETRACTED
    if kinds & _CONCERN_TYPES or "expression of concern" in _types(record):
        return CONCERN
    return None


def notices(record: Record, kind: str = RETRACTED) -> list[str]:
    """The notices linked to a record, readable: ``PMID 90000075`` (else the DOI or source)."""
    wanted = _RETRACTION_TYPES if kind == RETRACTED else _CONCERN_TYPES
    out = []
    for comment in record.comments:
        if not isinstance(comment, dict) or str(comment.get("type", "")).casefold() not in wanted:
            continue
        if comment.get("pmid"):
            out.append(f"PMID {comment['pmid']}")
        elif comment.get("doi"):
            out.append(f"DOI {comment['doi']}")
        elif comment.get("ref_source"):
            out.append(str(comment["ref_source"]))
    return out


RESOLUTION_TEXT = {
    "pending": "not looked up on PubMed yet",
    "NOT_FOUND": "not found on PubMed",
    "AMBIGUOUS": "several PubMed records match; none chosen",
}


def resolution_text(state: str | None) -> str | None:
    """A seed record's PubMed lookup in words (None when there is nothing to say)."""
    if not state:
        return None
    if state.isdigit():
        return f"found on PubMed as PMID {state}"
    return RESOLUTION_TEXT.get(state, state.replace("_", " ").lower())


# -- sorting -----------------------------------------------------------------------------------
SORTS = ("as listed", "newest", "oldest", "first author", "title")
"""What ``S`` cycles through; ``as listed`` is the order the source gave (relevance, date)."""


def next_sort(current: str) -> str:
    """The sort after ``current`` in :data:`SORTS` (wrapping round)."""
    try:
        return SORTS[(SORTS.index(current) + 1) % len(SORTS)]
    except ValueError:
        return SORTS[1]


def _date(record: Record) -> tuple[int, int]:
    return record.year or 0, record.month or 0


def _author_key(record: Record) -> str:
    return fold_ascii(record.first_author or "~").casefold()


def _title_key(record: Record) -> str:
    return fold_ascii(record.title).casefold().lstrip("[(\"' ")


def sort_records(records: Sequence[Record], how: str) -> list[Record]:
    """``records`` in the order ``how`` names (stable: ties keep their listed order)."""
    if how == "newest":
        return sorted(records, key=_date, reverse=True)
    if how == "oldest":  # undated last, not first
        return sorted(records, key=lambda r: (r.year is None, _date(r)))
    if how == "first author":
        return sorted(records, key=_author_key)
    if how == "title":
        return sorted(records, key=_title_key)
    return list(records)


# -- filtering ---------------------------------------------------------------------------------
FILTERS: tuple[tuple[str, str], ...] = (
    ("all", "All records"),
    *EVIDENCE_ORDER,
    ("retracted", "Retracted or of concern"),
    ("not retracted", "Not retracted"),
)
"""What ``F`` offers: (key, label). The types match a record that has the type at all (a
review that is also a meta-analysis is shown under both), unlike the one-class evidence mix."""
SHORT = {
    "meta-analysis": "meta-analysis",
    "systematic review": "systematic review",
    "randomized controlled trial": "RCT",
    "clinical trial": "clinical trial",
    "case report": "case report",
    "review": "review",
    "retracted": "retracted",
    "not retracted": "not retracted",
}


def keeps(record: Record | None, how: str) -> bool:
    """Whether the filter ``how`` (a key of :data:`FILTERS`) shows ``record``.

    A record not in the cache (None) is shown only without a filter: nothing is known of it.
    """
    if how == "all":
        return True
    if record is None:
        return False
    if how == "retracted":
        return safety(record) is not None
    if how == "not retracted":
        return safety(record) is None
    return _has_type(_types(record), how)


@dataclass(frozen=True, slots=True)
class Arranged:
    """A list as shown: its ids in order, and how many the whole list has."""

    ids: list[str]
    total: int

    @property
    def shown(self) -> int:
        return len(self.ids)


def arrange(
    ids: Iterable[str],
    lookup: Callable[[str], Record | None],
    *,
    sort: str = "as listed",
    only: str = "all",
) -> Arranged:
    """``ids`` filtered by ``only`` and sorted by ``sort`` (records ``lookup`` lacks go last)."""
    ids = list(dict.fromkeys(ids))
    if sort == "as listed" and only == "all":
        return Arranged(ids, len(ids))
    known: list[Record] = []
    by_record: dict[int, str] = {}
    unknown: list[str] = []
    for rid in ids:
        record = lookup(rid)
        if not keeps(record, only):
            continue
        if record is None:
            unknown.append(rid)
        else:
            by_record[id(record)] = rid
            known.append(record)
    ordered = [by_record[id(r)] for r in sort_records(known, sort)]
    return Arranged(ordered + unknown, len(ids))


def describe(sort: str, only: str) -> str:
    """``newest · RCT``: how a list is arranged, for its label (empty when as listed)."""
    parts = [] if sort == "as listed" else [sort]
    if only != "all":
        parts.append(SHORT.get(only, only))
    return " · ".join(parts)
