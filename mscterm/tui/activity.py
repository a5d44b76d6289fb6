"""Network work under way, as the person sees it: what, for how long, which try.

The workers say when visible work starts and ends (:meth:`Activity.track`); the HTTP layer's
retry log says which try a request is on (:class:`TriesHandler`, a ``logging`` handler on
mscterm's HTTP session logger, so the UI needs nothing from the network modules). The screens
read :meth:`Activity.describe` once a second while something runs: "Searching PubMed… 12 s,
try 2 of 5 · escape cancels".
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

SESSION_LOGGER = "mscterm.net.session"
"""The logger whose "retrying" lines carry (label, reason, delay, try, of)."""
SHOW_AFTER = 1.0
"""Seconds before running work is worth a clock on the status line."""


class Activity:
    """Visible network work under way, by name (one entry per worker group)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self.running: dict[str, tuple[str, float]] = {}
        """name -> (what it is doing, when it started)."""
        self.try_of: tuple[int, int] | None = None
        """The latest retry (try n of m) seen while work was running."""
        self.on_idle: Callable[[], None] | None = None
        """Called when the last running work ends (the clock on the status line goes at once)."""

    @contextmanager
    def track(self, name: str, label: str) -> Iterator[None]:
        """Work called ``name`` doing ``label`` runs for the duration of the block."""
        self.running[name] = (label, self._clock())
        try:
            yield
        finally:
            self.running.pop(name, None)
            if not self.running:
                self.try_of = None
                if self.on_idle is not None:
                    self.on_idle()

    def note_try(self, tries: int, allowed: int) -> None:
        if self.running:
            self.try_of = (tries, allowed)

    def label_of(self, name: str) -> str | None:
        entry = self.running.get(name)
        return entry[0] if entry else None

    def describe(self, names: set[str] | None = None) -> str | None:
        """The longest-running visible work, with its elapsed time and try (None: nothing,
        or nothing running long enough to be worth a clock)."""
        now = self._clock()
        entries = [v for k, v in self.running.items() if names is None or k in names]
        if not entries:
            return None
        label, started = min(entries, key=lambda entry: entry[1])
        elapsed = now - started
        if elapsed < SHOW_AFTER:
            return None
        text = f"{label}… {elapsed:.0f} s"
        if self.try_of is not None:
            text += f", try {self.try_of[0]} of {self.try_of[1]}"
        return text + " · escape cancels"


class TriesHandler(logging.Handler):
    """Hands the HTTP session's "retrying (try n of m)" lines to an :class:`Activity`."""

    def __init__(self, activity: Activity) -> None:
        super().__init__(logging.INFO)
        self._activity = activity

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if "retrying" in str(record.msg) and isinstance(args, tuple) and len(args) == 5:
            tries, allowed = args[3], args[4]
            if isinstance(tries, int) and isinstance(allowed, int):
                self._activity.note_try(tries, allowed)


def listen(activity: Activity) -> Callable[[], None]:
    """Start hearing retries; returns the function that stops it."""
    logger = logging.getLogger(SESSION_LOGGER)
    handler = TriesHandler(activity)
    before = logger.level
    if logger.getEffectiveLevel() > logging.INFO:
        logger.setLevel(logging.INFO)
    logger.addHandler(handler)

    def stop() -> None:
        logger.removeHandler(handler)
        logger.setLevel(before)

    return stop
