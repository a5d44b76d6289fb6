"""A registered trial from ClinicalTrials.gov, in DESIGN.md's Trial JSON shape.

Plain dataclasses like :mod:`mscterm.model.record`: the ctgov parser builds them, the store keeps
them as JSON, the CLI and the TUI show them. Numbers the registry does not give are ``None``,
never 0; dates keep the registry's precision (``2008``, ``2008-11``, ``2008-11-03``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

TRIAL_SCHEMA_VERSION = 1
"""Bump when Trial's shape changes; cached trials of another version are fetched again."""


@dataclass(slots=True)
class TrialDesign:
    """How a study is designed (``designInfo``)."""

    allocation: str | None = None
    model: str | None = None
    purpose: str | None = None
    masking: str | None = None


@dataclass(slots=True)
class Intervention:
    """One intervention of a study: its type (``DRUG``, ``BIOLOGICAL``, …) and name."""

    type: str | None = None
    name: str = ""


@dataclass(slots=True)
class EventGroup:
    """One arm of the adverse-event table: who was affected out of how many at risk."""

    id: str
    title: str = ""
    deaths_affected: int | None = None
    deaths_at_risk: int | None = None
    serious_affected: int | None = None
    serious_at_risk: int | None = None
    other_affected: int | None = None
    other_at_risk: int | None = None


@dataclass(slots=True)
class EventStat:
    """One adverse event's numbers in one group."""

    group: str
    events: int | None = None
    affected: int | None = None
    at_risk: int | None = None


@dataclass(slots=True)
class AdverseEvent:
    """A serious or other adverse event term with its numbers per group."""

    term: str
    organ_system: str | None = None
    vocabulary: str | None = None
    assessment: str | None = None
    stats: list[EventStat] = field(default_factory=list)


@dataclass(slots=True)
class AdverseEvents:
    """The registry's adverse-events module (posted results only)."""

    time_frame: str | None = None
    description: str | None = None
    frequency_threshold: str | None = None
    groups: list[EventGroup] = field(default_factory=list)
    serious: list[AdverseEvent] = field(default_factory=list)
    other: list[AdverseEvent] = field(default_factory=list)


@dataclass(slots=True)
class TrialPublication:
    """A reference the registry lists for a study (RESULT, DERIVED or BACKGROUND)."""

    pmid: str | None = None
    type: str | None = None
    citation: str = ""


@dataclass(slots=True)
class Trial:
    """One registered study; ``adverse_events`` is None when no results are posted."""

    nct_id: str
    title: str = ""
    official_title: str | None = None
    status: str | None = None
    phases: list[str] = field(default_factory=list)
    study_type: str | None = None
    design: TrialDesign | None = None
    enrollment: int | None = None
    start_date: str | None = None
    primary_completion_date: str | None = None
    completion_date: str | None = None
    results_first_posted: str | None = None
    conditions: list[str] = field(default_factory=list)
    interventions: list[Intervention] = field(default_factory=list)
    sponsor: str | None = None
    has_results: bool | None = False
    """Whether results are posted; None when the answer did not say (a ``fields=`` request
    without ``HasResults``)."""
    adverse_events: AdverseEvents | None = None
    publications: list[TrialPublication] = field(default_factory=list)
    source: str = "ctgov"

    @property
    def id(self) -> str:
        """The key used in marks, screening and exports (the NCT id)."""
        return self.nct_id

    def to_json(self) -> dict[str, Any]:
        """DESIGN.md's Trial JSON (a plain dict ready for :func:`json.dumps`)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Trial:
        """Inverse of :meth:`to_json`; unknown keys are ignored so newer files still load."""
        known = _known(cls, data)
        if data.get("design"):
            known["design"] = TrialDesign(**_known(TrialDesign, data["design"]))
        known["interventions"] = [
            Intervention(**_known(Intervention, i)) for i in data.get("interventions") or []
        ]
        known["publications"] = [
            TrialPublication(**_known(TrialPublication, p)) for p in data.get("publications") or []
        ]
        events = data.get("adverse_events")
        if events:
            module = AdverseEvents(**_known(AdverseEvents, events))
            groups = events.get("groups") or []
            module.groups = [EventGroup(**_known(EventGroup, g)) for g in groups]
            module.serious = [_event(e) for e in events.get("serious") or []]
            module.other = [_event(e) for e in events.get("other") or []]
            known["adverse_events"] = module
        return cls(**known)


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    fields = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return {k: v for k, v in data.items() if k in fields}


def _event(data: dict[str, Any]) -> AdverseEvent:
    event = AdverseEvent(**_known(AdverseEvent, data))
    event.stats = [EventStat(**_known(EventStat, s)) for s in data.get("stats") or []]
    return event
