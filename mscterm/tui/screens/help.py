"""The ``?`` screen: every key, and the local search syntax (from the Library)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

KEYS: list[tuple[str, str]] = [
    ("j k ↓ ↑", "move down / up the tree"),
    ("l →  h ←", "expand, step in · collapse, step out"),
    ("enter", "expand a topic or list · read a reference (pane gets the keys)"),
    ("tab", "switch between the tree and the reference pane"),
    ("space", "mark / unmark the reference (for export)"),
    ("A", "mark all references shown under the topic (again: unmark)"),
    ("f", "filter the tree by typed text (escape clears)"),
    ("/", "search the local cache; ctrl+s there searches PubMed"),
    ("s", "similar articles of the reference"),
    ("c", "articles citing the reference"),
    ("e", "export the marked references (BibTeX, BibLaTeX, CSL-JSON, RIS)"),
    ("y", "copy PMID, DOI or a citation (OSC 52: works over SSH)"),
    ("o", "open on PubMed (or show its address)"),
    ("r", "refresh: fetch the highlighted item again"),
    ("ctrl+p", "palette: go to PMID, PubMed search, export, offline, theme"),
    ("?", "this help"),
    ("q", "quit (marks, open nodes and the cursor are kept for next time)"),
]


def help_text(query_help: str) -> Text:
    """The whole help page as plain ``Text`` (no markup anywhere); ``query_help`` from the
    Library (:meth:`~mscterm.library.Library.query_help`)."""
    text = Text()
    text.append("mscterm — keys\n\n", style="bold")
    width = max(len(k) for k, _ in KEYS)
    for key, what in KEYS:
        text.append(f"  {key:<{width}}  ", style="bold")
        text.append(what + "\n")
    text.append("\nLocal search (/)\n\n", style="bold")
    text.append(query_help)
    text.append("\nLandmark papers are marked ★; RETRACTED papers carry a badge.\n")
    text.append("Press escape, q or ? to close.", style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    """All keys and the search syntax, scrollable with j/k."""

    BINDINGS = [  # noqa: RUF012
        Binding("escape,q,question_mark", "close", "Close"),
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
    ]

    def __init__(self, query_help: str) -> None:
        super().__init__()
        self._query_help = query_help

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="dialog"):
            yield Static(help_text(self._query_help), id="help-text")

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_up(animate=False)
