"""The Library facade against the stand-in server: cache first, batches, resolution, topics."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.model import Author, Record, record_id
from mscterm.ncbi.errors import OfflineError
from tests.eutils_server import EUtilsServer, Fault, fictional_articles

FICT_JOURNAL = "J Fict Stem Cell Res"


def _cite_seed(title: str, *, volume: str = "5", pages: str = "100-110") -> Record:
    """A citation-level seed record without PMID or DOI, as the snapshot holds some landmarks."""
    return Record(
        id=record_id(None, None, "Fictus", 2010, title),
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
    dead = dataclasses.replace(settings, eutils_url="http://127.0.0.1:9/")
    async with Library(dead) as lib:
        got = await lib.records(["90000004", "90000005"])
        assert "90000004" in got.records and got.missing == ["90000005"]
        assert got.error and lib.offline
        with pytest.raises(OfflineError):
            await lib.related("90000004", "similar")


async def test_server_errors_do_not_switch_to_offline(
    settings: Settings, eutils_server: EUtilsServer
):
    eutils_server.inject(Fault("503", endpoint="efetch", times=20))
    lib = Library(settings)
    lib._client_factory = None
    from mscterm.ncbi.client import EUtilsClient

    lib._client = EUtilsClient(settings, max_retries=1, backoff_base=0.01)
    got = await lib.records(["90000006"])
    await lib.aclose()
    assert got.error and "503" in got.error
    assert not lib.offline  # NCBI answered; the network is fine


async def test_offline_library_never_touches_the_network(
    offline_settings: Settings, eutils_server: EUtilsServer
):
    async with Library(offline_settings) as lib:
        got = await lib.records(["15833829", "90000001"])
    assert got.records["15833829"].source == "seed"
    assert got.missing == ["90000001"]
    assert eutils_server.requests == []


async def test_doi_landmark_resolves_through_esearch_and_is_cached(
    settings: Settings, eutils_server: EUtilsServer
):
    async with Library(settings) as lib:
        rec = await lib.resolve("doi:10.5555/fict.90000007")
        assert rec is not None and rec.pmid == "90000007"
        assert lib.get("doi:10.5555/fict.90000007").pmid == "90000007"
        assert (await lib.resolve("doi:10.5555/no-such-doi")) is None
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
        assert await lib.related("90000001", "cited_by") == ["90000002", "90000003"]
        assert await lib.related("90000001", "cited_by") == ["90000002", "90000003"]
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
    assert (
        len(eutils_server.requests_to("efetch")) == 1 + sum(1 for i in [] if i)
        or len(eutils_server.requests_to("efetch")) >= 1
    )
    searches = [r for r in eutils_server.requests_to("esearch") if r.param("term") == topic.query]
    assert len(searches) == 1


async def test_local_search_finds_seed_landmarks_on_a_fresh_install(offline_settings: Settings):
    async with Library(offline_settings) as lib:
        hits = lib.search_local("spontaneous transformation")
    assert any(h.id == "15833829" for h in hits)


async def test_local_search_finds_fetched_records(settings: Settings):
    async with Library(settings) as lib:
        await lib.records(["90000003"])
        hits = lib.search_local("cryopreservation")
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
        refs = await lib.related("22685475", "references")
        assert refs == lib.topics.review_references and len(refs) == 5
        assert all(lib.get(rid) is not None for rid in refs)


async def test_topic_membership_follows_new_records(settings: Settings):
    async with Library(settings) as lib:
        await lib.load_membership()
        assert "90000003" not in lib.topic_members("cryopreservation")
        await lib.records(["90000003"])  # a fictional record about cryopreservation
        assert "90000003" in lib.topic_members("cryopreservation")
        assert lib.topic_members("cryopreservation")[
            : len(lib.topics.landmark_ids("cryopreservation"))
        ] == (lib.topics.landmark_ids("cryopreservation"))
        assert lib.cached_count() == 1


async def test_many_doi_landmarks_resolve_in_one_search_and_one_batch(
    settings: Settings, eutils_server: EUtilsServer
):
    seeds = [
        Record(
            id=f"doi:10.5555/fict.{pmid}",
            doi=f"10.5555/fict.{pmid}",
            title=f"A fictional landmark {pmid}",
            source="seed",
            resolution="pending",
        )
        for pmid in ("90000001", "90000002", "90000003")
    ]
    unknown = Record(
        id="doi:10.5555/fict.unknown",
        doi="10.5555/fict.unknown",
        title="A fictional landmark PubMed does not have",
        source="seed",
        resolution="pending",
    )
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
        assert expected in [h.id for h in lib.search_local(query)]
