"""The trial workers: the Library calls for registered trials that may reach the network.

They run beside :class:`~mscterm.tui.workers.Loaders` (through its :meth:`~Loaders.run`, so
they are timed on the status line and cancelled by ``escape`` like the rest) and answer with
the messages of :mod:`mscterm.tui.trials.answers`; nothing here touches a widget, and a worker
never raises. A trial list's pages load as every list does (:mod:`mscterm.tui.trials.pages`).

Groups: ``pane`` (the full study of the trial shown: the same group as a record's fetch, so
moving on cancels it) and ``trial-gap`` (a topic's publication gap, a background chore).
"""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from mscterm.tui.workers import DEBOUNCE

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui.workers import Loaders


class TrialLoaders:
    """Starts the trial workers of one screen (through its :class:`Loaders`)."""

    def __init__(self, library: Library, loaders: Loaders) -> None:
        self._library = library
        self._loaders = loaders

    def fetch_trial(self, nct: str, *, refresh: bool = False) -> None:
        """The whole study (adverse events and references) of the trial shown, once the cursor
        rests on it (at once for ``r``)."""
        work = partial(self._fetch_trial, nct, refresh)
        self._loaders.run(work, "pane", label=f"Fetching {nct}")

    async def _fetch_trial(self, nct: str, refresh: bool) -> None:
        from mscterm.tui.trials.answers import TrialFetched

        if not refresh:
            await asyncio.sleep(DEBOUNCE)
        try:
            got = await self._library.trials([nct], refresh=refresh)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # never let a worker take the app down
            self._loaders.post(TrialFetched(nct, False, error=f"could not fetch {nct}: {exc}"))
            return
        unknown = nct in got.missing and got.ok and not got.offline
        self._loaders.post(TrialFetched(nct, nct in got.trials, unknown, got.error))

    def count_gap(self, topic_id: str, generation: int) -> None:
        """A topic's publication gap over its kept list of trials (for the overview)."""
        self._loaders.run(partial(self._count_gap, topic_id, generation), "trial-gap")

    async def _count_gap(self, topic_id: str, generation: int) -> None:
        from mscterm.tui.trials.answers import GapCounted

        await asyncio.sleep(DEBOUNCE)
        try:
            answer = await self._library.registry.topic_gap(topic_id)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._loaders.post(GapCounted(topic_id, generation, None, f"{exc}"))
            return
        self._loaders.post(GapCounted(topic_id, generation, answer.value, answer.error))
