"""Which records are the same work: same PMID, same DOI, or same title + year + first author.

Reviewers meet the same paper twice: a DOI-only seed record beside its PubMed record, a
citation-level landmark beside the fetched one, PubMed's own duplicate entries. Each record
gets its *work keys*; records sharing any key fall into one group (union-find), so a chain of
matches (A's DOI = B's, B's title = C's) is one work. Titles are compared normalised: ASCII-
folded, lower-case, punctuation and spacing ignored, so "MSCs: a review." matches "MSCs - A
review". A title key needs the year and the first author too, and a title of some length:
short generic titles ("Editorial") never group on their own.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

from mscterm.model import fold_ascii

MIN_TITLE_CHARS = 20
"""A normalised title shorter than this never makes a title key."""
# Everything but a-z and 0-9 becomes a space (str.translate: twice as fast as a regex here).
_SPACES = str.maketrans({chr(c): " " for c in range(128) if not chr(c).isalnum()})


class WorkFacts(Protocol):
    """What a record is matched on: a :class:`~mscterm.model.Record` or a decision's snapshot."""

    @property
    def pmid(self) -> str | None: ...
    @property
    def doi(self) -> str | None: ...
    @property
    def title(self) -> str: ...
    @property
    def year(self) -> int | None: ...
    @property
    def first_author(self) -> str | None: ...


def _fold(text: str) -> str:
    # Most titles are plain ASCII: skip the Unicode decomposition for them (PRISMA's budget).
    return text.lower() if text.isascii() else fold_ascii(text).lower()


def normal_title(title: str) -> str:
    """A title reduced to what identifies it: folded letters and digits, single spaces."""
    return " ".join(_fold(title).translate(_SPACES).split())


def _normal_name(name: str) -> str:
    return "".join(_fold(name).translate(_SPACES).split())


def work_keys(facts: WorkFacts) -> list[str]:
    """Every key under which ``facts`` can meet another record of the same work."""
    keys = []
    if facts.pmid:
        keys.append("pmid:" + facts.pmid.strip())
    if facts.doi:
        keys.append("doi:" + facts.doi.strip().lower())
    if facts.year and facts.first_author and facts.title:
        title = normal_title(facts.title)
        author = _normal_name(facts.first_author)
        if len(title) >= MIN_TITLE_CHARS and author:
            keys.append(f"work:{title}|{facts.year}|{author}")
    return keys


class WorkGroups:
    """Records grouped by shared work keys (union-find over record ids)."""

    def __init__(self, records: Mapping[str, WorkFacts] | Iterable[tuple[str, WorkFacts]]) -> None:
        items = records.items() if isinstance(records, Mapping) else records
        self._parent: dict[str, str] = {}
        owner: dict[str, str] = {}
        for rid, facts in items:
            self._parent.setdefault(rid, rid)
            for key in work_keys(facts):
                other = owner.setdefault(key, rid)
                if other != rid:
                    self._union(rid, other)

    def _find(self, rid: str) -> str:
        parent = self._parent
        root = rid
        while parent[root] != root:
            root = parent[root]
        while parent[rid] != root:  # path compression
            parent[rid], rid = root, parent[rid]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            # The smaller id leads, so the same records always give the same leader.
            lead, other = (ra, rb) if ra < rb else (rb, ra)
            self._parent[other] = lead

    def leader(self, rid: str) -> str:
        """The id that stands for ``rid``'s group (``rid`` itself when it is unknown)."""
        return self._find(rid) if rid in self._parent else rid

    def groups(self) -> dict[str, list[str]]:
        """Leader -> every record id of its group (singletons included)."""
        out: dict[str, list[str]] = {}
        for rid in self._parent:
            out.setdefault(self._find(rid), []).append(rid)
        return out

    def duplicates(self) -> int:
        """Records beyond the first of each group: what PRISMA reports as duplicates."""
        return sum(len(ids) - 1 for ids in self.groups().values())

    def members(self, rid: str) -> list[str]:
        """The other records of ``rid``'s group."""
        if rid not in self._parent:
            return []
        lead = self._find(rid)
        return [other for other in self._parent if other != rid and self._find(other) == lead]
