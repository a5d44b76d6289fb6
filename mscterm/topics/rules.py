"""Which topics a record belongs to: the match rules, compiled into one index per map.

A record matches a topic when any of the topic's MeSH descriptors is one of its MeSH headings,
or any of its terms occurs as a whole word or phrase in its title, abstract or keywords (the
package docstring, :mod:`mscterm.topics`, states the rules in full). This module is what the
store's topic labels are computed by (:mod:`mscterm.library.membership` hashes it).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator

from mscterm.model import Record, Topic, TopicRules

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
