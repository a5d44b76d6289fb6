"""The record keys on a registered trial, and ``T`` on a record that names trials.

``space`` (mark) and ``e`` (export: BibTeX ``@misc``, BibLaTeX ``@online``, RIS, CSL-JSON) need
nothing of their own: a trial's NCT id is a mark like any record id, and the one export flow
writes trials. Here: ``y`` copies the NCT id, the registry's address, a citation or the BibTeX
entry; ``o`` opens the trial on ClinicalTrials.gov; ``T`` opens the trials a PubMed record names
in its data bank list (one at once, several through a menu).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mscterm.tui.safe import one_line
from mscterm.tui.trials.text import trial_citation, trial_url

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.model import Record

NO_TRIALS = "{name} names no registered trial (PubMed lists none in its data bank list)."
MOVE_TO_RECORD = "T opens the registered trials a PubMed record names: move to a record."


def bibtex_entry(library: Library, nct: str) -> str | None:
    """The trial's BibTeX ``@misc`` entry as ``mscterm export`` writes it (its pinned key)."""
    from mscterm.export import flow
    from mscterm.export.options import ExportOptions

    options = ExportOptions(journal=library.settings.journal)
    job = flow.ExportJob([nct], fmt="bibtex", output=None, options=options)
    try:
        outcome = flow.export_cached(library, job)
    except (flow.ExportError, OSError, ValueError):
        return None
    return outcome.text.strip() if outcome.text else None


def copy_choices(library: Library, nct: str) -> list[tuple[str, str]]:
    """(what, text to copy) for a trial: its NCT id, its page, a citation, its BibTeX entry
    (the last two once it is cached)."""
    choices = [("NCT id", nct), ("Link", trial_url(nct))]
    trial = library.cached_trial(nct)
    if trial is not None:
        choices.append(("Citation", trial_citation(trial)))
        entry = bibtex_entry(library, nct)
        if entry:
            choices.append(("BibTeX", entry))
    return choices


def registered_trials(record: Record) -> list[str]:
    """The NCT ids a record names, upper-cased, each once."""
    return list(dict.fromkeys(n.strip().upper() for n in record.registry_ids if n.strip()))


def trial_choices(library: Library, ncts: list[str]) -> list[tuple[str, str]]:
    """(status, ``NCT… · title``) for ``T``'s menu, once the trial is cached; the chosen
    value's first word is the NCT id (:func:`chosen_trial`)."""
    from mscterm.tui.trials.rows import status_word

    found = library.cached_trials(ncts)
    choices = []
    for nct in ncts:
        trial = found.get(nct)
        if trial is None:
            choices.append(("", f"{nct} · (not cached yet)"))
        else:
            choices.append((status_word(trial.status), f"{nct} · {one_line(trial.title)}"))
    return choices


def chosen_trial(value: str) -> str:
    """The NCT id of a :func:`trial_choices` value."""
    return value.split(" ", 1)[0]
