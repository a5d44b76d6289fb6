"""What the topic tree is built from: the topic map and the cache/seed lookup.

The first frame is built from the map's outline alone (titles; no cache, no seed). The full map
and the cache lookup replace it on :meth:`TreeSource.attach`, right after the first frame or as
soon as anything needs more than titles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

from rich.text import Text

from mscterm.model import Record, Topic, is_trial_id
from mscterm.tui.nodes import REVIEW_PMID
from mscterm.tui.rows import Row, RowStyles, record_row
from mscterm.tui.safe import safe_text

if TYPE_CHECKING:
    from mscterm.model import Trial

Lookup = Callable[[str], Record | None]
"""Synchronous cache/seed lookup: never touches the network."""
TrialLookup = Callable[[str], "Trial | None"]
"""The cached trial of an NCT id (the Library's ``cached_trial``): never touches the network."""
Many = Callable[[list[str]], dict[str, Record]]
"""Synchronous batch lookup (one read for a whole list: sorting and filtering a list)."""
Source = tuple[Iterable[Topic], Callable[[str], list[str]], Lookup, Many]
"""(root topics, landmark ids of a topic, lookup, batch lookup): what :meth:`TreeSource.attach`
switches to."""

REVIEW_CITATION = "Wang et al. 2012 · Stem Cells Int"
"""The review's label until the cache/seed is read (the seed record's own short citation)."""


def _not_yet(rid: str) -> Record | None:
    """The lookup of a tree built from the outline: nothing is read before :meth:`attach`."""
    return None


def _no_trial(nct: str) -> Trial | None:
    return None


class TreeSource:
    """The topics, their landmarks and the record lookup (outline first, full map later)."""

    def __init__(
        self,
        topics: Iterable[Topic],
        landmark_ids: Callable[[str], list[str]],
        lookup: Lookup | None,
        full: Callable[[], Source] | None = None,
        trials: TrialLookup | None = None,
    ) -> None:
        self.topics = list(topics)
        self.landmark_ids = landmark_ids
        self.lookup: Lookup = lookup if lookup is not None else _not_yet
        self.many: Many = self._one_by_one
        self._full = full
        """Gives the full map and the cache lookup when ``topics`` is only an outline."""
        self.trial: TrialLookup = trials or _no_trial
        """Registered trials' rows are drawn from this (called only for NCT ids)."""

    def attach(self) -> bool:
        """Switch to the full map and the cache; False when that happened before."""
        if self._full is None:
            return False
        full, self._full = self._full, None
        topics, self.landmark_ids, self.lookup, self.many = full()
        self.topics = list(topics)
        return True

    def _one_by_one(self, rids: list[str]) -> dict[str, Record]:
        found = {rid: self.lookup(rid) for rid in rids}
        return {rid: record for rid, record in found.items() if record is not None}

    def walk(self) -> Iterator[Topic]:
        """Every topic of the map, parents first."""
        stack = list(reversed(self.topics))
        while stack:
            topic = stack.pop()
            yield topic
            stack.extend(reversed(topic.children))

    def find(self, topic_id: str) -> Topic | None:
        return next((t for t in self.walk() if t.id == topic_id), None)

    def review_label(self) -> Text:
        """``Review: Wang et al. 2012 · Stem Cells Int``."""
        review = self.lookup(REVIEW_PMID)
        who = review.short_citation if review else REVIEW_CITATION
        return Text.assemble(("Review: ", "bold"), safe_text(who, single_line=True))

    def topic_label(self, topic: Topic, on_pubmed: int | None) -> Text:
        """``Genetic stability (5)``, or ``(5 ★ · 1,234)`` once PubMed's total is known."""
        n = len(self.landmark_ids(topic.id))
        label = safe_text(topic.title, "bold", single_line=True)
        label.append(f" ({n})" if on_pubmed is None else f" ({n} ★ · {on_pubmed:,})", style="dim")
        return label

    def row(self, rid: str, styles: Callable[[], RowStyles]) -> Row:
        """The row of a record, or of a registered trial (status · phase · badge · title)."""
        if is_trial_id(rid):
            from mscterm.tui.trials.rows import trial_row  # trials are not in the first frame

            return trial_row(self.trial(rid), rid, styles())
        return record_row(self.lookup(rid), rid)

    def title(self, rid: str) -> str | None:
        """The title the cache knows for ``rid``."""
        record = self.lookup(rid)
        return record.title if record is not None else None
