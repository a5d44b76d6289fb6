"""Every Library call of the explorer that may reach the network (or take a while), as workers.

This is the one place the TUI asks the :class:`~mscterm.library.Library` for records, links,
searches, counts and exports; the Library answers with :mod:`mscterm.results` objects and
never raises for a network or storage failure. Each worker calls the Library and posts what
came back to the screen that asked (its ``host``) as an answer of :mod:`mscterm.tui.answers`
(imported by each worker when it runs: answers come after the first frame); the screen
decides what to show. Nothing here touches a widget, and a worker never raises: a failure is
an answer too.

Worker groups (one running worker per group, on the host): ``topic`` (a topic's latest page and
its records), ``group`` (a list's page), ``restore`` (the lists a session left open), ``pane`` (the
highlighted record), ``prefetch`` (its siblings), ``counts`` (a topic's PubMed totals), ``count``
(the cache size), ``export``, ``search-pubmed``.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING, Any

from mscterm.model import is_trial_id
from mscterm.tui.activity import Activity
from mscterm.tui.explorer import FAILED_NOTE, OFFLINE_NOTE, latest_key
from mscterm.tui.nodes import GROUP_TITLES
from mscterm.tui.pages import Failed, Offline, list_page

if TYPE_CHECKING:
    from textual.dom import DOMNode
    from textual.message import Message

    from mscterm.library import Library
    from mscterm.results import Answer, LocalHits
    from mscterm.tui.answers import Page
    from mscterm.tui.screens.export_dialog import ExportRequest

DEBOUNCE = 0.25
"""Seconds the cursor must rest before the highlighted record is fetched (j held down = no I/O)."""

ListSpec = tuple[str, str, str, int]
"""A list to load: (key, kind, owner, load generation)."""
VISIBLE = frozenset({"topic", "group", "restore", "pane", "search-pubmed"})
"""Worker groups whose network work the person waits for: timed on the status line, and
cancelled by ``escape`` (prefetch, counts and the cache count are background chores)."""


class Loaders:
    """Starts the workers of one screen (``host``) and posts their answers to it."""

    def __init__(
        self, library: Library, host: DOMNode, *, activity: Activity | None = None
    ) -> None:
        self._library = library
        self._host = host
        self.activity = activity or Activity()
        """Visible work under way (elapsed time and tries for the status line)."""

    def _post(self, message: Message) -> None:
        self._host.post_message(message)

    def _run(
        self,
        work: Any,
        group: str,
        *,
        exclusive: bool = True,
        thread: bool = False,
        label: str | None = None,
    ) -> None:
        """Start ``work`` in a worker; with ``label``, it is visible work (timed, cancellable)."""
        if label is not None:
            inner, activity = work, self.activity

            async def work() -> None:
                with activity.track(group, label):
                    await inner()

        self._host.run_worker(
            work, group=group, exclusive=exclusive, thread=thread, exit_on_error=False
        )

    def run(self, work: Any, group: str, *, label: str | None = None) -> None:
        """Start ``work`` as a worker of this host, in one of its groups (the trial workers of
        :mod:`mscterm.tui.trials.loaders` run here too: timed and cancelled alike)."""
        self._run(work, group, label=label)

    def post(self, message: Message) -> None:
        """Post an answer to the host (for the workers beside these)."""
        self._host.post_message(message)

    def busy(self) -> bool:
        """Visible network work of this host is running."""
        return any(self._visible())

    def _visible(self) -> list[Any]:
        workers = self._host.app.workers
        return [w for w in workers if w.node is self._host and w.group in VISIBLE and w.is_running]

    def cancel_network(self) -> list[str]:
        """``escape``: cancel the visible network work; returns what it was doing (labels)."""
        cancelled = []
        for worker in self._visible():
            cancelled.append(self.activity.label_of(worker.group) or worker.group)
            worker.cancel()
        return cancelled

    async def page(
        self, kind: str, owner: str, start: int, size: int, known: list[str] | None, refresh: bool
    ) -> Page:
        """A page of a list (:func:`mscterm.tui.pages.list_page`)."""
        return await list_page(self._library, kind, owner, start, size, known, refresh)

    # -- the cache ---------------------------------------------------------------------------------
    def count_cached(self) -> None:
        """The cache size for the header; counting a big cache takes a moment, so off-thread."""
        self._run(self._count_cached, "count", thread=True)

    def _count_cached(self) -> None:
        from mscterm.tui import answers

        counts = self._library.cache_counts()
        if not counts.error:
            self._post(answers.CacheCounted(counts.value.shipped, counts.value.fetched))

    def local_hits(self, query: str, limit: int) -> Answer[LocalHits]:
        """The local index's best matches (milliseconds: called on every keystroke)."""
        return self._library.search_local(query, limit=limit)

    # -- topics and lists --------------------------------------------------------------------------
    def load_topic(self, topic_id: str, generation: int, size: int, *, refresh: bool) -> None:
        """One esearch (the topic's newest page), one efetch batch (landmarks + that page)."""
        topic = self._library.topics.get(topic_id)
        label = f"Loading {topic.title if topic else topic_id}"
        work = partial(self._load_topic, topic_id, generation, size, refresh)
        self._run(work, "topic", label=label)

    async def _load_topic(self, topic_id: str, generation: int, size: int, refresh: bool) -> None:
        from mscterm.tui import answers

        library = self._library
        key = latest_key(topic_id)
        try:
            page: Page | None = None
            search_error = None
            try:
                page = await self.page("latest", topic_id, 0, size, None, refresh)
            except Offline:
                pass
            except Failed as exc:
                search_error = str(exc)
            asked = library.topics.landmark_ids(topic_id) + (page.ids if page else [])
            fetched = await library.records(asked, refresh=refresh)
            shown, fetch_error = len(fetched.records), fetched.error
            self._post(
                answers.TopicLoaded(
                    topic_id, generation, asked, page, shown, search_error, fetch_error
                )
            )
        except asyncio.CancelledError:
            self._post(answers.ListCancelled(key, generation))
            raise
        except Exception as exc:  # never let a worker take the app down
            error = f"Could not load the topic: {exc}"
            self._post(answers.ListFailed(key, generation, FAILED_NOTE, error))

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
        work = partial(self._load_list, spec, start, size, known, append, refresh)
        self._run(work, "group", label=f"Loading {GROUP_TITLES.get(spec[1], 'the list')}")

    async def _load_list(
        self,
        spec: ListSpec,
        start: int,
        size: int,
        known: list[str] | None,
        append: bool,
        refresh: bool,
    ) -> None:
        from mscterm.tui import answers

        key, kind, owner, generation = spec
        try:
            page = await self.page(kind, owner, start, size, known, refresh)
            fetched = await self._library.records(records_only(page.ids), refresh=refresh)
            loaded = answers.ListLoaded(key, generation, page, append, fetched.error)
            self._post(loaded)
        except Offline:
            self._post(answers.ListFailed(key, generation, OFFLINE_NOTE))
        except asyncio.CancelledError:
            self._post(answers.ListCancelled(key, generation))
            raise
        except Exception as exc:
            error = f"Could not load {GROUP_TITLES.get(kind, 'the list')}: {exc}"
            self._post(answers.ListFailed(key, generation, FAILED_NOTE, error))

    def restore_round(
        self, topics: list[tuple[str, int]], lists: list[ListSpec], size: int
    ) -> None:
        """Bring back one level of the lists a session left open, as they were.

        Cached answers come at once (the Library answers them without the network); what is
        stale is asked for concurrently (one esearch per topic, one elink per list, within the
        shared rate limit), then every record they name in ONE ``records`` batch. Failures are
        gathered into the round's answer (one sentence for the whole restore).
        """
        work = partial(self._restore_round, topics, lists, size)
        self._run(work, "restore", exclusive=False, label="Restoring the open lists")

    async def _restore_round(
        self, topics: list[tuple[str, int]], lists: list[ListSpec], size: int
    ) -> None:
        from mscterm.tui import answers

        library = self._library
        errors: list[str] = []

        async def one(spec: ListSpec, topic: bool) -> list[str]:
            key, kind, owner, generation = spec
            try:
                page = await self.page(kind, owner, 0, size, None, False)
            except Offline:
                self._post(answers.ListFailed(key, generation, OFFLINE_NOTE))
                return []
            except Failed as exc:
                errors.append(str(exc))
                self._post(answers.ListFailed(key, generation, FAILED_NOTE))
                return []
            self._post(answers.ListLoaded(key, generation, page, quiet=True, topic_total=topic))
            return page.ids

        specs = [(latest_key(t), "latest", t, g) for t, g in topics]
        try:
            pages = await asyncio.gather(
                *(one(spec, True) for spec in specs), *(one(spec, False) for spec in lists)
            )
            asked: list[str] = []
            for topic_id, _ in topics:
                asked += library.topics.landmark_ids(topic_id)
            for page in pages:
                asked += page
            asked = records_only(dict.fromkeys(asked))
            if asked:
                fetched = await library.records(asked)
                if fetched.error:
                    errors.append(fetched.error)
            self._post(answers.RestoreRoundDone(asked, errors))
        except asyncio.CancelledError:
            for key, _, _, generation in [*specs, *lists]:
                self._post(answers.ListCancelled(key, generation))
            self._post(answers.RestoreFinished())
            raise
        except Exception as exc:  # never let a worker take the app down
            self._post(answers.RestoreFinished(f"Could not restore the open lists: {exc}"))

    # -- records -----------------------------------------------------------------------------------
    def fetch_record(self, rid: str, *, refresh: bool = False) -> None:
        """The highlighted record's full record, once the cursor rests on it."""
        shown = f"PMID {rid}" if rid.isdigit() else rid
        self._run(partial(self._fetch_record, rid, refresh), "pane", label=f"Fetching {shown}")

    async def _fetch_record(self, rid: str, refresh: bool) -> None:
        from mscterm.tui import answers

        if not refresh:
            await asyncio.sleep(DEBOUNCE)
        try:
            fetched = await self._library.records([rid], refresh=refresh)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._post(answers.RecordFetched(rid, False, f"could not fetch {rid}: {exc}", False))
            return
        found = rid in fetched.records and rid not in fetched.missing
        self._post(answers.RecordFetched(rid, found, fetched.error))

    def prefetch(self, rids: list[str]) -> None:
        """Fetch a few siblings ahead, after the cursor rested a little longer."""
        self._run(partial(self._prefetch, rids), "prefetch")

    async def _prefetch(self, rids: list[str]) -> None:
        from mscterm.tui import answers

        await asyncio.sleep(DEBOUNCE * 2)
        try:
            fetched = await self._library.records(rids)
        except Exception:
            return
        self._post(answers.Prefetched(rids, fetched.error))

    def load_counts(self, topic_id: str) -> None:
        """A topic's PubMed totals for the overview; they arrive when they arrive."""
        self._run(partial(self._load_counts, topic_id), "counts")

    async def _load_counts(self, topic_id: str) -> None:
        from mscterm.tui import answers

        await asyncio.sleep(DEBOUNCE)
        try:
            counts = await self._library.topic_counts(topic_id)
        except Exception as exc:
            self._post(answers.StatusNote(f"Topic counts unavailable: {exc}", error=True))
            return
        if counts.on_pubmed is not None:
            with contextlib.suppress(OSError):  # the visit is a nicety; never fail for it
                self._library.mark_visited(topic_id)
        self._post(answers.CountsArrived(topic_id, counts))

    # -- searching PubMed, exporting ---------------------------------------------------------------
    def search_pubmed(self, query: str, retstart: int, size: int) -> None:
        """A page of PubMed hits, newest first, with their records."""
        work = partial(self._search_pubmed, query, retstart, size)
        self._run(work, "search-pubmed", label="Searching PubMed")

    async def _search_pubmed(self, query: str, retstart: int, size: int) -> None:
        from mscterm.tui import answers

        library = self._library
        answer = await library.search_pubmed(query, retstart=retstart, retmax=size)
        if answer.error:
            self._post(answers.StatusNote(f"PubMed search failed: {answer.error}", error=True))
            return
        found = answer.value
        fetched = await library.records(found.ids)
        records = [fetched.records[i] for i in found.ids if i in fetched.records]
        page = answers.PubmedPage(query, retstart, found.ids, found.count, records, fetched.error)
        self._post(page)

    def export(self, request: ExportRequest, marks: list[str]) -> None:
        """Format and write atomically off the UI thread (10,000 records take a moment)."""
        self._run(partial(self._export, request, marks), "export", thread=True)

    def _export(self, request: ExportRequest, marks: list[str]) -> None:
        from mscterm.tui import answers

        try:
            sentence = export_marked(self._library, marks, request)
        except Exception as exc:
            self._post(answers.WorkFailed(f"Export failed: {exc}"))
            return
        self._post(answers.Exported(sentence))


def records_only(ids: Iterable[str]) -> list[str]:
    """Record ids without NCT ids: a trial list's rows are trials, not PubMed records."""
    return [i for i in ids if not is_trial_id(i)]


def export_marked(library: Library, marks: list[str], request: ExportRequest) -> str:
    """Export the marked records (cache only, with the reviewer's notes and tags) through the one
    export flow; the sentence to show."""
    from mscterm.export import flow
    from mscterm.export.options import ExportOptions

    options = ExportOptions(
        include_abstract=request.include_abstract, journal=library.settings.journal
    )
    # Notes and tags travel with the references, as from ``mscterm export``.
    options = flow.annotated(options, library.screening.annotations())
    job = flow.ExportJob(marks, fmt=request.fmt, output=str(request.path), options=options)
    outcome = flow.export_cached(library, job)
    if not outcome.written:
        raise ValueError("none of the marked references is in the cache")
    written, missing = len(outcome.written), len(outcome.missing)
    noun = "reference" if written == 1 else "references"
    extra = f" ({missing} not in the cache were left out)" if missing else ""
    return f"Wrote {written} {noun} to {request.path}{extra}"
