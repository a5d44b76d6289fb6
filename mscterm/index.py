"""Offline full-text search over the cached records: one SQLite FTS5 file beside the cache.

Why SQLite FTS5: it ships with Python (no dependency), is safe for several processes at once (WAL),
and answers in milliseconds from a file, so offline search works on an air-gapped laptop.

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

User text never reaches FTS5's own syntax: the query is parsed here and every term is re-quoted,
so stray quotes, brackets, ``NEAR(``, ``*``, ``^`` or control characters are ignored or searched
as plain words, never raised as an SQLite error. An empty query (or one of operators only)
finds nothing.

Ranking strategy (DESIGN.md: median ≤ 50 ms over 100,000 records)
-------------------------------------------------------------------
Plain ``ORDER BY bm25()`` costs time proportional to the number of matches: in an MSC cache,
``mesenchymal`` matches nearly every record, and bm25 over 95,000 rows takes hundreds of ms.
What keeps this fast:

1. **Static order in the rowid.** A record's rowid is ``year << 40 | month << 36 | sequence``,
   so rowid order is publication-date order. FTS5 walks a match in rowid order natively and
   stops at the ``LIMIT``: "newest matches first" costs the same for 100 or 100,000 matches.
   ``year:`` filters at the top level become a rowid range (free); under ``OR``/``NOT`` they are
   ``yr2012`` tokens.
2. **Tiers.** Records whose *title* holds every plain query word come first (a title hit ranks
   above an abstract-only hit), then all other matches. Each tier is a separate FTS5 query.
3. **Plan per tier by match size.** A bounded probe counts the tier's matches up to
   ``PROBE_LIMIT``. Below it, the tier is ranked by weighted bm25 (title 10, MeSH and keywords 4,
   authors 3, abstract 1, …), ties broken newest first. At or above it, the newest
   ``RECENT_WINDOW`` matches (in rowid order, so cheap) are ranked by the same bm25: the most
   relevant among recent records -- what a reviewer scanning a huge, uniform match wants.

Storage: the FTS5 table is contentless (``content=''``): it keeps only the inverted index, no
copy of the text (half the size of keeping the text for deletes). A side table ``docs`` maps
rowid -> record id with a hash of the indexed text. Re-adding an unchanged record is a no-op; a
changed one gets a new row and its old rowid leaves ``docs``, so the old row is a *tombstone*:
its words still sit in the inverted index (SQLite < 3.43 cannot delete from a contentless table
without the old text) but every hit is mapped through ``docs`` and tombstones are dropped,
fetching further when that leaves a page short. Records change rarely (a seed record upgraded
once, MeSH added once after indexing), :meth:`SearchIndex.stats` counts tombstones, and
:meth:`SearchIndex.rebuild` (run by the store's ``verify()``) drops them. ``detail=full`` stays,
because phrases need token positions.

Concurrency: WAL journal, a busy timeout, and every write in ``BEGIN IMMEDIATE``, so two processes
adding at once wait for each other instead of failing. A file that is not a readable index
raises :class:`IndexCorruptError`; the store then rebuilds it (:meth:`SearchIndex.open_or_rebuild`).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import sqlite3
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from mscterm.model import Record

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

INDEX_SCHEMA = 1
"""Bump when columns or tokenisation change: an index of another version is emptied on open,
and the store's ``verify()`` (count/ids mismatch) rebuilds it."""

PROBE_LIMIT = 4000
"""A tier with at least this many matches is ranked over its newest RECENT_WINDOW matches."""
RECENT_WINDOW = 2000
"""How many of the newest matches are bm25-ranked when a tier is huge."""
MAX_TERMS = 64
"""Terms beyond this are ignored: a pasted abstract must not build an unbounded FTS5 query."""
MAX_QUERY_CHARS = 4000

_COLUMNS = ("title", "abstract", "authors", "journal", "mesh", "keywords", "ids", "meta")
_WEIGHTS = "10.0, 1.0, 3.0, 1.5, 4.0, 4.0, 5.0, 0.0"
_FIELDS = {
    "ti": "title",
    "title": "title",
    "ab": "abstract",
    "abstract": "abstract",
    "au": "authors",
    "author": "authors",
    "jo": "journal",
    "journal": "journal",
    "ta": "journal",
    "mesh": "mesh",
    "mh": "mesh",
    "kw": "keywords",
    "keyword": "keywords",
    "pmid": "pmid",
    "doi": "doi",
    "year": "year",
    "dp": "year",
}
_ALL = "qqallrecords"  # a token every row has in ``meta``: the "everything" for pure negations
_NONE = "qqnomatch"  # a token no row has: a field value that cannot match (``pmid:abc``)
_SEQ_BITS = 36
_MONTH_SHIFT = 36
_YEAR_SHIFT = 40
_FOLD = str.maketrans(
    {"ø": "o", "Ø": "O", "ß": "ss", "æ": "ae", "Æ": "AE", "œ": "oe", "Œ": "OE", "đ": "d",
     "Đ": "D", "ł": "l", "Ł": "L", "þ": "th", "Þ": "Th", "ı": "i"}
)  # fmt: skip
_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|.)")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u206f\ufeff]")


class IndexError_(Exception):
    """Base of the index's own errors."""


class IndexCorruptError(IndexError_):
    """The index file is damaged or not an index: delete it and rebuild from the store."""


# --------------------------------------------------------------------------- query parsing --
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


def _fold(text: str) -> str:
    return text.translate(_FOLD).lower()


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
            self._and_list(node, top=True)
            if self.pos == before:  # a stray ")" at the top level: skip it
                self.pos += 1
        return node

    def _peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def _and_list(self, node: _Node, top: bool = False) -> None:
        while (tok := self._peek()) is not None:
            kind, value = tok
            if kind == "rp":
                if top:
                    return
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
            if self._peek() is not None and self._peek() == ("rp", ")"):
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
        return _Leaf(_fold(text), column, prefix)

    def _field(self, column: str, text: str, phrase: bool, last: bool) -> _Leaf | _Year | None:
        if column == "year":
            return _parse_year(text)
        if column == "pmid":
            digits = text.strip()
            if not digits.isdigit():
                return _Leaf(_NONE, "meta", raw=True)
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
        return _Leaf(_NONE, "meta", raw=True)
    lo = int(m.group(1)) if m.group(1) else 1000
    hi = (int(m.group(3)) if m.group(3) else 2999) if m.group(2) else lo
    if lo > hi:
        lo, hi = hi, lo
    return _Year(max(lo, 1000), min(hi, 2999))


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass(slots=True)
class _Plan:
    """A compiled query: FTS5 expressions per tier plus an optional rowid range."""

    tiers: list[str]
    lo: int | None = None
    hi: int | None = None
    prefixes: list[str] = field(default_factory=list)


class _Compiler:
    """Turns the parse tree into FTS5 expressions, every user term quoted."""

    def __init__(self, index: SearchIndex | None) -> None:
        self.index = index

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
        if self.index is not None and _has_token(text) and len(text) > 4:
            alts += [_quote(s) for s in self.index._stems_before(text)]
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"

    def year(self, item: _Year) -> str:
        # Under OR/NOT a range is a list of year tokens; keep it to a plausible span.
        lo, hi = max(item.lo, 1800), min(item.hi, 2100)
        if lo > hi:
            return f"meta : {_NONE}"
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
            pos = [f"meta : {_ALL}"]
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
    return year_lo << _YEAR_SHIFT, ((year_hi + 1) << _YEAR_SHIFT) - 1


def compile_query(
    query: str, prefix_last: bool = False, index: SearchIndex | None = None
) -> _Plan | None:
    """The FTS5 plan of a user query, or None when it holds nothing searchable.

    Exposed for tests and the benchmark; :meth:`SearchIndex.search` is the public way in.
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
    comp = _Compiler(index)
    if not tree.children:
        return _Plan([f"meta : {_ALL}"], lo, hi)
    full = comp.node(tree, False)
    tiers = [full]
    if _has_plain(tree):
        tiers.insert(0, comp.node(tree, True))
    return _Plan(tiers, lo, hi)


# ----------------------------------------------------------------------------- the index --
def _record_columns(rec: Record) -> tuple[str, ...]:
    """The text of each FTS5 column for one record (folded like queries are)."""
    title = rec.title or ""
    if rec.book is not None:
        title = " ".join(p for p in (title, rec.book.booktitle, rec.book.chapter) if p)
    abstract = " ".join(s.text for s in rec.abstract if s.text)
    authors = " ; ".join(
        " ".join(p for p in (a.family, a.initials, a.given, a.collective) if p) for a in rec.authors
    )
    journal = " ".join(p for p in (rec.journal, rec.journal_abbrev) if p)
    mesh = " ; ".join(" ".join([m.descriptor, *m.qualifiers]) for m in rec.mesh)
    keywords = " ; ".join(rec.keywords)
    ids = " ".join(p for p in (rec.pmid, rec.doi, rec.pmcid, rec.id) if p)
    meta = [_ALL]
    if rec.year:
        meta.append(f"yr{rec.year}")
    if rec.pmid and rec.pmid.isdigit():
        meta.append(f"pmid{int(rec.pmid)}")
    cols = (title, abstract, authors, journal, mesh, keywords, ids, " ".join(meta))
    return tuple(clean_query(_fold_keep_case(c)) if c else "" for c in cols)


def _fold_keep_case(text: str) -> str:
    return text.translate(_FOLD)


def _rowid_prefix(rec: Record) -> int:
    year = rec.year if rec.year and 0 < rec.year < 8000 else 0
    month = rec.month if rec.month and 1 <= rec.month <= 12 else 0
    return (year << _YEAR_SHIFT) | (month << _MONTH_SHIFT)


_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS docs(
    rowid INTEGER PRIMARY KEY,
    rid TEXT NOT NULL UNIQUE,
    hash BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE VIRTUAL TABLE IF NOT EXISTS ft USING fts5(
    {", ".join(_COLUMNS)},
    content='',
    tokenize='porter unicode61 remove_diacritics 2'
);
CREATE VIRTUAL TABLE IF NOT EXISTS ft_vocab USING fts5vocab(ft, 'row');
"""


def _is_locked(exc: sqlite3.OperationalError) -> bool:
    msg = str(exc).lower()
    return "locked" in msg or "busy" in msg


class SearchIndex:
    """The full-text index of cached records (see the module docstring for how and why).

    Not thread-safe: one instance per thread (each opens its own connection).
    """

    def __init__(self, path: Path, *, timeout: float = 30.0) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._timeout = timeout
        self._stemmer = False
        try:
            self._db = sqlite3.connect(
                self.path, timeout=timeout, isolation_level=None, check_same_thread=False
            )
        except sqlite3.Error as exc:
            raise IndexCorruptError(f"cannot open search index {self.path}: {exc}") from None
        try:
            self._setup()
        except sqlite3.OperationalError as exc:
            self._db.close()
            if _is_locked(exc):
                raise
            raise IndexCorruptError(f"search index {self.path} is unusable: {exc}") from None
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise IndexCorruptError(f"search index {self.path} is damaged: {exc}") from None

    # -- opening -----------------------------------------------------------------------------
    def _setup(self) -> None:
        db = self._db
        db.execute(f"PRAGMA busy_timeout = {int(self._timeout * 1000)}")
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            self._retry(lambda: db.execute("PRAGMA journal_mode = WAL"))
        db.execute("PRAGMA synchronous = NORMAL")
        version = db.execute("PRAGMA user_version").fetchone()[0]
        have = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type IN ('table')")}
        if version == INDEX_SCHEMA and {"docs", "ft", "meta", "ft_vocab"} <= have:
            return

        def create() -> None:
            with self._write():
                v = db.execute("PRAGMA user_version").fetchone()[0]
                if v not in (0, INDEX_SCHEMA):
                    # Another layout: start empty; the store's verify() sees the mismatch.
                    for name in ("ft_vocab", "ft", "docs", "meta"):
                        db.execute(f"DROP TABLE IF EXISTS {name}")
                # (executescript would commit mid-transaction: run the statements singly)
                for stmt in _SCHEMA.split(";"):
                    if stmt.strip():
                        db.execute(stmt)
                db.execute(f"PRAGMA user_version = {INDEX_SCHEMA}")

        self._retry(create)

    def _retry(self, fn: Callable[[], object], attempts: int = 20) -> object:
        """Run ``fn``, retrying while another process holds a lock the busy timeout missed."""
        for i in range(attempts):
            try:
                return fn()
            except sqlite3.OperationalError as exc:
                if not _is_locked(exc) or i == attempts - 1:
                    raise
                time.sleep(0.05 * (i + 1))
        return None

    @contextlib.contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One write transaction, taken up front so concurrent writers queue instead of
        deadlocking on a read-to-write upgrade."""
        db = self._db
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
        except BaseException:
            db.execute("ROLLBACK")
            raise
        else:
            db.execute("COMMIT")

    @classmethod
    def open_or_rebuild(
        cls, path: Path, records_factory: Callable[[], Iterable[Record]]
    ) -> SearchIndex:
        """Open the index; if it is corrupt, move it aside and rebuild it from ``records_factory``
        (called only then, so the common path does not read the whole store)."""
        try:
            index = cls(path)
            index._check()
            return index
        except IndexCorruptError:
            pass
        path = Path(path)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for suffix in ("", "-wal", "-shm"):
            p = Path(str(path) + suffix)
            if p.exists():
                with contextlib.suppress(OSError):
                    os.replace(p, Path(f"{path}.corrupt-{stamp}{suffix}"))
                with contextlib.suppress(OSError):
                    p.unlink()
        index = cls(path)
        index.rebuild(records_factory())
        return index

    def _check(self) -> None:
        """A cheap probe that touches the FTS structures (a corrupt file fails here)."""
        self._guard(
            lambda: self._db.execute(
                "SELECT rowid FROM ft WHERE ft MATCH ? LIMIT 1", (f"meta : {_ALL}",)
            ).fetchall()
        )

    def _guard(self, fn: Callable[[], object]) -> object:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            if _is_locked(exc):
                raise
            raise IndexCorruptError(f"search index {self.path} is damaged: {exc}") from None
        except sqlite3.DatabaseError as exc:
            raise IndexCorruptError(f"search index {self.path} is damaged: {exc}") from None

    def close(self) -> None:
        """Close the connection (idempotent)."""
        with contextlib.suppress(sqlite3.Error):
            self._db.close()

    def __enter__(self) -> SearchIndex:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- writing -----------------------------------------------------------------------------
    def add(self, records: Iterable[Record]) -> None:
        """Index records; a record already indexed under the same id is replaced (its old
        words stop matching), and one whose indexed text is unchanged is left alone."""
        batch = list(records)
        if not batch:
            return
        self._retry(lambda: self._guard(lambda: self._add(batch, replace=True)))

    def _add(self, batch: list[Record], replace: bool) -> None:
        with self._write() as db:
            self._insert(db, batch, replace)

    def _insert(self, db: sqlite3.Connection, records: Iterable[Record], replace: bool) -> None:
        """Insert (or replace) rows inside the caller's transaction."""
        seq = self._meta(db, "seq")
        dead = 0
        insert_ft = f"INSERT INTO ft(rowid, {', '.join(_COLUMNS)}) VALUES (?{', ?' * 8})"
        for rec in records:
            cols = _record_columns(rec)
            prefix = _rowid_prefix(rec)
            digest = hashlib.blake2b(
                "\x1f".join(cols).encode("utf-8") + prefix.to_bytes(8, "big"), digest_size=16
            ).digest()
            if replace:
                old = db.execute("SELECT rowid, hash FROM docs WHERE rid = ?", (rec.id,)).fetchone()
                if old is not None:
                    if old[1] == digest:
                        continue
                    db.execute("DELETE FROM docs WHERE rowid = ?", (old[0],))
                    dead += 1
            seq += 1
            rowid = prefix | (seq & ((1 << _SEQ_BITS) - 1))
            db.execute(insert_ft, (rowid, *cols))
            db.execute(
                "INSERT INTO docs(rowid, rid, hash) VALUES (?, ?, ?)", (rowid, rec.id, digest)
            )
        db.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('seq', ?)", (seq,))
        if dead:
            self._bump_dead(db, dead)

    @staticmethod
    def _bump_dead(db: sqlite3.Connection, n: int) -> None:
        db.execute(
            "INSERT INTO meta(key, value) VALUES ('dead', ?) "
            "ON CONFLICT(key) DO UPDATE SET value = value + excluded.value",
            (n,),
        )

    @staticmethod
    def _meta(db: sqlite3.Connection, key: str) -> int:
        row = db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return int(row[0]) if row else 0

    def rebuild(self, records: Iterable[Record]) -> None:
        """Replace the whole index by ``records`` in one transaction (readers see the old index
        until it commits), then merge FTS5 segments so queries are at their fastest."""

        def run() -> None:
            with self._write() as db:
                db.execute("INSERT INTO ft(ft) VALUES ('delete-all')")
                db.execute("DELETE FROM docs")
                db.execute("DELETE FROM meta WHERE key IN ('seq', 'dead')")
                self._insert(db, records, replace=True)
            with self._write() as db:
                db.execute("INSERT INTO ft(ft) VALUES ('optimize')")
            # 'optimize' rewrote the segments: give the freed half of the file back. VACUUM
            # needs no other connection in a transaction; if one is, the file just stays big.
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute("VACUUM")
            with contextlib.suppress(sqlite3.OperationalError):
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

        self._retry(lambda: self._guard(run))

    def optimize(self) -> None:
        """Merge the index's segments (after many small adds); optional, queries stay right."""
        self._retry(
            lambda: self._guard(lambda: self._db.execute("INSERT INTO ft(ft) VALUES ('optimize')"))
        )

    def remove(self, rids: Iterable[str]) -> None:
        """Drop records from the index (their rows become tombstones until a rebuild)."""
        wanted = list(rids)

        def run() -> None:
            with self._write() as db:
                gone = 0
                for rid in wanted:
                    gone += db.execute("DELETE FROM docs WHERE rid = ?", (rid,)).rowcount
                if gone:
                    self._bump_dead(db, gone)

        self._retry(lambda: self._guard(run))

    def stats(self) -> dict[str, int]:
        """``records``, ``tombstones`` (replaced rows still in the inverted index) and ``bytes``
        on disk; a rebuild is worth it when tombstones are a sizeable share of records."""

        def run() -> dict[str, int]:
            records = self._db.execute("SELECT count(*) FROM docs").fetchone()[0]
            dead = self._meta(self._db, "dead")
            size = sum(
                p.stat().st_size for p in (self.path, Path(f"{self.path}-wal")) if p.exists()
            )
            return {"records": records, "tombstones": dead, "bytes": size}

        return self._guard(run)  # type: ignore[return-value]

    # -- reading -----------------------------------------------------------------------------
    def count(self) -> int:
        """How many records are indexed."""
        return int(self._guard(lambda: self._db.execute("SELECT count(*) FROM docs").fetchone()[0]))

    def ids(self) -> Iterator[str]:
        """Every indexed record id (for comparing with the store)."""
        rows = self._guard(lambda: self._db.execute("SELECT rid FROM docs").fetchall())
        return iter([r[0] for r in rows])  # type: ignore[union-attr]

    def search(self, query: str, limit: int = 20, *, prefix_last: bool = False) -> list[str]:
        """Record ids matching ``query`` (syntax: :data:`QUERY_HELP`), best first.

        ``prefix_last`` treats the last word as a prefix: for search-as-you-type.
        Never raises for anything a user can type; raises :class:`IndexCorruptError` if the
        file is damaged.
        """
        if limit < 1 or not isinstance(query, str):
            return []
        plan = compile_query(query, prefix_last, self)
        if plan is None:
            return []
        return self._guard(lambda: self._run(plan, limit))  # type: ignore[return-value]

    def explain(self, query: str, *, prefix_last: bool = False) -> list[str]:
        """The FTS5 expressions a query runs (tiers in order), for debugging and tests."""
        plan = compile_query(query, prefix_last, self)
        return [] if plan is None else list(plan.tiers)

    def _run(self, plan: _Plan, limit: int) -> list[str]:
        where = "ft MATCH ?"
        bounds: tuple[int, ...] = ()
        if plan.lo is not None and plan.hi is not None:
            if plan.lo > plan.hi:
                return []
            where += " AND rowid BETWEEN ? AND ?"
            bounds = (plan.lo, plan.hi)
        db = self._db
        ranked = f"SELECT rowid FROM ft WHERE {where} ORDER BY bm25(ft, {_WEIGHTS}), rowid DESC"
        recent = (
            f"SELECT rowid FROM (SELECT rowid, bm25(ft, {_WEIGHTS}) AS score FROM ft "
            f"WHERE {where} ORDER BY rowid DESC LIMIT ?) ORDER BY score, rowid DESC"
        )
        found: list[str] = []
        seen: set[int] = set()
        for expr in plan.tiers:
            if len(found) >= limit:
                break
            probe = db.execute(
                f"SELECT count(*) FROM (SELECT 1 FROM ft WHERE {where} LIMIT ?)",
                (expr, *bounds, PROBE_LIMIT),
            ).fetchone()[0]
            if probe == 0:
                continue
            # Ask for enough to cover what earlier tiers already took (a later tier's match
            # includes them) and a few tombstones; ask again for more if still short.
            ask = limit + len(seen) + 8
            while True:
                if probe < PROBE_LIMIT:
                    rows = db.execute(ranked + " LIMIT ?", (expr, *bounds, ask)).fetchall()
                else:
                    window = max(RECENT_WINDOW, ask)
                    rows = db.execute(recent + " LIMIT ?", (expr, *bounds, window, ask)).fetchall()
                fresh = [r for (r,) in rows if r not in seen]
                live = self._live(fresh)
                for rowid in fresh:
                    if len(found) >= limit:
                        break
                    seen.add(rowid)
                    if rowid in live:
                        found.append(live[rowid])
                if len(found) >= limit or len(rows) < ask:
                    break
                ask *= 4
        return found

    def _live(self, rowids: list[int]) -> dict[int, str]:
        """rowid -> record id for the rowids that are not tombstones."""
        out: dict[int, str] = {}
        for start in range(0, len(rowids), 500):
            part = rowids[start : start + 500]
            marks = ",".join("?" * len(part))
            out.update(
                self._db.execute(
                    f"SELECT rowid, rid FROM docs WHERE rowid IN ({marks})", part
                ).fetchall()
            )
        return out

    def _stem(self, text: str) -> list[str]:
        """The tokens FTS5's tokenizer makes of ``text`` (porter stems), via a scratch table."""
        db = self._db
        if not self._stemmer:
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer USING fts5("
                "x, tokenize='porter unicode61 remove_diacritics 2')"
            )
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer_v "
                "USING fts5vocab(temp, stemmer, 'instance')"
            )
            self._stemmer = True
        db.execute("DELETE FROM temp.stemmer")
        db.execute("INSERT INTO temp.stemmer(x) VALUES (?)", (text,))
        rows = db.execute("SELECT term FROM temp.stemmer_v ORDER BY offset").fetchall()
        db.execute("DELETE FROM temp.stemmer")
        return [r[0] for r in rows]

    def _stems_before(self, text: str) -> list[str]:
        """Indexed stems that a word starting with ``text`` may have been cut back to.

        A prefix query ``transformati*`` is itself stemmed, and no indexed term starts with
        it: ``transformation`` is indexed as ``transform``. So indexed terms that are a shorter
        start of the prefix (at most 5 letters shorter) are searched too, unless the stemmed
        prefix already covers them.
        """
        stems = self._stem(text)
        if len(stems) != 1:
            return []
        base = stems[0]
        cands = [text[:k] for k in range(len(text) - 1, max(3, len(text) - 6), -1)]
        cands = [c for c in cands if not c.startswith(base)]
        if not cands:
            return []
        marks = ",".join("?" * len(cands))
        rows = self._db.execute(
            f"SELECT term FROM ft_vocab WHERE term IN ({marks})", cands
        ).fetchall()
        return [r[0] for r in rows if self._stem(r[0]) == [r[0]]]
