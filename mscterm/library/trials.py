"""Registered trials for the Library: by NCT id, a topic's list, its count, and its papers.

The cache first, ClinicalTrials.gov for the rest (through
:class:`~mscterm.library.connection.Connection`, which also says whether mscterm is online):
trials are kept by NCT id without expiry (the store versions them with
``TRIAL_SCHEMA_VERSION``), a topic's list of NCT ids with the day it was fetched, so that it is
refreshed after a day online and still shown offline however old.
A list arrives with the summary fields only (``SUMMARY_FIELDS``: everything but adverse
events), so storing it never drops the adverse events of a trial fetched whole before.
Nothing here raises for a network or storage failure: every answer is a result object.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import time
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mscterm.library.failures import Failure
from mscterm.model import NCT_RE, TrialsQuery
from mscterm.results import Answer, FetchedTrials, Problem, TrialList

if TYPE_CHECKING:
    from mscterm.library.connection import Connection
    from mscterm.model import Trial
    from mscterm.store import RecordStore
    from mscterm.topics import Topic, TopicMap

ProgressCallback = Callable[[int, int], None]

DAY = 24 * 3600.0
LIST_TTL = DAY
"""A topic's list is fetched again after a day (when online)."""
KEEP = 3650 * DAY
"""How long kept lists and old-id aliases stay in the cache: until ``cache clear``."""
MISSING_TTL = 3600.0
"""An NCT id the registry does not have is not asked for again within the hour."""
TOPIC_MAX_PAGES = 10
"""A topic's list stops at 10,000 trials (ten requests); MSC topics hold far fewer."""
QUERY_MAX_PAGES = 2
"""A free query (``mscterm trials QUERY``) stops at 2,000 trials and says so."""

TRIAL_STATUSES: tuple[str, ...] = (
    "ACTIVE_NOT_RECRUITING", "COMPLETED", "ENROLLING_BY_INVITATION", "NOT_YET_RECRUITING",
    "RECRUITING", "SUSPENDED", "TERMINATED", "WITHDRAWN", "AVAILABLE", "NO_LONGER_AVAILABLE",
    "TEMPORARILY_NOT_AVAILABLE", "APPROVED_FOR_MARKETING", "WITHHELD", "UNKNOWN",
)  # fmt: skip
"""The registry's ``overallStatus`` values (CTGOV_FACTS.md "Enums")."""


def parse_statuses(text: str) -> tuple[str, ...]:
    """``"completed, terminated"`` -> ``("COMPLETED", "TERMINATED")``; ``ValueError`` (one
    sentence) for a value the registry does not know. Spaces, hyphens and case are forgiven."""
    found = []
    for part in text.replace("|", ",").split(","):
        word = "_".join(part.strip().replace("-", " ").replace(",", " ").upper().split())
        if not word:
            continue
        if word not in TRIAL_STATUSES:
            known = ", ".join(s.lower() for s in TRIAL_STATUSES)
            raise ValueError(f"not a trial status: {part.strip()[:40]!r} (one of {known})")
        found.append(word)
    return tuple(dict.fromkeys(found))


def is_complete(trial: Trial) -> bool:
    """Whether a cached trial is all the registry would send: its adverse events are there, or
    it has no results to have them (a list's summary trial with results is not complete)."""
    return trial.adverse_events is not None or trial.has_results is False


def newest_first(trials: Iterable[Trial]) -> list[Trial]:
    """Newest registration first: NCT numbers are given in order of registration."""
    return sorted(trials, key=lambda t: t.nct_id, reverse=True)


def _merged(new: Trial, old: Trial | None) -> Trial:
    """A summary trial that keeps the adverse events the cache already had for it."""
    if new.adverse_events is not None or new.has_results is False:
        return new
    if old is not None and old.adverse_events is not None:
        return dataclasses.replace(new, adverse_events=old.adverse_events)
    return new


def list_key(query: TrialsQuery, status: Sequence[str] = ()) -> str:
    """The cache key of a search's list (the schema version in it: a new shape refetches)."""
    from mscterm.model.trial import TRIAL_SCHEMA_VERSION

    asked = {"query": query.params(), "status": sorted(status), "v": TRIAL_SCHEMA_VERSION}
    return "ctgov-list:" + json.dumps(asked, sort_keys=True, separators=(",", ":"))


class TrialService:
    """Trials, topic lists, counts and warm-ups; the publications live in
    :mod:`mscterm.library.trialpubs`."""

    def __init__(
        self,
        store: Callable[[], RecordStore],
        connection: Connection,
        topics: Callable[[], TopicMap],
    ) -> None:
        self._store = store
        self._connection = connection
        self._topics = topics

    # -- the cache -----------------------------------------------------------------------------
    def _kept(self, key: str) -> Any | None:
        try:
            return self._store().get_result(key)
        except OSError:
            return None

    def cached(self, ncts: Iterable[str]) -> dict[str, Trial]:
        """Every asked NCT id the cache has (an old id through its alias), no network."""
        asked = list(ncts)
        try:
            store = self._store()
            found = store.get_trials(asked)
            for nct in asked:
                if nct not in found:
                    current = store.get_result(f"ctgov-alias:{nct}")
                    trial = store.get_trial(current) if isinstance(current, str) else None
                    if trial is not None:
                        found[nct] = trial
            return found
        except OSError:
            return {}

    def cached_trial(self, nct: str) -> Trial | None:
        """The cached trial (an old id through its alias), no network; None if not cached."""
        return self.cached([nct.strip().upper()]).get(nct.strip().upper())

    def cached_answer(self, ncts: Sequence[str]) -> FetchedTrials | None:
        """What the cache alone answers when that is enough (every trial there and complete,
        or offline: whatever is there), without the network or an event loop; else None."""
        wanted = list(dict.fromkeys(ncts))
        have = self.cached(wanted)
        offline = self._connection.offline
        if not offline and not all(n in have and is_complete(have[n]) for n in wanted):
            return None
        missing = [n for n in wanted if n not in have]
        return FetchedTrials(trials=have, missing=missing, offline=offline)

    def _store_trials(self, trials: Sequence[Trial]) -> Failure | None:
        """Keep trials (summary ones merged with what is kept); a storage failure is returned."""
        try:
            store = self._store()
            old = store.get_trials(t.nct_id for t in trials)
            store.put_trials([_merged(t, old.get(t.nct_id)) for t in trials])
        except OSError as exc:
            return self._connection.failure(exc)
        return None

    # -- trials by id --------------------------------------------------------------------------
    async def trials(
        self,
        ncts: Sequence[str],
        *,
        refresh: bool = False,
        progress: ProgressCallback | None = None,
    ) -> FetchedTrials:
        """Trials by NCT id: complete ones from the cache, the rest fetched and kept.

        Offline (or when the registry fails) an incomplete cached trial stands in for the full
        one; ids nobody has are ``missing``.
        """
        wanted = list(dict.fromkeys(n.strip().upper() for n in ncts if NCT_RE.match(n.strip())))
        have = self.cached(wanted)
        result = FetchedTrials(trials={n: t for n, t in have.items() if is_complete(t)})
        bad = [n for n in ncts if not NCT_RE.match(n.strip())]
        if bad:
            result.warnings.append(f"not an NCT id (left out): {bad[0][:40]!r}")
        to_fetch = [n for n in wanted if refresh or n not in result.trials]
        failure: Failure | None = None
        if to_fetch and not self._connection.offline:
            failure = await self._fetch(to_fetch, result, refresh, progress)
        for nct in wanted:  # what could not be had whole: the cached part is better than none
            if nct not in result.trials and nct in have:
                result.trials[nct] = have[nct]
        result.missing = [n for n in wanted if n not in result.trials]
        if failure is not None:
            result.error, result.problem = failure.sentence, failure.problem
        result.offline = self._connection.offline
        result.warnings.extend(self._connection.drain_warnings())
        return result

    async def _fetch(
        self,
        ncts: list[str],
        result: FetchedTrials,
        refresh: bool,
        progress: ProgressCallback | None,
    ) -> Failure | None:
        stored: list[Failure] = []  # storage failures: the trials are still returned
        store: RecordStore | None = None
        try:
            store = self._store()
            if not refresh:
                ncts = [n for n in ncts if not store.recently_missing(n)]
        except OSError as exc:
            stored.append(self._connection.failure(exc))
        done = 0
        if progress:
            progress(0, len(ncts))

        def found(asked: str, trial: Trial) -> None:
            nonlocal done
            result.trials[asked] = trial
            failed = self._store_trials([trial])
            if failed is not None:
                stored.append(failed)
            elif asked != trial.nct_id and store is not None:  # an old id: remember where to
                with contextlib.suppress(OSError):
                    store.put_result(f"ctgov-alias:{asked}", trial.nct_id, KEEP)
            done += 1
            if progress:
                progress(done, len(ncts))

        try:
            missing = await self._connection.trials_client().studies_into(ncts, found)
        except Exception as exc:
            return self._connection.failure(exc)
        if missing and store is not None:
            try:
                store.note_missing(missing, ttl=MISSING_TTL)
            except OSError as exc:
                stored.append(self._connection.failure(exc))
        return stored[0] if stored else None

    # -- lists ---------------------------------------------------------------------------------
    def _topic(self, topic_id: str) -> Topic:
        topic = self._topics().get(topic_id)
        if topic is None:
            raise KeyError(topic_id)
        return topic

    async def search(
        self,
        query: TrialsQuery,
        *,
        status: Sequence[str] = (),
        refresh: bool = False,
        max_pages: int = QUERY_MAX_PAGES,
    ) -> Answer[TrialList]:
        """A query's trials (summary fields), newest registration first, kept a day; offline
        or when the registry fails, the kept list however old (or an empty one)."""
        key = list_key(query, status)
        kept = self._kept(key)
        listed = self._list(kept) if isinstance(kept, dict) else None
        fresh = listed is not None and time.time() - (listed.fetched_at or 0) < LIST_TTL
        if listed is not None and ((fresh and not refresh) or self._connection.offline):
            return self._connection.answer(listed)
        try:
            found = await self._connection.trials_client().search(
                query, status=status, max_pages=max_pages
            )
        except Exception as exc:
            failure = self._connection.failure(exc)
            if failure.problem is Problem.OFFLINE and listed is not None:
                return self._connection.answer(listed)
            return self._connection.answer(listed or TrialList(), failure)
        now = time.time()
        value = TrialList(newest_first(found.trials), found.total, found.complete, now)
        stored = self._store_trials(found.trials)
        if stored is None:
            entry = {
                "at": now, "ids": [t.nct_id for t in value.trials], "total": found.total,
                "complete": found.complete,
            }  # fmt: skip
            try:
                self._store().put_result(key, entry, KEEP)
            except OSError as exc:
                stored = self._connection.failure(exc)
        return self._connection.answer(value, stored)

    def _list(self, kept: dict[str, Any]) -> TrialList | None:
        """A kept list with its trials from the cache (None if kept in an unknown shape)."""
        ids, at, total = kept.get("ids"), kept.get("at"), kept.get("total")
        if not isinstance(ids, list) or not isinstance(at, int | float):
            return None
        try:
            found = self._store().get_trials(i for i in ids if isinstance(i, str))
        except OSError:
            return None
        total = total if isinstance(total, int) and not isinstance(total, bool) else None
        trials = [found[i] for i in ids if isinstance(i, str) and i in found]
        return TrialList(trials, total, kept.get("complete") is not False, float(at))

    async def topic_trials(
        self, topic_id: str, *, status: Sequence[str] = (), refresh: bool = False
    ) -> Answer[TrialList]:
        """A topic's registered trials (its ``trials_query``), newest first, kept a day.

        The whole list is fetched and kept once; ``status`` filters it here, so every filter
        works offline. A topic without a trials query answers an empty list and says so.
        """
        topic = self._topic(topic_id)
        if topic.trials_query is None:
            note = f"topic {topic_id} has no registered-trials query"
            return self._connection.answer(TrialList(), warnings=[note])
        answer = await self.search(topic.trials_query, refresh=refresh, max_pages=TOPIC_MAX_PAGES)
        if status:
            wanted = set(status)
            listed = answer.value
            answer.value = dataclasses.replace(
                listed, trials=[t for t in listed.trials if t.status in wanted]
            )
        return answer

    def topic_trial_count(self, topic_id: str | None = None) -> int | None:
        """How many trials the registry counted for a topic when its list was last fetched
        (the cache only, no network); None when never fetched or the topic has no query.

        ``None`` for every topic: the distinct trials of all kept topic lists (PRISMA's
        ``register_results`` without ``--topic``); None when no list was ever fetched.
        """
        if topic_id is None:
            return self._all_topics_count()
        query = self._topic(topic_id).trials_query
        kept = self._kept(list_key(query)) if query is not None else None
        if not isinstance(kept, dict) or not isinstance(kept.get("ids"), list):
            return None
        total = kept.get("total")
        if isinstance(total, int) and not isinstance(total, bool) and total >= 0:
            return total
        return len(kept["ids"])

    def _all_topics_count(self) -> int | None:
        seen: set[str] = set()
        known = False
        for topic in self._topics().walk():
            kept = self._kept(list_key(topic.trials_query)) if topic.trials_query else None
            if isinstance(kept, dict) and isinstance(kept.get("ids"), list):
                known = True
                seen.update(i for i in kept["ids"] if isinstance(i, str))
        return len(seen) if known else None

    async def fetch_topic(
        self, topic_id: str, *, progress: ProgressCallback | None = None
    ) -> Answer[TrialList]:
        """Warm the cache with a topic's trials: its list, and every trial with results whole
        (adverse events), so the trial pane and ``mscterm trial`` work offline."""
        listed = await self.topic_trials(topic_id)
        if listed.error or self._connection.offline:
            return listed
        need = [t.nct_id for t in listed.value.trials if not is_complete(t)]
        got = await self.trials(need, progress=progress)
        listed.value.trials = [got.trials.get(t.nct_id, t) for t in listed.value.trials]
        listed.warnings += got.warnings
        if got.error:
            listed.error, listed.problem = got.error, got.problem
        listed.offline = got.offline
        return listed
