"""The Library's link to the web services: the clients, online/offline, and what failures mean.

One object owns whether mscterm is online: offline by choice (settings, the palette) or since a
network failure. Every failure goes through :meth:`Connection.failure`, so a timeout anywhere
(E-utilities or ClinicalTrials.gov) switches the whole session offline, and listeners (the TUI's
header) hear every change. Each client (and with it httpx) is created on its first request only.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from mscterm.config import Settings
from mscterm.library.failures import OFFLINE_SENTENCE, Failure, classify
from mscterm.results import Answer, LibraryStatus, Problem

if TYPE_CHECKING:
    from mscterm.ctgov.client import CTGovClient
    from mscterm.ncbi.client import EUtilsClient

Listener = Callable[[LibraryStatus], None]
T = TypeVar("T")


class Connection:
    """The E-utilities and ClinicalTrials.gov clients behind one online/offline switch, with
    change listeners."""

    def __init__(
        self,
        settings: Settings,
        client_factory: Callable[[], EUtilsClient] | None = None,
        trials_factory: Callable[[], CTGovClient] | None = None,
    ) -> None:
        self._settings = settings
        self._factory = client_factory
        self._client: EUtilsClient | None = None
        self._trials_factory = trials_factory
        self._trials_client: CTGovClient | None = None
        self._offline = settings.offline
        self._reason: str | None = None
        self._version = 0
        self._listeners: list[Listener] = []

    @property
    def offline(self) -> bool:
        return self._offline

    def set_offline(self, value: bool, reason: str | None = None) -> None:
        """Switch; ``reason`` is the failure that made mscterm go offline (None: by choice)."""
        reason = reason if value else None
        if (value, reason) != (self._offline, self._reason):
            self._offline, self._reason = value, reason
            self.changed()

    @property
    def status(self) -> LibraryStatus:
        return LibraryStatus(self._offline, self._reason, self._version)

    def add_listener(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` on every change; returns a function that removes it."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove

    def changed(self) -> None:
        """Something a UI shows changed (offline flipped, records stored): tell the listeners."""
        self._version += 1
        status = self.status
        for listener in list(self._listeners):
            listener(status)

    def client(self) -> EUtilsClient:
        """The client; raises :class:`OfflineError` when offline (nothing is tried)."""
        if self._offline:
            from mscterm.ncbi.errors import OfflineError  # the errors load with the network

            raise OfflineError(OFFLINE_SENTENCE)
        if self._client is None:
            if self._factory is not None:
                self._client = self._factory()
            else:
                from mscterm.ncbi.client import EUtilsClient

                self._client = EUtilsClient(self._settings)
        return self._client

    def trials_client(self) -> CTGovClient:
        """The ClinicalTrials.gov client; raises an offline error when offline (nothing tried)."""
        if self._offline:
            from mscterm.net.errors import OfflineError

            raise OfflineError(OFFLINE_SENTENCE)
        if self._trials_client is None:
            if self._trials_factory is not None:
                self._trials_client = self._trials_factory()
            else:
                from mscterm.ctgov.client import CTGovClient

                self._trials_client = CTGovClient(self._settings)
        return self._trials_client

    def failure(self, exc: BaseException) -> Failure:
        """Classify a failure (re-raising what is none of ours); a network one goes offline."""
        failure = classify(exc)
        if failure is None:
            raise exc
        if failure.problem is Problem.NETWORK:
            self.set_offline(True, failure.sentence)
        return failure

    def answer(
        self, value: T, failure: Failure | None = None, warnings: Iterable[str] = ()
    ) -> Answer[T]:
        """An answer carrying the failure (if any), the current offline state, and every
        warning since the last answer (the client's too: ids dropped, a Retry-After capped)."""
        return Answer(
            value,
            error=failure.sentence if failure else None,
            problem=failure.problem if failure else None,
            offline=self._offline,
            warnings=[*warnings, *self.drain_warnings()],
        )

    def drain_warnings(self) -> list[str]:
        """What the clients worked around since they were last asked (empty before any
        request)."""
        found = self._client.drain_warnings() if self._client is not None else []
        if self._trials_client is not None:
            found += self._trials_client.drain_warnings()
        return found

    async def aclose(self) -> None:
        """Close the clients (a later request opens new ones)."""
        client, self._client = self._client, None
        trials, self._trials_client = self._trials_client, None
        try:
            if client is not None:
                await client.aclose()
        finally:
            if trials is not None:
                await trials.aclose()
