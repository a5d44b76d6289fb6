"""Drive a real terminal program inside tmux: what the end-to-end tests and ``bench/`` see.

Pilot tests (``App.run_test``) exercise the app in-process; only a real terminal shows what a
person over SSH gets: the process starts from its console script, draws through a terminal
emulator, reads keys from a pty and must hand the terminal back when it exits. tmux is that
terminal here: :class:`TmuxSession` starts a command in a detached session of a fixed size,
sends keys with ``send-keys`` and reads the screen with ``capture-pane``.

Every session runs on its own tmux server (a private socket, ``tmux -L <unique name>``, with no
user configuration), so a test never touches the user's tmux and cleaning up is one
``kill-server``. Used as a context manager, the server is killed even when the test fails.

    with TmuxSession([sys.executable, "-m", "mscterm"], env=env, width=80, height=24) as tmux:
        tmux.wait_for("Cryopreservation")
        tmux.send_keys("j", "Enter")
        screen = tmux.capture()
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType

__all__ = ["TmuxError", "TmuxSession", "require_tmux", "tmux_path"]

Check = str | Callable[[str], bool]
"""What :meth:`TmuxSession.wait_for` waits for: a substring of the screen, or a predicate."""

_CONFIG = """\
set -g default-terminal "{term}"
set -g status off
set -g escape-time 0
set -g history-limit 2000
set -g remain-on-exit off
set -g destroy-unattached off
set -g exit-empty on
"""


class TmuxError(RuntimeError):
    """A tmux command failed (the message carries tmux's own words)."""


def tmux_path() -> str | None:
    """The tmux executable, or ``None`` when it is not installed."""
    return shutil.which("tmux")


def require_tmux() -> str:
    """The tmux executable; skips the calling test when tmux is absent."""
    path = tmux_path()
    if path is None:
        import pytest

        pytest.skip("tmux is not installed")
    return path


class TmuxSession:
    """One command running in a detached tmux session of ``width`` × ``height`` cells.

    ``command`` is an argv list (run directly, no shell) or a shell command string. ``env`` is
    the *whole* environment of the command (default: this process's, minus ``TMUX``); ``TERM``
    is set from ``term`` because tmux itself sets it from its ``default-terminal`` option.
    """

    def __init__(
        self,
        command: Sequence[str] | str,
        *,
        width: int = 80,
        height: int = 24,
        env: Mapping[str, str] | None = None,
        cwd: Path | str | None = None,
        term: str = "xterm-256color",
        name: str | None = None,
    ) -> None:
        self.command = command
        self.width = width
        self.height = height
        self.term = term
        self.cwd = Path(cwd) if cwd is not None else Path.cwd()
        base = dict(os.environ if env is None else env)
        base.pop("TMUX", None)
        base.pop("TMUX_PANE", None)
        base["TERM"] = term
        self.env = base
        unique = f"{os.getpid()}-{uuid.uuid4().hex[:10]}"
        self.socket = f"mscterm-{name or 'test'}-{unique}"
        self.session = "s"
        self.target = f"{self.session}:0.0"
        self._tmp: tempfile.TemporaryDirectory[str] | None = None
        self._config: Path | None = None
        self._tmux = tmux_path()
        self.started_at: float | None = None
        """``time.perf_counter()`` just before ``new-session`` was run."""
        self.last_screen = ""

    # -- lifecycle ----------------------------------------------------------------------------
    def start(self) -> TmuxSession:
        """Start the tmux server and the command; raises :class:`TmuxError` if tmux fails."""
        if self._tmux is None:
            raise TmuxError("tmux is not installed")
        self._tmp = tempfile.TemporaryDirectory(prefix="mscterm-tmux-")
        config = Path(self._tmp.name) / "tmux.conf"
        config.write_text(_CONFIG.format(term=self.term), encoding="utf-8")
        self._config = config
        argv = [
            "new-session",
            "-d",
            "-s",
            self.session,
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "-c",
            str(self.cwd),
        ]
        for key, value in sorted(self.env.items()):
            argv += ["-e", f"{key}={value}"]
        if isinstance(self.command, str):
            argv.append(self.command)
        else:
            # tmux execs a multi-word command directly; one word would go through the shell.
            argv.extend(self.command if len(self.command) > 1 else [shlex.join(self.command)])
        self.started_at = time.perf_counter()
        try:
            self._run(*argv)
        except BaseException:
            self.close()
            raise
        return self

    def close(self) -> None:
        """Kill this session's private tmux server (and so the command) and remove its files."""
        if self._tmux is not None:
            subprocess.run(
                [self._tmux, "-L", self.socket, "kill-server"],
                capture_output=True,
                env=self.env,
                timeout=10,
                check=False,
            )
        socket_dir = Path(os.environ.get("TMUX_TMPDIR", "/tmp")) / f"tmux-{os.getuid()}"
        with contextlib.suppress(OSError):
            (socket_dir / self.socket).unlink()
        if self._tmp is not None:
            self._tmp.cleanup()
            self._tmp = None

    def __enter__(self) -> TmuxSession:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- tmux plumbing ------------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        if self._tmux is None:
            raise TmuxError("tmux is not installed")
        argv = [self._tmux, "-L", self.socket]
        if self._config is not None:
            argv += ["-f", str(self._config)]
        argv += args
        done = subprocess.run(
            argv, capture_output=True, text=True, env=self.env, timeout=20, check=False
        )
        if check and done.returncode != 0:
            raise TmuxError(f"tmux {' '.join(args[:2])} failed: {done.stderr.strip()}")
        return done

    def alive(self) -> bool:
        """Whether the session still exists (it ends when its command exits)."""
        return self._run("has-session", "-t", self.session, check=False).returncode == 0

    # -- keys ---------------------------------------------------------------------------------
    def send_keys(self, *keys: str) -> None:
        """Send keys as tmux names them: ``"j"``, ``"Enter"``, ``"Space"``, ``"Escape"``,
        ``"C-p"``, ``"Up"``; each argument is one key (or a word typed key by key)."""
        if keys:
            self._run("send-keys", "-t", self.target, "--", *keys)

    def type_text(self, text: str) -> None:
        """Type ``text`` literally (no key-name lookup: ``"Enter"`` types five letters)."""
        self._run("send-keys", "-t", self.target, "-l", "--", text)

    # -- screen -------------------------------------------------------------------------------
    def capture(self, *, styles: bool = False) -> str:
        """The visible screen as plain text, one line per row (trailing blanks trimmed); with
        ``styles``, with its colours and attributes as escape sequences (a focus change or a
        highlight that moves shows only there)."""
        flags = ["-p", "-e"] if styles else ["-p"]
        done = self._run("capture-pane", *flags, "-t", self.target, check=False)
        if done.returncode != 0:
            raise TmuxError(f"capture-pane failed (did the program exit?): {done.stderr.strip()}")
        self.last_screen = done.stdout
        return done.stdout

    def lines(self) -> list[str]:
        """The screen's rows, padded to ``height`` rows."""
        rows = self.capture().split("\n")[: self.height]
        return rows + [""] * (self.height - len(rows))

    def pane_format(self, fmt: str) -> str:
        """A tmux format of the pane, e.g. ``#{alternate_on}`` or ``#{pane_pid}``."""
        return self._run("display-message", "-p", "-t", self.target, fmt).stdout.strip()

    def pane_pid(self) -> int:
        """Pid of the pane's process (the command itself when run without a shell)."""
        return int(self.pane_format("#{pane_pid}"))

    def wait_for(
        self,
        check: Check,
        timeout: float = 15.0,
        *,
        interval: float = 0.02,
        message: str | None = None,
    ) -> str:
        """Poll the screen until ``check`` holds; returns that screen.

        Raises ``AssertionError`` with the last screen when ``timeout`` seconds pass first, so a
        failing test shows what the person would have seen.
        """
        predicate = _predicate(check)
        deadline = time.perf_counter() + timeout
        screen = ""
        while True:
            try:
                screen = self.capture()
            except TmuxError:
                screen = self.last_screen
                if not self.alive():
                    raise AssertionError(
                        f"the program ended while waiting for {message or _describe(check)}; "
                        f"last screen:\n{screen}"
                    ) from None
            else:
                if predicate(screen):
                    return screen
            if time.perf_counter() >= deadline:
                raise AssertionError(
                    f"timed out after {timeout:g} s waiting for {message or _describe(check)}; "
                    f"screen:\n{screen}"
                )
            time.sleep(interval)

    def wait_for_all(self, texts: Iterable[str], timeout: float = 15.0) -> str:
        """Wait until every one of ``texts`` is on the screen at once."""
        wanted = list(texts)
        return self.wait_for(
            lambda s: all(t in s for t in wanted), timeout, message=f"all of {wanted!r}"
        )

    def wait_until_gone(self, text: str, timeout: float = 15.0) -> str:
        """Wait until ``text`` is no longer on the screen."""
        return self.wait_for(lambda s: text not in s, timeout, message=f"{text!r} to disappear")


def _predicate(check: Check) -> Callable[[str], bool]:
    if isinstance(check, str):
        return lambda screen: check in screen
    return check


def _describe(check: Check) -> str:
    if isinstance(check, str):
        return repr(check)
    return getattr(check, "__name__", "a condition")
