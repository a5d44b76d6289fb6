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

Plans (what :func:`compile_query` returns) carry the ranking tiers: records whose *title* holds
every plain query word first, then all other matches; ``year:`` filters at the top level become
a rowid range (rowids encode year and month), under ``OR``/``NOT`` they are ``yr2012`` tokens.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
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
class _Leaf:
    """One searchable term: a word or phrase (``text``) in a column (None = every column)."""

    text: str
    column: str | None = None
    prefix: bool = False
    raw: bool = False  # ``text`` is already an FTS5 expression (year tokens, the ALL token)


@dataclass(slots=True)
class _Year:
    """A ``year:`` term: an inclusive range."""

    lo: int
    hi: int


@dataclass(slots=True)
class _Node:
    """``and`` / ``or`` over children; ``negated`` children of an ``and`` are excluded."""

    op: str
    children: list[_Node | _Leaf | _Year] = field(default_factory=list)
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


def _has_token(text: str) -> bool:
    """Whether FTS5's unicode61 tokenizer would find at least one token in ``text``."""
    return any(unicodedata.category(c)[0] in "LN" for c in text)


class _Parser:
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

    def parse(self) -> _Node:
        node = _Node("and")
        while self.pos < len(self.tokens):
            before = self.pos
            self._and_list(node)
            if self.pos == before:  # a stray ")" at the top level: skip it
                self.pos += 1
        return node

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _and_list(self, node: _Node) -> None:
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

    def _or_group(self) -> _Node | _Leaf | _Year | None:
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
        return _Node("or", items, [False] * len(items))

    def _unary(self) -> _Node | _Leaf | _Year | None:
        tok = self._peek()
        if tok is None:
            return None
        kind, value = tok
        if kind == "rp":
            return None
        self.pos += 1
        if kind == "lp":
            inner = _Node("and")
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

    def _leaf(
        self, text: str, column: str | None, last: bool, phrase: bool = False
    ) -> _Leaf | None:
        prefix = False
        if not phrase:
            if text.endswith("*"):
                prefix = True
                text = text.rstrip("*")
            elif last and self.prefix_last:
                prefix = True
        if not _has_token(text):
            return None
        self.terms += 1
        if self.terms > MAX_TERMS:
            return None
        return _Leaf(fold(text).lower(), column, prefix)

    def _field(self, column: str, text: str, phrase: bool, last: bool) -> _Leaf | _Year | None:
        if column == "year":
            return _parse_year(text)
        if column == "pmid":
            digits = text.strip()
            if not digits.isdigit():
                return _Leaf(NONE_TOKEN, "meta", raw=True)
            return _Leaf(f"pmid{int(digits)}", "meta", raw=True)
        if column == "doi":
            low = text.strip().lower()
            for pre in ("https://doi.org/", "http://doi.org/", "https://dx.doi.org/", "doi:"):
                if low.startswith(pre):
                    low = low[len(pre) :]
            if not _has_token(low):
                return None
            return _Leaf(low, "ids")
        return self._leaf(text, column, last, phrase)


def _parse_year(text: str) -> _Year | _Leaf | None:
    """``2012``, ``2010-2015``, ``2010-`` or ``-2015``; anything else matches nothing."""
    m = re.fullmatch(r"\s*(\d{4})?\s*(?:(-|–|\.\.|:)\s*(\d{4})?)?\s*", text)
    if not m or not (m.group(1) or m.group(3)):
        return _Leaf(NONE_TOKEN, "meta", raw=True)
    lo = int(m.group(1)) if m.group(1) else 1000
    hi = (int(m.group(3)) if m.group(3) else 2999) if m.group(2) else lo
    if lo > hi:
        lo, hi = hi, lo
    return _Year(max(lo, 1000), min(hi, 2999))


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass(slots=True)
class Plan:
    """A compiled query: FTS5 expressions per tier plus an optional rowid range."""

    tiers: list[str]
    lo: int | None = None
    hi: int | None = None


class _Compiler:
    """Turns the parse tree into FTS5 expressions, every user term quoted."""

    def __init__(self, stems_before: Callable[[str], list[str]] | None) -> None:
        self.stems_before = stems_before

    def leaf(self, leaf: _Leaf, title_only: bool) -> str:
        if leaf.raw:
            return f"meta : {leaf.text}"
        column = leaf.column or ("title" if title_only else None)
        body = self._prefix(leaf.text) if leaf.prefix else _quote(leaf.text)
        return f"{column} : {body}" if column else body

    def _prefix(self, text: str) -> str:
        """``text*``, plus the stems ``text`` may already have passed (``transformati`` also
        finds ``transform``, the porter stem of ``transformation``)."""
        alts = [_quote(text) + " *"]
        if self.stems_before is not None and _has_token(text) and len(text) > 4:
            alts += [_quote(s) for s in self.stems_before(text)]
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"

    def year(self, item: _Year) -> str:
        # Under OR/NOT a range is a list of year tokens; keep it to a plausible span.
        lo, hi = max(item.lo, 1800), min(item.hi, 2100)
        if lo > hi:
            return f"meta : {NONE_TOKEN}"
        years = [f"yr{y}" for y in range(lo, hi + 1)]
        return "meta : (" + " OR ".join(years) + ")"

    def node(self, item: _Node | _Leaf | _Year, title_only: bool) -> str:
        if isinstance(item, _Leaf):
            return self.leaf(item, title_only)
        if isinstance(item, _Year):
            return self.year(item)
        if item.op == "or":
            return "(" + " OR ".join(self.node(c, title_only) for c in item.children) + ")"
        pos = [
            self.node(c, title_only)
            for c, n in zip(item.children, item.negated, strict=True)
            if not n
        ]
        neg = [self.node(c, False) for c, n in zip(item.children, item.negated, strict=True) if n]
        if not pos:
            pos = [f"meta : {ALL_TOKEN}"]
        expr = "(" + " AND ".join(pos) + ")"
        if neg:
            expr = "(" + expr + " NOT (" + " OR ".join(neg) + "))"
        return expr


def _has_plain(item: _Node | _Leaf | _Year, negated: bool = False) -> bool:
    """Whether a positive, unfielded word/phrase exists (then a title tier makes sense)."""
    if isinstance(item, _Leaf):
        return not negated and item.column is None and not item.raw
    if isinstance(item, _Year):
        return False
    return any(
        _has_plain(c, negated or n) for c, n in zip(item.children, item.negated, strict=True)
    )


def _year_bounds(year_lo: int, year_hi: int) -> tuple[int, int]:
    return year_lo << YEAR_SHIFT, ((year_hi + 1) << YEAR_SHIFT) - 1


def compile_query(
    query: str,
    prefix_last: bool = False,
    stems_before: Callable[[str], list[str]] | None = None,
) -> Plan | None:
    """The FTS5 plan of a user query, or None when it holds nothing searchable.

    ``stems_before`` (the index's vocabulary lookup) widens a prefix to the stems it may have
    passed; :meth:`mscterm.store.fts.SearchIndex.search` is the public way in.
    """
    tree = _Parser(clean_query(query), prefix_last).parse()
    if not tree.children:
        return None
    lo = hi = None
    rest_children: list[_Node | _Leaf | _Year] = []
    rest_neg: list[bool] = []
    for child, neg in zip(tree.children, tree.negated, strict=True):
        if isinstance(child, _Year) and not neg:
            clo, chi = _year_bounds(child.lo, child.hi)
            lo = clo if lo is None else max(lo, clo)
            hi = chi if hi is None else min(hi, chi)
        else:
            rest_children.append(child)
            rest_neg.append(neg)
    tree = _Node("and", rest_children, rest_neg)
    comp = _Compiler(stems_before)
    if not tree.children:
        return Plan([f"meta : {ALL_TOKEN}"], lo, hi)
    full = comp.node(tree, False)
    tiers = [full]
    if _has_plain(tree):
        tiers.insert(0, comp.node(tree, True))
    return Plan(tiers, lo, hi)
