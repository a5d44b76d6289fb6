"""Untrusted text -> Rich ``Text``: never markup, never raw control characters.

Titles, abstracts and author names come from PubMed, publishers and users. A title such as
``[bold red]x[/]`` or one carrying ``ESC[31m`` must be shown as the characters it is: a Rich/Textual
markup parse would restyle (or link) the screen, and a raw escape sequence would be passed to the
terminal. Every string the UI did not write itself goes through :func:`safe_text`; the cleaning
itself is :mod:`mscterm.textsafe`'s (one cleaner for the whole program).
"""

from __future__ import annotations

from rich.text import Text

from mscterm.textsafe import clean, one_line

__all__ = ["clean", "one_line", "safe_text"]


def safe_text(value: object, style: str = "", *, single_line: bool = False) -> Text:
    """A ``Text`` holding ``value`` literally (no markup parse), safe to render anywhere.

    Tabs become spaces: Rich would expand them to the next tab stop, which in a narrow pane
    looks like missing text.
    """
    text = one_line(value) if single_line else clean(value).replace("\t", " ")
    return Text(text, style=style)
