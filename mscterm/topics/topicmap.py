"""The loaded topic tree: parent/child links, landmarks pinned per topic, fast rule matching."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from mscterm.model import Record, Topic
from mscterm.topics.rules import _index_for, _RuleIndex, _subtree


class TopicMap:
    """The loaded topic tree with parent/child links, landmarks and fast rule matching."""

    roots: list[Topic]
    review_references: list[str]

    def __init__(
        self,
        roots: list[Topic],
        *,
        review_references: Iterable[str] = (),
        landmark_records: Mapping[str, Record] | None = None,
    ) -> None:
        self.roots = roots
        self.review_references = list(review_references)
        self._by_id: dict[str, Topic] = {}
        self._duplicates: list[str] = []

        def link(topic: Topic, parent: str | None) -> None:  # parent links follow the tree
            topic.parent = parent
            for child in topic.children:
                link(child, topic.id)

        for root in roots:
            link(root, None)
        for topic in self.walk():
            if topic.id in self._by_id:
                self._duplicates.append(topic.id)
            self._by_id.setdefault(topic.id, topic)
        self._order = [t.id for t in self.walk()]
        self._rule_indexes: dict[str, _RuleIndex] | None = None
        self._map_index: _RuleIndex | None = None
        self._landmark_records: dict[str, Record] = dict(landmark_records or {})
        self._landmarks: dict[str, list[str]] | None = None

    # rule indexes, built on first use (the TUI's first frame needs only the titles) --------

    @property
    def _indexes(self) -> dict[str, _RuleIndex]:
        """One rule index per topic (its own rules and its sub-topics')."""
        if self._rule_indexes is None:
            self._rule_indexes = {t.id: _index_for(t) for t in self.walk()}
        return self._rule_indexes

    @property
    def _index(self) -> _RuleIndex:
        """One index for the whole map: a rule labels its topic and the topic's ancestors."""
        if self._map_index is None:
            chains: dict[str, frozenset[str]] = {}
            for topic in self.walk():
                up = chains.get(topic.parent, frozenset()) if topic.parent else frozenset()
                chains[topic.id] = up | {topic.id}
            self._map_index = _RuleIndex((t.rules, chains[t.id]) for t in self.walk())
        return self._map_index

    # structure ---------------------------------------------------------------------------

    def get(self, topic_id: str) -> Topic | None:
        """The topic with this id, or None (the CLI turns None into exit code 2)."""
        return self._by_id.get(topic_id)

    def walk(self) -> Iterator[Topic]:
        """Every topic, depth-first, parents before their children, in the file's order."""
        for root in self.roots:
            yield from _subtree(root)

    def __iter__(self) -> Iterator[Topic]:
        return self.walk()

    def __len__(self) -> int:
        return sum(1 for _ in self.walk())

    def __contains__(self, topic_id: object) -> bool:
        return topic_id in self._by_id

    def parent(self, topic_id: str) -> Topic | None:
        """The parent topic (None for a top-level topic or an unknown id)."""
        topic = self._by_id.get(topic_id)
        return self._by_id.get(topic.parent) if topic and topic.parent else None

    def children(self, topic_id: str) -> list[Topic]:
        """Direct sub-topics, in the file's order."""
        topic = self._by_id.get(topic_id)
        return list(topic.children) if topic else []

    def ancestors(self, topic_id: str) -> list[Topic]:
        """From the top-level topic down to (not including) this one: a breadcrumb."""
        chain: list[Topic] = []
        parent = self.parent(topic_id)
        while parent is not None:
            chain.append(parent)
            parent = self.parent(parent.id)
        return chain[::-1]

    # landmarks ---------------------------------------------------------------------------

    def attach_landmarks(self, records: Mapping[str, Record]) -> None:
        """Use these records (normally the seed snapshot) to file landmarks under sub-topics."""
        self._landmark_records = dict(records)
        self._landmarks = None

    def _compute_landmarks(self) -> dict[str, list[str]]:
        result: dict[str, list[str]] = {}

        def visit(topic: Topic, inherited: list[str]) -> None:
            if topic.parent is None:
                ids = list(dict.fromkeys(topic.landmarks))
            else:
                own = set(topic.landmarks)
                # the topic's rule index only for records it may file (none in the outline)
                ids = [
                    rid
                    for rid in inherited
                    if rid in own
                    or (
                        rid in self._landmark_records
                        and self._indexes[topic.id].labels(self._landmark_records[rid], any_=True)
                    )
                ]
                ids += [rid for rid in dict.fromkeys(topic.landmarks) if rid not in ids]
            result[topic.id] = ids
            for child in topic.children:
                visit(child, ids)

        for root in self.roots:
            visit(root, [])
        return result

    def landmark_ids(self, topic_id: str) -> list[str]:
        """Record ids (PMID, ``doi:…``, ``cite:…``) pinned under a topic, in the file's order.

        Unknown topic ids give an empty list.
        """
        if self._landmarks is None:
            self._landmarks = self._compute_landmarks()
        return list(self._landmarks.get(topic_id, ()))

    def all_landmark_ids(self) -> list[str]:
        """Every landmark of the map once, in the order of first appearance."""
        seen: dict[str, None] = {}
        for root in self.roots:
            seen.update((rid, None) for rid in self.landmark_ids(root.id))
        return list(seen)

    # matching ----------------------------------------------------------------------------

    def topics_for(self, record: Record) -> list[str]:
        """Ids of the topics a record belongs to (by rules or as a pinned landmark), tree order."""
        if self._landmarks is None:
            self._landmarks = self._compute_landmarks()
        matched = self._index.labels(record)
        rid = record.id
        pins = self._landmarks
        return [tid for tid in self._order if tid in matched or rid in pins[tid]]

    def matches(self, topic_id: str, record: Record) -> bool:
        """Rule match by topic id (False for unknown ids)."""
        index = self._indexes.get(topic_id)
        return bool(index and index.labels(record, any_=True))

    # output ------------------------------------------------------------------------------

    def to_json(self, counts: Mapping[str, int] | None = None) -> list[dict[str, Any]]:
        """The tree as plain JSON (``mscterm topics --json``); ``cached`` null if not counted."""

        def node(topic: Topic) -> dict[str, Any]:
            data: dict[str, Any] = {
                "id": topic.id,
                "title": topic.title,
                "description": topic.description,
                "query": topic.query,
                "rules": {"mesh": list(topic.rules.mesh), "terms": list(topic.rules.terms)},
                "landmarks": self.landmark_ids(topic.id),
                "trials_query": topic.trials_query.to_json() if topic.trials_query else None,
            }
            data["cached"] = None if counts is None else counts.get(topic.id, 0)
            data["children"] = [node(c) for c in topic.children]
            return data

        return [node(r) for r in self.roots]


def count_by_topic(topic_map: TopicMap, records: Iterable[Record]) -> dict[str, int]:
    """How many of ``records`` belong to each topic (rules or pins): the overview's "cached"."""
    counts = dict.fromkeys((t.id for t in topic_map.walk()), 0)
    for record in records:
        for tid in topic_map.topics_for(record):
            counts[tid] += 1
    return counts
