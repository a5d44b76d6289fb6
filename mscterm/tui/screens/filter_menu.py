"""The ``F`` menu: keep only one publication type (or the retracted records) in a list."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mscterm.listing import FILTERS


class FilterMenu(ModalScreen[str | None]):
    """Enter keeps the chosen kind; escape leaves the list as it is. Returns a FILTERS key."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    def __init__(self, current: str = "all") -> None:
        super().__init__()
        self._current = current

    def compose(self) -> ComposeResult:
        with Vertical(id="filter-box", classes="dialog"):
            yield Static(Text("Show only", style="bold"))
            options = []
            for key, label in FILTERS:
                prompt = Text(("• " if key == self._current else "  ") + label)
                options.append(Option(prompt, id=key))
            yield OptionList(*options, id="filter-options")

    def on_mount(self) -> None:
        menu = self.query_one("#filter-options", OptionList)
        keys = [key for key, _ in FILTERS]
        menu.highlighted = keys.index(self._current) if self._current in keys else 0
        menu.focus()

    def action_move(self, step: int) -> None:
        menu = self.query_one("#filter-options", OptionList)
        menu.action_cursor_down() if step > 0 else menu.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)
