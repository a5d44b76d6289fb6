"""The palette's screening commands (ctrl+p): the views, and whether to move on after a decision."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider


class ScreeningCommands(Provider):
    """Screening view, criteria, PRISMA, conflicts; moving on after a decision (on/off)."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        from mscterm.tui.screens.main import MainScreen

        main = next((s for s in self.app.screen_stack if isinstance(s, MainScreen)), None)
        if main is None:
            return []
        key = main.screener.main_key
        advance = main.screener.advance
        return [
            ("Screening view", "V: progress and filters of the list", partial(key, "view")),
            ("Screening criteria", "C: the eligibility criteria", partial(key, "criteria")),
            ("PRISMA 2020 diagram", "P: the flow of the topic's records", partial(key, "prisma")),
            ("Screening conflicts", "K: decisions of a second reviewer", partial(key, "conflicts")),
            (
                "Screening: stay on the record after a decision"
                if advance
                else "Screening: move to the next unscreened record after a decision",
                "now: " + ("moves on" if advance else "stays"),
                partial(key, "toggle_advance"),
            ),
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
