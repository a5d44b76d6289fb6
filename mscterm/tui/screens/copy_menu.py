"""Small menus of what a record offers: ``y`` copies (PMID, DOI, citation, BibTeX, link), ``o``
opens (PubMed, PMC, DOI).

They only offer what the record has and return the chosen text; the screen copies it with
``App.copy_to_clipboard`` (OSC 52, which reaches the local terminal over SSH) or opens it.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mscterm.model import Record
from mscterm.tui.overview import pubmed_url
from mscterm.tui.safe import one_line


def copy_choices(record: Record, bibtex: str | None = None) -> list[tuple[str, str]]:
    """(what, text to copy) for each thing the record can give; ``bibtex``: its entry."""
    from mscterm.citation import format_citation

    choices = []
    if record.pmid:
        choices.append(("PMID", record.pmid))
    if record.doi:
        choices.append(("DOI", record.doi))
    choices.append(("Citation", one_line(format_citation(record))))
    if bibtex:
        choices.append(("BibTeX", bibtex))
    choices.append(("Link", pubmed_url(record)))
    return choices


class ChoiceMenu(ModalScreen[str | None]):
    """A small list; enter returns the chosen value, escape returns None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "cancel", "Cancel"),
        Binding("j", "move(1)", "Down", show=False),
        Binding("k", "move(-1)", "Up", show=False),
    ]

    def __init__(self, title: str, choices: list[tuple[str, str]]) -> None:
        super().__init__()
        self._title = title
        self._choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="copy-box", classes="dialog"):
            yield Static(Text(self._title, style="bold"))
            options = []
            width = max(len(what) for what, _ in self._choices) + 2
            for i, (what, value) in enumerate(self._choices):
                label = Text(f"{what:<{width}}", style="bold")
                label.append(one_line(value)[:60])
                options.append(Option(label, id=str(i)))
            yield OptionList(*options, id="copy-options")

    def action_move(self, step: int) -> None:
        menu = self.query_one("#copy-options", OptionList)
        menu.action_cursor_down() if step > 0 else menu.action_cursor_up()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self._choices[index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)


class CopyMenu(ChoiceMenu):
    """``y``: copy the record's PMID, DOI, citation, BibTeX entry or address."""

    def __init__(self, record: Record, bibtex: str | None = None) -> None:
        super().__init__("Copy to clipboard", copy_choices(record, bibtex))
