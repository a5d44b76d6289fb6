"""What the pane says about registered trials: a whole trial, a trial list, a topic's gap.

A trial is laid out for the pane's width each time it is drawn (:class:`TrialContent` is a Rich
renderable), so widening the tree or resizing the terminal never leaves a table wrapped through
its numbers. Every string from the registry (or the cache) goes through :mod:`~mscterm.tui.safe`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from rich.console import Console, ConsoleOptions
from rich.text import Text

from mscterm.model import Trial, TrialsQuery
from mscterm.trialtext import REGISTRY_URL, label, phase_label
from mscterm.tui.safe import one_line, safe_text
from mscterm.tui.trials.events import events_text, heading
from mscterm.tui.widgets.reference_pane import list_progress

if TYPE_CHECKING:
    from mscterm.trialstats import PublicationGap
    from mscterm.tui.explorer import ListState

NOT_GIVEN = "–"
PUBLICATIONS_HINT = (
    "l on the trial's row lists its Publications (these references and the PubMed records "
    "naming the trial) as records to read, mark with space and export."
)


def trial_url(nct: str) -> str:
    """The trial's page on ClinicalTrials.gov."""
    return REGISTRY_URL + one_line(nct)


def trial_citation(trial: Trial) -> str:
    """``Bayer. Comparison of … ClinicalTrials.gov identifier: NCT00791778. <page>``: how a
    manuscript cites a registration (sponsor, title, registry, number, address)."""
    parts = [one_line(trial.sponsor or ""), one_line(trial.title or trial.official_title or "")]
    head = ". ".join(p.rstrip(".") for p in parts if p)
    nct = one_line(trial.nct_id)
    return f"{head}. ClinicalTrials.gov identifier: {nct}. {trial_url(nct)}".lstrip(". ")


def _line(out: Text, text: str, style: str = "") -> None:
    out.append_text(safe_text(text, style))
    out.append("\n")


def facts_text(trial: Trial, *, marked: bool = False) -> Text:
    """Title, status, phases, design, enrollment, dates, sponsor, conditions, interventions."""
    out = Text()
    _line(out, trial.title or trial.official_title or "(no title)", "bold")
    kind = label(trial.study_type)
    _line(out, f"{trial.nct_id} · {label(trial.status)} · {phase_label(trial.phases)} · {kind}")
    enrolled = f"Enrollment {trial.enrollment:,}" if trial.enrollment is not None else ""
    results = {True: "results posted", False: "no results posted", None: "results: not known"}
    posted = results[trial.has_results]
    if trial.results_first_posted:
        posted += f" {trial.results_first_posted}"
    said = " · ".join(p for p in (enrolled, posted) if p)
    _line(out, said[:1].upper() + said[1:])
    if marked:
        out.append("● marked for export\n", style="bold")
    design = trial.design
    if design is not None:
        shown = [label(p).lower() for p in (design.allocation, design.model, design.purpose) if p]
        if design.masking:
            shown.append(f"masking: {label(design.masking).lower()}")
        if shown:
            _line(out, "Design: " + ", ".join(shown))
    dates = [
        ("start", trial.start_date),
        ("primary completion", trial.primary_completion_date),
        ("completion", trial.completion_date),
    ]
    _line(out, "Dates: " + (" · ".join(f"{k} {v}" for k, v in dates if v) or NOT_GIVEN))
    _line(out, f"Sponsor: {trial.sponsor or NOT_GIVEN}")
    _line(out, "Conditions: " + ("; ".join(trial.conditions) or NOT_GIVEN))
    given = [
        f"{i.name} ({label(i.type).lower()})" if i.type else i.name for i in trial.interventions
    ]
    _line(out, "Interventions: " + ("; ".join(given) or NOT_GIVEN))
    _line(out, trial_url(trial.nct_id), "dim")
    return out


def publications_text(trial: Trial) -> Text:
    """The registry's references (type, PMID, citation), and how to open them as records."""
    out = heading("Publications")
    if not trial.publications:
        out.append("The registry lists no references.\n", style="dim")
    for pub in trial.publications:
        kind = label(pub.type) if pub.type else "Reference"
        head = f"{kind} · PMID {one_line(pub.pmid)}" if pub.pmid else f"{kind} (no PMID)"
        _line(out, head, "bold")
        if pub.citation:
            _line(out, pub.citation)
    out.append(PUBLICATIONS_HINT + "\n", style="dim italic")
    return out


def trial_text(
    trial: Trial,
    width: int,
    *,
    marked: bool = False,
    events_note: str | None = None,
) -> Text:
    """The whole trial for a pane ``width`` cells wide; ``events_note`` says what stands where
    the adverse events would be (being fetched, not cached offline, failed)."""
    out = facts_text(trial, marked=marked)
    if trial.adverse_events is not None:
        out.append_text(events_text(trial.adverse_events, width))
    else:
        out.append_text(heading("Adverse events"))
        if events_note:
            _line(out, events_note, "italic")
        elif trial.has_results is False:
            out.append("No results posted on the registry: no adverse events to show.\n")
        elif trial.has_results:
            out.append("Results are posted, but the registry sent no adverse events.\n")
        else:
            out.append("Not known whether results are posted.\n", style="dim")
    out.append_text(publications_text(trial))
    if trial.official_title and trial.official_title != trial.title:
        out.append_text(heading("Official title"))
        _line(out, trial.official_title)
    return out


class TrialContent:
    """A trial as a Rich renderable, laid out for whatever width it is drawn at."""

    def __init__(
        self,
        trial: Trial,
        *,
        marked: bool = False,
        events_note: str | None = None,
    ) -> None:
        self.trial = trial
        self.marked = marked
        self.events_note = events_note
        self._laid_out: dict[int, Text] = {}

    def text(self, width: int) -> Text:
        """The trial laid out for ``width`` cells (kept: the pane draws it many times)."""
        found = self._laid_out.get(width)
        if found is None:
            found = self._laid_out[width] = trial_text(
                self.trial, width, marked=self.marked, events_note=self.events_note
            )
        return found

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        yield self.text(options.max_width)


def gap_text(gap: PublicationGap | None, *, note: str | None = None) -> Text:
    """The publication gap of a topic's registered trials, one count a line; ``note`` says why
    there is none yet (not fetched, offline, counting)."""
    out = heading("Registered trials (ClinicalTrials.gov)")
    if gap is None:
        out.append(note or "Not fetched yet.", style="dim")
        out.append("\n")
        return out
    rows = [
        (gap.registered, "registered"),
        (gap.completed, "completed"),
        (gap.with_results, "with results posted"),
        (gap.with_publication, "with a linked publication"),
        (gap.silent, "completed more than two years ago with neither"),
    ]
    width = max(len(f"{n:,}") for n, _ in rows)
    for n, what in rows:
        out.append(f"{n:>{width},}", style="bold")
        out.append(f" {what}\n")
    if gap.undated:
        out.append(f"({gap.undated} completed without a usable date not counted)\n", style="dim")
    return out


def query_text(query: TrialsQuery) -> Text:
    """A trials query's parts, as the registry is asked (interventions AND conditions/terms)."""
    out = Text()
    for name, value in (("Interventions", query.intr), ("Conditions", query.cond),
                        ("Any field", query.term)):  # fmt: skip
        if value:
            out.append(f"{name}: ", style="bold")
            out.append_text(safe_text(one_line(value), "italic"))
            out.append("\n")
    return out


def trial_group_text(lst: ListState, *, query: TrialsQuery | None = None) -> Text:
    """What a trial list is and how far it loaded: a topic's registered trials (``query``) or
    a trial's publications."""
    from mscterm.tui.trials.rows import TRIAL_LEGEND

    out = Text()
    if lst.kind == "trials":
        out.append("Registered trials\n", style="bold")
        out.append("The topic's trials on ClinicalTrials.gov, newest registration first.\n")
        if query is not None:
            out.append_text(query_text(query))
        out.append("\nEach row: status · phase · badge · title\n", style="dim")
        for sign, meaning in TRIAL_LEGEND[2:]:
            out.append(f"  {sign}  {meaning}\n", style="dim")
    else:
        out.append("Publications\n", style="bold")
        out.append_text(safe_text(f"The papers of {lst.owner}: the registry's references "
                                  "(RESULT, DERIVED, BACKGROUND) and the PubMed records whose "
                                  "data bank list names the trial.\n"))  # fmt: skip
    out.append_text(list_progress(lst))
    return out
