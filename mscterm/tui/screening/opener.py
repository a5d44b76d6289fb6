"""Opening the screening dialogs from the main screen: ``V`` view, ``C`` criteria, ``P`` PRISMA,
``K`` conflicts, and the palette's switch for moving on after a decision.

Each reads what it needs from the tree's cursor (its topic or list) and the screening service,
and says on the status line why it cannot open (nothing loaded yet, no second reviewer, state
that cannot be read) instead of opening an empty dialog.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mscterm.screening.decisions import CONSENSUS
from mscterm.tui.safe import one_line
from mscterm.tui.screening import scope
from mscterm.tui.screening.verdicts import failures

if TYPE_CHECKING:
    from mscterm.tui.screening.screener import Screener


def _scope(screener: Screener) -> tuple[str, list[str], str | None] | None:
    """The cursor's topic or list: its title, the records the view lists, its topic id."""
    tree, explorer = screener.tree, screener.explorer
    node = scope.scope_node(tree.cursor_node)
    if node is None:
        return None
    title = scope.scope_title(tree, explorer, node)
    ids = scope.view_ids(tree, explorer, screener.library.topics, node)
    return title, ids, scope.topic_of(node)


def view(screener: Screener) -> None:
    """``V``: the screening view of the cursor's topic or list."""
    found = _scope(screener)
    if found is None:
        screener.place.say("Move to a topic or a list first: V screens its records.")
        return
    title, ids, topic = found
    if not ids:
        screener.place.say(f"Nothing to screen in {title} yet: open it (enter) to load it.")
        return
    from mscterm.tui.screening.view import ScreeningView

    screener.verdicts.forget()  # another process may have screened meanwhile

    def closed(rid: str | None) -> None:
        if rid:
            screener.open_record(rid)

    screener.screen.app.push_screen(ScreeningView(screener, title, ids, topic), closed)


def criteria(screener: Screener) -> None:
    """``C``: the eligibility criteria from the configuration."""
    from mscterm.tui.screening.editors import CriteriaScreen, criteria_text

    settings = screener.library.settings
    text = criteria_text(settings.criteria, settings.highlight, settings.config_path)
    screener.screen.app.push_screen(CriteriaScreen(text))


def prisma(screener: Screener, topic: str | None = None, title: str | None = None) -> None:
    """``P``: the PRISMA 2020 diagram of the cursor's topic (everything outside a topic)."""
    if title is None:
        found = _scope(screener)
        topic = found[2] if found is not None else None
        known = screener.library.topics.get(topic) if topic else None
        title = one_line(known.title) if known is not None else "all records"
    try:
        counts = screener.service.prisma(topic=topic)
    except failures() as exc:
        screener.place.say(f"PRISMA counts unavailable: {one_line(exc)}", error=True)
        return
    from mscterm.tui.screening.prisma_view import PrismaScreen

    heading = f"PRISMA 2020 · {title} · reviewer {one_line(counts.reviewer)}"
    screener.screen.app.push_screen(PrismaScreen(heading, counts))


def conflicts(screener: Screener) -> None:
    """``K``: pick a second reviewer, then the records the two of you decided differently."""
    me = screener.library.settings.reviewer
    try:
        names = screener.service.reviewers()
    except OSError as exc:
        screener.place.say(f"Reviewers unavailable: {one_line(exc)}", error=True)
        return
    others = [n for n in names if n.casefold() not in {me.casefold(), CONSENSUS}]
    if not others:
        screener.place.say(
            "No second reviewer has screened yet: each reviewer runs mscterm with "
            "--reviewer NAME (or MSCTERM_REVIEWER) and screens the same records."
        )
        return
    from mscterm.tui.screening.conflicts import ConflictsScreen

    def show(second: str | None) -> None:
        if second:
            screen = ConflictsScreen(screener, me, second)
            screener.screen.app.push_screen(screen, closed)

    def closed(rid: str | None) -> None:
        if rid:
            screener.open_record(rid)

    if len(others) == 1:
        show(others[0])
        return
    from mscterm.tui.screens.copy_menu import ChoiceMenu

    menu = ChoiceMenu("Conflicts with which reviewer?", [(n, n) for n in others])
    screener.screen.app.push_screen(menu, show)


def toggle_advance(screener: Screener) -> None:
    """Palette: move on to the next unscreened record after a decision, or stay."""
    screener.set_advance(not screener.advance)
    if screener.advance:
        screener.place.say("After a decision the cursor moves to the next unscreened record.")
    else:
        screener.place.say("After a decision the cursor stays on the record (] moves on).")
