"""Atomic file writing: the one way mscterm replaces a file the user may care about.

Every writer (exports, cache snapshots, user state) goes through :func:`atomic_open`: the data
goes to a temp file in the target's folder, is flushed to disk, then renamed over the target.
A crash, a full disk or Ctrl-C at any point leaves the old file (or none) and no temp file --
never half of a file. The new file keeps the old one's permissions (a fresh one gets the
umask's), not mkstemp's private 0600.

Only regular files are replaced: a symlink is followed (the file it points to is replaced and
the link kept: dotfiles managed by symlinks, a .bib synced from elsewhere), and a FIFO, a device
or a socket at the path is refused with :class:`NotRegularFileError` -- replacing ``/dev/null``
or a named pipe by a regular file breaks whatever else uses it.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any


class NotRegularFileError(OSError):
    """The path exists but is not a regular file (a FIFO, a device, a socket, a directory)."""


def regular_target(path: str | os.PathLike[str]) -> Path:
    """The file a write to ``path`` replaces: symlinks followed; must be regular if it exists.

    Raises :class:`NotRegularFileError` for anything else.
    """
    target = Path(os.path.realpath(Path(path)))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        return target
    if not stat.S_ISREG(mode):
        raise NotRegularFileError(f"{path} is {describe(mode)}, not a regular file")
    return target


def describe(mode: int) -> str:
    """``a FIFO``, ``a character device``… for a stat mode (used in one-line messages)."""
    kinds = (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISREG, "a regular file"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _mode_for(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], *, text: bool = False) -> Iterator[IO[Any]]:
    """A file handle whose content replaces ``path`` only if the ``with`` block succeeds.

    Raises :class:`NotRegularFileError` (before anything is written) if ``path`` is not a
    regular file; a symlink's target is replaced, the link kept.
    """
    target = regular_target(path)
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
