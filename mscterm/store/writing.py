"""Writing batches: records (never downgraded, aliases kept) and trials, one transaction each.

Records and their aliases live in two caches (``records/`` and ``answers/``), so a batch is one
transaction in each, records first: a crash in between leaves records without an alias, which
``verify`` restores from the records themselves (an alias is always derivable from one).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mscterm.model import PMID_RE, Record, Trial
from mscterm.store import codec
from mscterm.store.codec import ALIAS_KEY, MISSING_KEY, RECORD_KEY, TRIAL_KEY
from mscterm.store.recovery import CacheLike, read

if TYPE_CHECKING:  # pragma: no cover
    from mscterm.store.facade import RecordStore


@dataclass(slots=True)
class Written:
    """What a batch changed: counts, records to index, DOI-keyed copies they superseded."""

    added: int = 0
    updated: int = 0
    skipped: int = 0
    written: list[Record] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    aliases: dict[str, str] = field(default_factory=dict)


def alias_of(record: Record) -> tuple[str, str] | None:
    """The alias a stored record implies: its DOI id for a fetched record, or a resolved
    citation's PMID (``doi:``/``cite:`` id -> PMID)."""
    if record.is_full and record.doi:
        doi_id = "doi:" + record.doi.strip().lower()
        return (doi_id, record.id) if doi_id != record.id else None
    resolved = record.resolution
    if not record.is_full and resolved and PMID_RE.match(resolved) and resolved != record.id:
        return record.id, resolved
    return None


def _superseded(store: RecordStore, cache: CacheLike, rid: str, done: Written) -> bool:
    """Whether a citation-level ``rid`` already leads to a fetched record (keep that one)."""
    old = codec.header(read(cache, RECORD_KEY + rid))
    if old is not None and old[1] == "pubmed":
        return True
    if PMID_RE.match(rid):
        return False
    target = done.aliases.get(rid) or store.alias_target(rid)
    head = codec.header(read(cache, RECORD_KEY + target)) if target else None
    return head is not None and head[1] == "pubmed"


def _write(store: RecordStore, cache: CacheLike, batch: list[Record]) -> Written:
    done = Written()
    now = time.time()
    with cache.transact():
        for record in batch:
            key = RECORD_KEY + record.id
            if not record.is_full and _superseded(store, cache, record.id, done):
                done.skipped += 1
                continue
            old = codec.header(read(cache, key))
            value, body = codec.encode_record(record, now)
            if old is not None and old[1] == record.source and old[2] == body:
                done.skipped += 1
                continue
            cache.set(key, value)
            alias = alias_of(record)
            if alias is not None:
                done.aliases[alias[0]] = alias[1]
                # A fetched record supersedes the DOI-keyed citation-level copy.
                if record.is_full and cache.delete(RECORD_KEY + alias[0]):
                    done.dropped.append(alias[0])
            if old is None:
                done.added += 1
            else:
                done.updated += 1
            done.written.append(record)
    return done


def write_records(store: RecordStore, batch: list[Record]) -> Written:
    """Store a validated batch; aliases and forgotten not-found notes follow in ``answers``."""
    done = store.records.run(lambda cache: _write(store, cache, batch))
    if done.aliases or (done.written and store.answers.exists()):

        def note(answers: CacheLike) -> None:
            with answers.transact():
                for alias, target in done.aliases.items():
                    answers.set(ALIAS_KEY + alias, target)
                for record in done.written:
                    answers.delete(MISSING_KEY + record.id)

        store.answers.run(note)
    return done


def write_trials(store: RecordStore, batch: list[Trial]) -> int:
    """Store validated trials in one transaction; unchanged ones are left alone."""
    now = time.time()

    def write(cache: CacheLike) -> int:
        changed = 0
        with cache.transact():
            for trial in batch:
                key = TRIAL_KEY + trial.nct_id
                old = codec.header(read(cache, key), codec.TRIAL_VERSION)
                value, body = codec.encode_trial(trial, now)
                if old is not None and old[2] == body:
                    continue
                cache.set(key, value)
                changed += 1
        return changed

    return store.trials.run(write)
