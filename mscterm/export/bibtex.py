"""BibTeX entries that compile cleanly with classic BibTeX styles and can never inject TeX.

The text is written here directly rather than by pybtex's writer: pybtex's writer plus latexcodec
take about 5 s for 10,000 records, while most PubMed text is plain ASCII needing no work at all.
Every value takes a fast path (``isascii`` and no special character: used as is) or the slow path
(NFC, controls dropped, the TeX specials replaced by commands, non-ASCII by LaTeX wrapped in
braces, ``{\\"u}``, ``{\\ensuremath{\\beta}}``: see :mod:`mscterm.export.latex`).
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
  Title Case (the words of four letters or more capitalised, allowing one lower-case word in
  five such as a species epithet -- seed records, some publishers) is the exception: there
  only words with a capital after their first letter or mixing capitals and digits are
  protected (``{MSCs}``, ``{P450}``), and the style may re-case the rest.
* An article that lacks what ``plain.bst`` requires (author, year or journal) is written as
  ``@misc`` with ``howpublished``, so BibTeX reports no warning for it; its other fields are kept.
* A protected word keeps its brackets paired inside the braces: ``{(13)C}``, not ``({13)C}``.
* Keywords containing a comma (MeSH's "Cell Transformation, Neoplastic") are braced, so tools
  that split ``keywords`` on commas (biblatex, JabRef) keep them whole.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mscterm.export import common
from mscterm.export.latex import Encoder, tex_ascii, tex_pdflatex, tex_unicode, tex_utf8
from mscterm.export.options import DEFAULT_OPTIONS, ExportOptions
from mscterm.model import Author, Record

if TYPE_CHECKING:
    from pybtex.database import BibliographyData, Entry

__all__ = [
    "BibEntry",
    "build_entry",
    "export_bibtex",
    "format_names",
    "protect_title",
    "render",
    "tex_ascii",
    "tex_pdflatex",
    "tex_unicode",
    "tex_utf8",
    "to_pybtex",
]

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
    """True for ``Safety of Mesenchymal Stem Cells``-style titles (long words capitalised).

    PubMed titles are sentence case, but seed records and some publisher-supplied records are in
    title case; there the capitals say nothing about proper nouns. One lower-case long word in
    five is allowed (``Stem Cells of Canis familiaris``: the epithet stays lower case).
    """
    long_words = [
        w
        for w in (_CORE.match(x).group(2) for x in words[1:])  # type: ignore[union-attr]
        if len(w) >= 4 and w[0].isalpha() and w.lower() not in _TITLE_STOP
    ]
    lower = sum(1 for w in long_words if not w[0].isupper())
    return len(long_words) - lower >= 3 and lower <= max(1, len(long_words) // 5)


_TITLE_STOP = frozenset({"from", "with", "into", "onto", "upon", "over", "than", "that", "versus"})


def _wrap(encoded: str) -> str:
    # "{\x..." would be read by BibTeX as a special character (whose letters it may re-case).
    return "{{" + encoded + "}}" if encoded.startswith("\\") else "{" + encoded + "}"


_OPENERS = {"(": ")", "[": "]"}


def _split_word(word: str) -> tuple[str, str, str]:
    """Leading punctuation, the word, trailing punctuation -- brackets kept paired in the word."""
    m = _CORE.match(word)
    assert m is not None
    lead, core, trail = m.groups()
    for opener, closer in _OPENERS.items():
        if core.count(closer) > core.count(opener) and opener in lead:
            at = lead.rindex(opener)
            lead, core = lead[:at], lead[at:] + core
        if core.count(opener) > core.count(closer) and closer in trail:
            at = trail.index(closer) + 1
            core, trail = core + trail[:at], trail[at:]
    return lead, core, trail


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
        lead, core, trail = _split_word(word)
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


def keywords_field(words: Iterable[str], enc: Encoder) -> str:
    """Keywords joined by commas, each one with a comma of its own braced (kept whole)."""
    out = []
    for word in words:
        text = enc(common.clean_text(word))
        if text:
            out.append("{" + text + "}" if "," in text else text)
    return ", ".join(out)


def entry_keywords(record: Record, options: ExportOptions) -> list[str]:
    """MeSH and author keywords (with ``--abstracts``), then the record's tags; no repeats."""
    words = common.keyword_list(record) if options.include_abstract else []
    note = options.annotation(record.id)
    if note is not None:
        seen = {w.casefold() for w in words}
        words += [t for t in map(common.clean_text, note.tags) if t and t.casefold() not in seen]
    return words


def build_entry(
    record: Record,
    key: str,
    options: ExportOptions = DEFAULT_OPTIONS,
    *,
    enc: Encoder = tex_ascii,
) -> BibEntry:
    """The BibTeX entry for ``record`` under ``key``.

    With ``options.include_abstract`` the abstract and the MeSH/author keywords are added: they
    make a .bib much larger, so they come only when asked for. A record's tags go to
    ``keywords`` and its note to ``annote`` (the field Zotero and ``annotate.bst`` read; classic
    styles print neither).
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
    journal = enc(common.journal_title(record, options.journal))
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
        add("address", enc(common.clean_text(record.book.location)) if record.book else "")
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
    if options.include_abstract:
        add("abstract", enc(common.abstract_text(record)))
    add("keywords", keywords_field(entry_keywords(record, options), enc))
    annotation = options.annotation(record.id)
    if annotation is not None:
        add("annote", enc(annotation.note))
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
    records: Iterable[Record], keys: Mapping[str, str], options: ExportOptions = DEFAULT_OPTIONS
) -> str:
    """All ``records`` as a BibTeX file (pure ASCII where LaTeX can name the characters)."""
    return "\n".join(render(build_entry(r, keys[r.id], options)) for r in records)


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
