"""The reason picker (``x``) and the tag picker (``t``).

Both are a line to type in over a list to choose from, as in Rayyan and Covidence: the list holds
the configured exclusion reasons and those already used (or every tag in use, most used first),
typing narrows it and completes inline (``→`` accepts), ``↓`` moves into it. The reason picker
starts in its list (a digit picks a reason; any other character starts typing one of your own);
the tag picker starts in its line. An empty reason is
refused; a reason typed as the unique start of a listed one is that one (consistent reasons make
an honest PRISMA table). Typed text is untrusted: shown through ``safe_text``, checked by the
screening service's own rules before it is kept.
"""

from __future__ import annotations

from typing import ClassVar, Generic, TypeVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.suggester import SuggestFromList
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mscterm.screening.decisions import ScreeningError, check_tags
from mscterm.tui.safe import one_line, safe_text

T = TypeVar("T")
NUMBERED = 9
"""Reasons 1–9 are picked by their digit (with nothing typed)."""


_BINDINGS: list[BindingType] = [
    Binding("escape", "cancel", "Cancel"),
    Binding("down,up", "to_list", "List", show=False),
]


def _narrowed(choices: list[str], typed: str) -> list[str]:
    needle = one_line(typed).casefold()
    return [c for c in choices if needle in c.casefold()] if needle else list(choices)


class _Picker(ModalScreen[T], Generic[T]):
    """A title, a line to type in, a list below it, one line of hints or problems."""

    BINDINGS: ClassVar[list[BindingType]] = _BINDINGS
    HINT = ""
    PREFIX = "picker"
    PLACEHOLDER = ""
    LIST_FIRST = False
    """Start in the list (typing a character moves to the line) rather than in the line."""

    def __init__(self, title: str, choices: list[str], suggestions: list[str]) -> None:
        super().__init__()
        self._title = title
        self._choices = list(dict.fromkeys(choices))
        self._suggestions = suggestions
        self._shown: list[str] = list(self._choices)

    def compose(self) -> ComposeResult:
        p = self.PREFIX
        with Vertical(id=f"{p}-box", classes="dialog picker"):
            yield Static(safe_text(self._title, "bold", single_line=True), id=f"{p}-title")
            yield from self.above()
            suggester = SuggestFromList(self._suggestions, case_sensitive=False)
            yield Input(
                id=f"{p}-input",
                suggester=suggester,
                placeholder=self.PLACEHOLDER,
                select_on_focus=False,  # the character that moved focus here stays typed
            )
            yield OptionList(id=f"{p}-options")
            yield Static(Text(self.HINT, style="dim"), id=f"{p}-status")

    def above(self) -> ComposeResult:
        """Widgets between the title and the input (none by default)."""
        yield from ()

    @property
    def input(self) -> Input:
        return self.query_one(f"#{self.PREFIX}-input", Input)

    @property
    def options(self) -> OptionList:
        return self.query_one(f"#{self.PREFIX}-options", OptionList)

    def on_mount(self) -> None:
        self._fill()
        if self.LIST_FIRST and self._shown:
            self.options.focus()
            self.options.highlighted = 0
        else:
            self.input.focus()

    def on_key(self, event: events.Key) -> None:
        """In the list, a character (not a digit) starts typing in the line."""
        char = event.character
        if (
            self.options.has_focus
            and event.is_printable
            and char is not None
            and not char.isdigit()
        ):
            event.stop()
            self.input.focus()
            self.input.insert_text_at_cursor(char)

    def prompt(self, index: int, choice: str) -> Text:
        return safe_text(choice, single_line=True)

    def _fill(self) -> None:
        menu = self.options
        menu.clear_options()
        menu.add_options(Option(self.prompt(i, c), id=str(i)) for i, c in enumerate(self._shown))
        menu.set_class(not self._shown, "hidden")

    def say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one(f"#{self.PREFIX}-status", Static)
        status.update(Text(one_line(text), style="bold" if error else "dim"))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._shown = _narrowed(self._choices, event.value)
        self._fill()

    def action_to_list(self) -> None:
        if self._shown:
            self.options.focus()
            if self.options.highlighted is None:
                self.options.highlighted = 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.chosen(self._shown[int(event.option.id or 0)])

    def chosen(self, choice: str) -> None:
        """An entry of the list was chosen (enter on it, or its digit)."""

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReasonPicker(_Picker[str | None]):
    """Why the record is excluded: returns the reason (never empty), or None when cancelled."""

    PREFIX = "reason"
    HINT = "1–9 or enter picks · typing writes your own (→ completes, enter takes it) · escape"
    PLACEHOLDER = "your own reason"
    LIST_FIRST = True
    BINDINGS: ClassVar[list[BindingType]] = [
        *_BINDINGS,
        *(Binding(str(n), f"number({n})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, title: str, reasons: list[str]) -> None:
        super().__init__(title, reasons, reasons)

    def prompt(self, index: int, choice: str) -> Text:
        text = Text(f"{index + 1} " if index < NUMBERED else "  ", style="bold")
        text.append_text(safe_text(choice, single_line=True))
        return text

    def action_number(self, n: int) -> None:
        """A digit in the list picks the n-th reason shown (in the line, it is typed)."""
        if n <= len(self._shown):
            self.chosen(self._shown[n - 1])

    def chosen(self, choice: str) -> None:
        self.dismiss(choice)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = one_line(event.value)
        if not typed:
            self.say("A reason is needed: type one, or pick one (↓ or 1–9).", error=True)
            return
        exact = [c for c in self._choices if c.casefold() == typed.casefold()]
        starts = [c for c in self._choices if c.casefold().startswith(typed.casefold())]
        self.dismiss(exact[0] if exact else starts[0] if len(starts) == 1 else typed)


class TagPicker(_Picker[tuple[str, ...] | None]):
    """The record's tags: returns the whole new list, or None when cancelled."""

    PREFIX = "tag"
    HINT = "enter adds or removes the tag typed (→ completes) · ↓ the list · ctrl+s or enter saves"
    PLACEHOLDER = "type a tag"
    BINDINGS: ClassVar[list[BindingType]] = [
        *_BINDINGS,
        Binding("ctrl+s", "save", "Save"),
    ]

    def __init__(self, title: str, tags: tuple[str, ...], in_use: list[str]) -> None:
        every = list(dict.fromkeys([*in_use, *tags]))
        super().__init__(title, every, every)
        self.tags = list(tags)
        self._before = tuple(tags)

    def above(self) -> ComposeResult:
        yield Static(self._current(), id="tag-current")

    def _current(self) -> Text:
        if not self.tags:
            return Text("No tags yet.", style="dim")
        text = Text("Tags: ", style="bold")
        text.append_text(safe_text(", ".join(self.tags), single_line=True))
        return text

    def prompt(self, index: int, choice: str) -> Text:
        on = any(t.casefold() == choice.casefold() for t in self.tags)
        text = Text("✓ " if on else "  ", style="bold")
        text.append_text(safe_text(choice, single_line=True))
        return text

    def toggle(self, tag: str) -> None:
        """Add ``tag`` (checked as the service keeps tags), or remove it if the record has it."""
        try:
            (tag,) = check_tags([tag])
        except ScreeningError as exc:
            self.say(str(exc), error=True)
            return
        kept = [t for t in self.tags if t.casefold() != tag.casefold()]
        if len(kept) == len(self.tags):
            kept.append(tag)
            if tag.casefold() not in {c.casefold() for c in self._choices}:
                self._choices.append(tag)
            self.say(f"Added {tag} (enter on an empty line or ctrl+s saves).")
        else:
            self.say(f"Removed {tag} (enter on an empty line or ctrl+s saves).")
        self.tags = kept
        self.query_one("#tag-current", Static).update(self._current())
        self._fill()

    def chosen(self, choice: str) -> None:
        self.toggle(choice)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        typed = one_line(event.value)
        if not typed:
            self.action_save()
            return
        self.toggle(typed)
        self.input.value = ""

    def action_save(self) -> None:
        self.dismiss(tuple(self.tags) if tuple(self.tags) != self._before else None)
