"""The explorer's workers: each calls a real Library and answers its host with one message.

A bare Textual app is the host (workers run on it and post to it); the Library is real, on tmp
directories, talking to the local E-utilities stand-in or offline. These pin the contract the
screen relies on: which message comes back, with what, for success, offline and failure.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from textual.app import App
from textual.message import Message

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.tui import answers as msg
from mscterm.tui.explorer import KNOWN_OFFLINE_NOTE, OFFLINE_NOTE, latest_key
from mscterm.tui.screens.export_dialog import ExportRequest
from mscterm.tui.workers import Loaders
from tests.eutils_server import EUtilsServer, Fault
from tests.test_tui_app import TOPIC, fast_library, preresolve, topic_query

REVIEW = "22685475"


class Host(App[None]):
    """Runs the workers and keeps every answer they post."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Message] = []

    def post_message(self, message: Message) -> bool:
        if type(message).__module__ == msg.__name__:
            self.answers.append(message)
            return True
        return super().post_message(message)


async def answers_of(library: Library, start) -> list[Message]:
    """Start work with ``start(loaders)`` on a fresh host; every answer once it has finished."""
    host = Host()
    async with host.run_test() as pilot:
        start(Loaders(library, host))
        await pilot.pause()
        await host.workers.wait_for_complete()
        await pilot.pause()
    return host.answers


async def test_a_link_list_answers_with_its_page_and_the_whole_answer(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.set_links(REVIEW, "pubmed_pubmed", ["90000004", "90000005", "90000006"])
    library = Library(settings)
    spec = ("review/similar", "similar", REVIEW, 3)
    got = await answers_of(
        library, lambda loaders: loaders.load_list(spec, 0, 2, None, append=False, refresh=False)
    )
    assert len(got) == 1 and isinstance(got[0], msg.ListLoaded)
    loaded = got[0]
    assert (loaded.key, loaded.generation) == ("review/similar", 3)
    assert (loaded.page.ids, loaded.page.total) == (["90000004", "90000005"], 3)
    assert loaded.page.every_id == ["90000004", "90000005", "90000006"] and loaded.error is None
    assert library.get("90000004") is not None  # the page's records are in the cache
    # The next page is cut from the kept answer: no second elink.
    eutils_server.clear_log()
    got = await answers_of(
        library,
        lambda loaders: loaders.load_list(
            spec, 2, 2, loaded.page.every_id, append=True, refresh=False
        ),
    )
    assert isinstance(got[0], msg.ListLoaded) and got[0].append
    assert got[0].page.ids == ["90000006"]
    assert eutils_server.requests_to("elink") == []


async def test_offline_lists_say_so_and_the_review_references_are_known(
    offline_settings: Settings,
):
    library = Library(offline_settings)
    similar = ("review/similar", "similar", REVIEW, 1)
    references = ("review/references", "references", REVIEW, 1)
    got = await answers_of(
        library,
        lambda loaders: loaders.load_list(similar, 0, 20, None, append=False, refresh=False),
    )
    assert got == [msg.ListFailed("review/similar", 1, OFFLINE_NOTE)]
    got = await answers_of(
        library,
        lambda loaders: loaders.load_list(references, 0, 20, None, append=False, refresh=False),
    )
    assert isinstance(got[0], msg.ListLoaded)
    assert got[0].page.ids == library.topics.review_references[:20]
    assert got[0].page.note is None and got[0].page.warning is None


async def test_a_server_failure_is_one_sentence_and_the_review_references_stay_known(
    settings: Settings, eutils_server: EUtilsServer
):
    library = fast_library(settings)
    eutils_server.inject(Fault("500", endpoint="elink", times=10))
    spec = ("review/cited_by", "cited_by", REVIEW, 1)
    got = await answers_of(
        library, lambda loaders: loaders.load_list(spec, 0, 20, None, append=False, refresh=False)
    )
    assert len(got) == 1 and isinstance(got[0], msg.ListFailed)
    assert got[0].error is not None and got[0].error.startswith("Could not load Cited by: ")
    references = ("review/references", "references", REVIEW, 1)
    got = await answers_of(
        library,
        lambda loaders: loaders.load_list(references, 0, 20, None, append=False, refresh=False),
    )
    assert isinstance(got[0], msg.ListLoaded)
    page = got[0].page
    assert page.note == KNOWN_OFFLINE_NOTE and page.ids == library.topics.review_references[:20]
    assert page.warning is not None and page.warning.startswith("References: ")


async def test_a_topic_answers_with_its_page_after_one_batch_of_records(
    settings: Settings, eutils_server: EUtilsServer
):
    library = Library(settings)
    preresolve(library, TOPIC)
    eutils_server.set_search(topic_query(library, TOPIC), ["90000002", "90000001"], count=2)
    got = await answers_of(library, lambda loaders: loaders.load_topic(TOPIC, 7, 20, refresh=False))
    assert len(got) == 1 and isinstance(got[0], msg.TopicLoaded)
    loaded = got[0]
    assert loaded.generation == 7 and loaded.page is not None
    assert sorted(loaded.page.ids) == ["90000001", "90000002"] and loaded.page.total == 2
    assert loaded.search_error is None and loaded.fetch_error is None
    assert set(library.topics.landmark_ids(TOPIC)) <= set(loaded.asked)
    assert len(eutils_server.requests_to("efetch")) == 1


async def test_a_restore_round_answers_each_list_then_the_round(
    settings: Settings, eutils_server: EUtilsServer
):
    library = Library(settings)
    preresolve(library, TOPIC)
    eutils_server.set_search(topic_query(library, TOPIC), ["90000001"], count=1)
    eutils_server.set_links(REVIEW, "pubmed_pubmed", ["90000004"])
    lists = [("review/similar", "similar", REVIEW, 2)]
    got = await answers_of(library, lambda loaders: loaders.restore_round([(TOPIC, 5)], lists, 20))
    loaded = [m for m in got if isinstance(m, msg.ListLoaded)]
    assert {(m.key, m.generation) for m in loaded} == {
        (latest_key(TOPIC), 5),
        ("review/similar", 2),
    }
    assert all(m.quiet for m in loaded)
    assert isinstance(got[-1], msg.RestoreRoundDone) and got[-1].errors == []
    assert {"90000001", "90000004"} <= set(got[-1].asked)
    assert len(eutils_server.requests_to("efetch")) == 1  # one batch for the whole round


async def test_a_record_pubmed_lacks_is_answered_not_found(
    settings: Settings, eutils_server: EUtilsServer
):
    library = Library(settings)
    got = await answers_of(library, lambda loaders: loaders.fetch_record("90000099", refresh=True))
    assert got == [msg.RecordFetched("90000099", False, None)]


async def test_the_export_answers_with_the_sentence_to_show(
    offline_settings: Settings, tmp_path: Path
):
    library = Library(dataclasses.replace(offline_settings))
    out = tmp_path / "marked.ris"
    request = ExportRequest(fmt="ris", path=out, include_abstract=False)
    got = await answers_of(library, lambda loaders: loaders.export(request, [REVIEW]))
    assert got == [msg.Exported(f"Wrote 1 reference to {out}")]
    assert "TY  - " in out.read_text(encoding="utf-8")
    got = await answers_of(library, lambda loaders: loaders.export(request, ["90000099"]))
    assert len(got) == 1 and isinstance(got[0], msg.WorkFailed)
    assert got[0].sentence.startswith("Export failed: ")


async def test_a_retry_of_the_http_layer_is_counted_as_a_try(
    settings: Settings, eutils_server: EUtilsServer
):
    """The status line's "try 2 of N" comes from the HTTP layer's own retry log."""
    from mscterm.tui.activity import Activity, listen

    library = fast_library(settings)
    activity = Activity()
    stop = listen(activity)
    try:
        eutils_server.inject(Fault("500", endpoint="efetch", times=1))
        with activity.track("pane", "Fetching PMID 90000001"):
            fetched = await library.records(["90000001"])
            seen = activity.try_of
    finally:
        stop()
        await library.aclose()
    assert fetched.ok and "90000001" in fetched.records
    assert seen is not None and seen[0] == 2  # the second try answered
