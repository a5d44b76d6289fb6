"""The footer: Textual's, rebuilt only when the keys it shows change.

Textual's ``Footer`` recomposes (removes and mounts one widget per key) on every change of the
screen's bindings, which includes every focus change: ``tab`` between the tree and the pane
paid for it although the footer shows the same keys on both sides (``space`` marks in both:
the tree's binding in one, the screen's in the other).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import Footer

if TYPE_CHECKING:
    from textual.screen import Screen

Shown = tuple[tuple[str, str, bool], ...]


def shown_keys(screen: Screen[object]) -> Shown:
    """What the footer draws: each shown binding's key, description and whether it is enabled,
    in the screen's order (a click on a key presses the key, whichever action it runs)."""
    return tuple(
        (binding.key, binding.description, enabled)
        for _node, binding, enabled, _tooltip in screen.active_bindings.values()
        if binding.show
    )


class KeyFooter(Footer):
    """A footer that keeps its keys while the shown bindings stay the same."""

    def __init__(self) -> None:
        super().__init__()
        self._drawn: Shown | None = None

    def bindings_changed(self, screen: Screen[object]) -> None:
        shown = shown_keys(screen)
        if shown == self._drawn:
            return
        super().bindings_changed(screen)
        if screen.app.app_focus and self.is_attached and screen is self.screen:
            self._drawn = shown  # Textual rebuilds the keys now (else: at the next change)
