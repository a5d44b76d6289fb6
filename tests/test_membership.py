"""Topic membership from the search index: the same answers as one pass over the cache.

Records are filed under their topics when they are stored (one ``meta`` token per topic), so a
topic's members and sizes are posting-list reads, current for every process on the cache. The
full pass (:class:`~mscterm.library.membership.Membership`) is the reference the index must equal.
"""

from __future__ import annotations

import dataclasses
import json
import random
import sqlite3
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.library.membership import (
    IndexedMembership,
    LazyMembership,
    Membership,
    TopicLabeler,
    labels_files,
    labels_version,
)
from mscterm.model import AbstractSection, MeshHeading, Record
from mscterm.store import RecordStore, SearchIndex
from mscterm.topics import TopicMap
from tests.conftest import make_record

FILLERS = ("in vitro", "after expansion", "of bone marrow origin", "in a fictional cohort")


def _phrase(term: str, rng: random.Random) -> str:
    """Text a term matches (``cryopreserv*`` -> ``cryopreservation``)."""
    return term[:-1] + rng.choice(("ation", "ed", "")) if term.endswith("*") else term


def _records(topics: TopicMap, count: int = 300) -> list[Record]:
    """Fictional records whose MeSH headings and words come from several topics' rules, some
    from none; years and months vary (the index orders rows by date, members go by PMID)."""
    rng = random.Random(20120612)
    rules = [t.rules for t in topics.walk() if t.rules.mesh or t.rules.terms]
    out = []
    for n in range(1, count + 1):
        mesh = [MeshHeading("Mesenchymal Stem Cells", True, [])]
        words = [rng.choice(FILLERS)]
        for picked in rng.sample(rules, rng.choice((0, 1, 1, 2, 3))):
            if picked.mesh and (not picked.terms or rng.random() < 0.4):
                mesh.append(MeshHeading(rng.choice(picked.mesh), False, []))
            else:
                words.append(_phrase(rng.choice(picked.terms), rng))
        title = f"Fictional study {n} of mesenchymal stromal cells: {', '.join(words)}."
        out.append(
            make_record(
                n,
                title=title if n % 3 else f"Fictional study {n} of mesenchymal stromal cells.",
                abstract=[AbstractSection(None, title)] if n % 3 == 0 else [],
                mesh=mesh,
                year=None if n % 17 == 0 else 1995 + (n * 7) % 30,
                month=None if n % 5 == 0 else 1 + n % 12,
            )
        )
    return out


def _landmarks_fetched(library: Library) -> list[Record]:
    """Fetched copies of landmarks the seed snapshot has by PMID (their real facts), and the
    citation-level seed copies of a few others stored on disk: these count as landmarks only."""
    landmarks = set(library.topics.all_landmark_ids())
    seed = [r for r in library.store.seed_records() if r.id in landmarks]
    by_pmid = [r for r in seed if r.id.isdigit()]
    fetched = [dataclasses.replace(r, source="pubmed") for r in by_pmid[::3]]
    return fetched + [r for r in seed if not r.id.isdigit()][:3]


@pytest.fixture
def filled(offline_settings: Settings) -> Library:
    library = Library(offline_settings)
    library.store.put(_records(library.topics))
    library.store.put(_landmarks_fetched(library))
    return library


def _no_fallback() -> Membership:
    raise AssertionError("the index did not answer")


def test_the_index_gives_the_full_pass_answers_for_every_topic(filled: Library) -> None:
    topics = filled.topics
    full = Membership(topics, filled.store.iter_records())
    indexed = IndexedMembership(topics, filled.store, _no_fallback)
    sizes = indexed.sizes()
    assert sizes == full.sizes()
    for topic in topics.walk():
        assert indexed.members(topic.id) == full.members(topic.id), topic.id
        assert indexed.size(topic.id) == full.size(topic.id)
    # the test means something: many topics have members, landmarks were fetched
    assert sum(1 for s in sizes.values() if s.fetched >= 5) >= 20
    assert any(s.total < s.landmarks + s.fetched for s in sizes.values())
    # and the Library answers from the index the same way
    assert filled.topic_sizes().value == full.sizes()
    assert filled.topic_members("cryopreservation") == full.members("cryopreservation")
    assert not filled.warnings


def test_members_are_landmarks_first_then_newest_pmid_first(filled: Library) -> None:
    landmarks = filled.topics.landmark_ids("serum")
    members = filled.topic_members("serum")
    assert members[: len(landmarks)] == landmarks
    rest = members[len(landmarks) :]
    assert len(rest) >= 5 and [int(r) for r in rest] == sorted(map(int, rest), reverse=True)


def test_a_record_stored_by_another_process_counts_at_once(offline_settings: Settings) -> None:
    reader, writer = Library(offline_settings), Library(offline_settings)
    reader.store.put([make_record(1)])
    assert "90000002" not in reader.topic_members("cryopreservation")
    before = reader.topic_sizes().value["cryopreservation"]
    writer.store.put([make_record(2, title="Cryopreservation of fictional stromal cells.")])
    assert "90000002" in reader.topic_members("cryopreservation")
    after = reader.topic_sizes().value["cryopreservation"]
    assert (after.fetched, after.total) == (before.fetched + 1, before.total + 1)
    writer.close()
    reader.close()


def test_a_changed_record_moves_between_topics(offline_settings: Settings) -> None:
    library = Library(offline_settings)
    cryo = make_record(1, title="Cryopreservation of fictional stromal cells.")
    library.store.put([cryo])
    assert library.topic_sizes().value["cryopreservation"].fetched == 1
    library.store.put([dataclasses.replace(cryo, title="Serum-free culture of fictional cells.")])
    sizes = library.topic_sizes().value
    assert sizes["cryopreservation"].fetched == 0, "the replaced row's labels no longer count"
    assert sizes["serum"].fetched == 1
    assert "90000001" not in library.topic_members("cryopreservation")


def test_an_index_missing_beside_cached_records_is_filled(offline_settings: Settings) -> None:
    with RecordStore(offline_settings.cache_dir, index=False) as store:  # records, no index
        store.put([make_record(1, title="Cryopreservation of fictional stromal cells.")])
    library = Library(offline_settings)
    assert "90000001" in library.topic_members("cryopreservation")
    assert any("lacked 1 cached record" in w for w in library.warnings)


def test_when_the_index_cannot_answer_one_pass_does_with_a_warning(
    filled: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = Membership(filled.topics, filled.store.iter_records())

    def busy(*args: object) -> None:
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(SearchIndex, "labelled", busy)
    monkeypatch.setattr(SearchIndex, "label_counts", busy)
    assert filled.topic_members("serum") == expected.members("serum")
    assert filled.topic_sizes().value == expected.sizes()
    assert any("counted by reading every cached record" in w for w in filled.warnings)


class _Unanswering:
    """A store whose index cannot list labelled records."""

    def labelled(self, label: str) -> None:
        return None

    def label_counts(self, wanted: object) -> None:
        return None


def test_the_full_pass_keeps_records_stored_meanwhile(offline_settings: Settings) -> None:
    topics = Library(offline_settings).topics
    arrived = make_record(3, title="Cryopreservation of mesenchymal stromal cells.")
    later = make_record(4, title="Cryopreservation of fictional stromal cells.")

    def cache_listing() -> list[Record]:
        lazy.note([arrived])  # stored by another worker after the pass listed the cache
        return []

    lazy = LazyMembership(lambda: topics, cache_listing, lambda: _Unanswering())
    assert arrived.id in lazy.get().members("cryopreservation")
    lazy.note([later])
    assert later.id in lazy.get().members("cryopreservation")
    assert lazy.get().size("cryopreservation").fetched == 2


def test_a_damaged_index_is_replaced_and_answers(filled: Library) -> None:
    expected = filled.topic_sizes().value
    path = filled.store.index_path
    filled.close()
    path.write_bytes(b"not an index" * 512)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    again = Library(filled.settings)
    assert again.topic_sizes().value == expected
    assert any("damaged" in w for w in again.warnings)


def test_the_labels_version_follows_the_files(tmp_path: Path) -> None:
    rules = tmp_path / "topics.toml"
    rules.write_text('[[topic]]\nid = "a"\n')
    first = labels_version([rules])
    assert labels_version([rules]) == first
    rules.write_text('[[topic]]\nid = "b"\n')
    assert labels_version([rules]) != first
    assert labels_version() != labels_version([rules])


def test_the_labels_version_hashes_files_that_exist() -> None:
    # A moved module would otherwise hash as "unreadable" forever: a rules change unnoticed.
    assert all(path.is_file() for path in labels_files())


def test_the_labeler_files_fetched_records_only(offline_settings: Settings) -> None:
    topics = Library(offline_settings).topics
    labeler = TopicLabeler(lambda: topics)
    cryo = make_record(1, title="Cryopreservation of fictional stromal cells.")
    assert labeler(cryo) == topics.topics_for(cryo) and "cryopreservation" in labeler(cryo)
    assert labeler(dataclasses.replace(cryo, source="seed")) == []
    assert labeler.version == labels_version()


def test_records_the_index_missed_still_count(
    offline_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = Library(offline_settings)
    library.store.put([make_record(1)])
    assert library.topic_sizes().value["cryopreservation"].fetched == 0  # the index answers

    def fails(*args: object) -> None:
        raise RuntimeError("the index took no rows")

    monkeypatch.setattr(SearchIndex, "_insert", fails)
    library.store.put([make_record(2, title="Cryopreservation of fictional stromal cells.")])
    monkeypatch.undo()
    assert "90000002" in library.topic_members("cryopreservation")
    assert library.topic_sizes().value["cryopreservation"].fetched == 1
    assert any("could not be updated" in w for w in library.warnings)


def test_topics_counts_without_a_usable_index_and_says_so(
    offline_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    from mscterm.cli import main

    cache = offline_settings.cache_dir
    with RecordStore(cache, index=False) as store:
        store.put([make_record(1, title="Cryopreservation of fictional stromal cells.")])
    (cache / "index.sqlite3").mkdir()  # an index that cannot be opened (not damage)
    assert main(["topics", "--json", "--offline", "--cache-dir", str(cache)]) == 0
    out, err = capsys.readouterr()
    nodes = {node["id"]: node for node in json.loads(out)}
    landmarks = len(nodes["cryopreservation"]["landmarks"])
    assert nodes["cryopreservation"]["cached"] == landmarks + 1
    assert "warning: the search index cannot list topic members" in err
    assert "Traceback" not in err
