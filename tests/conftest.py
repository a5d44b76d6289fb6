"""Shared pytest fixtures: the local E-utilities stand-in, settings, and a sealed environment.

* ``samples_dir``      Path of ``../shared/ncbi/samples`` (real NCBI recordings); skips when absent.
* ``ctgov_samples_dir`` Path of ``../shared/ctgov/samples`` (real ClinicalTrials.gov answers);
                       skips when absent.
* ``eutils_server``    a started :class:`tests.eutils_server.EUtilsServer` serving the fictional
                       articles 90000001..90000010 (``FICTIONAL_PMIDS``); the esearch term
                       ``FICTIONAL_SEARCH_TERM`` answers all ten, newest PMID first. Stopped after.
* ``ctgov_server``     a started :class:`tests.ctgov_server.CTGovServer` with the recorded samples
                       (when present) and ten fictional MSC trials NCT99000001..NCT99000010.
* ``settings``         :class:`mscterm.config.Settings` on tmp cache/state dirs, pointing at
                       ``eutils_server``, online, email ``tests@example.org``, no API key.
* ``offline_settings`` the same directories, offline, no server.
* ``small_disk``       a mounted 2 MB tmpfs, to fill up (root only; skips where it cannot mount).

Factories (import them from ``tests.conftest``): :func:`make_record` builds a fictional record
(PMID 90000000 + n, DOI under the reserved test prefix 10.5555/); :func:`make_trial` a fictional
registered trial (NCT99000000 + n). Every test file uses these instead of a factory of its own.

An autouse fixture points HOME, the XDG dirs and every ``MSCTERM_*`` variable at tmp paths (and
``MSCTERM_EUTILS_URL`` at a closed local port), and removes ``NCBI_API_KEY``/``NCBI_EMAIL``, so
no test reads the user's config, writes the user's cache or reaches NCBI by accident
(``MSCTERM_CTGOV_URL`` likewise points at a closed port, and so do the settings fixtures).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from mscterm.config import Settings
from mscterm.model import (
    AbstractSection,
    AdverseEvent,
    AdverseEvents,
    Author,
    EventGroup,
    EventStat,
    Intervention,
    MeshHeading,
    Record,
    Trial,
    TrialDesign,
)
from tests.ctgov_server import CTGovServer
from tests.ctgov_server import default_samples_dir as default_ctgov_samples_dir
from tests.ctgov_studies import fictional_studies
from tests.eutils_server import (
    FICTIONAL_SEARCH_TERM,
    EUtilsServer,
    fictional_articles,
)

#: PMIDs the ``eutils_server`` fixture serves.
FICTIONAL_PMIDS: list[str] = [str(n) for n in range(90000001, 90000011)]

#: Where nothing listens: the default E-utilities URL inside tests, so a forgotten server fails
#: fast with a connection error instead of reaching NCBI.
UNREACHABLE_URL = "http://127.0.0.1:9/"
#: The same for ClinicalTrials.gov: no test reaches the real registry by accident.
UNREACHABLE_CTGOV_URL = "http://127.0.0.1:9/api/v2/"

__all__ = [
    "FICTIONAL_PMIDS",
    "FICTIONAL_SEARCH_TERM",
    "UNREACHABLE_CTGOV_URL",
    "UNREACHABLE_URL",
    "make_record",
    "make_trial",
]


def make_record(n: int, **fields: object) -> Record:
    """A fictional full PubMed record with PMID ``90000000 + n``; ``fields`` override any field.

    Defaults: one author (Testperson A), a fictional journal, year ``2010 + n % 10``, a DOI
    ``10.5555/test.<n>``, a one-sentence abstract, one MeSH heading, "Journal Article". With
    ``source="seed"`` the record is citation-level (no abstract), as the seed snapshot holds.
    """
    pmid = str(90_000_000 + n)
    source = str(fields.get("source", "pubmed"))
    values: dict[str, object] = {
        "id": pmid,
        "pmid": pmid,
        "title": f"Fictional mesenchymal stromal cell safety study {n}.",
        "authors": [Author(family="Testperson", given="Alex", initials="A")],
        "journal": "Journal of Fictional Results",
        "journal_abbrev": "J Fict Res",
        "year": 2010 + n % 10,
        "doi": f"10.5555/test.{n}",
        "abstract": [] if source == "seed" else [AbstractSection(None, f"Abstract {n}.")],
        "mesh": [MeshHeading("Mesenchymal Stem Cells", True, ["cytology"])],
        "publication_types": ["Journal Article"],
        "language": "eng",
        "languages": ["eng"],
    }
    values.update(fields)
    return Record(**values)  # type: ignore[arg-type]


def make_trial(n: int, *, results: bool = False, **fields: object) -> Trial:
    """A fictional registered trial ``NCT99000000 + n``; ``fields`` override any field.

    With ``results=True`` it carries a two-arm adverse-event table with one serious and one
    other event, and a RESULT publication pointing at fictional PMID ``90000000 + n``.
    """
    nct = f"NCT{99_000_000 + n:08d}"
    values: dict[str, object] = {
        "nct_id": nct,
        "title": f"Fictional mesenchymal stromal cell trial {n}",
        "status": "COMPLETED" if results else "RECRUITING",
        "phases": ["PHASE1", "PHASE2"],
        "study_type": "INTERVENTIONAL",
        "design": TrialDesign("RANDOMIZED", "PARALLEL", "TREATMENT", "NONE"),
        "enrollment": 40 + n,
        "start_date": f"{2015 + n % 8}-03",
        "completion_date": f"{2017 + n % 8}-06",
        "conditions": ["Fictional Condition"],
        "interventions": [Intervention("BIOLOGICAL", "Fictional MSC product")],
        "sponsor": "Fictional Sponsor",
        "has_results": results,
    }
    if results:
        values["results_first_posted"] = f"{2018 + n % 8}-01-15"
        values["adverse_events"] = AdverseEvents(
            time_frame="12 months",
            frequency_threshold="5",
            groups=[
                EventGroup("EG000", "MSC", 0, 20, 2, 20, 5, 20),
                EventGroup("EG001", "Placebo", 0, 20, 1, 20, 3, 20),
            ],
            serious=[
                AdverseEvent(
                    "Fictional serious event",
                    "Infections and infestations",
                    "MedDRA (fictional)",
                    "SYSTEMATIC_ASSESSMENT",
                    [EventStat("EG000", 2, 2, 20), EventStat("EG001", 1, 1, 20)],
                )
            ],
            other=[
                AdverseEvent(
                    "Fictional other event",
                    "General disorders",
                    "MedDRA (fictional)",
                    "SYSTEMATIC_ASSESSMENT",
                    [EventStat("EG000", 5, 5, 20), EventStat("EG001", 3, 3, 20)],
                )
            ],
        )
    values.update(fields)
    return Trial(**values)  # type: ignore[arg-type]


@pytest.fixture(autouse=True)
def _sealed_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test away from the real user's home, config, cache and NCBI."""
    import os

    for name in list(os.environ):
        if name.startswith("MSCTERM_") or name in {"NCBI_API_KEY", "NCBI_EMAIL"}:
            monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("XDG_STATE_HOME", str(home / ".local" / "state"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    monkeypatch.setenv("MSCTERM_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("MSCTERM_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("MSCTERM_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("MSCTERM_EUTILS_URL", UNREACHABLE_URL)
    monkeypatch.setenv("MSCTERM_CTGOV_URL", UNREACHABLE_CTGOV_URL)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs (root only; skipped where it cannot be mounted)."""
    mount_point = tmp_path / "small"
    mount_point.mkdir()
    try:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount_point)],
            capture_output=True,
            timeout=20,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"cannot mount a small tmpfs here: {exc}")
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode(errors='replace')}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", "-l", str(mount_point)], capture_output=True, timeout=20)


@pytest.fixture
def samples_dir() -> Path:
    """The shared directory of real NCBI recordings; the test is skipped when it is absent."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "ncbi" / "samples"
    if not path.is_dir():
        pytest.skip(f"NCBI samples not available at {path}")
    return path


@pytest.fixture
def ctgov_samples_dir() -> Path:
    """The shared directory of real ClinicalTrials.gov recordings; skips when it is absent."""
    path = Path(__file__).resolve().parents[1].parent / "shared" / "ctgov" / "samples"
    if not path.is_dir():
        pytest.skip(f"ClinicalTrials.gov samples not available at {path}")
    return path


@pytest.fixture
def eutils_server() -> Iterator[EUtilsServer]:
    """A started local E-utilities server with ten fictional articles (90000001..90000010)."""
    articles = fictional_articles(len(FICTIONAL_PMIDS))
    server = EUtilsServer(articles)
    server.set_search(FICTIONAL_SEARCH_TERM, sorted(articles, key=int, reverse=True))
    with server:
        yield server


@pytest.fixture
def ctgov_server() -> Iterator[CTGovServer]:
    """A started local ClinicalTrials.gov stand-in: the recorded samples (when present) and
    ten fictional MSC trials NCT99000001..NCT99000010. Stopped after the test."""
    samples = default_ctgov_samples_dir()
    server = CTGovServer(fictional_studies(10), samples_dir=samples if samples.is_dir() else None)
    with server:
        yield server


@pytest.fixture
def settings(tmp_path: Path, eutils_server: EUtilsServer) -> Settings:
    """Online settings on tmp dirs, talking to ``eutils_server`` (built directly: no env leaks)."""
    return Settings(
        cache_dir=tmp_path / "cache",
        state_dir=tmp_path / "state",
        eutils_url=eutils_server.url,
        ctgov_url=UNREACHABLE_CTGOV_URL,
        api_key=None,
        email="tests@example.org",
        offline=False,
        config_path=tmp_path / "config" / "config.toml",
    )


@pytest.fixture
def offline_settings(tmp_path: Path) -> Settings:
    """Offline settings on the same tmp dirs as ``settings``; no server."""
    return Settings(
        cache_dir=tmp_path / "cache",
        state_dir=tmp_path / "state",
        eutils_url=UNREACHABLE_URL,
        ctgov_url=UNREACHABLE_CTGOV_URL,
        api_key=None,
        email="tests@example.org",
        offline=True,
        config_path=tmp_path / "config" / "config.toml",
    )
