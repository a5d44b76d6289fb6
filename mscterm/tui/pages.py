"""A page of a list, from the Library's answers: a topic's newest PubMed page or a link list.

The workers (:mod:`mscterm.tui.workers`) load lists through :func:`list_page`; what cannot be
had becomes :class:`Offline` (nothing to show offline) or :class:`Failed` (the Library's one
sentence), so each worker decides what to post.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mscterm.results import Problem
from mscterm.tui.explorer import KNOWN_OFFLINE_NOTE
from mscterm.tui.nodes import GROUP_TITLES, REVIEW_PMID

if TYPE_CHECKING:
    from mscterm.library import Library
    from mscterm.tui.answers import Page


class Offline(Exception):
    """Offline by choice: the page was not asked for (and nothing stands in for it)."""


class Failed(Exception):
    """The page could not be had; the message is the Library's sentence."""


async def list_page(
    library: Library,
    kind: str,
    owner: str,
    start: int,
    size: int,
    known: list[str] | None,
    refresh: bool,
) -> Page:
    """A page of a list: an esearch page (``latest``), or cut from elink's whole answer.

    The review's references are the ones known from its page when the network has none
    (the Library's fallback; noted under the list). Raises :class:`Offline` when nothing
    can be had offline, :class:`Failed` with the Library's sentence when nothing came.
    """
    from mscterm.tui.answers import Page
    from mscterm.tui.trials.pages import TRIAL_LISTS, trial_page

    if kind in TRIAL_LISTS:
        return await trial_page(library, kind, owner, start, size, known, refresh)
    if kind == "latest":
        found = await library.topic_latest(owner, retstart=start, retmax=size, refresh=refresh)
        if found.problem is Problem.OFFLINE:
            raise Offline
        if found.error:
            raise Failed(found.error)
        return Page(found.value.ids, found.value.count)
    note = warning = None
    every = known
    if every is None:
        answer = await library.related(owner, kind, refresh=refresh)
        if not answer.value and answer.problem is Problem.OFFLINE:
            raise Offline
        if not answer.value and answer.error:
            raise Failed(answer.error)
        if kind == "references" and owner == REVIEW_PMID and (not answer.ok or answer.warnings):
            note = KNOWN_OFFLINE_NOTE
        if answer.error and answer.problem is not Problem.OFFLINE:
            warning = f"{GROUP_TITLES.get(kind, kind)}: {answer.error}"
        every = answer.value
    return Page(every[start : start + size], len(every), every, note, warning)
