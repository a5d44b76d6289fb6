"""The Library's registered trials against the local stand-ins: by id, a topic's list, its count,
its papers and its publication gap; cache first, result objects always, offline too.

The ClinicalTrials.gov stand-in serves the recorded samples and fictional trials
NCT99000001..NCT99000010 (``ctgov_server``); NCT99000009 is the one with posted results. Topic
``clinical-evidence`` matches all ten, ``genetic-stability`` only NCT99000009.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.ctgov.client import CTGovClient
from mscterm.library import Library
from mscterm.model import TrialPublication
from mscterm.net.ratelimit import RateLimiter
from mscterm.results import Problem
from tests.conftest import UNREACHABLE_CTGOV_URL, make_record, make_trial
from tests.ctgov_server import CTGovServer, Fault
from tests.ctgov_studies import fictional_studies, trial_to_study
from tests.eutils_server import EUtilsServer

ALL_TEN = "clinical-evidence"
ONLY_NINE = "genetic-stability"
WITH_RESULTS = "NCT99000009"
TEN = [f"NCT{99000000 + n:08d}" for n in range(1, 11)]


def _library(settings: Settings, server: CTGovServer | None, tmp_path: Path, **kw: object):
    """A Library on ``server`` whose ClinicalTrials.gov client is fast (private limiter)."""
    url = server.url if server is not None else UNREACHABLE_CTGOV_URL
    settings = dataclasses.replace(settings, ctgov_url=url, **kw)  # type: ignore[arg-type]

    def trials_client() -> CTGovClient:
        limiter = RateLimiter(tmp_path / "fast.sqlite3", 1000)
        return CTGovClient(settings, limiter=limiter, max_retries=1, backoff_base=0.01)

    return Library(settings, trials_factory=trials_client)


# --------------------------------------------------------------------------------------------
# trials by id


async def test_trials_are_fetched_once_then_come_from_the_cache(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        first = await lib.trials(["NCT99000001", "nct00791778"])
        assert first.ok and not first.missing and not first.offline
        assert sorted(first.trials) == ["NCT00791778", "NCT99000001"]
        asked = len(ctgov_server.requests)
        second = await lib.trials(["NCT00791778", "NCT99000001"])
    assert second.trials == first.trials and len(ctgov_server.requests) == asked == 2
    assert first.trials["NCT00791778"].adverse_events is not None


async def test_unknown_trials_are_missing_and_not_asked_again_soon(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        got = await lib.trials(["NCT99999999", "NCT99000002"])
        assert got.ok and got.missing == ["NCT99999999"] and "NCT99000002" in got.trials
        again = await lib.trials(["NCT99999999"])
    assert again.missing == ["NCT99999999"]
    assert len(ctgov_server.requests_to("study")) == 2


async def test_offline_the_cache_answers_and_nothing_is_asked(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        await lib.trials(["NCT99000003"])
    before = len(ctgov_server.requests)
    async with _library(settings, ctgov_server, tmp_path, offline=True) as lib:
        got = await lib.trials(["NCT99000003", "NCT99000004"])
        cheap = lib.registry.cached_answer(["NCT99000003", "NCT99000004"])
    assert got.offline and got.ok and got.missing == ["NCT99000004"]
    assert got.trials["NCT99000003"].nct_id == "NCT99000003"
    assert cheap is not None and cheap.missing == ["NCT99000004"] and cheap.offline
    assert len(ctgov_server.requests) == before


async def test_an_unreachable_registry_goes_offline_with_a_network_problem(
    settings: Settings, tmp_path: Path
) -> None:
    async with _library(settings, None, tmp_path) as lib:
        got = await lib.trials(["NCT99000001"])
        status = lib.status
    assert got.problem is Problem.NETWORK and got.missing == ["NCT99000001"]
    assert got.error and "ClinicalTrials.gov" in got.error and got.offline
    assert status.offline and status.reason == got.error


async def test_server_errors_are_a_server_problem_and_keep_what_is_cached(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        await lib.topic_trials(ONLY_NINE)  # the summary of NCT99000009 is cached, not whole
        ctgov_server.inject(Fault("503", times=10))
        got = await lib.trials([WITH_RESULTS])
        assert not lib.offline
    assert got.problem is Problem.SERVER and "HTTP 503" in (got.error or "")
    assert got.trials[WITH_RESULTS].adverse_events is None  # the cached part stands in
    assert got.missing == []


async def test_an_old_id_answers_with_the_current_trial_and_is_remembered(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    ctgov_server.add_alias("NCT99000500", "NCT99000005")
    async with _library(settings, ctgov_server, tmp_path) as lib:
        got = await lib.trials(["NCT99000500"])
        again = await lib.trials(["NCT99000500"])
    assert got.trials["NCT99000500"].nct_id == "NCT99000005"
    assert again.trials == got.trials
    assert len(ctgov_server.requests) == 2  # the redirect and the study, once


async def test_a_topic_list_never_drops_adverse_events_fetched_before(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        whole = (await lib.trials([WITH_RESULTS])).trials[WITH_RESULTS]
        assert whole.adverse_events is not None
        listed = await lib.topic_trials(ONLY_NINE, refresh=True)
        assert [t.nct_id for t in listed.value.trials] == [WITH_RESULTS]
        kept = lib.registry.cached([WITH_RESULTS])[WITH_RESULTS]
    assert kept.adverse_events == whole.adverse_events


# --------------------------------------------------------------------------------------------
# a topic's list


async def test_topic_trials_newest_first_with_the_registrys_count(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        assert lib.topic_trial_count(ALL_TEN) is None
        got = await lib.topic_trials(ALL_TEN)
        count = lib.topic_trial_count(ALL_TEN)
    assert got.ok and got.value.complete and got.value.fetched_at is not None
    assert [t.nct_id for t in got.value.trials] == sorted(TEN, reverse=True)
    assert got.value.total == count == 10
    assert all(t.adverse_events is None for t in got.value.trials)  # summary fields only
    [sent] = ctgov_server.requests_to("studies")
    assert sent.param("pageSize") == "1000" and "HasResults" in (sent.param("fields") or "")
    assert sent.param("query.intr") and "mesenchymal" in sent.param("query.intr").lower()


async def test_a_topic_list_is_kept_a_day_and_refreshed_after(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mscterm.library.trials as trials_module

    async with _library(settings, ctgov_server, tmp_path) as lib:
        await lib.topic_trials(ALL_TEN)
        await lib.topic_trials(ALL_TEN)
        assert len(ctgov_server.requests_to("studies")) == 1
        await lib.topic_trials(ALL_TEN, refresh=True)
        assert len(ctgov_server.requests_to("studies")) == 2
        later = trials_module.time.time() + trials_module.LIST_TTL + 60
        monkeypatch.setattr(trials_module.time, "time", lambda: later)
        await lib.topic_trials(ALL_TEN)
    assert len(ctgov_server.requests_to("studies")) == 3


async def test_offline_a_kept_list_is_shown_however_old(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mscterm.library.trials as trials_module

    async with _library(settings, ctgov_server, tmp_path) as lib:
        fresh = await lib.topic_trials(ALL_TEN)
    later = trials_module.time.time() + 30 * trials_module.LIST_TTL
    monkeypatch.setattr(trials_module.time, "time", lambda: later)
    async with _library(settings, ctgov_server, tmp_path, offline=True) as lib:
        kept = await lib.topic_trials(ALL_TEN)
        never = await lib.topic_trials(ONLY_NINE)
    assert kept.ok and kept.offline and kept.value.trials == fresh.value.trials
    assert never.problem is Problem.OFFLINE and never.value.trials == []
    assert never.value.fetched_at is None
    assert len(ctgov_server.requests_to("studies")) == 1


async def test_a_failing_registry_answers_with_the_kept_list_and_says_why(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        fresh = await lib.topic_trials(ALL_TEN)
        ctgov_server.inject(Fault("500", times=10))
        failed = await lib.topic_trials(ALL_TEN, refresh=True)
    assert failed.problem is Problem.SERVER and failed.error
    assert failed.value.trials == fresh.value.trials


async def test_status_filters_the_kept_list_without_asking_again(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        await lib.topic_trials(ALL_TEN)
        done = await lib.topic_trials(ALL_TEN, status=["COMPLETED"])
    assert [t.nct_id for t in done.value.trials] == ["NCT99000009", "NCT99000005", "NCT99000002"]
    assert len(ctgov_server.requests) == 1


async def test_topics_without_a_trials_query_and_unknown_topics(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        none = await lib.topic_trials("unproven-clinics")
        assert none.ok and none.value.trials == [] and none.warnings
        assert lib.topic_trial_count("unproven-clinics") is None
        with pytest.raises(KeyError):
            await lib.topic_trials("no-such-topic")
    assert ctgov_server.requests == []


async def test_a_refused_query_is_a_refused_problem(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    from mscterm.model import TrialsQuery

    async with _library(settings, ctgov_server, tmp_path) as lib:
        got = await lib.registry.search(TrialsQuery(term="x"), status=["NOT_A_STATUS"])
        assert not lib.offline
    assert got.problem is Problem.REFUSED and "overallStatus" in (got.error or "")


async def test_fetch_topic_warms_every_trial_with_results_whole(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        warmed = await lib.registry.fetch_topic(ALL_TEN)
    assert warmed.ok and len(warmed.value.trials) == 10
    assert [r.path.rsplit("/", 1)[-1] for r in ctgov_server.requests_to("study")] == [WITH_RESULTS]
    async with _library(settings, ctgov_server, tmp_path, offline=True) as lib:
        got = await lib.trials(TEN)
    assert got.ok and not got.missing and got.trials[WITH_RESULTS].adverse_events is not None


# --------------------------------------------------------------------------------------------
# papers and the publication gap


def _with_papers(tmp_path: Path) -> CTGovServer:
    paper = TrialPublication("90000004", "RESULT", "Fictus A. Fictional results. J Fict Res.")
    background = TrialPublication(None, "BACKGROUND", "Testperson B. An earlier fiction.")
    trial = make_trial(4, results=True, publications=[paper, background])
    return CTGovServer([trial_to_study(trial), *fictional_studies(3)])


async def test_trial_publications_both_ways_online(
    settings: Settings, eutils_server: EUtilsServer, tmp_path: Path
) -> None:
    eutils_server.set_search("NCT99000004[si]", ["90000007", "90000004"])
    with _with_papers(tmp_path) as server:
        async with _library(settings, server, tmp_path) as lib:
            got = await lib.trial_publications("nct99000004")
    assert got.ok, got.error
    value = got.value
    assert value.nct_id == "NCT99000004"
    assert [p.type for p in value.references] == ["RESULT", "BACKGROUND"]
    assert value.naming == ["90000007", "90000004"]
    assert value.pmids == ["90000004", "90000007"]
    assert sorted(value.records) == ["90000004", "90000007"]
    assert all(r.source == "pubmed" for r in value.records.values())


async def test_trial_publications_offline_from_cached_records(
    settings: Settings, eutils_server: EUtilsServer, tmp_path: Path
) -> None:
    with _with_papers(tmp_path) as server:
        async with _library(settings, server, tmp_path) as lib:
            await lib.trials(["NCT99000004"])
            lib.store.put([make_record(8, registry_ids=["NCT99000004"]), make_record(9)])
    async with _library(settings, None, tmp_path, offline=True) as lib:
        got = await lib.trial_publications("NCT99000004")
    assert got.offline and got.value.naming == ["90000008"]
    assert got.value.pmids == ["90000004", "90000008"]
    assert list(got.value.records) == ["90000008"]  # 90000004 was never fetched
    assert eutils_server.requests == []


async def test_records_stored_later_are_found_naming_the_trial(
    settings: Settings, eutils_server: EUtilsServer, tmp_path: Path
) -> None:
    async with _library(settings, None, tmp_path, offline=True) as lib:
        assert (await lib.registry.links.load()) == {}
        lib._stored([make_record(5, registry_ids=["NCT99000001"])])
        lib.store.put([make_record(5, registry_ids=["NCT99000001"])])
        links = await lib.registry.links.load()
    assert links == {"NCT99000001": ["90000005"]}


async def test_the_publication_gap_counts_records_naming_a_trial(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    async with _library(settings, ctgov_server, tmp_path) as lib:
        assert (await lib.registry.topic_gap(ONLY_NINE)).value is not None
        before = (await lib.registry.topic_gap(ALL_TEN, dt.date(2030, 1, 1))).value
        lib.store.put([make_record(2, registry_ids=["NCT99000002"])])
        after = (await lib.registry.topic_gap(ALL_TEN, dt.date(2030, 1, 1))).value
    assert before is not None and after is not None
    assert before.registered == after.registered == 10
    assert before.completed == 3 and before.with_results == 1
    assert "NCT99000002" in before.silent_ids and "NCT99000002" not in after.silent_ids
    assert after.with_publication == before.with_publication + 1


async def test_the_gap_of_a_topic_never_fetched_is_none_offline(
    offline_settings: Settings, tmp_path: Path
) -> None:
    async with _library(offline_settings, None, tmp_path) as lib:
        gap = await lib.registry.topic_gap(ALL_TEN)
    assert gap.value is None and gap.problem is Problem.OFFLINE


async def test_ids_that_are_not_nct_ids_are_left_out_and_said(
    offline_settings: Settings, tmp_path: Path
) -> None:
    async with _library(offline_settings, None, tmp_path) as lib:
        got = await lib.trials(["NCT123", "NCT99000001"])
    assert got.missing == ["NCT99000001"] and "NCT123" not in got.trials
    assert any("NCT123" in w for w in got.warnings)


async def test_a_trial_kept_under_another_schema_version_is_fetched_again(
    settings: Settings, ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    from mscterm.model import TRIAL_SCHEMA_VERSION

    async with _library(settings, ctgov_server, tmp_path) as lib:
        await lib.trials(["NCT99000001"])
        key = "t:NCT99000001"
        stored = lib.store.trials.get(key)
        head, _, rest = stored.partition("|")
        assert head == str(TRIAL_SCHEMA_VERSION)
        lib.store.trials.set_many([(key, f"{TRIAL_SCHEMA_VERSION - 1}|{rest}")])
        assert lib.cached_trial("NCT99000001") is None
        again = await lib.trials(["NCT99000001"])
    assert again.ok and again.trials["NCT99000001"].nct_id == "NCT99000001"
    assert len(ctgov_server.requests_to("study")) == 2
