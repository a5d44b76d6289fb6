"""Plain data of mscterm: records, trials, topics and their identifiers.

These dataclasses are the one shape every layer shares (parsers, store, library, CLI, TUI,
export). They turn into DESIGN.md's JSON and back, and nothing else: no I/O, no network, nothing
heavier than the standard library, so the warm ``lookup`` and ``trial`` paths stay fast.
"""

from typing import TYPE_CHECKING, Any

from mscterm.model.ids import (
    DOI_RE,
    NCT_RE,
    PMID_RE,
    BadIdError,
    fold_ascii,
    is_trial_id,
    parse_any_id,
    parse_id,
    parse_trial_id,
    record_id,
)
from mscterm.model.record import (
    SCHEMA_VERSION,
    AbstractSection,
    Author,
    Book,
    MeshHeading,
    Record,
    Topic,
    TopicRules,
    TrialsQuery,
)

if TYPE_CHECKING:
    from mscterm.model.trial import (
        TRIAL_SCHEMA_VERSION,
        AdverseEvent,
        AdverseEvents,
        EventGroup,
        EventStat,
        Intervention,
        Trial,
        TrialDesign,
        TrialPublication,
    )


def __getattr__(name: str) -> Any:
    """The trial classes (the names of ``__all__`` not imported above) load with their first
    use: the explorer's first frame needs none."""
    if name in __all__:
        from mscterm.model import trial

        return getattr(trial, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "DOI_RE",
    "NCT_RE",
    "PMID_RE",
    "SCHEMA_VERSION",
    "TRIAL_SCHEMA_VERSION",
    "AbstractSection",
    "AdverseEvent",
    "AdverseEvents",
    "Author",
    "BadIdError",
    "Book",
    "EventGroup",
    "EventStat",
    "Intervention",
    "MeshHeading",
    "Record",
    "Topic",
    "TopicRules",
    "Trial",
    "TrialDesign",
    "TrialPublication",
    "TrialsQuery",
    "fold_ascii",
    "is_trial_id",
    "parse_any_id",
    "parse_id",
    "parse_trial_id",
    "record_id",
]
