"""The right pane: a whole record, or a topic's overview, or a short note; scrollable.

Content arrives through methods (:meth:`ReferencePane.show_record`, :meth:`show_topic`, …); the
pane never fetches. Everything from a record is rendered through :func:`safe_text`, so hostile
titles show literally. Styles (the retraction banner, headings) live in ``styles/app.tcss``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from mscterm.citation import source_line
from mscterm.listing import CONCERN, RETRACTED, notices, resolution_text, safety
from mscterm.model import Record, Topic
from mscterm.tui.nodes import GROUP_TITLES
from mscterm.tui.overview import TopicStats, citation_label
from mscterm.tui.safe import one_line, safe_text

if TYPE_CHECKING:
    from mscterm.results import TopicCounts
    from mscterm.tui.explorer import ListState


def _heading(text: str) -> Text:
    return Text(f"\n{text}\n", style="bold underline")


def _fmt_count(value: Any) -> str:
    if value is None:
        return "…"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def record_text(
    record: Record,
    *,
    topics: Sequence[str] = (),
    landmark_of: Sequence[str] = (),
    marked: bool = False,
    journal: str = "abbrev",
) -> Text:
    """The record as the pane shows it (without the retraction banner, drawn separately);
    ``journal`` is the configured form (``abbrev`` or ``full``, which falls back to the
    abbreviation where the full title is unknown)."""
    out = Text()
    out.append_text(safe_text(record.title or "(no title)", "bold"))
    out.append("\n")
    if record.authors:
        names = ", ".join(a.display for a in record.authors if a.display)
        if record.authors_complete is False or (
            record.authors_complete is None and record.source == "seed"
        ):
            names += ", et al. (list may be partial)"
        out.append_text(safe_text(names))
        out.append("\n")
    shown = record
    if journal == "full" and record.journal:
        shown = dataclasses.replace(record, journal_abbrev=None)
    out.append_text(safe_text(source_line(shown) or "n.d.", "italic"))
    out.append("\n")
    ids = []
    if record.pmid:
        ids.append(f"PMID {record.pmid}")
    if record.doi:
        ids.append(f"DOI {record.doi}")
    if record.pmcid:
        ids.append(f"PMCID {record.pmcid}")
    if not record.pmid:
        ids.append(f"id {record.id}")
    out.append_text(safe_text(" · ".join(ids)))
    out.append("\n")
    if record.registry_ids:
        many = len(record.registry_ids) > 1
        out.append("Registered trials: " if many else "Registered trial: ", style="bold")
        out.append_text(safe_text(", ".join(record.registry_ids)))
        out.append(" (T opens them)\n" if many else " (T opens it)\n", style="dim")
    if marked:
        out.append("● marked for export\n", style="bold")
    if landmark_of:
        out.append("★ Landmark paper", style="bold")
        out.append_text(safe_text(" of: " + "; ".join(landmark_of)))
        out.append("\n")
    state = resolution_text(record.resolution) if not record.pmid else None
    if state:
        out.append_text(safe_text(f"PubMed lookup: {state}", "dim"))
        out.append("\n")
    if not record.is_full:
        out.append(
            "Citation-level record (seed); full record fetched when online.\n", style="italic dim"
        )

    if record.abstract:
        out.append_text(_heading("Abstract"))
        for section in record.abstract:
            if section.label:
                out.append_text(safe_text(section.label.upper() + ": ", "bold"))
            out.append_text(safe_text(section.text))
            out.append("\n")
    elif record.is_full:
        out.append_text(_heading("Abstract"))
        out.append("No abstract in PubMed.\n", style="dim")

    if record.mesh:
        out.append_text(_heading("MeSH terms (* major topic)"))
        for heading in record.mesh:
            term = heading.descriptor
            if heading.qualifiers:
                term += " / " + ", ".join(heading.qualifiers)
            if heading.major:
                out.append_text(safe_text(f"* {term}", "bold"))
            else:
                out.append_text(safe_text(f"  {term}"))
            out.append("\n")

    if record.publication_types:
        out.append_text(_heading("Publication types"))
        out.append_text(safe_text(", ".join(record.publication_types)))
        out.append("\n")
    if record.keywords:
        out.append_text(_heading("Keywords"))
        out.append_text(safe_text(", ".join(record.keywords)))
        out.append("\n")

    out.append_text(_heading("Topics"))
    if topics:
        for title in topics:
            out.append_text(safe_text(f"• {title}"))
            out.append("\n")
    else:
        out.append("Matches no topic of the map.\n", style="dim")
    return out


def retraction_text(record: Record) -> Text | None:
    """The banner of a retracted record, or of one under an expression of concern, naming
    the notice (``retraction notice: PMID 90000075``)."""
    signal = safety(record)
    if signal is None:
        return None
    if signal == RETRACTED:
        text = Text("⚠ RETRACTED PUBLICATION", style="bold")
        found = notices(record, RETRACTED)
        if found:
            text.append_text(safe_text(" — retraction notice: " + ", ".join(found)))
        text.append("\nDo not cite as evidence without reading the retraction.")
        return text
    text = Text("⚠ EXPRESSION OF CONCERN", style="bold")
    found = notices(record, CONCERN)
    if found:
        text.append_text(safe_text(" — notice: " + ", ".join(found)))
    text.append("\nThe journal has raised concerns about this article; read the notice.")
    return text


def topic_text(
    topic: Topic,
    *,
    landmarks: int,
    stats: TopicStats,
    counts: TopicCounts | None,
    offline: bool,
    trials: Text | None = None,
) -> tuple[Text, Text]:
    """(text above the sparkline, text below it) of a topic overview; ``trials`` is the
    section on the topic's registered trials (their publication gap), if it has any."""
    head = Text()
    head.append_text(safe_text(topic.title, "bold"))
    head.append("\n")
    if topic.description:
        head.append_text(safe_text(topic.description))
        head.append("\n")
    if topic.query:
        head.append("\nQuery: ", style="bold")
        head.append_text(safe_text(topic.query, "italic"))
        head.append("\n")

    on_pubmed = counts.on_pubmed if counts is not None else None
    new: int | str | None = counts.new_since_visit if counts is not None else None
    head.append("\n")
    head.append(f"{landmarks}", style="bold")
    head.append(" landmarks · ")
    head.append(f"{stats.cached:,}", style="bold")
    head.append(" cached · ")
    # "…" only while the counts may still arrive; say why when they cannot.
    if on_pubmed is None and (offline or (counts is not None and counts.error)):
        why = "offline" if offline else "PubMed did not answer"
        head.append(f"PubMed counts unavailable ({why})\n", style="dim")
    else:
        if new is None and counts is not None:
            new = "–"  # the first visit: nothing to compare with yet
        head.append(_fmt_count(on_pubmed), style="bold")
        head.append(" on PubMed · ")
        head.append(_fmt_count(new), style="bold")
        head.append(" new since last visit\n")

    head.append_text(_heading(f"Evidence mix ({stats.cached:,} cached records)"))
    if stats.mix:
        width = max(len(name) for name, _ in stats.mix)
        for name, n in stats.mix:
            head.append(f"{name:<{width}}  {n:>5,}\n")
    else:
        head.append("No cached records yet.\n", style="dim")

    head.append_text(_heading("Retracted"))
    if stats.retracted:
        for record in stats.retracted:
            word = "RETRACTED" if safety(record) == RETRACTED else "CONCERN"
            head.append(f"⚠ {word}", style="bold reverse")
            head.append(" ")
            head.append_text(safe_text(citation_label(record), single_line=True))
            head.append("\n")
    else:
        head.append("None among the cached records.\n", style="dim")
    if trials is not None:
        head.append_text(trials)

    series = stats.year_series()
    tail = Text()
    if series is None:
        head.append_text(_heading("Publications per year"))
        head.append("No dated records cached.\n", style="dim")
    else:
        first, last, _ = series
        head.append_text(_heading(f"Publications per year, {first}–{last} (cached records)"))
        tail.append(f"{first}", style="dim")
        tail.append(" … ", style="dim")
        tail.append(f"{last}", style="dim")
        peak = max(stats.years.values())
        tail.append(f"   peak {peak} per year", style="dim")
    return head, tail


def group_text(lst: ListState, *, query: str | None = None, owner: str | None = None) -> Text:
    """What a list is and how far it loaded (``query``: a topic's; ``owner``: whose links)."""
    text = Text(GROUP_TITLES.get(lst.kind, lst.kind), style="bold")
    text.append("\n")
    if lst.kind == "latest":
        text.append("The topic's PubMed query, newest first")
        if query:
            text.append(":\n")
            text.append(one_line(query), style="italic")
        text.append("\n")
    elif lst.kind == "references":
        text.append("What the review cites (PubMed's reference list; offline: the five")
        text.append(" references known from its page).\n")
    else:
        text.append(f"{'Similar to' if lst.kind == 'similar' else 'Citing'}: ")
        text.append(one_line(owner or f"PMID {lst.owner}"))
        text.append("\n")
    text.append_text(list_progress(lst))
    return text


def list_progress(lst: ListState) -> Text:
    """How far a list loaded (shown of total, loading, or how to load it), and its note: the
    last lines of every list's explanation, records' and trials' alike."""
    text = Text(style="dim")
    if lst.state == "loaded":
        total = lst.total if lst.total is not None else len(lst.ids)
        text.append(f"\n{len(lst.ids):,} shown of {total:,}.")
    elif lst.state == "loading":
        text.append("\nLoading…")
    else:
        text.append("\nPress enter (or l) to load.")
    if lst.note:
        text.append_text(safe_text(f"\n{lst.note}", "dim"))
    return text


class ReferencePane(VerticalScroll):
    """Record view / topic overview on the right; focusable so the keyboard can scroll it."""

    BINDINGS = [  # noqa: RUF012 -- Textual's own convention
        Binding("j", "scroll_down", "Scroll down", show=False),
        Binding("k", "scroll_up", "Scroll up", show=False),
        Binding("g", "scroll_home", "Top", show=False),
        Binding("G", "scroll_end", "Bottom", show=False),
    ]
    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "reference-pane--include-term",
        "reference-pane--exclude-term",
    }
    """Screening's highlighted inclusion / exclusion terms (styles/screening.tcss)."""

    decorate: Callable[[ReferencePane, Record, Text], None] | None = None
    """Screening's hook, called with each record shown and its body: highlights terms in the
    body and fills the decision strip (:meth:`show_decision`)."""

    def compose(self) -> ComposeResult:
        # The decision strip is docked at the top: it never scrolls away with the record.
        yield Static(id="pane-decision", classes="hidden")
        yield Static(id="pane-notice", classes="hidden")
        yield Static(Text("Loading…"), id="pane-body")
        # The sparkline (#pane-spark) is mounted before #pane-tail by the first topic overview.
        yield Static(id="pane-tail", classes="hidden")

    def _spark(self, data: list[float] | None) -> None:
        """Show ``data`` as the sparkline (mounting it the first time), or hide it."""
        spark_w: Any = next(iter(self.query("#pane-spark")), None)
        if spark_w is None:
            if not data:
                return
            from textual.widgets import Sparkline

            self.mount(Sparkline(data, id="pane-spark"), before="#pane-tail")
            return
        spark_w.data = data or []
        spark_w.set_class(not data, "hidden")

    def _set(
        self,
        body: Text | RenderableType,
        *,
        notice: Text | None = None,
        spark: list[float] | None = None,
        tail: Text | None = None,
    ) -> None:
        notice_w = self.query_one("#pane-notice", Static)
        notice_w.update(notice or Text())
        notice_w.set_class(notice is None, "hidden")
        self.query_one("#pane-body", Static).update(body)
        self._spark(spark)
        tail_w = self.query_one("#pane-tail", Static)
        tail_w.update(tail or Text())
        tail_w.set_class(tail is None or not tail.plain, "hidden")
        self.scroll_home(animate=False)

    def show_record(
        self,
        record: Record,
        *,
        topics: Sequence[str] = (),
        landmark_of: Sequence[str] = (),
        marked: bool = False,
        status: str | None = None,
        journal: str = "abbrev",
    ) -> None:
        """Show the whole record; ``status`` adds a dim line (e.g. "Fetching full record…")."""
        body = record_text(
            record, topics=topics, landmark_of=landmark_of, marked=marked, journal=journal
        )
        self.set_class(safety(record) == CONCERN, "concern")
        if self.decorate is not None:
            self.decorate(self, record, body)
        if status:
            body = Text.assemble(Text(status + "\n", style="dim italic"), body)
        self._set(body, notice=retraction_text(record))

    def show_topic(
        self,
        topic: Topic,
        *,
        landmarks: int,
        stats: TopicStats,
        counts: TopicCounts | None,
        offline: bool,
        trials: Text | None = None,
    ) -> None:
        """Show a topic's overview; call again when the PubMed counts arrive."""
        head, tail = topic_text(
            topic, landmarks=landmarks, stats=stats, counts=counts, offline=offline, trials=trials
        )
        series = stats.year_series()
        spark = series[2] if series is not None else None
        self.show_decision(None)
        self._set(head, spark=spark, tail=tail)

    def show_message(self, text: Text | str) -> None:
        """Show a short note (a group's explanation, "Loading…", an error)."""
        self.show_decision(None)
        self._set(text if isinstance(text, Text) else Text(text))

    def show_renderable(self, body: RenderableType) -> None:
        """Show something laid out for the pane's width each time it is drawn (a trial)."""
        self.show_decision(None)
        self.set_class(False, "concern")
        self._set(body)

    def show_decision(self, text: Text | None, kind: str = "") -> None:
        """The decision strip (None hides it); ``kind``: include, exclude, maybe or note."""
        strip = self.query_one("#pane-decision", Static)
        strip.update(text or Text())
        strip.set_class(text is None, "hidden")
        for name in ("include", "exclude", "maybe", "note"):
            strip.set_class(name == kind, f"-{name}")
