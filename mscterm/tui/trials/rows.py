"""A registered trial's row in any list: ``● Completed Ph1/2 RP Fictional trial 9: …``.

DESIGN.md's layout for trial rows, left to right: status · phase · results badge · title (the
mark ``●`` and the screening decision come first, as on every row: :func:`record_label`). What a
safety reviewer scans for sits before the title, so a narrow tree cuts the title, never the
signs: a trial stopped early (terminated, withdrawn, suspended) in the theme's error colour, and
the badge (``R`` results posted on the registry, ``P`` a publication the registry links, ``!``
completed more than two years ago with neither).

Colours come from the list widget's row styles (:class:`~mscterm.tui.rows.RowStyles`, the
theme's variables): no trial-specific CSS, so every theme and NO_COLOR keep it legible.
"""

from __future__ import annotations

import datetime as dt

from rich.text import Text

from mscterm.model import Trial
from mscterm.trialstats import (
    has_linked_publication,
    has_posted_results,
    partial_date_end,
    years_after,
)
from mscterm.tui.rows import TITLE_CHARS, Row, RowStyles
from mscterm.tui.safe import one_line, safe_text

STATUS_WORDS: dict[str, str] = {
    "RECRUITING": "Recruiting",
    "ACTIVE_NOT_RECRUITING": "Active",
    "COMPLETED": "Completed",
    "ENROLLING_BY_INVITATION": "Invitation",
    "NOT_YET_RECRUITING": "Not yet",
    "SUSPENDED": "Suspended",
    "TERMINATED": "Terminated",
    "WITHDRAWN": "Withdrawn",
    "AVAILABLE": "Available",
    "NO_LONGER_AVAILABLE": "No longer",
    "TEMPORARILY_NOT_AVAILABLE": "Paused",
    "APPROVED_FOR_MARKETING": "Approved",
    "WITHHELD": "Withheld",
    "UNKNOWN": "Unknown",
}
"""The registry's ``overallStatus`` in one short word (a row has little room)."""
STOPPED = frozenset({"TERMINATED", "WITHDRAWN", "SUSPENDED"})
"""Statuses of a trial stopped before its end: drawn in the error colour (sometimes for safety)."""
RESULTS, PUBLISHED, SILENT = "R", "P", "!"

TRIAL_LEGEND: list[tuple[str, str]] = [
    (
        "status",
        "Completed, Recruiting, Active, Not yet, Unknown, …; stopped early in the "
        "error colour: Terminated, Withdrawn, Suspended",
    ),
    ("Ph1/2", "its phase (PhE1: early phase 1, N/A: not applicable, Obs: observational)"),
    (RESULTS, "results posted on ClinicalTrials.gov"),
    (PUBLISHED, "a publication the registry links (a RESULT or DERIVED reference)"),
    (SILENT, "completed more than two years ago with neither (warning colour)"),
]
"""What each part of a trial row means (the help screen's legend)."""


def status_word(status: str | None) -> str:
    """``ACTIVE_NOT_RECRUITING`` -> ``Active``; an unknown value is shown as it came."""
    if not status:
        return "Status?"
    return STATUS_WORDS.get(status) or one_line(status).replace("_", " ").capitalize()[:14]


def phase_short(trial: Trial) -> str:
    """``["PHASE1", "PHASE2"]`` -> ``Ph1/2``; ``["NA"]`` -> ``N/A``; none -> ``Obs`` or ``–``."""
    phases = [one_line(p) for p in trial.phases]
    if not phases:
        return "Obs" if trial.study_type == "OBSERVATIONAL" else "–"
    if "NA" in phases:
        return "N/A"
    numbers = ["E1" if p == "EARLY_PHASE1" else p.removeprefix("PHASE") for p in phases]
    return "Ph" + "/".join(numbers)


def is_silent(trial: Trial, today: dt.date) -> bool:
    """Completed more than two years ago, with no results posted and no linked publication
    (the publication gap's last count, for one trial)."""
    if trial.status != "COMPLETED" or has_posted_results(trial) or has_linked_publication(trial):
        return False
    ended = partial_date_end(trial.completion_date or trial.primary_completion_date)
    return ended is not None and years_after(ended, 2) < today


def badge(trial: Trial, today: dt.date) -> str:
    """``R``, ``P``, ``RP``, ``!`` (silent) or empty."""
    found = (RESULTS if has_posted_results(trial) else "") + (
        PUBLISHED if has_linked_publication(trial) else ""
    )
    return found or (SILENT if is_silent(trial, today) else "")


def trial_row(
    trial: Trial | None,
    nct: str,
    styles: RowStyles | None = None,
    today: dt.date | None = None,
) -> Row:
    """The row of ``nct`` from whatever the cache knows of it (no network)."""
    styles = styles or RowStyles()
    row = Text()
    if trial is None:
        row.append_text(safe_text(nct, "italic"))
        row.append(" (not fetched)", style="dim")
        return Row(row)
    status = status_word(trial.status)
    row.append(status, style=styles.retracted if trial.status in STOPPED else "")
    row.append(f" {phase_short(trial)} ", style="dim")
    sign = badge(trial, today or dt.date.today())
    if sign:
        row.append(sign, style=styles.concern if sign == SILENT else styles.decision)
        row.append(" ")
    title = one_line(trial.title or trial.official_title or "")[:TITLE_CHARS]
    row.append_text(safe_text(title or f"{nct} (no title)", single_line=True))
    return Row(row)
