"""efetch in batches: each PMID requested once, only asked-for records let through.

NCBI asks for POST beyond ~200 ids and answers a 200-id efetch in a few seconds, so PMIDs go in
batches of ``batch_size``. The TUI fetches from several places at once (a topic, the review's
references, a search), often for overlapping PMIDs: a PMID another call of the same client is
fetching right now is awaited, not requested again (the in-flight table).

An answer can hold what nobody asked for (extra articles, another PMID than the one asked): only
records of PMIDs in the batch pass, so such an answer cannot fill the cache; the rest is said in
one warning.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence

from mscterm.model import Record

__all__ = ["BatchFetcher"]

FetchBatch = Callable[[list[str]], Awaitable[list[Record]]]
OnBatch = Callable[[list[Record]], None]


def _dedupe(pmids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(p for p in (str(raw).strip() for raw in pmids) if p))


class BatchFetcher:
    """Runs ``fetch_batch`` over batches of PMIDs, sharing in-flight batches between calls."""

    def __init__(self, fetch_batch: FetchBatch, batch_size: int, warn: Callable[[str], None]):
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self._fetch_batch = fetch_batch
        self.batch_size = batch_size
        self._warn = warn
        self._inflight: dict[str, asyncio.Future[dict[str, Record]]] = {}

    async def fetch(self, pmids: Sequence[str], on_batch: OnBatch | None) -> list[Record]:
        """Records of ``pmids`` in the order asked (see :meth:`EUtilsClient.efetch`)."""
        wanted = _dedupe(pmids)
        found: dict[str, Record] = {}
        errors: list[BaseException] = []
        pending = wanted
        while pending:
            own: list[str] = []
            shared: dict[asyncio.Future[dict[str, Record]], list[str]] = {}
            loop = asyncio.get_running_loop()
            for pmid in pending:
                fut = self._inflight.get(pmid)
                if fut is None or fut.done():
                    own.append(pmid)
                else:
                    shared.setdefault(fut, []).append(pmid)
            jobs: list[Awaitable[object]] = []
            for start in range(0, len(own), self.batch_size):
                batch = own[start : start + self.batch_size]
                fut = loop.create_future()
                for pmid in batch:
                    self._inflight[pmid] = fut
                jobs.append(self._own_batch(batch, fut, on_batch, found))
            jobs.extend(
                self._await_shared(fut, ids, on_batch, found) for fut, ids in shared.items()
            )
            outcomes = await asyncio.gather(*jobs, return_exceptions=True)
            pending = []
            for outcome in outcomes:
                if isinstance(outcome, list):  # PMIDs whose owner was cancelled: fetch them
                    pending.extend(outcome)
                elif isinstance(outcome, BaseException):
                    if isinstance(outcome, asyncio.CancelledError):
                        raise outcome
                    errors.append(outcome)
        if errors:
            raise errors[0]
        return [found[pmid] for pmid in wanted if pmid in found]

    async def _own_batch(
        self,
        batch: list[str],
        fut: asyncio.Future[dict[str, Record]],
        on_batch: OnBatch | None,
        found: dict[str, Record],
    ) -> None:
        """Fetch one batch this call owns; its outcome also settles ``fut`` for the waiters."""
        try:
            records = await self._fetch_batch(batch)
        except BaseException as exc:
            if not fut.done():
                if isinstance(exc, asyncio.CancelledError):
                    fut.cancel()
                else:
                    fut.set_exception(exc)
                    fut.exception()  # marked retrieved: waiters may be gone
            raise
        finally:
            for pmid in batch:
                if self._inflight.get(pmid) is fut:
                    del self._inflight[pmid]
        by_id = self._only_asked(batch, records)
        new = [record for pmid, record in by_id.items() if pmid not in found]
        for record in new:
            found[record.id] = record
        if not fut.done():
            fut.set_result(by_id)
        if on_batch is not None and new:
            on_batch(new)

    def _only_asked(self, batch: list[str], records: list[Record]) -> dict[str, Record]:
        """The first record of each asked PMID; anything else is dropped and said."""
        asked = set(batch)
        by_id: dict[str, Record] = {}
        unasked: list[str] = []
        for record in records:
            key = record.pmid or record.id
            if key not in asked:
                unasked.append(key)
            elif key not in by_id:
                by_id[key] = record
        if unasked:
            more = f" and {len(unasked) - 3} more" if len(unasked) > 3 else ""
            self._warn(
                f"NCBI efetch answered with {len(unasked)} record"
                f"{'s' if len(unasked) != 1 else ''} nobody asked for "
                f"({', '.join(unasked[:3])}{more}); left out, not cached"
            )
        return by_id

    async def _await_shared(
        self,
        fut: asyncio.Future[dict[str, Record]],
        ids: list[str],
        on_batch: OnBatch | None,
        found: dict[str, Record],
    ) -> list[str]:
        """Wait for another call's batch; returns the ids to refetch if that call was cancelled.

        ``asyncio.wait`` (not ``await fut``) so that cancelling *this* call never cancels the
        future the other call owns.
        """
        await asyncio.wait([fut])
        if fut.cancelled():
            return ids
        exc = fut.exception()
        if exc is not None:
            raise exc
        got = fut.result()
        new = []
        for pmid in ids:
            record = got.get(pmid)
            if record is not None and pmid not in found:
                found[pmid] = record
                new.append(record)
        if on_batch is not None and new:
            on_batch(new)
        return []
