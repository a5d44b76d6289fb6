"""The shared rate limiter: never more than `rate` request starts in any window, across tasks
and across real OS processes, and a broken limiter file never stops the user."""

from __future__ import annotations

import asyncio
import json
import os
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mscterm.net.ratelimit import RateLimiter

REPO = Path(__file__).resolve().parents[1]


def max_in_window(stamps: list[float], per: float) -> int:
    """The most stamps that fall into any half-open window [t, t + per)."""
    stamps = sorted(stamps)
    best = 0
    j = 0
    for i, t in enumerate(stamps):
        j = max(j, i)
        while j < len(stamps) and stamps[j] < t + per:
            j += 1
        best = max(best, j - i)
    return best


def test_max_in_window_helper() -> None:
    assert max_in_window([0.0, 0.5, 0.99, 1.0, 1.6], 1.0) == 3
    assert max_in_window([0.0, 0.1, 0.2, 0.3], 1.0) == 4
    assert max_in_window([], 1.0) == 0


async def test_creates_missing_cache_directory(tmp_path: Path) -> None:
    path = tmp_path / "not" / "yet" / "there" / "ratelimit.sqlite3"
    limiter = RateLimiter(path, rate=3)
    await limiter.acquire()
    assert path.is_file()
    assert limiter.warning is None
    limiter.close()


async def test_tasks_in_one_process_stay_within_three_per_second(tmp_path: Path) -> None:
    limiter = RateLimiter(tmp_path / "rl.sqlite3", rate=3, per=1.0)
    stamps: list[float] = []

    async def one() -> None:
        await limiter.acquire()
        stamps.append(time.time())

    await asyncio.gather(*(one() for _ in range(7)))
    limiter.close()
    assert len(stamps) == 7
    assert max_in_window(stamps, 1.0) <= 3
    # The first three go at once; the limiter really made the others wait.
    assert max(stamps) - min(stamps) >= 2.0


async def test_two_limiter_objects_on_one_path_share_the_budget(tmp_path: Path) -> None:
    """Two clients in one process (e.g. the TUI's and a worker's) count against one budget."""
    path = tmp_path / "rl.sqlite3"
    a = RateLimiter(path, rate=2, per=0.3)
    b = RateLimiter(path, rate=2, per=0.3)
    stamps: list[float] = []

    async def use(limiter: RateLimiter) -> None:
        for _ in range(3):
            await limiter.acquire()
            stamps.append(time.time())

    await asyncio.gather(use(a), use(b))
    a.close()
    b.close()
    assert max_in_window(stamps, 0.3) <= 2


SCRIPT = textwrap.dedent(
    """
    import asyncio, json, sys, time
    from pathlib import Path
    from mscterm.net.ratelimit import RateLimiter

    path, rate, per, n, start_at = sys.argv[1], int(sys.argv[2]), float(sys.argv[3]), \\
        int(sys.argv[4]), float(sys.argv[5])

    async def main():
        limiter = RateLimiter(Path(path), rate=rate, per=per)
        await asyncio.sleep(max(0.0, start_at - time.time()))
        stamps = []
        for _ in range(n):
            await limiter.acquire()
            stamps.append(time.time())
        limiter.close()
        print(json.dumps(stamps))

    asyncio.run(main())
    """
)


def test_two_os_processes_share_one_budget(tmp_path: Path) -> None:
    path = tmp_path / "cache" / "ratelimit.sqlite3"
    rate, per, n = 3, 0.5, 6
    start_at = time.time() + 1.5  # both interpreters are up before either starts
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", SCRIPT, str(path), str(rate), str(per), str(n), str(start_at)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(2)
    ]
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=30)
        assert proc.returncode == 0, err
        results.append(json.loads(out))
    stamps = results[0] + results[1]
    assert len(stamps) == 2 * n
    assert max_in_window(stamps, per) <= rate
    # Alone, each process would have finished its 6 in about one window; together, 12 starts
    # need at least three full windows, which proves they waited for each other.
    assert max(stamps) - min(stamps) >= 3 * per


async def test_corrupt_file_is_recreated(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.sqlite3"
    path.write_bytes(b"this is not an SQLite database\x00\xff" * 200)
    limiter = RateLimiter(path, rate=3)
    await limiter.acquire()
    limiter.close()
    assert limiter.warning is None
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM stamps").fetchone()[0] == 1


async def test_file_corrupted_while_open_is_recreated(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.sqlite3"
    limiter = RateLimiter(path, rate=3)
    await limiter.acquire()
    path.write_bytes(b"garbage" * 1000)  # same inode, new content
    await limiter.acquire()
    await limiter.acquire()
    limiter.close()
    assert limiter.warning is None


async def test_unusable_path_falls_back_to_a_process_local_limit(tmp_path: Path) -> None:
    path = tmp_path / "ratelimit.sqlite3"
    path.mkdir()  # a directory where the file should be: cannot be opened nor removed
    limiter = RateLimiter(path, rate=2, per=0.3)
    stamps = []
    for _ in range(5):
        await limiter.acquire()
        stamps.append(time.time())
    assert limiter.warning is not None and "this process only" in limiter.warning
    assert max_in_window(stamps, 0.3) <= 2
    assert max(stamps) - min(stamps) >= 2 * 0.3


async def test_file_deleted_underneath_is_shared_again(tmp_path: Path) -> None:
    """Another process recreated the file (or `cache clear` removed it): reopen, keep sharing."""
    path = tmp_path / "ratelimit.sqlite3"
    a = RateLimiter(path, rate=2, per=0.4)
    b = RateLimiter(path, rate=2, per=0.4)
    await a.acquire()  # a now holds a connection to the first file
    path.unlink()
    await b.acquire()
    await b.acquire()  # the new file is full for this window
    before = time.time()
    await a.acquire()  # must see b's stamps in the new file, so it waits
    assert time.time() - before >= 0.3
    a.close()
    b.close()


async def test_stamps_from_the_future_do_not_block(tmp_path: Path) -> None:
    """A wall clock set back must not freeze every request for the size of the jump."""
    path = tmp_path / "ratelimit.sqlite3"
    limiter = RateLimiter(path, rate=1)
    await limiter.acquire()
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE stamps SET t = t + 3600")
    before = time.monotonic()
    await asyncio.wait_for(limiter.acquire(), timeout=5)
    assert time.monotonic() - before < 0.5
    limiter.close()


def test_rejects_nonsense_rates(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        RateLimiter(tmp_path / "x", rate=0)
    with pytest.raises(ValueError):
        RateLimiter(tmp_path / "x", rate=3, per=0)


def test_the_old_import_path_names_the_same_limiter() -> None:
    from mscterm.ncbi import ratelimit as old_home

    assert old_home.RateLimiter is RateLimiter


async def test_restamp_moves_a_stamp_to_the_moment_the_request_leaves(tmp_path: Path) -> None:
    """A request that spent a while opening its connection counts from when it really left."""
    path = tmp_path / "limiter.sqlite3"
    limiter = RateLimiter(path, rate=1, per=0.4, margin=0.0)
    stamp = await limiter.acquire()
    await asyncio.sleep(0.05)  # connecting …
    limiter.restamp(stamp)
    limiter.close()
    rows = [t for (t,) in sqlite3.connect(path).execute("SELECT t FROM stamps")]
    assert len(rows) == 1 and rows[0] > stamp  # moved, not added
    # The next request waits a full window from the departure, not from the first stamp.
    started = await limiter.acquire()
    assert started >= rows[0] + 0.4
    limiter.close()


async def test_restamp_in_the_process_local_fallback(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache directory should be")
    limiter = RateLimiter(blocker / "limiter.sqlite3", rate=1, per=0.4, margin=0.0)
    stamp = await limiter.acquire()
    assert limiter.warning is not None
    await asyncio.sleep(0.05)
    limiter.restamp(stamp)
    started = await limiter.acquire()
    assert started - stamp >= 0.45  # a window after the departure, not after the stamp
    limiter.restamp(12345.0)  # a stamp long forgotten: nothing happens
