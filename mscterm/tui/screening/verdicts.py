"""The decisions the rows and the pane draw: the reviewer's, read once per record id.

Rows are drawn at paint time (thousands of open nodes; the ``f`` filter reads every label), so
the decision slot must be a dict lookup, not a visit to the reviewer's file. :class:`Verdicts`
keeps each asked id's decision until this session changes one (:meth:`forget`) or a view opens
(another process may have screened meanwhile). Reading never raises: a decisions file that cannot
be read leaves the slot empty and says why once, through ``on_problem``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mscterm.screening import Decision, Screening

INCLUDE, EXCLUDE, MAYBE = "include", "exclude", "maybe"
DECISIONS = (INCLUDE, EXCLUDE, MAYBE)
"""As :mod:`mscterm.screening` names them (not imported here: the first frame does without)."""


def failures() -> tuple[type[Exception], ...]:
    """What a screening call raises for bad input or state it cannot read or write: caught as
    one line. (The service is imported on first use, after the first frame.)"""
    from mscterm.screening.decisions import ScreeningError

    return (ScreeningError, OSError)  # a StateError is an OSError


@dataclass(frozen=True, slots=True)
class Progress:
    """How far a list is screened: records, and how many of them carry each decision."""

    total: int = 0
    include: int = 0
    exclude: int = 0
    maybe: int = 0

    @property
    def screened(self) -> int:
        return self.include + self.exclude + self.maybe

    def sentence(self) -> str:
        """``4 of 12 screened (33%) · + 2 · − 1 · ? 1``."""
        share = f" ({self.screened * 100 // self.total}%)" if self.total else ""
        counts = f"+ {self.include} · − {self.exclude} · ? {self.maybe}"
        return f"{self.screened:,} of {self.total:,} screened{share} · {counts}"


class Verdicts:
    """The reviewer's decision per asked record id, remembered until :meth:`forget`."""

    def __init__(self, service: Callable[[], Screening]) -> None:
        self._service = service
        self.ready = False
        """Until the screen is up, nothing is read (no decision drawn): the first frame does
        without the screening service (:meth:`Screener.start` turns this on, then repaints)."""
        self._memo: dict[str, Decision | None] = {}
        self.on_problem: Callable[[str], None] = lambda sentence: None
        """Told once per failure to read the decisions (the screen's status line)."""
        self._told: str | None = None

    def get(self, rid: str) -> Decision | None:
        """The decision, note and tags on ``rid`` (None: nothing, or unreadable)."""
        if not self.ready:
            return None
        try:
            return self._memo[rid]
        except KeyError:
            pass
        try:
            found = self._service().decision_for(rid)
        except failures() as exc:
            found = None
            sentence = f"Screening decisions cannot be read: {exc}"
            if sentence != self._told:
                self._told = sentence
                self.on_problem(sentence)
        self._memo[rid] = found
        return found

    def decision_of(self, rid: str) -> str | None:
        """``include``/``exclude``/``maybe`` or None: what a row's decision slot shows."""
        found = self.get(rid)
        return found.decision if found is not None else None

    def unscreened(self, rid: str) -> bool:
        """No decision yet (a note or tags alone do not screen a record)."""
        return self.decision_of(rid) is None

    def prime(self, rids: Iterable[str]) -> None:
        """Read the decisions of every id not remembered yet in one call (a list's rows)."""
        missing = [rid for rid in rids if rid not in self._memo]
        if not missing or not self.ready:
            return
        try:
            found = self._service().decisions_for(missing)
        except failures():
            return  # read one by one (and said) by get()
        for rid in missing:
            self._memo[rid] = found.get(rid)

    def progress(self, rids: Iterable[str]) -> Progress:
        """Counts over ``rids`` (each id once)."""
        counts = {INCLUDE: 0, EXCLUDE: 0, MAYBE: 0}
        total = 0
        rids = list(dict.fromkeys(rids))
        self.prime(rids)
        for rid in rids:
            total += 1
            decision = self.decision_of(rid)
            if decision in counts:
                counts[decision] += 1
        return Progress(total, counts[INCLUDE], counts[EXCLUDE], counts[MAYBE])

    def forget(self) -> None:
        """Decisions changed (here or in another process): read them again when drawn."""
        self._memo.clear()
        self._told = None
