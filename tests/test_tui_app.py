"""Pilot tests of the explorer: a real Library on a tmp cache, offline or against the stand-in.

Each test presses keys the way a person would and checks what is on the screen (the rendered
text of the terminal, the tree's labels, the pane) or what reached the stand-in server.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from textual.pilot import Pilot

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.model import Record
from mscterm.tui.app import MscApp
from mscterm.tui.nodes import RecordData, TopicData
from mscterm.tui.screens.help import HelpScreen
from mscterm.tui.screens.main import MainScreen
from mscterm.tui.screens.search import SearchScreen
from mscterm.tui.widgets.topic_tree import TopicTree
from tests.eutils_server import EUtilsServer, Fault, fictional_article

SIZE = (80, 24)
TOPIC = "genetic-stability"
RUBIO = "15833829"  # a real landmark (retracted), from the seed snapshot
HOSTILE_PMID = "90000099"


# -- helpers -----------------------------------------------------------------------------------
def fast_library(settings: Settings) -> Library:
    """A real Library whose real client retries quickly (fault tests stay fast)."""

    def client():
        from mscterm.ncbi.client import EUtilsClient

        return EUtilsClient(settings, max_retries=1, backoff_base=0.01)

    return Library(settings, client_factory=client)


def screen_text(app: MscApp) -> str:
    """The characters on the terminal right now (what a person reads)."""
    strips = app.screen._compositor.render_strips()
    return "\n".join("".join(segment.text for segment in strip) for strip in strips)


async def settle(pilot: Pilot) -> None:
    """Let workers finish (a cancelled one counts as finished), their answers be handled and the
    screen repaint."""
    from textual.worker import WorkerCancelled, WorkerFailed

    await pilot.pause()
    for _ in range(20):
        try:
            await pilot.app.workers.wait_for_complete()
        except (WorkerCancelled, WorkerFailed):
            continue
        await pilot.pause()  # the workers' messages are handled (and may start more work)
        if not any(w.is_running for w in pilot.app.workers):
            break
    await pilot.pause()


def main_screen(app: MscApp) -> MainScreen:
    screen = app.main
    assert screen is not None
    return screen


def tree_of(app: MscApp) -> TopicTree:
    return main_screen(app).topic_tree


def drawn(tree: TopicTree, node) -> str:
    """A node's label as the tree draws it (marks and badges included)."""
    return tree.label_of(node).plain


def labels_under(tree: TopicTree, key: str) -> list[str]:
    node = tree.node_by_key(key)
    assert node is not None, key
    return [drawn(tree, child) for child in node.children]


def pane_text(app: MscApp) -> str:
    pane = main_screen(app).pane
    parts = []
    for widget_id in ("#pane-notice", "#pane-body", "#pane-tail"):
        visual = pane.query_one(widget_id).render()
        parts.append(str(getattr(visual, "plain", visual)))
    return "\n".join(parts)


def notifications(app: MscApp) -> list[str]:
    return [n.message for n in app._notifications]


async def goto_key(pilot: Pilot, key: str) -> None:
    tree = tree_of(pilot.app)  # type: ignore[arg-type]
    assert tree.select_key(key), key
    await pilot.pause()


def preresolve(library: Library, topic_id: str) -> None:
    """Record a finished lookup for the topic's PMID-less landmarks (as a first visit would)."""
    for rid in library.topics.landmark_ids(topic_id):
        if not rid.isdigit():
            record = library.get(rid)
            if record is not None and record.resolution in (None, "pending"):
                record.resolution = "NOT_FOUND"
                library.store.put([record])


def topic_query(library: Library, topic_id: str) -> str:
    topic = library.topics.get(topic_id)
    assert topic is not None
    return topic.query


def searches(server: EUtilsServer, term: str) -> list:
    """esearch page requests for ``term`` (not the rettype=count ones of the overview)."""
    return [
        r
        for r in server.requests_to("esearch")
        if r.param("term") == term and r.param("rettype") != "count"
    ]


# -- first frame, navigation -------------------------------------------------------------------
async def test_first_frame_offline_shows_review_and_every_topic(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = tree_of(app)
        top = [drawn(tree, n) for n in tree.root.children]
        assert top[0].startswith("Review: Wang")
        roots = [t.title for t in app.library.topics.roots]
        assert len(top) == 1 + len(roots) == 11
        for label, title in zip(top[1:], roots, strict=True):
            assert label.startswith(title)
        text = screen_text(app)
        assert "OFFLINE" in text
        assert "Review: Wang" in text
        # The review is highlighted first and its seed record is in the pane.
        assert "Safety of Mesenchymal Stem Cells" in pane_text(app)
        assert "Citation-level record (seed)" in pane_text(app)


async def test_navigation_j_k_enter_and_landmarks_first(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        tree = tree_of(app)
        await pilot.press("j")
        assert isinstance(tree.cursor_node.data, TopicData)
        assert tree.cursor_node.data.topic_id == TOPIC
        assert "landmarks" in pane_text(app)  # topic overview
        await pilot.press("enter")
        await settle(pilot)
        labels = labels_under(tree, f"t:{TOPIC}")
        landmarks = app.library.topics.landmark_ids(TOPIC)
        assert all(label.lstrip("●⚠ ").startswith("★") for label in labels[: len(landmarks)])
        # The topic's lists follow its landmarks and sub-topics: its PubMed literature, then
        # its registered trials (the topic has a trials query).
        assert labels[-2].startswith("Latest on PubMed")
        assert labels[-1].startswith("Registered trials")
        # The retracted landmark carries the safety mark before everything else.
        assert any(label.startswith("⚠ ★ Rubio") for label in labels)
        await pilot.press("j")
        assert isinstance(tree.cursor_node.data, RecordData)
        await pilot.press("k", "k")
        assert drawn(tree, tree.cursor_node).startswith("Review")
        await pilot.press("l")  # l expands
        assert tree.cursor_node.is_expanded
        await pilot.press("h")  # h collapses
        assert not tree.cursor_node.is_expanded


async def test_offline_makes_no_requests_and_shows_seed_landmarks(
    settings: Settings, eutils_server: EUtilsServer
):
    app = MscApp(Library(dataclasses.replace(settings, offline=True)))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        tree = tree_of(app)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await settle(pilot)
        assert "Spontaneous human adult stem cell transformation" in pane_text(app)
        assert "RETRACTED PUBLICATION" in pane_text(app)
        latest = tree.node_by_key(f"t:{TOPIC}/latest")
        latest.expand()
        await settle(pilot)
        assert "offline" in " ".join(labels_under(tree, f"t:{TOPIC}/latest"))
        await pilot.press("s")  # similar: offline says so instead of fetching
        await settle(pilot)
        assert "OFFLINE" in screen_text(app)
    assert eutils_server.requests == []


async def test_review_references_offline_come_from_the_seed(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # expand the review
        await settle(pilot)
        refs = app.main.topic_tree.node_by_key("review/references")
        refs.expand()
        await settle(pilot)
        labels = labels_under(app.main.topic_tree, "review/references")
        assert any(label.startswith("Hayes") for label in labels)
        assert len([lab for lab in labels if "known offline" not in lab]) == 5


# -- persistence -------------------------------------------------------------------------------
async def test_marks_expanded_and_cursor_persist_across_runs(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await pilot.press("space")
        await pilot.pause()
        assert drawn(tree_of(app), tree_of(app).cursor_node).startswith("●")
        await pilot.press("q")
    assert app.library.state.marks == [RUBIO]

    app2 = MscApp(Library(offline_settings))
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app2)
        assert tree.node_by_key(f"t:{TOPIC}").is_expanded
        assert tree.cursor_node.data.key == f"t:{TOPIC}/{RUBIO}"
        assert drawn(tree, tree.cursor_node).startswith("●")
        assert "marked for export" in pane_text(app2)
        assert "1 marked" in screen_text(app2)
        await pilot.press("space")  # unmark
        await pilot.pause()
    assert Library(offline_settings).state.marks == []


SECOND = "cryopreservation"


def list_state(app: MscApp, key: str) -> tuple[str, list[str]]:
    """A list's state and its ids (sorted: the stand-in orders hits by its own dates)."""
    lst = main_screen(app).explorer.lists.get(key)
    assert lst is not None, key
    return lst.state, sorted(lst.ids)


async def test_every_restored_topic_reloads_its_latest_in_one_batch(
    settings: Settings, offline_settings: Settings, eutils_server: EUtilsServer
):
    """Two topics left open offline come back online with both lists: two esearches, ONE efetch."""
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for topic in (TOPIC, SECOND):
            await goto_key(pilot, f"t:{topic}")
            await pilot.press("enter")
            await settle(pilot)
        await pilot.press("q")

    library = Library(settings)
    for topic in (TOPIC, SECOND):
        preresolve(library, topic)
    eutils_server.set_search(topic_query(library, TOPIC), ["90000002", "90000001"], count=2)
    eutils_server.set_search(topic_query(library, SECOND), ["90000004", "90000003"], count=2)
    eutils_server.clear_log()
    app2 = MscApp(library)
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app2)
        assert list_state(app2, f"t:{TOPIC}/latest") == ("loaded", ["90000001", "90000002"])
        assert list_state(app2, f"t:{SECOND}/latest") == ("loaded", ["90000003", "90000004"])
        assert drawn(tree, tree.node_by_key(f"t:{TOPIC}/latest")) == "Latest on PubMed (2)"
        text = " ".join(drawn(tree, n) for n in tree.iter_nodes())
        assert "expand again to load" not in text
    assert len(searches(eutils_server, topic_query(library, TOPIC))) == 1
    assert len(searches(eutils_server, topic_query(library, SECOND))) == 1
    efetches = eutils_server.requests_to("efetch")
    assert len(efetches) == 1
    assert {"90000001", "90000002", "90000003", "90000004", RUBIO} <= set(efetches[0].ids)


async def test_restored_topics_show_cached_lists_without_the_network(
    settings: Settings, eutils_server: EUtilsServer
):
    library = Library(settings)
    for topic in (TOPIC, SECOND):
        preresolve(library, topic)
    eutils_server.set_search(topic_query(library, TOPIC), ["90000002", "90000001"], count=2)
    eutils_server.set_search(topic_query(library, SECOND), ["90000004", "90000003"], count=2)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for topic in (TOPIC, SECOND):
            await goto_key(pilot, f"t:{topic}")
            await pilot.press("enter")
            await settle(pilot)
        await pilot.press("q")

    eutils_server.clear_log()
    app2 = MscApp(Library(settings))
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app2)
        for topic, ids in ((TOPIC, ["90000001", "90000002"]), (SECOND, ["90000003", "90000004"])):
            assert list_state(app2, f"t:{topic}/latest") == ("loaded", ids)
            latest = tree.node_by_key(f"t:{topic}/latest")
            latest.expand()
            await settle(pilot)
            assert all("Fictus" in label for label in labels_under(tree, f"t:{topic}/latest"))
    # Everything came from the cache: no list was searched again, no record fetched again.
    assert [r for r in eutils_server.requests if r.param("rettype") != "count"] == []


async def test_open_lists_and_a_cursor_inside_one_persist(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("enter")  # expand the review
        await settle(pilot)
        await goto_key(pilot, "review/references")
        await pilot.press("l")
        await settle(pilot)
        await pilot.press("j", "j")  # the second reference
        await settle(pilot)
        cursor = tree_of(app).cursor_node.data.key
        assert cursor.startswith("review/references/")
        await pilot.press("q")
    assert "review/references" in app.library.state.get("expanded")

    app2 = MscApp(Library(offline_settings))
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app2)
        assert tree.node_by_key("review/references").is_expanded
        assert tree.cursor_node.data.key == cursor
        assert len(labels_under(tree, "review/references")) >= 5


async def test_nested_lists_come_back_with_the_cursor_from_the_cache(
    settings: Settings, eutils_server: EUtilsServer
):
    """Topic → Latest → a record → Similar → a record: all reopened, no request repeated."""
    library = Library(settings)
    preresolve(library, TOPIC)
    eutils_server.set_search(topic_query(library, TOPIC), ["90000003", "90000002"], count=2)
    eutils_server.set_links("90000002", "pubmed_pubmed", ["90000004", "90000005"])
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        tree_of(app).node_by_key(f"t:{TOPIC}/latest").expand()
        await settle(pilot)
        await goto_key(pilot, f"t:{TOPIC}/latest/90000002")
        await pilot.press("s")
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        cursor = f"t:{TOPIC}/latest/90000002/similar/90000004"
        assert tree_of(app).cursor_node.data.key == cursor
        await pilot.press("q")

    eutils_server.clear_log()
    app2 = MscApp(Library(settings))
    async with app2.run_test(size=SIZE) as pilot:
        await settle(pilot)
        tree = tree_of(app2)
        assert tree.cursor_node.data.key == cursor
        assert tree.node_by_key(f"t:{TOPIC}/latest/90000002/similar").is_expanded
        assert "Fictional record 4" in pane_text(app2)
    assert [r for r in eutils_server.requests if r.param("rettype") != "count"] == []


async def test_mark_all_in_topic(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "A")
        await pilot.pause()
        landmarks = app.library.topics.landmark_ids(TOPIC)
        assert set(landmarks) <= set(app.library.state.marks)
        await pilot.press("A")  # again: unmark them all
        await pilot.pause()
        assert app.library.state.marks == []


# -- lazy fetching against the stand-in ------------------------------------------------------------
async def test_expanding_a_topic_is_one_esearch_and_one_efetch_batch(
    settings: Settings, eutils_server: EUtilsServer
):
    library = Library(settings)
    preresolve(library, TOPIC)
    query = topic_query(library, TOPIC)
    eutils_server.set_search(query, ["90000003", "90000002", "90000001"], count=3)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        eutils_server.clear_log()
        await pilot.press("enter")
        await settle(pilot)
        assert len(searches(eutils_server, query)) == 1
        efetches = eutils_server.requests_to("efetch")
        assert len(efetches) == 1
        sent = efetches[0].ids
        assert {"90000001", "90000002", "90000003", RUBIO} <= set(sent)
        tree = tree_of(app)
        latest = tree.node_by_key(f"t:{TOPIC}/latest")
        assert drawn(tree, latest) == "Latest on PubMed (3)"
        latest.expand()
        await settle(pilot)
        labels = labels_under(tree, f"t:{TOPIC}/latest")
        assert len(labels) == 3 and all("Fictus" in label for label in labels)
        # Moving over fetched records costs nothing more.
        before = len(eutils_server.requests)
        await pilot.press("j", "j", "j")
        await settle(pilot)
        assert len(eutils_server.requests_to("efetch")) == 1
        assert len(eutils_server.requests) >= before


async def test_latest_pages_on_with_more(settings: Settings, eutils_server: EUtilsServer):
    library = Library(settings)
    preresolve(library, TOPIC)
    query = topic_query(library, TOPIC)
    ids = [str(90000010 - i) for i in range(10)]
    eutils_server.set_search(query, ids, count=10)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        main_screen(app).explorer.page = 4
        await pilot.press("j", "enter")
        await settle(pilot)
        tree = tree_of(app)
        tree.node_by_key(f"t:{TOPIC}/latest").expand()
        await settle(pilot)
        labels = labels_under(tree, f"t:{TOPIC}/latest")
        assert labels[-1] == "more… (4 of 10)"
        await goto_key(pilot, f"t:{TOPIC}/latest/more")
        await pilot.press("enter")
        await settle(pilot)
        labels = labels_under(tree, f"t:{TOPIC}/latest")
        assert labels[-1] == "more… (8 of 10)"
        # The cursor lands on the first record of the new page, not on a removed node.
        fifth = tree.node_by_key(f"t:{TOPIC}/latest").children[4]
        assert tree.cursor_node is fifth and isinstance(fifth.data, RecordData)


async def test_similar_and_cited_by_come_from_elink(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.set_links("22685475", "pubmed_pubmed", ["90000004", "90000005"])
    eutils_server.set_links("22685475", "pubmed_pubmed_citedin", ["90000006"])
    app = MscApp(Library(settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("s")
        await settle(pilot)
        tree = tree_of(app)
        assert tree.cursor_node.data.key == "review/similar"
        assert len(labels_under(tree, "review/similar")) == 2
        await pilot.press("k", "c")
        await settle(pilot)
        assert tree.cursor_node.data.key == "review/cited_by"
        assert labels_under(tree, "review/cited_by")[0].startswith("Fictus")


async def test_topic_overview_counts_arrive_in_the_background(
    settings: Settings, eutils_server: EUtilsServer
):
    library = Library(settings)
    eutils_server.set_count(topic_query(library, TOPIC), 4321)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        eutils_server.inject(Fault("slow", endpoint="esearch", delay=1.5))
        await pilot.press("j")
        await pilot.pause(0.5)
        text = pane_text(app)
        assert "… on PubMed" in text  # the overview is there at once; the count comes later
        await pilot.press("j", "k")  # and the tree keeps moving meanwhile
        assert tree_of(app).cursor_node.data.key == f"t:{TOPIC}"
        await settle(pilot)
        text = pane_text(app)
        assert "4,321 on PubMed" in text
        assert "Evidence mix" in text and "Publications per year" in text
        assert "RETRACTED Rubio" in text
        assert "4,321" in drawn(tree_of(app), tree_of(app).cursor_node)


# -- faults --------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["429", "500", "truncated"])
async def test_faults_notify_and_keep_cached_data(
    settings: Settings, eutils_server: EUtilsServer, kind: str
):
    library = fast_library(settings)
    preresolve(library, TOPIC)
    eutils_server.set_search(topic_query(library, TOPIC), ["90000001"], count=1)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("j")
        await settle(pilot)
        eutils_server.inject(Fault(kind, times=50, retry_after=0.01))
        await pilot.press("enter")
        await settle(pilot)
        assert notifications(app), "a failure must be told"
        assert app.is_running
        tree = tree_of(app)
        labels = labels_under(tree, f"t:{TOPIC}")
        assert any("Rubio" in label for label in labels)  # seed landmarks still shown
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await settle(pilot)
        assert "Spontaneous human adult stem cell transformation" in pane_text(app)


async def test_network_failure_turns_the_header_offline(
    settings: Settings, eutils_server: EUtilsServer
):
    library = fast_library(settings)
    app = MscApp(library)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        eutils_server.inject(Fault("drop", times=50))
        await goto_key(pilot, "t:genetic-stability")
        await pilot.press("enter")
        await settle(pilot)
        assert library.offline
        text = screen_text(app)
        assert "OFFLINE" in text
        # Told once, calmly, on the status line (issue 15 item 4): no toast over the pane.
        assert "Offline · r goes online and retries" in text
        assert notifications(app) == []


# -- hostile text --------------------------------------------------------------------------------
async def test_hostile_text_is_shown_literally(settings: Settings, eutils_server: EUtilsServer):
    title = "[bold red]Hostile[/] \x9b31m [link=http://x]y[/link] title"
    eutils_server.add_article(
        HOSTILE_PMID,
        fictional_article(
            HOSTILE_PMID,
            title=title,
            authors=[("[bold red]Evil[/]", "Eve", "E")],
            abstract=[("[i]LABEL[/i]", "Body with [b]markup[/b] and \x9b2J.")],
        ),
    )
    library = Library(settings)
    preresolve(library, TOPIC)
    eutils_server.set_search(topic_query(library, TOPIC), [HOSTILE_PMID], count=1)
    app = MscApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        tree = tree_of(app)
        tree.node_by_key(f"t:{TOPIC}/latest").expand()
        await settle(pilot)
        key = f"t:{TOPIC}/latest/{HOSTILE_PMID}"
        shown = drawn(tree, tree.node_by_key(key))
        assert shown.startswith("[bold red]Evil[/]")
        await goto_key(pilot, key)
        await settle(pilot)
        text = pane_text(app)
        assert "[bold red]Hostile[/]" in text
        assert "[link=http://x]y[/link]" in text
        assert "[b]markup[/b]" in text
        screen = screen_text(app)
        assert "[bold red]Evil[/]" in screen
        assert "\x9b" not in screen and "\x1b" not in screen


def test_safe_text_strips_escape_sequences():
    from mscterm.tui.safe import safe_text

    text = safe_text("a\x1b[31mred\x1b[0m [bold]b[/] \x07c\u202ed", single_line=True)
    assert text.plain == "ared [bold]b[/] cd"
    assert text.spans == []


# -- screens ---------------------------------------------------------------------------------------
async def test_help_screen_opens_and_closes(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "mark / unmark" in text
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, MainScreen)


def test_help_text_lists_every_key_and_the_search_syntax(offline_settings: Settings):
    from mscterm.store import QUERY_HELP
    from mscterm.tui.screens.help import help_text

    text = help_text(Library(offline_settings).query_help()).plain
    for key in ("space", "A", "f", "/", "s", "c", "e", "y", "o", "r", "?", "q", "ctrl+p"):
        assert f"  {key} " in text or f"  {key}  " in text, key
    assert QUERY_HELP.splitlines()[0] in text
    assert "ctrl+s" in text


async def test_filter_shows_matching_references_and_escape_restores(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f")
        await pilot.press(*"rubio")
        await pilot.pause()
        tree = tree_of(app)
        shown = [drawn(tree, n) for n in tree.iter_nodes()]
        records = [n for n in tree.iter_nodes() if isinstance(n.data, RecordData)]
        assert records and all("Rubio" in drawn(tree, n) for n in records)
        assert "Cryopreservation" not in " ".join(shown)
        await pilot.press("enter")  # back to the tree, filter kept
        assert tree.has_focus
        await pilot.press("escape")
        await pilot.pause()
        top = [drawn(tree, n) for n in tree.root.children]
        assert len(top) == 11
        assert not tree.filter_text


async def test_copy_menu_puts_the_doi_on_the_clipboard(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await pilot.pause()
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await pilot.press("y")
        await pilot.pause()
        assert "Copy to clipboard" in screen_text(app)
        await pilot.press("down", "enter")  # PMID, then DOI
        await pilot.pause()
        assert app.clipboard == "10.1158/0008-5472.CAN-04-4194"
        await pilot.press("y")
        await pilot.pause()
        await pilot.press("down", "down", "enter")  # the formatted citation
        await pilot.pause()
        assert app.clipboard.startswith("Rubio D, Garcia-Castro J")
        assert "Cancer Res. 2005" in app.clipboard


async def test_open_without_a_browser_shows_the_url(
    offline_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("o")  # the review: PubMed, PMC (it has a PMCID) and its DOI
        await pilot.pause()
        text = screen_text(app)
        assert "PubMed" in text and "PMC" in text and "DOI" in text
        await pilot.press("enter")  # PubMed, the first
        await pilot.pause()
        assert "https://pubmed.ncbi.nlm.nih.gov/22685475/" in notifications(app)
        await pilot.press("o", "j", "enter")  # PMC
        await pilot.pause()
        assert "https://pmc.ncbi.nlm.nih.gov/articles/PMC3363282/" in notifications(app)


async def test_export_dialog_writes_the_marked_references(
    offline_settings: Settings, tmp_path: Path
):
    out = tmp_path / "refs.bib"
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await pilot.pause()
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await pilot.press("space", "j", "space", "e")
        await pilot.pause()
        assert "Export 2 marked references" in screen_text(app)
        path_input = app.screen.query_one("#export-path")
        assert path_input.value == "./mscterm-export.bib"
        path_input.value = str(out)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert f"Wrote 2 references to {out}" in notifications(app)
    text = out.read_text(encoding="utf-8")
    assert text.count("@") == 2 and "Rubio" in text
    assert not list(tmp_path.glob(".refs.bib*"))  # no temp file left behind


async def test_search_screen_opens_a_hit_in_the_pane(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("slash")
        await pilot.pause()
        assert isinstance(app.screen, SearchScreen)
        await pilot.press(*"spontaneous")
        await pilot.pause()
        assert "Rubio" in screen_text(app)
        await pilot.press("ctrl+s")  # offline: says so, keeps the local hits
        await pilot.pause()
        assert "Offline" in screen_text(app)
        await pilot.press("enter")  # to the hits
        await pilot.press("enter")  # open the first
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
        assert "transformation" in pane_text(app).lower()


async def test_pubmed_search_pages_on_with_more(
    settings: Settings, eutils_server: EUtilsServer, monkeypatch: pytest.MonkeyPatch
):
    from mscterm.tui.screens import search as search_module
    from tests.conftest import FICTIONAL_SEARCH_TERM

    monkeypatch.setattr(search_module, "LIMIT", 4)
    app = MscApp(Library(settings))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause()
        app.screen.query_one("#search-input").value = FICTIONAL_SEARCH_TERM
        await pilot.press("ctrl+s")
        await settle(pilot)
        hits = app.screen.query_one("#search-hits")

        def prompts() -> list[str]:
            return [str(hits.get_option_at_index(i).prompt) for i in range(hits.option_count)]

        assert len(prompts()) == 5 and prompts()[-1].startswith("more… (4 of 10")
        assert "4 shown of 10 on PubMed" in screen_text(app)
        await pilot.press("enter")  # to the hits
        hits.highlighted = 4
        await pilot.press("enter")  # "more…": the next page
        await settle(pilot)
        assert len(prompts()) == 9 and prompts()[-1].startswith("more… (8 of 10")
        assert hits.highlighted == 4  # the first hit of the new page
        await pilot.press("ctrl+n")  # the key does the same
        await settle(pilot)
        assert len(prompts()) == 10 and not prompts()[-1].startswith("more")
        assert all("Fictus" in p for p in prompts())
        assert "10 hits on PubMed" in screen_text(app)
        await pilot.press("enter")  # a hit still opens its record
        await settle(pilot)
        assert isinstance(app.screen, MainScreen)
    starts = [
        r.param("retstart", "0")
        for r in eutils_server.requests_to("esearch")
        if r.param("term") == FICTIONAL_SEARCH_TERM
    ]
    assert starts == ["0", "4", "8"]


async def test_command_palette_goes_to_a_pmid(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        main_screen(app).navigator.goto_id(RUBIO)
        await settle(pilot)
        assert "Spontaneous human adult stem cell transformation" in pane_text(app)
        main_screen(app).navigator.goto_id("not-an-id")
        await pilot.pause()
        assert any("not a PMID" in n for n in notifications(app))


async def test_go_to_moves_the_tree_cursor_to_the_record(offline_settings: Settings):
    """Go-to shows where the record is: a landmark under its topic (opened), or a loaded list."""
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        main_screen(app).navigator.goto_id(RUBIO)
        await settle(pilot)
        tree = tree_of(app)
        assert tree.cursor_node.data.key == f"t:{TOPIC}/{RUBIO}"
        assert tree.node_by_key(f"t:{TOPIC}").is_expanded
        assert "Spontaneous human adult stem cell transformation" in pane_text(app)
        # A DOI finds the same landmark.
        await goto_key(pilot, "review")
        main_screen(app).navigator.goto_id("doi:10.1158/0008-5472.CAN-04-4194")
        await settle(pilot)
        assert tree.cursor_node.data.key == f"t:{TOPIC}/{RUBIO}"
        # A record in a loaded list: the review's references (known offline from the seed).
        refs = tree.node_by_key("review")
        refs.expand()
        await settle(pilot)
        tree.node_by_key("review/references").expand()
        await settle(pilot)
        reference = tree.node_by_key("review/references").children[1].data
        refs.collapse()
        await goto_key(pilot, f"t:{TOPIC}")
        main_screen(app).navigator.goto_id(reference.rid)
        await settle(pilot)
        assert tree.cursor_node.data.rid == reference.rid
        assert tree.cursor_node.line >= 0  # on screen: its parents were opened


async def test_palette_offline_toggle(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"go online")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.library.offline is False
        assert "online" in screen_text(app)


async def test_no_color_keeps_marks_and_badges_readable(
    offline_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("NO_COLOR", "1")
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await pilot.press("space")
        await settle(pilot)
        text = screen_text(app)
        assert "● ⚠ ★ Rubio" in text  # marks, safety and landmarks are characters, not colours
        assert "RETRACTED PUBLICATION" in text


async def test_resizing_keeps_the_layout(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for size in ((60, 20), (120, 40), (80, 24)):
            await pilot.resize_terminal(*size)
            await pilot.pause()
            tree = tree_of(app)
            assert tree.size.width >= 23  # #left keeps min-width 24, border included
            assert tree.size.width + main_screen(app).pane.size.width <= size[0]
            assert "Review: Wang" in screen_text(app)


def test_evidence_mix_counts_each_record_once_in_design_order():
    from mscterm.listing import evidence_class
    from mscterm.tui.overview import topic_stats

    def rec(rid: str, types: list[str], year: int, retracted: bool = False) -> Record:
        return Record(id=rid, pmid=rid, publication_types=types, year=year, retracted=retracted)

    records = [
        rec("90000001", ["Review", "Meta-Analysis"], 2010),
        rec("90000002", ["Clinical Trial, Phase I", "Journal Article"], 2012),
        rec("90000003", ["Journal Article"], 2012, retracted=True),
        rec("90000004", ["Systematic Review", "Review"], 2015),
    ]
    assert evidence_class(records[0]) == "Meta-analysis"
    assert evidence_class(records[1]) == "Clinical trial"
    stats = topic_stats(records)
    assert stats.mix == [
        ("Meta-analysis", 1),
        ("Systematic review", 1),
        ("Clinical trial", 1),
        ("Other", 1),
    ]
    assert [r.id for r in stats.retracted] == ["90000003"]
    first, last, series = stats.year_series()
    assert (first, last, series) == (2010, 2015, [1, 0, 2, 0, 0, 1])


async def test_review_references_arrive_through_elink_and_show_their_topics(
    settings: Settings, eutils_server: EUtilsServer
):
    # 90000003 is a fictional record about cryopreservation, 90000005 about fetal bovine serum.
    eutils_server.set_links("22685475", "pubmed_pubmed_refs", ["90000003", "90000005"])
    library = Library(settings)
    app = MscApp(library)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("enter")  # expand the review
        await settle(pilot)
        await goto_key(pilot, "review/references")
        await pilot.press("l")
        await settle(pilot)
        labels = labels_under(tree_of(app), "review/references")
        assert len(labels) == 2 and all(label.startswith("Fictus") for label in labels)
        await pilot.press("j")
        await settle(pilot)
        text = pane_text(app)
        assert "Fictional record 3" in text and "Cryopreservation" in text
    refs = [r for r in eutils_server.requests_to("elink") if r.param("linkname")]
    assert [r.param("linkname") for r in refs] == ["pubmed_pubmed_refs"]
    assert "90000003" in library.topic_members("cryopreservation")
    assert "90000005" in library.topic_members("serum")


async def test_export_right_after_marking_sees_the_mark(offline_settings: Settings):
    """Keys arrive in bursts over SSH: `space` then `e` at once must export what was marked."""
    from mscterm.tui.screens.export_dialog import ExportDialog

    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto_key(pilot, "review")
        app.main.topic_tree.action_mark()  # space and e handled in the same tick
        app.main.action_export()
        await pilot.pause()
        assert isinstance(app.screen, ExportDialog)
        assert "Nothing is marked" not in " ".join(notifications(app))


async def test_a_mark_made_just_before_quitting_is_kept(offline_settings: Settings):
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await goto_key(pilot, "review")
        app.main.topic_tree.action_mark()  # space and q in one burst: q runs before the message
        app.main.action_quit()
        await pilot.pause()
    assert Library(offline_settings).state.marks == ["22685475"]


async def test_marking_reads_nothing_and_the_row_shows_the_mark(
    offline_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """``space`` changes one mark: no label is rebuilt from the cache; the row is repainted."""
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        await goto_key(pilot, f"t:{TOPIC}/{RUBIO}")
        await settle(pilot)
        store = app.library.store
        real_get = store.get
        reads: list[str] = []

        def counting_get(rid: str):
            reads.append(rid)
            return real_get(rid)

        monkeypatch.setattr(store, "get", counting_get)
        tree = tree_of(app)
        tree.action_mark()  # what space does, before the screen hears of it
        assert reads == []
        assert drawn(tree, tree.cursor_node).startswith("● ⚠ ★ Rubio")
        assert reads == []  # the row was drawn once already: only the mark is new
        await pilot.pause()
        assert "● ⚠ ★ Rubio" in screen_text(app)


async def test_nodes_are_found_by_key_and_record_without_walking_the_tree(
    offline_settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    """Go-to, a mark and an arriving record find their nodes in the index beside the tree."""
    app = MscApp(Library(offline_settings))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("j", "enter")
        await settle(pilot)
        tree = tree_of(app)

        def walk(*args: object) -> None:
            raise AssertionError("the tree was walked")

        key = f"t:{TOPIC}/{RUBIO}"
        with monkeypatch.context() as patch:  # saving the position at exit may walk
            patch.setattr(tree, "iter_nodes", walk)
            assert tree.node_by_key(key) is not None
            assert tree.select_key(key)
            assert [n.data.key for n in tree.record_nodes({RUBIO})] == [key]
            tree.action_mark()
            tree.records_changed([RUBIO])
            await pilot.pause()
            assert "● ⚠ ★ Rubio" in screen_text(app)
