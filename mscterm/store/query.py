"""The offline search's query language: what a user types, turned into FTS5 expressions.

User text never reaches FTS5's own syntax: the query is parsed here and every term is re-quoted,
so stray quotes, brackets, ``NEAR(``, ``*``, ``^`` or control characters are ignored or searched
as plain words, never raised as an SQLite error. An empty query (or one of operators only)
finds nothing. The index that runs the expressions is :mod:`mscterm.store.fts`.

Query language (also :data:`QUERY_HELP`, shown by the TUI help screen)
----------------------------------------------------------------------
- ``mesenchymal transformation``: every word must match (AND), in any field. Words are stemmed
  (``cells`` finds ``cell``, ``transformed`` finds ``transformation``) and accents are folded.
- ``mesench*``: prefix match. ``search(..., prefix_last=True)`` (type-ahead in the TUI) treats
  the last word as a prefix too, so results appear while a word is still being typed.
- ``"exact phrase"``: the words in this order.
- Fields: ``ti:`` title · ``ab:`` abstract · ``au:`` authors (family, given, initials,
  collective) · ``jo:`` journal (full name and abbreviation) · ``mesh:`` MeSH descriptors and
  qualifiers · ``kw:`` keywords · ``pmid:15833829`` · ``doi:10.1158/…`` · ``year:2012``,
  ``year:2010-2015``, ``year:2010-`` (from 2010 on). A field takes a word, a ``prefix*`` or a
  ``"phrase"``: ``mesh:"cell transformation, neoplastic"``.
- ``OR`` (upper case, like PubMed) between two terms: ``tumor OR tumour``. ``OR`` binds tighter
  than the implicit AND: ``msc tumor OR cancer`` means ``msc AND (tumor OR cancer)``;
  parentheses group anything else.
- ``-word`` or ``NOT word`` excludes: ``transformation -retracted``.

This module parses (:func:`parse`, a tolerant recursive descent: bad syntax is dropped, never
an error); :mod:`mscterm.store.ranking` compiles the tree into FTS5 tiers and runs them.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

QUERY_HELP = """\
Search the records in the local cache (works offline).

  mesenchymal transformation   every word must match, in any field (cells = cell, …)
  mesench*                     words starting with "mesench"
  "spontaneous transformation" the exact phrase
  ti:sarcoma   ab:karyotype    title only · abstract only
  au:rubio     jo:cytotherapy  author · journal (name or abbreviation)
  mesh:"cell transformation, neoplastic"   MeSH heading or qualifier
  kw:senescence                author keywords
  year:2012    year:2010-2015  year:2010-   publication year, range, from a year on
  pmid:15833829   doi:10.1158/0008-5472.CAN-04-4194
  tumor OR tumour              either word (OR in capitals; binds tighter than AND)
  -retracted   NOT mouse       leave out records with the word
  ( … )                        group terms: (tumor OR cancer) -review

Records with every word in the title come first, then the best matches; newer first among
equals. When a query matches most of the cache, the most relevant recent records are shown.
"""

MAX_TERMS = 64
"""Terms beyond this are ignored: a pasted abstract must not build an unbounded FTS5 query."""
MAX_QUERY_CHARS = 4000

_FIELDS = {
    "ti": "title", "title": "title", "ab": "abstract", "abstract": "abstract",
    "au": "authors", "author": "authors", "jo": "journal", "journal": "journal",
    "ta": "journal", "mesh": "mesh", "mh": "mesh", "kw": "keywords", "keyword": "keywords",
    "pmid": "pmid", "doi": "doi", "year": "year", "dp": "year",
}  # fmt: skip
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


@dataclass(slots=True)
class Leaf:
    """One searchable term: a word or phrase (``text``) in a column (None = every column)."""

    text: str
    column: str | None = None
    prefix: bool = False
    raw: bool = False  # ``text`` is already an FTS5 expression (year tokens, the ALL token)


@dataclass(slots=True)
class Year:
    """A ``year:`` term: an inclusive range."""

    lo: int
    hi: int


@dataclass(slots=True)
class Node:
    """``and`` / ``or`` over children; ``negated`` children of an ``and`` are excluded."""

    op: str
    children: list[Node | Leaf | Year] = field(default_factory=list)
    negated: list[bool] = field(default_factory=list)


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


class Parser:
    """Recursive descent over the lexemes; tolerant: bad syntax is dropped, never an error."""

    def __init__(self, text: str, prefix_last: bool) -> None:
        self.tokens: list[tuple[str, str]] = []
        for m in _LEX.finditer(text):
            name = (m.group("field") or "").lower()
            if name:
                if name in _FIELDS:
                    if m.group("fphrase") is None and m.group("fword") is None:
                        continue  # "au:" with nothing after it yet: ignore until typed
                    if m.group("fphrase") is not None:
                        self.tokens.append(("f:" + _FIELDS[name], "p:" + m.group("fphrase")))
                    else:
                        self.tokens.append(("f:" + _FIELDS[name], m.group("fword")))
                else:  # not a field of ours ("http:", "stromal:x"): its words, ANDed
                    self.tokens.append(("word", m.group("field")))
                    value = m.group("fword") or m.group("fphrase")
                    if value:
                        self.tokens.append(("word" if m.group("fword") else "phrase", value))
                continue
            for kind in ("lp", "rp", "neg", "phrase", "word"):
                if m.group(kind) is not None:
                    self.tokens.append((kind, m.group(kind)))
                    break
        # Type-ahead: the word under the cursor is unfinished unless a space follows it.
        self.prefix_last = prefix_last and bool(text) and not text[-1].isspace()
        self.pos = 0
        self.terms = 0

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
        if kind == "word":
            return self._leaf(value, None, last)
        if kind == "phrase":
            return self._leaf(value, None, False, phrase=True)
        if kind.startswith("f:"):
            column = kind[2:]
            phrase = value.startswith("p:")
            text = value[2:] if phrase else value
            return self._field(column, text, phrase, last)
        return None

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
        self.terms += 1
        if self.terms > MAX_TERMS:
            return None
        return Leaf(fold(text).lower(), column, prefix)

    def _field(self, column: str, text: str, phrase: bool, last: bool) -> Leaf | Year | None:
        if column == "year":
            return _parse_year(text)
        if column == "pmid":
            digits = text.strip()
            if not digits.isdigit():
                return Leaf(NONE_TOKEN, "meta", raw=True)
            return Leaf(f"pmid{int(digits)}", "meta", raw=True)
        if column == "doi":
            low = text.strip().lower()
            for pre in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
                if low.startswith(pre):
                    low = low[len(pre) :]
            if not has_token(low):
                return None
            return Leaf(low, "ids")
        return self._leaf(text, column, last, phrase)


def _parse_year(text: str) -> Year | Leaf | None:
    """``2012``, ``2010-2015``, ``2010-`` or ``-2015``; anything else matches nothing."""
    m = re.fullmatch(r"\s*(\d{4})?\s*(?:(-|–|\.\.|:)\s*(\d{4})?)?\s*", text)
    if not m or not (m.group(1) or m.group(3)):
        return Leaf(NONE_TOKEN, "meta", raw=True)
    lo = int(m.group(1)) if m.group(1) else 1000
    hi = (int(m.group(3)) if m.group(3) else 2999) if m.group(2) else lo
    if lo > hi:
        lo, hi = hi, lo
    return Year(max(lo, 1000), min(hi, 2999))


def parse(query: str, prefix_last: bool = False) -> Node:
    """The parse tree of a user query (an ``and`` node; no children: nothing searchable)."""
    return Parser(clean_query(query), prefix_last).parse()
