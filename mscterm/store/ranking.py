"""How a compiled query runs over the FTS5 index, fast enough for 100,000 records.

Plain ``ORDER BY bm25()`` costs time proportional to the number of matches: in an MSC cache,
``mesenchymal`` matches nearly every record, and bm25 over 95,000 rows takes hundreds of ms
(DESIGN.md's budget: median ≤ 50 ms). What keeps this fast:

1. **Static order in the rowid.** A record's rowid is ``year << 40 | month << 36 | sequence``,
   so rowid order is publication-date order. FTS5 walks a match in rowid order natively and
   stops at the ``LIMIT``: "newest matches first" costs the same for 100 or 100,000 matches.
2. **Tiers** (from :func:`mscterm.store.query.compile_query`): records whose title holds every
   plain query word first, then all other matches; each tier is a separate FTS5 query.
3. **Plan per tier by match size.** A bounded probe counts the tier's matches up to
   ``PROBE_LIMIT``. Below it, the tier is ranked by weighted bm25 (title 10, MeSH and keywords 4,
   authors 3, abstract 1, …), ties broken newest first. At or above it, the newest
   ``RECENT_WINDOW`` matches (in rowid order, so cheap) are ranked by the same bm25: the most
   relevant among recent records -- what a reviewer scanning a huge, uniform match wants.

Hits are mapped through the ``docs`` table, which drops tombstones (rows of replaced records
still in the contentless inverted index), fetching further when that leaves a page short.
"""

from __future__ import annotations

import sqlite3

from mscterm.store.query import Plan

PROBE_LIMIT = 4000
"""A tier with at least this many matches is ranked over its newest RECENT_WINDOW matches."""
RECENT_WINDOW = 2000
"""How many of the newest matches are bm25-ranked when a tier is huge."""
WEIGHTS = "10.0, 1.0, 3.0, 1.5, 4.0, 4.0, 5.0, 0.0"
"""bm25 weights of the columns: title, abstract, authors, journal, mesh, keywords, ids, meta."""


def run_plan(db: sqlite3.Connection, plan: Plan, limit: int) -> list[str]:
    """Record ids of the plan's matches, best first, at most ``limit``."""
    where = "ft MATCH ?"
    bounds: tuple[int, ...] = ()
    if plan.lo is not None and plan.hi is not None:
        if plan.lo > plan.hi:
            return []
        where += " AND rowid BETWEEN ? AND ?"
        bounds = (plan.lo, plan.hi)
    ranked = f"SELECT rowid FROM ft WHERE {where} ORDER BY bm25(ft, {WEIGHTS}), rowid DESC"
    recent = (
        f"SELECT rowid FROM (SELECT rowid, bm25(ft, {WEIGHTS}) AS score FROM ft "
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
    return found


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
