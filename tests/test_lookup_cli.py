"""`mscterm lookup` and `mscterm fetch` as a user runs them, against the local stand-in server."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from mscterm.cli import main
from tests.eutils_server import EUtilsServer, Fault


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _online(server: EUtilsServer, tmp_path: Path) -> list[str]:
    return ["--cache-dir", str(tmp_path / "cache"), "--eutils-url", server.url]


def test_lookup_fetches_then_answers_offline_from_cache(
    eutils_server: EUtilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(capsys, "lookup", "90000001", "--json", *_online(eutils_server, tmp_path))
    assert code == 0, err
    first = json.loads(out)
    assert [r["pmid"] for r in first] == ["90000001"]
    assert first[0]["title"].startswith("Fictional record 1:")
    assert first[0]["source"] == "pubmed"
    assert len(eutils_server.requests_to("efetch")) == 1

    code, out, err = _cli(
        capsys, "lookup", "90000001", "--json", "--offline", "--cache-dir", str(tmp_path / "cache")
    )
    assert code == 0, err
    assert json.loads(out) == first
    assert len(eutils_server.requests_to("efetch")) == 1  # the second answer came from the cache


def test_lookup_by_doi_searches_pubmed_then_uses_the_cache(
    eutils_server: EUtilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        capsys, "lookup", "doi:10.5555/FICT.90000003", "--json", *_online(eutils_server, tmp_path)
    )
    assert code == 0, err
    assert json.loads(out)[0]["pmid"] == "90000003"
    terms = [r.param("term") for r in eutils_server.requests_to("esearch")]
    assert any(t and "10.5555/fict.90000003" in t.lower() and "[doi]" in t for t in terms)

    code, out, _ = _cli(
        capsys,
        "lookup",
        "10.5555/fict.90000003",
        "--offline",
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    assert code == 0
    assert "PMID: 90000003" in out


def test_bad_id_exits_2_with_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _cli(capsys, "lookup", "abc", "--cache-dir", str(tmp_path / "cache"))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and "abc" in err and "Traceback" not in err


@pytest.mark.parametrize("bad", ["100000000000000000000", "0", "12 34", "10.12/x\x1b[31m"])
def test_hostile_ids_are_refused(
    bad: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, "lookup", bad, "--cache-dir", str(tmp_path / "cache"))
    assert code == 2
    assert "\x1b" not in err and err.startswith("mscterm: ")


def test_some_missing_exits_1_and_names_them(
    eutils_server: EUtilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        capsys, "lookup", "90000002", "90009999", "--json", *_online(eutils_server, tmp_path)
    )
    assert code == 1
    assert [r["pmid"] for r in json.loads(out)] == ["90000002"]
    assert "90009999" in err


def test_landmark_lookup_works_offline_from_the_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _cli(
        capsys, "lookup", "15833829", "--json", "--offline", "--cache-dir", str(tmp_path / "c")
    )
    assert code == 0, err
    record = json.loads(out)[0]
    assert record["source"] == "seed"
    assert record["title"] == "Spontaneous human adult stem cell transformation."
    assert record["retracted"] is True


def test_server_failure_keeps_cached_records_and_says_so(
    eutils_server: EUtilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(capsys, "lookup", "90000004", *_online(eutils_server, tmp_path))[0] == 0
    eutils_server.inject(Fault("503", endpoint="efetch", times=50))
    code, out, err = _cli(
        capsys, "lookup", "90000004", "90000005", *_online(eutils_server, tmp_path)
    )
    assert code == 1
    assert "PMID: 90000004" in out
    assert "90000005" in err and "Traceback" not in err


def test_warm_lookup_imports_neither_textual_nor_httpx(
    eutils_server: EUtilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Nor the export modules: ``--json`` compiles none of them (where no bytecode is kept)."""
    cache = tmp_path / "cache"
    assert _cli(capsys, "lookup", "90000006", *_online(eutils_server, tmp_path))[0] == 0
    probe = (
        "import sys; from mscterm.cli import main; "
        f"code = main(['lookup', '90000006', '--json', '--cache-dir', {str(cache)!r}, "
        f"'--eutils-url', {eutils_server.url!r}]); "
        "print(code, sorted(m for m in ('textual', 'httpx', 'mscterm.export') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip().splitlines()[-1] == "0 []"


def test_fetch_warms_the_cache_for_offline_use(
    eutils_server: EUtilsServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _cli(capsys, "fetch", "90000007", "90000008", *_online(eutils_server, tmp_path))
    assert code == 0, err
    assert "2 records cached" in err
    code, out, _ = _cli(
        capsys,
        "lookup",
        "90000007",
        "90000008",
        "--offline",
        "--cache-dir",
        str(tmp_path / "cache"),
    )
    assert code == 0 and "PMID: 90000007" in out and "PMID: 90000008" in out


def test_fetch_network_failure_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _cli(
        capsys,
        "fetch",
        "90000001",
        "--cache-dir",
        str(tmp_path / "c"),
        "--eutils-url",
        "http://127.0.0.1:9/",
    )
    assert code == 3
    assert "network" in err.lower() and "Traceback" not in err


def test_fetch_unknown_topic_and_nothing_to_do_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _cli(capsys, "fetch", "--topic", "no-such-topic", "--cache-dir", str(tmp_path))[0] == 2
    assert _cli(capsys, "fetch", "--cache-dir", str(tmp_path))[0] == 2


def test_python_dash_m_works(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "mscterm", "lookup", "abc", "--cache-dir", str(tmp_path)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert done.stderr.startswith("mscterm: ") and "Traceback" not in done.stderr


def test_lookup_by_a_real_sample_records_doi(
    samples_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mscterm.ncbi.parser import parse_pubmed_xml

    sample = samples_dir / "efetch_pubmed_xml_2024_utf8_repeated_id_params.xml"
    record = next(r for r in parse_pubmed_xml(sample.read_bytes()) if r.doi)
    with EUtilsServer(samples_dir=samples_dir) as server:
        code, out, err = _cli(
            capsys, "lookup", f"doi:{record.doi}", "--json", *_online(server, tmp_path)
        )
        assert code == 0, err
        assert json.loads(out)[0]["pmid"] == record.pmid
        assert json.loads(out)[0]["title"] == record.title
        asked = [r.param("term") for r in server.requests_to("esearch")]
    assert asked and "[doi]" in asked[0]
    code, out, _ = _cli(
        capsys, "lookup", record.doi, "--json", "--offline", "--cache-dir", str(tmp_path / "cache")
    )
    assert code == 0 and json.loads(out)[0]["pmid"] == record.pmid


def test_json_output_escapes_controls_and_bidi_from_cached_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Text in the cache may hold C1 controls or bidi overrides (a tampered or old cache):
    `lookup --json` must not hand them to the terminal raw, yet say the same string."""
    from mscterm.store import RecordStore
    from tests.conftest import make_record

    hostile = "Tumour\u009b31m risk \u202edesrever\u2066 in MSC\u200f"
    with RecordStore(tmp_path / "cache") as store:
        store.put([make_record(41, title=hostile)])
    code, out, _ = _cli(
        capsys, "lookup", "90000041", "--json", "--offline", "--cache-dir", str(tmp_path / "cache")
    )
    assert code == 0
    assert not any(c in out for c in "\u009b\u202e\u2066\u200f"), repr(out)
    assert json.loads(out)[0]["title"] == hostile  # escaped, not altered
