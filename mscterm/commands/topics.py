"""``mscterm topics [--json]``: print the MSC-safety topic map.

For a reader deciding what to fetch or export: every topic id (what ``--topic`` takes), its
title, how many landmark papers it pins and, when the cache can be read, how many records
available offline (seed snapshot plus disk cache) belong to it. Offline by nature: it never
touches the network.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
from typing import Any

from mscterm import resources
from mscterm.commands._common import say
from mscterm.config import Settings
from mscterm.exitcodes import NOT_FOUND, OK
from mscterm.model import Record
from mscterm.topics import (
    REVIEW_ID,
    TopicMap,
    TopicsError,
    count_by_topic,
    load_topics,
    read_seed_records,
)


def _seed_records() -> dict[str, Record]:
    """Every record of the shipped seed snapshot (empty if it cannot be read)."""
    return read_seed_records()


def _cached_counts(topic_map: TopicMap, settings: Settings) -> dict[str, int] | None:
    """Records available offline per topic, or None when the store cannot be used.

    The store is imported lazily and any failure (module not there yet, corrupt cache, a
    signature that changed) only drops the counts: the map itself must always print.
    """
    try:
        from mscterm.store import RecordStore
    except Exception:
        return None
    records = _seed_records()
    if settings.cache_dir.is_dir():  # never create a cache just to count it
        store: Any = None
        try:
            store = RecordStore(settings.cache_dir, resources.seed_records_path(), index=False)
            records.update(store.get_many(list(store.ids())))
        except Exception:
            return None
        finally:
            if store is not None:
                with contextlib.suppress(Exception):
                    store.close()
    return count_by_topic(topic_map, records.values())


def _print_tree(topic_map: TopicMap, counts: dict[str, int] | None) -> None:
    rows: list[tuple[str, str, str]] = []
    for topic in topic_map.walk():
        depth = len(topic_map.ancestors(topic.id))
        n = len(topic_map.landmark_ids(topic.id))
        info = f"{n} landmark{'s' if n != 1 else ''}"
        if counts is not None:
            info += f" · {counts.get(topic.id, 0)} cached"
        rows.append(("  " * depth + topic.id, topic.title, info))
    width = max(len(r[0]) for r in rows)
    out = sys.stdout
    for ident, title, info in rows:
        out.write(f"{ident:<{width}}  {title}  ({info})\n")
    refs = len(topic_map.review_references)
    out.write(f"\nreview PMID {REVIEW_ID}: a node of its own ({refs} references known offline)\n")


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Print the map as an indented tree, or as JSON with ``--json``."""
    try:
        topic_map = load_topics()
    except TopicsError as exc:
        say(str(exc))
        return NOT_FOUND
    counts = _cached_counts(topic_map, settings)
    if getattr(args, "json", False):
        json.dump(topic_map.to_json(counts), sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        _print_tree(topic_map, counts)
    return OK
