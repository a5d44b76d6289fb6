"""What the topic map's files may hold: the review's id, id and field-tag rules, the error."""

from __future__ import annotations

import re

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
