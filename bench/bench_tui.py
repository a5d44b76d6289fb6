"""The TUI's two budgets, measured in a real terminal (tmux) as a person would meet them.

* **First frame**, warm cache of 1,000 records: the time from launching ``python -m mscterm`` in
  an 80×24 tmux pane until the first topic title is on the screen (``capture-pane`` polled every
  ~5 ms), against the same measure of ``bench/minimal_app.py`` (a Tree beside a Static) in the
  same run, alternating the two; budget: the median ratio ≤ 1.3 ×.
* **Memory** with 10,000 cached records: VmRSS of the mscterm process after its first frame and
  a few expanded topics (offline, so only the cache is exercised); budget ≤ 150 MB.
* **Every key** with 10,000 cached records and 2,000 nodes expanded: in tmux, the time from
  sending a key until the captured screen changed (the real app, its lists filled from the cache
  after the first frame: ``--serve-keys``), median of 20 presses of each key (each followed by
  its undo, untimed); budget ≤ 100 ms each. The screening keys (``i m ]``, and a reason's
  digit in the ``x`` picker) are timed until the pane shows the next record (the decision
  written, the row repainted, the cursor moved on).
* **The trial pane's keys**, the same way, with the cursor on a registered trial (its adverse
  events in the pane) under "Found", beside those 2,000 open nodes: ``--serve-trial-keys``.

Each launch waits in ``sh -c 'read'`` inside an already running pane; the clock starts when
Enter is sent, so tmux's own start-up is not measured, only the program's. Both programs run
from bytecode (written under a temporary ``PYTHONPYCACHEPREFIX`` by a warm-up launch each), as
an installed mscterm does, even where ``PYTHONDONTWRITEBYTECODE`` is set.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.common import PYTHON, REPO, row, warm_cache
from mscterm.resources import seed_records_path
from mscterm.store import RecordStore
from mscterm.topics import load_topics
from tests.tmux_driver import TmuxSession, tmux_path

WIDTH, HEIGHT = 80, 24
POLL = 0.005
"""Seconds between screen captures while timing (each capture itself takes a few ms)."""
TIMEOUT = 60.0
RATIO_BUDGET = 1.3
RSS_BUDGET_MB = 150


def _env(tmp: Path, cache: Path, *, offline: bool) -> dict[str, str]:
    """A sealed environment: tmp state/config, no real NCBI (a closed local port)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MSCTERM_", "NCBI_"))}
    # An installed app runs from bytecode; without it every launch recompiles Textual and
    # mscterm (~0.3 s here), which would hide mscterm's own cost. The bytecode goes to tmp.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(
        PYTHONPYCACHEPREFIX=str(tmp / "pycache"),
        HOME=str(tmp / "home"),
        XDG_CONFIG_HOME=str(tmp / "home" / ".config"),
        XDG_STATE_HOME=str(tmp / "home" / ".local" / "state"),
        XDG_CACHE_HOME=str(tmp / "home" / ".cache"),
        MSCTERM_CACHE_DIR=str(cache),
        MSCTERM_STATE_DIR=str(tmp / "state"),
        MSCTERM_CONFIG=str(tmp / "config.toml"),
        MSCTERM_EUTILS_URL="http://127.0.0.1:9/",
        COLORTERM="truecolor",
    )
    if offline:
        env["MSCTERM_OFFLINE"] = "1"
    return env


def _session(argv: list[str], env: dict[str, str]) -> TmuxSession:
    """A pane whose shell prints READY, then execs ``argv`` once Enter is pressed."""
    script = f"printf READY; read _; exec {shlex.join(argv)}"
    return TmuxSession(["sh", "-c", script], width=WIDTH, height=HEIGHT, env=env, cwd=REPO)


def _first_frame(argv: list[str], env: dict[str, str], text: str) -> float:
    """Seconds from pressing Enter (launch) until ``text`` is on the captured screen."""
    with _session(argv, env) as tmux:
        tmux.wait_for("READY", TIMEOUT)
        start = time.perf_counter()
        tmux.send_keys("Enter")
        while True:
            screen = tmux.capture()
            elapsed = time.perf_counter() - start
            if text in screen:
                return elapsed
            if elapsed > TIMEOUT:
                raise RuntimeError(f"{argv[-1]}: {text!r} not on screen after {TIMEOUT:g} s")
            time.sleep(POLL)


def first_frame_rows(runs: int = 15) -> list[dict[str, Any]]:
    """mscterm vs the minimal app, alternating, medians of ``runs`` launches each."""
    title = load_topics().roots[0].title
    probe = title[:20]  # the tree truncates titles at 80 columns
    with tempfile.TemporaryDirectory(prefix="mscterm-bench-tui-") as name:
        tmp = Path(name)
        cache = tmp / "cache"
        warm_cache(cache, 1_000, index=True)
        env = _env(tmp, cache, offline=False)
        app = [PYTHON, "-m", "mscterm"]
        minimal = [PYTHON, str(REPO / "bench" / "minimal_app.py"), title]
        _first_frame(app, env, probe)  # warm the OS file cache and the .pyc files
        _first_frame(minimal, env, probe)
        ours: list[float] = []
        base: list[float] = []
        for _ in range(runs):
            ours.append(_first_frame(app, env, probe))
            base.append(_first_frame(minimal, env, probe))
    ms_ours = statistics.median(ours) * 1000
    ms_base = statistics.median(base) * 1000
    ratio = ms_ours / ms_base
    return [
        row(
            f"TUI first frame, warm cache of 1,000 records (tmux {WIDTH}×{HEIGHT}, "
            f"median of {runs}, alternating)",
            f"≤ {RATIO_BUDGET} × a minimal Textual app (Tree beside a Static)",
            f"{ms_ours:.0f} ms vs {ms_base:.0f} ms minimal = {ratio:.2f} ×",
            ratio <= RATIO_BUDGET,
        )
    ]


def _status_kb(pid: int, field: str) -> int:
    """A ``kB`` field of ``/proc/<pid>/status`` (``VmRSS``, ``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from ``/proc/<pid>/task/*/children``)."""
    out, stack = [], [pid]
    while stack:
        current = stack.pop()
        out.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                stack.extend(int(p) for p in task.read_text().split())
    return out


def _mscterm_pid(pane_pid: int) -> int:
    """The python process running mscterm in the pane (the pane's own process after exec)."""
    for pid in _descendants(pane_pid):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"mscterm" in cmdline and any(b"python" in part for part in cmdline[:1]):
            return pid
    raise RuntimeError(f"no mscterm process below pane process {pane_pid}")


def memory_rows(records: int = 10_000, settle: float = 2.0) -> list[dict[str, Any]]:
    """RSS of mscterm on a cache of ``records`` after a first frame and three opened topics."""
    topics = load_topics()
    title = topics.roots[0].title
    with tempfile.TemporaryDirectory(prefix="mscterm-bench-rss-") as name:
        tmp = Path(name)
        cache = tmp / "cache"
        warm_cache(cache, records, index=True)
        seed = RecordStore(tmp / "seed-cache", seed_path=seed_records_path(), index=False)
        with _session([PYTHON, "-m", "mscterm"], _env(tmp, cache, offline=True)) as tmux:
            tmux.wait_for("READY", TIMEOUT)
            tmux.send_keys("Enter")
            tmux.wait_for(title[:20], TIMEOUT)
            opened = 0
            for topic in topics.roots[:3]:
                first = seed.get(topics.landmark_ids(topic.id)[0])
                label = first.short_citation[:12] if first is not None else topic.title[:20]
                tmux.send_keys("j", "l")
                tmux.wait_for(label, TIMEOUT)
                tmux.send_keys("h")
                opened += 1
            tmux.wait_for(
                lambda s: f"{records:,}" in s.split("\n", 1)[0], TIMEOUT, message="cache count"
            )
            time.sleep(settle)
            pid = _mscterm_pid(tmux.pane_pid())
            rss = _status_kb(pid, "VmRSS") / 1024
            peak = _status_kb(pid, "VmHWM") / 1024
        seed.close()
    return [
        row(
            f"TUI memory, {records:,} cached records (offline; first frame, {opened} topics "
            f"opened, {settle:g} s later)",
            f"≤ {RSS_BUDGET_MB} MB RSS",
            f"{rss:.0f} MB RSS (peak {peak:.0f} MB)",
            rss <= RSS_BUDGET_MB,
        )
    ]


KEY_BUDGET_MS = 100.0
PRESSES = 20
NODES = 2_000
KEYS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # (name, keys timed, keys that undo them, untimed), as tmux names them; the cursor starts
    # on a record of a 200-record list (S and F arrange that list)
    ("j", ("j",), ()),
    ("k", ("k",), ()),
    ("space", ("Space",), ()),
    ("l / h", ("l",), ("h",)),
    ("S", ("S",), ()),
    ("F", ("F",), ("Escape",)),
    ("y", ("y",), ("Escape",)),
    ("> / <", (">",), ("<",)),
    ("tab", ("Tab",), ("Tab",)),
    ("?", ("?",), ("Escape",)),
    ("/", ("/",), ("Escape",)),
    ("M", ("M",), ("Escape",)),
    ("f", ("f",), ("Escape",)),
    ("G", ("G",), ("g",)),
    ("g", ("g",), ("G",)),  # timed from the bottom: G is sent first (untimed)
]
"""Keys a person presses in the explorer; each timed press is followed by its undo."""


TRIAL_KEYS: list[tuple[str, tuple[str, ...], tuple[str, ...]]] = [
    # the cursor starts on a registered trial with results under "Found" (its pane shown)
    ("j / k", ("j",), ("k",)),
    ("space", ("Space",), ()),
    ("l / h", ("l",), ("h",)),
    ("y", ("y",), ("Escape",)),
    ("e", ("e",), ("Escape",)),
    ("tab", ("Tab",), ("Tab",)),
    ("M", ("M",), ("Escape",)),
    ("?", ("?",), ("Escape",)),
]
"""Keys on a trial (its pane shown); each timed press is followed by its undo."""
TRIALS_SHOWN = (9, 18)
"""Fictional trials (``tests.ctgov_studies``) put in the cache and opened: both with results."""


def open_many(app: Any, nodes: int = NODES) -> None:
    """Expand every top-level topic with a "Latest on PubMed" list of cached records, as loaded
    lists would show them, until about ``nodes`` nodes are open."""
    from mscterm.tui.explorer import latest_key

    main = app.main
    main.complete_startup()
    library, tree, explorer = app.library, main.topic_tree, main.explorer
    ids = [str(90_000_001 + n) for n in range(10_000)]
    roots = library.topics.roots
    per = nodes // len(roots) + 1
    for i, topic in enumerate(roots):
        node = tree.node_by_key(f"t:{topic.id}")
        tree.ensure_populated(node)
        node.expand()
        lst = explorer.lists[latest_key(topic.id)]
        explorer.fill(lst.key, ids[i * per : (i + 1) * per], len(ids))
        tree.show_list(lst, [])
        tree.node_by_key(lst.key).expand()
    tree.select_key(f"{latest_key(roots[0].id)}/{ids[5]}")


def open_trials(app: Any) -> None:
    """:func:`open_many`, then the fictional trials of :data:`TRIALS_SHOWN` (cached whole, as
    ``mscterm fetch --trials`` leaves them) opened under "Found", the cursor on the last."""
    from tests.ctgov_studies import fictional_trial

    open_many(app)
    trials = [fictional_trial(n)[0] for n in TRIALS_SHOWN]
    assert all(t.adverse_events is not None for t in trials)
    app.library.store.put_trials(trials)
    for trial in trials:
        app.main.navigator.open_record(trial.nct_id)


def serve_keys(prepare: Any = open_many) -> None:
    """``python -m bench.bench_tui --serve-keys``: the real app (settings from the environment)
    with :func:`open_many` (``--serve-trial-keys``: :func:`open_trials`) applied after its first
    frame, for the tmux key timings."""
    from mscterm.config import load_settings
    from mscterm.library import Library
    from mscterm.tui.app import MscApp

    app = MscApp(Library(load_settings()))
    app.call_later(lambda: app.call_after_refresh(prepare, app))
    app.run()


def _answer_ms(tmux: TmuxSession, keys: tuple[str, ...], undo: tuple[str, ...]) -> float:
    """Milliseconds from sending ``keys`` until the captured screen differs from before; then
    ``undo`` is sent (untimed) until the screen is back where it was (a dialog closed)."""
    before = tmux.capture(styles=True)
    answered = _changed(tmux, keys, before)
    if undo:
        time.sleep(0.05)
        for _ in range(3 if "Escape" in undo else 1):  # a dialog that missed its escape
            tmux.send_keys(*undo)
            if "Escape" in undo:
                time.sleep(0.4)  # or the next key would arrive as an escape sequence (alt+key)
            if _back(tmux, before):
                break
    return answered


def _back(tmux: TmuxSession, before: str, wait: float = 3.0) -> bool:
    """Whether the tree and the pane (text only, without the header, status line and footer,
    which may tell what happened) return to ``before`` within ``wait``."""
    plain = _plain(before)
    deadline = time.perf_counter() + wait
    while time.perf_counter() < deadline:
        if _plain(tmux.capture()) == plain:
            return True
        time.sleep(POLL)
    return False


def _plain(styled: str) -> str:
    import re

    rows = styled.split("\n")[1 : HEIGHT - 2]
    return "\n".join(re.sub(r"\x1b\[[0-9;:]*[A-Za-z]", "", row).rstrip() for row in rows)


def _changed(tmux: TmuxSession, keys: tuple[str, ...], before: str) -> float:
    start = time.perf_counter()
    tmux.send_keys(*keys)
    while True:
        screen = tmux.capture(styles=True)
        elapsed = time.perf_counter() - start
        if screen != before:
            return elapsed * 1000
        if elapsed > TIMEOUT:
            raise RuntimeError(f"{keys}: the screen did not change in {TIMEOUT:g} s")
        time.sleep(POLL / 5)


DECISION_KEYS: list[tuple[str, tuple[str, ...], tuple[str, ...], str, tuple[str, ...]]] = [
    # (name, keys sent first and waited for (untimed), keys timed, what they wait for, keys
    # that undo them (untimed)). "next": the pane shows the next record of the list, i.e. the
    # decision was written, its row repainted and the cursor moved on; the undo steps back and
    # clears the decision (the same key again). The reason picker takes its digit once open
    # (keys that reach Textual in one read before a dialog is pushed go to the screen below).
    ("i", (), ("i",), "next", ("k", "i")),
    ("m", (), ("m",), "next", ("k", "m")),
    ("x (the reason picker shown)", (), ("x",), "why?", ("Escape",)),
    ("1 in the picker", ("x",), ("1",), "next", ("k", "x")),
    ("]", (), ("]",), "next", ("[",)),
]
"""Screening keys (issue 16): a decision and the next record shown."""


def _decision_latencies(tmux: TmuxSession) -> dict[str, float]:
    """Median milliseconds from a screening key until the pane shows the next record (the
    records of the list are unscreened and listed in PMID order by :func:`open_many`)."""
    import re

    tmux.send_keys("k")
    tmux.wait_for(lambda s: re.search(r"PMID \d+", s.split("\n")[HEIGHT - 2]) is not None, 10)
    tmux.send_keys("j")
    time.sleep(0.5)
    status = tmux.capture().split("\n")[HEIGHT - 2]
    found = re.search(r"PMID (\d+)", status)
    if found is None:
        raise RuntimeError(f"no record under the cursor: {status!r}")
    here, after = f"PMID {found.group(1)} ·", f"PMID {int(found.group(1)) + 1} ·"

    def undone(screen: str) -> bool:
        return here in screen and "why?" not in screen and "CLUDED" not in screen

    medians: dict[str, float] = {}
    for name, setup, keys, until, undo in DECISION_KEYS:
        samples = []
        for _ in range(PRESSES):
            if setup:
                tmux.send_keys(*setup)
                tmux.wait_for("why?", TIMEOUT)
                time.sleep(0.05)
            start = time.perf_counter()
            tmux.send_keys(*keys)
            tmux.wait_for(after if until == "next" else until, TIMEOUT, message=name)
            samples.append((time.perf_counter() - start) * 1000)
            time.sleep(0.05)
            tmux.send_keys(*undo)  # back on the record, undecided (the tree may stay scrolled)
            tmux.wait_for(undone, TIMEOUT, message=f"{name}: undone")
            time.sleep(0.1)
        medians[name] = statistics.median(samples)
    return medians


def key_rows(
    keys_timed: list[tuple[str, tuple[str, ...], tuple[str, ...]]] | None = None,
    *,
    serve: str = "--serve-keys",
    ready: str = "Latest on PubMed (10,000",
    what: str = "TUI keys",
    screening: bool = False,
) -> list[dict[str, Any]]:
    """Median screen answer of each key in tmux: 10,000 cached records, 2,000 nodes open."""
    with tempfile.TemporaryDirectory(prefix="mscterm-bench-keys-") as name:
        tmp = Path(name)
        cache = tmp / "cache"
        warm_cache(cache, 10_000, index=True)
        env = _env(tmp, cache, offline=True)
        argv = [PYTHON, "-m", "bench.bench_tui", serve]
        latencies: dict[str, float] = {}
        with _session(argv, env) as tmux:
            tmux.wait_for("READY", TIMEOUT)
            tmux.send_keys("Enter")
            tmux.wait_for(lambda s: ready in s, TIMEOUT)
            time.sleep(1.0)  # the start-up's own work done
            baseline = tmux.capture()
            decisions = _decision_latencies(tmux) if screening else {}
            for name, keys, undo in KEYS if keys_timed is None else keys_timed:
                samples = []
                for _ in range(PRESSES):
                    if name == "g":
                        tmux.send_keys("G")
                        time.sleep(0.3)
                    samples.append(_answer_ms(tmux, keys, undo if name != "g" else ()))
                    time.sleep(0.1)  # let the screen settle before the next press
                latencies[name] = statistics.median(samples)
            shown = baseline.count("\n")
    worst = max(latencies, key=latencies.__getitem__)
    detail = ", ".join(f"{k} {v:.0f}" for k, v in latencies.items())
    rows = [
        row(
            f"{what}, 10,000 cached records, {NODES:,} nodes open (tmux {WIDTH}×{HEIGHT}, "
            f"median of {PRESSES} presses each, until the screen changed)",
            f"≤ {KEY_BUDGET_MS:.0f} ms every key",
            f"slowest {worst} {latencies[worst]:.0f} ms ({detail} ms)",
            latencies[worst] <= KEY_BUDGET_MS and shown > 0,
        )
    ]
    if decisions:
        slowest = max(decisions, key=decisions.__getitem__)
        decided = ", ".join(f"{k} {v:.0f}" for k, v in decisions.items())
        rows.append(
            row(
                f"TUI screening keys, the same app: from the key until the pane shows the next "
                f"record (tmux {WIDTH}×{HEIGHT}, median of {PRESSES} presses each)",
                f"≤ {KEY_BUDGET_MS:.0f} ms every key",
                f"slowest {slowest} {decisions[slowest]:.0f} ms ({decided} ms)",
                decisions[slowest] <= KEY_BUDGET_MS,
            )
        )
    return rows


def trial_key_rows() -> list[dict[str, Any]]:
    """The trial pane's keys (:data:`TRIAL_KEYS`), measured as :func:`key_rows` measures."""
    return key_rows(
        TRIAL_KEYS,
        serve="--serve-trial-keys",
        ready="Adverse events",
        what="TUI keys on a trial (its adverse events in the pane)",
    )


def run() -> list[dict[str, Any]]:
    """Rows for bench/RESULTS.md."""
    if tmux_path() is None:
        return [row("TUI first frame / memory", "", "not measured: tmux is not installed", False)]
    return first_frame_rows() + memory_rows() + key_rows(screening=True) + trial_key_rows()


if __name__ == "__main__":
    import sys

    if sys.argv[1:] == ["--serve-keys"]:
        serve_keys()
        raise SystemExit(0)
    if sys.argv[1:] == ["--serve-trial-keys"]:
        serve_keys(open_trials)
        raise SystemExit(0)
    chosen: dict[str, Callable[[], list[dict[str, Any]]]] = {
        "frame": first_frame_rows,
        "memory": memory_rows,
        "keys": lambda: key_rows(screening=True),
        "trial-keys": trial_key_rows,
    }
    rows = [r for name in sys.argv[1:] for r in chosen[name]()] if sys.argv[1:] else run()
    for r in rows:
        print(f"| {r['what']} | {r['budget']} | {r['measured']} | {'✓' if r['ok'] else '✗'} |")
