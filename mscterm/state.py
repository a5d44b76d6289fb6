"""User state that outlives the cache: marks, expanded nodes, cursor, topic visits, citation keys.

It lives in the platformdirs *state* directory (not the cache), so ``mscterm cache clear`` never
erases a person's marks or the citation keys their manuscript already uses. Writes are atomic
(temp file + rename) and merge with what another process wrote meanwhile, so two mscterm
processes do not lose each other's marks or pinned keys.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from mscterm.atomic import write_atomic

STATE_FILE = "state.json"


class UserState:
    """A small JSON document of user state, re-read before each change, written atomically."""

    def __init__(self, state_dir: Path) -> None:
        self.path = Path(state_dir) / STATE_FILE
        self._data: dict[str, Any] = self._read()

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError):
            # An unreadable state file is kept aside for the user, never silently overwritten.
            with contextlib.suppress(OSError):
                self.path.replace(self.path.with_suffix(".corrupt.json"))
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self) -> None:
        write_atomic(self.path, json.dumps(self._data, indent=1, sort_keys=True))

    # -- marks -------------------------------------------------------------------------------
    @property
    def marks(self) -> list[str]:
        """Marked record ids, in the order they were marked."""
        return list(self._data.get("marks", []))

    def set_marks(self, ids: Iterable[str]) -> None:
        """Replace the marked set (the TUI owns marking; this persists it)."""
        self._data = self._read()
        self._data["marks"] = list(dict.fromkeys(ids))
        self._save()

    # -- tree position -----------------------------------------------------------------------
    def get(self, key: str, default: Any = None) -> Any:
        """A free-form value (``expanded``, ``cursor``, ``theme``…)."""
        return self._data.get(key, default)

    def set(self, key: str, value: Any) -> None:
        """Persist a free-form JSON value."""
        self._data = self._read()
        self._data[key] = value
        self._save()

    # -- topic visits ------------------------------------------------------------------------
    def last_visit(self, topic_id: str) -> str | None:
        """ISO date (YYYY/MM/DD, NCBI's format) of the user's last visit to a topic."""
        return self._data.get("visits", {}).get(topic_id)

    def record_visit(self, topic_id: str, day: str) -> None:
        """Remember that the user looked at a topic on ``day`` (YYYY/MM/DD)."""
        self._data = self._read()
        self._data.setdefault("visits", {})[topic_id] = day
        self._save()

    # -- citation keys -----------------------------------------------------------------------
    @property
    def citekeys(self) -> dict[str, str]:
        """Pinned citation keys: record id -> key. The first export of a record fixes its key."""
        return dict(self._data.get("citekeys", {}))

    def pin_citekeys(self, new: dict[str, str]) -> dict[str, str]:
        """Pin keys for records that have none yet; returns the full, merged mapping.

        Keys already pinned (by this or another process) win over the proposed ones.
        """
        self._data = self._read()
        pinned: dict[str, str] = self._data.setdefault("citekeys", {})
        changed = False
        for rid, key in new.items():
            if rid not in pinned:
                pinned[rid] = key
                changed = True
        if changed:
            self._save()
        return dict(pinned)
