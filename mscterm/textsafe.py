"""Make untrusted text (titles, abstracts, names from the network) safe to print in a terminal.

Text from PubMed, a cache file or a user is data: it must never move the cursor, change colours,
set the window title or hide text (bidi overrides). These helpers drop such characters; the TUI
additionally renders every such string as a Rich ``Text`` so markup is never interpreted.
"""

from __future__ import annotations

import re

# C0 controls except tab/newline, DEL, C1 controls, and the bidi override/isolate characters.
_UNSAFE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_UNSAFE_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")


def clean(text: str | None) -> str:
    """``text`` without terminal control characters (newlines and tabs kept)."""
    return _UNSAFE.sub("", text or "")


def one_line(text: str | None) -> str:
    """``text`` on one line: controls removed, runs of white space folded to one space."""
    return _SPACES.sub(" ", _UNSAFE_ONE_LINE.sub(" ", text or "")).strip()
