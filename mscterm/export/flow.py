"""The one export flow: items -> pinned keys -> text in a format -> an atomic write (or append).

``mscterm export``, ``mscterm lookup --bibtex`` and the TUI's export dialog all come through
here, so a record gets the same key, journal form, notes and escaping whichever way it left.
The flow gets records only through the Library (``library.records`` / ``library.cached``) and
keys through user state; it never touches the store or the network itself.

Stages, each usable alone::

    gather / gather_cached   ids -> Gathered (records and trials in the asked order, missing ids)
    pin_keys                 items -> citation keys (pinned on first export, bad pins re-made)
    write                    Gathered + ExportJob -> ExportOutcome (text, file or append)
    export / export_cached   the three together (CLI: fetches; TUI: cache only, no network)

Failures a user can act on are raised as :class:`ExportError` with ``storage`` telling a disk
failure (exit 4) from bad input (exit 2); a fetch failure is not an exception: the records that
could be had are still written and ``ExportOutcome.error`` says what was not.
"""

from __future__ import annotations

import errno
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from mscterm.export import FORMATS, Item, render
from mscterm.export.citekeys import TemplateError, assign_keys, is_valid_key, usable_pins
from mscterm.export.options import Annotation, ExportOptions
from mscterm.model import Record, Trial, is_trial_id

if TYPE_CHECKING:
    from mscterm.config import Settings
    from mscterm.results import Problem


class ExportError(Exception):
    """An export that cannot be done; the message is one plain line.

    ``storage`` is true when local storage failed (disk full, state not writable): exit code 4.
    Otherwise the input was bad (a path that cannot be written, a bad key template): exit 2.
    """

    def __init__(self, message: str, *, storage: bool = False) -> None:
        super().__init__(message)
        self.storage = storage


class KeyState(Protocol):
    """What the flow needs of user state: the pinned keys."""

    @property
    def citekeys(self) -> dict[str, str]: ...

    def pin_citekeys(self, new: dict[str, str]) -> dict[str, str]: ...

    def set(self, key: str, value: object) -> None: ...


class FetchAnswer(Protocol):
    """What ``Library.records`` answers (:class:`mscterm.results.Fetched`)."""

    records: dict[str, Record]
    missing: list[str]
    error: str | None
    problem: Problem | None


class TrialsAnswer(Protocol):
    """What ``Library.trials`` answers (:class:`mscterm.results.FetchedTrials`)."""

    trials: dict[str, Trial]
    missing: list[str]
    error: str | None
    problem: Problem | None


class ExportLibrary(Protocol):
    """The part of :class:`mscterm.library.Library` the flow uses."""

    settings: Settings

    @property
    def state(self) -> KeyState: ...

    def cached(self, rids: Iterable[str]) -> dict[str, Record]: ...

    async def records(self, rids: Sequence[str]) -> FetchAnswer: ...

    def cached_trials(self, ncts: Iterable[str]) -> dict[str, Trial]: ...

    async def trials(self, ncts: Sequence[str]) -> TrialsAnswer: ...


@dataclass(slots=True)
class ExportJob:
    """What to export and where.

    ``ids`` are record ids and NCT ids in the order wanted; a trial named there is taken from
    ``trials`` when given, else from the Library (``trials`` / ``cached_trials``), and a trial
    given in ``trials`` but not named in ``ids`` is exported after the named items.
    ``output`` is a path, ``"-"`` for stdout, or None to get the text back only.
    """

    ids: Sequence[str]
    fmt: str = "bibtex"
    output: str | Path | None = "-"
    append: bool = False
    options: ExportOptions = field(default_factory=ExportOptions)
    trials: Sequence[Trial] = ()


@dataclass(slots=True)
class Gathered:
    """The items found for a job (in the asked order, each once) and what was not found."""

    items: list[Item] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    error: str | None = None
    problem: Problem | None = None


@dataclass(slots=True)
class ExportOutcome:
    """What an export did: ids written with their keys, ids skipped or missing, the text."""

    written: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    error: str | None = None
    problem: Problem | None = None
    text: str | None = None


class Annotated(Protocol):
    """What a reviewer keeps on a record that exports carry (a screening decision)."""

    @property
    def note(self) -> str: ...

    @property
    def tags(self) -> tuple[str, ...]: ...


def annotated(options: ExportOptions, notes: Mapping[str, Annotated]) -> ExportOptions:
    """``options`` carrying the reviewer's notes and tags by record id (DESIGN.md: exports carry
    them where the format has a place): what every export path passes to :func:`render`."""
    found = {
        rid: Annotation(note=d.note or None, tags=tuple(d.tags))
        for rid, d in notes.items()
        if d.note or d.tags
    }
    return replace(options, annotations={**found, **options.annotations}) if found else options


def check(job: ExportJob, template: str) -> None:
    """Raise :class:`ExportError` now for a job that cannot succeed (before any fetching)."""
    from mscterm.export.citekeys import validate_template
    from mscterm.export.writer import ExportWriteError, check_writable

    if job.fmt not in FORMATS:
        raise ExportError(f"unknown export format {job.fmt!r}; use one of {', '.join(FORMATS)}")
    if job.append and job.fmt != "bibtex":
        raise ExportError("--append merges into a BibTeX file; use it with --format bibtex")
    if job.append and job.output in (None, "-"):
        raise ExportError("--append needs a file to merge into (-o FILE)")
    try:
        validate_template(template)
        if job.output is not None:
            check_writable(job.output)
    except (TemplateError, ExportWriteError) as exc:
        raise ExportError(str(exc)) from None


def _assemble(
    job: ExportJob,
    records: Mapping[str, Record],
    missing: list[str],
    found_trials: Mapping[str, Trial] | None = None,
) -> Gathered:
    trials = {k.upper(): t for k, t in (found_trials or {}).items()}
    trials.update({t.nct_id.upper(): t for t in job.trials})
    out = Gathered()
    seen: set[str] = set()
    for rid in dict.fromkeys(job.ids):
        item: Item | None = (
            trials.get(rid.upper()) if is_trial_id(rid.upper()) else records.get(rid)
        )
        if item is None:
            if rid not in out.missing:
                out.missing.append(rid)
        elif item.id not in seen:  # a DOI resolved to a PMID already asked: exported once
            seen.add(item.id)
            out.items.append(item)
    for trial in job.trials:
        if trial.id not in seen:
            seen.add(trial.id)
            out.items.append(trial)
    out.missing += [rid for rid in missing if rid not in out.missing and rid not in records]
    return out


def _record_ids(job: ExportJob) -> list[str]:
    return [rid for rid in dict.fromkeys(job.ids) if not is_trial_id(rid.upper())]


def _trial_ids(job: ExportJob) -> list[str]:
    """NCT ids named in the job that it does not carry a Trial for."""
    given = {t.nct_id.upper() for t in job.trials}
    named = (rid.upper() for rid in dict.fromkeys(job.ids) if is_trial_id(rid.upper()))
    return [nct for nct in dict.fromkeys(named) if nct not in given]


async def gather(library: ExportLibrary, job: ExportJob) -> Gathered:
    """The job's items: cached records and trials at once, the rest fetched (unless offline)."""
    wanted, ncts = _record_ids(job), _trial_ids(job)
    fetched = await library.records(wanted) if wanted else None
    got = await library.trials(ncts) if ncts else None
    out = _assemble(
        job,
        fetched.records if fetched else {},
        list(fetched.missing) if fetched else [],
        got.trials if got else None,
    )
    for answer in (fetched, got):
        if answer is not None and answer.error and out.error is None:
            out.error, out.problem = answer.error, answer.problem
    return out


def gather_cached(library: ExportLibrary, job: ExportJob) -> Gathered:
    """The job's items from the cache and the seed only (no network: the TUI's worker)."""
    ncts = _trial_ids(job)
    trials = library.cached_trials(ncts) if ncts else None
    return _assemble(job, library.cached(_record_ids(job)), [], trials)


def pin_keys(state: KeyState, items: Sequence[Item], template: str) -> dict[str, str]:
    """Citation keys for ``items``: pinned ones kept, new ones made and pinned.

    A pinned key that breaks the key rules (``state.json`` edited by hand or by an attacker)
    is never written: it is made again and the new key replaces it in state.
    """
    try:
        pinned = dict(state.citekeys)
        good = usable_pins(pinned)
        keys = assign_keys(items, good, template)
        fresh = {rid: key for rid, key in keys.items() if rid not in pinned}
        merged = state.pin_citekeys(fresh) if fresh else pinned
        repaired = {rid: keys[rid] for rid in keys if rid in pinned and rid not in good}
        if repaired:
            state.set("citekeys", {**usable_pins(state.citekeys), **repaired})
    except TemplateError as exc:
        raise ExportError(str(exc)) from None
    except OSError as exc:
        reason = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
        raise ExportError(f"cannot save citation keys: {reason}", storage=True) from None
    # Another process may have pinned one of ours meanwhile: its key wins (it is in a .bib now).
    return {
        rid: merged[rid] if rid in fresh and is_valid_key(merged.get(rid)) else key
        for rid, key in keys.items()
    }


def keyed_text(
    state: KeyState, items: Sequence[Item], fmt: str, options: ExportOptions, template: str
) -> str:
    """``items`` in ``fmt`` under their pinned keys: what ``lookup --bibtex`` prints."""
    return render(items, fmt, pin_keys(state, items, template), options)


def write(library: ExportLibrary, job: ExportJob, found: Gathered) -> ExportOutcome:
    """Key, format and write ``found``'s items as ``job`` says; nothing is written if none."""
    from mscterm.export.writer import ExportWriteError, append_bibtex, write_output

    outcome = ExportOutcome(missing=found.missing, error=found.error, problem=found.problem)
    if not found.items:
        return outcome
    settings = library.settings
    keys = pin_keys(library.state, found.items, settings.citekey_template)
    try:
        if job.append and job.output not in (None, "-"):
            assert job.output is not None
            result = append_bibtex(job.output, found.items, keys, job.options)
            outcome.written = result.added
            outcome.skipped = result.skipped
            return outcome
        text = render(found.items, job.fmt, keys, job.options)
        if job.output is None:
            outcome.text = text
        else:
            write_output(text, job.output)
    except ExportWriteError as exc:
        raise ExportError(str(exc), storage=exc.storage) from None
    except OSError as exc:
        raise ExportError(f"cannot write {job.output}: {exc.strerror or exc}") from None
    outcome.written = {item.id: keys[item.id] for item in found.items}
    return outcome


async def export(library: ExportLibrary, job: ExportJob) -> ExportOutcome:
    """Check, gather (fetching what the cache lacks), key and write: ``mscterm export``."""
    check(job, library.settings.citekey_template)
    return write(library, job, await gather(library, job))


def export_cached(library: ExportLibrary, job: ExportJob) -> ExportOutcome:
    """The same from the cache only (no network, no event loop): the TUI's export worker."""
    check(job, library.settings.citekey_template)
    return write(library, job, gather_cached(library, job))
