"""Every Library call of the explorer that may reach the network (or take a while), as workers.

This is the one place the TUI asks the :class:`~mscterm.library.Library` for records, links,
searches, counts and exports. Each worker calls the Library and posts what came back, as a
message of :mod:`mscterm.tui.messages`, to the screen that asked (its ``host``); the screen
decides what to show. Nothing here touches a widget. A worker never raises: a failure becomes a
message too.

Worker groups (one running worker per group, on the host): ``topic`` (a topic's latest page and
its records), ``group`` (a list's page), ``restore`` (the lists a session left open), ``pane`` (the
highlighted record), ``prefetch`` (its siblings), ``counts`` (a topic's PubMed totals), ``count``
(the cache size), ``export``, ``search-pubmed``.
"""

from __future__ import annotations

import asyncio
import contextlib
from functools import partial
from typing import TYPE_CHECKING, Any

from mscterm.results import TopicCounts
from mscterm.tui import messages as msg
from mscterm.tui.explorer import FAILED_NOTE, KNOWN_OFFLINE_NOTE, OFFLINE_NOTE, latest_key
from mscterm.tui.nodes import GROUP_TITLES, REVIEW_PMID

if TYPE_CHECKING:
    from textual.dom import DOMNode

    from mscterm.library import Library
    from mscterm.model import Record
    from mscterm.tui.screens.export_dialog import ExportRequest

DEBOUNCE = 0.25
"""Seconds the cursor must rest before the highlighted record is fetched (j held down = no I/O)."""

ListSpec = tuple[str, str, str, int]
"""A list to load: (key, kind, owner, load generation)."""


def _net_errors() -> tuple[type[Exception], type[Exception]]:
    """(any E-utilities failure, offline by choice): what the Library still raises today."""
    from mscterm.ncbi.errors import EUtilsError, OfflineError

    return EUtilsError, OfflineError


def _topic_counts(found: Any) -> TopicCounts:
    """The Library's counts as :class:`mscterm.results.TopicCounts` (the type the TUI uses)."""
    return TopicCounts(
        landmarks=found.landmarks,
        cached=found.cached,
        on_pubmed=found.on_pubmed,
        new_since_visit=found.new_since_visit,
        last_visit=found.last_visit,
        error=found.error,
    )


class Loaders:
    """Starts the workers of one screen (``host``) and posts their answers to it."""

    def __init__(self, library: Library, host: DOMNode) -> None:
        self._library = library
        self._host = host

    def _post(self, message: msg.Message) -> None:
        self._host.post_message(message)

    def _run(self, work: Any, group: str, *, exclusive: bool = True, thread: bool = False) -> None:
        self._host.run_worker(
            work, group=group, exclusive=exclusive, thread=thread, exit_on_error=False
        )

    # -- the cache ---------------------------------------------------------------------------------
    def count_cached(self) -> None:
        """The cache size for the header; counting a big cache takes a moment, so off-thread."""
        self._run(self._count_cached, "count", thread=True)

    def _count_cached(self) -> None:
        try:
            count = self._library.cached_count()
        except Exception:
            return
        self._post(msg.CacheCounted(count))

    def local_hits(self, query: str, limit: int) -> list[Record]:
        """The local index's best matches (milliseconds: called on every keystroke)."""
        return self._library.search_local(query, limit=limit)

    # -- topics and lists --------------------------------------------------------------------------
    def load_topic(self, topic_id: str, generation: int, size: int, *, refresh: bool) -> None:
        """One esearch (the topic's newest page), one efetch batch (landmarks + that page)."""
        self._run(partial(self._load_topic, topic_id, generation, size, refresh), "topic")

    async def _load_topic(self, topic_id: str, generation: int, size: int, refresh: bool) -> None:
        library = self._library
        net_error, offline_error = _net_errors()
        try:
            page: list[str] | None = None
            total: int | None = None
            search_error = None
            try:
                found = await library.topic_latest(topic_id, retmax=size, refresh=refresh)
                page, total = found.ids, found.count
            except offline_error:
                pass
            except (net_error, OSError) as exc:
                search_error = str(exc)
            asked = library.topics.landmark_ids(topic_id) + (page or [])
            fetched = await library.records(asked, refresh=refresh)
            self._post(
                msg.TopicLoaded(
                    topic_id,
                    generation,
                    asked,
                    page,
                    total,
                    len(fetched.records),
                    search_error=search_error,
                    fetch_error=fetched.error,
                )
            )
        except asyncio.CancelledError:
            self._post(msg.ListCancelled(latest_key(topic_id), generation))
            raise
        except Exception as exc:  # never let a worker take the app down
            error = f"Could not load the topic: {exc}"
            self._post(msg.ListFailed(latest_key(topic_id), generation, FAILED_NOTE, error))

    def load_list(
        self,
        spec: ListSpec,
        start: int,
        size: int,
        known: list[str] | None,
        *,
        append: bool,
        refresh: bool,
    ) -> None:
        """One page of a list (and that page's records, in one batch).

        ``known`` is the whole link list kept from the first page: the next page is cut from it.
        """
        self._run(partial(self._load_list, spec, start, size, known, append, refresh), "group")

    async def _load_list(
        self,
        spec: ListSpec,
        start: int,
        size: int,
        known: list[str] | None,
        append: bool,
        refresh: bool,
    ) -> None:
        key, kind, owner, generation = spec
        library = self._library
        net_error, offline_error = _net_errors()
        try:
            note = warning = None
            every = known
            if kind == "latest":
                try:
                    found = await library.topic_latest(
                        owner, retstart=start, retmax=size, refresh=refresh
                    )
                except offline_error:
                    self._post(msg.ListFailed(key, generation, OFFLINE_NOTE))
                    return
                page, total = found.ids, found.count
            else:
                if every is None:
                    try:
                        every = await library.related(owner, kind, refresh=refresh)
                    except (net_error, OSError) as exc:
                        if kind == "references" and owner == REVIEW_PMID:
                            every = list(library.topics.review_references)
                            note = KNOWN_OFFLINE_NOTE
                            if not isinstance(exc, offline_error):
                                warning = f"References: {exc}"
                        elif isinstance(exc, offline_error):
                            self._post(msg.ListFailed(key, generation, OFFLINE_NOTE))
                            return
                        else:
                            raise
                page, total = every[start : start + size], len(every)
            fetched = await library.records(page, refresh=refresh)
            self._post(
                msg.ListLoaded(
                    key,
                    generation,
                    page,
                    total,
                    append=append,
                    note=note,
                    every_id=every,
                    error=fetched.error,
                    warning=warning,
                )
            )
        except asyncio.CancelledError:
            self._post(msg.ListCancelled(key, generation))
            raise
        except Exception as exc:
            error = f"Could not load {GROUP_TITLES.get(kind, 'the list')}: {exc}"
            self._post(msg.ListFailed(key, generation, FAILED_NOTE, error))

    def restore_round(
        self, topics: list[tuple[str, int]], lists: list[ListSpec], size: int
    ) -> None:
        """Bring back one level of the lists a session left open, as they were.

        Cached answers come at once (the Library answers them without the network); what is
        stale is asked for concurrently (one esearch per topic, one elink per list, within the
        shared rate limit), then every record they name in ONE ``records`` batch.
        """
        self._run(partial(self._restore_round, topics, lists, size), "restore", exclusive=False)

    async def _restore_round(
        self, topics: list[tuple[str, int]], lists: list[ListSpec], size: int
    ) -> None:
        library = self._library
        net_error, offline_error = _net_errors()
        errors: list[str] = []

        async def topic_page(topic_id: str, generation: int) -> list[str]:
            key = latest_key(topic_id)
            try:
                found = await library.topic_latest(topic_id, retmax=size)
            except offline_error:
                self._post(msg.ListFailed(key, generation, OFFLINE_NOTE))
                return []
            except (net_error, OSError) as exc:
                errors.append(str(exc))
                self._post(msg.ListFailed(key, generation, FAILED_NOTE))
                return []
            self._post(
                msg.ListLoaded(
                    key, generation, found.ids, found.count, quiet=True, topic_total=True
                )
            )
            return found.ids

        async def list_page(spec: ListSpec) -> list[str]:
            key, kind, owner, generation = spec
            note = None
            every: list[str] | None = None
            try:
                if kind == "latest":
                    found = await library.topic_latest(owner, retmax=size)
                    page, total = found.ids, found.count
                else:
                    every = await library.related(owner, kind)
                    page, total = every[:size], len(every)
            except (net_error, OSError) as exc:
                if kind == "references" and owner == REVIEW_PMID:
                    every = list(library.topics.review_references)
                    note = KNOWN_OFFLINE_NOTE
                    page, total = every[:size], len(every)
                elif isinstance(exc, offline_error):
                    self._post(msg.ListFailed(key, generation, OFFLINE_NOTE))
                    return []
                else:
                    errors.append(str(exc))
                    self._post(msg.ListFailed(key, generation, FAILED_NOTE))
                    return []
            self._post(
                msg.ListLoaded(key, generation, page, total, note=note, every_id=every, quiet=True)
            )
            return page

        try:
            pages = await asyncio.gather(
                *(topic_page(t, g) for t, g in topics), *(list_page(s) for s in lists)
            )
            asked: list[str] = []
            for topic_id, _ in topics:
                asked += library.topics.landmark_ids(topic_id)
            for page in pages:
                asked += page
            asked = list(dict.fromkeys(asked))
            if asked:
                fetched = await library.records(asked)
                if fetched.error:
                    errors.append(fetched.error)
            self._post(msg.RestoreRoundDone(asked, errors))
        except asyncio.CancelledError:
            for topic_id, generation in topics:
                self._post(msg.ListCancelled(latest_key(topic_id), generation))
            for key, _, _, generation in lists:
                self._post(msg.ListCancelled(key, generation))
            self._post(msg.RestoreFinished())
            raise
        except Exception as exc:  # never let a worker take the app down
            self._post(msg.RestoreFinished(f"Could not restore the open lists: {exc}"))

    # -- records -----------------------------------------------------------------------------------
    def fetch_record(self, rid: str, *, refresh: bool = False) -> None:
        """The highlighted record's full record, once the cursor rests on it."""
        self._run(partial(self._fetch_record, rid, refresh), "pane")

    async def _fetch_record(self, rid: str, refresh: bool) -> None:
        if not refresh:
            await asyncio.sleep(DEBOUNCE)
        try:
            fetched = await self._library.records([rid], refresh=refresh)
        except Exception as exc:
            self._post(msg.RecordFetched(rid, False, f"Could not fetch {rid}: {exc}", False))
            return
        found = rid in fetched.records and rid not in fetched.missing
        self._post(msg.RecordFetched(rid, found, fetched.error))

    def prefetch(self, rids: list[str]) -> None:
        """Fetch a few siblings ahead, after the cursor rested a little longer."""
        self._run(partial(self._prefetch, rids), "prefetch")

    async def _prefetch(self, rids: list[str]) -> None:
        await asyncio.sleep(DEBOUNCE * 2)
        try:
            fetched = await self._library.records(rids)
        except Exception:
            return
        self._post(msg.Prefetched(rids, fetched.error))

    # -- topic counts ------------------------------------------------------------------------------
    def load_counts(self, topic_id: str) -> None:
        """PubMed totals for the overview; they arrive when they arrive, never blocking."""
        self._run(partial(self._load_counts, topic_id), "counts")

    async def _load_counts(self, topic_id: str) -> None:
        await asyncio.sleep(DEBOUNCE)
        try:
            counts = _topic_counts(await self._library.topic_counts(topic_id))
        except Exception as exc:
            self._post(msg.StatusNote(f"Topic counts unavailable: {exc}", error=True))
            return
        if counts.on_pubmed is not None:
            with contextlib.suppress(OSError):  # the visit is a nicety; never fail for it
                self._library.mark_visited(topic_id)
        self._post(msg.CountsArrived(topic_id, counts))

    # -- searching PubMed --------------------------------------------------------------------------
    def search_pubmed(self, query: str, retstart: int, size: int) -> None:
        """A page of PubMed hits, newest first, with their records."""
        self._run(partial(self._search_pubmed, query, retstart, size), "search-pubmed")

    async def _search_pubmed(self, query: str, retstart: int, size: int) -> None:
        library = self._library
        try:
            found = await library.search_pubmed(query, retstart=retstart, retmax=size)
            fetched = await library.records(found.ids)
        except Exception as exc:
            self._post(msg.StatusNote(f"PubMed search failed: {exc}", error=True))
            return
        records = [fetched.records[i] for i in found.ids if i in fetched.records]
        self._post(msg.PubmedPage(query, retstart, found.ids, found.count, records, fetched.error))

    # -- export ------------------------------------------------------------------------------------
    def export(self, request: ExportRequest, marks: list[str]) -> None:
        """Format and write atomically off the UI thread (10,000 records take a moment)."""
        self._run(partial(self._export, request, marks), "export", thread=True)

    def _export(self, request: ExportRequest, marks: list[str]) -> None:
        try:
            sentence = export_marked(self._library, marks, request)
        except Exception as exc:
            self._post(msg.WorkFailed(f"Export failed: {exc}"))
            return
        self._post(msg.Exported(sentence))


def export_marked(library: Library, marks: list[str], request: ExportRequest) -> str:
    """Export the marked records to ``request.path``; returns the sentence to show."""
    from mscterm.export import export_records
    from mscterm.export.citekeys import assign_keys
    from mscterm.export.writer import write_output

    found = library.cached(marks)
    records = [found[rid] for rid in marks if rid in found]
    if not records:
        raise ValueError("none of the marked references is in the cache")
    state = library.state
    keys = assign_keys(records, state.citekeys, library.settings.citekey_template)
    keys = state.pin_citekeys(keys)
    text = export_records(
        records, request.fmt, keys=keys, include_abstract=request.include_abstract
    )
    write_output(text, str(request.path))
    missing = len(marks) - len(records)
    noun = "reference" if len(records) == 1 else "references"
    extra = f" ({missing} not in the cache were left out)" if missing else ""
    return f"Wrote {len(records)} {noun} to {request.path}{extra}"
