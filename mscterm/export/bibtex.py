"""BibTeX entries that compile cleanly with classic BibTeX styles and can never inject TeX.

The text is written here directly rather than by pybtex's writer: pybtex's writer plus latexcodec
take about 5 s for 10,000 records, while most PubMed text is plain ASCII needing no work at all.
Every value takes a fast path (``isascii`` and no special character: used as is) or the slow path
(NFC, controls dropped, the ten TeX specials replaced by commands, non-ASCII letters by
latexcodec's forms wrapped in braces, ``{\\"u}``, so BibTeX treats them as one letter).
:func:`to_pybtex` builds the same entries in pybtex's data model; the tests parse the written text
back with pybtex and compare.

Decisions
---------
* Braces from the data are written as ``\\textbraceleft{}``/``\\textbraceright{}`` rather than
  ``\\{``: BibTeX counts ``\\{`` as a brace, so an unbalanced brace in a title would otherwise
  break the whole file. Every brace in the output is therefore one this module put there.
* Title protection: BibTeX styles lower-case titles. PubMed titles are in sentence case, so any
  capital they contain after the first letter of the title is meaningful (acronyms, genes,
  proper nouns): every word with such a capital is wrapped in braces (``{MSCs}``, ``{HLA-DR}``,
  ``{Wharton's}``); the first word is protected only if it has an internal capital. A title in
  Title Case (every word of four letters or more capitalised -- seed records, some publishers)
  is the exception: there only words with a capital after their first letter or mixing capitals
  and digits are protected (``{MSCs}``, ``{P450}``), and the style may re-case the rest.
* An article that lacks what ``plain.bst`` requires (author, year or journal) is written as
  ``@misc`` with ``howpublished``, so BibTeX reports no warning for it; its other fields are kept.
* Characters latexcodec cannot express (e.g. CJK) are kept as UTF-8: dropping them would lose
  data; a UTF-8 LaTeX document with a suitable font prints them.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import latexcodec  # noqa: F401  (registers the "ulatex" codecs)

from mscterm.export import common
from mscterm.model import Author, Record

if TYPE_CHECKING:
    from pybtex.database import BibliographyData, Entry

Encoder = Callable[[str], str]

_TEX_SPECIALS = {
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
_char_cache: dict[str, str] = dict(_TEX_SPECIALS)


def _latex_char(char: str) -> str:
    """One non-ASCII character as pybtex/BibTeX-friendly LaTeX (``{\\o}``, ``{\\"u}``)."""
    try:
        text = codecs.encode(char, "ulatex+ascii")
    except (UnicodeEncodeError, ValueError):
        return char
    if not isinstance(text, str) or not text.isascii() or not _balanced(text):
        return char
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


def _replace(match: re.Match[str]) -> str:
    char = match.group()
    out = _char_cache.get(char)
    if out is None:
        out = _char_cache[char] = _latex_char(char)
    return out


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
    """``text`` as safe LaTeX in pure ASCII where latexcodec can (the BibTeX encoding)."""
    if not text:
        return ""
    if _plain(text):
        return text
    return _SLOW_ANY.sub(_replace, common.clean_text(text))


def _special(match: re.Match[str]) -> str:
    return _TEX_SPECIALS[match.group()]


def tex_utf8(text: str | None) -> str:
    """``text`` as safe LaTeX, non-ASCII kept as UTF-8 (BibLaTeX with biber)."""
    if not text:
        return ""
    if _plain(text):
        return text
    return _SPECIAL_RE.sub(_special, common.clean_text(text))


_CORE = re.compile(r"^(\W*)(.*?)(\W*)$", re.S)


def _needs_braces(core: str, first: bool, title_case: bool) -> bool:
    if not core:
        return False
    if title_case:
        # Capitals that title case explains carry no information; acronyms, gene and chemical
        # names (MSCs, HLA-DR, P450, Cu2O) still do.
        return any(
            any(c.isupper() for c in seg[1:])
            or (any(c.isdigit() for c in seg) and any(c.isupper() for c in seg))
            for seg in core.split("-")
        )
    if any(c.isupper() for c in core[1:]):
        return True
    return not first and core[0].isupper()


def is_title_case(words: list[str]) -> bool:
    """True for ``Safety of Mesenchymal Stem Cells``-style titles (every long word capitalised).

    PubMed titles are sentence case, but seed records and some publisher-supplied records are in
    title case; there the capitals say nothing about proper nouns.
    """
    long_words = [
        w
        for w in (_CORE.match(x).group(2) for x in words[1:])  # type: ignore[union-attr]
        if len(w) >= 4 and w[0].isalpha() and w.lower() not in _TITLE_STOP
    ]
    return len(long_words) >= 3 and all(w[0].isupper() for w in long_words)


_TITLE_STOP = frozenset({"from", "with", "into", "onto", "upon", "over", "than", "that", "versus"})


def _wrap(encoded: str) -> str:
    # "{\x..." would be read by BibTeX as a special character (whose letters it may re-case).
    return "{{" + encoded + "}}" if encoded.startswith("\\") else "{" + encoded + "}"


def protect_title(title: str, enc: Encoder) -> str:
    """``title`` encoded with ``enc``, words with meaningful capitals wrapped in braces."""
    if not title:
        return ""
    rest = title[1:]
    if rest.lower() == rest:  # no capital after the first letter: nothing to protect
        return enc(title)
    out = []
    words = title.split(" ")
    title_case = is_title_case(words)
    for i, word in enumerate(words):
        m = _CORE.match(word)
        assert m is not None
        lead, core, trail = m.groups()
        if _needs_braces(core, first=(i == 0 and not lead), title_case=title_case):
            out.append(enc(lead) + _wrap(enc(core)) + enc(trail))
        else:
            out.append(enc(word))
    return " ".join(out)


_AND = re.compile(r"(?i)(^|\s)and(\s|$)")


def _name_part(text: str, enc: Encoder) -> str:
    encoded = enc(text)
    if "," in text or _AND.search(text):
        return _wrap(encoded)
    return encoded


def format_name(author: Author, enc: Encoder) -> str:
    """``Family, Given`` / ``Family, Suffix, Given``; a collective as one braced name."""
    family = common.clean_text(author.family)
    if author.collective and not family:
        name = common.clean_text(author.collective)
        return "{" + enc(name) + "}" if name else ""
    given = common.given_name(author)
    if not family:
        family, given = given, ""
    if not family:
        return ""
    out = _name_part(family, enc)
    suffix = common.clean_text(author.suffix)
    if suffix and given:
        out += ", " + _name_part(suffix, enc)
    if given:
        out += ", " + _name_part(given, enc)
    return out


def format_names(people: Iterable[Author], enc: Encoder, *, complete: bool | None = True) -> str:
    """Names joined by `` and ``, ending in ``and others`` when the list may be partial."""
    names = [n for n in (format_name(a, enc) for a in people) if n]
    if names and complete is False:
        names.append("others")
    return " and ".join(names)


@dataclass(slots=True)
class BibEntry:
    """One entry as written: type, key, fields in order (values already TeX-encoded).

    ``macros`` names fields whose value is a bare BibTeX macro (``month = jan``).
    """

    type: str
    key: str
    fields: list[tuple[str, str]] = field(default_factory=list)
    macros: frozenset[str] = frozenset()


def build_entry(
    record: Record, key: str, *, include_abstract: bool = False, enc: Encoder = tex_ascii
) -> BibEntry:
    """The BibTeX entry for ``record`` under ``key``.

    With ``include_abstract`` the abstract and the MeSH/author keywords are added: they make a
    .bib much larger, so they come only when asked for.
    """
    kind = common.kind(record)
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        if value:
            fields.append((name, value))

    authors = format_names(record.authors, enc, complete=record.authors_complete)
    editors = format_names(record.book.editors, enc) if record.book else ""
    title = protect_title(common.title_text(record), enc)
    year = str(record.year) if record.year else ""
    month = common.month_of(record)
    journal = enc(common.clean_text(record.journal or record.journal_abbrev))
    publisher = enc(common.clean_text(record.book.publisher)) if record.book else ""

    if kind == "article":
        etype = "article" if authors and year and journal and title else "misc"
        add("author", authors)
        add("title", title)
        add("journal", journal)
        if etype == "misc":
            add("howpublished", journal)
    else:
        booktitle = protect_title(common.book_title(record), enc)
        if kind == "book":
            etype = "book" if (authors or editors) and booktitle and publisher and year else "misc"
            add("author", authors)
            if not authors or etype == "misc":
                add("editor", editors)  # plain.bst rejects a book with both
            add("title", booktitle)
        else:
            etype = "incollection" if authors and title and publisher and year else "misc"
            add("author", authors)
            add("editor", editors)
            add("title", title)
            add("booktitle", booktitle)
        add("publisher", publisher)
        if etype == "misc":
            add("howpublished", booktitle if kind == "chapter" else publisher)
    if not authors and not (editors and etype == "book"):
        # plain.bst sorts by author, else by ``key``: without one it warns "to sort, need…".
        add("key", enc(common.title_text(record) or common.book_title(record)) or key)
    add("year", year)
    macros: frozenset[str] = frozenset()
    if month:
        fields.append(("month", common.MONTH_MACROS[month - 1]))
        macros = frozenset({"month"})
    if kind == "article":
        add("volume", enc(common.clean_text(record.volume)))
        add("number", enc(common.clean_text(record.issue)))
    add("pages", enc(common.pages_with(record.pages, "--")))
    add("doi", common.safe_doi(record.doi))
    add("pmid", common.safe_id(record.pmid))
    add("pmcid", common.safe_id(record.pmcid))
    add("url", common.pubmed_url(record))
    add("note", common.retraction_note(record))
    if include_abstract:
        add("abstract", enc(common.abstract_text(record)))
        add("keywords", ", ".join(enc(k) for k in common.keyword_list(record)))
    return BibEntry(etype, key, fields, macros)


def render(entry: BibEntry) -> str:
    """The entry as BibTeX text (one field a line, brace-delimited values)."""
    lines = [f"@{entry.type}{{{entry.key},"]
    for name, value in entry.fields:
        if name in entry.macros:
            lines.append(f"  {name} = {value},")
        else:
            lines.append(f"  {name} = {{{value}}},")
    lines.append("}\n")
    return "\n".join(lines)


def export_bibtex(
    records: Iterable[Record], keys: Mapping[str, str], *, include_abstract: bool = False
) -> str:
    """All ``records`` as a BibTeX file (pure ASCII where latexcodec can express the text)."""
    return "\n".join(
        render(build_entry(r, keys[r.id], include_abstract=include_abstract)) for r in records
    )


def to_pybtex(entries: Iterable[BibEntry]) -> BibliographyData:
    """The entries in pybtex's data model, as pybtex itself would parse the written text.

    Used by the round-trip tests and by anyone who wants pybtex objects rather than text.
    """
    from pybtex.database import BibliographyData

    data = BibliographyData()
    for entry in entries:
        data.add_entry(entry.key, to_pybtex_entry(entry))
    return data


def to_pybtex_entry(entry: BibEntry) -> Entry:
    """One :class:`BibEntry` as a pybtex ``Entry`` (persons split out, month macro expanded)."""
    from pybtex.database import Entry, Person

    fields = []
    persons: dict[str, list[Person]] = {}
    for name, value in entry.fields:
        if name in ("author", "editor"):
            persons[name] = [Person(p) for p in _split_and(value)]
        elif name == "month" and name in entry.macros:
            fields.append((name, common.MONTH_NAMES[common.MONTH_MACROS.index(value)]))
        else:
            fields.append((name, value))
    return Entry(entry.type, fields=fields, persons=persons)


def _split_and(value: str) -> list[str]:
    """Split a names field on top-level `` and `` (as BibTeX does, braces protect)."""
    out, depth, start, i = [], 0, 0, 0
    low = value.lower()
    while i < len(value):
        c = value[i]
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
        elif depth == 0 and low.startswith(" and ", i):
            out.append(value[start:i])
            i += 5
            start = i
            continue
        i += 1
    out.append(value[start:])
    return [p.strip() for p in out if p.strip()]
