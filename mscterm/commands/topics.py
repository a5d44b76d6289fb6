"""``mscterm topics [--json]``: print the MSC-safety topic map.

For a reader deciding what to fetch or export: every topic id (what ``--topic`` takes), its
title, how many landmark papers it pins and how many records available offline belong to it
(the Library's one topic counter: its landmarks and the fetched records it matches, what
``export --topic`` writes), and the review, a node of its own. Offline by nature: it never
touches the network, and never creates a cache just to count it.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from mscterm.commands._common import say, warn
from mscterm.config import Settings
from mscterm.exitcodes import NOT_FOUND, OK
from mscterm.library import Library
from mscterm.textsafe import json_text
from mscterm.topics import REVIEW_ID, TopicMap, TopicsError


def _counts(library: Library) -> dict[str, int] | None:
    """Records available offline per topic; None (said on stderr) when the cache is unreadable."""
    sizes = library.topic_sizes()
    if sizes.error:
        say(f"warning: records per topic are not counted: {sizes.error}")
        return None
    return {tid: size.total for tid, size in sizes.value.items()}


def _review_node(topic_map: TopicMap) -> dict[str, Any]:
    """The review's node, as the plain output and the explorer show it."""
    return {
        "id": "review",
        "kind": "review",
        "pmid": REVIEW_ID,
        "description": "The seed review, a node of its own: its record, references, "
        "similar articles and cited by.",
        "references": list(topic_map.review_references),
        "children": [],
    }


def _with_kind(nodes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for node in nodes:
        node["kind"] = "topic"
        _with_kind(node["children"])
    return nodes


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
    """Print the map as an indented tree, or as JSON with ``--json`` (the review node last)."""
    library = Library(settings)
    try:
        topic_map = library.topics
    except TopicsError as exc:
        say(str(exc))
        return NOT_FOUND
    try:
        counts = _counts(library)
        warn(library.warnings)  # e.g. counted without the search index
        if args.json:
            nodes = [*_with_kind(topic_map.to_json(counts)), _review_node(topic_map)]
            sys.stdout.write(json_text(nodes, indent=2) + "\n")
        else:
            _print_tree(topic_map, counts)
    finally:
        library.close()
    return OK
