"""The screening keys: ``i`` include, ``x`` exclude (a reason), ``m`` maybe, ``n`` note, ``t`` tags,
``]``/``[`` the next/previous unscreened record; and the views (``V C P K``).

One rule, as for every record key: they act on the record shown (the pane's, or the highlighted
hit in a dialog), described by a :class:`~mscterm.tui.screening.places.Place`. The same decision
again clears it. After a decision the cursor moves to the next unscreened record of the topic or
list (Rayyan's flow: read, decide, next), unless the person turned that off (palette). A decision
on a record that has duplicates (the same work under another id) is offered for them too.

Everything is written through ``library.screening``; a write that fails (the state directory not
writable, an unknown id) is one line on the status line, never a crash, and nothing is shown as
decided that was not saved.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rich.text import Text

from mscterm.tui.safe import one_line
from mscterm.tui.screening import panel
from mscterm.tui.screening.places import ListPlace, Place, TreePlace
from mscterm.tui.screening.verdicts import DECISIONS, EXCLUDE, Verdicts, failures
from mscterm.tui.widgets.tree_search import record_ids_under

if TYPE_CHECKING:
    from textual.screen import Screen

    from mscterm.library import Library
    from mscterm.model import Record
    from mscterm.screening import Screening
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.main import MainScreen
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.hit_list import HitList
    from mscterm.tui.widgets.reference_pane import ReferencePane
    from mscterm.tui.widgets.topic_tree import TopicTree

ADVANCE_KEY = "screening_advance"
"""User state: whether a decision moves on to the next unscreened record (default: yes)."""
DONE = {"include": "Included", "exclude": "Excluded", "maybe": "Maybe"}
NOTHING = "Nothing to screen here: move to a record (the pane shows what keys act on)."
VIEWS = ("view", "criteria", "prisma", "conflicts", "toggle_advance")


def id_text(rid: str) -> str:
    return f"PMID {rid}" if rid.isdigit() else one_line(rid)


class Screener:
    """The screening keys of the main screen and of the lists in its dialogs."""

    def __init__(
        self,
        screen: Screen[Any],
        library: Library,
        explorer: Explorer,
        tree: TopicTree,
        pane: ReferencePane,
        report: Report,
        *,
        shown: Callable[[], str | None],
        follow: Callable[[], None],
        open_record: Callable[[str], None],
        marks_changed: Callable[[set[str]], None],
    ) -> None:
        self.screen = screen
        self.library = library
        self.explorer = explorer
        self.tree = tree
        self._pane = pane
        self._report = report
        self.open_record = open_record
        self.marks_changed = marks_changed
        """The shared marks changed in a dialog's list: persist and repaint (the screen's)."""
        self.verdicts = Verdicts(lambda: library.screening)
        self.verdicts.on_problem = lambda sentence: report.status(sentence, error=True)
        explorer.decision_of = self.verdicts.decision_of
        pane.decorate = self.decorate
        self.place = TreePlace(tree, explorer, library, report, shown=shown, follow=follow)
        self.advance = True
        self._told: set[str] = set()

    @property
    def service(self) -> Screening:
        return self.library.screening

    def start(self) -> None:
        """Once the cache is open: the saved preference; the decisions are read after the next
        frame (the service and the reviewer's file take a moment), then drawn, and damaged
        entries set aside are said at once, not at the first decision."""
        self.advance = self.library.state.get(ADVANCE_KEY, True) is not False
        self.screen.call_after_refresh(self.ready)

    def ready(self) -> None:
        """Read the decisions and draw them everywhere (once; a screening key does it first)."""
        if self.verdicts.ready:
            return
        self.verdicts.ready = True
        try:
            self.service.decisions()
        except failures() as exc:
            self._report.status(f"Screening decisions cannot be read: {one_line(exc)}", error=True)
        self.tell_warnings()
        self.tree.marks_changed(record_ids_under(self.tree, self.tree.root))
        self.restrip(self._pane, self.explorer.record)

    def tell_warnings(self) -> None:
        """Problems set aside while reading user state or decisions: each said once."""
        try:
            found = [*self.library.state.warnings, *self.service.warnings]
        except OSError as exc:
            found = [str(exc)]
        for warning in found:
            if warning not in self._told:
                self._told.add(warning)
                self.screen.notify(one_line(warning), severity="warning", markup=False)

    # -- the pane --------------------------------------------------------------------------------
    def decorate(self, pane: ReferencePane, record: Record, body: Text) -> None:
        """The pane shows ``record``: highlight the configured terms, show its decision strip."""
        terms = self.library.settings.highlight
        if terms.include or terms.exclude:
            get = pane.get_component_rich_style
            include = get("reference-pane--include-term", partial=True)
            exclude = get("reference-pane--exclude-term", partial=True)
            panel.highlight_terms(body, terms.include, terms.exclude, include, exclude)
        self.restrip(pane, record.id)

    def restrip(self, pane: ReferencePane, rid: str | None) -> None:
        """Show ``rid``'s decision in ``pane``'s strip (hidden when it has none)."""
        text, kind = panel.strip_text(self.verdicts.get(rid) if rid else None)
        pane.show_decision(text, kind)

    # -- keys ------------------------------------------------------------------------------------
    def main_key(self, what: str) -> None:
        """A key of the main screen (the record the pane shows; the tree's topic or list)."""
        self.ready()
        if what in VIEWS:
            from mscterm.tui.screening import opener

            getattr(opener, what)(self)
        else:
            self.key(what, self.place)

    def hits_key(self, hits: HitList, what: str) -> None:
        """A key in a list of hits (search, Marked view): the highlighted hit."""
        self.ready()
        self.key(what, ListPlace(hits, "these hits"))

    def key(self, what: str, place: Place) -> None:
        if what in ("next", "previous"):
            self._step(place, backwards=what == "previous")
            return
        rid = place.current()
        if rid is None:
            place.say(NOTHING)
        elif what in DECISIONS:
            self._decision_key(place, rid, what)
        elif what == "note":
            self._note(place, rid)
        elif what == "tags":
            self._tags(place, rid)

    def _step(self, place: Place, *, backwards: bool) -> None:
        if place.step(backwards, self.verdicts.unscreened) is None:
            where = "before" if backwards else "after"
            place.say(f"No unscreened record {where} this one in {place.title}.")

    def _decision_key(self, place: Place, rid: str, decision: str) -> None:
        if self.verdicts.decision_of(rid) == decision:  # the same key again clears it
            if self.write(place, {rid}, lambda s: s.decide([rid], None)):
                key = {"include": "i", "exclude": "x", "maybe": "m"}[decision]
                place.say(f"Cleared the decision on {id_text(rid)} ({key} sets it again).")
            return
        if decision != EXCLUDE:
            self._decided(place, rid, decision, None)
            return
        from mscterm.tui.screening.pickers import ReasonPicker

        try:
            reasons = self.service.reasons()
        except failures():
            reasons = list(self.library.settings.exclusion_reasons)

        def picked(reason: str | None) -> None:
            if reason:
                self._decided(place, rid, EXCLUDE, reason)
            else:
                place.say(f"{id_text(rid)} not excluded (no reason given).")

        title = f"Exclude {id_text(rid)}: why?"
        self.screen.app.push_screen(ReasonPicker(title, reasons), picked)

    def _decided(self, place: Place, rid: str, decision: str, reason: str | None) -> None:
        """Write the decision and move on; then (once the next record is on the screen) offer
        the decision for the record's duplicates, if it has any."""
        if not self.write(place, {rid}, lambda s: s.decide([rid], decision, reason=reason)):
            return
        said = f"{DONE[decision]} {id_text(rid)}" + (f" ({one_line(reason)})" if reason else "")
        self.move_on(place, said)
        from mscterm.tui.screening import twins

        self.screen.call_after_refresh(twins.offer, self, place, rid, (decision, reason), said)

    def move_on(self, place: Place, said: str) -> None:
        """After a decision: to the next unscreened record (if wanted), with the progress."""
        moved = place.step(False, self.verdicts.unscreened) if self.advance else None
        done = self.verdicts.progress(place.ids())
        text = f"{said} · {place.title}: {done.screened:,} of {done.total:,} screened"
        if self.advance and moved is None:
            text += " · no unscreened record after it"
        place.say(text)

    def _note(self, place: Place, rid: str) -> None:
        from mscterm.tui.screening.editors import NoteEditor

        current = self.verdicts.get(rid)

        def edited(note: str | None) -> None:
            if note is None:
                place.say("Note not changed.")
            elif self.write(place, {rid}, lambda s: s.annotate(rid, note=note)):
                kept = self.verdicts.get(rid)
                gone = kept is None or not kept.note
                place.say(f"Note {'deleted' if gone else 'saved'} on {id_text(rid)}.")

        note = current.note if current is not None else ""
        self.screen.app.push_screen(NoteEditor(f"Note on {id_text(rid)}", note), edited)

    def _tags(self, place: Place, rid: str) -> None:
        from mscterm.tui.screening.pickers import TagPicker

        current = self.verdicts.get(rid)
        try:
            in_use = self.service.tags_in_use()
        except failures():
            in_use = []

        def picked(tags: tuple[str, ...] | None) -> None:
            if tags is None:
                place.say("Tags not changed.")
            elif self.write(place, {rid}, lambda s: s.annotate(rid, tags=tags)):
                shown = ", ".join(tags) if tags else "none"
                place.say(f"Tags of {id_text(rid)}: {shown}.")

        tags = current.tags if current is not None else ()
        self.screen.app.push_screen(TagPicker(f"Tags of {id_text(rid)}", tags, in_use), picked)

    # -- writing ---------------------------------------------------------------------------------
    def write(self, place: Place, rids: set[str], work: Callable[[Screening], object]) -> bool:
        """Run ``work`` on the service; on success repaint every row and strip showing ``rids``
        (False, and one line said, when it failed: nothing is shown that was not saved)."""
        try:
            work(self.service)
        except failures() as exc:
            place.say(f"Not saved: {one_line(exc)}", error=True)
            return False
        finally:
            self.verdicts.forget()
        shown = self._aliases(rids)
        self.tree.marks_changed(shown)
        place.changed(shown)
        self.restrip(self._pane, self.explorer.record)
        self.tell_warnings()
        return True

    def _aliases(self, rids: set[str]) -> set[str]:
        """Every id the tree may show these records under (PMID, ``doi:``, the id given)."""
        found = set(rids)
        for rid in rids:
            record = self.library.get(rid)
            if record is not None:
                found.update(i for i in (record.id, record.pmid) if i)
                if record.doi:
                    found.add("doi:" + record.doi.lower())
        return found

    def set_advance(self, on: bool) -> None:
        self.advance = on
        with contextlib.suppress(OSError):
            self.library.state.set(ADVANCE_KEY, on)


def screener_for(main: MainScreen) -> Screener:
    """The main screen's screener, wired to its parts (the one place that knows their names)."""
    return Screener(
        main,
        main.library,
        main.explorer,
        main.topic_tree,
        main.pane,
        main.report,
        shown=main.shown_record,
        follow=main.follow_cursor,
        open_record=main.navigator.open_record,
        marks_changed=main._marks_changed,  # the screen persists and repaints marks
    )
