"""Text as LaTeX that cannot inject TeX and that pdflatex can typeset.

Three encoders, one per kind of output:

* :func:`tex_ascii` -- classic BibTeX: every character LaTeX can name is written as a command
  (``{\\"u}``, ``{\\ensuremath{\\beta}}``), so the .bib is ASCII wherever possible.
* :func:`tex_pdflatex` -- BibLaTeX read by biber for pdflatex (the default): letters and
  punctuation that LaTeX's own UTF-8 support typesets (``ü``, ``ł``, ``–``) stay UTF-8; Greek
  letters, math and other symbols (β, ⍺, ≥, µ, ±) become commands, because pdflatex stops at
  them ("Unicode character … not set up for use with LaTeX").
* :func:`tex_unicode` -- pure UTF-8 for lualatex/xelatex (``--unicode``): only the TeX
  specials are escaped.

Every encoder escapes the ten TeX specials, and writes braces from the data as
``\\textbraceleft{}``/``\\textbraceright{}``: BibTeX counts ``\\{`` as a brace, so an unbalanced
brace in a title would otherwise break the file. Every brace in the output is one put there here.

Commands are ``\\ensuremath{…}`` for math symbols: it works in text and in math, in the BibTeX
path (BibTeX keeps command names when it changes case) and through biber (which copies it to
the .bbl as written). Characters nobody can name (CJK, for instance) are kept as UTF-8: dropping
them would lose data, and a UTF-8 engine with the right font prints them.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from collections.abc import Callable

import latexcodec  # noqa: F401  (registers the "ulatex" codecs)

from mscterm.export import common

Encoder = Callable[[str | None], str]

SPECIALS = {
    "\\": "\\textbackslash{}",
    "{": "\\textbraceleft{}",
    "}": "\\textbraceright{}",
    "$": "\\$",
    "&": "\\&",
    "%": "\\%",
    "#": "\\#",
    "_": "\\_",
    "~": "\\textasciitilde{}",
    "^": "\\textasciicircum{}",
    "<": "\\textless{}",
    ">": "\\textgreater{}",
}
_SPECIAL_RE = re.compile(r"[\\{}$&%#_~^<>]")
_SLOW_ASCII = re.compile(r"[\\{}$&%#_~^<>\x00-\x1f\x7f]")
_SLOW_ANY = re.compile(r"[\\{}$&%#_~^<>]|[^\x00-\x7f]")

_GREEK = (
    "alpha beta gamma delta varepsilon zeta eta theta iota kappa lambda mu nu xi o pi rho "
    "varsigma sigma tau upsilon varphi chi psi omega"
).split()
_GREEK_CAPS = {
    "Gamma",
    "Delta",
    "Theta",
    "Lambda",
    "Xi",
    "Pi",
    "Sigma",
    "Upsilon",
    "Phi",
    "Psi",
    "Omega",
}


def _math(command: str) -> str:
    return "\\ensuremath{" + command + "}"


def _greek_table() -> dict[str, str]:
    table = {}
    for i, name in enumerate(_GREEK):
        small = chr(0x03B1 + i)
        table[small] = _math("o" if name == "o" else "\\" + name)
        if name == "varsigma":
            continue  # no capital final sigma; U+03A2 is unassigned
        cap = name.removeprefix("var").capitalize()
        latin = unicodedata.name(chr(0x0391 + i)).split()[-1]  # ALPHA -> "A" looks like Latin
        table[chr(0x0391 + i)] = _math(
            "\\" + cap if cap in _GREEK_CAPS else "\\mathrm{" + _latin_caps(latin) + "}"
        )
    return table


def _latin_caps(greek_name: str) -> str:
    return {
        "ALPHA": "A",
        "BETA": "B",
        "EPSILON": "E",
        "ZETA": "Z",
        "ETA": "H",
        "IOTA": "I",
        "KAPPA": "K",
        "MU": "M",
        "NU": "N",
        "OMICRON": "O",
        "RHO": "P",
        "TAU": "T",
        "CHI": "X",
    }[greek_name]


_SYMBOLS: dict[str, str] = {
    **_greek_table(),
    "\u03d1": _math("\\vartheta"),
    "\u03d5": _math("\\phi"),
    "\u03d6": _math("\\varpi"),
    "\u03f5": _math("\\epsilon"),
    "\u03f1": _math("\\varrho"),
    "\u237a": _math("\\alpha"),  # APL alpha, as it arrives in some titles for α
    "\u0251": _math("\\alpha"),  # Latin alpha
    "\u0127": _math("\\hbar"),
    "\u0140": "l" + _math("\\cdot"),  # Catalan l·l
    "\u013f": "L" + _math("\\cdot"),
    "\u0149": "'n",
    "\u00b5": _math("\\mu"),  # micro sign
    "\u2206": _math("\\Delta"),  # increment
    "\u2126": _math("\\Omega"),  # ohm sign
    "\u212b": "{\\AA}",  # angstrom sign
    "\u00b1": _math("\\pm"),
    "\u2213": _math("\\mp"),
    "\u00d7": _math("\\times"),
    "\u00f7": _math("\\div"),
    "\u00b7": _math("\\cdot"),
    "\u2219": _math("\\cdot"),
    "\u22c5": _math("\\cdot"),
    "\u00b0": _math("^{\\circ}"),
    "\u2103": _math("^{\\circ}") + "C",
    "\u2032": _math("\\prime"),
    "\u2033": _math("\\prime\\prime"),
    "\u2212": _math("-"),
    "\u2264": _math("\\leq"),
    "\u2265": _math("\\geq"),
    "\u2266": _math("\\leq"),
    "\u2267": _math("\\geq"),
    "\u2260": _math("\\neq"),
    "\u2248": _math("\\approx"),
    "\u2243": _math("\\simeq"),
    "\u2245": _math("\\cong"),
    "\u223c": _math("\\sim"),
    "\u2261": _math("\\equiv"),
    "\u226a": _math("\\ll"),
    "\u226b": _math("\\gg"),
    "\u221d": _math("\\propto"),
    "\u221e": _math("\\infty"),
    "\u221a": _math("\\surd"),
    "\u2211": _math("\\sum"),
    "\u220f": _math("\\prod"),
    "\u2202": _math("\\partial"),
    "\u2207": _math("\\nabla"),
    "\u2208": _math("\\in"),
    "\u2229": _math("\\cap"),
    "\u222a": _math("\\cup"),
    "\u2190": _math("\\leftarrow"),
    "\u2192": _math("\\rightarrow"),
    "\u2191": _math("\\uparrow"),
    "\u2193": _math("\\downarrow"),
    "\u2194": _math("\\leftrightarrow"),
    "\u21d2": _math("\\Rightarrow"),
    "\u21d4": _math("\\Leftrightarrow"),
    "\u2022": _math("\\bullet"),
    "\u2020": "\\dag{}",
    "\u2021": "\\ddag{}",
    "\u00a7": "\\S{}",
    "\u00b6": "\\P{}",
    "\u00a9": "\\textcopyright{}",
    "\u00ae": "\\textregistered{}",
    "\u2122": "\\texttrademark{}",
    "\u00a3": "\\pounds{}",
    "\u20ac": "\\texteuro{}",
    "\u2030": "\\textperthousand{}",
    "\u00ab": _math("\\ll"),
    "\u00bb": _math("\\gg"),
    "\u2039": _math("<"),
    "\u203a": _math(">"),
    "\u201a": ",",
    "\u201e": ",,",
    "\u2009": "\\,",
    "\u200a": "\\,",
    "\u202f": "\\,",
    "\u2002": "\\enspace{}",
    "\u2003": "\\quad{}",
    "\u2005": "\\,",
    "\u2011": "-",
    "\u00bc": _math("\\frac{1}{4}"),
    "\u00bd": _math("\\frac{1}{2}"),
    "\u00be": _math("\\frac{3}{4}"),
}
for _digit, _sup in zip("0123456789+-=()n", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿ", strict=True):
    _SYMBOLS[_sup] = "\\textsuperscript{" + _digit + "}"
for _digit, _sub in zip("0123456789+-=()", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎", strict=True):
    _SYMBOLS[_sub] = "\\textsubscript{" + _digit + "}"
_SYMBOLS["¹"], _SYMBOLS["²"], _SYMBOLS["³"] = (
    "\\textsuperscript{1}",
    "\\textsuperscript{2}",
    "\\textsuperscript{3}",
)
SYMBOLS = _SYMBOLS
"""Non-ASCII characters pdflatex cannot typeset from UTF-8 -> the LaTeX that does."""


_NO_GLYPH = frozenset("\u0126\u0138\u0166\u0167")
"""Letters in those ranges that no pdflatex text font has (Ħ ĸ Ŧ ŧ): kept, but not promised."""


def _ranges(*spans: tuple[int, int]) -> frozenset[str]:
    return frozenset(chr(c) for lo, hi in spans for c in range(lo, hi + 1))


PDFLATEX_UTF8 = frozenset(
    c
    for c in _ranges(
        (0x00C0, 0x017E), (0x01C4, 0x01D4), (0x01E2, 0x01E3), (0x01E6, 0x01E9), (0x01F4, 0x01F5)
    )
    | _ranges((0x0218, 0x021B), (0x0232, 0x0233))
    if unicodedata.category(c).startswith("L") and c not in SYMBOLS and c not in _NO_GLYPH
) | frozenset("\u2010\u2012\u2013\u2014\u2015\u2018\u2019\u201c\u201d\u2026")
"""Characters LaTeX's UTF-8 input typesets in pdflatex (letters with T1 fonts, the Latin-1
and Latin Extended-A ones also with the default OT1 where OT1 has the accent): kept as UTF-8.
Measured by compiling every character of U+00A0-U+024F and U+2010-U+203F; the suite checks it."""

_cache: dict[str, dict[str, str]] = {"ascii": dict(SPECIALS), "pdflatex": dict(SPECIALS)}


def _latexcodec(char: str) -> str | None:
    """latexcodec's form of a letter (``\\'e``, ``\\o``) braced for BibTeX, or None."""
    if not unicodedata.category(char).startswith("L"):
        return None  # its symbol forms are not all valid LaTeX (``\\yen``, ``\\not{c}``)
    try:
        text = codecs.encode(char, "ulatex+ascii")
    except (UnicodeEncodeError, ValueError):
        return None
    if not isinstance(text, str) or not text.isascii() or not _balanced(text):
        return None
    if "\\" in text or "$" in text:
        return "{" + text + "}"
    return text


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def _compatible(char: str, form: Callable[[str], str]) -> str:
    """A ligature, full-width or styled letter (ﬁ, Ａ, 𝛽) by its compatibility form, else as is."""
    plain = unicodedata.normalize("NFKC", char)
    if plain == char:
        return char
    return "".join(c if c.isascii() and c not in SPECIALS else form(c) for c in plain)


_ASCII_PUNCTUATION = {
    "\u2010": "-",
    "\u2012": "--",
    "\u2013": "--",
    "\u2014": "---",
    "\u2015": "---",
    "\u2018": "`",
    "\u2019": "'",
    "\u201c": "``",
    "\u201d": "''",
    "\u2026": "{\\ldots}",
    "\u00a1": "{\\textexclamdown}",
    "\u00bf": "{\\textquestiondown}",
}
"""What pdflatex reads as UTF-8 but classic BibTeX output writes in ASCII."""


def _ascii_form(char: str) -> str:
    punctuation = _ASCII_PUNCTUATION.get(char)
    if punctuation is not None:
        return punctuation
    symbol = SYMBOLS.get(char)
    if symbol is not None:
        return "{" + symbol + "}"
    return _latexcodec(char) or _compatible(char, _ascii_form)


def _pdflatex_form(char: str) -> str:
    if char in PDFLATEX_UTF8:
        return char
    symbol = SYMBOLS.get(char)
    if symbol is not None:
        return "{" + symbol + "}"
    return _compatible(char, _pdflatex_form)


def _replacer(kind: str, form: Callable[[str], str]) -> Callable[[re.Match[str]], str]:
    table = _cache[kind]

    def replace(match: re.Match[str]) -> str:
        char = match.group()
        out = table.get(char)
        if out is None:
            out = table[char] = form(char)
        return out

    return replace


_replace_ascii = _replacer("ascii", _ascii_form)
_replace_pdflatex = _replacer("pdflatex", _pdflatex_form)


def _plain(text: str) -> bool:
    """The fast path: ASCII with nothing to escape or tidy (most of PubMed's text)."""
    return (
        text.isascii()
        and _SLOW_ASCII.search(text) is None
        and "  " not in text
        and text[0] != " "
        and text[-1] != " "
    )


def tex_ascii(text: str | None) -> str:
    """``text`` as safe LaTeX in pure ASCII wherever LaTeX can name the character (BibTeX)."""
    if not text:
        return ""
    if _plain(text):
        return text
    return _SLOW_ANY.sub(_replace_ascii, common.clean_text(text))


def tex_pdflatex(text: str | None) -> str:
    """``text`` as safe LaTeX that pdflatex typesets; letters stay UTF-8 (BibLaTeX default)."""
    if not text:
        return ""
    if _plain(text):
        return text
    return _SLOW_ANY.sub(_replace_pdflatex, common.clean_text(text))


def _special(match: re.Match[str]) -> str:
    return SPECIALS[match.group()]


def tex_unicode(text: str | None) -> str:
    """``text`` as safe LaTeX, all non-ASCII kept as UTF-8 (BibLaTeX for lualatex/xelatex)."""
    if not text:
        return ""
    if _plain(text):
        return text
    return _SPECIAL_RE.sub(_special, common.clean_text(text))


tex_utf8 = tex_unicode
"""The older name of :func:`tex_unicode`."""
