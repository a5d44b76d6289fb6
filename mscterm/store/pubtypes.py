"""PubMed publication types for the offline search's ``pt:`` filter: names, aliases, narrower types.

A record's ``publication_types`` hold PubMed's own PublicationType values ("Review",
"Randomized Controlled Trial", "Case Reports", …). The index stores one token per value
(:func:`token`); ``pt:`` resolves what a user types -- any case, with or without punctuation, a
few aliases (``rct``, ``case report``, ``meta analysis``) -- to those values, plus the narrower
types a reviewer expects with them (``pt:review`` also finds systematic and scoping reviews,
``pt:"clinical trial"`` also RCTs and phase I-IV trials). Expanding at query time keeps the index
free of the grouping: changing it needs no index rebuild.
"""

from __future__ import annotations

import unicodedata

KNOWN: tuple[str, ...] = (
    "Adaptive Clinical Trial", "Address", "Autobiography", "Bibliography", "Biography",
    "Case Reports", "Classical Article", "Clinical Conference", "Clinical Study",
    "Clinical Trial", "Clinical Trial Protocol", "Clinical Trial, Phase I",
    "Clinical Trial, Phase II", "Clinical Trial, Phase III", "Clinical Trial, Phase IV",
    "Clinical Trial, Veterinary", "Collected Work", "Comment", "Comparative Study", "Congress",
    "Consensus Development Conference", "Consensus Development Conference, NIH",
    "Controlled Clinical Trial", "Corrected and Republished Article", "Dataset", "Dictionary",
    "Directory", "Duplicate Publication", "Editorial", "Electronic Supplementary Materials",
    "English Abstract", "Equivalence Trial", "Evaluation Study", "Expression of Concern",
    "Festschrift", "Government Publication", "Guideline", "Historical Article",
    "Interactive Tutorial", "Interview", "Introductory Journal Article", "Journal Article",
    "Lecture", "Legal Case", "Legislation", "Letter", "Meta-Analysis", "Multicenter Study",
    "Network Meta-Analysis", "News", "Newspaper Article", "Observational Study",
    "Observational Study, Veterinary", "Overall", "Patient Education Handout",
    "Periodical Index", "Personal Narrative", "Portrait", "Practice Guideline",
    "Pragmatic Clinical Trial", "Preprint", "Published Erratum", "Randomized Controlled Trial",
    "Randomized Controlled Trial, Veterinary",
    "Research Support, American Recovery and Reinvestment Act",
    "Research Support, N.I.H., Extramural", "Research Support, N.I.H., Intramural",
    "Research Support, Non-U.S. Gov't", "Research Support, U.S. Gov't",
    "Research Support, U.S. Gov't, Non-P.H.S.", "Research Support, U.S. Gov't, P.H.S.",
    "Retracted Publication", "Retraction of Publication", "Review", "Scientific Integrity Review",
    "Scoping Review", "Systematic Review", "Technical Report", "Twin Study", "Validation Study",
    "Video-Audio Media", "Webcast",
)  # fmt: skip
"""PubMed's PublicationType values (a value outside this list is still indexed and shown)."""

_TRIALS = (
    "Adaptive Clinical Trial", "Clinical Trial, Phase I", "Clinical Trial, Phase II",
    "Clinical Trial, Phase III", "Clinical Trial, Phase IV", "Clinical Trial, Veterinary",
    "Controlled Clinical Trial", "Equivalence Trial", "Pragmatic Clinical Trial",
    "Randomized Controlled Trial", "Randomized Controlled Trial, Veterinary",
)  # fmt: skip
NARROWER: dict[str, tuple[str, ...]] = {
    "Review": ("Systematic Review", "Scoping Review"),
    "Meta-Analysis": ("Network Meta-Analysis",),
    "Clinical Study": ("Clinical Trial", *_TRIALS, "Observational Study"),
    "Clinical Trial": _TRIALS,
    "Controlled Clinical Trial": ("Randomized Controlled Trial",
                                  "Randomized Controlled Trial, Veterinary"),
    "Randomized Controlled Trial": ("Randomized Controlled Trial, Veterinary",),
    "Observational Study": ("Observational Study, Veterinary",),
    "Guideline": ("Practice Guideline",),
    "Research Support, U.S. Gov't": ("Research Support, U.S. Gov't, Non-P.H.S.",
                                     "Research Support, U.S. Gov't, P.H.S."),
}  # fmt: skip
"""The types a broader type also finds (mscterm's grouping, close to MeSH's type tree)."""

ALIASES: dict[str, str] = {
    "rct": "Randomized Controlled Trial",
    "randomised controlled trial": "Randomized Controlled Trial",
    "randomized trial": "Randomized Controlled Trial",
    "randomised trial": "Randomized Controlled Trial",
    "trial": "Clinical Trial",
    "case report": "Case Reports",
    "case": "Case Reports",
    "sr": "Systematic Review",
    "meta-analyses": "Meta-Analysis",
    "ma": "Meta-Analysis",
    "commentary": "Comment",
    "erratum": "Published Erratum",
    "retraction": "Retraction of Publication",
    "retraction notice": "Retraction of Publication",
    "concern": "Expression of Concern",
    "phase 1": "Clinical Trial, Phase I",
    "phase 2": "Clinical Trial, Phase II",
    "phase 3": "Clinical Trial, Phase III",
    "phase 4": "Clinical Trial, Phase IV",
    "guidelines": "Guideline",
    "observational": "Observational Study",
    "multicentre study": "Multicenter Study",
}
"""Other names people type (compared after :func:`slug`, like the types themselves)."""


def slug(text: str) -> str:
    """``text`` reduced to lower-case ASCII letters and digits: how names are compared."""
    text = unicodedata.normalize("NFKD", text).casefold()
    return "".join(c for c in text if c.isascii() and c.isalnum())


def token(name: str) -> str | None:
    """The index token of a PublicationType value (``None`` when it has no letters)."""
    s = slug(name)
    return f"pt{s}" if s else None


_BY_SLUG: dict[str, str] = {slug(n): n for n in KNOWN}
_BY_SLUG.update({slug(a): n for a, n in ALIASES.items()})


def _with_narrower(name: str) -> list[str]:
    out = [name]
    for sub in NARROWER.get(name, ()):
        out.extend(t for t in _with_narrower(sub) if t not in out)
    return out


def resolve(value: str, *, prefix: bool = False) -> list[str] | None:
    """The PublicationType values ``pt:value`` finds (narrower types included), or ``None``
    when ``value`` names no known type. ``prefix``: every type whose name (or alias) starts
    with ``value`` -- for ``pt:rev*`` and for type-ahead."""
    s = slug(value)
    if not s:
        return None
    if prefix:
        names = [n for key, n in _BY_SLUG.items() if key.startswith(s)]
    elif s in _BY_SLUG:
        names = [_BY_SLUG[s]]
    elif s.endswith("s") and s[:-1] in _BY_SLUG:  # "reviews", "meta-analyses" stays unknown
        names = [_BY_SLUG[s[:-1]]]
    else:
        return None
    found: list[str] = []
    for name in dict.fromkeys(names):
        found.extend(t for t in _with_narrower(name) if t not in found)
    return found or None
