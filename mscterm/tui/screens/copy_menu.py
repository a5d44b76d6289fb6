"""The ``y`` menu: copy a reference's PMID, DOI, citation or PubMed address.

It only offers what the record has and returns the chosen text; the screen calls
``App.copy_to_clipboard`` (OSC 52, which reaches the local terminal over SSH).
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from mscterm.model import Record
from mscterm.tui.overview import pubmed_url
from mscterm.tui.safe import one_line


def copy_choices(record: Record) -> list[tuple[str, str]]:
    """(what, text to copy) for each thing the record can give."""
    from mscterm.citation import format_citation

    choices = []
    if record.pmid:
        choices.append(("PMID", record.pmid))
    if record.doi:
        choices.append(("DOI", record.doi))
    choices.append(("Citation", one_line(format_citation(record))))
    choices.append(("Link", pubmed_url(record)))
    return choices


class CopyMenu(ModalScreen[str | None]):
    """A small list; enter copies, escape cancels. Returns the text to copy."""

    BINDINGS = [Binding("escape,q", "cancel", "Cancel")]  # noqa: RUF012

    def __init__(self, record: Record) -> None:
        super().__init__()
        self._choices = copy_choices(record)

    def compose(self) -> ComposeResult:
        with Vertical(id="copy-box", classes="dialog"):
            yield Static(Text("Copy to clipboard", style="bold"))
            options = []
            for i, (what, value) in enumerate(self._choices):
                label = Text(f"{what:<9}", style="bold")
                label.append(one_line(value)[:60])
                options.append(Option(label, id=str(i)))
            yield OptionList(*options, id="copy-options")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        index = int(event.option.id or 0)
        self.dismiss(self._choices[index][1])

    def action_cancel(self) -> None:
        self.dismiss(None)
