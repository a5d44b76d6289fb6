"""The screening service: decisions per reviewer in user state, aliases, duplicates, conflicts.

A real Library on tmp dirs (offline), fictional records in its cache, the real topic map.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.library import Library
from mscterm.model import Author, Record
from mscterm.screening import CONSENSUS, Screening, ScreeningError
from tests.conftest import make_record

REPO = Path(__file__).resolve().parents[1]
TOPIC = "genetic-stability"
ISO_UTC = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def genetic(n: int, **fields: object) -> Record:
    """A fictional record the genetic-stability rules match (by its title)."""
    values: dict[str, object] = {
        "title": f"Genetic stability of fictional stromal cells after long culture, part {n}."
    }
    values.update(fields)
    return make_record(n, **values)


@pytest.fixture
def library(offline_settings: Settings) -> Iterator[Library]:
    lib = Library(offline_settings)
    lib.store.put([genetic(n) for n in range(1, 9)])
    yield lib
    lib.store.close()


@pytest.fixture
def screening(library: Library) -> Screening:
    return library.screening


def _fresh(settings: Settings) -> Screening:
    """A new service on the same dirs (another run of mscterm)."""
    return Library(settings).screening


# -- deciding -------------------------------------------------------------------------------------
def test_each_decision_records_who_and_when(screening: Screening) -> None:
    screening.decide(["90000001"], "include")
    screening.decide(["90000002"], "exclude", reason="wrong population")
    screening.decide(["90000003"], "maybe", reviewer="Alice")
    first = screening.decision_for("90000001")
    assert first is not None and first.decision == "include" and first.reviewer == "default"
    assert ISO_UTC.match(first.time)
    second = screening.decision_for("90000002")
    assert second is not None and second.reason == "wrong population"
    assert screening.decision_for("90000003") is None  # Alice's, not the default reviewer's
    alice = screening.decision_for("90000003", reviewer="alice")  # names ignore case
    assert alice is not None and alice.decision == "maybe" and alice.reviewer == "Alice"


def test_an_exclusion_needs_a_reason(screening: Screening) -> None:
    for empty in (None, "", "   \n "):
        with pytest.raises(ScreeningError, match="needs a reason"):
            screening.decide(["90000001"], "exclude", reason=empty)
    assert screening.decisions() == []
    with pytest.raises(ScreeningError, match="only an exclusion"):
        screening.decide(["90000001"], "include", reason="wrong outcome")


def test_reasons_come_from_the_configured_list_or_free_text(screening: Screening) -> None:
    screening.decide(["90000001"], "exclude", reason="WRONG Outcome")
    screening.decide(["90000002"], "exclude", reason="  cell line  cross-contamination ")
    assert screening.decision_for("90000001").reason == "wrong outcome"  # type: ignore[union-attr]
    assert screening.decision_for("90000002").reason == "cell line cross-contamination"  # type: ignore[union-attr]
    assert screening.reasons()[-1] == "cell line cross-contamination"


def test_an_unknown_id_writes_nothing(screening: Screening, offline_settings: Settings) -> None:
    with pytest.raises(ScreeningError, match="unknown id: 90000099"):
        screening.decide(["90000001", "90000099"], "include")
    assert screening.decisions() == []
    assert not (offline_settings.state_dir / "screening" / "default.json").exists()


def test_notes_and_tags(screening: Screening) -> None:
    note = "Line one.\nLine two: karyotype \x1b[31mnormal\x1b[0m."
    screening.decide(["90000001"], "include", note=note, tags=["karyotype", "Karyotype"])
    screening.decide(["90000001"], "include", tags=["senescence"])  # note kept, tag added
    d = screening.decision_for("90000001")
    assert d is not None
    assert d.note.startswith("Line one.\nLine two: karyotype ") and "normal" in d.note
    assert "\x1b" not in d.note  # a note cannot steer the terminal
    assert d.tags == ("karyotype", "senescence")
    screening.decide(["90000001"], None)  # clearing keeps the note and tags
    cleared = screening.decision_for("90000001")
    assert cleared is not None and cleared.decision is None and cleared.note
    screening.decide(["90000002"], "maybe")
    screening.decide(["90000002"], None)
    assert screening.decision_for("90000002") is None
    with pytest.raises(ScreeningError, match="no commas"):
        screening.decide(["90000003"], "maybe", tags=["a, b"])
    annotated = screening.annotate("90000004", note="to read", tags=["later"])
    assert annotated.decision is None and annotated.tags == ("later",)
    assert screening.tags_in_use() == ["karyotype", "later", "senescence"]


def test_decisions_live_in_user_state_and_survive_cache_clear(
    library: Library, offline_settings: Settings
) -> None:
    library.screening.decide(["90000001"], "exclude", reason="other", note="n")
    library.store.clear()
    assert library.get("90000001") is None
    again = _fresh(offline_settings)
    listed = again.decisions(topic=TOPIC)
    assert [d.rid for d in listed] == ["90000001"]
    snap = listed[0].record
    assert snap.title.startswith("Genetic stability") and snap.year == 2011
    assert TOPIC in snap.topics and snap.pmid == "90000001"
    assert not list(offline_settings.cache_dir.rglob("*.json"))
    # Still changeable although the record is gone from the cache.
    again.decide(["90000001"], "include")
    assert again.decision_for("90000001").decision == "include"  # type: ignore[union-attr]


# -- a DOI-only seed id and its PMID record -----------------------------------------------------
def test_a_doi_id_and_the_pmid_it_resolves_to_are_one_record(library: Library) -> None:
    seed = make_record(20, id="doi:10.5555/test.20", pmid=None, source="seed")
    library.store.put([seed])
    s = library.screening
    s.decide(["doi:10.5555/test.20"], "maybe", note="seen as DOI only", tags=["seed"])
    assert s.decision_for("doi:10.5555/test.20") is not None
    library.store.put([make_record(20)])  # fetched: the store now aliases the DOI to the PMID
    assert library.get("doi:10.5555/test.20").pmid == "90000020"  # type: ignore[union-attr]
    by_pmid = s.decision_for("90000020")
    assert by_pmid is not None and by_pmid.decision == "maybe" and by_pmid.rid == "90000020"
    assert [d.rid for d in s.decisions()] == ["90000020"]
    assert s.prisma().records_screened == 1
    # Deciding it again by its PMID replaces the DOI entry and carries the note and tags.
    s.decide(["90000020"], "include")
    stored = s.store.reviewer("default").decisions()
    assert list(stored) == ["90000020"]
    assert stored["90000020"].note == "seen as DOI only" and stored["90000020"].tags == ("seed",)
    assert s.ids(decision="include") == ["90000020"]


# -- duplicates -----------------------------------------------------------------------------------
def test_the_same_work_under_two_records_is_grouped(library: Library) -> None:
    title = (
        "Aneuploidy in fictional clinical-grade stromal cell batches: a genetic stability study."
    )
    twin = {"title": title, "year": 2015, "authors": [Author(family="Røsland", initials="G")]}
    library.store.put(
        [
            genetic(30, **twin),
            genetic(31, **{**twin, "title": title.upper().replace(":", " -")}),
            genetic(32, **{**twin, "year": 2016}),  # another year: another work
        ]
    )
    s = library.screening
    s.decide(["90000030"], "include")
    assert s.duplicates_of("90000031") == ["90000030"]
    assert s.duplicates_of("90000032") == []
    among = [library.get("90000032"), library.get("90000031")]
    assert s.duplicates_of("90000030", among=[r for r in among if r]) == ["90000031"]
    s.decide(["90000031"], "exclude", reason="duplicate")
    counts = s.prisma(topic=TOPIC)
    assert counts.duplicates == 1
    assert counts.records_screened == 1  # one work, its latest decision
    assert counts.records_excluded == 1 and counts.included == 0


# -- two reviewers ------------------------------------------------------------------------------
def test_conflicts_and_their_resolution(screening: Screening) -> None:
    screening.decide(["90000001"], "include", reviewer="alice")
    screening.decide(["90000001"], "exclude", reason="wrong outcome", reviewer="bob")
    screening.decide(["90000002"], "exclude", reason="other", reviewer="alice")
    screening.decide(["90000002"], "exclude", reason="wrong population", reviewer="bob")
    screening.decide(["90000003"], "maybe", reviewer="alice")  # only one reviewer: waiting
    screening.decide(["90000004"], "maybe", reviewer="alice")
    screening.decide(["90000004"], "maybe", reviewer="bob")
    found = screening.conflicts("alice", "bob")
    assert [(c.rid, c.first.decision, c.second.decision) for c in found] == [
        ("90000001", "include", "exclude")
    ]
    with_reasons = screening.conflicts("alice", "bob", reasons=True)
    assert [(c.rid, c.kind) for c in with_reasons] == [
        ("90000001", "decision"),
        ("90000002", "reason"),
    ]
    resolved = screening.resolve("90000001", "include", note="agreed")
    assert resolved.reviewer == CONSENSUS
    again = screening.conflicts("alice", "bob")
    assert again[0].resolution is not None and again[0].resolution.decision == "include"
    assert screening.prisma(reviewer=CONSENSUS).included == 1
    with pytest.raises(ScreeningError, match="unknown reviewer: carol"):
        screening.conflicts("alice", "carol")


# -- the TUI's helpers --------------------------------------------------------------------------
def test_next_unscreened_and_progress(screening: Screening) -> None:
    ids = [f"9000000{n}" for n in range(1, 7)]
    screening.decide(["90000002", "90000003"], "include")
    screening.decide(["90000005"], "exclude", reason="other")
    assert screening.next_unscreened(ids) == "90000001"
    assert screening.next_unscreened(ids, after="90000001") == "90000004"
    assert screening.next_unscreened(ids, after="90000004") == "90000006"
    assert screening.next_unscreened(ids, after="90000006") is None
    assert screening.next_unscreened(ids, after="90000004", backwards=True) == "90000001"
    assert screening.progress(ids) == (3, 6)


# -- damaged files ------------------------------------------------------------------------------
def test_a_damaged_decision_is_set_aside_and_the_rest_kept(
    screening: Screening, offline_settings: Settings
) -> None:
    screening.decide(["90000001", "90000002"], "include")
    path = offline_settings.state_dir / "screening" / "default.json"
    data = json.loads(path.read_text())
    data["decisions"]["90000002"]["decision"] = "perhaps"
    data["decisions"]["90000003"] = 5
    path.write_text(json.dumps(data))
    again = _fresh(offline_settings)
    assert [d.rid for d in again.decisions()] == ["90000001"]
    assert len(again.warnings) == 1 and "2 damaged decisions" in again.warnings[0]
    copies = list(path.parent.glob("default.corrupt-*.json"))
    assert len(copies) == 1 and json.loads(copies[0].read_text()) == data


def test_reviewer_names_never_escape_the_folder(
    screening: Screening, offline_settings: Settings
) -> None:
    screening.decide(["90000001"], "include", reviewer="../Dr. Ø/x")
    files = [p.name for p in (offline_settings.state_dir / "screening").glob("*.json")]
    assert files == ["%2E%2E%2Fdr%2E%20%C3%B8%2Fx.json"]
    assert screening.reviewers() == ["../Dr. Ø/x"]


# -- two processes deciding at once -------------------------------------------------------------
_DECIDER = """
import sys
from pathlib import Path
from mscterm.config import load_settings
from mscterm.library import Library
start, n, ready, go = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4])
library = Library(load_settings())
ready.touch()
while not go.exists():
    pass
for i in range(start, start + n):
    library.screening.decide([str(90000100 + i)], "include" if i % 2 else "maybe", tags=[f"t{i}"])
"""


def test_two_processes_deciding_at_once_lose_nothing(
    library: Library, offline_settings: Settings, tmp_path: Path
) -> None:
    n = 150
    library.store.put([make_record(100 + i) for i in range(2 * n)])
    library.store.close()
    env = dict(
        os.environ,
        MSCTERM_STATE_DIR=str(offline_settings.state_dir),
        MSCTERM_CACHE_DIR=str(offline_settings.cache_dir),
        MSCTERM_OFFLINE="1",
    )
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-c",
                textwrap.dedent(_DECIDER),
                str(start),
                str(n),
                str(tmp_path / f"ready{start}"),
                str(go),
            ],
            cwd=REPO,
            env=env,
            stderr=subprocess.PIPE,
            text=True,
        )
        for start in (0, n)
    ]
    for start in (0, n):
        while not (tmp_path / f"ready{start}").exists():
            assert all(p.poll() is None for p in procs), "a decider died before starting"
    go.touch()
    for proc in procs:
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 0, err
    decided = _fresh(offline_settings).decisions()
    assert len(decided) == 2 * n
    assert {d.rid for d in decided} == {str(90000100 + i) for i in range(2 * n)}
    assert all(d.tags == (f"t{int(d.rid) - 90000100}",) for d in decided)


# -- what exports and the TUI read ----------------------------------------------------------------
def test_ids_and_annotations_for_exports(library: Library) -> None:
    seed = make_record(21, id="doi:10.5555/test.21", pmid=None, source="seed")
    library.store.put([seed])
    s = library.screening
    s.decide(["90000002", "90000001"], "include", note="why", tags=["core"])
    s.decide(["doi:10.5555/test.21"], "include")
    s.decide(["90000003"], "exclude", reason="other")
    assert s.ids(decision="include") == ["90000001", "90000002", "doi:10.5555/test.21"]
    assert s.ids(decision="exclude") == ["90000003"]
    with pytest.raises(ScreeningError):
        s.ids(decision="perhaps")
    notes = s.annotations()
    assert notes["90000001"].note == "why" and notes["90000001"].tags == ("core",)
    assert notes["doi:10.5555/test.1"].note == "why"  # asked by its DOI id: the same record
    rows = s.decisions_for(["90000001", "90000004", "doi:10.5555/test.21"])
    assert set(rows) == {"90000001", "doi:10.5555/test.21"}


def test_a_registered_trial_is_screened_from_the_trial_cache(
    library: Library,
) -> None:
    from tests.conftest import make_trial

    with pytest.raises(ScreeningError, match="unknown id: NCT99000001"):
        library.screening.decide(["NCT99000001"], "include")
    library.store.put_trials([make_trial(1)])
    (d,) = library.screening.decide(["nct99000001".upper()], "maybe")
    assert d.record.title == "Fictional mesenchymal stromal cell trial 1" and d.record.year == 2016
