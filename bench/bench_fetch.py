"""Fetching 1,000 uncached PMIDs through the Library against the local stand-in server.

Budget (DESIGN.md): ≤ 5 efetch requests, never above 3 requests/s (10/s with a key) in any 1 s
window. The stand-in logs every request; its window counter gives the peak rate it saw.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.common import row
from mscterm.config import Settings
from mscterm.library import Library
from tests.eutils_server import EUtilsServer, fictional_articles


async def _fetch(settings: Settings, ids: list[str]) -> int:
    library = Library(settings)
    try:
        fetched = await library.records(ids)
    finally:
        await library.aclose()
    return len(fetched.records)


def run(count: int = 1_000) -> list[dict[str, Any]]:
    """Rows for bench/RESULTS.md: with and without an API key."""
    rows = []
    articles = fictional_articles(count)
    ids = list(articles)
    for key, limit in ((None, 3), ("bench-fictional-key", 10)):
        with EUtilsServer(articles) as server, tempfile.TemporaryDirectory() as tmp:
            settings = Settings(
                cache_dir=Path(tmp) / "cache",
                state_dir=Path(tmp) / "state",
                eutils_url=server.url,
                api_key=key,
                email="bench@example.org",
            )
            start = time.perf_counter()
            got = asyncio.run(_fetch(settings, ids))
            seconds = time.perf_counter() - start
            efetches = len(server.requests_to("efetch"))
            peak = server.max_requests_in_any_window(1.0)
            rows.append(
                row(
                    f"fetch {count:,} uncached PMIDs ({'with' if key else 'no'} API key)",
                    f"≤ 5 efetch requests; ≤ {limit} requests in any 1 s",
                    f"{efetches} efetch requests; peak {peak} in 1 s; "
                    f"{got:,} records in {seconds:.1f} s",
                    efetches <= 5 and peak <= limit and got == count,
                )
            )
    return rows


if __name__ == "__main__":
    for r in run():
        print(f"| {r['what']} | {r['budget']} | {r['measured']} | {'✓' if r['ok'] else '✗'} |")
