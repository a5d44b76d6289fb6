"""Reading ``data/topics.toml`` (and the seed's landmark records) into a :class:`TopicMap`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mscterm import resources
from mscterm.model import Record, Topic, TopicRules, TrialsQuery
from mscterm.topics.errors import REVIEW_ID, TopicsError
from mscterm.topics.topicmap import TopicMap

_TOPIC_KEYS = {
    "id", "title", "description", "query", "rules", "landmarks", "children", "trials_query",
}  # fmt: skip
_TRIALS_KEYS = {"intr", "cond", "term"}


def _trials_query(value: Any, default_intr: str, where: str) -> TrialsQuery | None:
    """A topic's ``[trials_query]`` table; ``intr`` defaults to the file's ``[trials] intr``."""
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) - _TRIALS_KEYS:
        raise TopicsError(f"{where}: 'trials_query' takes only 'intr', 'cond' and 'term'")
    parts: dict[str, str | None] = {}
    for key in sorted(_TRIALS_KEYS):
        text = value.get(key)
        if text is not None and not isinstance(text, str):
            raise TopicsError(f"{where}: trials_query.{key} must be a string")
        parts[key] = " ".join(text.split()) if text else None
    parts["intr"] = parts["intr"] or default_intr or None
    if not (parts["intr"] or parts["cond"] or parts["term"]):
        raise TopicsError(f"{where}: trials_query is empty")
    return TrialsQuery(**parts)


def _strings(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise TopicsError(f"{where}: expected a list of strings")
    return list(value)


def _topic(data: Any, parent: str | None, where: str, default_intr: str = "") -> Topic:
    if not isinstance(data, dict):
        raise TopicsError(f"{where}: expected a table")
    unknown = set(data) - _TOPIC_KEYS
    if unknown:
        raise TopicsError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("id", "title", "query"):
        if not isinstance(data.get(key), str) or not data[key].strip():
            raise TopicsError(f"{where}: '{key}' must be a non-empty string")
    tid = data["id"].strip()
    where = f"topic {tid!r}"
    rules = data.get("rules") or {}
    if not isinstance(rules, dict) or set(rules) - {"mesh", "terms"}:
        raise TopicsError(f"{where}: 'rules' takes only 'mesh' and 'terms'")
    topic = Topic(
        id=tid,
        title=" ".join(data["title"].split()),
        description=" ".join(str(data.get("description", "")).split()),
        query=" ".join(data["query"].split()),
        rules=TopicRules(
            mesh=_strings(rules.get("mesh", []), f"{where} rules.mesh"),
            terms=_strings(rules.get("terms", []), f"{where} rules.terms"),
        ),
        landmarks=_strings(data.get("landmarks", []), f"{where} landmarks"),
        parent=parent,
        trials_query=_trials_query(data.get("trials_query"), default_intr, where),
    )
    children = data.get("children", [])
    if not isinstance(children, list):
        raise TopicsError(f"{where}: 'children' must be an array of tables")
    topic.children = [
        _topic(c, tid, f"{where} child {i}", default_intr) for i, c in enumerate(children)
    ]
    return topic


def _read_seed(path: Path, wanted: set[str]) -> dict[str, Record]:
    """The records of the seed snapshot whose ids are wanted (landmarks); {} if it is absent."""
    return {rid: rec for rid, rec in read_seed_records(path).items() if rid in wanted}


def read_seed_records(path: Path | None = None) -> dict[str, Record]:
    """Every record of the seed snapshot (default: the shipped one), by id, validated by the
    store's one seed reader; lines that are not sound records are skipped."""
    from mscterm.store.seed import read_seed

    return read_seed(path or resources.seed_records_path()).records


def load_topics(
    path: Path | None = None,
    *,
    seed_path: Path | None = None,
    landmark_records: Mapping[str, Record] | None = None,
) -> TopicMap:
    """Load the topic map (default: the shipped ``data/topics.toml``).

    Sub-topic landmarks are filed with ``landmark_records`` when given, else with the records of
    the seed snapshot (``seed_path``, default: the shipped one). Raises :class:`TopicsError`
    for a malformed file; use :func:`validate` for the deeper checks.
    """
    path = path or resources.topics_path()
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise TopicsError(f"cannot read the topic map {path}: {exc}") from exc
    raw_topics = data.get("topic")
    if not isinstance(raw_topics, list) or not raw_topics:
        raise TopicsError(f"{path}: no [[topic]] tables")
    trials = data.get("trials") or {}
    default_intr = trials.get("intr", "") if isinstance(trials, dict) else None
    if not isinstance(default_intr, str):
        raise TopicsError(f"{path}: [trials] intr must be a string")
    default_intr = " ".join(default_intr.split())
    roots = [
        _topic(t, None, f"top-level topic {i}", default_intr) for i, t in enumerate(raw_topics)
    ]
    review = data.get("review") or {}
    if review.get("id", REVIEW_ID) != REVIEW_ID:
        raise TopicsError(f"{path}: [review] id must be {REVIEW_ID}")
    refs = _strings(review.get("references", []), "[review] references")
    topic_map = TopicMap(roots, review_references=refs)
    if landmark_records is None:
        wanted = {rid for t in topic_map.walk() for rid in t.landmarks}
        landmark_records = _read_seed(seed_path or resources.seed_records_path(), wanted)
    topic_map.attach_landmarks(landmark_records)
    return topic_map


def review_reference_ids(topic_map: TopicMap | None = None) -> list[str]:
    """Record ids of the review's references known offline (the first five, in order).

    Online, elink ``pubmed_pubmed_refs`` gives the PMIDs PubMed knows for the whole list.
    """
    return list((topic_map or load_topics()).review_references)
