"""Where the files shipped beside the code live: styles and the seed snapshot.

In a checkout they sit at the repository's top level (``styles/``, ``cache/``); in a wheel,
hatch's force-include puts them inside the package as ``_styles`` and ``_seed``.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _first_existing(*candidates: Path) -> Path:
    for path in candidates:
        if path.exists():
            return path
    return candidates[0]


def styles_dir() -> Path:
    """Folder of the app's ``.tcss`` files."""
    return _first_existing(_PACKAGE / "_styles", _PACKAGE.parent / "styles")


def seed_dir() -> Path:
    """Folder of the shipped seed snapshot (``records.jsonl``)."""
    return _first_existing(_PACKAGE / "_seed", _PACKAGE.parent / "cache")


def seed_records_path() -> Path:
    """The seed snapshot's JSON-lines file of records."""
    return seed_dir() / "records.jsonl"


def topics_path() -> Path:
    """The safety topic map shipped with the package."""
    return _PACKAGE / "data" / "topics.toml"
