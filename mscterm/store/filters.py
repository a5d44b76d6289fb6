"""Values of the fields that filter on a record's facts, not its words: year, pmid, pt, is, has.

Each value means a set of ``meta`` tokens (any of them; none: nothing matches) or a year range,
or it cannot be understood and says so in one line -- the hint a user gets instead of a silent
0 hits. While a value is still being typed (type-ahead), a prefix of a good value is no mistake:
``pt:rev`` means the types starting so, ``year:20`` no filter yet.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from mscterm.store import pubtypes

FLAGS: dict[str, dict[str, str]] = {
    "is": {"retracted": "qqisretracted"},
    "has": {"abstract": "qqhasabstract", "doi": "qqhasdoi", "pmcid": "qqhaspmcid",
            "pmc": "qqhaspmcid"},
}  # fmt: skip
"""``is:``/``has:`` values and the ``meta`` token a record with that fact carries."""
RETRACTED_TOKEN = FLAGS["is"]["retracted"]
FIELDS = ("year", "pmid", "pt", *FLAGS)
"""The fields whose value this module reads."""
_YEAR = re.compile(r"\s*(\d{4})?\s*(?:(-|–|\.\.|:)\s*(\d{4})?)?\s*")
_YEAR_TYPING = re.compile(r"\d{1,3}|\d{4}\s*(?:-|–|\.\.?|:)\s*\d{1,3}|\d{4}\.")
_PT_EXAMPLES = 'pt:review, pt:"systematic review", pt:rct, pt:"case report"'


@dataclass(slots=True)
class Year:
    """A ``year:`` term: an inclusive range."""

    lo: int
    hi: int


Meaning = Year | tuple[str, ...] | None
"""A year range; the tokens of which a record needs any (empty: nothing matches); or None:
no term at all (a year still being typed)."""


def shown(text: str) -> str:
    """A user's value as a hint quotes it: cut short, its own quotes dropped."""
    text = text.replace('"', "")
    return f'"{text[:40]}…"' if len(text) > 40 else (f'"{text}"' if " " in text else text)


def meaning(column: str, text: str, typing: bool) -> tuple[Meaning, str | None]:
    """What ``column:text`` filters on, and a hint when it cannot be understood. ``typing``:
    the value is the last thing typed in type-ahead (a prefix is fine)."""
    if column == "year":
        return _year(text, typing)
    if column == "pmid":
        digits = text.strip()
        if not digits.isdigit() or len(digits) > 9:
            return (), f"pmid:{shown(text)}: a PMID is 1 to 9 digits (pmid:22685475)"
        return (f"pmid{int(digits)}",), None
    if column == "pt":
        names = pubtypes.resolve(text.rstrip("*"), prefix=typing or text.endswith("*"))
        tokens = tuple(t for t in (pubtypes.token(n) for n in names or ()) if t)
        hint = None if tokens else f"pt:{shown(text)}: not a publication type; try {_PT_EXAMPLES}"
        return tokens, hint
    return _flag(column, text, typing)


def _year(text: str, typing: bool) -> tuple[Meaning, str | None]:
    found = parse_year(text)
    if found is not None:
        return found, None
    if typing and _YEAR_TYPING.fullmatch(text.strip()):
        return None, None  # "year:20" while a year is being typed: no filter yet, no hint
    return (), f"year:{shown(text)}: a year is 4 digits: year:2012, year:2010-2015, year:2010-"


def _flag(column: str, text: str, typing: bool) -> tuple[Meaning, str | None]:
    values = FLAGS[column]
    want = text.strip().rstrip("*").casefold()
    if typing or text.endswith("*"):
        tokens = [tok for name, tok in values.items() if want and name.startswith(want)]
    else:
        tokens = [values[want]] if want in values else []
    if tokens:
        return tuple(dict.fromkeys(tokens)), None
    firsts = {tok: name for name, tok in reversed(values.items())}  # not the aliases
    known = " ".join(f"{column}:{name}" for name in firsts.values())
    return (), f"{column}:{shown(text)}: not a filter; try {known}"


def parse_year(text: str) -> Year | None:
    """``2012``, ``2010-2015``, ``2010-`` or ``-2015``; ``None`` for anything else."""
    m = _YEAR.fullmatch(text)
    if not m or not (m.group(1) or m.group(3)):
        return None
    lo = int(m.group(1)) if m.group(1) else 1000
    hi = (int(m.group(3)) if m.group(3) else 2999) if m.group(2) else lo
    if lo > hi:
        lo, hi = hi, lo
    return Year(max(lo, 1000), min(hi, 2999))
