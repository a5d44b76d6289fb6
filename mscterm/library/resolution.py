"""Finding the PubMed record of a record known without a PMID (``doi:…``/``cite:…`` ids).

Landmarks and other seed records sometimes carry only a DOI or a citation. DESIGN.md orders the
lookup: one ECitMatch call for every citation that has journal, year and volume or page; then
one esearch ORing every DOI still unresolved; then, for citation-only records, an esearch on
title words and year. Only a unique match counts: a PMID is never guessed. Each outcome (the
PMID, ``NOT_FOUND``, ``AMBIGUOUS``) is remembered in the seed record's ``resolution``.

The Library fetches the PMIDs found in the same efetch batches as the rest, then calls
:func:`settle` with what arrived.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mscterm.model import Record
from mscterm.ncbi.results import CitationQuery

if TYPE_CHECKING:
    from mscterm.ncbi.client import EUtilsClient
    from mscterm.store import RecordStore


@dataclass(slots=True)
class Resolution:
    """What the lookups found, before the records are fetched.

    ``found``: PMIDs by asked id; ``doi_candidates``: PMIDs of the OR-joined DOI search (which
    DOI each belongs to is known only once fetched); ``statuses``: NCBI's answer for the rest.
    """

    found: dict[str, str] = field(default_factory=dict)
    doi_candidates: list[str] = field(default_factory=list)
    statuses: dict[str, str] = field(default_factory=dict)

    def pmids(self) -> list[str]:
        """Every PMID to fetch for these ids."""
        return list(dict.fromkeys([*self.found.values(), *self.doi_candidates]))


def needs_resolution(record: Record | None) -> bool:
    """Whether a non-PMID id still has to be looked up (never tried, or pending)."""
    return record is None or record.resolution in (None, "pending")


async def find_pmids(client: EUtilsClient, store: RecordStore, rids: Sequence[str]) -> Resolution:
    """PMIDs for ``doi:``/``cite:`` ids: ECitMatch, then one DOI esearch, then title searches."""
    seeds = store.get_many(rids)
    out = Resolution()
    queries = []
    for rid in rids:
        seed = seeds.get(rid)
        query = citation_query(seed, key=rid) if seed is not None else None
        if query is not None:
            queries.append(query)
    if queries:
        for match in await client.ecitmatch(queries):
            if match.pmid:
                out.found[match.key] = match.pmid
            else:
                out.statuses[match.key] = match.status.split(";")[0] or "NOT_FOUND"
    dois = [rid for rid in rids if rid not in out.found and doi_of(rid, seeds.get(rid))]
    if dois:
        term = " OR ".join(
            f'"{(doi_of(rid, seeds.get(rid)) or "").replace(chr(34), "")}"[doi]' for rid in dois
        )
        hits = await client.esearch(term, retmax=min(9999, 2 * len(dois) + 10))
        out.doi_candidates = hits.ids
    for rid in rids:
        seed = seeds.get(rid)
        if rid in out.found or rid in dois or seed is None or not seed.title:
            continue
        words = re.findall(r"[A-Za-z0-9]{3,}", seed.title)[:12]
        if not words:
            continue
        term = " AND ".join(f"{w}[ti]" for w in words)
        if seed.year:
            term += f" AND {seed.year}[dp]"
        hits = await client.esearch(term, retmax=2)
        pmid, status = single(hits.ids)
        if pmid:
            out.found[rid] = pmid
        elif status == "AMBIGUOUS" or rid not in out.statuses:
            out.statuses[rid] = status
    return out


def settle(
    store: RecordStore,
    rids: Sequence[str],
    resolution: Resolution,
    fetched: dict[str, Record],
    into: dict[str, Record],
) -> None:
    """Map resolved ids to fetched records (into ``into``) and remember every outcome."""
    by_doi: dict[str, list[Record]] = {}
    for rec in fetched.values():
        if rec.doi:
            by_doi.setdefault("doi:" + rec.doi.strip().lower(), []).append(rec)
    statuses = resolution.statuses
    seeds = store.get_many(rids)
    for rid in rids:
        seed = seeds.get(rid)
        doi = doi_of(rid, seed)
        found = resolution.found.get(rid)
        record = fetched.get(found) if found else None
        if record is None and doi:
            matches = by_doi.get("doi:" + doi.lower(), [])
            if len(matches) == 1:
                record = matches[0]
            elif len(matches) > 1:
                statuses[rid] = "AMBIGUOUS"
        outcome = record.pmid if record is not None else statuses.get(rid, "NOT_FOUND")
        if record is not None:
            into[rid] = record
        if seed is not None and seed.source == "seed":
            seed.resolution = outcome
            store.put([seed])
        elif record is None:
            store.note_missing([rid])


def doi_of(rid: str, seed: Record | None) -> str | None:
    """The DOI a ``doi:`` id or a seed record names."""
    if seed is not None and seed.doi:
        return seed.doi.strip()
    return rid[4:] if rid.startswith("doi:") else None


def citation_query(record: Record, *, key: str) -> CitationQuery | None:
    """An ECitMatch line for a citation-level record, when it has enough to match on."""
    pages = (record.pages or "").split("-")[0].strip()
    if not (record.journal and record.year and (record.volume or pages)):
        return None
    first = record.authors[0] if record.authors else None
    author = ""
    if first is not None and first.family:
        author = f"{first.family} {first.initials or ''}".strip()
    return CitationQuery(
        journal=record.journal,
        year=str(record.year),
        volume=record.volume or "",
        first_page=pages,
        author=author,
        key=key,
    )


def single(ids: Sequence[str]) -> tuple[str | None, str]:
    """The PMID when a lookup found exactly one, else NCBI-style NOT_FOUND / AMBIGUOUS."""
    if len(ids) == 1:
        return ids[0], "FOUND"
    return None, ("AMBIGUOUS" if ids else "NOT_FOUND")
