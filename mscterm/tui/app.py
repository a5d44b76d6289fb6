"""The Textual App: small on purpose. It holds the Library, loads the styles, pushes the screen.

Everything the user sees is composed by :class:`~mscterm.tui.screens.main.MainScreen`; the
palette's commands live in :mod:`mscterm.tui.commands`.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding, BindingType

from mscterm.resources import styles_dir
from mscterm.tui.commands import MscCommands
from mscterm.tui.screening.commands import ScreeningCommands
from mscterm.tui.screens.main import MainScreen

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui.widgets.hit_list import HitList


class MscApp(App[int]):
    """The mscterm explorer; ``run()`` returns the process exit code."""

    TITLE = "mscterm"
    CSS_PATH: ClassVar = [styles_dir() / "app.tcss", styles_dir() / "screening.tcss"]
    COMMANDS: ClassVar = App.COMMANDS | {MscCommands, ScreeningCommands}
    ENABLE_COMMAND_PALETTE = True
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+c", "quit", "Quit", show=False, priority=True),
    ]

    def __init__(self, library: Library, *, close_library: bool = True) -> None:
        super().__init__()
        self.library = library
        self._close_library = close_library
        theme = library.state.get("theme")
        if isinstance(theme, str) and theme in self.available_themes:
            self.theme = theme

    def get_default_screen(self) -> MainScreen:
        # The main screen is the first screen itself (not pushed over an empty default one):
        # one screen to compose, style and paint before the first frame, not two.
        return MainScreen(self.library)

    async def on_event(self, event: events.Event) -> None:
        # A key typed ahead (or a click) before the start-up finished acts on the complete
        # screen (restored position, cache open), as if the start-up had never been split.
        if isinstance(event, events.Key | events.MouseDown) and not event.is_forwarded:
            main = self.main
            if main is not None:
                main.complete_startup()
                if self.screen is main:
                    main.user_input()
        await super().on_event(event)

    def watch_theme(self, theme: str) -> None:
        # Remember a theme chosen in the palette for the next run.
        if self.is_running and self.library.state.get("theme") != theme:
            with contextlib.suppress(OSError):
                self.library.state.set("theme", theme)

    async def on_unmount(self) -> None:
        if self._close_library:
            await self.library.aclose()

    def on_hit_list_screening_key(self, message: HitList.ScreeningKey) -> None:
        """A screening key in a dialog's list that does not screen itself (search, Marked)."""
        main = self.main
        if main is not None:
            main.screener.hits_key(message.hits, message.what)

    @property
    def main(self) -> MainScreen | None:
        """The main screen (below any dialog), for the palette's commands."""
        for screen in self.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None
