"""``mscterm trial``, ``mscterm trials`` and ``mscterm fetch --trials`` as a user runs them, against
the local ClinicalTrials.gov stand-in (and, for ``fetch``, the E-utilities one).

In-process runs lift the one-request-per-second budget (it is the client tests' business); the
real-process runs at the end keep it, and check issue 17's "Done means" against the recorded
samples read here on their own, not through the parser.
"""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mscterm.cli import main
from tests.ctgov_server import CTGovServer, Fault
from tests.eutils_server import EUtilsServer

REPO = Path(__file__).resolve().parents[1]
NEXAVAR, ICD = "NCT00791778", "NCT03722472"


@pytest.fixture
def fast_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process commands may send ClinicalTrials.gov requests without the 1 s spacing."""
    import mscterm.ctgov.client as client_module

    monkeypatch.setattr(client_module, "REQUESTS_PER_SECOND", 1000)


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _on(server: CTGovServer, tmp_path: Path) -> list[str]:
    return ["--cache-dir", str(tmp_path / "cache"), "--ctgov-url", server.url]


def _offline(tmp_path: Path) -> list[str]:
    return ["--cache-dir", str(tmp_path / "cache"), "--offline"]


# --------------------------------------------------------------------------------------------
# mscterm trial


@pytest.mark.usefixtures("fast_registry")
def test_trial_json_then_the_same_offline(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        capsys, "trial", "nct99000009", NEXAVAR, "--json", *_on(ctgov_server, tmp_path)
    )
    assert code == 0, err
    online = json.loads(out)
    assert [t["nct_id"] for t in online] == ["NCT99000009", NEXAVAR]
    assert online[0]["source"] == "ctgov" and online[0]["adverse_events"]["groups"]
    requests = len(ctgov_server.requests)
    code, out, err = _cli(capsys, "trial", "NCT99000009", NEXAVAR, "--json", *_offline(tmp_path))
    assert code == 0, err
    assert json.loads(out) == online
    code, again, _ = _cli(capsys, "trial", NEXAVAR, "--json", *_on(ctgov_server, tmp_path))
    assert code == 0 and json.loads(again) == online[1:]
    assert len(ctgov_server.requests) == requests  # the cache answered both


@pytest.mark.usefixtures("fast_registry")
def test_trial_text_and_csv(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "trial", "NCT99000009", *_on(ctgov_server, tmp_path))
    assert code == 0, err
    assert out.startswith("NCT99000009 Fictional trial 9") and "Adverse events" in out
    assert "Registry: https://clinicaltrials.gov/study/NCT99000009" in out
    code, out, err = _cli(
        capsys, "trial", "NCT99000009", "NCT99000001", "--csv", *_offline(tmp_path)
    )
    assert code == 1 and "NCT99000001" in err  # never fetched, and offline
    code, out, err = _cli(
        capsys, "trial", "NCT99000009", "NCT99000001", "--csv", *_on(ctgov_server, tmp_path)
    )
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["nct_id"] for r in rows} == {"NCT99000009"}
    assert {r["term"] for r in rows if r["level"] == "event"} == {
        "Pneumonia", "Deep vein thrombosis", "Fever", "Headache",
    }  # fmt: skip
    assert "no adverse events posted: NCT99000001" in err


@pytest.mark.usefixtures("fast_registry")
def test_trial_unknown_exits_1_naming_it(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        capsys, "trial", "NCT99000001", "NCT99999999", "--json", *_on(ctgov_server, tmp_path)
    )
    assert code == 1
    assert [t["nct_id"] for t in json.loads(out)] == ["NCT99000001"]
    assert err == "mscterm: not found: NCT99999999\n"


@pytest.mark.parametrize("bad", ["NCT123", "12345678", "NCT1234567890", "NCT0079177\x1b[31m"])
def test_trial_bad_ids_exit_2_with_one_line(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "trial", bad, "--cache-dir", str(tmp_path / "c"))
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and err.startswith("mscterm: ") and "\x1b" not in err


def test_trial_network_failure_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(
        capsys, "trial", NEXAVAR, "--cache-dir", str(tmp_path / "c"),
        "--ctgov-url", "http://127.0.0.1:9/api/v2/",
    )  # fmt: skip
    assert code == 3 and out == ""
    assert NEXAVAR in err and "could not be reached" in err and "Traceback" not in err


@pytest.mark.usefixtures("fast_registry")
def test_trial_server_failure_exits_3_and_keeps_the_cache(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(capsys, "trial", "NCT99000002", *_on(ctgov_server, tmp_path))[0] == 0
    ctgov_server.inject(Fault("503", times=50))
    code, out, err = _cli(
        capsys, "trial", "NCT99000002", "NCT99000003", "--json", *_on(ctgov_server, tmp_path)
    )
    assert code == 3
    assert [t["nct_id"] for t in json.loads(out)] == ["NCT99000002"]
    assert "NCT99000003" in err and "HTTP 503" in err


# --------------------------------------------------------------------------------------------
# mscterm trials


@pytest.mark.usefixtures("fast_registry")
def test_trials_of_a_topic_as_rows_json_and_csv(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        capsys, "trials", "--topic", "clinical-evidence", *_on(ctgov_server, tmp_path)
    )
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0].startswith("NCT ID") and "RESULTS" in lines[0] and "PUBLICATION" in lines[0]
    assert [line.split()[0] for line in lines[1:]] == [
        f"NCT990000{n:02d}" for n in range(10, 0, -1)
    ]
    assert "posted" in next(line for line in lines if line.startswith("NCT99000009"))
    code, out, err = _cli(
        capsys,
        "trials",
        "--topic",
        "clinical-evidence",
        "--status",
        "Completed",
        "--json",
        *_offline(tmp_path),
    )
    assert code == 0, err
    assert [t["nct_id"] for t in json.loads(out)] == ["NCT99000009", "NCT99000005", "NCT99000002"]
    code, out, _ = _cli(
        capsys, "trials", "--topic", "clinical-evidence", "--csv", *_offline(tmp_path)
    )
    rows = list(csv.DictReader(io.StringIO(out)))
    assert len(rows) == 10 and rows[0]["nct_id"] == "NCT99000010"
    assert len(ctgov_server.requests_to("studies")) == 1


@pytest.mark.usefixtures("fast_registry")
def test_trials_of_a_query_and_none(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "trials", "Crohn", "--json", *_on(ctgov_server, tmp_path))
    assert code == 0, err
    assert [t["nct_id"] for t in json.loads(out)] == ["NCT99000004"]
    assert ctgov_server.requests_to("studies")[0].param("query.term") == "Crohn"
    code, out, err = _cli(capsys, "trials", "nothing-matches-this", *_on(ctgov_server, tmp_path))
    assert code == 1 and out == "" and "no registered trials" in err


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["trials"], "give a query or --topic"),
        (["trials", "--topic", "no-such-topic"], "unknown topic"),
        (["trials", "x", "--status", "sometimes"], "not a trial status"),
    ],
)
def test_trials_bad_input_exits_2(
    argv: list[str], says: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, *argv, "--cache-dir", str(tmp_path / "c"))
    assert code == 2 and out == "" and says in err and err.count("\n") == 1


def test_trials_network_failure_exits_3_and_offline_with_nothing_kept_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    unreachable = ["--ctgov-url", "http://127.0.0.1:9/api/v2/"]
    code, _, err = _cli(
        capsys, "trials", "--topic", "serum", "--cache-dir", str(tmp_path / "c"), *unreachable
    )
    assert code == 3 and "could not be searched" in err
    code, _, err = _cli(capsys, "trials", "--topic", "serum", *_offline(tmp_path))
    assert code == 1 and "no registered trials for 'serum' in the cache" in err


def test_trials_topic_without_a_query_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, "trials", "--topic", "unproven-clinics", *_offline(tmp_path))
    assert code == 1 and "no registered-trials query" in err


# --------------------------------------------------------------------------------------------
# mscterm fetch --trials


@pytest.mark.usefixtures("fast_registry")
def test_fetch_topic_trials_warms_the_cache_for_offline_trial(
    ctgov_server: CTGovServer,
    eutils_server: EUtilsServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = [*_on(ctgov_server, tmp_path), "--eutils-url", eutils_server.url]
    code, _, err = _cli(
        capsys, "fetch", "--topic", "genetic-stability", "--trials", "--limit", "5", *argv
    )
    assert code == 0, err
    assert "1 registered trials cached" in err
    code, out, err = _cli(capsys, "trial", "NCT99000009", "--json", *_offline(tmp_path))
    assert code == 0, err
    assert json.loads(out)[0]["adverse_events"]["serious"]
    code, out, _ = _cli(capsys, "trials", "--topic", "genetic-stability", *_offline(tmp_path))
    assert code == 0 and "NCT99000009" in out


def test_fetch_trials_needs_a_topic(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(capsys, "fetch", "90000001", "--trials", "--cache-dir", str(tmp_path))
    assert code == 2 and "--trials needs --topic" in err


@pytest.mark.usefixtures("fast_registry")
def test_fetch_trials_failure_exits_3(
    eutils_server: EUtilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(
        capsys, "fetch", "--topic", "serum", "--trials", "--limit", "5",
        "--cache-dir", str(tmp_path / "c"), "--eutils-url", eutils_server.url,
        "--ctgov-url", "http://127.0.0.1:9/api/v2/",
    )  # fmt: skip
    assert code == 3 and "ClinicalTrials.gov" in err and "Traceback" not in err


# --------------------------------------------------------------------------------------------
# real processes: issue 17's "Done means"


def _mscterm(*argv: str, tmp: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = dict(
        os.environ,
        MSCTERM_CTGOV_URL=url,
        MSCTERM_CACHE_DIR=str(tmp / "cache"),
        MSCTERM_STATE_DIR=str(tmp / "state"),
    )
    return subprocess.run(
        [sys.executable, "-m", "mscterm", *argv],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _sample(samples: Path, nct: str) -> dict[str, Any]:
    [path] = samples.glob(f"study_{nct.lower()}_full*.json")
    return json.loads(path.read_bytes())


def _check_against_sample(trial: dict[str, Any], study: dict[str, Any]) -> None:
    """Every event group's numbers, every serious and other term, the RESULT publication."""
    module = study["resultsSection"]["adverseEventsModule"]
    groups = {g["id"]: g for g in trial["adverse_events"]["groups"]}
    assert sorted(groups) == sorted(g["id"] for g in module["eventGroups"])
    pairs = (
        ("deaths_affected", "deathsNumAffected"), ("deaths_at_risk", "deathsNumAtRisk"),
        ("serious_affected", "seriousNumAffected"), ("serious_at_risk", "seriousNumAtRisk"),
        ("other_affected", "otherNumAffected"), ("other_at_risk", "otherNumAtRisk"),
    )  # fmt: skip
    for recorded in module["eventGroups"]:
        ours = groups[recorded["id"]]
        assert ours["title"] == recorded["title"]
        for mine, theirs in pairs:
            assert ours[mine] == recorded.get(theirs), (recorded["id"], mine)
    for kind, key in (("serious", "seriousEvents"), ("other", "otherEvents")):
        recorded_events = module.get(key, [])
        ours_events = trial["adverse_events"][kind]
        assert [e["term"] for e in ours_events] == [e["term"] for e in recorded_events]
        for ours_event, recorded_event in zip(ours_events, recorded_events, strict=True):
            stats = [(s["group"], s["affected"], s["at_risk"]) for s in ours_event["stats"]]
            assert stats == [
                (s["groupId"], s.get("numAffected"), s.get("numAtRisk"))
                for s in recorded_event["stats"]
            ]
    references = study["protocolSection"]["referencesModule"]["references"]
    results = [(r["pmid"], r["citation"]) for r in references if r["type"] == "RESULT"]
    assert (
        results
        and [(p["pmid"], p["citation"]) for p in trial["publications"] if p["type"] == "RESULT"]
        == results
    )


def test_done_means_trial_json_against_the_stand_in_then_offline(
    ctgov_samples_dir: Path, tmp_path: Path
) -> None:
    with CTGovServer(samples_dir=ctgov_samples_dir) as server:
        online = _mscterm("trial", NEXAVAR, ICD, "--json", tmp=tmp_path, url=server.url)
        assert online.returncode == 0, online.stderr
        assert online.stderr == ""
        assert len(server.requests_to("study")) == 2
        trials = json.loads(online.stdout)
        assert [t["nct_id"] for t in trials] == [NEXAVAR, ICD]
        for trial in trials:
            _check_against_sample(trial, _sample(ctgov_samples_dir, trial["nct_id"]))
        first = trials[0]  # DESIGN.md's example values
        assert first["design"] == {
            "allocation": "RANDOMIZED", "model": "PARALLEL", "purpose": "TREATMENT",
            "masking": "DOUBLE",
        }  # fmt: skip
        assert (first["enrollment"], first["start_date"], first["completion_date"]) == (
            246, "2008-11", "2012-12",
        )  # fmt: skip
        assert first["adverse_events"]["frequency_threshold"] == "5"
        offline = _mscterm(
            "trial", NEXAVAR, ICD, "--json", "--offline", tmp=tmp_path, url=server.url
        )
        assert offline.returncode == 0, offline.stderr
        assert offline.stdout == online.stdout
        assert len(server.requests) == 2


def test_done_means_unknown_exits_1_and_malformed_exits_2_one_line_each(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    unknown = _mscterm("trial", "NCT99999999", tmp=tmp_path, url=ctgov_server.url)
    assert unknown.returncode == 1 and unknown.stdout == ""
    assert unknown.stderr == "mscterm: not found: NCT99999999\n"
    malformed = _mscterm("trial", "NCT123", tmp=tmp_path, url=ctgov_server.url)
    assert malformed.returncode == 2 and malformed.stdout == ""
    assert malformed.stderr == "mscterm: not a ClinicalTrials.gov id (NCT + 8 digits): NCT123\n"


def test_warm_trial_json_imports_neither_textual_nor_httpx(
    ctgov_server: CTGovServer, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    assert _mscterm("trial", "NCT99000009", tmp=tmp_path, url=ctgov_server.url).returncode == 0
    probe = (
        "import sys; from mscterm.cli import main; "
        f"code = main(['trial', 'NCT99000009', '--json', '--cache-dir', {str(cache)!r}, "
        f"'--ctgov-url', {ctgov_server.url!r}]); "
        "print(code, sorted(m for m in ('textual', 'httpx', 'asyncio') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO,
        env=dict(os.environ, MSCTERM_STATE_DIR=str(tmp_path / "state")),
    )  # fmt: skip
    assert done.stdout.strip().splitlines()[-1] == "0 []"
    assert len(ctgov_server.requests) == 1


# --------------------------------------------------------------------------------------------
# mscterm export NCT… and marked trials: the one export flow, trials through the Library


@pytest.mark.usefixtures("fast_registry")
def test_export_fetches_named_trials_through_the_library(
    ctgov_server: CTGovServer,
    eutils_server: EUtilsServer,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    out = tmp_path / "refs.bib"
    argv = [*_on(ctgov_server, tmp_path), "--eutils-url", eutils_server.url, "-o", str(out)]
    code, _, err = _cli(capsys, "export", "nct99000009", "90000001", *argv)
    assert code == 0, err
    text = out.read_text(encoding="utf-8")
    assert "@misc{NCT99000009," in text and "NCT99000009" in text
    assert "clinicaltrials.gov/study/nct99000009" in text.lower()
    assert len(ctgov_server.requests_to("study")) == 1
    ris = tmp_path / "refs.ris"
    code, _, err = _cli(
        capsys, "export", "NCT99000009", "--format", "ris", "-o", str(ris), *_offline(tmp_path)
    )
    assert code == 0, err  # offline: from the cache
    assert "NCT99000009" in ris.read_text(encoding="utf-8")


@pytest.mark.usefixtures("fast_registry")
def test_export_names_a_trial_the_registry_does_not_have(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "t.bib"
    argv = [*_on(ctgov_server, tmp_path), "-o", str(out)]
    code, _, err = _cli(capsys, "export", "NCT99000002", "NCT99999999", *argv)
    assert code == 1 and "not available: NCT99999999" in err
    assert "@misc{NCT99000002," in out.read_text(encoding="utf-8")


@pytest.mark.usefixtures("fast_registry")
def test_marked_trials_export_from_the_cli_and_the_tuis_cached_flow(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mscterm.config import load_settings
    from mscterm.export import flow
    from mscterm.library import Library
    from mscterm.state import UserState

    UserState(Path(os.environ["MSCTERM_STATE_DIR"])).set_marks(["NCT99000003", "NCT99000004"])
    out = tmp_path / "marked.json"
    argv = [*_on(ctgov_server, tmp_path), "--format", "csl-json", "-o", str(out)]
    code, _, err = _cli(capsys, "export", "--marked", *argv)
    assert code == 0, err
    assert [item["id"] for item in json.loads(out.read_text(encoding="utf-8"))] == [
        "NCT99000003",
        "NCT99000004",
    ]
    library = Library(load_settings(cache_dir=tmp_path / "cache", offline=True))
    job = flow.ExportJob(library.state.marks, fmt="ris", output=None)
    outcome = flow.export_cached(library, job)  # what the TUI's export worker calls
    library.close()
    assert list(outcome.written) == ["NCT99000003", "NCT99000004"]
    assert outcome.text is not None and "NCT99000004" in outcome.text


@pytest.mark.usefixtures("fast_registry")
def test_prisma_counts_a_topics_registered_trials_once_known(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def registered(*topic: str) -> str:
        code, out, err = _cli(capsys, "prisma", *topic, "--format", "csv", *_offline(tmp_path))
        assert code == 0, err
        row = next(line for line in out.splitlines() if line.startswith("register_results,"))
        return "register_results," + row.rsplit(",", 1)[1]  # the PRISMA2020 app's n column

    assert registered("--topic", "clinical-evidence") == "register_results,0"
    assert (
        _cli(capsys, "trials", "--topic", "clinical-evidence", *_on(ctgov_server, tmp_path))[0] == 0
    )
    assert (
        _cli(capsys, "trials", "--topic", "genetic-stability", *_on(ctgov_server, tmp_path))[0] == 0
    )
    assert registered("--topic", "clinical-evidence") == "register_results,10"
    assert registered("--topic", "genetic-stability") == "register_results,1"
    assert registered() == "register_results,10"  # every topic: each trial once


def test_untrusted_text_from_a_tampered_cache_cannot_steer_the_terminal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mscterm.store import RecordStore
    from tests.conftest import make_trial

    hostile = "Fictional \u202etrial\x1b[2J \x9b31m"
    store = RecordStore(tmp_path / "cache", index=False)
    store.put_trials([make_trial(6, title=hostile, sponsor=hostile, results=True)])
    store.close()
    for argv in (["--json"], [], ["--csv"]):
        code, out, _ = _cli(capsys, "trial", "NCT99000006", *argv, *_offline(tmp_path))
        assert code == 0
        assert not any(c in out for c in ("\u202e", "\x1b", "\x9b")), argv
    code, out, _ = _cli(capsys, "trial", "NCT99000006", "--json", *_offline(tmp_path))
    assert json.loads(out)[0]["title"] == hostile  # the same string to a JSON reader


@pytest.mark.usefixtures("fast_registry")
def test_a_kept_summary_without_its_adverse_events_is_not_the_trial(
    ctgov_server: CTGovServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    on = _on(ctgov_server, tmp_path)
    assert _cli(capsys, "trials", "--topic", "genetic-stability", *on)[0] == 0  # a summary
    ctgov_server.inject(Fault("503", times=50))
    code, out, err = _cli(capsys, "trial", "NCT99000009", "--json", *on)
    assert code == 3 and "NCT99000009 could not be fetched" in err and "HTTP 503" in err
    assert json.loads(out)[0]["has_results"] is True  # what is known is still shown
