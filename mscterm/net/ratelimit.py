"""One request budget per machine, shared by every mscterm process on one cache directory.

NCBI counts requests per machine (per IP, or per API key), not per process: the TUI and a
background ``mscterm fetch`` together must stay under 3 requests/s (10/s with a key). An
in-memory token bucket cannot see the other process, so the budget lives in a tiny SQLite file
beside the cache: a table of the wall-clock start times of recent requests. ``acquire`` takes a
write lock (``BEGIN IMMEDIATE``), forgets stamps older than the window, and either records a new
stamp (a slot was free) or learns how long until the oldest stamp leaves the window and sleeps
that long *outside* the transaction before trying again.

The window is ``per`` plus a small safety ``margin``: NCBI timestamps requests when they arrive,
not when we send them, so a little jitter on the way must not make four requests look like they
fell into one second. A bigger delay, opening a new connection, is taken out by
:meth:`RateLimiter.restamp`: the transport moves the stamp to the moment the request's headers
are really written.

The file is disposable. A corrupt or unreadable one is deleted and recreated; if even that fails
(a read-only cache directory), the limiter degrades to an in-process window and says so in
:attr:`RateLimiter.warning` rather than stopping the user from working.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import logging
import os
import sqlite3
import threading
import time
from collections import deque
from pathlib import Path

__all__ = ["DEFAULT_MARGIN", "RateLimiter"]

log = logging.getLogger(__name__)

DEFAULT_MARGIN = 0.1
"""Seconds added to the window so NCBI's own counting never sees one request too many."""

_BUSY_TIMEOUT_S = 5.0
"""How long a process waits for another one's (millisecond-long) write lock."""

_SCHEMA = "CREATE TABLE IF NOT EXISTS stamps (t REAL NOT NULL)"


class RateLimiter:
    """At most ``rate`` request starts in any sliding window of ``per`` (+ margin) seconds.

    Every process (and every client in one process) that uses the same ``path`` shares the
    budget. ``acquire`` is a coroutine: waiting never blocks the event loop; the SQLite work per
    call is one tiny transaction.
    """

    def __init__(
        self, path: Path, rate: int, per: float = 1.0, *, margin: float = DEFAULT_MARGIN
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        if per <= 0 or margin < 0:
            raise ValueError("per must be positive and margin not negative")
        self.path = Path(path)
        self.rate = int(rate)
        self.per = float(per)
        self.margin = float(margin)
        self.warning: str | None = None
        """Set (one sentence) when the shared file could not be used and the limit is
        process-local."""
        self._lock = threading.Lock()  # one sqlite connection, possibly several event loops
        self._conn: sqlite3.Connection | None = None
        self._inode: tuple[int, int] | None = None
        self._memory: deque[float] | None = None  # fallback window when the file is unusable

    @property
    def window(self) -> float:
        """The window actually enforced: ``per`` plus the safety margin."""
        return self.per + self.margin

    async def acquire(self) -> float:
        """Wait until a request may start, and count it against the shared budget.

        Returns as soon as fewer than ``rate`` requests started in the last window; otherwise
        sleeps until the oldest of them leaves the window and tries again (another process may
        have taken the slot meanwhile). The result is the request's stamp, for :meth:`restamp`.
        """
        while True:
            wait, stamp = self._try_acquire()
            if wait <= 0:
                return stamp
            await asyncio.sleep(wait)

    def restamp(self, stamp: float) -> None:
        """Move a request's stamp from :meth:`acquire`'s moment to now, when it really leaves.

        Between the two, a new connection (DNS, TCP, TLS) can take a good part of a second;
        NCBI counts arrivals, so a stamp left at the earlier moment would let a later request
        on a kept-alive connection arrive within the same second. Best effort: a stamp already
        forgotten, or a file that cannot be written, leaves things as they are.
        """
        now = time.time()
        if now <= stamp:
            return
        with self._lock:
            if self._memory is not None:
                with contextlib.suppress(ValueError):
                    self._memory.remove(stamp)
                    bisect.insort(self._memory, now)
                return
            try:
                conn = self._connection()
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "UPDATE stamps SET t = ? WHERE rowid = "
                    "(SELECT rowid FROM stamps WHERE t = ? LIMIT 1)",
                    (now, stamp),
                )
                conn.execute("COMMIT")
            except (sqlite3.Error, OSError) as exc:
                log.debug("rate limiter stamp not moved (%s)", exc)
                self._close_conn()

    def close(self) -> None:
        """Close the SQLite connection (the next ``acquire`` reopens it)."""
        with self._lock:
            self._close_conn()

    # -- internals ---------------------------------------------------------------------------

    def _try_acquire(self) -> tuple[float, float]:
        """One attempt: ``(0, stamp)`` when a slot was taken, else ``(seconds to wait, 0)``."""
        with self._lock:
            if self._memory is None:
                try:
                    return self._try_acquire_file()
                except (sqlite3.Error, OSError) as exc:
                    # A corrupt, unreadable or vanished file: recreate it once, right now.
                    log.warning("rate limiter file %s unusable (%s); recreating it", self.path, exc)
                    self._close_conn()
                    self._discard_file()
                    try:
                        return self._try_acquire_file()
                    except (sqlite3.Error, OSError) as exc2:
                        self._close_conn()
                        self.warning = (
                            f"The shared rate limiter file {self.path} cannot be used ({exc2}); "
                            "the request limit now applies to this process only."
                        )
                        log.warning("%s", self.warning)
                        self._memory = deque()
            return self._try_acquire_memory()

    def _try_acquire_file(self) -> tuple[float, float]:
        conn = self._connection()
        now = time.time()
        window = self.window
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Stamps from the "future" mean the wall clock was set back: they would block us for
            # as long as the jump, so they are forgotten too.
            conn.execute("DELETE FROM stamps WHERE t <= ? OR t > ?", (now - window, now + window))
            rows = conn.execute(
                "SELECT t FROM stamps ORDER BY t DESC LIMIT ?", (self.rate,)
            ).fetchall()
            if len(rows) < self.rate:
                conn.execute("INSERT INTO stamps (t) VALUES (?)", (now,))
                conn.execute("COMMIT")
                return 0.0, now
            conn.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")
            raise
        # rows[-1] is the oldest of the `rate` most recent starts: a slot frees when it expires.
        return max(rows[-1][0] + window - now, 0.001), 0.0

    def _try_acquire_memory(self) -> tuple[float, float]:
        now = time.time()
        window = self.window
        stamps = self._memory
        assert stamps is not None
        while stamps and (stamps[0] <= now - window or stamps[0] > now + window):
            stamps.popleft()
        if len(stamps) < self.rate:
            bisect.insort(stamps, now)
            return 0.0, now
        return max(stamps[-self.rate] + window - now, 0.001), 0.0

    def _connection(self) -> sqlite3.Connection:
        """The open connection, reopened when the file was deleted or replaced underneath us.

        Another process may have recreated a corrupt file (or ``cache clear`` removed the whole
        directory); a connection to the old, unlinked inode would no longer share anything.
        """
        try:
            st = os.stat(self.path)
            inode: tuple[int, int] | None = (st.st_dev, st.st_ino)
        except FileNotFoundError:
            inode = None
        if self._conn is not None and inode is not None and inode == self._inode:
            return self._conn
        self._close_conn()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            self.path, timeout=_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        try:
            # Durability is irrelevant for a list of timestamps; locking still works as usual.
            conn.execute("PRAGMA synchronous=OFF")
            conn.execute(_SCHEMA)
            conn.execute("SELECT count(*) FROM stamps").fetchone()
        except BaseException:
            conn.close()
            raise
        st = os.stat(self.path)
        self._conn = conn
        self._inode = (st.st_dev, st.st_ino)
        return conn

    def _close_conn(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(sqlite3.Error):
                self._conn.close()
        self._conn = None
        self._inode = None

    def _discard_file(self) -> None:
        for suffix in ("", "-journal", "-wal", "-shm"):
            with contextlib.suppress(OSError):
                Path(str(self.path) + suffix).unlink()
