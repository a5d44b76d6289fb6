"""After a decision: the same work under other ids (duplicates), and the offer to decide them too.

Looked for once the next record is on the screen (the key's answer does not wait for it): among
the records of the topic or list, the landmarks and every decided record (the service's rule:
same PMID or DOI, or the same normalised title, year and first author). Only duplicates that do
not carry the decision already are offered; accepted, they get the same decision and reason, and
a cursor that moved on to one of them moves on again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text

from mscterm.tui.screening.verdicts import failures

if TYPE_CHECKING:
    from mscterm.screening import Screening
    from mscterm.tui.screening.places import Place
    from mscterm.tui.screening.screener import Screener

DONE = {"include": "Include", "exclude": "Exclude", "maybe": "Mark"}


def duplicates(screener: Screener, place: Place, rid: str, decision: str) -> list[str]:
    """Other ids of ``rid``'s work that do not carry ``decision`` yet."""
    try:
        found = screener.service.duplicates_of(rid, place.records())
    except failures():
        return []
    return [d for d in found if screener.verdicts.decision_of(d) != decision]


def offer(
    screener: Screener,
    place: Place,
    rid: str,
    verdict: tuple[str, str | None],
    said: str,
) -> None:
    """Ask whether ``verdict`` (decision, reason) applies to ``rid``'s duplicates too."""
    decision, reason = verdict
    dups = duplicates(screener, place, rid, decision)
    if not dups:
        return
    from mscterm.tui.screening.editors import Confirm
    from mscterm.tui.screening.screener import id_text

    one = len(dups) == 1
    names = ", ".join(id_text(d) for d in dups[:3]) + (" …" if len(dups) > 3 else "")
    question = Text(f"{len(dups)} other {'record is' if one else 'records are'} the same work ")
    question.append(f"as {id_text(rid)}: ")
    question.append(names, style="bold")
    tail = " maybe" if decision == "maybe" else ""
    question.append(f".\n{DONE[decision]} {'it' if one else 'them'}{tail} too?")

    def answered(yes: bool | None) -> None:
        if not yes:
            return

        def work(service: Screening) -> object:
            return service.decide(dups, decision, reason=reason)

        if not screener.write(place, set(dups), work):
            return
        extra = f" and {len(dups)} duplicate{'' if one else 's'}"
        if place.current() in dups and screener.advance:
            screener.move_on(place, said + extra)  # the cursor was on one of them: on again
        else:
            place.say(said + extra)

    screener.screen.app.push_screen(Confirm(question), answered)
