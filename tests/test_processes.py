"""Real mscterm processes: Ctrl-C mid-fetch and mid-export, and two fetches sharing one cache.

These run the command as a user does (``python -m mscterm``) against the local stand-in server,
and check what is left on disk afterwards: whole records only, no half-written file.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mscterm.store import RecordStore
from tests.eutils_server import EUtilsServer, fictional_articles

REPO = Path(__file__).resolve().parents[1]


def _mscterm(*argv: str, tmp: Path) -> subprocess.Popen[str]:
    env = dict(os.environ, MSCTERM_STATE_DIR=str(tmp / "state"), PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "mscterm", *argv],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _fetch(ids: list[str], cache: Path, server: EUtilsServer, tmp: Path) -> subprocess.Popen[str]:
    """``mscterm fetch IDS`` into ``cache`` from the stand-in server, running."""
    return _mscterm("fetch", *ids, "--cache-dir", str(cache), "--eutils-url", server.url, tmp=tmp)


def _wait_for(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.02)


def _whole_records(cache: Path) -> list[str]:
    """Ids in the cache; opening and decoding every record must work."""
    store = RecordStore(cache, index=False)
    try:
        ids = list(store.ids())
        for rid in ids:
            record = store.get(rid)
            assert record is not None and record.title and record.pmid == rid
        return ids
    finally:
        store.close()


def test_ctrl_c_during_fetch_keeps_only_whole_batches(tmp_path: Path) -> None:
    articles = fictional_articles(600)
    with EUtilsServer(articles, delay=0.6) as server:
        cache = tmp_path / "cache"
        proc = _mscterm(
            "fetch", *articles, "--cache-dir", str(cache), "--eutils-url", server.url, tmp=tmp_path
        )
        _wait_for(lambda: len(server.requests_to("efetch")) >= 2)
        time.sleep(0.3)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "interrupted" in err and "Traceback" not in err
    ids = _whole_records(cache)
    assert len(ids) % 200 == 0 and len(ids) < 600  # whole batches only, and it did stop


def test_ctrl_c_during_export_never_leaves_a_partial_file(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    from bench.common import fictional_record

    store = RecordStore(cache, index=False)
    records = [fictional_record(n) for n in range(3000)]
    store.put(records)
    store.close()
    ids = [r.id for r in records]
    outcomes = set()
    for delay in (0.15, 0.3, 0.45, 0.6, 0.8, 1.2):
        target = tmp_path / f"out-{delay}.bib"
        proc = _mscterm(
            "export", *ids, "--offline", "--cache-dir", str(cache), "-o", str(target), tmp=tmp_path
        )
        time.sleep(delay)
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
        assert "Traceback" not in err
        leftovers = [p for p in tmp_path.iterdir() if p.name.startswith(f".out-{delay}")]
        assert leftovers == []
        if target.exists():
            assert target.read_text(encoding="utf-8").count("\n@") + 1 >= len(ids)
            outcomes.add("complete")
        else:
            assert proc.returncode != 0
            outcomes.add("none")
    assert outcomes  # every run ended in one of the two whole states


def test_two_fetches_on_one_cache_lose_nothing_and_share_the_rate_limit(tmp_path: Path) -> None:
    articles = fictional_articles(500)
    ids = list(articles)
    cache = tmp_path / "cache"
    with EUtilsServer(articles) as server:
        one = _fetch(ids[:300], cache, server, tmp_path)
        two = _fetch(ids[200:], cache, server, tmp_path)
        for proc in (one, two):
            _, err = proc.communicate(timeout=60)
            assert proc.returncode == 0, err
        peak = server.max_requests_in_any_window(1.0)
    assert sorted(_whole_records(cache)) == sorted(ids)
    assert peak <= 3


@pytest.mark.parametrize(
    "argv",
    [
        ["search", "x" * 5000, "--offline"],
        ["search", "\x1b]0;owned\x07 title", "--offline", "--limit", "0"],
        ["lookup", "1" * 21],
        ["export", "--topic", "no-such-topic"],
        ["fetch", "--topic", "\x1b[31mred"],
    ],
)
def test_hostile_command_lines_get_one_clear_line(argv: list[str], tmp_path: Path) -> None:
    proc = _mscterm(*argv, "--cache-dir", str(tmp_path / "cache"), tmp=tmp_path)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 2
    assert err.startswith("mscterm: ") and "Traceback" not in err
    assert "\x1b" not in err


def test_non_utf8_bytes_on_stdin_for_cache_import(tmp_path: Path) -> None:
    env = dict(os.environ, MSCTERM_STATE_DIR=str(tmp_path / "state"))
    done = subprocess.run(
        [sys.executable, "-m", "mscterm", "cache", "import", "-", "--cache-dir", str(tmp_path)],
        input=b'{"id": "90000001", "title": "\xff\xfe broken"}\n',
        capture_output=True,
        env=env,
        cwd=REPO,
    )
    assert done.returncode == 2
    assert done.stderr.startswith(b"mscterm: ") and b"Traceback" not in done.stderr


def _fill(disk: Path) -> None:
    """Write a filler file until the disk is full."""
    with open(disk / "filler", "wb") as fh, pytest.raises(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()


def test_fetch_onto_a_full_disk_says_disk_full_and_exits_4(
    tmp_path: Path, small_disk: Path
) -> None:
    articles = fictional_articles(40)
    ids = list(articles)
    cache = small_disk / "cache"
    with EUtilsServer(articles) as server:
        first = _fetch(ids[:5], cache, server, tmp_path)
        _, err = first.communicate(timeout=60)
        assert first.returncode == 0, err
        _fill(small_disk)
        proc = _fetch(ids[5:], cache, server, tmp_path)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 4, err
    assert "disk full" in err and "network failure" not in err
    assert "Traceback" not in err
    assert sorted(_whole_records(cache)) == sorted(ids[:5])  # what was cached is kept
