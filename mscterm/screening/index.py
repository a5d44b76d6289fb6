"""One reviewer's decisions seen record by record: a ``doi:`` id and its PMID are one record.

Decisions are stored under the id they were given. Reading them, an entry stored under a
``doi:``/``cite:`` id belongs to the PMID it resolved to (known from its own snapshot, from
another decision on the record with that DOI, or from the cache's alias); when one record has
several entries, the latest decision stands.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from mscterm.model import PMID_RE
from mscterm.screening.decisions import Decision, Snapshot

Resolver = Callable[[str], "str | None"]
"""The PMID a non-PMID id resolved to, if the cache knows it."""


def merge_by_record(
    stored: Mapping[str, Decision], resolved: Resolver
) -> tuple[dict[str, Decision], list[str]]:
    """``(decisions by record id, stored ids still without a PMID)``."""
    doi_pmid = {d.record.doi: d.record.pmid for d in stored.values() if d.record.pmid}
    merged: dict[str, Decision] = {}
    pending: list[str] = []
    for rid, d in stored.items():
        key = rid
        if not PMID_RE.match(rid):
            key = (
                d.record.pmid
                or (rid.startswith("doi:") and doi_pmid.get(rid[4:]))
                or resolved(rid)
                or rid
            )
            if key == rid:
                pending.append(rid)
            else:
                d = d.with_changes(rid=key, record=_with_pmid(d.record, key))
        old = merged.get(key)
        if old is None or d.time >= old.time:
            merged[key] = d
    return merged, pending


def lookup(merged: Mapping[str, Decision], rid: str, resolved: Resolver) -> Decision | None:
    """The decision on the record ``rid`` names, whichever of its ids it was stored under."""
    found = merged.get(rid)
    if found is None and not PMID_RE.match(rid):
        pmid = resolved(rid)
        found = merged.get(pmid) if pmid else None
    return found


def stored_aliases(current: Mapping[str, Decision], resolved: Resolver) -> dict[str, set[str]]:
    """Record id -> the stored ids that are that record (before a write merges them)."""
    index: dict[str, set[str]] = {}
    for other, d in current.items():
        index.setdefault(other, set()).add(other)
        if not PMID_RE.match(other):
            pmid = d.record.pmid or resolved(other)
            if pmid:
                index.setdefault(pmid, set()).add(other)
    return index


def same_record(
    rid: str, snap: Snapshot, aliases: Mapping[str, set[str]], resolved: Resolver
) -> set[str]:
    """Other stored ids that are the same record as ``rid`` (never mere duplicates)."""
    pmid = rid if PMID_RE.match(rid) else (snap.pmid or resolved(rid))
    ids: set[str] = set()
    if pmid:
        ids |= aliases.get(pmid, set())
        if snap.doi:  # the store's own rule: a PMID record owns its doi: id
            ids |= aliases.get("doi:" + snap.doi, set())
    ids.discard(rid)
    return ids


def _with_pmid(snapshot: Snapshot, key: str) -> Snapshot:
    if snapshot.pmid or not PMID_RE.match(key):
        return snapshot
    return Snapshot(
        snapshot.title, snapshot.year, snapshot.topics, key, snapshot.doi, snapshot.first_author
    )
