"""The ``?`` screen: every key, what a row's signs mean, and the local search syntax.

Laid out for the width it gets (80 columns over SSH first): a description too long for its
column wraps inside the column, and a search-syntax line too wide for the screen puts its
explanation on the next line, so no table ever wraps through its own first column.
"""

from __future__ import annotations

import re
import textwrap
from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from mscterm.tui.rows import LEGEND
from mscterm.tui.screening import keys as screening_keys
from mscterm.tui.trials.rows import TRIAL_LEGEND

SECTIONS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "Everywhere",
        [
            ("escape", "cancel network work, else clear the filter, else close"),
            ("ctrl+p", "palette: go to a PMID or DOI, PubMed, offline, theme"),
            ("?", "this help"),
            ("q", "quit (marks, open nodes and the cursor are kept)"),
        ],
    ),
    (
        "Moving",
        [
            ("j k ↓ ↑", "move down / up"),
            ("l → h ←", "expand or step in · collapse or step out"),
            ("g G", "top · bottom of the tree, a list or the pane"),
            ("enter", "expand a topic or list · read a record (the pane takes the keys)"),
            ("tab", "switch between the tree and the pane"),
            ("< >", "narrow · widen the tree (the width is kept for next time)"),
        ],
    ),
    (
        "The record the pane shows (wherever it was found)",
        [
            ("space", "mark / unmark it for export"),
            ("s", "its similar articles"),
            ("c", "the articles citing it (cited by); references are in its list"),
            ("y", "copy its PMID, DOI, citation, BibTeX entry or link (OSC 52)"),
            ("o", "open it: PubMed, PMC (with a PMCID) or its DOI"),
            ("r", "fetch it again (also retries what failed)"),
        ],
    ),
    screening_keys.HELP,
    (
        "Lists and searches",
        [
            ("/", "search the local cache; ctrl+s there asks PubMed"),
            ("", "enter moves to the hits, space marks, enter opens"),
            ("S", "sort a list: as listed, newest, oldest, first author, title"),
            ("F", "show only a publication type, or the retracted"),
            ("f", "filter the tree by typed text"),
            ("A", "mark everything under the topic (again: unmark)"),
            ("M", "the marked records: unmark, clear all, export"),
            ("e", "export the marks: BibTeX, BibLaTeX, CSL-JSON, RIS"),
        ],
    ),
    (
        "Registered trials (ClinicalTrials.gov)",
        [
            ("", "under each topic with a trials query: Registered trials, newest first"),
            ("enter", "on a trial: read it (adverse events per arm, publications)"),
            ("l", "on a trial: its Publications, records to read, mark and export"),
            ("space e", "mark a trial · export it as a registry record (@misc, @online)"),
            ("o y", "open it on ClinicalTrials.gov · copy its NCT id, link or citation"),
            ("T", "on a record: open the registered trials it names"),
            ("r", "fetch the trial (or the list) again"),
        ],
    ),
]
KEYS: list[tuple[str, str]] = [pair for _, pairs in SECTIONS for pair in pairs if pair[0]]
"""Every key and what it does (in the order the help lists them)."""
KEY_WIDTH = 8
NARROWEST = 40
_GAP = re.compile(r"\S( {2,})\S")


def _table(text: Text, rows: list[tuple[str, str]], width: int) -> None:
    """Two columns; a long description wraps inside the second column."""
    indent = " " * (KEY_WIDTH + 4)
    room = max(width - len(indent), 20)
    for key, what in rows:
        lines = textwrap.wrap(what, room) or [""]
        text.append(f"  {key:<{KEY_WIDTH}}  ", style="bold")
        text.append(lines[0] + "\n")
        for line in lines[1:]:
            text.append(indent + line + "\n")


def _fit(line: str, width: int) -> str:
    """A syntax line too wide for ``width``: its explanation (after the last wide gap) moves
    to the next line, indented; otherwise it is kept as it is."""
    if len(line) <= width:
        return line
    gaps = list(_GAP.finditer(line))
    if not gaps:
        return "\n".join(textwrap.wrap(line, width, subsequent_indent="    "))
    cut = gaps[-1].start(1)
    head, tail = line[:cut].rstrip(), line[cut:].strip()
    rest = textwrap.wrap(tail, max(width - 6, 20), initial_indent="      ")
    return "\n".join([_fit(head, width), *rest])


def _syntax(query_help: str, width: int) -> str:
    """The search syntax for ``width``: table rows (indented) fitted, prose re-flowed."""
    out: list[str] = []
    prose: list[str] = []

    def flush() -> None:
        if prose:
            out.extend(textwrap.wrap(" ".join(prose), width))
            prose.clear()

    for line in query_help.splitlines():
        if line.strip() and not line.startswith(" "):
            prose.append(line.strip())
            continue
        flush()
        out.append(_fit(line, width) if line.strip() else "")
    flush()
    return "\n".join(out)


def help_text(query_help: str, width: int = 76) -> Text:
    """The whole help page as plain ``Text`` (no markup anywhere), laid out for ``width``
    columns; ``query_help`` from the Library (:meth:`~mscterm.library.Library.query_help`)."""
    width = max(width, NARROWEST)
    text = Text()
    text.append("mscterm — keys\n", style="bold")
    for title, rows in SECTIONS:
        text.append(f"\n{title}\n", style="bold underline")
        _table(text, rows, width)
    text.append("\nWhat a row shows\n", style="bold underline")
    text.append("  ● ⚠ + ★ Author year · title  (the title is cut, never the signs)\n")
    _table(text, LEGEND, width)
    text.append("\nWhat a trial row shows\n", style="bold underline")
    text.append("  ● Completed Ph2 R Title  (status · phase · badge · title)\n")
    _table(text, TRIAL_LEGEND, width)
    text.append("\nLocal search (/)\n\n", style="bold underline")
    text.append(_syntax(query_help, width))
    text.append("\n\nPress escape, q or ? to close.", style="dim")
    return text


class HelpScreen(ModalScreen[None]):
    """All keys and the search syntax, scrollable with j/k."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
        Binding("j,down", "scroll_down", "Down", show=False),
        Binding("k,up", "scroll_up", "Up", show=False),
        Binding("g", "scroll_to(0)", "Top", show=False),
        Binding("G", "scroll_to(-1)", "Bottom", show=False),
    ]

    def __init__(self, query_help: str) -> None:
        super().__init__()
        self._query_help = query_help
        self._width = 0

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help-body", classes="dialog"):
            yield Static(help_text(self._query_help), id="help-text")

    def on_resize(self, event: events.Resize) -> None:
        self._lay_out()

    def on_mount(self) -> None:
        self.call_after_refresh(self._lay_out)

    def _lay_out(self) -> None:
        """Lay the text out for the width the dialog has now (minus its scrollbar)."""
        body = self.query_one("#help-body", VerticalScroll)
        width = body.content_region.width - 2
        if width > 0 and width != self._width:
            self._width = width
            self.query_one("#help-text", Static).update(help_text(self._query_help, width))

    def action_close(self) -> None:
        self.dismiss(None)

    def action_scroll_down(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_down(animate=False)

    def action_scroll_up(self) -> None:
        self.query_one("#help-body", VerticalScroll).scroll_up(animate=False)

    def action_scroll_to(self, where: int) -> None:
        body = self.query_one("#help-body", VerticalScroll)
        if where < 0:
            body.scroll_end(animate=False)
        else:
            body.scroll_home(animate=False)
