"""Checks of the topic map for curators and tests: query syntax, ids, landmarks, rules."""

from __future__ import annotations

import re
from collections.abc import Iterable

from mscterm.model import DOI_RE, PMID_RE
from mscterm.topics.errors import KNOWN_FIELD_TAGS, TOPIC_ID_RE
from mscterm.topics.rules import TERM_RE
from mscterm.topics.topicmap import TopicMap

_TAG_RE = re.compile(r"\[([^\[\]]*)\]")
_OPS = {"AND", "OR", "NOT"}


def query_problems(query: str) -> list[str]:
    """Syntax problems of an esearch query: quotes, brackets, field tags, boolean operators.

    A cheap local check (the stand-in server and PubMed have the last word), so a typo in the
    topic file is caught by the tests rather than by a user's empty result list.
    """
    problems: list[str] = []
    if not query.strip():
        return ["empty query"]
    if query.count('"') % 2:
        problems.append("unbalanced double quotes")
    outside = re.sub(r'"[^"]*"', ' "" ', query)  # phrases cannot break the structure
    depth = 0
    for ch in outside:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            problems.append("')' without '('")
            break
    if depth > 0:
        problems.append("'(' without ')'")
    if re.search(r"\(\s*\)", outside):
        problems.append("empty parentheses")
    for tag in _TAG_RE.findall(outside):
        if tag.strip().lower() not in KNOWN_FIELD_TAGS:
            problems.append(f"unknown field tag [{tag}]")
    if outside.count("[") != outside.count("]"):
        problems.append("unbalanced square brackets")
    tokens = re.findall(r"\(|\)|[^\s()]+", _TAG_RE.sub(" ", outside))
    prev: str | None = None
    for tok in [*tokens, None]:
        is_op = tok in _OPS
        if is_op and (prev is None or prev in _OPS or prev == "("):
            problems.append(f"operator {tok} without a left operand")
        if prev in _OPS and (tok is None or tok == ")"):
            problems.append(f"operator {prev} without a right operand")
        prev = tok
    lowered = {t for t in tokens if t.lower() in {"and", "or", "not"} and t not in _OPS}
    if lowered:
        problems.append(f"lower-case boolean operators {sorted(lowered)} (PubMed wants AND/OR/NOT)")
    return problems


def _valid_record_id(rid: str) -> bool:
    if PMID_RE.match(rid):
        return True
    if rid.startswith("doi:"):
        return rid == rid.lower() and bool(DOI_RE.match(rid[4:]))
    return rid.startswith("cite:") and rid == rid.lower() and " " not in rid and len(rid) > 5


def validate(topic_map: TopicMap, *, known_ids: Iterable[str] | None = None) -> list[str]:
    """Every problem of the map, one sentence each (empty when the map is sound).

    ``known_ids`` are the ids landmarks must resolve to (default: the records attached to the
    map, i.e. the seed snapshot). Checked: unique, well-formed topic ids nested under their
    parent's id; titles, descriptions and queries present and queries syntactically sane;
    lower-case terms; landmark ids that are PMIDs of 1-9 digits, ``doi:`` or ``cite:`` ids,
    listed once, known, and for sub-topics pinned by the parent too.
    """
    problems = [f"duplicate topic id {d!r}" for d in topic_map._duplicates]
    known = set(known_ids) if known_ids is not None else set(topic_map._landmark_records)
    for topic in topic_map.walk():
        where = f"topic {topic.id!r}"
        if not TOPIC_ID_RE.match(topic.id):
            problems.append(f"{where}: id is not lower-case words joined by '-' and '/'")
        if topic.parent and not topic.id.startswith(topic.parent + "/"):
            problems.append(f"{where}: id does not start with its parent's id {topic.parent!r}/")
        if not topic.title:
            problems.append(f"{where}: no title")
        if len(topic.description) < 40:
            problems.append(f"{where}: description missing or too short")
        problems += [f"{where}: query: {p}" for p in query_problems(topic.query)]
        if not (topic.rules.mesh or topic.rules.terms or topic.children):
            problems.append(f"{where}: no rules")
        for term in topic.rules.terms:
            if term != term.lower() or not TERM_RE.match(term):
                problems.append(f"{where}: term {term!r} is not a lower-case word or phrase")
        if len(set(topic.landmarks)) != len(topic.landmarks):
            problems.append(f"{where}: a landmark is listed twice")
        parent_ids = set(topic_map.landmark_ids(topic.parent)) if topic.parent else None
        for rid in topic.landmarks:
            if not _valid_record_id(rid):
                problems.append(
                    f"{where}: landmark {rid!r} is not a PMID (1-9 digits), doi: or cite: id"
                )
            elif known and rid not in known:
                problems.append(f"{where}: landmark {rid!r} is not in the seed snapshot")
            if parent_ids is not None and rid not in parent_ids:
                problems.append(f"{where}: landmark {rid!r} is not a landmark of {topic.parent!r}")
    for rid in topic_map.review_references:
        if not _valid_record_id(rid):
            problems.append(f"review reference {rid!r} is not a valid record id")
    return problems
