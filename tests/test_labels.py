"""Labels in the search index: one token per label, kept true across writers and rules.

A store given a labeler files every record it indexes under the labeler's labels (topic ids);
the index remembers which rules (labels version) made them and relabels itself when another
version's rows are found, whoever wrote them.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from mscterm.model import Record
from mscterm.store import RecordStore, SearchIndex
from mscterm.store.indexrows import label_token
from tests.conftest import make_record


class _Labels:
    """A labeler filing every record under fixed labels."""

    def __init__(self, version: str, *labels: str) -> None:
        self.version = version
        self.labels = labels

    def __call__(self, record: Record) -> Iterable[str]:
        return self.labels


def test_other_rules_relabel_the_index(tmp_path: Path) -> None:
    with RecordStore(tmp_path, labeler=_Labels("v1", "old")) as store:
        store.put([make_record(n) for n in range(1, 4)])
        assert sorted(store.labelled("old") or []) == ["90000001", "90000002", "90000003"]
    with RecordStore(tmp_path, labeler=_Labels("v2", "new")) as store:
        assert sorted(store.labelled("new") or []) == ["90000001", "90000002", "90000003"]
        assert store.labelled("old") == []
        assert store.search("karyotype OR fictional", 10), "the rebuilt index still searches"


def test_rows_an_unlabelled_writer_adds_are_relabelled(tmp_path: Path) -> None:
    labels = _Labels("v1", "topic")
    with RecordStore(tmp_path, labeler=labels) as store:
        store.put([make_record(1)])
    with RecordStore(tmp_path) as unlabelled:  # no labeler: rows without labels
        unlabelled.put([make_record(2)])
        assert unlabelled.labelled("topic") is None
    with RecordStore(tmp_path, labeler=labels) as store:
        assert sorted(store.labelled("topic") or []) == ["90000001", "90000002"]


def test_a_labeler_of_other_rules_writing_meanwhile_is_noticed(tmp_path: Path) -> None:
    with RecordStore(tmp_path, labeler=_Labels("v1", "a")) as first:
        first.put([make_record(1)])
        assert first.labelled("a") == ["90000001"]  # open, labels current
        with RecordStore(tmp_path, labeler=_Labels("v2", "b")) as second:
            assert second.labelled("b") == ["90000001"]  # relabelled by v2
            second.put([make_record(2)])
        # v1's open index now holds v2's labels: it relabels before answering
        assert sorted(first.labelled("a") or []) == ["90000001", "90000002"]


def test_label_tokens_are_one_token_each_and_never_shared(tmp_path: Path) -> None:
    labels = ["a-b/c", "a/b-c", "ab/c", "a-b-c", "x/cells", "x/cell", "z", "zz", "z-z", "Ab", "ø"]
    tokens = [label_token(label) for label in labels]
    assert len(set(tokens)) == len(tokens)
    assert all(t.isascii() and t.isalnum() for t in tokens)

    class One:
        version = "v1"

        def __call__(self, record: Record) -> list[str]:
            return [labels[int(record.id) - 90_000_001]]

    with SearchIndex(tmp_path / "index.sqlite3", labeler=One()) as index:
        index.add(make_record(n) for n in range(1, len(labels) + 1))
        for n, label in enumerate(labels, start=1):
            assert index.labelled(label) == [str(90_000_000 + n)], label
        counts = index.label_counts({label: ["90000001", "90000002"] for label in labels})
    assert counts["a-b/c"] == (1, 1) and counts["a/b-c"] == (1, 1) and counts["ab/c"] == (1, 0)


class _Broken:
    """A labeler whose rules cannot be read."""

    version = "v1"

    def __call__(self, record: Record) -> Iterable[str]:
        raise ValueError("the topic map cannot be read")


def test_a_labeler_that_fails_leaves_records_searchable(tmp_path: Path) -> None:
    with RecordStore(tmp_path, labeler=_Broken()) as store:
        store.put([make_record(1, title="Karyotype of fictional stromal cells.")])
        assert store.search("karyotype") == ["90000001"]
        assert store.labelled("topic") is None, "labels it could not make are not answered"
        assert any("cannot list topic members" in w for w in store.warnings)
