"""``mscterm export`` as a user runs it: offline from the seed, online from the stand-in server."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from pybtex.database import parse_string

from mscterm.cli import main
from mscterm.state import UserState
from tests.eutils_server import EUtilsServer

REVIEW = "22685475"  # the review mscterm starts from: shipped in the seed snapshot


def _run(tmp_path: Path, *args: str) -> int:
    return main(["export", "--cache-dir", str(tmp_path / "cache"), *args])


def _state() -> UserState:
    return UserState(Path(os.environ["MSCTERM_STATE_DIR"]))


def test_offline_export_of_the_review_from_the_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "refs.bib"
    assert _run(tmp_path, "--offline", REVIEW, "-o", str(out)) == 0
    err = capsys.readouterr().err
    assert err.strip() == f"Wrote 1 reference to {out}"
    entries = parse_string(out.read_text(encoding="utf-8"), "bibtex").entries
    assert list(entries) == ["wang2012safety"]
    assert entries["wang2012safety"].fields["doi"] == "10.1155/2012/652034"
    assert entries["wang2012safety"].fields["pmcid"] == "PMC3363282"
    assert _state().citekeys == {REVIEW: "wang2012safety"}


def test_stdout_and_every_format(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "--offline", REVIEW, "-o", "-") == 0
    captured = capsys.readouterr()
    assert captured.out.startswith("@article{wang2012safety,")
    assert "Wrote 1 reference to stdout" in captured.err
    assert _run(tmp_path, "--offline", REVIEW, "--format", "csl-json") == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == "wang2012safety"
    assert _run(tmp_path, "--offline", REVIEW, "--format", "ris") == 0
    assert capsys.readouterr().out.startswith("TY  - JOUR\r\n")
    assert _run(tmp_path, "--offline", REVIEW, "--format", "biblatex") == 0
    assert "eprinttype = {pubmed}" in capsys.readouterr().out


def test_unavailable_ids_are_named_and_the_rest_still_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "refs.bib"
    assert _run(tmp_path, "--offline", REVIEW, "90000001", "-o", str(out)) == 1
    err = capsys.readouterr().err
    assert "not available: 90000001" in err
    assert "Wrote 1 reference" in err
    assert "@article{wang2012safety," in out.read_text(encoding="utf-8")


def test_nothing_available_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "refs.bib"
    assert _run(tmp_path, "--offline", "90000001", "-o", str(out)) == 1
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["not-an-id"], "not a PMID"),
        ([REVIEW, "-o", "/nonexistent-dir/refs.bib"], "cannot write to"),
        ([REVIEW, "--format", "ris", "--append", "-o", "x.ris"], "--append"),
        ([REVIEW, "--append"], "--append needs a file"),
        (["--topic", "no-such-topic"], "unknown topic"),
        ([], "nothing to export"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    assert _run(tmp_path, "--offline", *args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_bad_key_template_in_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('citekey_template = "{author}{yr}"\n', encoding="utf-8")
    assert _run(tmp_path, "--offline", "--config", str(config), REVIEW) == 2
    err = capsys.readouterr().err
    assert "unknown field {yr}" in err and len(err.strip().splitlines()) == 1


def test_key_template_from_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "config.toml"
    config.write_text('citekey_template = "{author}:{year}"\n', encoding="utf-8")
    assert _run(tmp_path, "--offline", "--config", str(config), REVIEW) == 0
    assert capsys.readouterr().out.startswith("@article{wang:2012,")


def test_marked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(tmp_path, "--offline", "--marked") == 1
    assert "no references are marked" in capsys.readouterr().err
    _state().set_marks([REVIEW])
    assert _run(tmp_path, "--offline", "--marked") == 0
    assert capsys.readouterr().out.startswith("@article{wang2012safety,")


def test_topic_exports_its_landmarks_offline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from mscterm.topics import load_topics

    topics = load_topics()
    topic = next(t for t in topics.walk() if topics.landmark_ids(t.id))
    out = tmp_path / "topic.bib"
    code = _run(tmp_path, "--offline", "--topic", topic.id, "-o", str(out))
    assert code in (0, 1)
    entries = parse_string(out.read_text(encoding="utf-8"), "bibtex").entries
    assert len(entries) >= 1
    assert len(entries) + (code == 1) <= len(topics.landmark_ids(topic.id)) + 1


def test_online_fetch_and_keys_stay_pinned_across_exports(
    tmp_path: Path, eutils_server: EUtilsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    url = ["--eutils-url", eutils_server.url]
    first = tmp_path / "a.bib"
    assert _run(tmp_path, *url, "90000003", "-o", str(first)) == 0
    key3 = next(iter(parse_string(first.read_text(encoding="utf-8"), "bibtex").entries))
    second = tmp_path / "b.bib"
    assert _run(tmp_path, *url, "90000001", "90000002", "90000003", "-o", str(second)) == 0
    entries = parse_string(second.read_text(encoding="utf-8"), "bibtex").entries
    assert key3 in entries and entries[key3].fields["pmid"] == "90000003"
    assert len(set(entries)) == 3
    pinned = _state().citekeys
    assert pinned["90000003"] == key3
    # The records are cached now: offline gives the same keys.
    assert _run(tmp_path, "--offline", "90000002", "-o", "-") == 0
    assert capsys.readouterr().out.startswith(f"@article{{{pinned['90000002']},")


def test_append_via_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "paper.bib"
    mine = "@book{mine, title = {Mine}, year = 1999, publisher = {Me}, author = {Me, I.}}\n"
    out.write_text(mine, encoding="utf-8")
    assert _run(tmp_path, "--offline", REVIEW, "--append", "-o", str(out)) == 0
    assert "Wrote 1 reference to" in capsys.readouterr().err
    assert _run(tmp_path, "--offline", REVIEW, "--append", "-o", str(out)) == 0
    assert "Wrote 0 references" in capsys.readouterr().err
    text = out.read_text(encoding="utf-8")
    assert text.startswith(mine) and text.count("@article{wang2012safety,") == 1
