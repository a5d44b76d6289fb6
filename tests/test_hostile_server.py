"""The client and a real ``mscterm`` process against a hostile E-utilities server on 127.0.0.1.

Issue 14 found responses unbounded (a 500 MB body took 9.9 GB of memory, a 1 MB gzip body
inflating to 1 GiB took 6.3 GB and 76 s over five tries), no overall deadline (one byte every
5 s held ``lookup`` past 200 s) and ``Retry-After`` obeyed for minutes. The stand-in server
(tests/eutils_server.py) now serves each of these, generated on the fly and bounded: a hostile
answer stops when the client hangs up, when the server stops, or after
``HOSTILE_MAX_SECONDS``.

The process tests measure the peak RSS of the ``mscterm`` process (``RUSAGE_CHILDREN`` of a
small parent) and print it;
the trickle test lowers the 30 s deadline through the documented hook ``MSCTERM_TEST_DEADLINE``
so it costs seconds, not a minute (the real 30 s deadline is the default the unit tests check).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.ncbi.client import EUtilsClient
from mscterm.ncbi.errors import DeadlineExceeded, RateLimitedError, ResponseTooLarge, ServerError
from tests.eutils_server import EUtilsServer, Fault, fictional_article

REPO = Path(__file__).resolve().parents[1]
RSS_BUDGET_MB = 400
"""Peak RSS allowed to a ``lookup`` under a 500 MB body or a 1 GiB gzip bomb (it was GBs)."""


def make_client(settings: Settings, **kwargs: object) -> EUtilsClient:
    kwargs.setdefault("backoff_base", 0.01)
    return EUtilsClient(settings, **kwargs)  # type: ignore[arg-type]


# -- the client against the hostile server ----------------------------------------------------


@pytest.mark.parametrize(
    "fault",
    [
        Fault("huge", endpoint="efetch", times=9),  # 500 MB, Content-Length declared
        Fault("huge", endpoint="efetch", times=9, declare_length=False),  # 500 MB, no length
        Fault("gzip_bomb", endpoint="efetch", times=9),  # 1 MB inflating to 1 GiB
    ],
    ids=["500MB", "500MB-no-length", "gzip-bomb"],
)
async def test_a_huge_body_or_a_gzip_bomb_is_refused_once_and_quickly(
    eutils_server: EUtilsServer, settings: Settings, fault: Fault
) -> None:
    eutils_server.inject(fault)
    async with make_client(settings) as client:
        with pytest.raises(ResponseTooLarge) as info:
            await client.efetch(["90000001"])
    assert str(info.value) == "NCBI efetch failed: the answer is larger than 64 MB; refused"
    assert len(eutils_server.requests_to("efetch")) == 1  # never retried


@pytest.mark.parametrize("kind", ["huge", "gzip_bomb"])
async def test_a_huge_error_body_is_not_read_and_the_5xx_is_retried(
    eutils_server: EUtilsServer, settings: Settings, kind: str
) -> None:
    eutils_server.inject(Fault(kind, endpoint="efetch", status=500, times=99))
    async with make_client(settings, max_retries=2) as client:
        with pytest.raises(ServerError) as info:
            await client.efetch(["90000001"])
    assert not isinstance(info.value, ResponseTooLarge)
    assert str(info.value) == "NCBI efetch failed: HTTP 500 after 3 tries"
    assert len(eutils_server.requests_to("efetch")) == 3


async def test_a_server_sending_a_byte_at_a_time_ends_at_the_deadline(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("trickle", endpoint="efetch", delay=0.2, times=99))
    async with make_client(settings, deadline=1.0) as client:
        with pytest.raises(DeadlineExceeded) as info:
            await client.efetch(["90000001"])
    assert str(info.value) == (
        "NCBI efetch failed: NCBI did not finish answering within 1 s after 2 tries"
    )
    assert len(eutils_server.requests_to("efetch")) == 2  # retried once, not four times


async def test_a_retry_after_of_a_day_is_capped_and_said(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    eutils_server.inject(Fault("429", endpoint="esearch", retry_after=86400, times=99))
    async with make_client(settings, max_retry_after=0.1) as client:
        with pytest.raises(RateLimitedError) as info:
            await client.count("mesenchymal")
        warnings = client.drain_warnings()
    assert str(info.value) == "NCBI esearch failed: HTTP 429 (rate limit exceeded) after 2 tries"
    assert info.value.retry_after == 0.1
    assert warnings == [
        "NCBI asked to wait 86400 s before trying again (Retry-After); mscterm waited 0.1 s "
        "and tried once more"
    ]
    assert len(eutils_server.requests_to("esearch")) == 2


async def test_extra_and_foreign_records_in_an_answer_are_not_returned(
    eutils_server: EUtilsServer, settings: Settings
) -> None:
    # 90000001's answer also carries 90000077; 90000002's answer is 90000088's article.
    eutils_server.add_article(
        "90000001",
        fictional_article("90000001", title="Asked.") + fictional_article("90000077", title="Not."),
    )
    eutils_server.add_article("90000002", fictional_article("90000088", title="Foreign."))
    async with make_client(settings) as client:
        records = await client.efetch(["90000001", "90000002", "90000003"])
        warnings = client.drain_warnings()
    assert [r.pmid for r in records] == ["90000001", "90000003"]
    assert warnings == [
        "NCBI efetch answered with 2 records nobody asked for (90000077, 90000088); "
        "left out, not cached"
    ]


# -- real mscterm processes --------------------------------------------------------------------


_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:], timeout=90)\n"
    "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss\n"
    "open(sys.argv[1], 'w').write(str(peak))\n"
    "sys.exit(code)\n"
)
"""A small parent that runs one command and writes its peak RSS (kB): ``RUSAGE_CHILDREN`` of a
fresh, small process holds that command alone. (Measured from pytest itself, a child's peak
would start at pytest's size: Linux carries the parent's RSS high-water mark across exec.)"""


def run_lookup(server: EUtilsServer, tmp: Path, *ids: str, **env: str) -> tuple[int, str, str, int]:
    """``mscterm lookup IDS --json`` as a user runs it: exit code, stdout, stderr, peak RSS (MB).

    ``python -m mscterm`` is what ``uv run mscterm`` starts (the same interpreter, without uv
    in between, so the measured RSS is mscterm's alone). The command is killed after 90 s so a
    regression cannot hang the suite.
    """
    environ = {
        k: v for k, v in os.environ.items() if not k.startswith("MSCTERM_") and k != "NCBI_API_KEY"
    }
    environ.update(
        MSCTERM_EUTILS_URL=server.url,
        MSCTERM_CACHE_DIR=str(tmp / "cache"),
        MSCTERM_STATE_DIR=str(tmp / "state"),
        MSCTERM_CONFIG=str(tmp / "config.toml"),
        **env,
    )
    peak_path = tmp / "peak-rss-kb"
    command = [sys.executable, "-m", "mscterm", "lookup", *ids, "--json"]
    done = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(peak_path), *command],
        cwd=REPO,
        env=environ,
        capture_output=True,
        text=True,
        timeout=120,
    )
    rss_mb = int(peak_path.read_text()) // 1024  # kilobytes on Linux
    return done.returncode, done.stdout, done.stderr, rss_mb


@pytest.mark.parametrize(
    ("fault", "words"),
    [
        (Fault("huge", endpoint="efetch", times=9, declare_length=False), "larger than 64 MB"),
        (Fault("gzip_bomb", endpoint="efetch", times=9), "larger than 64 MB"),
        (Fault("trickle", endpoint="efetch", delay=0.5, times=9), "within 2 s"),
    ],
    ids=["500MB-body", "1GiB-gzip-bomb", "byte-every-0.5s"],
)
def test_lookup_process_ends_with_one_clear_line_and_bounded_memory(
    tmp_path: Path, fault: Fault, words: str
) -> None:
    with EUtilsServer() as server:
        server.add_article("90000001", fictional_article("90000001", title="Fictional."))
        server.inject(fault)
        code, _out, err, rss_mb = run_lookup(
            server, tmp_path, "90000001", MSCTERM_TEST_DEADLINE="2"
        )
        requests = len(server.requests_to("efetch"))
    print(f"\n{fault.kind}: exit {code}, peak RSS {rss_mb} MB, {requests} efetch requests")
    assert "Traceback" not in err
    assert code == 1, err
    assert words in err
    assert requests == (2 if fault.kind == "trickle" else 1)
    assert rss_mb < RSS_BUDGET_MB


def test_lookup_process_keeps_the_good_records_of_an_answer_with_a_bad_pmid(
    tmp_path: Path,
) -> None:
    with EUtilsServer() as server:
        server.add_article("90000001", fictional_article("90000001", title="Good one."))
        server.add_article("90000002", fictional_article("abc", title="Bad id."))
        server.add_article("90000003", fictional_article("\uff19\uff10", title="Full-width."))
        server.add_article("90000004", fictional_article("90000004", title="Good two."))
        code, out, err, _ = run_lookup(
            server, tmp_path, "90000001", "90000002", "90000003", "90000004"
        )
    assert "Traceback" not in err and "ValueError" not in err
    assert code == 1  # 90000002 and 90000003 are not found (their answers were not theirs)
    assert [r["pmid"] for r in json.loads(out)] == ["90000001", "90000004"]
    assert "90000002" in err and "90000003" in err
