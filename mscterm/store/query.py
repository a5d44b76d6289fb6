"""The offline search's query language: what a user types, turned into a tree of terms.

User text never reaches FTS5's own syntax: the query is parsed here and every term is re-quoted,
so stray quotes, brackets, ``NEAR(``, ``*``, ``^`` or control characters are ignored or searched
as plain words, never raised as an SQLite error. An empty query (or one of operators only)
finds nothing. The index that runs the expressions is :mod:`mscterm.store.fts`.

Query language (:data:`QUERY_HELP` in :mod:`.queryhelp` is the user's version)
-----------------------------------------------------------------------------
- ``mesenchymal transformation``: every word must match (AND), in any field. Words are stemmed
  (``cells`` finds ``cell``, ``transformed`` finds ``transformation``) and accents are folded.
- ``mesench*``: prefix match. ``search(..., prefix_last=True)`` (type-ahead in the TUI) treats
  the last word (or a filter's value) as a prefix too, so results appear while typing.
- ``"exact phrase"``: the words in this order.
- Fields: ``ti:`` title · ``ab:`` abstract · ``au:`` authors (family, given, initials,
  collective) · ``jo:`` journal (full name and abbreviation) · ``mesh:`` MeSH descriptors and
  qualifiers · ``kw:`` keywords · ``pmid:15833829`` · ``pmcid:PMC3363282`` · ``doi:10.1158/…``
  (a ``https://doi.org/…`` address is a DOI too) · ``year:2012``, ``year:2010-2015``,
  ``year:2010-`` (from 2010 on). A field takes a word, a ``prefix*`` or a ``"phrase"``.
- Filters on a record's facts (tokens of the ``meta`` column; values read by :mod:`.filters`):
  ``is:retracted``; ``pt:<type>`` (:mod:`.pubtypes`: PubMed's names, aliases, narrower types);
  ``has:abstract``, ``has:doi``, ``has:pmcid``. A bare ``retracted`` means ``is:retracted``
  (``transformation -retracted`` leaves the retracted papers out); ``"retracted"`` in quotes or
  ``ti:retracted`` is the word.
- ``OR`` (upper case, like PubMed) between two terms: ``tumor OR tumour``. ``OR`` binds tighter
  than the implicit AND: ``msc tumor OR cancer`` means ``msc AND (tumor OR cancer)``;
  parentheses group anything else. ``-term`` or ``NOT term`` excludes.

Hints, not silent zero hits: an unknown field prefix (``foo:bar``: searched as its words) or a
value a field cannot take (``year:abc``, ``pt:nonsense``, ``is:new``: matches nothing) leaves one
line in :attr:`Parsed.hints`. A colon inside a word (a DOI's) or before a space (a pasted title,
``Stem cells: safety``) is not a field.

This module parses (:func:`parse_query`, a tolerant recursive descent: bad syntax is dropped,
never an error); :mod:`mscterm.store.ranking` compiles the tree into FTS5 tiers and runs them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from mscterm.store import filters
from mscterm.store.filters import FLAGS, RETRACTED_TOKEN, Year
from mscterm.store.queryhelp import QUERY_HELP

__all__ = ["FLAGS", "QUERY_HELP", "Leaf", "Node", "Parsed", "Year", "parse", "parse_query"]

MAX_TERMS = 64
"""Terms beyond this are ignored: a pasted abstract must not build an unbounded FTS5 query."""
MAX_QUERY_CHARS = 4000

_FIELDS = {
    "ti": "title", "title": "title", "ab": "abstract", "abstract": "abstract",
    "au": "authors", "author": "authors", "jo": "journal", "journal": "journal",
    "ta": "journal", "mesh": "mesh", "mh": "mesh", "kw": "keywords", "keyword": "keywords",
    "pmid": "pmid", "doi": "doi", "pmcid": "pmcid", "pmc": "pmcid", "year": "year",
    "dp": "year", "pt": "pt", "type": "pt", "is": "is", "has": "has",
}  # fmt: skip
FIELD_LIST = "ti ab au jo mesh kw year pmid doi pt is has"
ALL_TOKEN = "qqallrecords"
"""A token every row has in ``meta``: the "everything" of a query made of exclusions only."""
NONE_TOKEN = "qqnomatch"
"""A token no row has: a field value that cannot match (``pmid:abc``)."""
YEAR_SHIFT = 40
MONTH_SHIFT = 36
"""An index rowid is ``year << 40 | month << 36 | sequence``: rowid order is date order."""
FOLD_TABLE = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d",
     "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")
_DOI_URL = re.compile(r"(?:https?:)?(?://)?(?:dx\.)?doi\.org/(10\.\S+)", re.IGNORECASE)


@dataclass(slots=True)
class Leaf:
    """One searchable term: a word or phrase (``text``) in a column (None = every column)."""

    text: str
    column: str | None = None
    prefix: bool = False
    raw: bool = False  # ``text`` is already an FTS5 expression (meta tokens, the ALL token)


@dataclass(slots=True)
class Node:
    """``and`` / ``or`` over children; ``negated`` children of an ``and`` are excluded."""

    op: str
    children: list[Node | Leaf | Year] = field(default_factory=list)
    negated: list[bool] = field(default_factory=list)


@dataclass(slots=True)
class Parsed:
    """The tree of a query and the hints about it (one line each, first problem first)."""

    tree: Node
    hints: list[str] = field(default_factory=list)


_LEX = re.compile(
    r"""
    (?P<lp>\()|(?P<rp>\))
    |(?P<neg>-)(?=[^\s-])
    |(?P<field>[A-Za-z]+):(?:"(?P<fphrase>[^"]*)(?:"|$)|(?P<fword>[^\s()"]+)|(?=[\s()]|$))
    |"(?P<phrase>[^"]*)(?:"|$)
    |(?P<word>[^\s()"]+)
    """,
    re.VERBOSE,
)


def clean_query(text: str) -> str:
    """User text made safe for SQLite: valid UTF-8, no control characters, bounded length."""
    text = text.encode("utf-8", "replace").decode("utf-8", "replace")
    text = _ANSI.sub(" ", text)  # a pasted terminal escape is not part of a word
    text = _CONTROL.sub(" ", text)
    return text[:MAX_QUERY_CHARS]


def fold(text: str) -> str:
    """Letters FTS5's ``remove_diacritics`` leaves alone, spelled out (ø -> o, ß -> ss)."""
    return text.translate(FOLD_TABLE)


def has_token(text: str) -> bool:
    """Whether FTS5's unicode61 tokenizer would find at least one token in ``text``."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


def _meta(*tokens: str) -> Leaf:
    """A raw leaf matching records whose ``meta`` column has any of ``tokens``."""
    body = tokens[0] if len(tokens) == 1 else "(" + " OR ".join(tokens) + ")"
    return Leaf(body, "meta", raw=True)


class Parser:
    """Recursive descent over the lexemes; tolerant: bad syntax is dropped, never an error."""

    def __init__(self, text: str, prefix_last: bool) -> None:
        self.tokens: list[tuple[str, str]] = []
        self.hints: list[str] = []
        for m in _LEX.finditer(text):
            name = (m.group("field") or "").lower()
            if name:
                self._lex_field(name, m.group("field"), m.group("fword"), m.group("fphrase"))
                continue
            for kind in ("lp", "rp", "neg", "phrase", "word"):
                if m.group(kind) is not None:
                    self.tokens.append((kind, m.group(kind)))
                    break
        # Type-ahead: the word under the cursor is unfinished unless a space follows it.
        self.prefix_last = prefix_last and bool(text) and not text[-1].isspace()
        self.pos = 0
        self.terms = 0

    def _lex_field(self, name: str, typed: str, word: str | None, phrase: str | None) -> None:
        if name in _FIELDS:
            if phrase is not None:
                self.tokens.append(("f:" + _FIELDS[name], "p:" + phrase))
            elif word is not None:
                self.tokens.append(("f:" + _FIELDS[name], word))
            # else "au:" with nothing after it yet: ignored until typed
            return
        if name in ("http", "https") and word and _DOI_URL.fullmatch(f"{name}:{word}"):
            self.tokens.append(("f:doi", f"{name}:{word}"))
            return
        # Not a field of ours: its words, ANDed. With a value glued to it ("foo:bar") it was
        # meant as a field: say so. "cells: safety" (a pasted title) or a URL is just text.
        glued = bool(word or phrase) and name not in ("http", "https")
        self.tokens.append(("xfield" if glued else "word", typed))
        if word or phrase:
            self.tokens.append(("word" if word else "phrase", word or phrase or ""))

    def _hint(self, text: str) -> None:
        if text not in self.hints:
            self.hints.append(text)

    def parse(self) -> Node:
        node = Node("and")
        while self.pos < len(self.tokens):
            before = self.pos
            self._and_list(node)
            if self.pos == before:  # a stray ")" at the top level: skip it
                self.pos += 1
        return node

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _and_list(self, node: Node) -> None:
        while (tok := self._peek()) is not None:
            kind, value = tok
            if kind == "rp":
                return
            if kind == "word" and value == "AND":
                self.pos += 1
                continue
            negate = False
            if kind == "neg" or (kind == "word" and value == "NOT"):
                self.pos += 1
                negate = True
            item = self._or_group()
            if item is None:
                continue
            node.children.append(item)
            node.negated.append(negate)

    def _or_group(self) -> Node | Leaf | Year | None:
        first = self._unary()
        items = [first] if first is not None else []
        while (tok := self._peek()) is not None and tok == ("word", "OR"):
            self.pos += 1
            nxt = self._unary()
            if nxt is not None:
                items.append(nxt)
        if not items:
            return None
        if len(items) == 1:
            return items[0]
        return Node("or", items, [False] * len(items))

    def _unary(self) -> Node | Leaf | Year | None:
        tok = self._peek()
        if tok is None:
            return None
        kind, value = tok
        if kind == "rp":
            return None
        self.pos += 1
        if kind == "lp":
            inner = Node("and")
            self._and_list(inner)
            if self._peek() == ("rp", ")"):
                self.pos += 1
            if not inner.children:
                return None
            if len(inner.children) == 1 and not inner.negated[0]:
                return inner.children[0]
            return inner
        if kind in ("neg",) or (kind == "word" and value in ("OR", "AND", "NOT")):
            return None
        last = self.pos == len(self.tokens)
        item: Leaf | Year | None = None
        if kind == "xfield":
            self._hint(f"{value}: is not a field (searched as words); fields: {FIELD_LIST}")
            item = self._leaf(value, None, False)
        elif kind == "word":
            item = self._word(value, last)
        elif kind == "phrase":
            item = self._leaf(value, None, False, phrase=True)
        elif kind.startswith("f:"):
            phrase = value.startswith("p:")
            text = value[2:] if phrase else value
            item = self._field(kind[2:], text, phrase, last)
        if item is None:
            return None
        self.terms += 1
        return item if self.terms <= MAX_TERMS else None

    def _word(self, text: str, last: bool) -> Leaf | Year | None:
        if text.casefold() == "retracted":  # the status, as a user means it (not the word)
            return _meta(RETRACTED_TOKEN)
        if _DOI_URL.fullmatch(text):
            return self._field("doi", text, False, last)
        return self._leaf(text, None, last)

    def _leaf(self, text: str, column: str | None, last: bool, phrase: bool = False) -> Leaf | None:
        prefix = False
        if not phrase:
            if text.endswith("*"):
                prefix = True
                text = text.rstrip("*")
            elif last and self.prefix_last:
                prefix = True
        if not has_token(text):
            return None
        return Leaf(fold(text).lower(), column, prefix)

    def _field(self, column: str, text: str, phrase: bool, last: bool) -> Leaf | Year | None:
        if column in filters.FIELDS:
            value, hint = filters.meaning(column, text, last and self.prefix_last and not phrase)
            if hint:
                self._hint(hint)
            if value is None or isinstance(value, Year):
                return value
            return _meta(*value) if value else _meta(NONE_TOKEN)
        if column in ("doi", "pmcid"):
            low = text.strip().lower()
            if m := _DOI_URL.fullmatch(low):
                low = m.group(1)
            low = low.removeprefix("doi:")
            if column == "pmcid" and low.isdigit():
                low = "pmc" + low
            return Leaf(low, "ids") if has_token(low) else None
        return self._leaf(text, column, last, phrase)


def parse_query(query: str, prefix_last: bool = False) -> Parsed:
    """The parse tree of a user query (an ``and`` node; no children: nothing searchable) and
    the hints about what in it could not be understood."""
    parser = Parser(clean_query(query), prefix_last)
    tree = parser.parse()
    return Parsed(tree, parser.hints)


def parse(query: str, prefix_last: bool = False) -> Node:
    """The parse tree of a user query (see :func:`parse_query` for its hints)."""
    return parse_query(query, prefix_last).tree
