"""What screening needs from the Library, in one small adapter (no network, ever).

Screening reads records and topics and the counts a topic already knows; it never fetches.
:class:`LibrarySource` is the only place that knows the Library's names, so the screening
service can be tested on any object with these methods, and a Library change is one edit here.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any, Protocol

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
        # A registered trial as cached (no network): the Library's own getter when it has one,
        # else the store's.
        lookup = getattr(self.library, "cached_trial", None) or getattr(
            self.library.store, "get_trial", None
        )
        trial: Any = lookup(nct) if callable(lookup) else None
        if trial is None:
            return None
        start = str(getattr(trial, "start_date", "") or "")[:4]
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

    def _known_pubmed_count(self, topic_id: str) -> int | None:
        known = getattr(self.library, "known_topic_count", None)
        if callable(known):
            value = known(topic_id)
            return value if isinstance(value, int) else None
        # The Library caches a topic's esearch count for a day under the day's key.
        topic = self.library.topics.get(topic_id)
        if topic is None:
            return None
        today = dt.date.today()
        for day in (today, today - dt.timedelta(days=1)):
            value = self.library.store.get_result(f"count:{day:%Y/%m/%d}:{topic.query}")
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return None

    def identified(self, topic_id: str | None) -> int:
        if topic_id is None:
            seed = {rec.id for rec in self.library.store.seed_records()}
            return len(set(self.library.store.ids()) | seed)
        count = self._known_pubmed_count(topic_id)
        if count is not None:
            return count
        size = self.library.topic_sizes().value.get(topic_id)  # counts, not a list of members
        return size.total if size is not None else 0

    def registered(self, topic_id: str | None) -> int:
        known = getattr(self.library, "known_topic_trial_count", None)
        if callable(known):
            value = known(topic_id)
            if isinstance(value, int) and not isinstance(value, bool):
                return value
        return 0
