"""The baseline of the TUI first-frame budget: the least a Textual explorer can be.

A ``Tree`` with one node, labelled like a topic title, beside a ``Static``. ``bench_tui`` starts
it in tmux exactly as it starts ``mscterm`` and times how long its label takes to appear, so the
budget (mscterm ≤ 1.3 × this) measures what mscterm adds over Python + Textual themselves on
this machine. It imports nothing of mscterm.

    python bench/minimal_app.py ["label"]
"""

from __future__ import annotations

import sys

from textual.app import App, ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static, Tree

LABEL = "Genetic stability in long-term culture"
"""Default node label: the first topic title of mscterm's map (what bench_tui waits for)."""


class MinimalApp(App[None]):
    """A Tree beside a Static; ``q`` quits."""

    BINDINGS = [("q", "quit", "Quit")]  # noqa: RUF012
    CSS = "Tree { width: 40%; } Static { width: 1fr; }"

    def __init__(self, label: str = LABEL) -> None:
        super().__init__()
        self.label = label

    def compose(self) -> ComposeResult:
        tree: Tree[None] = Tree("topics")
        tree.show_root = False
        tree.root.add_leaf(self.label)
        tree.root.expand()
        with Horizontal():
            yield tree
            yield Static("Reference pane")


def main(argv: list[str]) -> int:
    """Run the app until ``q``."""
    MinimalApp(argv[0] if argv else LABEL).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
