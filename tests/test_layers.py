"""The layers DESIGN.md draws: the UIs speak to the Library only; the plain modules stay plain.

Read as source (ast), not by importing, so a lazy import inside a function counts too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mscterm"

UI_MAY_NOT_IMPORT = ("mscterm.ncbi", "mscterm.ctgov", "mscterm.store", "mscterm.net", "httpx",
                     "diskcache", "sqlite3")  # fmt: skip
PLAIN = ("model", "results.py", "textsafe.py", "listing.py", "topics")
PLAIN_MAY_NOT_IMPORT = (*UI_MAY_NOT_IMPORT, "textual", "rich", "mscterm.library", "lxml")


def imported(path: Path) -> set[str]:
    """Every module name ``path`` imports, at any depth of the file."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def offending(paths: list[Path], banned: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{path.relative_to(PACKAGE.parent)} imports {name}"
        for path in paths
        for name in imported(path)
        if any(name == b or name.startswith(b + ".") for b in banned)
    )


@pytest.mark.parametrize("ui", ["tui", "commands"])
def test_the_user_interfaces_speak_only_to_the_library(ui: str) -> None:
    paths = sorted((PACKAGE / ui).rglob("*.py"))
    assert paths
    assert offending(paths, UI_MAY_NOT_IMPORT) == []


def test_the_plain_modules_import_no_ui_network_or_storage() -> None:
    paths = [
        p
        for name in PLAIN
        for p in (
            [PACKAGE / name] if name.endswith(".py") else sorted((PACKAGE / name).rglob("*.py"))
        )
    ]
    # topics reads the seed through the store's one seed reader (a JSON-lines reader, no cache).
    found = [f for f in offending(paths, PLAIN_MAY_NOT_IMPORT) if "mscterm.store.seed" not in f]
    assert found == []


def test_no_module_is_over_400_lines() -> None:
    long = [
        f"{p.relative_to(PACKAGE.parent)}: {n}"
        for p in sorted(PACKAGE.rglob("*.py"))
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 400
    ]
    assert long == []
