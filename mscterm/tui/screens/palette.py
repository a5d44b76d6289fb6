"""Entry points of the command palette and the search screen: go to an id, search, go offline.

Mixed into :class:`~mscterm.tui.screens.main.MainScreen` (``self`` is the screen);
:mod:`mscterm.tui.commands` calls these public methods.
"""

from __future__ import annotations

from mscterm.model import BadIdError, parse_id
from mscterm.tui.nodes import REVIEW_PMID


class PaletteMixin:
    """Go to PMID/DOI (and show where the tree has it), PubMed/local search, offline toggle."""

    def action_search(self, query: str = "", pubmed: bool = False) -> None:
        from mscterm.tui.screens.search import SearchScreen

        screen = SearchScreen(self.library, query)

        def opened(rid: str | None) -> None:
            if rid:
                self.open_record(rid)

        self.app.push_screen(screen, opened)
        if pubmed and query:
            self.call_after_refresh(screen.action_pubmed)

    def open_record(self, rid: str) -> None:
        """Show a record (from search or go-to): in the tree if it is there, else in the pane."""
        self.complete_startup()
        self._select_record(rid)
        self._show_record(rid)

    def _select_record(self, rid: str) -> bool:
        """Move the cursor to where the tree shows ``rid``; False when it shows it nowhere.

        Looks at the nodes that exist (a visible one first, then one in a loaded list), then
        at the review, then at the landmarks of every topic (whose nodes are created on the
        way: the topic and its parents are opened as if the person had). A ``doi:`` id also
        finds the record it names by its PMID, and the other way round.
        """
        tree = self.tree
        ids = {rid}
        record = self.library.get(rid)
        if record is not None:
            ids.update(i for i in (record.id, record.pmid) if i)
            if record.doi:
                ids.add(f"doi:{record.doi.lower()}")
        found = tree.record_nodes(ids)
        if found:
            return tree.select_key(found[0].data.key)  # type: ignore[union-attr]
        if tree.filter_text:
            return False  # the filtered tree shows what it shows
        if REVIEW_PMID in ids:
            return tree.select_key("review")
        topics = self.library.topics
        parents: dict[str, str] = {}
        for topic in tree.walk_topics():
            for child in topic.children:
                parents[child.id] = topic.id
            if not ids.intersection(topics.landmark_ids(topic.id)):
                continue
            path = [topic.id]
            while path[-1] in parents:
                path.append(parents[path[-1]])
            for topic_id in reversed(path):
                node = tree.node_by_key(f"t:{topic_id}")
                if node is None:
                    return False
                tree.ensure_populated(node)
            landmark = next(i for i in topics.landmark_ids(topic.id) if i in ids)
            return tree.select_key(f"t:{topic.id}/{landmark}")
        return False

    def goto_id(self, text: str) -> None:
        """Go to a PMID/DOI typed in the palette."""
        self.complete_startup()
        try:
            rid = parse_id(text)
        except BadIdError as exc:
            self.notify(str(exc), severity="warning", markup=False)
            return
        self.open_record(rid)

    def ask_goto(self) -> None:
        from mscterm.tui.screens.prompt import PromptDialog

        def done(value: str | None) -> None:
            if value:
                self.goto_id(value)

        self.app.push_screen(PromptDialog("Go to PMID or DOI", "e.g. 15833829"), done)

    def ask_pubmed(self) -> None:
        from mscterm.tui.screens.prompt import PromptDialog

        def done(value: str | None) -> None:
            if value:
                self.action_search(value, pubmed=True)

        self.app.push_screen(PromptDialog("Search PubMed", "e.g. mesenchymal tumorigenicity"), done)

    def toggle_offline(self) -> None:
        self.library.offline = not self.library.offline
        self._update_header()
        state = "offline: only the cache and the seed" if self.library.offline else "online"
        self._status(f"Now {state}.")
        self.notify(f"Now {state}.", markup=False)
