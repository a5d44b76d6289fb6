"""``mscterm search`` as a user runs it: offline index, PubMed, fallback, output, exit codes."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

import mscterm.ncbi.client as client_mod
from mscterm.cli import main
from mscterm.config import Settings
from mscterm.library.localsearch import LocalSearch
from mscterm.model import AbstractSection, Author, Record
from mscterm.results import LocalHits
from mscterm.store import RecordStore
from tests.conftest import UNREACHABLE_URL, make_record
from tests.eutils_server import EUtilsServer, Fault, fictional_article


def make(n: int, title: str, *, year: int = 2015, abstract: str = "", **kw: object) -> Record:
    """A fictional record by "Zyxfict et al." (words no other test record has)."""
    fields: dict[str, object] = {"doi": f"10.5555/zyx.{n}", **kw}
    return make_record(
        n,
        title=title,
        authors=[Author(family="Zyxfict", given="Ana", initials="A"), Author(family="Other")],
        journal="Fictional Journal of Zyx Studies",
        journal_abbrev="Fict J Zyx Stud",
        year=year,
        abstract=[AbstractSection(None, abstract)] if abstract else [],
        mesh=[],
        **fields,
    )


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A cache holding three fictional records, indexed by the store as it stores them."""
    path = tmp_path / "cache"
    with RecordStore(path) as store:
        store.put(
            [
                make(1, "Zyxoplasty of stromal grafts: long-term outcomes.", year=2011),
                make(2, "Zyxoplasty safety registry.", year=2019),
                make(3, "Quorvane cryopreservation " + "and more words " * 30, year=2020),
            ]
        )
    return path


def search(cache: Path, *args: str) -> int:
    return main(["search", *args, "--cache-dir", str(cache), "--offline"])


def test_offline_table(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search(cache, "zyxoplasty") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["PMID/ID", "YEAR"]
    assert out[1].startswith("90000002 2019 Zyxfict et al.")
    assert "Zyxoplasty safety registry." in out[1]
    assert out[2].startswith("90000001 2011")
    assert len(out) == 3


def test_table_fits_the_terminal(
    cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    assert search(cache, "quorvane") == 0
    out = capsys.readouterr().out.splitlines()
    assert all(len(line) <= 60 for line in out)
    assert out[1].endswith("…")


def test_json_output(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search(cache, "zyxoplasty", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [r["id"] for r in data] == ["90000002", "90000001"]
    assert data[0]["title"] == "Zyxoplasty safety registry."
    assert data[0]["doi"] == "10.5555/zyx.2"


def test_limit(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search(cache, "zyxoplasty", "--limit", "1", "--json") == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["90000002"]


def test_query_syntax_reaches_the_index(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search(cache, "zyxoplasty", "year:2010-2012", "--json") == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["90000001"]
    assert search(cache, "ti:zyxoplasty -registry", "--json") == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["90000001"]


def test_no_hits(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search(cache, "nosuchzyxword") == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "no records match 'nosuchzyxword' in the local cache" in captured.err


def test_no_hits_json_is_an_empty_array(cache: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search(cache, "nosuchzyxword", "--json") == 1
    assert json.loads(capsys.readouterr().out) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["   "], "empty"),
        (["zyx", "--limit", "0"], "--limit"),
        (["zyx", "--limit", "10001"], "--limit"),
        (["zyx", "--limit", "-5"], "--limit"),
        (["z" * 2001], "too long"),
        (["zyx", "--limit", "many"], "invalid int"),
    ],
)
def test_bad_input(
    cache: Path, capsys: pytest.CaptureFixture[str], args: list[str], message: str
) -> None:
    try:
        code = search(cache, *args)
    except SystemExit as exc:  # argparse's own errors exit through the parser
        code = int(exc.code or 0)
    assert code == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "query", ['"', "NEAR(", "*", "^", "(((", "au:", "zyx\x00\x1b[2J", "-", "OR", 'ti:"x']
)
def test_hostile_queries(cache: Path, capsys: pytest.CaptureFixture[str], query: str) -> None:
    assert search(cache, query) in (0, 1)
    assert "Traceback" not in capsys.readouterr().err


def test_control_characters_in_records_are_not_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cache"
    with RecordStore(path) as store:
        store.put([make(9, "Zyxbad \x1b]0;owned\x07 title \x9b31m with \u202e controls")])
    assert search(path, "zyxbad") == 0
    out = capsys.readouterr().out
    assert "Zyxbad" in out
    for bad in ("\x1b", "\x07", "\x9b", "\u202e"):
        assert bad not in out


def test_retracted_records_are_marked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cache"
    with RecordStore(path) as store:
        store.put([make(8, "Zyxretract claims.", retracted=True)])
    assert search(path, "zyxretract") == 0
    assert "[RETRACTED] Zyxretract claims." in capsys.readouterr().out


def test_damaged_index_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "cache"
    path.mkdir()
    (path / "index.sqlite3").write_bytes(b"not an index" * 300)
    code = search(path, "zyxoplasty")
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code == 1
    assert "index" in err


def test_an_unusable_cache_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "cache"
    path.mkdir()
    (path / "records").write_text("a file where the records folder belongs")
    for offline in (["--offline"], ["--eutils-url", UNREACHABLE_URL]):
        code = main(["search", "zyxoplasty", "--cache-dir", str(path), *offline])
        err = capsys.readouterr().err
        assert code == 2  # issue 14: a path that cannot hold a cache is bad input
        assert "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert err.startswith("mscterm: ") and "not a folder" in err


def test_offline_from_the_environment(
    cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MSCTERM_OFFLINE", "1")
    assert main(["search", "zyxoplasty", "--cache-dir", str(cache), "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 2


# -- filters, hints and counts (issue 15 item 9) -------------------------------------------------
@pytest.fixture
def kinds(tmp_path: Path) -> Path:
    """A cache with a retracted record, a review and a plain article, all on "zyxform"."""
    path = tmp_path / "cache"
    with RecordStore(path) as store:
        store.put(
            [
                make(21, "Zyxform of stromal cells: the claim.", year=2005, retracted=True,
                     publication_types=["Journal Article", "Retracted Publication"]),
                make(22, "Zyxform reconsidered.", year=2010, abstract="No zyxform was seen.",
                     publication_types=["Journal Article", "Review"]),
                make(23, "Zyxform in long-term culture.", year=2015),
            ]
        )  # fmt: skip
    return path


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("zyxform -retracted", ["90000023", "90000022"]),
        ("zyxform -is:retracted", ["90000023", "90000022"]),
        ("zyxform is:retracted", ["90000021"]),
        ("zyxform pt:review", ["90000022"]),
        ("zyxform has:abstract", ["90000022"]),
    ],
)
def test_filters_reach_the_index(
    kinds: Path, capsys: pytest.CaptureFixture[str], query: str, expected: list[str]
) -> None:
    assert search(kinds, query, "--json") == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == expected


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("zyxform pt:review year:abc", "year:abc"),
        ("pt:nonsense", "pt:nonsense"),
        ("zyxform foo:bar", "foo:"),
        ("is:zyx", "is:zyx"),
        ("has:zyx", "has:zyx"),
    ],
)
def test_a_query_that_cannot_be_understood_is_bad_input(
    kinds: Path, capsys: pytest.CaptureFixture[str], query: str, says: str
) -> None:
    """Not a silent 0 hits: one line saying what is wrong, exit 2, nothing on stdout."""
    for extra in ([], ["--json"]):
        assert search(kinds, query, *extra) == 2
        captured = capsys.readouterr()
        assert captured.out == ""
        lines = captured.err.strip().splitlines()
        assert len(lines) == 1 and says in lines[0]
        assert "Traceback" not in captured.err


def test_a_doi_with_a_colon_is_not_a_field(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    path = tmp_path / "cache"
    with RecordStore(path) as store:
        store.put([make(24, "Zyxdoi record.", doi="10.5555/zyx:24")])
    for query in ("10.5555/zyx:24", "doi:10.5555/zyx:24", "https://doi.org/10.5555/zyx:24"):
        assert search(path, query, "--json") == 0
        captured = capsys.readouterr()
        assert [r["id"] for r in json.loads(captured.out)] == ["90000024"]
        assert captured.err == ""


def test_counts_say_n_shown_of_m(kinds: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert search(kinds, "zyxform", "--limit", "2") == 0
    captured = capsys.readouterr()
    assert len(captured.out.splitlines()) == 3  # header and two rows
    assert captured.err.strip().splitlines() == ["mscterm: 2 shown of 3 in the local cache"]
    assert search(kinds, "zyxform", "--limit", "1", "--json") == 0
    captured = capsys.readouterr()
    assert [r["id"] for r in json.loads(captured.out)] == ["90000023"]  # still an array
    assert "1 shown of 3" in captured.err
    assert search(kinds, "zyxform", "--limit", "3") == 0
    assert capsys.readouterr().err == ""  # everything shown: nothing to add


def _seeded(tmp_path: Path) -> RecordStore:
    """A store whose seed snapshot holds three fictional records about "zyxseed": one also
    fetched into the cache, one only by DOI whose PMID record is in the cache, one seed-only."""
    seed = tmp_path / "seed.jsonl"
    seed_records = [
        make(31, "Zyxseed landmark one.", source="seed"),
        make(32, "Zyxseed landmark two.", source="seed"),
        Record(id="doi:10.5555/zyx.33", doi="10.5555/zyx.33", title="Zyxseed landmark three.",
               year=2016, source="seed"),
    ]  # fmt: skip
    seed.write_text("".join(json.dumps(r.to_json()) + "\n" for r in seed_records))
    store = RecordStore(tmp_path / "cache", seed)
    store.put(
        [
            make(31, "Zyxseed landmark one."),
            make(33, "Zyxseed landmark three."),
            make(34, "Zyxseed follow-up.", year=2022),
            make(35, "Zyxseed another follow-up.", year=2023),
        ]
    )
    return store


def test_local_totals_count_seed_matches_once(tmp_path: Path) -> None:
    """The cache's count plus the seed matches it does not hold (DESIGN: one count)."""
    store = _seeded(tmp_path)
    try:
        local = LocalSearch(lambda: store)
        every = local.search("zyxseed", 100).value
        assert sorted(r.id for r in every.records) == [
            "90000031", "90000032", "90000033", "90000034", "90000035"
        ]  # fmt: skip
        assert (every.total, every.more, every.hint) == (5, False, None)
        page = local.search("zyxseed", 2).value
        assert len(page.records) == 2 and page.total == 5
        assert page.shown_of() == "2 shown of 5"
        seed_only = local.search("zyxseed landmark two", 1).value
        assert [r.id for r in seed_only.records] == ["90000032"] and seed_only.total == 1
        bad = local.search("zyxseed year:abc", 10).value
        assert bad.records == [] and bad.total == 0 and "year:abc" in (bad.hint or "")
    finally:
        store.close()


def test_type_ahead_takes_an_unfinished_filter_value(kinds: Path) -> None:
    """The TUI searches on every key: ``pt:rev`` is on its way to ``pt:review``, no mistake."""
    with RecordStore(kinds) as store:
        local = LocalSearch(lambda: store)
        typing = local.search("zyxform pt:rev", 10, prefix_last=True).value
        assert [r.id for r in typing.records] == ["90000022"] and typing.hint is None
        done = local.search("zyxform pt:rev", 10).value
        assert done.records == [] and "pt:rev" in (done.hint or "")


def test_shown_of_says_more_than_when_counting_stopped() -> None:
    hits = LocalHits(records=[make(1, "A.")], total=50_000, more=True)
    assert hits.shown_of() == "1 shown of more than 50,000"


# -- online ------------------------------------------------------------------------------------
def online(settings: Settings, *args: str) -> int:
    return main(
        ["search", *args, "--cache-dir", str(settings.cache_dir), "--eutils-url",
         settings.eutils_url]
    )  # fmt: skip


def test_online_search_fetches_caches_and_indexes(
    settings: Settings, eutils_server: EUtilsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    for n, year in ((51, 2021), (52, 2023)):
        pmid = str(90_000_000 + n)
        eutils_server.add_article(
            pmid, fictional_article(pmid, title=f"Plimbrane study number {n}.", year=year)
        )
    eutils_server.set_search("plimbrane", ["90000052", "90000051"])
    assert online(settings, "plimbrane") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("90000052 2023")
    assert out[2].startswith("90000051 2021")
    assert {r.endpoint for r in eutils_server.requests} >= {"esearch", "efetch"}

    # Fetched records are now in the offline index.
    assert main(["search", "plimbrane", "--cache-dir", str(settings.cache_dir), "--offline",
                 "--json"]) == 0  # fmt: skip
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["90000052", "90000051"]


def test_online_no_hits(
    settings: Settings, eutils_server: EUtilsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    eutils_server.set_search("nothingzyx", [])
    assert online(settings, "nothingzyx") == 1
    assert "no records match 'nothingzyx' on PubMed" in capsys.readouterr().err


def test_network_failure_falls_back_to_the_local_index(
    cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        client_mod,
        "EUtilsClient",
        functools.partial(client_mod.EUtilsClient, max_retries=0, backoff_base=0.01),
    )
    code = main(["search", "zyxoplasty", "--cache-dir", str(cache), "--eutils-url",
                 UNREACHABLE_URL, "--json"])  # fmt: skip
    captured = capsys.readouterr()
    assert code == 0
    assert [r["id"] for r in json.loads(captured.out)] == ["90000002", "90000001"]
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert "not reachable" in lines[0] and "cache" in lines[0]


def test_network_failure_without_local_hits(
    cache: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(
        client_mod,
        "EUtilsClient",
        functools.partial(client_mod.EUtilsClient, max_retries=0, backoff_base=0.01),
    )
    code = main(["search", "nosuchzyxword", "--cache-dir", str(cache), "--eutils-url",
                 UNREACHABLE_URL])  # fmt: skip
    assert code == 1
    assert "in the local cache" in capsys.readouterr().err


def test_a_refused_query_falls_back_to_the_cache_and_says_why(
    settings: Settings, eutils_server: EUtilsServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with RecordStore(settings.cache_dir) as store:
        store.put([make(1, "Zyxoplasty of stromal grafts: long-term outcomes.", year=2011)])
    eutils_server.inject(Fault("error_200", endpoint="esearch", message="Invalid query"))
    assert online(settings, "zyxoplasty", "--json") == 0
    captured = capsys.readouterr()
    assert [r["id"] for r in json.loads(captured.out)] == ["90000001"]
    assert "PubMed refused the query" in captured.err and "cache" in captured.err
