"""What the full-text index stores of a record: the text of each column, the facts, the rowid.

Kept apart from :mod:`.fts` (which runs SQLite) so the mapping from a :class:`Record` to what
a query can find is in one place: change it and bump :data:`~mscterm.store.fts.INDEX_SCHEMA`.

Labels (the topics a record belongs to, from the store's labeler) are ``meta`` tokens too, one
per label (:func:`label_token`), so "the records of a topic" is one posting list of the index.
"""

from __future__ import annotations

from collections.abc import Iterable

from mscterm.model import Record
from mscterm.store import pubtypes
from mscterm.store.filters import FLAGS
from mscterm.store.query import ALL_TOKEN, MONTH_SHIFT, YEAR_SHIFT, clean_query, fold

COLUMNS = ("title", "abstract", "authors", "journal", "mesh", "keywords", "ids", "meta")
"""The FTS5 columns, in order (ranking's bm25 weights follow it)."""


LABEL_PREFIX = "qqlabel"
LABEL_END = "qq"
_LABEL_ESCAPES = {"-": "zh", "/": "zs", "z": "zz"}
_LABEL_PLAIN = frozenset("abcdefghijklmnopqrstuvwxy0123456789")


def label_token(label: str) -> str:
    """The ``meta`` token of a label: one FTS5 token, and a different one for every label.

    Topic ids hold ``-`` and ``/``, which FTS5 splits words at: every character other than
    ``a``-``y`` and digits is spelled out after ``z`` (``-`` zh, ``/`` zs, ``z`` zz, anything else
    ``zu<hex>z``), which no two labels share. The ``qq`` ending is no English suffix, so the
    porter stemmer leaves the token whole (``…/cells`` and ``…/cell`` stay apart).
    """
    body = "".join(
        ch if ch in _LABEL_PLAIN else _LABEL_ESCAPES.get(ch) or f"zu{ord(ch):x}z" for ch in label
    )
    return LABEL_PREFIX + body + LABEL_END


def record_columns(rec: Record, labels: Iterable[str] = ()) -> tuple[str, ...]:
    """The text of each FTS5 column for one record (folded like queries are); ``labels`` end
    the ``meta`` column as :func:`label_token` tokens."""
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
    cols = (title, abstract, authors, journal, mesh, keywords, ids, " ".join(meta_tokens(rec)))
    text = [clean_query(fold(c)) if c else "" for c in cols]
    # after clean_query: its length cap must not cut labels off (the tokens are plain ASCII)
    text[-1] = " ".join([text[-1], *dict.fromkeys(map(label_token, labels))])
    return tuple(text)


def meta_tokens(rec: Record) -> list[str]:
    """The tokens of a record's facts that filters match (see the module docstring)."""
    meta = [ALL_TOKEN]
    if rec.year:
        meta.append(f"yr{rec.year}")
    if rec.pmid and rec.pmid.isdigit():
        meta.append(f"pmid{int(rec.pmid)}")
    types = [t for t in rec.publication_types if isinstance(t, str)]
    meta.extend(dict.fromkeys(tok for tok in map(pubtypes.token, types) if tok))
    retracted = rec.retracted or "Retracted Publication" in types
    retracted = retracted or any(
        isinstance(c, dict) and c.get("type") == "RetractionIn" for c in rec.comments
    )
    facts = {
        ("is", "retracted"): retracted,
        ("has", "abstract"): any(s.text and s.text.strip() for s in rec.abstract),
        ("has", "doi"): bool(rec.doi),
        ("has", "pmcid"): bool(rec.pmcid),
    }
    meta.extend(FLAGS[kind][name] for (kind, name), true in facts.items() if true)
    return meta


def rowid_prefix(rec: Record) -> int:
    """The date part of a record's rowid: rowid order is publication-date order."""
    year = rec.year if rec.year and 0 < rec.year < 8000 else 0
    month = rec.month if rec.month and 1 <= rec.month <= 12 else 0
    return (year << YEAR_SHIFT) | (month << MONTH_SHIFT)
