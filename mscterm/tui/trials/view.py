"""What the pane shows for registered trials: a trial, a trial list, a topic's publication gap.

Like :class:`~mscterm.tui.screens.pane_view.PaneView` (which hands trials here), it reads the
cache and draws at once, and asks the workers for what is missing: a trial not cached, or a
summary trial from a list whose results are posted (its adverse events come with the full
study), and a topic's publication gap once its list of trials is kept. A trial is shown as
``("record", nct)`` in :attr:`Explorer.shown <mscterm.tui.explorer.Explorer.shown>`, so the
record keys (``space``, ``e``, screening) act on it as on any record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING

from rich.text import Text

from mscterm.trialtext import label, phase_label
from mscterm.tui.explorer import FAILED, LOADED, LOADING
from mscterm.tui.nodes import GROUP_TITLES
from mscterm.tui.trials.loaders import TrialLoaders
from mscterm.tui.trials.pages import trials_key
from mscterm.tui.trials.rows import PUBLISHED, RESULTS, SILENT, badge
from mscterm.tui.trials.text import TrialContent, gap_text, trial_group_text

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.model import Topic, Trial
    from mscterm.trialstats import PublicationGap
    from mscterm.tui.explorer import Explorer, ListState
    from mscterm.tui.screens.report import Report
    from mscterm.tui.trials.answers import GapCounted, TrialFetched
    from mscterm.tui.widgets.reference_pane import ReferencePane
    from mscterm.tui.widgets.topic_tree import TopicTree
    from mscterm.tui.workers import Loaders

BADGE_WORDS = {
    RESULTS: "results posted",
    PUBLISHED: "publication linked",
    SILENT: "nothing reported 2+ years after completion",
}
Follow = Callable[..., None]
"""The pane's status line for what it shows: ``follow(message, error=False)``."""


def is_complete(trial: Trial) -> bool:
    """All the registry would send: its adverse events, or no results to have them."""
    from mscterm.library.trials import is_complete as complete

    return complete(trial)


class TrialView:
    """Shows trials, trial lists and publication gaps in the pane; fetches what is missing."""

    def __init__(
        self,
        pane: ReferencePane,
        tree: TopicTree,
        library: Library,
        explorer: Explorer,
        loaders: Loaders,
        report: Report,
        *,
        follow: Follow,
        refresh: Callable[[set[str] | None], None],
    ) -> None:
        self._pane = pane
        self._tree = tree
        self._library = library
        self._explorer = explorer
        self._report = report
        self._follow = follow
        self._refresh = refresh
        self.loaders = TrialLoaders(library, loaders)
        self.content: TrialContent | None = None
        """The trial the pane shows now (None: a note stands in for it)."""
        self.tried: set[str] = set()
        """Trials asked for whole this session (a failure is not retried on every move; a
        list's rows count as seen, not as tried: their adverse events are still to come)."""
        self.failed: dict[str, str] = {}
        """NCT ids whose last fetch failed -> the sentence saying why."""
        self._gaps: dict[str, tuple[tuple[int, str], PublicationGap | None, str | None]] = {}
        """Topic id -> (its list's load and state, the gap counted then, the failure if any)."""
        self._counting: tuple[str, tuple[int, str]] | None = None

    # -- a trial -----------------------------------------------------------------------------
    def show(self, nct: str) -> None:
        """The trial from the cache; fetched whole (once, after a short rest) when it is not
        there or only its summary is (a list's row with results posted)."""
        library, explorer = self._library, self._explorer
        trial = library.cached_trial(nct)
        offline = library.offline
        failed = self.failed.get(nct)
        wants = nct not in self.tried and (trial is None or not is_complete(trial))
        if trial is None:
            if failed:
                note = f"{nct} could not be fetched: {failed}\nr retries."
            elif wants and not offline:
                note = f"Loading {nct} from ClinicalTrials.gov…"
            elif offline:
                note = f"{nct} is not in the cache, and mscterm is offline."
            else:
                note = f"{nct}: ClinicalTrials.gov has no such trial."
            self.content = None
            self._pane.show_message(Text(note, style="italic"))
        else:
            self.content = TrialContent(
                trial, marked=nct in explorer.marks, events_note=self._events_note(wants, failed)
            )
            self._pane.show_renderable(self.content)
        explorer.shown = ("record", nct)
        self._follow_trial(nct, trial, failed)
        if wants and not offline:
            self.loaders.fetch_trial(nct)

    def _events_note(self, wants: bool, failed: str | None) -> str | None:
        """What stands where the adverse events of a summary trial would be."""
        if failed:
            return f"The full study could not be fetched: {failed} · r retries."
        if wants and not self._library.offline:
            return "Fetching the full study with its adverse events…"
        if self._library.offline:
            return "Only the summary is cached (offline): r fetches the full study when online."
        return None

    def _follow_trial(self, nct: str, trial: Trial | None, failed: str | None) -> None:
        reason = self._report.offline_reason()
        if failed and reason is not None:  # the network went away: one calm line
            self._follow(self._report.offline_line(reason))
            return
        if failed:
            self._follow(f"{nct} could not be fetched: {failed} · r retries", error=True)
            return
        parts = [nct]
        if trial is not None:
            parts += [label(trial.status), phase_label(trial.phases)]
            sign = badge(trial, dt.date.today())
            parts += [BADGE_WORDS[letter] for letter in sign]
        elif self._library.offline:
            parts.append("not in the cache (offline)")
        marks = self._explorer.marks
        if nct in marks:
            parts.append(f"marked ({len(marks):,} in all: M lists them)")
        else:
            parts.append("space marks · l publications")
        self._follow(" · ".join(parts))

    def fetched(self, message: TrialFetched) -> None:
        """The trial shown came back whole (or could not)."""
        nct = message.nct
        self.tried.add(nct)
        if message.error:
            self.failed[nct] = message.error
        else:
            self.failed.pop(nct, None)
        self._tree.records_changed([nct])
        if message.error:
            self._report.fail(f"{nct} could not be fetched: {message.error}")
        if self._explorer.shown == ("record", nct):
            self._refresh({nct})
        elif message.missing:
            self._report.status(f"{nct}: ClinicalTrials.gov has no such trial.")

    def refresh(self, nct: str) -> None:
        """``r`` on a trial: ask the registry again (the cached study is kept if that fails)."""
        self.tried.discard(nct)
        self._report.status(f"Fetching {nct} again…")
        self.loaders.fetch_trial(nct, refresh=True)

    # -- a trial list --------------------------------------------------------------------------
    def group(self, lst: ListState) -> None:
        """What a trial list is (a topic's trials query) and how far it loaded."""
        topic = self._library.topics.get(lst.owner) if lst.kind == "trials" else None
        query = topic.trials_query if topic is not None else None
        self._pane.show_message(trial_group_text(lst, query=query))
        self._explorer.shown = ("group", lst.key)
        title = GROUP_TITLES.get(lst.kind, lst.kind)
        if lst.state == FAILED and lst.error:
            self._follow(f"{title} could not load: {lst.error} · r retries", error=True)
        elif lst.state == LOADED:
            total = lst.total if lst.total is not None else len(lst.ids)
            self._follow(f"{title}: {len(lst.ids):,} shown of {total:,} · r fetches again")
        elif lst.state == LOADING:
            self._follow(f"{title}: loading… (escape cancels)")
        else:
            self._follow(f"{title}: {lst.note or 'enter loads it'}")

    # -- a topic's publication gap -------------------------------------------------------------
    def gap_section(self, topic: Topic) -> Text | None:
        """The overview's "Registered trials" section (None: the topic has no trials query).
        Counted in the background once the topic's list is kept; calm until then."""
        if topic.trials_query is None:
            return None
        lst = self._explorer.lists.get(trials_key(topic.id))
        load = (lst.generation, lst.state) if lst is not None else (0, "")
        known = self._gaps.get(topic.id)
        if known is not None and known[0] == load:
            _, gap, error = known
            note = f"Could not be counted: {error}" if error else self._not_fetched()
            return gap_text(gap, note=note)
        count = self._library.topic_trial_count(topic.id)
        if count is None:
            return gap_text(None, note=self._not_fetched())
        if self._counting != (topic.id, load):
            self._counting = (topic.id, load)
            self.loaders.count_gap(topic.id, lst.generation if lst is not None else 0)
        return gap_text(None, note=f"{count:,} registered · counting the publication gap…")

    def _not_fetched(self) -> str:
        if self._library.offline:
            return "Not fetched yet (offline)."
        return "Not fetched yet: open Registered trials under the topic to load them."

    def gap_counted(self, message: GapCounted) -> None:
        """A topic's gap arrived: kept for its list's load, shown if its overview is."""
        topic_id = message.topic_id
        lst = self._explorer.lists.get(trials_key(topic_id))
        load = (lst.generation, lst.state) if lst is not None else (0, "")
        if self._counting is not None and self._counting[0] == topic_id:
            self._counting = None
        if lst is not None and lst.generation != message.generation:
            return  # counted over an earlier load of the list
        self._gaps[topic_id] = (load, message.gap, message.error)
        if self._explorer.shown == ("topic", topic_id):
            self._refresh(None)
