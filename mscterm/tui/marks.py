"""The marked references: one ordered set, held by the explorer and shared with the tree.

The tree changes it the moment space is pressed and then tells the screen (a message) to
persist it; because both hold the same object, a key that follows at once -- ``e`` typed right
after ``space``, as keys arrive in bursts over SSH -- already sees the new mark. The tree reads
it again each time it paints a reference's line.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


class Marks:
    """Record ids in the order they were marked."""

    def __init__(self, ids: Iterable[str] = ()) -> None:
        self._ids: dict[str, None] = dict.fromkeys(ids)

    def __contains__(self, rid: object) -> bool:
        return rid in self._ids

    def __iter__(self) -> Iterator[str]:
        return iter(list(self._ids))

    def __len__(self) -> int:
        return len(self._ids)

    def toggle(self, rids: Iterable[str]) -> set[str]:
        """Mark what is unmarked and unmark what is marked; returns the ids that changed."""
        changed: set[str] = set()
        for rid in rids:
            if rid in self._ids:
                del self._ids[rid]
            else:
                self._ids[rid] = None
            changed ^= {rid}
        return changed

    def replace(self, ids: Iterable[str]) -> set[str]:
        """Make ``ids`` the marked set (order kept); returns the ids that changed."""
        new = dict.fromkeys(ids)
        changed = set(new) ^ set(self._ids)
        self._ids = new
        return changed
