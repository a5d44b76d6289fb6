"""Make untrusted text (titles, abstracts, names from the network) safe to print in a terminal.

Text from PubMed, ClinicalTrials.gov, a cache file or a user is data: it must never move the
cursor, change colours, set the window title or reorder what a reader sees. This is the one
cleaner every layer uses (the parser, the CLI's printers, the TUI's ``safe_text``):

* a terminal escape sequence is removed **whole**, introducer and parameters together, so
  ``ESC[31m`` leaves nothing behind (removing only ESC would leave ``[31m`` on screen);
* every other C0/C1 control character is removed (tab and newline are kept by :func:`clean`).
  A C1 control is removed alone, never with what follows it: in real records U+0080-U+009F are
  mostly mis-decoded Windows-1252 punctuation (U+009B was a ``›``), and once the control is
  gone the rest is inert text;
* bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are removed: they can
  make a reader see text in another order than the one stored (CVE-2021-42574, "Trojan Source").

Standard library only: the warm ``lookup`` path imports this.
"""

from __future__ import annotations

import re

__all__ = ["clean", "json_text", "one_line"]

_ESCAPE_SEQUENCE = re.compile(
    "\x1b\\[[0-?]*[ -/]*[@-~]"  # CSI: ESC [ parameters intermediates final (colours, cursor)
    "|\x1b[\\]PX^_][^\x07\x1b\x9c]*(?:\x07|\x1b\\\\|\x9c)?"  # OSC/DCS/SOS/PM/APC strings
    "|\x1b[ -/]*[0-~]"  # the other escapes: ESC ( B, ESC 7, ESC c, ...
)
# C0 controls except tab and newline, DEL, C1 controls, and the bidi embeddings, overrides
# and isolates.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean(value: object) -> str:
    """``value`` as text without escape sequences, control or bidi characters (tab and newline
    kept); ``None`` is the empty string."""
    text = "" if value is None else str(value)
    if text.isprintable():  # the common case: nothing to remove, nothing to scan
        return text
    return _UNSAFE.sub("", _without_sequences(text))


def one_line(value: object) -> str:
    """:func:`clean`, on one line: runs of white space (newlines, tabs) folded to one space.

    White space that is also a control character (CR, VT, FF, the separators U+001C-U+001F,
    NEL U+0085) becomes a space first, so ``a\\rb`` reads ``a b``, not ``ab``.
    """
    text = "" if value is None else str(value)
    if not text.isprintable():
        text = _UNSAFE.sub("", " ".join(_without_sequences(text).split()))
    return " ".join(text.split())


# Characters JSON may carry raw but a terminal must not see: DEL and C1 controls, bidi marks,
# embeddings, overrides and isolates, and the line/paragraph separators.
_JSON_UNSAFE = re.compile("[\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def json_text(value: object, *, indent: int | None = 1) -> str:
    """``value`` as JSON that is safe to print: readable UTF-8, but every character that could
    steer a terminal written as a ``\\uXXXX`` escape (the same string to a JSON reader)."""
    import json

    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def _without_sequences(text: str) -> str:
    """``text`` with every escape sequence removed (before white space is touched: folding a
    newline after a lone ESC into a space would make ``ESC SP x`` a sequence that eats ``x``)."""
    return _ESCAPE_SEQUENCE.sub("", text) if "\x1b" in text else text
