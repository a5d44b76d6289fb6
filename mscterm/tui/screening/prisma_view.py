"""``P``: the PRISMA 2020 flow diagram of a topic for the configured reviewer, scrollable.

The boxes are laid out for the width the dialog has (80 columns over SSH: two narrow columns;
under 60: one), again whenever the terminal is resized.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mscterm.tui.safe import safe_text
from mscterm.tui.screening.prisma_boxes import diagram

if TYPE_CHECKING:
    from mscterm.screening import PrismaCounts


class PrismaScreen(ModalScreen[None]):
    """The diagram; j/k scroll, escape, q or P closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,P", "close", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
        Binding("g", "home", "Top", show=False),
        Binding("G", "end", "Bottom", show=False),
    ]

    def __init__(self, title: str, counts: PrismaCounts) -> None:
        super().__init__()
        self._title = title
        self.counts = counts
        self._width = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="prisma-body", classes="dialog"):
            yield Static(safe_text(self._title, "bold"), id="prisma-title")
            yield Static(diagram(self.counts, 70), id="prisma-diagram")
            yield Static(Text("j k scroll · escape, q or P closes", style="dim"))

    @property
    def body(self) -> VerticalScroll:
        return self.query_one("#prisma-body", VerticalScroll)

    def on_mount(self) -> None:
        self.call_after_refresh(self._lay_out)

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.body.content_region.width - 2  # room for the scrollbar
        if width > 0 and width != self._width:
            self._width = width
            self.query_one("#prisma-diagram", Static).update(diagram(self.counts, width))

    def action_scroll(self, step: int) -> None:
        body = self.body
        body.scroll_down(animate=False) if step > 0 else body.scroll_up(animate=False)

    def action_home(self) -> None:
        self.body.scroll_home(animate=False)

    def action_end(self) -> None:
        self.body.scroll_end(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
