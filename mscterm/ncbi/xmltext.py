"""Mixed content -> plain text: what a PubMed title or abstract *says*, without its markup.

``ArticleTitle``, ``AbstractText`` and friends mix text with ``<i>``, ``<sup>``, ``<b>`` and
MathML. DESIGN.md's record JSON holds plain Unicode, so inline markup contributes its text
(``Cu<sub>2</sub>O`` reads ``Cu2O``) and white space is collapsed. MathML needs more care,
because its layout carries meaning:

* token elements (``mi``, ``mn``, ``mo``) give their text without the indentation of old,
  pretty-printed efetch output (``V.O2max``, not ``V . O 2 m a x``);
* ``mtext`` keeps its spaces, thin and no-break spaces included, as one ordinary space
  (``3He/129Xe MRI``, not ``…Xe129MRI``);
* ``mmultiscripts`` puts its prescripts first: a mass number is written before the element
  symbol (``3He``, ``129Xe``). Digits stay plain digits, as ``<sup>`` content does elsewhere:
  superscript digits (³He) would be lost in plain-text searches and would stop pdflatex in a
  BibTeX export;
* ``semantics`` shows its first child only (its annotations repeat the formula as TeX/MathML).

Raw control and bidi characters (legal in XML as character references) go through
:mod:`mscterm.textsafe`, the program's one cleaner.
"""

from __future__ import annotations

import re

from lxml import etree

from mscterm.textsafe import one_line

__all__ = ["MATH_TAG", "opt", "plain", "text"]

_MATHML = "{http://www.w3.org/1998/Math/MathML}"
MATH_TAG = _MATHML + "math"
_TOKENS = frozenset(_MATHML + t for t in ("mi", "mn", "mo"))
_SPACED_TOKENS = frozenset(_MATHML + t for t in ("mtext", "ms"))
_NOTHING = frozenset(_MATHML + t for t in ("none", "mprescripts", "annotation", "annotation-xml"))
_MULTISCRIPTS = _MATHML + "mmultiscripts"
_PRESCRIPTS = _MATHML + "mprescripts"
_SEMANTICS = _MATHML + "semantics"
_SPACES = re.compile(r"\s+")


def text(el: etree._Element | None) -> str:
    """Flattened, whitespace-collapsed text of a mixed-content element ('' when absent)."""
    if el is None:
        return ""
    if not len(el):
        raw = el.text
    elif next(el.iter(MATH_TAG), None) is None:
        raw = "".join(el.itertext())
    else:
        parts: list[str] = []
        _flatten_with_math(el, parts)
        raw = "".join(parts)
    if not raw:
        return ""
    flat = " ".join(raw.split())
    return flat if flat.isprintable() else one_line(flat)


def opt(el: etree._Element | None) -> str | None:
    """Like :func:`text` but None for absent or empty elements (optional JSON fields)."""
    return text(el) or None


def plain(raw: str | None) -> str | None:
    """Collapse a #PCDATA-only value (names, ids, MeSH terms) as :func:`text` would."""
    if not raw:
        return None
    flat = " ".join(raw.split())
    if not flat.isprintable():
        flat = one_line(flat)
    return flat or None


def _flatten_with_math(el: etree._Element, parts: list[str]) -> None:
    """Mixed content in document order, each ``<math>`` through :func:`_math`."""
    if el.text:
        parts.append(el.text)
    for child in el:
        if child.tag == MATH_TAG:
            _math(child, parts)
        elif isinstance(child.tag, str):
            _flatten_with_math(child, parts)
        if child.tail:
            parts.append(child.tail)


def _math(el: etree._Element, parts: list[str]) -> None:
    """One MathML element as linear text; text between elements is layout and is ignored."""
    tag = el.tag
    if tag in _TOKENS:
        parts.append("".join(el.itertext()).strip())
    elif tag in _SPACED_TOKENS:
        parts.append(_SPACES.sub(" ", "".join(el.itertext())))
    elif tag in _NOTHING or not isinstance(tag, str):
        return
    elif tag == _MULTISCRIPTS:
        children = [c for c in el if isinstance(c.tag, str)]
        cut = next((i for i, c in enumerate(children) if c.tag == _PRESCRIPTS), len(children))
        for child in (*children[cut + 1 :], *children[:cut]):  # prescripts, base, postscripts
            _math(child, parts)
    elif tag == _SEMANTICS:
        first = next((c for c in el if isinstance(c.tag, str)), None)
        if first is not None:
            _math(first, parts)
    else:
        for child in el:
            _math(child, parts)
