"""From a parsed query to ranked record ids: FTS5 tiers, fast enough for 100,000 records.

Plain ``ORDER BY bm25()`` costs time proportional to the number of matches: in an MSC cache,
``mesenchymal`` matches nearly every record, and bm25 over 95,000 rows takes hundreds of ms
(DESIGN.md's budget: median ≤ 50 ms). What keeps this fast:

1. **Static order in the rowid.** A record's rowid is ``year << 40 | month << 36 | sequence``,
   so rowid order is publication-date order. FTS5 walks a match in rowid order natively and
   stops at the ``LIMIT``: "newest matches first" costs the same for 100 or 100,000 matches.
2. **Tiers**: records whose title holds every plain query word first, then all other matches;
   each tier is a separate FTS5 query. ``year:`` filters at the top level become a rowid range
   (free); under ``OR``/``NOT`` they are ``yr2012`` tokens.
3. **Plan per tier by match size.** A bounded probe counts the tier's matches up to
   ``PROBE_LIMIT``. Below it, the tier is ranked by weighted bm25 (title 10, MeSH and keywords 4,
   authors 3, abstract 1, …), ties broken newest first. At or above it, the newest
   ``RECENT_WINDOW`` matches (in rowid order, so cheap) are ranked by the same bm25: the most
   relevant among recent records -- what a reviewer scanning a huge, uniform match wants.
4. **One count, no ranking.** The last tier holds every match; counting it (up to
   :data:`~mscterm.store.queryhelp.COUNT_CAP`, never below ``PROBE_LIMIT``) is both its probe
   and the total a list shows ("20 shown of 107"): FTS5 walks 100,000 matching rows in a few
   ms when nothing is scored. Past the cap the total reads "more than 20,000".

:func:`compile_query` turns a parse tree (:mod:`mscterm.store.query`) into those tiers, every
user term quoted; :func:`run_plan` runs them and counts. Hits are mapped through the ``docs``
table, which drops tombstones (rows of replaced records still in the contentless inverted
index), fetching further when that leaves a page short.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field

from mscterm.store.query import (
    ALL_TOKEN,
    NONE_TOKEN,
    YEAR_SHIFT,
    Leaf,
    Node,
    Year,
    has_token,
    parse_query,
)
from mscterm.store.queryhelp import COUNT_CAP

PROBE_LIMIT = 4000
"""A tier with at least this many matches is ranked over its newest RECENT_WINDOW matches."""
RECENT_WINDOW = 2000
"""How many of the newest matches are bm25-ranked when a tier is huge."""
WEIGHTS = "10.0, 1.0, 3.0, 1.5, 4.0, 4.0, 5.0, 0.0"
"""bm25 weights of the columns: title, abstract, authors, journal, mesh, keywords, ids, meta."""


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass(slots=True)
class Plan:
    """A compiled query: FTS5 expressions per tier plus an optional rowid range."""

    tiers: list[str]
    lo: int | None = None
    hi: int | None = None
    hints: list[str] = field(default_factory=list)
    """One line each about what the query holds that could not be understood."""


class _Compiler:
    """Turns the parse tree into FTS5 expressions, every user term quoted."""

    def __init__(self, stems_before: Callable[[str], list[str]] | None) -> None:
        self.stems_before = stems_before

    def leaf(self, leaf: Leaf, title_only: bool) -> str:
        if leaf.raw:
            return f"meta : {leaf.text}"
        column = leaf.column or ("title" if title_only else None)
        body = self._prefix(leaf.text) if leaf.prefix else _quote(leaf.text)
        return f"{column} : {body}" if column else body

    def _prefix(self, text: str) -> str:
        """``text*``, plus the stems ``text`` may already have passed (``transformati`` also
        finds ``transform``, the porter stem of ``transformation``)."""
        alts = [_quote(text) + " *"]
        if self.stems_before is not None and has_token(text) and len(text) > 4:
            alts += [_quote(s) for s in self.stems_before(text)]
        return alts[0] if len(alts) == 1 else "(" + " OR ".join(alts) + ")"

    def year(self, item: Year) -> str:
        # Under OR/NOT a range is a list of year tokens; keep it to a plausible span.
        lo, hi = max(item.lo, 1800), min(item.hi, 2100)
        if lo > hi:
            return f"meta : {NONE_TOKEN}"
        years = [f"yr{y}" for y in range(lo, hi + 1)]
        return "meta : (" + " OR ".join(years) + ")"

    def node(self, item: Node | Leaf | Year, title_only: bool) -> str:
        if isinstance(item, Leaf):
            return self.leaf(item, title_only)
        if isinstance(item, Year):
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


def _has_plain(item: Node | Leaf | Year, negated: bool = False) -> bool:
    """Whether a positive, unfielded word/phrase exists (then a title tier makes sense)."""
    if isinstance(item, Leaf):
        return not negated and item.column is None and not item.raw
    if isinstance(item, Year):
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
) -> Plan:
    """The FTS5 plan of a user query (no tiers when it holds nothing searchable), with the
    hints about it.

    ``stems_before`` (the index's vocabulary lookup) widens a prefix to the stems it may have
    passed; :meth:`mscterm.store.fts.SearchIndex.find` is the public way in.
    """
    parsed = parse_query(query, prefix_last)
    tree = parsed.tree
    if not tree.children:
        return Plan([], hints=parsed.hints)
    lo = hi = None
    rest_children: list[Node | Leaf | Year] = []
    rest_neg: list[bool] = []
    for child, neg in zip(tree.children, tree.negated, strict=True):
        if isinstance(child, Year) and not neg:
            clo, chi = _year_bounds(child.lo, child.hi)
            lo = clo if lo is None else max(lo, clo)
            hi = chi if hi is None else min(hi, chi)
        else:
            rest_children.append(child)
            rest_neg.append(neg)
    tree = Node("and", rest_children, rest_neg)
    comp = _Compiler(stems_before)
    if not tree.children:
        return Plan([f"meta : {ALL_TOKEN}"], lo, hi, parsed.hints)
    full = comp.node(tree, False)
    tiers = [full]
    if _has_plain(tree):
        tiers.insert(0, comp.node(tree, True))
    return Plan(tiers, lo, hi, parsed.hints)


@dataclass(slots=True)
class Matches:
    """What a search found: the best ids (best first), how many records match, a hint.

    ``more``: counting stopped at :data:`COUNT_CAP` -- more than ``total`` records match.
    ``hint``: one line about the query itself (an unknown field prefix, a value a field cannot
    take), else None.
    """

    ids: list[str] = field(default_factory=list)
    total: int = 0
    more: bool = False
    hint: str | None = None


def run_plan(db: sqlite3.Connection, plan: Plan, limit: int) -> Matches:
    """Record ids of the plan's matches, best first, at most ``limit``; and their count
    (up to :data:`COUNT_CAP`)."""
    hint = plan.hints[0] if plan.hints else None
    if not plan.tiers:
        return Matches(hint=hint)
    where = "ft MATCH ?"
    bounds: tuple[int, ...] = ()
    if plan.lo is not None and plan.hi is not None:
        if plan.lo > plan.hi:
            return Matches(hint=hint)
        where += " AND rowid BETWEEN ? AND ?"
        bounds = (plan.lo, plan.hi)
    # The last tier holds every match: its count is the total, and its probe.
    counted, total, more = _count(db, where, (plan.tiers[-1], *bounds), COUNT_CAP)
    if total == 0 and not more:
        return Matches(hint=hint)
    ranked = f"SELECT rowid FROM ft WHERE {where} ORDER BY bm25(ft, {WEIGHTS}), rowid DESC"
    recent = (
        f"SELECT rowid FROM (SELECT rowid, bm25(ft, {WEIGHTS}) AS score FROM ft "
        f"WHERE {where} ORDER BY rowid DESC LIMIT ?) ORDER BY score, rowid DESC"
    )
    found: list[str] = []
    seen: set[int] = set()
    for n, expr in enumerate(plan.tiers, start=1):
        if len(found) >= limit:
            break
        if n == len(plan.tiers):
            probe = min(counted, PROBE_LIMIT)
        else:
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
            live = _live(db, fresh)
            for rowid in fresh:
                if len(found) >= limit:
                    break
                seen.add(rowid)
                if rowid in live:
                    found.append(live[rowid])
            if len(found) >= limit or len(rows) < ask:
                break
            ask *= 4
    return Matches(found, total, more, hint)


def _count(
    db: sqlite3.Connection, where: str, args: tuple[object, ...], cap: int
) -> tuple[int, int, bool]:
    """(rows of the inverted index that match, counted up to ``max(cap, PROBE_LIMIT) + 1``: the
    full tier's probe; live records among them, at most ``cap``; whether more than that match).

    Without ranking, FTS5 walks a match in a few ms per 100,000 rows. Rows of replaced records
    (tombstones, listed in ``gone``) are subtracted; with none, the join is skipped.
    """
    walk = max(cap, PROBE_LIMIT)
    rows = f"SELECT rowid AS r FROM ft WHERE {where} LIMIT ?"
    if db.execute("SELECT EXISTS (SELECT 1 FROM gone)").fetchone()[0]:
        sql = f"SELECT count(*), count(g.rowid) FROM ({rows}) LEFT JOIN gone AS g ON g.rowid = r"
    else:
        sql = f"SELECT count(*), 0 FROM ({rows})"
    counted, dead = db.execute(sql, (*args, walk + 1)).fetchone()
    live = counted - dead
    if live > cap:
        return counted, cap, True
    if counted > walk:  # stopped early, and tombstones took their share: at least `live` match
        return counted, max(live - 1, 0), True
    return counted, live, False


def _live(db: sqlite3.Connection, rowids: list[int]) -> dict[int, str]:
    """rowid -> record id for the rowids that are not tombstones."""
    out: dict[int, str] = {}
    for start in range(0, len(rowids), 500):
        part = rowids[start : start + 500]
        marks = ",".join("?" * len(part))
        out.update(
            db.execute(f"SELECT rowid, rid FROM docs WHERE rowid IN ({marks})", part).fetchall()
        )
    return out


class Stemmer:
    """The tokens FTS5's tokenizer makes of a text (porter stems), via a scratch table."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._ready = False

    def stem(self, text: str) -> list[str]:
        db = self._db
        if not self._ready:
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer USING fts5("
                "x, tokenize='porter unicode61 remove_diacritics 2')"
            )
            db.execute(
                "CREATE VIRTUAL TABLE IF NOT EXISTS temp.stemmer_v "
                "USING fts5vocab(temp, stemmer, 'instance')"
            )
            self._ready = True
        db.execute("DELETE FROM temp.stemmer")
        db.execute("INSERT INTO temp.stemmer(x) VALUES (?)", (text,))
        rows = db.execute("SELECT term FROM temp.stemmer_v ORDER BY offset").fetchall()
        db.execute("DELETE FROM temp.stemmer")
        return [r[0] for r in rows]

    def stems_before(self, text: str) -> list[str]:
        """Indexed stems that a word starting with ``text`` may have been cut back to.

        A prefix query ``transformati*`` is itself stemmed, and no indexed term starts with
        it: ``transformation`` is indexed as ``transform``. So indexed terms that are a shorter
        start of the prefix (at most 5 letters shorter) are searched too, unless the stemmed
        prefix already covers them.
        """
        stems = self.stem(text)
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
        return [r[0] for r in rows if self.stem(r[0]) == [r[0]]]
