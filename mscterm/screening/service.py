"""The screening service: what the CLI and the TUI call to decide, list, count and reconcile.

It sits beside the Library (``library.screening``) on the same user state directory, reads
records and topics through a :class:`~mscterm.screening.source.Source` and never touches the
network. Decisions are stored under the id they were given; when reading, a ``doi:`` or
``cite:`` id that resolved to a PMID and that PMID are one record (the decision follows it),
and records that are the same work are grouped (:mod:`mscterm.screening.duplicates`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from mscterm.config import DEFAULT_EXCLUSION_REASONS, DEFAULT_REVIEWER, ConfigError, check_reviewer
from mscterm.model import Record
from mscterm.screening.conflicts import Conflict, find_conflicts
from mscterm.screening.decisions import (
    CONSENSUS,
    DECISIONS,
    EXCLUDE,
    Decision,
    ScreeningError,
    Snapshot,
    check_note,
    check_reason,
    check_tags,
    now_utc,
)
from mscterm.screening.duplicates import WorkFacts, WorkGroups
from mscterm.screening.index import lookup, merge_by_record, same_record, stored_aliases
from mscterm.screening.prisma import PrismaCounts, tally
from mscterm.screening.source import Source
from mscterm.screening.store import DecisionStore


class Screening:
    """Decisions, notes and tags per reviewer; listings, duplicates, conflicts, PRISMA."""

    def __init__(
        self,
        state_dir: Path,
        source: Source,
        *,
        reviewer: str = DEFAULT_REVIEWER,
        exclusion_reasons: Sequence[str] = DEFAULT_EXCLUSION_REASONS,
    ) -> None:
        self.store = DecisionStore(state_dir)
        self.source = source
        self.reviewer = reviewer
        self.exclusion_reasons = tuple(exclusion_reasons)
        self._indexes: dict[str, tuple[dict[str, Decision], dict[str, Decision], list[str]]] = {}

    # -- reviewers -----------------------------------------------------------------------------
    def _who(self, reviewer: str | None) -> str:
        try:
            return check_reviewer(reviewer if reviewer is not None else self.reviewer)
        except ConfigError as exc:
            raise ScreeningError(str(exc)) from None

    def reviewers(self) -> list[str]:
        """Every reviewer who has screened, noted or tagged something."""
        return self.store.reviewers()

    def check_known(self, reviewer: str) -> str:
        """``reviewer`` as stored, or :class:`ScreeningError` naming the known ones."""
        name = self._who(reviewer)
        file = self.store.reviewer(name)
        if not file.exists:
            known = ", ".join(self.reviewers()) or "none yet"
            raise ScreeningError(f"unknown reviewer: {name} (reviewers: {known})")
        return file.name

    @property
    def warnings(self) -> list[str]:
        """Damaged decisions set aside while reading (one line each)."""
        return self.store.warnings()

    # -- writing -------------------------------------------------------------------------------
    def _snapshots(self, rids: Sequence[str]) -> dict[str, Snapshot]:
        """Each id's snapshot now; an id nothing local knows any more keeps its stored one."""
        found: dict[str, Snapshot] = {}
        for rid in rids:
            snap = self.source.snapshot(rid)
            if snap is None:
                snap = self._stored_snapshot(rid)
            if snap is not None:
                found[rid] = snap
        unknown = [rid for rid in rids if rid not in found]
        if unknown:
            raise ScreeningError(
                "unknown id: " + " ".join(unknown) + " (not in the cache or the seed; "
                "'mscterm fetch' it first)"
            )
        return found

    def _stored_snapshot(self, rid: str) -> Snapshot | None:
        for name in self.reviewers():
            decision = self.store.reviewer(name).decisions().get(rid)
            if decision is not None:
                return decision.record
        return None

    def decide(
        self,
        rids: Sequence[str],
        decision: str | None,
        *,
        reason: str | None = None,
        note: str | None = None,
        tags: Iterable[str] = (),
        reviewer: str | None = None,
    ) -> list[Decision]:
        """Record ``decision`` (include/exclude/maybe, ``None`` to clear) on every id at once.

        ``reason`` is required for an exclusion and refused otherwise; ``note`` replaces the
        note (``None`` keeps it); ``tags`` are added. Nothing is written unless every id is
        known and every value valid (:class:`ScreeningError`). Clearing keeps notes and tags.
        """
        if decision not in (*DECISIONS, None):
            raise ScreeningError(f"a decision is include, exclude or maybe, not {decision!r}")
        if decision == EXCLUDE:
            reason = check_reason(reason, self.exclusion_reasons)
        elif reason is not None:
            raise ScreeningError("only an exclusion takes a reason")
        checked_note = None if note is None else check_note(note)
        new_tags = check_tags(tags)
        name = self._who(reviewer)
        wanted = list(dict.fromkeys(rids))
        snapshots = self._snapshots(wanted)
        time = now_utc()
        written: list[Decision] = []

        def edit(current: dict[str, Decision]) -> None:
            written.clear()
            aliases = stored_aliases(current, self.source.resolved)
            for rid in wanted:
                snap = snapshots[rid]
                same = same_record(rid, snap, aliases, self.source.resolved)
                olds = [current.pop(o) for o in sorted(same) if o in current]
                if rid in current:
                    olds.insert(0, current[rid])
                kept_note = next((o.note for o in olds if o.note), "")
                kept_tags = check_tags(t for o in olds for t in o.tags)
                new = Decision(
                    rid,
                    name,
                    decision,
                    reason,
                    kept_note if checked_note is None else checked_note,
                    check_tags((*kept_tags, *new_tags)),
                    time,
                    snap,
                )
                if new.empty:
                    current.pop(rid, None)
                else:
                    current[rid] = new
                written.append(new)

        self.store.reviewer(name).change(edit)
        return written

    def annotate(
        self,
        rid: str,
        *,
        note: str | None = None,
        tags: Iterable[str] | None = None,
        reviewer: str | None = None,
    ) -> Decision:
        """Set a record's note and/or its whole tag list, keeping its decision (the TUI's n, t)."""
        checked_note = None if note is None else check_note(note)
        checked_tags = None if tags is None else check_tags(tags)
        name = self._who(reviewer)
        snap = self._snapshots([rid])[rid]
        result: list[Decision] = []

        def edit(current: dict[str, Decision]) -> None:
            result.clear()
            aliases = stored_aliases(current, self.source.resolved)
            same = same_record(rid, snap, aliases, self.source.resolved)
            olds = [current.pop(o) for o in sorted(same) if o in current]
            old = current.get(rid) or (olds[0] if olds else None)
            base = old or Decision(rid, name, None, record=snap)
            new = base.with_changes(
                rid=rid,
                note=base.note if checked_note is None else checked_note,
                tags=base.tags if checked_tags is None else checked_tags,
                time=now_utc(),
                record=snap,
            )
            if new.empty:
                current.pop(rid, None)
            else:
                current[rid] = new
            result.append(new)

        self.store.reviewer(name).change(edit)
        return result[0]

    def resolve(
        self, rid: str, decision: str, *, reason: str | None = None, note: str | None = None
    ) -> Decision:
        """Store the agreed decision on a conflict under the reviewer ``consensus``."""
        if decision not in DECISIONS:
            raise ScreeningError(f"a resolution is include, exclude or maybe, not {decision!r}")
        return self.decide([rid], decision, reason=reason, note=note, reviewer=CONSENSUS)[0]

    # -- reading -------------------------------------------------------------------------------
    def _by_record(self, reviewer: str) -> dict[str, Decision]:
        """The reviewer's decisions, one per record (keyed by the PMID when known), latest wins.

        Kept until the reviewer's file changes on disk, or until a ``doi:``/``cite:`` id that
        had no PMID yet resolves to one (checked on every call: a handful of cache reads).
        """
        stored = self.store.reviewer(reviewer).decisions()
        hit = self._indexes.get(reviewer.casefold())
        if hit is not None and hit[0] is stored:
            merged, pending = hit[1], hit[2]
            if not any(self.source.resolved(rid) for rid in pending):
                return merged
        merged, pending = merge_by_record(stored, self.source.resolved)
        self._indexes[reviewer.casefold()] = (stored, merged, pending)
        return merged

    def _lookup(self, merged: dict[str, Decision], rid: str) -> Decision | None:
        return lookup(merged, rid, self.source.resolved)

    def _in_topic(self, topic: str | None) -> tuple[set[str], set[str]]:
        if topic is None:
            return set(), set()
        if not self.source.topic_exists(topic):
            raise ScreeningError(f"unknown topic: {topic} (see 'mscterm topics')")
        pins = set(self.source.landmarks(topic))
        return pins, {self.source.resolved(p) or p for p in pins}

    def _filtered(self, reviewer: str, topic: str | None) -> dict[str, Decision]:
        merged = self._by_record(reviewer)
        if topic is None:
            return merged
        pins, pinned_records = self._in_topic(topic)
        return {
            key: d
            for key, d in merged.items()
            if topic in d.record.topics or key in pinned_records or key in pins
        }

    def decisions(self, *, reviewer: str | None = None, topic: str | None = None) -> list[Decision]:
        """One entry per record (decided, or only noted/tagged), oldest first."""
        found = self._filtered(self._who(reviewer), topic)
        return sorted(found.values(), key=lambda d: (d.time, d.rid))

    def decision_for(self, rid: str, *, reviewer: str | None = None) -> Decision | None:
        """The reviewer's decision on a record, whichever of its ids it was stored under."""
        return self._lookup(self._by_record(self._who(reviewer)), rid)

    def decisions_for(
        self, rids: Iterable[str], *, reviewer: str | None = None
    ) -> dict[str, Decision]:
        """Decisions on many records at once (a list's rows): asked id -> decision."""
        merged = self._by_record(self._who(reviewer))
        found = {rid: self._lookup(merged, rid) for rid in rids}
        return {rid: d for rid, d in found.items() if d is not None}

    def annotations(self, *, reviewer: str | None = None) -> dict[str, Decision]:
        """Decisions (notes, tags) by every id a record may be asked by: for exports."""
        merged = self._by_record(self._who(reviewer))
        stored = self.store.reviewer(self._who(reviewer)).decisions()
        out = dict(merged)
        for rid, d in stored.items():
            out.setdefault(rid, merged.get(d.record.pmid or rid, d))
            if d.record.doi:
                out.setdefault("doi:" + d.record.doi, out[rid])
        return out

    def ids(
        self, *, decision: str, reviewer: str | None = None, topic: str | None = None
    ) -> list[str]:
        """Record ids with this decision (``export --decision``), oldest decision first."""
        if decision not in DECISIONS:
            raise ScreeningError(f"a decision is include, exclude or maybe, not {decision!r}")
        return [
            d.rid for d in self.decisions(reviewer=reviewer, topic=topic) if d.decision == decision
        ]

    def tags_in_use(self, *, reviewer: str | None = None) -> list[str]:
        """Every tag the reviewer used, most used first (the tag picker's completions)."""
        counts: dict[str, int] = {}
        for d in self._by_record(self._who(reviewer)).values():
            for tag in d.tags:
                counts[tag] = counts.get(tag, 0) + 1
        return sorted(counts, key=lambda t: (-counts[t], t.casefold()))

    def reasons(self, *, reviewer: str | None = None) -> list[str]:
        """The configured exclusion reasons, then free-text ones the reviewer used."""
        used = [
            d.reason
            for d in self._by_record(self._who(reviewer)).values()
            if d.decision == EXCLUDE and d.reason
        ]
        return list(dict.fromkeys([*self.exclusion_reasons, *used]))

    def progress(self, rids: Iterable[str], *, reviewer: str | None = None) -> tuple[int, int]:
        """(screened, total) over a list of record ids: the screening view's progress."""
        wanted = list(dict.fromkeys(rids))
        found = self.decisions_for(wanted, reviewer=reviewer)
        return sum(1 for d in found.values() if d.decided), len(wanted)

    def next_unscreened(
        self,
        rids: Sequence[str],
        after: str | None = None,
        *,
        backwards: bool = False,
        reviewer: str | None = None,
    ) -> str | None:
        """The next (``]``) or previous (``[``) id of ``rids`` without a decision, no wrapping."""
        order = list(reversed(rids)) if backwards else list(rids)
        start = order.index(after) + 1 if after in order else 0
        merged = self._by_record(self._who(reviewer))
        for rid in order[start:]:
            d = self._lookup(merged, rid)
            if d is None or not d.decided:
                return rid
        return None

    # -- duplicates ----------------------------------------------------------------------------
    def duplicates_of(self, rid: str, among: Iterable[Record] = ()) -> list[str]:
        """Other records that are the same work as ``rid`` (a decision on one is offered for them).

        Looks among ``among`` (the records the caller shows, e.g. a topic's list), the seed
        landmarks and every record any reviewer decided. An id that merely resolves to the
        same record (a ``doi:`` id and its PMID) is not a duplicate: it shares the decision.
        """
        own = self.source.snapshot(rid) or self._stored_snapshot(rid)
        if own is None:
            return []
        me = own.pmid or self.source.resolved(rid) or rid
        facts: dict[str, WorkFacts] = {me: own}
        for record in among:
            facts.setdefault(record.pmid or record.id, record)
        for pin in self.source.landmarks(None):
            snap = self.source.snapshot(pin)
            if snap is not None:
                facts.setdefault(snap.pmid or pin, snap)
        for name in self.reviewers():
            for key, d in self._by_record(name).items():
                facts.setdefault(key, d.record)
        return WorkGroups(facts).members(me)

    # -- two reviewers -------------------------------------------------------------------------
    def conflicts(
        self, first: str, second: str, *, topic: str | None = None, reasons: bool = False
    ) -> list[Conflict]:
        """Records the two reviewers decided differently (see :mod:`.conflicts`)."""
        a, b = self.check_known(first), self.check_known(second)
        resolutions = self._by_record(CONSENSUS) if self.store.reviewer(CONSENSUS).exists else {}
        return find_conflicts(
            self._filtered(a, topic), self._filtered(b, topic), resolutions, reasons=reasons
        )

    # -- PRISMA --------------------------------------------------------------------------------
    def prisma(self, *, topic: str | None = None, reviewer: str | None = None) -> PrismaCounts:
        """PRISMA 2020 counts for a reviewer's decisions on a topic (or everything)."""
        name = self._who(reviewer)
        decided = {k: d for k, d in self._filtered(name, topic).items() if d.decided}
        counts = PrismaCounts(topic=topic, reviewer=name)
        counts.database_results = self.source.identified(topic)
        counts.register_results = self.source.registered(topic)
        others: dict[str, WorkFacts] = {}
        for pin in self.source.landmarks(topic):
            key = self.source.resolved(pin) or pin
            if key not in decided and (snap := self.source.snapshot(pin)) is not None:
                others[snap.pmid or key] = snap
        return tally(counts, decided, others)
