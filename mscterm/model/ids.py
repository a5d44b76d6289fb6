"""Identifiers: PMIDs, DOIs, ``cite:`` keys and NCT ids, as typed by people and as stored.

Every id a person types goes through :func:`parse_id` (records) or :func:`parse_any_id` (records
or trials); every id mscterm makes goes through :func:`record_id`. Standard library only.
"""

from __future__ import annotations

import re
import unicodedata

PMID_RE = re.compile(r"^[1-9][0-9]{0,8}$")
DOI_RE = re.compile(r"^10\.\d{4,9}/\S+$")
NCT_RE = re.compile(r"^NCT[0-9]{8}$", re.IGNORECASE)


class BadIdError(ValueError):
    """An identifier typed by a user is neither a PMID nor a DOI (nor an NCT id where allowed)."""


def fold_ascii(text: str) -> str:
    """Fold to plain ASCII letters the way a person would type them (Røsland -> Rosland)."""
    text = text.translate(_FOLD_EXTRA)
    decomposed = unicodedata.normalize("NFKD", text)
    return (
        "".join(c for c in decomposed if not unicodedata.combining(c))
        .encode("ascii", "ignore")
        .decode("ascii")
    )


_FOLD_EXTRA = str.maketrans(
    {
        "ø": "o",
        "Ø": "O",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        "đ": "d",
        "Đ": "D",
        "ł": "l",
        "Ł": "L",
        "þ": "th",
        "Þ": "Th",
        "ı": "i",
    }
)


def record_id(
    pmid: str | None,
    doi: str | None,
    first_author: str | None = None,
    year: int | None = None,
    title: str | None = None,
) -> str:
    """The storage key DESIGN.md defines: PMID, else ``doi:<lower DOI>``, else ``cite:…``."""
    if pmid:
        return pmid
    if doi:
        return "doi:" + doi.strip().lower()
    who = re.sub(r"[^a-z0-9]+", "", fold_ascii(first_author or "anon").lower()) or "anon"
    # Split on punctuation before folding, so "cells—a" gives two words, not "cellsa".
    words = re.findall(r"[a-z0-9]+", fold_ascii(re.sub(r"[^\w]+", " ", title or "")).lower())[:3]
    return f"cite:{who}-{year or 'nd'}-{'-'.join(words) or 'untitled'}"


def parse_id(text: str) -> str:
    """Normalise a user-typed identifier to a record id, or raise :class:`BadIdError`.

    Accepts a PMID (1-9 digits), a DOI (``10.…``, ``doi:10.…`` or a doi.org URL) and the
    ``doi:``/``cite:`` ids mscterm prints itself.
    """
    raw = text.strip()
    if PMID_RE.match(raw):
        return raw
    low = raw.lower()
    for prefix in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
        if low.startswith(prefix):
            raw = raw[len(prefix) :].strip()
            low = raw.lower()
            break
    if DOI_RE.match(raw) and raw.isprintable():
        return "doi:" + low
    if low.startswith("cite:") and len(raw) > 5 and raw.isprintable() and " " not in raw:
        return low
    shown = raw if raw.isprintable() and len(raw) <= 40 else repr(raw[:40])
    raise BadIdError(f"not a PMID (1-9 digits) or a DOI (10.…): {shown}")


def parse_trial_id(text: str) -> str:
    """Normalise a typed NCT id (``nct00791778`` -> ``NCT00791778``) or raise BadIdError."""
    raw = text.strip()
    if NCT_RE.match(raw):
        return raw.upper()
    shown = raw if raw.isprintable() and len(raw) <= 40 else repr(raw[:40])
    raise BadIdError(f"not a ClinicalTrials.gov id (NCT + 8 digits): {shown}")


def parse_any_id(text: str) -> str:
    """A record id (PMID, DOI, cite:) or a trial's NCT id: what export, screen and marks take."""
    raw = text.strip()
    if raw[:3].upper() == "NCT":
        return parse_trial_id(raw)
    try:
        return parse_id(raw)
    except BadIdError:
        shown = raw if raw.isprintable() and len(raw) <= 40 else repr(raw[:40])
        raise BadIdError(
            f"not a PMID (1-9 digits), a DOI (10.…) or an NCT id (NCT + 8 digits): {shown}"
        ) from None


def is_trial_id(rid: str) -> bool:
    """Whether an id (as stored: upper-case) names a registered trial."""
    return rid.startswith("NCT") and bool(NCT_RE.match(rid))
