"""The MSC-safety topic map: topics from ``data/topics.toml`` and the rules that file records.

The map is curated data, so it lives in a TOML file a domain expert can review; this module only
loads it, checks it and answers two questions fast enough to ask them for thousands of records:
*which topics does this record belong to?* and *which landmark papers are pinned under this
topic?*

Rules, as DESIGN.md's "Topics" section describes them:

* A record matches a topic when any of the topic's MeSH descriptors is one of the record's
  MeSH headings (case-insensitive equality of the descriptor name), or any of its terms occurs
  as a whole word or phrase in the record's title, abstract or keywords. In a term a space or a
  hyphen matches any run of spaces and hyphens ("serum free" finds "serum-free"), and a trailing
  ``*`` matches any word ending ("aneuploid*" finds "aneuploidy").
* A topic's rules include its sub-topics' rules: a record about platelet lysate is a record
  about serum.
* Ids are stable, lower-case, and a sub-topic's id is ``<parent id>/<name>``
  ("genetic-stability/transformation").
* Top-level topics pin the landmarks listed in the file (those of ``landmarks.json``). A
  sub-topic shows its parent's landmarks whose seed record its rules match, plus the ones it pins
  itself (the file's ``landmarks`` of a sub-topic: papers that belong there although their
  title does not say so). The seed snapshot's records are used for that, so the assignment is
  the same on every machine and does not shift as richer records are fetched.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from mscterm import resources
from mscterm.model import DOI_RE, PMID_RE, Record, Topic, TopicRules, TrialsQuery

REVIEW_ID = "22685475"
"""PMID of the seed review (Wang et al., Stem Cells Int 2012), a node of its own in the tree."""

TOPIC_ID_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)*$")

KNOWN_FIELD_TAGS = frozenset(
    {
        "mesh terms", "mesh terms:noexp", "mh", "mh:noexp", "majr", "majr:noexp",
        "mesh major topic", "mesh subheading", "sh", "subheading", "tiab", "title/abstract",
        "ti", "title", "ab", "tw", "text word", "pt", "publication type", "dp",
        "date - publication", "la", "language", "au", "author", "ta", "journal", "sb", "subset",
        "edat", "crdt", "pmid", "ot", "other term",
    }
)  # fmt: skip
"""PubMed field tags a topic query may use (lower-case)."""


class TopicsError(ValueError):
    """The topic file is malformed (one plain sentence saying where)."""


# --------------------------------------------------------------------------------------------
# matching


TERM_RE = re.compile(r"^\w+(?:[ -]\w+)*\*?$")
"""A valid term: lower-case words joined by spaces or hyphens, optionally ending in ``*``."""


def record_text(record: Record) -> str:
    """The lower-cased text terms are matched in: title, abstract paragraphs and keywords.

    Pieces are joined by newlines so a phrase never spans a title and an abstract.
    """
    parts = [record.title]
    parts.extend(s.text for s in record.abstract)
    parts.extend(record.keywords)
    return "\n".join(p for p in parts if p).lower()


# Words, and runs of what may not stand inside a phrase. Only spaces, tabs, hyphens/dashes (and
# "_") may join the words of a phrase: never newlines or punctuation, so a phrase never spans
# a title and an abstract, or two sentences.
_TOKEN_RE = re.compile(r"[^\W_]+|[^\w \t\-‐‑–—]+")


def _tokens(text: str) -> list[str]:
    """Words of ``text``, with each run of phrase-breaking characters as one token between them.

    Anything but word characters, spaces and hyphens/dashes (punctuation, newlines) breaks a
    phrase; keeping it as a token means two words are adjacent exactly when a phrase may join
    them. Break tokens never equal a term word, so they never match.
    """
    return _TOKEN_RE.findall(text)


_Entry = tuple[tuple[str, ...], bool, frozenset[str]]


class _RuleIndex:
    """Rules of many topics compiled into sets and dictionaries of words and word pairs.

    ``topics_for`` is called for every cached record, thousands at a time, so instead of one
    regex per topic a record's text is split into words once and matched with set operations:
    words against the one-word terms, adjacent word pairs against the first two words of
    phrases, word heads against ``*`` terms. Longer phrases found as candidates that way are
    confirmed by one substring search over the words joined by spaces.
    """

    __slots__ = ("head", "mesh", "pair_keys", "pair_prefix", "pairs", "prefix", "single")

    def __init__(self, entries: Iterable[tuple[TopicRules, frozenset[str]]]) -> None:
        self.mesh: dict[str, set[str]] = {}
        single: dict[str, set[str]] = {}  # one exact word -> labels
        prefixes: dict[str, set[str]] = {}  # one word with "*" -> labels
        # (first, second) -> [(further words, last is a prefix, labels)]
        self.pairs: dict[tuple[str, str], list[_Entry]] = {}
        # two-word terms ending in "*": first word -> [(second word prefix, labels)]
        self.pair_prefix: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for rules, labels in entries:
            for name in rules.mesh:
                if name.strip():
                    self.mesh.setdefault(name.strip().lower(), set()).update(labels)
            for term in rules.terms:
                term = term.strip().lower()
                is_prefix = term.endswith("*")
                words = [w for w in re.split(r"[\s\-]+", term.rstrip("*")) if w]
                if len(words) == 1:
                    (prefixes if is_prefix else single).setdefault(words[0], set()).update(labels)
                elif len(words) == 2 and is_prefix:
                    self.pair_prefix.setdefault(words[0], []).append((words[1], labels))
                elif len(words) >= 2:
                    entry = (tuple(words[2:]), is_prefix, labels)
                    self.pairs.setdefault((words[0], words[1]), []).append(entry)
        self.single = {w: frozenset(labels) for w, labels in single.items()}
        self.pair_keys = frozenset(self.pairs)
        # prefix terms grouped by their first `head` letters: one dict lookup per word
        self.head = min((len(p) for p in prefixes), default=1)
        self.prefix: dict[str, list[tuple[str, frozenset[str]]]] = {}
        for p, group in prefixes.items():
            self.prefix.setdefault(p[: self.head], []).append((p, frozenset(group)))

    def labels(
        self, record: Record, tokens: list[str] | None = None, *, any_: bool = False
    ) -> set[str]:
        """Labels of every rule the record meets (with ``any_``, stop at the first)."""
        found: set[str] = set()
        for heading in record.mesh:
            hit = self.mesh.get(heading.descriptor.lower())
            if hit:
                found |= hit
                if any_:
                    return found
        if tokens is None:
            tokens = _tokens(record_text(record))
        unique = set(tokens)
        for word in unique.intersection(self.single):
            found |= self.single[word]
            if any_:
                return found
        if self.prefix:
            head = self.head
            for word in unique:
                for p, labels in self.prefix.get(word[:head], ()):
                    if word.startswith(p):
                        found |= labels
                        if any_:
                            return found
        firsts = unique.intersection(self.pair_prefix)
        pairs = self.pair_keys.intersection(itertools.pairwise(tokens)) if self.pairs else ()
        if not (firsts or pairs):
            return found
        # longer phrases: a substring search over the words joined by single spaces
        joined = " " + " ".join(tokens) + " "
        for first in firsts:
            for p, labels in self.pair_prefix[first]:
                if not labels <= found and f" {first} {p}" in joined:
                    found |= labels
                    if any_:
                        return found
        for pair in pairs:
            for rest, is_prefix, labels in self.pairs[pair]:
                if labels <= found:
                    continue
                if rest:
                    phrase = " " + " ".join((*pair, *rest)) + ("" if is_prefix else " ")
                    if phrase not in joined:
                        continue
                found |= labels
                if any_:
                    return found
        return found


def _subtree(topic: Topic) -> Iterator[Topic]:
    yield topic
    for child in topic.children:
        yield from _subtree(child)


_MATCH = frozenset({"match"})


def _topic_index(topic: Topic) -> _RuleIndex:
    """One topic's rules with its sub-topics' (a platelet-lysate record is a serum record)."""
    return _RuleIndex((t.rules, _MATCH) for t in _subtree(topic))


_INDEXES: dict[int, tuple[Topic, _RuleIndex]] = {}


def _index_for(topic: Topic) -> _RuleIndex:
    """The compiled rules of ``topic`` and its sub-topics, built once per Topic object."""
    hit = _INDEXES.get(id(topic))
    if hit is not None and hit[0] is topic:
        return hit[1]
    index = _topic_index(topic)
    _INDEXES[id(topic)] = (topic, index)  # holding the topic keeps its id() from being reused
    return index


def matches(topic: Topic, record: Record) -> bool:
    """Whether ``record`` belongs to ``topic`` by its rules (own or a sub-topic's).

    Landmark pins are not rules; :meth:`TopicMap.topics_for` adds those.
    """
    return bool(_index_for(topic).labels(record, any_=True))


# --------------------------------------------------------------------------------------------
# the map


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
                index = self._indexes[topic.id]
                ids = [
                    rid
                    for rid in inherited
                    if rid in own
                    or (
                        rid in self._landmark_records
                        and index.labels(self._landmark_records[rid], any_=True)
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


# --------------------------------------------------------------------------------------------
# loading


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


def count_by_topic(topic_map: TopicMap, records: Iterable[Record]) -> dict[str, int]:
    """How many of ``records`` belong to each topic (rules or pins): the overview's "cached"."""
    counts = dict.fromkeys((t.id for t in topic_map.walk()), 0)
    for record in records:
        for tid in topic_map.topics_for(record):
            counts[tid] += 1
    return counts


def review_reference_ids(topic_map: TopicMap | None = None) -> list[str]:
    """Record ids of the review's references known offline (the first five, in order).

    Online, elink ``pubmed_pubmed_refs`` gives the PMIDs PubMed knows for the whole list.
    """
    return list((topic_map or load_topics()).review_references)


# --------------------------------------------------------------------------------------------
# validation


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
