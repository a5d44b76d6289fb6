"""Two reviewers' disagreements, record by record.

A conflict is a record both reviewers screened with different decisions (include / exclude /
maybe). Two exclusions with different reasons are *not* a conflict by default: at the
title/abstract stage the record leaves the review either way (Covidence and Rayyan count only
decision disagreements there); ``reasons=True`` reports them too, for a team that reconciles
reasons before publishing the PRISMA table. A record only one reviewer screened is not a
conflict: it is still waiting for the other. Resolving stores the agreed decision under the
reviewer ``consensus``; a resolved conflict is still listed, with its resolution.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from mscterm.screening.decisions import EXCLUDE, Decision


@dataclass(frozen=True, slots=True)
class Conflict:
    """One record the two reviewers decided differently, and its resolution if any."""

    rid: str
    first: Decision
    second: Decision
    resolution: Decision | None = None

    @property
    def kind(self) -> str:
        """``decision`` (they disagree on include/exclude/maybe) or ``reason`` (both excluded)."""
        return "reason" if self.first.decision == self.second.decision else "decision"


def disagree(a: Decision, b: Decision, *, reasons: bool = False) -> bool:
    """Whether two decisions on one record conflict (see the module doc)."""
    if not (a.decided and b.decided):
        return False
    if a.decision != b.decision:
        return True
    return (
        reasons
        and a.decision == EXCLUDE
        and (a.reason or "").casefold() != (b.reason or "").casefold()
    )


def find_conflicts(
    first: Mapping[str, Decision],
    second: Mapping[str, Decision],
    resolutions: Mapping[str, Decision],
    *,
    reasons: bool = False,
) -> list[Conflict]:
    """Conflicts between two reviewers' decisions keyed by record, in the first one's order."""
    found = []
    for rid, a in first.items():
        b = second.get(rid)
        if b is not None and disagree(a, b, reasons=reasons):
            resolved = resolutions.get(rid)
            found.append(Conflict(rid, a, b, resolved if resolved and resolved.decided else None))
    return found
