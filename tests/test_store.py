"""RecordStore: what a user relies on when they look records up from the cache.

Fictional records only (PMIDs from 90000000, DOIs under 10.5555/).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import diskcache
import pytest

import mscterm.store as store_mod
import mscterm.store.codec as codec_mod
from mscterm.model import Author, Record
from mscterm.state import UserState
from mscterm.store import Finding, RecordStore, SnapshotError
from tests.conftest import make_record

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
