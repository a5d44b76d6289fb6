"""The cache under stress: concurrent writers, crashes, damaged files, full disks, hostile input.

DESIGN.md: "Nothing already cached is lost by any failure", and failures are one plain line,
never a traceback. These tests use real processes, real SIGKILLs and a real full filesystem.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import mscterm.library.facade as library_mod
from mscterm.cli import main
from mscterm.model import AbstractSection
from mscterm.store import RecordStore, SnapshotError, StoreError
from tests.conftest import make_record

REPO = Path(__file__).resolve().parent.parent

WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from tests.conftest import make_record
    from mscterm.store import RecordStore

    cache, first, last, label = Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    with RecordStore(cache) as store:
        for start in range(first, last, 10):
            batch = [
                make_record(n, title=f"Written by {label} ({n}).")
                for n in range(start, min(start + 10, last))
            ]
            store.put(batch)
        print("warnings:", store.warnings)
    """
)

KILLED_WRITER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from tests.conftest import make_record
    from mscterm.model import AbstractSection
    from mscterm.store import RecordStore

    store = RecordStore(Path(sys.argv[2]))
    batch_no = 0
    while True:
        store.put([
            make_record(batch_no * 50 + i, title=f"Batch {batch_no} item {i}.",
                        abstract=[AbstractSection(None, "stromal " * 2500 + "END")])
            for i in range(50)
        ])
        if batch_no == 2:
            print("ready", flush=True)
        batch_no += 1
    """
)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("MSCTERM_CACHE_DIR", "MSCTERM_STATE_DIR", "MSCTERM_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MSCTERM_CONFIG", str(tmp_path / "no-config.toml"))
    monkeypatch.setattr(library_mod, "seed_records_path", lambda: tmp_path / "no-seed.jsonl")
    return tmp_path / "cache"


def _script(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# -- concurrency and crashes ---------------------------------------------------------------------
def test_two_processes_writing_at_once_lose_nothing(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    script = _script(tmp_path, "writer.py", WRITER)
    # A writes 0..599, B writes 400..999: disjoint parts and an overlap, at the same time.
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(REPO), str(cache), first, last, label],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for first, last, label in (("0", "600", "A"), ("400", "1000", "B"))
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err
    with RecordStore(cache) as store:
        ids = set(store.ids())
        assert ids == {str(90000000 + n) for n in range(1000)}
        for n in range(1000):
            rec = store.get(str(90000000 + n))
            assert rec is not None and rec.is_full
            writer = "A" if n < 400 else "B" if n >= 600 else None
            if writer:
                assert rec.title == f"Written by {writer} ({n})."
            else:
                assert rec.title in (f"Written by A ({n}).", f"Written by B ({n}).")
        assert [f for f in store.verify() if not f.fixed] == []
        from mscterm.store import SearchIndex

        with SearchIndex(store.index_path) as index:
            assert set(index.ids()) == ids


def test_sigkill_mid_write_leaves_only_whole_records(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    script = _script(tmp_path, "killed.py", KILLED_WRITER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(REPO), str(cache)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready", proc.stderr.read() if proc.stderr else ""
        time.sleep(0.3)
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with RecordStore(cache) as store:
        batches: dict[int, int] = {}
        for rec in store.iter_records():
            n = int(rec.id) - 90000000
            assert rec.title == f"Batch {n // 50} item {n % 50}."
            assert rec.abstract[0].text.endswith("END")
            batches[n // 50] = batches.get(n // 50, 0) + 1
        assert len(batches) >= 3
        assert set(batches.values()) == {50}, "a batch is stored whole or not at all"
        assert len(store) == 50 * len(batches)
        assert [f for f in store.verify() if not f.fixed] == []
        store.put([make_record(99999)])  # and it keeps working
        assert store.get("90099999") is not None


# -- damaged files -------------------------------------------------------------------------------
def _damage(cache: Path, how: str) -> None:
    db = cache / "records" / "cache.db"
    for suffix in ("-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    if how == "garbage":
        db.write_bytes(b"this is not a database \x00\xff" * 2000)
    else:
        data = db.read_bytes()
        db.write_bytes(data[: len(data) // 3])


@pytest.mark.parametrize(
    "command",
    [
        ["prisma", "--topic", "genetic-stability"],
        ["export", "--topic", "genetic-stability", "--offline", "-o", "{tmp}/out.bib"],
    ],
    ids=["prisma", "export"],
)
def test_prisma_and_export_say_the_cache_was_moved_aside(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys, command: list[str]
) -> None:
    """Like every command that reads the cache, they say in one line that it was damaged."""
    monkeypatch.setenv("MSCTERM_STATE_DIR", str(tmp_path / "state"))
    with RecordStore(env) as store:
        store.put([make_record(n) for n in range(200)])
    _damage(env, "garbage")
    argv = [part.format(tmp=tmp_path) for part in command]
    code = main([*argv, "--cache-dir", str(env)])
    captured = capsys.readouterr()
    assert code in (0, 1), captured.err
    assert "mscterm: warning: the cache was damaged and has been moved aside to" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize("how", ["garbage", "truncated"])
def test_damaged_cache_is_moved_aside_and_the_command_works(env: Path, capsys, how: str) -> None:
    with RecordStore(env) as store:
        for start in range(0, 3000, 500):
            store.put([make_record(n) for n in range(start, start + 500)])
    _damage(env, how)
    assert main(["cache", "stats", "--cache-dir", str(env)]) == 0
    captured = capsys.readouterr()
    assert "mscterm: warning: the cache was damaged and has been moved aside to" in captured.err
    assert "Traceback" not in captured.err
    # Issue 14: what the damaged file still holds is salvaged (a third of it when truncated to
    # a third; nothing from garbage), and stats counts exactly that.
    found = re.search(r"salvaged (\d+) of \d+ records", captured.err)
    assert found is not None, captured.err
    salvaged = int(found.group(1))
    assert salvaged == 0 if how == "garbage" else 900 <= salvaged <= 1000
    assert f"records:         {salvaged:,} fetched" in captured.out
    moved = list(env.glob("records.corrupt-*"))
    assert len(moved) == 1 and (moved[0] / "cache.db").exists()
    with RecordStore(env) as store:
        assert store.warnings == []
        store.put([make_record(1)])
        assert store.get("90000001") is not None


def test_damaged_cache_found_while_reading_is_rebuilt(env: Path) -> None:
    with RecordStore(env) as store:
        store.put([make_record(n) for n in range(2000)])
        store.records.cache.close()  # the diskcache connection reopens on the next call
        _damage(env, "truncated")
        # The open store meets the damage on a later read: it recovers instead of crashing.
        for n in range(0, 2000, 100):
            store.get(str(90000000 + n))
        assert any("the cache was damaged" in w for w in store.warnings)
        store.put([make_record(5000)])
        assert store.get("90005000") is not None


def test_damaged_index_is_rebuilt_from_the_store(env: Path) -> None:
    from mscterm.store import SearchIndex

    with RecordStore(env) as store:
        store.put([make_record(1), make_record(2)])
    for suffix in ("-wal", "-shm"):
        Path(f"{env / 'index.sqlite3'}{suffix}").unlink(missing_ok=True)
    (env / "index.sqlite3").write_bytes(b"\x00garbage index\xff" * 500)
    with RecordStore(env) as store:
        store.put([make_record(3)])
        assert any("search index was damaged" in w for w in store.warnings)
    with SearchIndex(env / "index.sqlite3") as index:
        assert set(index.ids()) == {"90000001", "90000002", "90000003"}
    assert list(env.glob("index.sqlite3.corrupt-*"))


def test_verify_command_rebuilds_a_damaged_index(env: Path, capsys) -> None:
    with RecordStore(env) as store:
        store.put([make_record(1)])
    for suffix in ("-wal", "-shm"):
        Path(f"{env / 'index.sqlite3'}{suffix}").unlink(missing_ok=True)
    (env / "index.sqlite3").write_bytes(b"garbage" * 1000)
    assert main(["cache", "verify", "--cache-dir", str(env)]) == 0
    out = capsys.readouterr().out
    assert "fixed: the search index was damaged" in out
    assert "cache repaired: 1 records" in out


# -- interrupted export --------------------------------------------------------------------------
def test_interrupted_export_leaves_no_partial_file(env: Path, tmp_path: Path, monkeypatch) -> None:
    with RecordStore(env) as store:
        store.put([make_record(n) for n in range(20)])
    target = tmp_path / "snapshot.jsonl"
    target.write_text("previous export\n", encoding="utf-8")
    real = RecordStore.write_jsonl

    def dies_half_way(self: RecordStore, out) -> int:
        out.write('{"id": "90000000", "half": ')
        out.flush()
        raise KeyboardInterrupt

    monkeypatch.setattr(RecordStore, "write_jsonl", dies_half_way)
    assert main(["cache", "export", str(target), "--cache-dir", str(env)]) == 130
    assert target.read_text(encoding="utf-8") == "previous export\n"
    fresh = tmp_path / "fresh.jsonl"
    with RecordStore(env) as store, pytest.raises(KeyboardInterrupt):
        store.export_jsonl(fresh)
    assert not fresh.exists()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    monkeypatch.setattr(RecordStore, "write_jsonl", real)
    assert main(["cache", "export", str(target), "--cache-dir", str(env)]) == 0
    assert len(target.read_text(encoding="utf-8").splitlines()) == 20


# -- full disk -----------------------------------------------------------------------------------
def test_full_disk_is_a_clear_error_and_keeps_what_was_cached(
    env: Path, small_disk: Path, tmp_path: Path, capsys
) -> None:
    cache = small_disk / "cache"
    with RecordStore(cache) as store:
        store.put([make_record(n) for n in range(10)])
    big = tmp_path / "big.jsonl"
    with open(big, "w", encoding="utf-8") as fh:
        for n in range(100, 3100):
            fh.write(
                json.dumps(
                    make_record(n, abstract=[AbstractSection(None, "karyotype " * 300)]).to_json()
                )
                + "\n"
            )
    assert main(["cache", "import", str(big), "--cache-dir", str(cache)]) == 4  # DESIGN.md
    err = capsys.readouterr().err
    assert "mscterm: disk full: no space left on the disk holding the cache" in err
    assert "Traceback" not in err
    # Fill what closing the cache freed: on a full disk the cache still opens for reading,
    # every record is whole, and writing says why it cannot.
    with open(small_disk / "filler", "wb") as fh, pytest.raises(OSError):
        while True:
            fh.write(b"\0" * 65536)
            fh.flush()
    with RecordStore(cache) as store:
        assert any("nothing new is stored" in w for w in store.warnings)
        for n in range(10):
            assert store.get(str(90000000 + n)).is_full
        records = list(store.iter_records())
        assert len(records) >= 10
        assert all(r.abstract for r in records)
        with pytest.raises(StoreError, match="no space left"):
            store.put([make_record(9999)])
    assert main(["cache", "stats", "--cache-dir", str(cache)]) == 0
    captured = capsys.readouterr()
    assert "fetched from PubMed" in captured.out
    assert "Traceback" not in captured.err


# -- hostile snapshot files ----------------------------------------------------------------------
GOOD = json.dumps(make_record(1).to_json()).encode()

HOSTILE = {
    "non-utf8": (GOOD + b"\n" + b'{"id": "90000002", "pmid": "90000002", "title": "\xff\xfe"}\n',
                 "line 2: not UTF-8"),
    "huge line": (b'{"id": "' + b"9" * (9 * 1024 * 1024) + b'"}\n', "line 1: longer than 8 MB"),
    "raw escape": (b'{"id": "90000002", "pmid": "90000002", "title": "a\x1b[31mb"}\n',
                   "line 1: not valid JSON"),
    "raw NUL": (GOOD + b"\n\x00\x00\x00\n", "line 2: not valid JSON"),
    "escape in id": (b'{"id": "cite:x\\u001b[2J", "title": "x", "source": "seed"}\n',
                     "line 1: record id"),
    "wrong type": (b'{"id": "90000002", "pmid": "90000002", "title": 5}\n',
                   "line 1: 'title' must be a string"),
    "deep nesting": (b'{"id": "1", "comments": ' + b"[" * 200000 + b"]" * 200000 + b"}\n",
                     "line 1: "),
    "not an object": (GOOD + b"\n" + GOOD + b"\n\"just a string\"\n", "line 3: not a JSON object"),
    "pmid mismatch": (b'{"id": "90000003", "pmid": "90000004", "title": "x"}\n',
                      "line 1: record id '90000003' does not match"),
    "unknown source": (b'{"id": "90000003", "pmid": "90000003", "source": "evil"}\n',
                       "line 1: source must be"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_import_is_rejected_whole_with_the_line_named(
    env: Path, tmp_path: Path, capsys, case: str
) -> None:
    data, expected = HOSTILE[case]
    path = tmp_path / "hostile.jsonl"
    path.write_bytes(data)
    assert main(["cache", "import", str(path), "--cache-dir", str(env)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"mscterm: {path} {expected}"), err[:300]
    assert err.count("\n") == 1 and len(err) < 2000
    assert "Traceback" not in err
    with RecordStore(env) as store:
        assert len(store) == 0, "nothing is half-imported"


def test_control_characters_escaped_in_json_are_kept_as_data(env: Path, tmp_path: Path) -> None:
    rec = make_record(5, title="Bell \x07 and escape \x1b[2J in a title")
    path = tmp_path / "ok.jsonl"
    # A byte-order mark and Windows line ends are accepted.
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(rec.to_json()).encode() + b"\r\n\r\n")
    with RecordStore(env) as store:
        assert store.import_jsonl(path) == (1, 0, 0)
        assert store.get("90000005").title == rec.title


def test_import_api_raises_snapshot_error(env: Path, tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    path.write_bytes(b"\xff\n")
    with RecordStore(env) as store, pytest.raises(SnapshotError, match="line 1"):
        store.import_jsonl(path)


# -- issue 14, as real processes -----------------------------------------------------------------
def _run(tmp_path: Path, *args: str, pythonpath: Path | None = None) -> subprocess.CompletedProcess:
    """``mscterm ARGS`` in a fresh interpreter on tmp cache/state dirs (no network)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSCTERM_", "NCBI_"))}
    env |= {
        "MSCTERM_CACHE_DIR": str(tmp_path / "cache"),
        "MSCTERM_STATE_DIR": str(tmp_path / "state"),
        "MSCTERM_CONFIG": str(tmp_path / "no-config.toml"),
        "MSCTERM_EUTILS_URL": "http://127.0.0.1:9/",
    }
    if pythonpath is not None:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run(
        [sys.executable, "-m", "mscterm", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=REPO,
        timeout=120,
    )


def _one_line(proc: subprocess.CompletedProcess) -> str:
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.stderr.startswith("mscterm: ") and proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


class _Payload:
    """Unpickling this creates ``marker``: proof that a cache row ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_a_tampered_cache_runs_no_code(tmp_path: Path) -> None:
    import diskcache

    marker = tmp_path / "pwned"
    with RecordStore(tmp_path / "cache") as store:
        store.put([make_record(1), make_record(2)])
    raw = diskcache.Cache(str(tmp_path / "cache" / "records"))  # pickles what is not text
    raw.set("r:90000001", _Payload(marker))  # a value in pickle mode
    raw.set(_Payload(marker), "x")  # a pickled key
    raw.close()
    lookup = _run(tmp_path, "lookup", "90000001", "90000002", "--offline", "--json")
    assert not marker.exists()
    assert lookup.returncode == 1 and "not found: 90000001" in lookup.stderr, lookup.stderr
    assert [r["id"] for r in json.loads(lookup.stdout)] == ["90000002"]
    stats = _run(tmp_path, "cache", "stats")
    assert not marker.exists()
    assert stats.returncode == 0 and "unreadable:      1 records" in stats.stdout, stats.stderr
    verify = _run(tmp_path, "cache", "verify")
    assert not marker.exists()
    assert verify.returncode == 0, verify.stderr
    assert "2 cache row(s) mscterm did not write (pickled or of a foreign type)" in verify.stdout
    assert "cache repaired: 1 records" in verify.stdout
    assert "Traceback" not in lookup.stderr + stats.stderr + verify.stderr


# Injected into a real mscterm process (PYTHONPATH): every write into the search index's FTS
# table fails as SQLite fails on a full disk. A tmpfs that fills up does the same where it can be
# mounted (test_full_disk_is_a_clear_error_and_keeps_what_was_cached); this needs no mount.
FULL_DISK_HOOK = textwrap.dedent(
    """
    import sqlite3

    _connect = sqlite3.connect

    class _FullDisk(sqlite3.Connection):
        def execute(self, sql, *args):
            if sql.lstrip().upper().startswith("INSERT INTO FT("):
                exc = sqlite3.OperationalError("database or disk is full")
                exc.sqlite_errorcode, exc.sqlite_errorname = 13, "SQLITE_FULL"
                raise exc
            return super().execute(sql, *args)

    def connect(database, *args, **kwargs):
        if str(database).endswith("index.sqlite3"):
            kwargs["factory"] = _FullDisk
        return _connect(database, *args, **kwargs)

    sqlite3.connect = connect
    """
)


def test_a_full_disk_keeps_the_healthy_index_and_says_disk_full(tmp_path: Path) -> None:
    from mscterm.store import SearchIndex

    cache = tmp_path / "cache"
    with RecordStore(cache) as store:
        store.put([make_record(n, title=f"Karyotype study {n}.") for n in range(10)])
    snapshot = tmp_path / "more.jsonl"
    more = [make_record(n, title=f"Karyotype follow-up {n}.") for n in range(100, 150)]
    snapshot.write_text("".join(json.dumps(r.to_json()) + "\n" for r in more), encoding="utf-8")
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(FULL_DISK_HOOK, encoding="utf-8")
    proc = _run(tmp_path, "cache", "import", str(snapshot), pythonpath=hook)
    err = _one_line(proc)
    assert "disk full" in err and "search index" in err
    # 2 until commands/cache.py maps StoreError.exit_code (DESIGN.md: 4, local storage failed).
    assert proc.returncode in (2, 4)
    assert not list(cache.glob("index.sqlite3.corrupt-*")), "a full disk is not damage"
    with SearchIndex(cache / "index.sqlite3") as index:
        assert sorted(index.search("karyotype", limit=100)) == [
            str(90000000 + n) for n in range(10)
        ]
    with RecordStore(cache) as store:
        assert len(store) == 60, "the records were cached before the index failed"
        assert any("lacked 50 cached record(s)" in f for f in store.verify())
        assert len(store.search("karyotype", limit=100)) == 60


def test_one_damaged_page_does_not_discard_the_cache(tmp_path: Path) -> None:
    import random

    cache = tmp_path / "cache"
    with RecordStore(cache) as store:
        for start in range(0, 2000, 500):
            store.put([make_record(n) for n in range(start, start + 500)])
    db = cache / "records" / "cache.db"
    with open(db, "r+b") as fh:  # 4 KiB of noise into the middle of the file
        fh.seek(db.stat().st_size // 2)
        fh.write(random.Random(7).randbytes(4096))
    proc = _run(tmp_path, "cache", "verify")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    found = re.search(
        r"fixed: the cache was damaged and has been moved aside to (\S+); "
        r"salvaged (\d+) of 2000 records into a fresh cache",
        proc.stdout,
    )
    assert found is not None, proc.stdout
    salvaged = int(found.group(2))
    assert 1980 <= salvaged < 2000  # the rows of the one or two damaged pages are lost
    assert f"cache repaired: {salvaged:,} records" in proc.stdout
    assert Path(found.group(1), "cache.db").is_file(), "the damaged file is kept"
    with RecordStore(cache) as store:
        kept = sorted(store.ids())[:3]
    lookup = _run(tmp_path, "lookup", *kept, "--offline", "--json")
    assert lookup.returncode == 0, lookup.stderr
    assert [r["id"] for r in json.loads(lookup.stdout)] == kept


@pytest.mark.parametrize(
    "args",
    [
        ("lookup", "90000001", "--offline"),
        ("search", "karyotype", "--offline"),
        ("cache", "stats"),
        ("cache", "verify"),
    ],
)
def test_a_file_where_the_records_folder_belongs_is_one_line(tmp_path: Path, args) -> None:
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "records").write_text("a file, not the cache folder", encoding="utf-8")
    proc = _run(tmp_path, *args)
    err = _one_line(proc)
    assert "exists but is not a folder" in err
    assert proc.returncode == 2  # bad input: the configured cache path cannot hold a cache
    assert (tmp_path / "cache" / "records").read_text(encoding="utf-8").startswith("a file")


def test_a_cached_record_of_the_wrong_shape_reads_as_absent(tmp_path: Path) -> None:
    import diskcache

    from mscterm.model import SCHEMA_VERSION

    with RecordStore(tmp_path / "cache") as store:
        store.put([make_record(n) for n in (1, 2, 3)])
    raw = diskcache.Cache(str(tmp_path / "cache" / "records"))
    for n, change in ((2, {"authors": 5, "title": 5}), (3, {"year": "x"})):
        data = make_record(n).to_json() | change
        raw.set(f"r:{90000000 + n}", f"{SCHEMA_VERSION}|0|pubmed|{json.dumps(data)}")
    raw.close()
    for fmt in ((), ("--json",), ("--bibtex",)):
        proc = _run(tmp_path, "lookup", "90000001", "90000002", "90000003", "--offline", *fmt)
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == 1 and "not found: 90000002 90000003" in proc.stderr
        assert "90000001" in proc.stdout
    verify = _run(tmp_path, "cache", "verify")
    assert verify.returncode == 0, verify.stderr
    assert "fixed: 2 unreadable record(s) were removed" in verify.stdout
    assert "cache repaired: 1 records" in verify.stdout
