"""What screening needs from the Library, in one small adapter (no network, ever).

Screening reads records and topics and the counts a topic already knows; it never fetches.
:class:`LibrarySource` is the only place that knows the Library's names, so the screening
service can be tested on any object with these methods, and a Library change is one edit here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from mscterm.model import PMID_RE, Record, is_trial_id
from mscterm.screening.decisions import Snapshot

if TYPE_CHECKING:
    from mscterm.library import Library


class Source(Protocol):
    """The read-only facts screening uses."""

    def snapshot(self, rid: str) -> Snapshot | None:
        """The record's (or trial's) snapshot now, or ``None`` when nothing local knows it."""

    def resolved(self, rid: str) -> str | None:
        """The PMID a ``doi:``/``cite:`` id resolved to, when the cache knows it."""

    def topic_exists(self, topic_id: str) -> bool:
        """Whether the topic map has this id."""

    def landmarks(self, topic_id: str | None) -> list[str]:
        """The topic's pinned landmark ids (every topic's for ``None``)."""

    def identified(self, topic_id: str | None) -> int:
        """PRISMA's database_results: the PubMed count when known, else the local members."""

    def registered(self, topic_id: str | None) -> int:
        """PRISMA's register_results: the topic's registered trials when known, else 0."""


def record_snapshot(record: Record, topics: tuple[str, ...]) -> Snapshot:
    """A Record's snapshot (PMID, DOI, title, year, first author) with the given topics."""
    return Snapshot(
        title=record.title,
        year=record.year,
        topics=topics,
        pmid=record.pmid,
        doi=record.doi.strip().lower() if record.doi else None,
        first_author=record.first_author,
    )


class LibrarySource:
    """:class:`Source` over a :class:`mscterm.library.Library` (cache, seed, topic map)."""

    def __init__(self, library: Library) -> None:
        self.library = library

    # -- records -------------------------------------------------------------------------------
    def _topics_of(self, record: Record, rid: str) -> tuple[str, ...]:
        topics = self.library.topics
        found = list(topics.topics_for(record))
        for asked in {rid, record.id}:
            for topic in topics.walk():
                if topic.id not in found and asked in topics.landmark_ids(topic.id):
                    found.append(topic.id)
        return tuple(found)

    def snapshot(self, rid: str) -> Snapshot | None:
        if is_trial_id(rid):
            return self._trial_snapshot(rid)
        record = self.library.get(rid)
        if record is None:
            return None
        return record_snapshot(record, self._topics_of(record, rid))

    def _trial_snapshot(self, nct: str) -> Snapshot | None:
        trial = self.library.cached_trial(nct)  # as cached: no network
        if trial is None:
            return None
        start = (trial.start_date or "")[:4]
        return Snapshot(title=str(trial.title or ""), year=int(start) if start.isdigit() else None)

    def resolved(self, rid: str) -> str | None:
        if PMID_RE.match(rid) or is_trial_id(rid):
            return None
        record = self.library.get(rid)
        if record is not None and record.is_full and record.pmid:
            return record.pmid
        return None

    # -- topics --------------------------------------------------------------------------------
    def topic_exists(self, topic_id: str) -> bool:
        return self.library.topics.get(topic_id) is not None

    def landmarks(self, topic_id: str | None) -> list[str]:
        if topic_id is None:
            return self.library.topics.all_landmark_ids()
        return self.library.topics.landmark_ids(topic_id)

    def identified(self, topic_id: str | None) -> int:
        if topic_id is None:
            seed = {rec.id for rec in self.library.store.seed_records()}
            return len(set(self.library.store.ids()) | seed)
        count = self.library.known_topic_count(topic_id)
        if count is not None:
            return count
        size = self.library.topic_sizes().value.get(topic_id)  # counts, not a list of members
        return size.total if size is not None else 0

    def registered(self, topic_id: str | None) -> int:
        return self.library.topic_trial_count(topic_id) or 0
