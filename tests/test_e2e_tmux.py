"""End to end: the real ``mscterm`` in a real terminal (tmux), driven by keys, read off the screen.

Pilot tests check the widgets in-process; these check what a person at an SSH prompt gets: the
console entry point (``python -m mscterm``, what ``uv run mscterm`` runs inside the venv) starts,
draws the topic map at 80×24, answers keys, fetches lazily from the E-utilities stand-in (a real
HTTP server in this test process), keeps marks and the cursor across runs, stays off the network
when offline, and hands the terminal back with exit status 0 when ``q`` is pressed.

Expected text is derived from the shipped data (the topic map, the seed snapshot) and from the
fictional articles the stand-in serves, never copied from the UI code, so the tests follow the
data and fail only when what a person sees is wrong. Labels the tree truncates are matched by
prefix; pane text that wraps is matched with whitespace removed.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from rich.cells import get_character_cell_size

from mscterm.model import Record, Topic
from mscterm.ncbi.parser import parse_pubmed_xml
from mscterm.resources import seed_records_path
from mscterm.store import RecordStore
from mscterm.topics import TopicMap, load_topics
from tests.eutils_server import EUtilsServer, fictional_articles
from tests.tmux_driver import TmuxSession, require_tmux

REPO = Path(__file__).resolve().parents[1]
WAIT = 20.0
"""Seconds any single screen change may take (a slow CI machine starting Python + Textual)."""
QUIET = 1.0
"""Grace period before asserting that *nothing* was requested: longer than the app's debounce
(0.25 s) and sibling prefetch delay (0.5 s). The only fixed wait: absence cannot be polled for."""
FICTIONAL_COUNT = 20
_GLYPHS = re.compile("[▁▂▃▄▅▆▇█▔▕▏│┃]")
"""Scrollbar and border glyphs that may sit on a pane's rows."""
_BORDERS = frozenset("▕▏│┃║|")
"""Glyphs a vertical border between the tree and the pane may be drawn with."""


# -- data the screen is checked against -----------------------------------------------------------
@dataclass
class Expected:
    """What the shipped data says the screen should show."""

    topics: TopicMap
    seed: RecordStore

    @property
    def first_topic(self) -> Topic:
        return self.topics.roots[0]

    def landmarks(self, topic: Topic) -> list[Record]:
        """The topic's landmark records that the seed snapshot has, in tree order."""
        out = []
        for rid in self.topics.landmark_ids(topic.id):
            record = self.seed.get(rid)
            if record is not None:
                out.append(record)
        return out

    def steps_to_latest(self, topic: Topic) -> int:
        """Cursor moves from an expanded topic down to its "Latest on PubMed" child."""
        return len(self.topics.landmark_ids(topic.id)) + len(topic.children) + 1


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Expected]:
    store = RecordStore(
        tmp_path_factory.mktemp("seed-cache"), seed_path=seed_records_path(), index=False
    )
    yield Expected(topics=load_topics(), seed=store)
    store.close()


@pytest.fixture
def server(expected: Expected) -> Iterator[EUtilsServer]:
    """The stand-in: 20 fictional articles, answering the first topic's query with all of them."""
    require_tmux()
    articles = fictional_articles(FICTIONAL_COUNT)
    with EUtilsServer(articles) as srv:
        srv.set_search(expected.first_topic.query, sorted(articles, key=int, reverse=True))
        yield srv


def fictional_records() -> list[Record]:
    """The stand-in's articles as mscterm parses them."""
    body = b"".join(fictional_articles(FICTIONAL_COUNT).values())
    return parse_pubmed_xml(b"<PubmedArticleSet>" + body + b"</PubmedArticleSet>")


# -- starting the real program --------------------------------------------------------------------
def app_env(tmp_path: Path, url: str, *, offline: bool = False) -> dict[str, str]:
    """The sealed environment of conftest, pointing mscterm at ``url`` and at tmp dirs."""
    env = dict(os.environ)
    env.update(
        MSCTERM_CACHE_DIR=str(tmp_path / "cache"),
        MSCTERM_STATE_DIR=str(tmp_path / "state"),
        MSCTERM_CONFIG=str(tmp_path / "config" / "config.toml"),
        MSCTERM_EUTILS_URL=url,
        COLORTERM="truecolor",
    )
    env.pop("NO_COLOR", None)
    if offline:
        env["MSCTERM_OFFLINE"] = "1"
    else:
        env.pop("MSCTERM_OFFLINE", None)
    return env


def mscterm(env: dict[str, str], width: int = 120, height: int = 40) -> TmuxSession:
    """``mscterm`` in tmux, under a shell that reports its exit status and then lingers."""
    script = f"{shlex.quote(sys.executable)} -m mscterm; echo EXIT=$?; sleep 30"
    return TmuxSession(["sh", "-c", script], width=width, height=height, env=env, cwd=REPO)


def quit_app(tmux: TmuxSession) -> str:
    """Press q; the program must exit 0 and leave the terminal as it found it."""
    tmux.send_keys("q")
    screen = tmux.wait_for(lambda s: re.search(r"EXIT=\d+", s) is not None, WAIT)
    assert "EXIT=0" in screen, screen
    # Back on the normal screen, cursor shown, mouse reporting off: the shell is usable again.
    assert tmux.pane_format("#{alternate_on}") == "0"
    assert tmux.pane_format("#{cursor_flag}") == "1"
    assert tmux.pane_format("#{mouse_any_flag}#{mouse_button_flag}#{mouse_sgr_flag}") == "000"
    return screen


# -- reading the screen ---------------------------------------------------------------------------
def squash(text: str) -> str:
    """``text`` without any whitespace: wrapped lines compare equal to the unwrapped text."""
    return "".join(text.split())


def _cut(line: str, column: int) -> str:
    """The part of ``line`` from terminal cell ``column`` on (wide characters count as two)."""
    cells = 0
    for i, ch in enumerate(line):
        if cells >= column:
            return line[i:]
        cells += get_character_cell_size(ch)
    return ""


def _cells(row: str) -> dict[int, str]:
    """Terminal column -> character of one row."""
    out, column = {}, 0
    for ch in row:
        out[column] = ch
        column += get_character_cell_size(ch)
    return out


def pane_column(screen: str) -> int | None:
    """The column where the right-hand pane begins: just after the vertical border that runs
    down the middle rows (the same non-letter glyph in one column on most of them)."""
    rows = screen.split("\n")[1:-3]
    if not rows:
        return None
    votes: dict[tuple[int, str], int] = {}
    for row in rows:
        for column, ch in _cells(row).items():
            if ch in _BORDERS:
                votes[column, ch] = votes.get((column, ch), 0) + 1
    best = max(votes.items(), key=lambda item: item[1], default=None)
    if best is None or best[1] < 0.8 * len(rows):
        return None
    return best[0][0] + 1


def in_pane(screen: str, text: str) -> bool:
    """Whether ``text`` reads contiguously, wrapped or not, in the reference pane.

    The pane's rows (right of the border beside the tree) are joined with whitespace removed,
    so a title wrapped over several rows is found and the tree's labels are left out. Without a
    recognisable border every column is tried as the pane's left edge.
    """
    needle = squash(text).rstrip(".")
    rows = screen.split("\n")
    found = pane_column(screen)
    columns = [found] if found is not None else range(max((len(r) for r in rows), default=0))
    for column in columns:
        joined = squash(_GLYPHS.sub("", "".join(_cut(r, column) + " " for r in rows)))
        if needle in joined:
            return True
    return False


def row_with(screen: str, text: str, chars: int = 14) -> str | None:
    """The tree's part of the first row that shows ``text`` there (or its first ``chars``
    characters: the tree truncates labels)."""
    probe = text[:chars]
    edge = pane_column(screen)
    for row in screen.split("\n"):
        left = (
            row
            if edge is None
            else "".join(ch for column, ch in _cells(row).items() if column < edge)
        )
        if probe in left:
            return left
    return None


def topic_titles_visible(screen: str, topics: list[Topic], chars: int = 18) -> int:
    """How many of ``topics`` show their title (a prefix: narrow trees truncate) on screen."""
    return sum(1 for t in topics if t.title[:chars] in screen)


def header(screen: str) -> str:
    return screen.split("\n", 1)[0]


def footer(screen: str) -> str:
    rows = [r for r in screen.split("\n") if r.strip()]
    return rows[-1] if rows else ""


# -- the tests ------------------------------------------------------------------------------------
def test_first_screen_at_80x24(tmp_path: Path, server: EUtilsServer, expected: Expected) -> None:
    """(a) The first screen shows the app's name, the topic map and the keys in the footer."""
    roots = expected.topics.roots
    with mscterm(app_env(tmp_path, server.url), 80, 24) as tmux:
        screen = tmux.wait_for(lambda s: topic_titles_visible(s, roots) >= 4, WAIT)
        rows = screen.split("\n")
        assert len(rows[:24]) == 24 and all(len(r) <= 80 for r in rows), screen
        assert "mscterm" in header(screen)
        assert "online" in header(screen).lower()
        # All ten top-level topics fit at 80×24, in the map's order, plus the review's node.
        assert topic_titles_visible(screen, roots) == len(roots), screen
        positions = [screen.find(t.title[:18]) for t in roots]
        assert positions == sorted(positions)
        assert "Review" in screen and "Wang" in screen

        def footer_keys(screen: str) -> bool:
            keys = footer(screen).lower()
            return bool(re.search(r"\?\s*help", keys)) and "space" in keys and "mark" in keys

        # The footer fills in as the bindings of the focused tree are known (a frame later).
        tmux.wait_for(footer_keys, WAIT, message="the keys in the footer")
        quit_app(tmux)


def test_move_expand_and_read(tmp_path: Path, server: EUtilsServer, expected: Expected) -> None:
    """(b) j/k move, l and enter expand; the pane shows what the cursor is on, and "Latest on
    PubMed" lists the topic's newest records fetched from the stand-in."""
    topic = expected.first_topic
    landmarks = expected.landmarks(topic)
    assert len(landmarks) >= 2
    review = expected.seed.get("22685475")
    assert review is not None
    with mscterm(app_env(tmp_path, server.url)) as tmux:
        tmux.wait_for(topic.title[:30], WAIT)
        # The cursor starts on the review: its record is in the pane.
        tmux.wait_for(lambda s: in_pane(s, review.title), WAIT, message="the review's title")
        tmux.send_keys("j")
        tmux.wait_for(lambda s: in_pane(s, topic.description[:80]), WAIT, message="description")
        tmux.send_keys("k")
        tmux.wait_for(lambda s: in_pane(s, review.title), WAIT, message="the review again")
        tmux.send_keys("j", "l")
        screen = tmux.wait_for(
            lambda s: all(row_with(s, r.short_citation) for r in landmarks),
            WAIT,
            message="the topic's landmarks",
        )
        first, second = landmarks[0], landmarks[1]
        assert screen.find(first.short_citation[:14]) < screen.find(second.short_citation[:14])
        tmux.send_keys("j")
        tmux.wait_for(lambda s: in_pane(s, first.title), WAIT, message=f"title of {first.id}")
        tmux.send_keys("j")
        tmux.wait_for(lambda s: in_pane(s, second.title), WAIT, message=f"title of {second.id}")

        # Down to "Latest on PubMed" (after the landmarks and the sub-topics), enter opens it.
        tmux.send_keys(*["j"] * (expected.steps_to_latest(topic) - 2))
        tmux.wait_for(lambda s: in_pane(s, "Latest on PubMed"), WAIT, message="the group")
        tmux.send_keys("Enter")
        newest = max(fictional_records(), key=lambda r: (r.year or 0, r.month or 0))
        tmux.wait_for(
            lambda s: row_with(s, newest.short_citation, 18) is not None,
            WAIT,
            message="fictional records under Latest on PubMed",
        )
        tmux.send_keys("j")
        tmux.wait_for(lambda s: in_pane(s, newest.title), WAIT, message="the newest record")
        quit_app(tmux)

    sent = [squash(q) for q in server.queries()]
    assert squash(topic.query) in sent
    fetched = set(server.requested_ids("efetch"))
    assert newest.id in fetched


def test_marks_and_cursor_persist(tmp_path: Path, server: EUtilsServer, expected: Expected) -> None:
    """(c) space marks a landmark; after q and a restart the mark, the open topic and the cursor
    are where the user left them."""
    topic = expected.first_topic
    target = expected.landmarks(topic)[1]
    env = app_env(tmp_path, server.url)
    with mscterm(env) as tmux:
        tmux.wait_for(topic.title[:30], WAIT)
        tmux.send_keys("j", "l")
        tmux.wait_for(lambda s: row_with(s, target.short_citation) is not None, WAIT)
        tmux.send_keys("j", "j")
        tmux.wait_for(lambda s: in_pane(s, target.title), WAIT, message="the landmark's title")
        row = row_with(tmux.capture(), target.short_citation)
        assert row is not None and "●" not in row
        assert "marked" not in header(tmux.last_screen)
        tmux.send_keys("Space")
        tmux.wait_for(
            lambda s: "●" in (row_with(s, target.short_citation) or ""), WAIT, message="mark"
        )
        # The header follows in the same burst of screen updates (the row is drawn first).
        tmux.wait_for(lambda s: re.search(r"\b1 marked", header(s)) is not None, WAIT)
        quit_app(tmux)

    with mscterm(env) as tmux:
        screen = tmux.wait_for(
            lambda s: in_pane(s, target.title), WAIT, message="the cursor back on the landmark"
        )
        row = row_with(screen, target.short_citation)
        assert row is not None and "●" in row, screen
        assert re.search(r"\b1 marked", header(screen)), header(screen)
        # The cursor really is on it: space unmarks that same landmark.
        tmux.send_keys("Space")
        tmux.wait_for(lambda s: "●" not in (row_with(s, target.short_citation) or "●"), WAIT)
        tmux.wait_for(lambda s: "marked" not in header(s), WAIT)
        quit_app(tmux)


def test_help_screen(tmp_path: Path, server: EUtilsServer, expected: Expected) -> None:
    """(d) ? opens the help screen listing the keys; escape returns to the tree."""
    roots = expected.topics.roots

    def is_help(screen: str) -> bool:
        # The footer says "^p"; only the help page spells out ctrl+p and the quit key.
        low = screen.lower()
        return "ctrl+p" in low and "quit" in low and "mark" in low

    with mscterm(app_env(tmp_path, server.url), 80, 24) as tmux:
        screen = tmux.wait_for(lambda s: topic_titles_visible(s, roots) == len(roots), WAIT)
        assert not is_help(screen)
        tmux.send_keys("?")
        tmux.wait_for(is_help, WAIT, message="the help screen")
        tmux.send_keys("Escape")
        tmux.wait_for(
            lambda s: not is_help(s) and topic_titles_visible(s, roots) == len(roots),
            WAIT,
            message="the main screen back",
        )
        quit_app(tmux)


def test_offline_uses_no_network(tmp_path: Path, server: EUtilsServer, expected: Expected) -> None:
    """(e) MSCTERM_OFFLINE=1: the header says offline, the landmarks are all there from the
    seed, and not one request reaches the server, whatever the user opens."""
    topic = expected.first_topic
    landmarks = expected.landmarks(topic)
    with mscterm(app_env(tmp_path, server.url, offline=True)) as tmux:
        screen = tmux.wait_for(topic.title[:30], WAIT)
        assert "offline" in header(screen).lower(), header(screen)
        tmux.send_keys("j", "l")
        tmux.wait_for(
            lambda s: all(row_with(s, r.short_citation) for r in landmarks),
            WAIT,
            message="every landmark of the topic",
        )
        tmux.send_keys("j", "j")
        tmux.wait_for(lambda s: in_pane(s, landmarks[1].title), WAIT, message="landmark title")
        tmux.send_keys(*["j"] * (expected.steps_to_latest(topic) - 2), "Enter")
        tmux.wait_for(lambda s: in_pane(s, "Latest on PubMed"), WAIT, message="the group")
        screen = tmux.wait_for(lambda s: "offline" in header(s).lower(), WAIT)
        time.sleep(QUIET)
        assert "offline" in header(tmux.capture()).lower()
        quit_app(tmux)
    assert server.requests == []


def test_q_exits_zero_and_restores_terminal(
    tmp_path: Path, server: EUtilsServer, expected: Expected
) -> None:
    """(f) q quits: exit status 0, the alternate screen is left and the shell's screen is back."""
    roots = expected.topics.roots
    with mscterm(app_env(tmp_path, server.url), 80, 24) as tmux:
        tmux.wait_for(lambda s: topic_titles_visible(s, roots) == len(roots), WAIT)
        assert tmux.pane_format("#{alternate_on}") == "1"
        screen = quit_app(tmux)
        assert topic_titles_visible(screen, roots) == 0, screen
        assert "mscterm" not in header(screen)


# -- issue 15: safety first, every record first-class (80×24) -----------------------------------
SEMAGLUTIDE = "29915538"
"""A real PubMed record (a 2018 semaglutide trial report) in the shared NCBI samples
(``efetch_pubmed_xml_2024_bold_sup_in_abstract.xml``), served by the stand-in."""


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """The real ``mscterm`` command line, in the same sealed environment as the TUI."""
    return subprocess.run(
        [sys.executable, "-m", "mscterm", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_rubio_row_keeps_its_retraction_mark_at_80x24(
    tmp_path: Path, server: EUtilsServer, expected: Expected
) -> None:
    """The retracted 2005 landmark's row starts with its safety mark, whatever is cut."""
    rubio = expected.seed.get("15833829")
    assert rubio is not None and rubio.retracted
    topic = expected.first_topic
    with mscterm(app_env(tmp_path, server.url, offline=True), 80, 24) as tmux:
        tmux.wait_for(topic.title[:20], WAIT)
        tmux.send_keys("j", "l")
        screen = tmux.wait_for(lambda s: row_with(s, "Rubio et al.") is not None, WAIT)
        row = row_with(screen, "Rubio et al.")
        assert row is not None and "⚠" in row, screen
        assert row.index("⚠") < row.index("Rubio")  # before the name: never cut first
        quit_app(tmux)


def test_local_search_mark_then_export_marked(tmp_path: Path, samples_dir: Path) -> None:
    """``/ semaglutide``, Enter, ``space``, q; then ``mscterm export --marked`` has the record.

    The record reaches the cache the way a user's would: ``mscterm fetch`` from the stand-in,
    which serves the real recorded PubMed answer.
    """
    require_tmux()
    with EUtilsServer(samples_dir=samples_dir) as srv:
        env = app_env(tmp_path, srv.url)
        fetched = run_cli(env, "fetch", SEMAGLUTIDE)
        assert fetched.returncode == 0, fetched.stderr
        with mscterm(app_env(tmp_path, srv.url, offline=True), 80, 24) as tmux:
            tmux.wait_for("Review", WAIT)
            tmux.send_keys("/")
            tmux.wait_for("Search the local cache", WAIT)
            tmux.type_text("semaglutide")
            tmux.wait_for(lambda s: "Semaglutide" in s or "semaglutide" in s.lower(), WAIT)
            tmux.send_keys("Enter", "Space")
            tmux.wait_for(lambda s: "1 marked" in s, WAIT, message="the hit marked")
            tmux.send_keys("Escape")
            tmux.wait_for(lambda s: "1 marked" in header(s), WAIT)
            quit_app(tmux)
        out = tmp_path / "marked.bib"
        done = run_cli(env, "export", "--marked", "-o", str(out))
        assert done.returncode == 0, done.stderr
        assert f"pmid = {{{SEMAGLUTIDE}}}" in out.read_text(encoding="utf-8")


def test_goto_a_fictional_pmid_mark_and_export(tmp_path: Path, server: EUtilsServer) -> None:
    """ctrl+p, go to a fictional PMID (fetched from the stand-in), ``space``: it is exported."""
    pmid = "90000007"
    record = next(r for r in fictional_records() if r.id == pmid)
    env = app_env(tmp_path, server.url)
    with mscterm(env, 80, 24) as tmux:
        tmux.wait_for("Review", WAIT)
        tmux.send_keys("C-p")
        tmux.wait_for(lambda s: "Go to" in s or "Search" in s, WAIT, message="the palette")
        tmux.type_text(pmid)
        tmux.wait_for(f"Go to {pmid}", WAIT)
        tmux.send_keys("Enter")
        tmux.wait_for(lambda s: in_pane(s, record.title), WAIT, message="the record in the pane")
        tmux.send_keys("Space")
        tmux.wait_for(lambda s: "1 marked" in header(s), WAIT, message="the mark")
        quit_app(tmux)
    out = tmp_path / "marked.bib"
    done = run_cli(env, "export", "--marked", "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert f"pmid = {{{pmid}}}" in out.read_text(encoding="utf-8")


# -- issue 17: registered trials (80×24) ----------------------------------------------------------
SORAFENIB_TRIAL = "NCT00791778"
"""A real registered trial with posted results (recorded in ``../shared/ctgov/samples``), served
by the ClinicalTrials.gov stand-in."""


def pane_rows(screen: str) -> list[str]:
    """The reference pane's rows (right of the border), as the terminal shows them."""
    edge = pane_column(screen)
    return [_cut(row, edge or 0).strip() for row in screen.split("\n")]


def test_trial_pane_adverse_events_then_export_the_marked_trial(
    tmp_path: Path, server: EUtilsServer, ctgov_samples_dir: Path
) -> None:
    """ctrl+p, go to the recorded NCT00791778 (fetched from the stand-in): the pane's adverse
    events read per arm at 80×24, numbers whole; ``space`` marks the trial, and ``mscterm
    export --marked`` writes it as a registry record."""
    from mscterm.ctgov.parser import parse_study
    from tests.ctgov_server import CTGovServer

    recorded = parse_study(
        (ctgov_samples_dir / "study_nct00791778_full_with_results_serious_events.json").read_bytes()
    )
    events = recorded.adverse_events
    assert events is not None
    with CTGovServer(samples_dir=ctgov_samples_dir) as registry:
        env = app_env(tmp_path, server.url)
        env["MSCTERM_CTGOV_URL"] = registry.url
        with mscterm(env, 80, 24) as tmux:
            tmux.wait_for("Review", WAIT)
            tmux.send_keys("C-p")
            tmux.wait_for(lambda s: "Go to" in s or "Search" in s, WAIT, message="the palette")
            tmux.type_text(SORAFENIB_TRIAL.lower())
            tmux.wait_for(f"Go to {SORAFENIB_TRIAL}", WAIT)
            tmux.send_keys("Enter")
            tmux.wait_for(lambda s: in_pane(s, recorded.title), WAIT, message="the trial's title")
            last = events.groups[-1]
            wanted = f"Other {last.other_affected}/{last.other_at_risk}"
            tmux.send_keys("Tab")
            screen = ""
            for _ in range(40):  # read on: the arms' table is below the trial's facts
                screen = tmux.capture()
                if wanted in " ".join(" ".join(r.split()) for r in pane_rows(screen)):
                    break
                tmux.send_keys("j")
                time.sleep(0.05)
            rows = [" ".join(r.split()) for r in pane_rows(screen)]
            for group in events.groups:  # each arm: serious and other, affected / at risk and %
                assert any(r.startswith(f"{group.id} ") for r in rows), screen
                for kind, n, at_risk in (
                    ("Serious", group.serious_affected, group.serious_at_risk),
                    ("Other", group.other_affected, group.other_at_risk),
                ):
                    share = f"{100 * n / at_risk:.1f}%"
                    assert f"{kind} {n}/{at_risk} ({share})" in rows, (kind, group.id, screen)
            assert all(len(r) <= 80 for r in screen.split("\n"))
            tmux.send_keys("Space")
            tmux.wait_for(lambda s: "1 marked" in header(s), WAIT, message="the trial marked")
            quit_app(tmux)
        assert [r.path.rsplit("/", 1)[-1] for r in registry.requests_to("study")] == [
            SORAFENIB_TRIAL
        ]
        out = tmp_path / "marked.bib"
        done = run_cli(env, "export", "--marked", "-o", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text(encoding="utf-8")
    assert text.startswith("@misc{") and SORAFENIB_TRIAL in text
    assert f"https://clinicaltrials.gov/study/{SORAFENIB_TRIAL}" in text


# -- issue 16: screening by keys at 80×24, read back by the command line ---------------------------
def _row_label(row: str | None) -> str:
    """A tree row without its guides and expand arrow: the label's signs come first."""
    return (row or "").lstrip("├└│ ▶▼")


def test_screen_by_keys_then_list_with_the_command_line(
    tmp_path: Path, server: EUtilsServer, expected: Expected
) -> None:
    """i on the first landmark, x with a typed reason on the next, m and a note on the third,
    q; then ``mscterm screening --format csv`` lists the three with the reason and the note."""
    import csv
    import io

    topic = expected.first_topic
    first, second, third = expected.landmarks(topic)[:3]
    probe = {r.id: (r.short_citation or r.title)[:12] for r in (first, second, third)}
    env = app_env(tmp_path, server.url, offline=True)

    def decided(record: Record, glyph: str) -> Callable[[str], bool]:
        def check(screen: str) -> bool:
            label = _row_label(row_with(screen, probe[record.id], 12))
            return glyph in label.split(probe[record.id])[0]

        return check

    with mscterm(env, 80, 24) as tmux:
        tmux.wait_for(topic.title[:20], WAIT)
        tmux.send_keys("j", "l")  # the topic opened
        tmux.wait_for(lambda s: row_with(s, probe[first.id], 12) is not None, WAIT)
        tmux.send_keys("j")  # the cursor on its first landmark
        tmux.wait_for(lambda s: in_pane(s, first.title), WAIT, message="the first landmark")
        tmux.send_keys("i")
        tmux.wait_for(decided(first, "+"), WAIT, message="+ in the first landmark's row")
        # The cursor moved on to the next unscreened record: its title is in the pane.
        tmux.wait_for(lambda s: in_pane(s, second.title), WAIT, message="moved on")
        tmux.send_keys("x")
        tmux.wait_for(lambda s: "why?" in s, WAIT, message="the reason picker")
        tmux.type_text("cell line mix-up")
        tmux.send_keys("Enter")
        tmux.wait_for(decided(second, "−"), WAIT, message="− in the second landmark's row")
        tmux.wait_for(lambda s: in_pane(s, third.title), WAIT, message="moved on again")
        tmux.send_keys("m")
        tmux.wait_for(decided(third, "?"), WAIT, message="? in the third landmark's row")
        tmux.send_keys("k", "n")
        tmux.wait_for(lambda s: "ctrl+s saves" in s, WAIT, message="the note editor")
        tmux.type_text("checked the karyotype")
        tmux.send_keys("C-s")
        tmux.wait_for(lambda s: "Note: checked" in s, WAIT, message="the note in the strip")
        quit_app(tmux)
    listed = run_cli(env, "screening", "--format", "csv")
    assert listed.returncode == 0, listed.stderr
    rows = {row["id"]: row for row in csv.DictReader(io.StringIO(listed.stdout))}
    assert rows[first.id]["decision"] == "include"
    assert (rows[second.id]["decision"], rows[second.id]["reason"]) == (
        "exclude",
        "cell line mix-up",
    )
    assert rows[third.id]["decision"] == "maybe"
    assert rows[third.id]["note"] == "checked the karyotype"
