"""RecordStore: what a user relies on when they look records up from the cache.

Fictional records only (PMIDs from 90000000, DOIs under 10.5555/).
"""

from __future__ import annotations

import errno
import json
import random
import re
import sqlite3
import time
from pathlib import Path

import diskcache
import pytest

import mscterm.store as store_mod
import mscterm.store.codec as codec_mod
from mscterm.model import TRIAL_SCHEMA_VERSION, Author, Record
from mscterm.state import UserState
from mscterm.store import Finding, RecordStore, SnapshotError, StoreError
from tests.conftest import make_record, make_trial

__all__ = ["doi_seed", "make_record", "write_seed"]  # shared with test_cache_cli and robustness


def doi_seed(doi: str, title: str = "A landmark known only by its DOI.") -> Record:
    """A citation-level seed record without a PMID (stored under doi:…)."""
    return Record(
        id="doi:" + doi.lower(),
        doi=doi,
        title=title,
        authors=[Author(family="Seedauthor", initials="S")],
        year=2005,
        source="seed",
        authors_complete=False,
        resolution=None,
    )


def write_seed(path: Path, records: list[Record]) -> Path:
    path.write_text(
        "".join(json.dumps(r.to_json(), ensure_ascii=False) + "\n" for r in records),
        encoding="utf-8",
    )
    return path


@pytest.fixture
def cache_dir(tmp_path: Path) -> Path:
    return tmp_path / "cache"


@pytest.fixture
def store(cache_dir: Path):
    s = RecordStore(cache_dir)
    yield s
    s.close()


# -- round trip and schema -----------------------------------------------------------------------
def test_round_trip_survives_reopen(cache_dir: Path) -> None:
    rec = make_record(1, doi="10.5555/Round.Trip", title="Ünïcode “quotes” — 10 µm")
    with RecordStore(cache_dir) as s:
        assert s.put([rec]) == 1
    with RecordStore(cache_dir) as s:
        got = s.get(rec.id)
        assert got is not None
        assert got.to_json() == rec.to_json()
        assert s.has_full(rec.id)
        assert list(s.ids()) == [rec.id]
        assert len(s) == 1


def test_records_are_stored_as_versioned_json_text_not_pickle(store: RecordStore) -> None:
    store.put([make_record(2)])
    raw = diskcache.Cache(str(store.path)).get("r:90000002")
    assert isinstance(raw, str)
    version, _stored_at, source, body = raw.split("|", 3)
    assert version == str(store_mod.SCHEMA_VERSION)
    assert source == "pubmed"
    assert json.loads(body)["id"] == "90000002"


def test_other_schema_version_is_absent_not_a_crash(store: RecordStore, monkeypatch) -> None:
    store.put([make_record(3)])
    monkeypatch.setattr(codec_mod, "RECORD_VERSION", str(store_mod.SCHEMA_VERSION + 1))
    assert store.get("90000003") is None
    assert not store.has_full("90000003")
    # The newer schema's fetch then replaces it.
    assert store.put([make_record(3)]) == 1
    assert store.get("90000003") is not None


def test_garbage_value_reads_as_absent_and_verify_removes_it(store: RecordStore) -> None:
    store.put([make_record(4), make_record(5)])
    raw = diskcache.Cache(str(store.path))
    raw.set("r:90000004", f"{store_mod.SCHEMA_VERSION}|0|pubmed|{{not json")
    raw.set("r:90000005", "0|0|pubmed|{}")  # an older schema
    raw.close()
    assert store.get("90000004") is None
    assert store.get("90000005") is None
    findings = store.verify()
    text = " ".join(findings)
    assert "1 unreadable record(s) were removed" in text
    assert "1 record(s) stored by another version" in text
    assert all(f.fixed for f in findings if isinstance(f, Finding))
    assert len(store) == 0


def test_invalid_records_are_refused_before_anything_is_written(store: RecordStore) -> None:
    bad = make_record(6)
    bad.id = "90000007"  # does not match its pmid
    with pytest.raises(ValueError, match="does not match"):
        store.put([make_record(8), bad])
    assert len(store) == 0
    with pytest.raises(ValueError):
        store.put([Record(id="")])
    with pytest.raises(ValueError):
        store.put([Record(id="weird-id")])


def test_put_counts_added_updated_unchanged(store: RecordStore) -> None:
    assert store.put_counts([make_record(1), make_record(2)]) == (2, 0, 0)
    changed = make_record(1, title="A corrected title.")
    assert store.put_counts([changed, make_record(2)]) == (0, 1, 1)
    assert store.get("90000001").title == "A corrected title."


# -- never downgrade, aliases ------------------------------------------------------------------
def test_seed_record_never_replaces_fetched_one(store: RecordStore) -> None:
    store.put([make_record(10)])
    assert store.put([make_record(10, source="seed", title="Seed title")]) == 0
    got = store.get("90000010")
    assert got.source == "pubmed"
    assert got.abstract


def test_fetched_record_replaces_seed_one(store: RecordStore) -> None:
    store.put([make_record(11, source="seed")])
    assert not store.has_full("90000011")
    store.put([make_record(11)])
    assert store.get("90000011").is_full
    assert store.has_full("90000011")


def test_doi_of_fetched_record_leads_to_it(tmp_path: Path) -> None:
    seed = write_seed(tmp_path / "seed.jsonl", [doi_seed("10.5555/Landmark.2005")])
    with RecordStore(tmp_path / "cache", seed) as s:
        before = s.get("doi:10.5555/landmark.2005")
        assert before is not None and before.source == "seed"
        # The library stores the outcome of resolving it, then the fetched record.
        before.resolution = "pending"
        s.put([before])
        s.put([make_record(12, doi="10.5555/Landmark.2005")])
        got = s.get("doi:10.5555/landmark.2005")
        assert got is not None and got.id == "90000012" and got.is_full
        assert s.has_full("doi:10.5555/landmark.2005")
        # The DOI-keyed citation-level copy is gone from disk; the seed version stays read-only.
        assert sorted(s.ids()) == ["90000012"]
        # Re-storing the seed version (e.g. a later import) does not win over the fetched one.
        assert s.put([doi_seed("10.5555/Landmark.2005")]) == 0
        assert s.get("doi:10.5555/landmark.2005").id == "90000012"


def test_resolved_cite_record_leads_to_fetched_record(store: RecordStore) -> None:
    cite = Record(id="cite:someone-2003-a-landmark", title="A landmark", source="seed")
    cite.resolution = "90000013"
    store.put([cite])
    assert store.get(cite.id).source == "seed"  # not fetched yet
    store.put([make_record(13)])
    assert store.get(cite.id).id == "90000013"


# -- the seed tier -------------------------------------------------------------------------------
def test_seed_tier_answers_disk_misses_and_loads_lazily(tmp_path: Path) -> None:
    seed_rec = make_record(20, source="seed", doi="10.5555/Seeded")
    seed = write_seed(tmp_path / "seed.jsonl", [seed_rec, doi_seed("10.5555/only-doi")])
    with RecordStore(tmp_path / "cache", seed) as s:
        s.put([make_record(21)])
        assert s.get("90000021").is_full
        assert s._seed is None, "a disk hit must not read the seed snapshot"
        got = s.get("90000020")
        assert got is not None and got.source == "seed"
        # A seed record with a PMID is also found by its DOI.
        assert s.get("doi:10.5555/seeded").id == "90000020"
        assert s.get("doi:10.5555/only-doi").title.startswith("A landmark")
        assert s.get("90000099") is None
        assert len(s) == 1, "len() counts disk records only"
        assert {r.id for r in s.seed_records()} == {"90000020", "doi:10.5555/only-doi"}
        # Fetching it supersedes the seed version.
        s.put([make_record(20, doi="10.5555/Seeded")])
        assert s.get("90000020").is_full
        assert s.get("doi:10.5555/seeded").is_full


def test_missing_or_damaged_seed_is_not_fatal(tmp_path: Path) -> None:
    with RecordStore(tmp_path / "c1", tmp_path / "absent.jsonl") as s:
        assert s.get("90000001") is None
        assert s.warnings == []
    seed = tmp_path / "seed.jsonl"
    seed.write_bytes(json.dumps(make_record(22, source="seed").to_json()).encode() + b"\n{broken\n")
    with RecordStore(tmp_path / "c2", seed) as s:
        assert s.get("90000022") is not None
        assert any("line 2" in w for w in s.warnings)
        findings = s.verify()
        assert any(not f.fixed and "line 2" in f for f in findings)


def test_get_many_keys_by_asked_id(tmp_path: Path) -> None:
    seed = write_seed(tmp_path / "seed.jsonl", [doi_seed("10.5555/x")])
    with RecordStore(tmp_path / "cache", seed) as s:
        s.put([make_record(30), make_record(31)])
        got = s.get_many(["90000030", "doi:10.5555/x", "90000099", "90000031"])
        assert list(got) == ["90000030", "doi:10.5555/x", "90000031"]


# -- TTL'd notes and results --------------------------------------------------------------------
def test_not_found_is_remembered_briefly(store: RecordStore) -> None:
    store.note_missing(["90000040", "90000041"], ttl=0.3)
    assert store.recently_missing("90000040")
    assert not store.recently_missing("90000042")
    time.sleep(0.5)
    assert not store.recently_missing("90000040")


def test_storing_a_record_forgets_it_was_missing(store: RecordStore) -> None:
    store.note_missing(["90000043"])
    store.put([make_record(43)])
    assert not store.recently_missing("90000043")


def test_results_expire(store: RecordStore) -> None:
    store.put_result("esearch:pub_date:0:20:msc safety", {"count": 3, "ids": ["90000001"]}, 0.3)
    store.put_result("count:topic", 123, 3600)
    assert store.get_result("esearch:pub_date:0:20:msc safety") == {
        "count": 3,
        "ids": ["90000001"],
    }
    assert store.get_result("count:topic") == 123
    assert store.get_result("never:stored") is None
    time.sleep(0.5)
    assert store.get_result("esearch:pub_date:0:20:msc safety") is None
    assert store.get_result("count:topic") == 123
    with pytest.raises(TypeError):
        store.put_result("bad", object(), 10)


# -- stats, verify, clear ------------------------------------------------------------------------
def test_stats_counts_what_is_cached(tmp_path: Path) -> None:
    seed = write_seed(
        tmp_path / "seed.jsonl", [make_record(50, source="seed"), doi_seed("10.5555/s")]
    )
    with RecordStore(tmp_path / "cache", seed) as s:
        s.put([make_record(50), make_record(51), make_record(52, source="seed")])
        s.put_result("elink:x", ["1"], 3600)
        s.note_missing(["90000059"])
        st = s.stats()
    assert st["records"] == 2
    assert st["citation_level"] == 1
    assert st["seed_snapshot"] == 2
    assert st["seed_only"] == 1  # 90000050 is superseded by the fetched record
    assert st["results"] == 1
    assert st["missing"] == 1
    assert st["size_bytes"] > 0
    assert st["oldest"] <= st["newest"] <= time.time() + 1
    assert st["path"] == str(tmp_path / "cache" / "records")


def test_verify_rebuilds_an_index_out_of_step(store: RecordStore) -> None:
    from mscterm.store import SearchIndex

    store.put([make_record(60), make_record(61)])
    assert store.verify() == []
    with SearchIndex(store.index_path) as index:
        index.remove(["90000061"])
        index.add([make_record(69)])  # not in the store
    findings = store.verify()
    assert len(findings) == 1 and "rebuilt" in findings[0] and findings[0].fixed
    with SearchIndex(store.index_path) as index:
        assert set(index.ids()) == {"90000060", "90000061"}
    assert store.verify() == []


def test_index_is_fed_on_put(store: RecordStore) -> None:
    from mscterm.store import SearchIndex

    store.put([make_record(62, title="Chromosomal aberrations in fictional cultures.")])
    with SearchIndex(store.index_path) as index:
        assert index.search("chromosomal aberrations") == ["90000062"]


def test_clear_empties_cache_and_index_but_keeps_user_state(tmp_path: Path) -> None:
    from mscterm.store import SearchIndex

    state_dir = tmp_path / "cache-state"
    UserState(state_dir).set_marks(["90000070"])
    UserState(state_dir).pin_citekeys({"90000070": "Testperson2010fictional"})
    with RecordStore(tmp_path / "cache") as s:
        s.put([make_record(70), make_record(71)])
        s.put_result("q", 1, 3600)
        s.clear()
        assert len(s) == 0
        assert s.get("90000070") is None
        assert s.get_result("q") is None
        s.put([make_record(72)])  # still usable afterwards
        assert list(s.ids()) == ["90000072"]
    with SearchIndex(tmp_path / "cache" / "index.sqlite3") as index:
        assert set(index.ids()) == {"90000072"}
    state = UserState(state_dir)
    assert state.marks == ["90000070"]
    assert state.citekeys == {"90000070": "Testperson2010fictional"}


# -- snapshots -----------------------------------------------------------------------------------
def test_export_then_import_round_trips(tmp_path: Path) -> None:
    records = [make_record(n) for n in (82, 80, 81)] + [doi_seed("10.5555/e")]
    out = tmp_path / "snapshot.jsonl"
    with RecordStore(tmp_path / "a") as s:
        s.put(records)
        assert s.export_jsonl(out) == 4
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == [
        "90000080",
        "90000081",
        "90000082",
        "doi:10.5555/e",
    ]
    assert list(json.loads(lines[0])) == list(Record.__dataclass_fields__), "DESIGN.md key order"
    with RecordStore(tmp_path / "b") as s:
        assert s.import_jsonl(out) == (4, 0, 0)
        assert s.import_jsonl(out) == (0, 0, 4)
        for rec in records:
            assert s.get(rec.id).to_json() == rec.to_json()


def test_import_never_downgrades_a_full_record(tmp_path: Path) -> None:
    snap = write_seed(tmp_path / "s.jsonl", [make_record(90, source="seed"), make_record(91)])
    with RecordStore(tmp_path / "cache") as s:
        s.put([make_record(90)])
        assert s.import_jsonl(snap) == (1, 0, 1)
        assert s.get("90000090").is_full


def test_import_rejects_the_whole_file_naming_the_first_bad_line(tmp_path: Path) -> None:
    snap = tmp_path / "s.jsonl"
    good = json.dumps(make_record(92).to_json())
    snap.write_text(f"{good}\n\n{{'single': quotes}}\n{good}\n", encoding="utf-8")
    with RecordStore(tmp_path / "cache") as s:
        with pytest.raises(SnapshotError, match=r"line 3: not valid JSON"):
            s.import_jsonl(snap)
        assert len(s) == 0


# -- the read-only fallback (a cache that cannot be opened for writing) --------------------------
def test_read_only_fallback_counts_reads_and_refuses_writes(cache_dir: Path, monkeypatch) -> None:
    with RecordStore(cache_dir) as s:
        s.put([make_record(n) for n in (1, 2, 3)])

    def cannot_open(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(diskcache, "Cache", cannot_open)  # diskcache writes its settings on open
    with RecordStore(cache_dir) as s:
        assert any("nothing new is stored" in w for w in s.warnings)
        assert len(s) == 3  # issue 13: AttributeError on the fallback before
        assert s.count() == 3
        assert sorted(s.ids()) == ["90000001", "90000002", "90000003"]
        assert s.get("90000002").title == make_record(2).title
        assert s.stats()["records"] == 3
        with pytest.raises(StoreError, match="disk full") as caught:
            s.put([make_record(4)])
        assert caught.value.disk_full and caught.value.exit_code == 4


# -- trials --------------------------------------------------------------------------------------
def test_trials_are_cached_by_nct_id_as_versioned_json_text(store: RecordStore) -> None:
    with_results, registered = make_trial(1, results=True), make_trial(2)
    assert store.get_trial("NCT99000001") is None and store.trial_count() == 0
    assert store.put_trials([with_results, registered]) == 2
    assert store.put_trials([with_results]) == 0, "unchanged trials are not rewritten"
    assert store.get_trial("NCT99000001").to_json() == with_results.to_json()
    assert store.get_trials(["NCT99000002", "NCT99000099"]) == {"NCT99000002": registered}
    assert sorted(t.nct_id for t in store.iter_trials()) == ["NCT99000001", "NCT99000002"]
    assert store.trial_count() == 2 and len(store) == 0, "trials are not records"
    raw = diskcache.Cache(str(store.cache_dir / "trials")).get("t:NCT99000001")
    version, _stored_at, source, body = raw.split("|", 3)
    assert (version, source) == (str(TRIAL_SCHEMA_VERSION), "ctgov")
    assert json.loads(body)["adverse_events"]["groups"][0]["id"] == "EG000"
    with pytest.raises(ValueError, match="NCT"):
        store.put_trials([make_trial(3, nct_id="NCT123")])


def test_trials_of_another_schema_or_shape_read_as_absent_and_verify_removes_them(
    store: RecordStore, monkeypatch
) -> None:
    store.put_trials([make_trial(n) for n in (1, 2, 3)])
    raw = diskcache.Cache(str(store.cache_dir / "trials"))
    bad = make_trial(2).to_json() | {"enrollment": "forty"}
    raw.set("t:NCT99000002", f"{TRIAL_SCHEMA_VERSION}|0|ctgov|{json.dumps(bad)}")
    raw.set("t:NCT99000003", f"{TRIAL_SCHEMA_VERSION + 1}|0|ctgov|{{}}")
    raw.close()
    assert store.get_trial("NCT99000002") is None
    assert store.get_trial("NCT99000003") is None
    assert store.stats()["trials"] == 3
    text = " ".join(store.verify())
    assert "1 unreadable trial(s) were removed" in text
    assert "1 trial(s) stored by another version" in text
    assert store.trial_count() == 1
    store.clear()
    assert store.trial_count() == 0 and store.get_trial("NCT99000001") is None


# -- rows mscterm did not write ------------------------------------------------------------------
class _Payload:
    """Unpickling this creates ``marker``: proof that a cache row ran code."""

    def __init__(self, marker: Path) -> None:
        self.marker = str(marker)

    def __reduce__(self):
        return (open, (self.marker, "w"))


def test_pickled_values_and_keys_are_refused_unread(store: RecordStore, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    store.put([make_record(n) for n in (1, 2)])
    raw = diskcache.Cache(str(store.path))  # diskcache's default Disk pickles what is not text
    raw.set("r:90000001", _Payload(marker))
    raw.set(_Payload(marker), "a key that runs code")
    raw.close()
    assert store.get("90000001") is None
    assert not store.has_full("90000001")
    assert [r.id for r in store.iter_records()] == ["90000002"]
    assert sorted(store.ids()) == ["90000001", "90000002"]
    assert store.stats()["unreadable"] == 1
    findings = store.verify()
    assert "2 cache row(s) mscterm did not write" in " ".join(findings)
    assert sorted(store.ids()) == ["90000002"] and len(store) == 1
    assert not marker.exists()


def test_records_of_the_wrong_shape_read_as_absent_and_verify_removes_them(
    store: RecordStore,
) -> None:
    store.put([make_record(n) for n in (1, 2, 3, 4)])
    raw = diskcache.Cache(str(store.path))
    for n, change in ((1, {"authors": 5}), (2, {"year": "x"}), (3, {"title": 5})):
        data = make_record(n).to_json() | change
        raw.set(f"r:{90000000 + n}", f"{store_mod.SCHEMA_VERSION}|0|pubmed|{json.dumps(data)}")
    raw.close()
    assert store.get_many([f"{90000000 + n}" for n in (1, 2, 3, 4)]).keys() == {"90000004"}
    assert "3 unreadable record(s) were removed" in " ".join(store.verify())
    assert sorted(store.ids()) == ["90000004"]


# -- failures: full disk, a cache path that cannot work, damaged pages ---------------------------
def _full(*args, **kwargs):
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorname = "SQLITE_FULL"
    raise exc


def test_full_disk_while_indexing_keeps_the_healthy_index(store: RecordStore, monkeypatch) -> None:
    from mscterm.store.fts import SearchIndex

    store.put([make_record(1, title="Karyotype of fictional cultures.")])
    monkeypatch.setattr(SearchIndex, "_insert", _full)
    with pytest.raises(StoreError, match="disk full") as caught:
        store.put([make_record(2, title="Karyotype after fictional banking.")])
    assert caught.value.disk_full and caught.value.exit_code == 4
    assert store.get("90000002") is not None, "the records were cached before the index failed"
    assert not list(store.cache_dir.glob("index.sqlite3.corrupt-*"))
    assert not store.quarantined()
    assert store.search("karyotype") == ["90000001"], "the index is kept as it was"
    monkeypatch.undo()
    assert any("lacked 1 cached record" in f for f in store.verify())
    assert sorted(store.search("karyotype")) == ["90000001", "90000002"]


def test_full_disk_writing_records_says_disk_full_and_moves_nothing(
    store: RecordStore, monkeypatch
) -> None:
    store.put([make_record(1)])

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(type(store.records.cache), "set", no_space)
    with pytest.raises(StoreError, match=r"no space left .*\(disk full\)") as caught:
        store.put([make_record(2)])
    assert caught.value.disk_full and not caught.value.bad_path
    monkeypatch.undo()
    assert store.warnings == [] and store.quarantined() == []
    assert sorted(store.ids()) == ["90000001"]


def test_a_file_where_the_records_folder_belongs_is_bad_input(cache_dir: Path) -> None:
    cache_dir.mkdir()
    (cache_dir / "records").write_text("not a folder", encoding="utf-8")
    with pytest.raises(StoreError, match="exists but is not a folder") as caught:
        RecordStore(cache_dir)
    assert caught.value.bad_path and caught.value.exit_code == 2
    assert (cache_dir / "records").read_text(encoding="utf-8") == "not a folder"


def _noise(db: Path, at: float = 0.5) -> None:
    """4 KiB of fixed noise into ``db`` at a fraction of its length (no WAL left beside it)."""
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    with open(db, "r+b") as fh:
        fh.seek(int(db.stat().st_size * at))
        fh.write(random.Random(7).randbytes(4096))


@pytest.mark.parametrize("at", [0.3, 0.5, 0.9])
def test_verify_salvages_the_readable_rows_of_a_damaged_cache(cache_dir: Path, at: float) -> None:
    with RecordStore(cache_dir, index=False) as s:
        for start in range(0, 1200, 400):
            s.put([make_record(n) for n in range(start, start + 400)])
    _noise(cache_dir / "records" / "cache.db", at)
    with RecordStore(cache_dir, index=False) as s:
        findings = s.verify()
        salvaged = [f for f in findings if "salvaged" in f]
        assert len(salvaged) == 1 and salvaged[0].fixed, findings
        n, total = map(int, re.search(r"salvaged (\d+) of (\d+) records", salvaged[0]).groups())
        assert total == 1200 and 1180 <= n < 1200  # only the rows in the damaged pages are lost
        assert len(s) == n == len(list(s.iter_records()))
        moved = s.quarantined()
        assert len(moved) == 1 and (moved[0] / "cache.db").is_file(), "kept, never deleted"
    with RecordStore(cache_dir, index=False) as s:
        assert s.verify() == [], "the fresh cache is healthy"


# -- the seed reader and the index for it --------------------------------------------------------
def test_the_one_seed_reader_skips_ill_typed_lines_everywhere(tmp_path: Path) -> None:
    from mscterm.store.seed import read_seed
    from mscterm.topics import read_seed_records

    good = make_record(1, source="seed")
    bad = make_record(2, source="seed").to_json() | {"authors": 5}
    seed = tmp_path / "seed.jsonl"
    seed.write_text(json.dumps(good.to_json()) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    read = read_seed(seed)
    assert list(read.records) == ["90000001"]
    assert read.problems == [
        f"the seed snapshot {seed} line 2 was skipped: 'authors' must be a list"
    ]
    assert list(read_seed_records(seed)) == ["90000001"]
    with RecordStore(tmp_path / "cache", seed) as s:
        assert s.get("90000002") is None and s.get("90000001") is not None
        assert any("line 2 was skipped" in w for w in s.warnings)


def test_search_seed_and_query_help_come_from_the_store(tmp_path: Path) -> None:
    seed = write_seed(
        tmp_path / "seed.jsonl",
        [make_record(1, source="seed", title="Spontaneous transformation in fictional cultures.")],
    )
    with RecordStore(tmp_path / "cache", seed) as s:
        assert s.search_seed("transformation") == ["90000001"]
        assert s.search_seed("au:testperson ti:spontaneous") == ["90000001"]
        assert s.search("transformation") == [], "the disk index holds no seed records"
    assert "mesh:" in store_mod.QUERY_HELP


def test_salvage_stopped_by_a_full_disk_keeps_the_damaged_copy(
    cache_dir: Path, monkeypatch
) -> None:
    import mscterm.store.salvage as salvage_mod

    with RecordStore(cache_dir, index=False) as s:
        s.put([make_record(n) for n in range(300)])
    db = cache_dir / "records" / "cache.db"
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 2])  # truncated: damaged at open

    def no_space(*args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(salvage_mod, "_write", no_space)
    with RecordStore(cache_dir, index=False) as s:
        (warning,) = s.warnings
        assert "moved aside" in warning and "salvaging stopped" in warning
        assert "(disk full)" in warning and "the damaged copy is kept" in warning
        assert (s.quarantined()[0] / "cache.db").stat().st_size > 0
