"""What the trial workers bring back (posted to the screen, like :mod:`mscterm.tui.answers`).

Imported by the workers when their answer comes (after the first frame), never before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from mscterm.trialstats import PublicationGap


@dataclass
class TrialFetched(Message):
    """A trial (the full study, with its adverse events) was asked of the Library.

    ``found``: the Library has it now; ``missing``: the registry has no such trial; ``error``
    one sentence when the registry could not be asked or failed.
    """

    nct: str
    found: bool
    missing: bool = False
    error: str | None = None


@dataclass
class GapCounted(Message):
    """A topic's publication gap, counted over its registered trials as the cache holds them
    (``gap`` None: no list fetched yet); ``generation`` is the trial list's load it counted."""

    topic_id: str
    generation: int
    gap: PublicationGap | None
    error: str | None = None
