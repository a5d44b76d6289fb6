"""``mscterm search QUERY [--offline] [--limit N] [--json]``: find records, online or offline.

Online, the query goes to PubMed (esearch, newest first) and the hits are fetched, which caches
and indexes them. Offline -- by choice, or because the network just failed -- the local
full-text index answers (syntax: ``Library.query_help()``). Either way the output is a
table sized to the terminal (or a JSON array of records); every title, name and id is untrusted
text and is printed with control characters removed. When more records match than are shown,
stderr says so ("20 shown of 107 in the local cache"). Offline, a query the index cannot
understand (``foo:bar``, ``year:abc``, ``pt:nonsense``) is bad input: its hint on stderr, exit 2.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import unicodedata

from mscterm.commands._common import exit_code, say, warn
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NOT_FOUND, OK
from mscterm.library import Library
from mscterm.model import Record
from mscterm.results import Problem
from mscterm.textsafe import json_text, one_line

MAX_QUERY_CHARS = 2000
"""Longer queries are refused: PubMed rejects very long GET terms and nobody types that much."""
MAX_LIMIT = 10_000


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Search and print; exit 0 hits, 1 no hits, 2 bad input."""
    query = one_line(" ".join(args.query))
    limit = int(args.limit)
    if not query:
        say("the search query is empty")
        return BAD_INPUT
    if len(query) > MAX_QUERY_CHARS:
        say(
            f"the search query is too long ({len(query):,} characters; at most {MAX_QUERY_CHARS:,})"
        )
        return BAD_INPUT
    if not 1 <= limit <= MAX_LIMIT:
        say(f"--limit must be between 1 and {MAX_LIMIT:,} (got {limit})")
        return BAD_INPUT

    library = Library(settings)
    opened = library.open()
    if opened.error:
        say(opened.error)
        return exit_code(opened.problem)
    offline = bool(settings.offline or getattr(args, "offline", False))
    if offline:
        records, failed = _local(library, query, limit, strict=True)
    else:
        records, failed, offline = _online(library, query, limit)
    warn(library.warnings)
    if failed:
        return failed
    if args.json:
        sys.stdout.write(json_text([r.to_json() for r in records]) + "\n")
    elif records:
        sys.stdout.write(format_table(records, _width()))
    if not records:
        where = "in the local cache" if offline else "on PubMed"
        say(f"no records match {one_line(query)[:80]!r} {where}")
        return NOT_FOUND
    return OK


def _local(library: Library, query: str, limit: int, *, strict: bool) -> tuple[list[Record], int]:
    """Hits of the offline index and an exit code when the search cannot go on (0: it can):
    NOT_FOUND when the index cannot be read, BAD_INPUT for a hint when ``strict`` (the query
    was written for the local index; after a PubMed failure it was not: the hint is a note)."""
    found = library.search_local(query, limit)
    if found.error:
        say(found.error)
        return [], NOT_FOUND
    hits = found.value
    if hits.hint:
        say(hits.hint)
        if strict:
            return [], BAD_INPUT
    if hits.more or (hits.total is not None and hits.total > len(hits.records)):
        say(f"{hits.shown_of()} in the local cache")
    return hits.records, OK


def _online(library: Library, query: str, limit: int) -> tuple[list[Record], int, bool]:
    """PubMed's newest hits, fetched (and so cached); the local index if PubMed fails.

    Returns (records, exit code when the search cannot go on (0: it can), answered from the
    local cache).
    """
    import asyncio

    async def go() -> tuple[list[Record], int, bool]:
        try:
            found = await library.search_pubmed(query, retmax=limit)
            if found.error:
                detail = one_line(found.error)[:200]
                if found.problem is Problem.REFUSED:
                    say(f"PubMed refused the query ({detail}); searching the cache")
                else:
                    say(f"PubMed is not reachable ({detail}); searching the cache")
                return (*_local(library, query, limit, strict=False), True)
            page = found.value
            if page.count > len(page.ids):
                say(f"{len(page.ids):,} shown of {page.count:,} PubMed records, newest first")
            if not page.ids:
                return [], OK, False
            fetched = await library.records(page.ids)
            if fetched.error:
                say(f"some records could not be fetched ({one_line(fetched.error)[:200]})")
            if fetched.missing:
                say(f"{len(fetched.missing)} record(s) PubMed listed could not be retrieved")
            return [fetched.records[i] for i in page.ids if i in fetched.records], OK, False
        finally:
            await library.aclose()

    return asyncio.run(go())


# -- the table ---------------------------------------------------------------------------------
def _width() -> int:
    return max(40, shutil.get_terminal_size((100, 24)).columns)


def _cells(ch: str) -> int:
    """Columns a character takes in a terminal (wide East Asian = 2, combining = 0)."""
    if unicodedata.combining(ch):
        return 0
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def fit(text: str, width: int) -> str:
    """``text`` cut to ``width`` terminal columns, with an ellipsis when cut, then padded."""
    out: list[str] = []
    used = 0
    total = sum(_cells(c) for c in text)
    limit = width if total <= width else width - 1
    for ch in text:
        w = _cells(ch)
        if used + w > limit:
            break
        out.append(ch)
        used += w
    if total > width:
        out.append("…")
        used += 1
    return "".join(out) + " " * max(0, width - used)


def format_table(records: list[Record], width: int) -> str:
    """One line per record: id, year, first author, title -- never wider than ``width``."""
    ids = [one_line(r.id) for r in records]
    id_w = min(max([4, *(len(i) for i in ids)]), 24)
    author_w = 18
    title_w = max(10, width - id_w - 4 - author_w - 3)
    lines = [
        " ".join([fit("PMID" if id_w < 6 else "PMID/ID", id_w), "YEAR",
                  fit("FIRST AUTHOR", author_w), fit("TITLE", title_w)]).rstrip()
    ]  # fmt: skip
    for rid, rec in zip(ids, records, strict=True):
        author = one_line(rec.first_author or "")
        if author and (len(rec.authors) > 1 or rec.authors_complete is False):
            author += " et al."
        title = one_line(rec.title) or "(no title)"
        if rec.retracted:
            title = "[RETRACTED] " + title
        year = str(rec.year) if rec.year else "n.d."
        cols = [fit(rid, id_w), fit(year, 4), fit(author, author_w), fit(title, title_w)]
        lines.append(" ".join(cols).rstrip())
    return "\n".join(lines) + "\n"
