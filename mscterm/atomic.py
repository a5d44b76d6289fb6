"""Atomic file writing: the one way mscterm replaces a file the user may care about.

Every writer (exports, cache snapshots, user state) goes through :func:`atomic_open`: the data
goes to a temp file in the target's folder, is flushed to disk, then renamed over the target.
A crash, a full disk or Ctrl-C at any point leaves the old file (or none) and no temp file --
never half of a file. The new file keeps the old one's permissions (a fresh one gets the
umask's), not mkstemp's private 0600.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], *, text: bool = False) -> Iterator[IO[Any]]:
    """A file handle whose content replaces ``path`` only if the ``with`` block succeeds."""
    target = Path(path)
    mode = _mode_for(target)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        opener: dict[str, Any] = {"encoding": "utf-8", "newline": "\n"} if text else {}
        with os.fdopen(fd, "w" if text else "wb", **opener) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomic(path: str | os.PathLike[str], data: str | bytes) -> None:
    """Replace ``path`` with ``data`` (str is written as UTF-8), creating its folder if needed."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with atomic_open(target) as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
