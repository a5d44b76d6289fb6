"""Command palette (ctrl+p): go to a PMID, search PubMed, export, go on/offline.

The theme picker comes from Textual's own system commands. Typing a PMID or DOI straight into
the palette offers "Go to …" for it, and any other text offers a PubMed search for it, so the
palette doubles as a quick prompt.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from mscterm.model import BadIdError, parse_any_id
from mscterm.tui.safe import one_line
from mscterm.tui.screens.main import MainScreen


class MscCommands(Provider):
    """mscterm's own palette commands."""

    def _main(self) -> MainScreen | None:
        """The main screen (below the palette)."""
        for screen in self.app.screen_stack:
            if isinstance(screen, MainScreen):
                return screen
        return None

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        main = self._main()
        if main is None:
            return []
        offline = main.library.offline
        navigator = main.navigator
        return [
            ("Go to PMID, DOI or NCT id…", "open a record or trial by its id", navigator.ask_goto),
            ("Search PubMed…", "run a PubMed query and list the hits", navigator.ask_pubmed),
            ("Search the local cache", "the / screen", navigator.search),
            ("Export marked references…", "BibTeX, BibLaTeX, CSL-JSON or RIS", main.action_export),
            (
                "Go online" if offline else "Go offline",
                "use the network again" if offline else "use only the cache and the seed",
                navigator.toggle_offline,
            ),
            ("Help: keys and search syntax", "the ? screen", main.action_help),
        ]

    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(name, callback, help=help_text)

    async def search(self, query: str) -> Hits:
        main = self._main()
        if main is None:
            return
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(score, matcher.highlight(name), callback, help=help_text)
        text = query.strip()
        if not text:
            return
        try:
            rid = parse_any_id(text)
        except BadIdError:
            rid = None
        if rid is not None:
            # Content, not str: the palette parses str prompts as markup, and this is typed text.
            label = f"Go to {rid}"
            yield Hit(
                1.0,
                Content(label),
                partial(main.navigator.goto_id, rid),
                text=label,
                help="open this record",
            )
        elif len(text) > 2:
            label = f"Search PubMed for: {one_line(text)}"
            yield Hit(
                0.5,
                Content(label),
                partial(main.navigator.search, text, True),
                text=label,
                help="PubMed esearch, newest first",
            )
