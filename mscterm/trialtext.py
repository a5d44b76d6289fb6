"""Registered trials as plain text and CSV for the command line (``trial``, ``trials --csv``).

No Textual, no network: these take :class:`~mscterm.model.Trial` objects and return strings.
Every string from a trial is untrusted (it may come from a tampered cache as well as from the
registry), so each is folded to one line without control or bidi characters before it is
printed, and CSV cells that a spreadsheet would run as a formula are defused.
"""

from __future__ import annotations

import csv
import io
import textwrap
from collections.abc import Iterable

from mscterm.model import AdverseEvent, AdverseEvents, Trial
from mscterm.textsafe import one_line
from mscterm.trialstats import (
    PublicationGap,
    other_above_threshold,
    percent,
    serious_by_organ_system,
    total_affected,
)

TRIALS_CSV_COLUMNS = (
    "nct_id", "title", "status", "phases", "enrollment", "start", "completion", "has_results",
    "results_first_posted", "publications", "sponsor",
)  # fmt: skip
"""``trials --csv``: one row per trial (DESIGN.md)."""

EVENTS_CSV_COLUMNS = (
    "nct_id", "level", "category", "group_id", "group_title", "organ_system", "term",
    "affected", "at_risk", "percent", "events", "assessment", "vocabulary",
)  # fmt: skip
"""``trial NCT --csv``: the adverse-event table in long form. ``level`` is ``arm`` for an arm's
totals (``category`` deaths, serious or other) and ``event`` for one event term in one arm."""

REGISTRY_URL = "https://clinicaltrials.gov/study/"
_NOT_GIVEN = "–"


def label(value: str | None) -> str:
    """A registry enum for people: ``ACTIVE_NOT_RECRUITING`` -> ``Active, not recruiting``."""
    if not value:
        return _NOT_GIVEN
    text = one_line(value).replace("_", " ").lower()
    text = text.replace("active not", "active, not")
    return text[:1].upper() + text[1:]


def phase_label(phases: Iterable[str]) -> str:
    """``["PHASE1", "PHASE2"]`` -> ``Phase 1/2``; ``["NA"]`` -> ``Not applicable``."""
    numbers = []
    for phase in phases:
        phase = one_line(phase)
        if phase == "NA":
            return "Not applicable"
        if phase == "EARLY_PHASE1":
            numbers.append("early 1")
        else:
            numbers.append(phase.removeprefix("PHASE"))
    return "Phase " + "/".join(numbers) if numbers else "No phase"


def rate(affected: int | None, at_risk: int | None) -> str:
    """``26/123 (21.1%)``; unknown numbers show as ``–``, never as 0."""
    if affected is None and at_risk is None:
        return _NOT_GIVEN
    share = percent(affected, at_risk)
    counts = f"{_NOT_GIVEN if affected is None else affected}/"
    counts += _NOT_GIVEN if at_risk is None else str(at_risk)
    return counts if share is None else f"{counts} ({share:.1f}%)"


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


# --------------------------------------------------------------------------------------------
# one trial as text


def trial_text(trial: Trial, *, width: int = 100) -> str:
    """The CLI's ``trial NCT`` output: the facts, the adverse-event tables, the publications."""
    width = max(width, 40)
    out: list[str] = []

    def para(text: str, indent: str = "") -> None:
        out.extend(textwrap.wrap(one_line(text), width, initial_indent=indent,
                                 subsequent_indent=indent + "  "))  # fmt: skip

    para(f"{one_line(trial.nct_id)}  {trial.title or '(no title)'}")
    if trial.official_title and trial.official_title != trial.title:
        para(f"Official title: {trial.official_title}")
    facts = [label(trial.status), phase_label(trial.phases), label(trial.study_type)]
    if trial.enrollment is not None:
        facts.append(f"enrollment {trial.enrollment}")
    para(" · ".join(facts))
    if trial.design:
        design = trial.design
        parts = [design.allocation, design.model, design.purpose]
        shown = [label(p) for p in parts if p]
        if design.masking:
            shown.append(f"masking {label(design.masking).lower()}")
        para("Design: " + ", ".join(shown))
    dates = [
        ("start", trial.start_date),
        ("primary completion", trial.primary_completion_date),
        ("completion", trial.completion_date),
        ("results posted", trial.results_first_posted),
    ]
    para("Dates: " + (" · ".join(f"{k} {v}" for k, v in dates if v) or _NOT_GIVEN))
    para(f"Sponsor: {trial.sponsor or _NOT_GIVEN}")
    para("Conditions: " + ("; ".join(trial.conditions) or _NOT_GIVEN))
    interventions = [
        f"{i.name} ({label(i.type).lower()})" if i.type else i.name for i in trial.interventions
    ]
    para("Interventions: " + ("; ".join(interventions) or _NOT_GIVEN))
    results = {True: "yes", False: "no", None: "not known"}[trial.has_results]
    para(f"Results posted: {results}")
    out.append(f"Registry: {REGISTRY_URL}{one_line(trial.nct_id)}")
    if trial.adverse_events is not None:
        out.append("")
        out.extend(events_text(trial.adverse_events, width=width))
    if trial.publications:
        out += ["", "Publications"]
        for pub in trial.publications:
            head = f"{label(pub.type) if pub.type else 'Reference'}"
            head += f" · PMID {pub.pmid}" if pub.pmid else ""
            para(f"{head}: {pub.citation or _NOT_GIVEN}", indent="  ")
    return "\n".join(out) + "\n"


def events_text(events: AdverseEvents, *, width: int = 100) -> list[str]:
    """The adverse-event section: the table per arm, serious events by organ system (most
    frequent first), other events at or above the registry's threshold. Columns are as wide as
    their numbers; names and terms are cut to fit ``width``."""
    groups = events.groups
    out = ["Adverse events"]
    if events.time_frame:
        out.extend(textwrap.wrap("Time frame: " + one_line(events.time_frame), width,
                                 initial_indent="  ", subsequent_indent="    "))  # fmt: skip
    if events.description:
        out.extend(textwrap.wrap("Notes: " + one_line(events.description), width,
                                 initial_indent="  ", subsequent_indent="    "))  # fmt: skip
    for g in groups:  # the arms' names once; the tables below name arms by id
        out.extend(textwrap.wrap(f"{one_line(g.id)}: {one_line(g.title) or _NOT_GIVEN}", width,
                                 initial_indent="  ", subsequent_indent="    "))  # fmt: skip
    arm_rows = [
        (one_line(g.id), rate(g.deaths_affected, g.deaths_at_risk),
         rate(g.serious_affected, g.serious_at_risk), rate(g.other_affected, g.other_at_risk))
        for g in groups
    ]  # fmt: skip
    cell = max([len(c) for row in arm_rows for c in row[1:]] + [len("Serious")])
    name_width = max([len(row[0]) for row in arm_rows] + [len("Arm")])
    out.append(f"  {'Arm':<{name_width}}" + "".join(f"  {h:>{cell}}" for h in _ARM_HEADERS))
    for name, *rates in arm_rows:
        out.append(f"  {name:<{name_width}}" + "".join(f"  {r:>{cell}}" for r in rates))
    ids = [one_line(g.id) for g in groups]
    serious = serious_by_organ_system(events)
    other, hidden = other_above_threshold(events)
    cells = [_event_cells(e, ids) for e in events.serious + events.other]
    cell = max([len(c) for row in cells for c in row] + [len(i) for i in ids] + [1])
    term_width = max(16, width - 4 - len(ids) * (cell + 2))
    header = f"    {'':<{term_width}}" + "".join(f"  {i:>{cell}}" for i in ids)

    out += ["", "Serious adverse events by organ system (most frequent first)"]
    out.append(header if serious else "  none reported")
    for system, members in serious:
        count = f" ({sum(map(total_affected, members))} affected)"
        out.append(f"  {_clip(one_line(system), width - 2 - len(count))}{count}")
        out.extend(_event_row(e, ids, term_width, cell) for e in members)
    threshold = one_line(events.frequency_threshold or "")
    title = "Other adverse events" + (f" (threshold {threshold}% in any arm)" if threshold else "")
    out += ["", title, header if other else "  none reported"]
    out.extend(_event_row(e, ids, term_width, cell) for e in other)
    if hidden:
        out.append(f"  ({hidden} other events below the threshold not shown)")
    return out


_ARM_HEADERS = ("Deaths", "Serious", "Other")


def _event_cells(event: AdverseEvent, ids: list[str]) -> list[str]:
    by_group = {s.group: s for s in event.stats}
    return [rate(by_group[g].affected, by_group[g].at_risk) if g in by_group else _NOT_GIVEN
            for g in ids]  # fmt: skip


def _event_row(event: AdverseEvent, ids: list[str], term_width: int, cell: int) -> str:
    term = _clip(one_line(event.term) or _NOT_GIVEN, term_width)
    return f"    {term:<{term_width}}" + "".join(f"  {c:>{cell}}" for c in _event_cells(event, ids))


# --------------------------------------------------------------------------------------------
# CSV


def _safe_cell(value: object) -> object:
    """Text as one clean line, defused if a spreadsheet would read it as a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if not isinstance(value, str):
        return value
    text = one_line(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _csv(columns: tuple[str, ...], rows: Iterable[Iterable[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows([_safe_cell(v) for v in row] for row in rows)
    return buffer.getvalue()


def trials_csv(trials: Iterable[Trial]) -> str:
    """``trials --csv``: one row per trial; ``publications`` are the linked PMIDs, ``;``-joined."""
    return _csv(
        TRIALS_CSV_COLUMNS,
        (
            (
                t.nct_id, t.title, t.status, "|".join(t.phases), t.enrollment, t.start_date,
                t.completion_date, t.has_results, t.results_first_posted,
                ";".join(p.pmid for p in t.publications if p.pmid), t.sponsor,
            )
            for t in trials
        ),
    )  # fmt: skip


def adverse_events_csv(trials: Iterable[Trial]) -> str:
    """``trial NCT --csv``: every arm's totals and every event's numbers per arm, long form."""
    rows: list[tuple[object, ...]] = []
    for trial in trials:
        events = trial.adverse_events
        if events is None:
            continue
        titles = {g.id: g.title for g in events.groups}
        for g in events.groups:
            for category, affected, at_risk in (
                ("deaths", g.deaths_affected, g.deaths_at_risk),
                ("serious", g.serious_affected, g.serious_at_risk),
                ("other", g.other_affected, g.other_at_risk),
            ):
                rows.append(
                    (trial.nct_id, "arm", category, g.id, g.title, None, None, affected,
                     at_risk, _percent_cell(affected, at_risk), None, None, None)
                )  # fmt: skip
        for category, listed in (("serious", events.serious), ("other", events.other)):
            for e in listed:
                for s in e.stats:
                    rows.append(
                        (trial.nct_id, "event", category, s.group, titles.get(s.group),
                         e.organ_system, e.term, s.affected, s.at_risk,
                         _percent_cell(s.affected, s.at_risk), s.events, e.assessment,
                         e.vocabulary)
                    )  # fmt: skip
    return _csv(EVENTS_CSV_COLUMNS, rows)


def _percent_cell(affected: int | None, at_risk: int | None) -> str | None:
    share = percent(affected, at_risk)
    return None if share is None else f"{share:.1f}"


def gap_text(gap: PublicationGap) -> str:
    """The publication gap on one line, as the topic overview shows it."""
    return (
        f"{gap.registered} registered · {gap.completed} completed · "
        f"{gap.with_results} with results posted · {gap.with_publication} with a linked "
        f"publication · {gap.silent} completed more than two years ago with neither"
    )
