"""A page of a trial list, from the Library's answers, in the shape every list has.

Two lists: a topic's registered trials (``trials``: NCT ids, newest registration first, from
:meth:`Library.topic_trials`) and a trial's publications (``publications``: PMIDs, the registry's
references first, then the PubMed records naming the trial, from
:meth:`Library.trial_publications`). Both come whole from the Library, so later pages are cut
from the first answer (``known``), as elink's lists are. Their records or trials are in the cache
when the page comes back (the Library stored them), so the rows draw at once.

:func:`mscterm.tui.pages.list_page` hands these kinds here; what cannot be had becomes its
:class:`~mscterm.tui.pages.Offline` or :class:`~mscterm.tui.pages.Failed`, like any list.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from mscterm.results import Problem
from mscterm.tui.pages import Failed, Offline

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui.answers import Page

TRIAL_LISTS = frozenset({"trials", "publications"})
"""The list kinds of registered trials (``trials`` under a topic, ``publications`` under a
trial)."""


def trials_key(topic_id: str) -> str:
    """The tree key of a topic's "Registered trials" list."""
    return f"t:{topic_id}/trials"


async def trial_page(
    library: Library,
    kind: str,
    owner: str,
    start: int,
    size: int,
    known: list[str] | None,
    refresh: bool,
) -> Page:
    """A page of a topic's trials (``owner``: the topic id) or of a trial's publications
    (``owner``: the NCT id); ``known`` the whole list kept from the first page."""
    from mscterm.tui.answers import Page

    if known is not None:
        return Page(known[start : start + size], len(known), known)
    if kind == "trials":
        every, note, warning = await _topic_trials(library, owner, refresh)
    else:
        every, note, warning = await _publications(library, owner)
    return Page(every[start : start + size], len(every), every, note, warning)


async def _topic_trials(
    library: Library, topic_id: str, refresh: bool
) -> tuple[list[str], str | None, str | None]:
    answer = await library.topic_trials(topic_id, refresh=refresh)
    listed = answer.value
    if listed.fetched_at is None:  # never fetched: nothing stands in for it
        if answer.problem is Problem.OFFLINE:
            raise Offline
        if answer.error:
            raise Failed(answer.error)
    ids = [t.nct_id for t in listed.trials]
    note = warning = None
    if answer.error and listed.fetched_at is not None:  # the kept list stands in
        day = dt.datetime.fromtimestamp(listed.fetched_at).date().isoformat()
        note = f"the list kept on {day}"
        if answer.problem is not Problem.OFFLINE:
            warning = f"Registered trials: {answer.error}"
    if not listed.complete and listed.total is not None:
        note = f"the first {len(ids):,} of {listed.total:,} the registry counts"
    return ids, note, warning


async def _publications(library: Library, nct: str) -> tuple[list[str], str | None, str | None]:
    answer = await library.trial_publications(nct)
    found = answer.value
    ids = found.pmids
    if not ids and answer.problem is Problem.OFFLINE:
        raise Offline
    if not ids and answer.error:
        raise Failed(answer.error)
    unlinked = sum(1 for p in found.references if not p.pmid)
    note = f"{unlinked} reference(s) without a PMID: see the trial's pane" if unlinked else None
    warning = None
    if answer.error and answer.problem is not Problem.OFFLINE:
        warning = f"Publications of {nct}: {answer.error}"
    return ids, note, warning
