"""The Library facade against the stand-in server: cache first, batches, resolution, topics.

Every network method answers with a result object (value, sentence, problem, offline flag);
nothing from ``mscterm.ncbi`` reaches the caller.
"""

from __future__ import annotations

import dataclasses
import errno
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.model import Author, Record, record_id
from mscterm.results import LibraryStatus, Problem, SearchPage
from tests.conftest import UNREACHABLE_URL, make_record
from tests.eutils_server import EUtilsServer, Fault, fictional_articles

FICT_JOURNAL = "J Fict Stem Cell Res"
REVIEW = "22685475"


def _cite_seed(title: str, *, volume: str = "5", pages: str = "100-110") -> Record:
    """A citation-level seed record without PMID or DOI, as the snapshot holds some landmarks."""
    return make_record(
        0,
        id=record_id(None, None, "Fictus", 2010, title),
        pmid=None,
        doi=None,
        title=title,
        authors=[Author(family="Fictus", initials="A")],
        authors_complete=False,
        journal=FICT_JOURNAL,
        year=2010,
        volume=volume,
        pages=pages,
        source="seed",
        resolution="pending",
    )


def _doi_seed(doi: str, title: str) -> Record:
    """A citation-level seed record known only by its DOI."""
    return make_record(
        0, id=f"doi:{doi}", pmid=None, doi=doi, title=title, source="seed", resolution="pending"
    )


def _fast(settings: Settings) -> Library:
    """A Library whose real client gives up quickly (fault tests stay fast)."""

    def client():
        from mscterm.ncbi.client import EUtilsClient

        return EUtilsClient(settings, max_retries=1, backoff_base=0.01)

    return Library(settings, client_factory=client)


async def test_cached_records_cost_no_request(settings: Settings, eutils_server: EUtilsServer):
    async with Library(settings) as lib:
        first = await lib.records(["90000001", "90000002"])
        assert sorted(first.records) == ["90000001", "90000002"] and not first.missing
        second = await lib.records(["90000002", "90000001"])
    assert second.records == first.records
    assert len(eutils_server.requests_to("efetch")) == 1


async def test_missing_ids_are_reported_and_remembered(
    settings: Settings, eutils_server: EUtilsServer
):
    async with Library(settings) as lib:
        got = await lib.records(["90000003", "90099999"])
        assert got.missing == ["90099999"]
        again = await lib.records(["90099999"])
    assert again.missing == ["90099999"]
    assert len(eutils_server.requests_to("efetch")) == 1  # "not found" is not asked twice


async def test_network_failure_keeps_cache_and_goes_offline(settings: Settings, tmp_path: Path):
    async with Library(settings) as lib:
        await lib.records(["90000004"])
    dead = dataclasses.replace(settings, eutils_url=UNREACHABLE_URL)
    async with Library(dead) as lib:
        got = await lib.records(["90000004", "90000005"])
        assert "90000004" in got.records and got.missing == ["90000005"]
        assert got.error and lib.offline
        assert got.problem is Problem.NETWORK and got.offline
        similar = await lib.related("90000004", "similar")  # offline now: nothing is tried
        assert similar.value == [] and similar.problem is Problem.OFFLINE and similar.offline


async def test_server_errors_do_not_switch_to_offline(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.inject(Fault("503", endpoint="efetch", times=20))
    async with _fast(settings) as lib:
        got = await lib.records(["90000006"])
        assert got.error and "503" in got.error
        assert got.problem is Problem.SERVER and not got.offline
        assert not lib.offline  # NCBI answered; the network is fine


async def test_offline_library_never_touches_the_network(
    offline_settings: Settings, eutils_server: EUtilsServer
):
    async with Library(offline_settings) as lib:
        got = await lib.records(["15833829", "90000001"])
        latest = await lib.topic_latest("cryopreservation")
    assert got.records["15833829"].source == "seed"
    assert got.missing == ["90000001"]
    assert got.offline and got.error is None
    assert latest.problem is Problem.OFFLINE and latest.value.ids == []
    assert eutils_server.requests == []


async def test_doi_landmark_resolves_through_esearch_and_is_cached(
    settings: Settings, eutils_server: EUtilsServer
):
    async with Library(settings) as lib:
        rec = (await lib.resolve("doi:10.5555/fict.90000007")).value
        assert rec is not None and rec.pmid == "90000007"
        assert lib.get("doi:10.5555/fict.90000007").pmid == "90000007"
        unknown = await lib.resolve("doi:10.5555/no-such-doi")
        assert unknown.value is None and unknown.ok
    assert len(eutils_server.requests_to("esearch")) == 2


@pytest.mark.parametrize(
    ("answer", "resolution"),
    [
        ("90000008", "90000008"),
        ("NOT_FOUND", "NOT_FOUND"),
        ("AMBIGUOUS", "AMBIGUOUS"),
        ("NOT_FOUND;INVALID_JOURNAL", "NOT_FOUND"),
    ],
)
async def test_citation_only_records_resolve_with_ecitmatch(
    settings: Settings, eutils_server: EUtilsServer, answer: str, resolution: str
):
    seed = _cite_seed("A fictional citation about cryopreserved stromal cells")
    eutils_server.set_citmatch(f"{FICT_JOURNAL}|2010|5|100", answer)
    async with Library(settings) as lib:
        lib.store.put([seed])
        got = await lib.records([seed.id])
        stored = lib.store.get(seed.id)
        assert stored is not None
        if answer.isdigit():
            assert got.records[seed.id].pmid == "90000008"
            assert lib.get(seed.id).pmid == "90000008"
        else:
            assert got.records[seed.id].source == "seed"
            assert stored.resolution == resolution
        again = await lib.records([seed.id])  # the answer is cached: no second lookup
        assert seed.id in again.records
    assert len(eutils_server.requests_to("ecitmatch")) == 1


async def test_related_links_are_cached(settings: Settings, eutils_server: EUtilsServer):
    eutils_server.set_links("90000001", "pubmed_pubmed_citedin", ["90000002", "90000003"])
    async with Library(settings) as lib:
        assert (await lib.related("90000001", "cited_by")).value == ["90000002", "90000003"]
        assert (await lib.related("90000001", "cited_by")).value == ["90000002", "90000003"]
    assert len(eutils_server.requests_to("elink")) == 1


async def test_topic_counts_use_two_esearch_counts_and_are_cached(
    settings: Settings, eutils_server: EUtilsServer
):
    async with Library(settings) as lib:
        topic = lib.topics.get("cryopreservation")
        assert topic is not None
        lib.state.record_visit("cryopreservation", "2024/01/01")
        eutils_server.set_count(topic.query, 1234)
        eutils_server.set_count(topic.query, 17, since="2024/01/01")
        counts = await lib.topic_counts("cryopreservation")
        assert (counts.on_pubmed, counts.new_since_visit) == (1234, 17)
        assert counts.landmarks == len(lib.topics.landmark_ids("cryopreservation")) > 0
        await lib.topic_counts("cryopreservation")
    counts_asked = [
        r for r in eutils_server.requests_to("esearch") if r.param("rettype") == "count"
    ]
    assert len(counts_asked) == 2


async def test_fetch_topic_is_one_search_and_one_batch(
    settings: Settings, eutils_server: EUtilsServer
):
    articles = fictional_articles(30, start=90000101)
    eutils_server.add_articles(articles)
    async with Library(settings) as lib:
        topic = lib.topics.get("serum")
        assert topic is not None
        eutils_server.set_search(topic.query, sorted(articles, reverse=True))
        got = await lib.fetch_topic("serum", limit=50)
        assert all(pmid in got.records for pmid in articles)
        landmark_pmids = [i for i in lib.topics.landmark_ids("serum") if i.isdigit()]
        assert all(i in got.records for i in landmark_pmids)  # seed stands in when not served
    assert len(eutils_server.requests_to("efetch")) >= 1
    searches = [r for r in eutils_server.requests_to("esearch") if r.param("term") == topic.query]
    assert len(searches) == 1


async def test_local_search_finds_seed_landmarks_on_a_fresh_install(offline_settings: Settings):
    async with Library(offline_settings) as lib:
        hits = lib.search_local("spontaneous transformation").value.records
    assert any(h.id == "15833829" for h in hits)


async def test_local_search_finds_fetched_records(settings: Settings):
    async with Library(settings) as lib:
        await lib.records(["90000003"])
        hits = lib.search_local("cryopreservation").value.records
    assert [h.id for h in hits][:1] == ["90000003"]


async def test_refresh_fetches_again(settings: Settings, eutils_server: EUtilsServer):
    async with Library(settings) as lib:
        await lib.records(["90000001"])
        await lib.records(["90000001"], refresh=True)
        eutils_server.set_links("90000001", "pubmed_pubmed", ["90000002"])
        await lib.related("90000001", "similar")
        await lib.related("90000001", "similar", refresh=True)
    assert len(eutils_server.requests_to("efetch")) == 2
    assert len(eutils_server.requests_to("elink")) == 2


async def test_review_references_offline_come_from_the_seed(offline_settings: Settings):
    async with Library(offline_settings) as lib:
        refs = await lib.related(REVIEW, "references")
        assert refs.value == lib.topics.review_references and len(refs.value) == 5
        assert refs.ok and refs.offline  # known offline: no error to show
        assert all(lib.get(rid) is not None for rid in refs.value)


async def test_topic_membership_follows_new_records(settings: Settings):
    async with Library(settings) as lib:
        await lib.load_membership()
        assert "90000003" not in lib.topic_members("cryopreservation")
        await lib.records(["90000003"])  # a fictional record about cryopreservation
        assert "90000003" in lib.topic_members("cryopreservation")
        assert lib.topic_members("cryopreservation")[
            : len(lib.topics.landmark_ids("cryopreservation"))
        ] == (lib.topics.landmark_ids("cryopreservation"))
        assert lib.cache_counts().value.fetched == 1


async def test_many_doi_landmarks_resolve_in_one_search_and_one_batch(
    settings: Settings, eutils_server: EUtilsServer
):
    seeds = [
        _doi_seed(f"10.5555/fict.{pmid}", f"A fictional landmark {pmid}")
        for pmid in ("90000001", "90000002", "90000003")
    ]
    unknown = _doi_seed("10.5555/fict.unknown", "A fictional landmark PubMed does not have")
    async with Library(settings) as lib:
        lib.store.put([*seeds, unknown])
        got = await lib.records([s.id for s in seeds] + [unknown.id])
        assert [got.records[s.id].pmid for s in seeds] == ["90000001", "90000002", "90000003"]
        assert got.records[unknown.id].source == "seed"
        assert lib.store.get(unknown.id).resolution == "NOT_FOUND"
        again = await lib.records([s.id for s in seeds] + [unknown.id])
        assert again.records[seeds[0].id].pmid == "90000001"
    assert len(eutils_server.requests_to("esearch")) == 1
    assert len(eutils_server.requests_to("efetch")) == 1


@pytest.mark.parametrize(
    ("query", "expected"),
    [("au:rubio", "15833829"), ('mesh:"cell transformation, neoplastic"', "15833829")],
)
async def test_offline_search_of_the_seed_understands_fields(
    offline_settings: Settings, query: str, expected: str
):
    async with Library(offline_settings) as lib:
        assert expected in [h.id for h in lib.search_local(query).value.records]


# -- answers instead of exceptions -------------------------------------------------------------
async def test_references_fall_back_to_the_known_ones_on_a_server_error(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.inject(Fault("500", endpoint="elink", times=20))
    async with _fast(settings) as lib:
        refs = await lib.related(REVIEW, "references")
        assert refs.value == lib.topics.review_references and len(refs.value) == 5
        assert refs.problem is Problem.SERVER and refs.error
        assert not lib.offline and not refs.offline


async def test_references_fall_back_to_the_known_ones_when_the_network_fails(settings: Settings):
    dead = dataclasses.replace(settings, eutils_url=UNREACHABLE_URL)
    async with _fast(dead) as lib:
        refs = await lib.related(REVIEW, "references")
        assert refs.value == lib.topics.review_references
        assert refs.problem is Problem.NETWORK and refs.offline and lib.offline


async def test_a_failed_refresh_keeps_the_links_known_before(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.set_links("90000001", "pubmed_pubmed", ["90000002", "90000003"])
    async with _fast(settings) as lib:
        assert (await lib.related("90000001", "similar")).value == ["90000002", "90000003"]
        eutils_server.inject(Fault("500", endpoint="elink", times=20))
        again = await lib.related("90000001", "similar", refresh=True)
    assert again.value == ["90000002", "90000003"]
    assert again.problem is Problem.SERVER


async def test_known_references_are_kept_when_pubmed_lists_none(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.set_links(REVIEW, "pubmed_pubmed_refs", [])
    async with Library(settings) as lib:
        first = await lib.related(REVIEW, "references")
        kept = await lib.related(REVIEW, "references")  # PubMed's empty answer is kept
        known = lib.topics.review_references
    assert first.value == known and kept.value == known and first.ok
    assert first.warnings and "known offline" in first.warnings[0]
    assert len(eutils_server.requests_to("elink")) == 1


async def test_pubmed_search_answers_with_a_page_or_a_sentence(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.set_search("zyxfictional", ["90000002", "90000001"])
    async with Library(settings) as lib:
        found = await lib.search_pubmed("zyxfictional")
        assert isinstance(found.value, SearchPage) and found.ok
        assert (found.value.count, found.value.ids) == (2, ["90000002", "90000001"])
    dead = dataclasses.replace(settings, eutils_url=UNREACHABLE_URL)
    async with _fast(dead) as lib:
        failed = await lib.search_pubmed("somethingelse")
    assert failed.value.ids == [] and failed.problem is Problem.NETWORK and failed.offline


async def test_a_refused_query_is_not_a_network_failure(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.inject(Fault("error_200", endpoint="esearch", message="Invalid query"))
    async with _fast(settings) as lib:
        found = await lib.search_pubmed("((")
    assert found.problem is Problem.REFUSED and not found.offline


async def test_a_full_disk_is_a_storage_problem_that_says_so(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
):
    async with Library(settings) as lib:

        def full(records: object) -> int:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(lib.store, "put", full)
        got = await lib.records(["90000001"])
    assert got.problem is Problem.STORAGE
    assert got.error is not None and got.error.startswith("disk full")
    assert not got.offline  # the network was fine


async def test_listeners_hear_the_library_go_offline_and_records_arrive(settings: Settings):
    heard: list[LibraryStatus] = []
    async with Library(settings) as lib:
        remove = lib.add_listener(heard.append)
        await lib.records(["90000001"])
        assert heard and heard[-1].offline is False
        stored = lib.status.version
        lib.offline = True
        assert heard[-1] == LibraryStatus(offline=True, reason=None, version=stored + 1)
        remove()
        lib.offline = False
    assert len(heard) == stored + 1  # nothing after the listener was removed
    dead = dataclasses.replace(settings, eutils_url=UNREACHABLE_URL)
    async with _fast(dead) as lib:
        lib.add_listener(heard.append)
        await lib.records(["90000002"])
    assert heard[-1].offline and heard[-1].reason


async def test_cache_counts_say_what_is_shipped_and_what_is_fetched(settings: Settings):
    async with Library(settings) as lib:
        fresh = lib.cache_counts().value
        await lib.records(["90000001", "90000002"])
        later = lib.cache_counts().value
        shipped = len(lib.store.seed_records())
    assert (fresh.shipped, fresh.fetched) == (shipped, 0) and shipped > 80
    assert (later.shipped, later.fetched) == (shipped, 2)


async def test_one_topic_counter(settings: Settings):
    async with Library(settings) as lib:
        await lib.records(["90000003"])  # a fictional record about cryopreservation
        size = lib.topic_sizes().value["cryopreservation"]
        members = lib.topic_members("cryopreservation")
        counts = await lib.topic_counts("cryopreservation")
        stats = lib.cache_stats().value
    landmarks = len(lib.topics.landmark_ids("cryopreservation"))
    assert (size.landmarks, size.fetched, size.total) == (landmarks, 1, landmarks + 1)
    assert size.total == len(members) == counts.cached
    roots = {tid: s for tid, _, s in stats.topics}
    assert roots["cryopreservation"] == size


async def test_local_search_says_how_many_matched(offline_settings: Settings):
    async with Library(offline_settings) as lib:
        few = lib.search_local("au:rubio", limit=50).value
        capped = lib.search_local("stem", limit=2).value
        every = lib.search_local("stem", limit=1000).value
    assert few.total == len(few.records) >= 1
    # more than shown: the total counts every match, not just the page (issue 15 item 9)
    assert len(capped.records) == 2 and capped.total == len(every.records) > 2


async def test_an_unusable_cache_is_a_sentence_not_an_exception(offline_settings: Settings):
    (offline_settings.cache_dir / "records").parent.mkdir(parents=True)
    (offline_settings.cache_dir / "records").write_text("not a folder")
    lib = Library(offline_settings)
    opened = lib.open()
    # A file where the cache's folder belongs is bad input (issue 14: one line, exit 2).
    assert opened.problem is Problem.INPUT and "not a folder" in (opened.error or "")
    got = await lib.records(["90000001"])
    assert got.problem is Problem.INPUT and got.missing == ["90000001"]
    assert lib.search_local("stem").problem is Problem.INPUT
    assert lib.cache_stats().problem is Problem.INPUT
    sizes = lib.topic_sizes()
    assert sizes.problem is Problem.INPUT and sizes.value["cryopreservation"].landmarks > 0
    assert lib.get("15833829") is None and lib.cached(["15833829"]) == {}  # reads: no exception


async def test_counting_topics_never_creates_a_cache(offline_settings: Settings):
    lib = Library(offline_settings)
    sizes = lib.topic_sizes().value
    assert sizes["genetic-stability"].total == len(lib.topics.landmark_ids("genetic-stability"))
    assert not offline_settings.cache_dir.exists()


def test_a_record_stored_while_membership_builds_is_not_lost(offline_settings: Settings):
    from mscterm.library.membership import LazyMembership

    topics = Library(offline_settings).topics
    arrived = make_record(3, title="Cryopreservation of mesenchymal stromal cells.")

    def cache_listing() -> list[Record]:
        lazy.note([arrived])  # stored by another worker after the build listed the cache
        return []

    lazy = LazyMembership(lambda: topics, cache_listing)
    assert arrived.id in lazy.get().members("cryopreservation")
