"""Numbers a safety reviewer reads off registered trials: adverse-event rates and the
publication gap.

Pure functions over :class:`~mscterm.model.Trial` (no I/O, no clock: ``today`` is a parameter),
shared by the CLI's text and CSV renderings and the TUI's trial pane and topic overview. A number
the registry does not give stays ``None`` here too: a rate is only computed from both counts.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field

from mscterm.model import AdverseEvent, AdverseEvents, Trial

LINKING_REFERENCE_TYPES = frozenset({"RESULT", "DERIVED"})
"""Registry reference types that count as the trial's own publication in the gap: RESULT (the
sponsor's results paper) and DERIVED (added by the registry from PubMed; CTGOV_FACTS.md marks
its exact rule unverified). BACKGROUND references are earlier literature and do not count."""


def percent(affected: int | None, at_risk: int | None) -> float | None:
    """``affected / at_risk`` as a percentage; None when either is unknown or nobody was at risk."""
    if affected is None or not at_risk:
        return None
    return 100.0 * affected / at_risk


def total_affected(event: AdverseEvent) -> int:
    """Participants affected by an event, summed over the arms that report a number."""
    return sum(s.affected or 0 for s in event.stats)


def serious_by_organ_system(events: AdverseEvents) -> list[tuple[str, list[AdverseEvent]]]:
    """Serious events grouped by organ system, the most frequent system first.

    Systems are ordered by participants affected (all arms), then by name; within a system the
    events are ordered the same way. Events without an organ system are grouped under
    ``"Organ system not given"``.
    """
    groups: dict[str, list[AdverseEvent]] = {}
    for event in events.serious:
        groups.setdefault(event.organ_system or "Organ system not given", []).append(event)
    ordered = []
    for system, members in groups.items():
        members.sort(key=lambda e: (-total_affected(e), e.term.lower()))
        ordered.append((system, members))
    ordered.sort(key=lambda item: (-sum(map(total_affected, item[1])), item[0].lower()))
    return ordered


def threshold_percent(events: AdverseEvents) -> float | None:
    """The registry's frequency threshold for other events (``"5"`` -> 5.0), if it is a number."""
    try:
        value = float(events.frequency_threshold or "")
    except ValueError:
        return None
    return value if 0 <= value <= 100 else None


def other_above_threshold(events: AdverseEvents) -> tuple[list[AdverseEvent], int]:
    """Other (non-serious) events at or above the threshold in at least one arm, most frequent
    first, and how many were left out as below it.

    Sponsors report other events above their stated threshold; some post more. An event whose
    rates are unknown is kept (nothing shows it is below), as are all events when the threshold
    is not a number.
    """
    threshold = threshold_percent(events)
    kept: list[AdverseEvent] = []
    for event in events.other:
        rates = [percent(s.affected, s.at_risk) for s in event.stats]
        known = [r for r in rates if r is not None]
        if threshold is None or not known or max(known) >= threshold:
            kept.append(event)
    kept.sort(key=lambda e: (-total_affected(e), e.term.lower()))
    return kept, len(events.other) - len(kept)


# --------------------------------------------------------------------------------------------
# the publication gap


@dataclass(slots=True)
class PublicationGap:
    """The topic overview's line: registered · completed · with results posted · with a linked
    publication · completed more than two years ago with neither (``silent``)."""

    registered: int = 0
    completed: int = 0
    with_results: int = 0
    with_publication: int = 0
    silent: int = 0
    silent_ids: list[str] = field(default_factory=list)
    undated: int = 0
    """Completed trials without a usable completion date: never counted as silent."""


def partial_date_end(text: str | None) -> dt.date | None:
    """The last day a partial registry date can mean (``2018`` -> 2018-12-31, ``2018-02`` ->
    2018-02-28), so that "completed more than two years ago" is never claimed too early."""
    if not text:
        return None
    parts = text.split("-")
    try:
        year = int(parts[0])
        month = int(parts[1]) if len(parts) > 1 else 12
        day = int(parts[2]) if len(parts) > 2 else calendar.monthrange(year, month)[1]
        return dt.date(year, month, day)
    except (ValueError, IndexError):
        return None


def years_after(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def has_posted_results(trial: Trial) -> bool:
    return trial.has_results is True or bool(trial.results_first_posted)


def has_linked_publication(trial: Trial, published: Collection[str] = ()) -> bool:
    """A RESULT or DERIVED reference with a PMID, or a PubMed record naming the trial
    (``published``: NCT ids found in records' ``registry_ids``)."""
    if trial.nct_id in published:
        return True
    return any(p.pmid and p.type in LINKING_REFERENCE_TYPES for p in trial.publications)


def publication_gap(
    trials: Iterable[Trial], today: dt.date, *, published: Collection[str] = ()
) -> PublicationGap:
    """Count the gap over ``trials`` (each NCT id once) as of ``today``.

    A trial is *silent* when it is COMPLETED, its completion date (overall, else primary) ended
    more than two years before ``today``, no results are posted and no publication is linked.
    ``has_results`` unknown (None) with no ``results_first_posted`` counts as not posted.
    """
    gap = PublicationGap()
    seen: set[str] = set()
    for trial in trials:
        if trial.nct_id in seen:
            continue
        seen.add(trial.nct_id)
        gap.registered += 1
        results = has_posted_results(trial)
        linked = has_linked_publication(trial, published)
        gap.with_results += results
        gap.with_publication += linked
        if trial.status != "COMPLETED":
            continue
        gap.completed += 1
        ended = partial_date_end(trial.completion_date or trial.primary_completion_date)
        if ended is None:
            gap.undated += 1
        elif years_after(ended, 2) < today and not results and not linked:
            gap.silent += 1
            gap.silent_ids.append(trial.nct_id)
    return gap
