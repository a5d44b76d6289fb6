"""The one text cleaner (mscterm.textsafe) and the TUI's Rich wrapper over it (mscterm.tui.safe).

Both used to exist separately and disagreed: ``textsafe.one_line`` removed ESC but left ``[31m``
on screen, where the TUI removed the whole sequence. Now there is one implementation.
"""

from __future__ import annotations

import pytest

from mscterm import textsafe
from mscterm.tui import safe

HOSTILE = [
    # (input, one_line result)
    ("a\x1b[31mred\x1b[0m b", "ared b"),  # CSI colour codes, removed whole
    ("x\x1b[2J\x1b[Hy", "xy"),  # clear screen + cursor home
    ("t \x1b]0;owned\x07 u", "t u"),  # OSC window title, BEL-terminated
    ("t \x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\ u", "t link u"),  # OSC 8 hyperlink, ST
    ("k\x1b(Bl", "kl"),  # charset selection
    ("c\x9b31md", "c31md"),  # a C1 CSI goes alone: what follows is inert once it is gone
    ("bell\x07 nul\x00 del\x7f", "bell nul del"),
    ("left\u202eright\u2066iso\u2069", "leftrightiso"),  # bidi override and isolate
    ("\u202a\u202b\u202c\u202d x \u2067\u2068", "x"),
    ("line\r\nbreak\rcr\x85nel\ttab", "line break cr nel tab"),
    ("esc\x1b\nnewline, esc at the end\x1b", "esc newline, esc at the end"),  # lone ESCs
    ("esc\x1bx", "esc"),  # ESC + a final byte is a sequence: a terminal would eat the x too
    ("café α ≥ 中文", "café α ≥ 中文"),  # printable text is left alone
    (None, ""),
]


@pytest.mark.parametrize(("raw", "expected"), HOSTILE)
def test_one_line_removes_sequences_whole_and_controls(raw: str | None, expected: str) -> None:
    assert textsafe.one_line(raw) == expected


@pytest.mark.parametrize(("raw", "expected"), HOSTILE)
def test_the_tui_and_the_cli_clean_alike(raw: str | None, expected: str) -> None:
    assert safe.one_line(raw) == textsafe.one_line(raw) == expected
    assert safe.safe_text(raw, single_line=True).plain == expected


def test_clean_keeps_lines_and_tabs_but_nothing_unsafe() -> None:
    raw = "Title\x1b[1m bold\x1b[0m\n\tindented \u202ereversed\x1b[2J\r\nend"
    assert textsafe.clean(raw) == "Title bold\n\tindented reversed\nend"
    # The TUI shows tabs as spaces (Rich would expand them to tab stops).
    assert safe.safe_text(raw).plain == "Title bold\n indented reversed\nend"


def test_safe_text_never_parses_markup() -> None:
    text = safe.safe_text("[bold red]x[/] [link=http://x]y[/link]", single_line=True)
    assert text.plain == "[bold red]x[/] [link=http://x]y[/link]"
    assert text.spans == []


def test_there_is_one_implementation() -> None:
    assert safe.one_line is textsafe.one_line
    assert safe.clean is textsafe.clean
