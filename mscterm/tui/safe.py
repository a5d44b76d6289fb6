"""Untrusted text -> Rich ``Text``: never markup, never raw control characters.

Titles, abstracts and author names come from PubMed, publishers and users. A title such as
``[bold red]x[/]`` or one carrying ``ESC[31m`` must be shown as the characters it is: a Rich/Textual
markup parse would restyle (or link) the screen, and a raw escape sequence would be passed to the
terminal. Every string the UI did not write itself goes through :func:`safe_text`.
"""

from __future__ import annotations

import re

from rich.text import Text

# C0 controls except tab/newline, DEL and C1 controls, plus bidi overrides that could reorder
# what a reader sees.
_CONTROL_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ANSI_RE = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")


def clean(value: object) -> str:
    """The printable text of ``value``: escape sequences and control characters removed."""
    text = "" if value is None else str(value)
    if "\x1b" in text:
        text = _ANSI_RE.sub("", text)
    return _CONTROL_RE.sub("", text).replace("\t", " ")


def one_line(value: object) -> str:
    """:func:`clean`, with newlines folded to spaces (for labels and list rows)."""
    return " ".join(clean(value).split())


def safe_text(value: object, style: str = "", *, single_line: bool = False) -> Text:
    """A ``Text`` holding ``value`` literally (no markup parse), safe to render anywhere."""
    return Text(one_line(value) if single_line else clean(value), style=style)
