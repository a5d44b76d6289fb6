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

from mscterm.model import Topic
from mscterm.topics.errors import KNOWN_FIELD_TAGS, REVIEW_ID, TOPIC_ID_RE, TopicsError
from mscterm.topics.loading import load_topics, read_seed_records, review_reference_ids
from mscterm.topics.rules import TERM_RE, matches, record_text
from mscterm.topics.topicmap import TopicMap, count_by_topic
from mscterm.topics.validation import query_problems, validate

__all__ = [
    "KNOWN_FIELD_TAGS",
    "REVIEW_ID",
    "TERM_RE",
    "TOPIC_ID_RE",
    "Topic",
    "TopicMap",
    "TopicsError",
    "count_by_topic",
    "load_topics",
    "matches",
    "query_problems",
    "read_seed_records",
    "record_text",
    "review_reference_ids",
    "validate",
]
