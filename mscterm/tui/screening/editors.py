"""The note editor (``n``), a yes/no question (duplicates), and the criteria (``C``).

A note is free text of any length: a multi-line editor, ``ctrl+s`` saves, ``escape`` cancels (a
changed note asks for a second ``escape``, so one slip never loses a paragraph). The criteria are
the review's eligibility criteria from the configuration, with the terms the pane highlights.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from mscterm.config import Highlight
from mscterm.tui.safe import safe_text

NOTE_KEYS = "ctrl+s saves · escape cancels · an empty note deletes it"


class NoteEditor(ModalScreen[str | None]):
    """Edit a note; returns the new text ("" deletes the note), or None when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save"),
        Binding("escape", "cancel", "Cancel"),
    ]

    def __init__(self, title: str, note: str) -> None:
        super().__init__()
        self._title = title
        self._note = note
        self._armed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="note-box", classes="dialog"):
            yield Static(safe_text(self._title, "bold", single_line=True))
            yield TextArea(self._note, soft_wrap=True, tab_behavior="focus", id="note-text")
            yield Static(Text(NOTE_KEYS, style="dim"), id="note-status")

    @property
    def text_area(self) -> TextArea:
        return self.query_one("#note-text", TextArea)

    def on_mount(self) -> None:
        area = self.text_area
        area.focus()
        area.move_cursor(area.document.end)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        self._armed = False

    def action_save(self) -> None:
        self.dismiss(self.text_area.text)

    def action_cancel(self) -> None:
        if self.text_area.text == self._note or self._armed:
            self.dismiss(None)
            return
        self._armed = True
        status = self.query_one("#note-status", Static)
        status.update(Text("The note changed: escape again discards it · ctrl+s saves", "bold"))


class Confirm(ModalScreen[bool]):
    """A question answered by ``y`` (or enter) and ``n`` (or escape)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: Text) -> None:
        super().__init__()
        self._question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box", classes="dialog"):
            yield Static(self._question)
            yield Static(Text("y or enter: yes · n or escape: no", style="dim"))

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


def criteria_text(criteria: str, highlight: Highlight, config: Path | None) -> Text:
    """The criteria as configured, and the terms highlighted in the pane (or how to set them)."""
    text = Text("Eligibility criteria\n\n", style="bold underline")
    if criteria.strip():
        text.append_text(safe_text(criteria.strip()))
        text.append("\n")
    else:
        where = str(config) if config is not None else "config.toml"
        text.append("No criteria configured. Add them to ", style="dim")
        text.append_text(safe_text(where, "dim"))
        text.append(', e.g.\n  criteria = """Include: …\nExclude: …"""\n', style="dim")
    text.append("\nHighlighted in the pane\n\n", style="bold underline")
    for name, terms, style in (
        ("inclusion", highlight.include, "include"),
        ("exclusion", highlight.exclude, "exclude"),
    ):
        text.append(f"  {name} terms: ", style="bold")
        if terms:
            text.append_text(safe_text(", ".join(terms), single_line=True))
        else:
            text.append(f"none (config highlight = {{{style} = [...]}})", style="dim")
        text.append("\n")
    return text


class CriteriaScreen(ModalScreen[None]):
    """``C``: the criteria, scrollable; escape, q or C closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,C", "close", "Close"),
        Binding("j,down", "scroll(1)", "Down", show=False),
        Binding("k,up", "scroll(-1)", "Up", show=False),
    ]

    def __init__(self, text: Text) -> None:
        super().__init__()
        self._text = text

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="criteria-body", classes="dialog"):
            yield Static(self._text)
            yield Static(Text("\nescape, q or C closes", style="dim"))

    def action_scroll(self, step: int) -> None:
        body = self.query_one("#criteria-body", VerticalScroll)
        body.scroll_down(animate=False) if step > 0 else body.scroll_up(animate=False)

    def action_close(self) -> None:
        self.dismiss(None)
