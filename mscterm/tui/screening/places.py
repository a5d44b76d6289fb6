"""Where a screening key acts: the tree and its pane, or a list of hits.

The keys are the same everywhere (``i x m n t ] [``); what differs is which record they act on,
which records come next, what to repaint and where to say what happened. A :class:`Place`
answers those questions for the main screen (:class:`TreePlace`: the record the pane shows, the
records of its topic or list) and for a :class:`~mscterm.tui.widgets.hit_list.HitList` in a
dialog (:class:`ListPlace`: the highlighted hit, the hits as arranged).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual.widgets import Tree

from mscterm.tui.nodes import RecordData
from mscterm.tui.safe import one_line
from mscterm.tui.screening import scope

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.model import Record
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.screens.report import Report
    from mscterm.tui.widgets.hit_list import HitList
    from mscterm.tui.widgets.topic_tree import TopicTree

Unscreened = Callable[[str], bool]


class Place(Protocol):
    """What a screening key needs to know about where it was pressed."""

    @property
    def title(self) -> str:
        """The topic or list the keys move through ("Genetic stability…", "Search: …")."""
        ...

    def current(self) -> str | None:
        """The record the keys act on."""
        ...

    def ids(self) -> list[str]:
        """The records of the topic or list, in order (progress, next unscreened)."""
        ...

    def records(self) -> list[Record]:
        """Those records as far as the cache has them (duplicates are looked for among them)."""
        ...

    def step(self, backwards: bool, unscreened: Unscreened) -> str | None:
        """Move to the next (previous) unscreened record and show it; its id, or None."""
        ...

    def changed(self, rids: set[str]) -> None:
        """These records' decisions changed: repaint what shows them here."""
        ...

    def say(self, text: str, *, error: bool = False) -> None:
        """Tell the person (the status line of the screen or dialog)."""
        ...


class TreePlace:
    """The main screen: the record the pane shows, the topic or list of the tree's cursor."""

    def __init__(
        self,
        tree: TopicTree,
        explorer: Explorer,
        library: Library,
        report: Report,
        *,
        shown: Callable[[], str | None],
        follow: Callable[[], None],
    ) -> None:
        self._tree = tree
        self._explorer = explorer
        self._library = library
        self._report = report
        self._shown = shown
        self._follow = follow
        self._records: tuple[tuple[str, ...], list[Record]] = ((), [])

    @property
    def title(self) -> str:
        found = scope.scope_node(self._tree.cursor_node)
        return scope.scope_title(self._tree, self._explorer, found) if found else "the tree"

    def current(self) -> str | None:
        return self._shown()

    def ids(self) -> list[str]:
        found = scope.scope_node(self._tree.cursor_node)
        if found is None:
            return []
        nodes = scope.record_nodes(self._tree, found)
        return [n.data.rid for n in nodes if isinstance(n.data, RecordData)]

    def records(self) -> list[Record]:
        # Read once per list (200 records take ~40 ms to decode); kept while the list is the same.
        ids = tuple(self.ids())
        if self._records[0] != ids:
            self._records = (ids, list(self._library.cached(ids).values()))
        return self._records[1]

    def step(self, backwards: bool, unscreened: Unscreened) -> str | None:
        tree = self._tree
        node = tree.cursor_node
        found = scope.scope_node(node)
        if node is None or found is None:
            return None
        data = node.data
        current = node if isinstance(data, RecordData) else None
        if isinstance(data, RecordData) and data.rid != self._shown():
            return None  # the pane shows another record than the cursor's: stay with it
        target = scope.step(scope.record_nodes(tree, found), current, unscreened, backwards)
        if target is None or not isinstance(target.data, RecordData):
            return None
        # The pane is brought to the record at once (follow); the tree's own news of the move
        # would come later and replace what the status line says about the decision.
        with tree.prevent(Tree.NodeHighlighted):
            tree.select_key(target.data.key)
        self._follow()
        return target.data.rid

    def changed(self, rids: set[str]) -> None:
        self._tree.marks_changed(rids)

    def say(self, text: str, *, error: bool = False) -> None:
        self._report.status(text, error=error)


class ListPlace:
    """A list of hits in a dialog (search, Marked view, screening view)."""

    def __init__(
        self,
        hits: HitList,
        title: str,
        *,
        say: Callable[[str, bool], None] | None = None,
        changed: Callable[[set[str]], None] | None = None,
    ) -> None:
        self._hits = hits
        self.title = title
        self._say = say or status_line(hits)
        self._changed = changed

    def current(self) -> str | None:
        return self._hits.highlighted_id()

    def ids(self) -> list[str]:
        return self._hits.ids()

    def records(self) -> list[Record]:
        return list(self._hits.records)

    def step(self, backwards: bool, unscreened: Unscreened) -> str | None:
        ids = self.ids()
        order = ids[::-1] if backwards else ids
        here = self.current()
        start = order.index(here) + 1 if here in order else 0
        for rid in order[start:]:
            if unscreened(rid):
                self._hits.highlighted = self._hits.get_option_index(rid)
                return rid
        return None

    def changed(self, rids: set[str]) -> None:
        self._hits.refresh_rows(rids)
        if self._changed is not None:
            self._changed(rids)

    def say(self, text: str, *, error: bool = False) -> None:
        self._say(text, error)


def status_line(hits: HitList) -> Callable[[str, bool], None]:
    """The status line of the dialog holding ``hits`` (``search-hits`` -> ``#search-status``);
    a notification where there is none."""
    from rich.text import Text
    from textual.widgets import Static

    prefix = (hits.id or "").split("-")[0]
    found = list(hits.screen.query(f"#{prefix}-status").results(Static)) if prefix else []

    def say(text: str, error: bool) -> None:
        if found:
            found[0].update(Text(one_line(text), style="bold" if error else ""))
        else:
            hits.notify(one_line(text), severity="error" if error else "information", markup=False)

    return say
