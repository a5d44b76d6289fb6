"""The explorer's state that needs no Textual: marks, open lists, fetch history, position.

One :class:`Explorer` is shared by the main screen, the tree and the pane. Widgets read it to draw
(the tree draws a mark from :attr:`Explorer.marks` at paint time); the screen changes it when a
message arrives and then tells the widgets what changed. Everything here is plain Python, so the
rules of the explorer (what a list shows, what to fetch, what comes back after a restart) are
tested without an app.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from mscterm.tui.marks import Marks

if TYPE_CHECKING:
    from mscterm.model import Record
    from mscterm.results import TopicCounts

PAGE = 20
"""Records per page of a lazily loaded list: one efetch batch, a screenful of labels."""
PREFETCH = 20
"""At most this many siblings are prefetched after the cursor rests on a reference."""

IDLE, LOADING, LOADED, FAILED = "idle", "loading", "loaded", "failed"
"""The states of a list (see :class:`ListState`)."""

OFFLINE_NOTE = "offline: not fetched yet"
FAILED_NOTE = "could not load (see status line)"
CANCELLED_NOTE = "expand again to load"
KNOWN_OFFLINE_NOTE = "known offline: the first references from the review's page"

Shown = tuple[str, str]
"""What the pane shows: ``("record", id)``, ``("topic", id)``, ``("group", key)``, ``("note", "")``
or ``("none", "")``; late results only replace what they belong to."""


@dataclass(slots=True)
class ListState:
    """A lazily loaded list: a topic's latest PubMed hits, or a record's links.

    ``kind`` is ``latest`` (``owner`` is a topic id) or ``references``/``similar``/``cited_by``
    (``owner`` is a PMID). ``ids`` are the records shown (pages loaded so far); ``every_id`` the
    whole answer when the network gives it at once (elink), from which further pages are cut.
    """

    key: str
    kind: str
    owner: str
    state: str = IDLE
    ids: list[str] = field(default_factory=list)
    total: int | None = None
    note: str | None = None
    every_id: list[str] | None = None
    generation: int = 0
    """Bumped by each load, so a late answer of an earlier load is recognised and dropped."""
    title: str | None = None
    """The list's own title (a search under "Found"); None: the kind's title."""
    sort: str = "as listed"
    """How ``S`` arranged it (:data:`mscterm.listing.SORTS`)."""
    only: str = "all"
    """What ``F`` keeps (a key of :data:`mscterm.listing.FILTERS`)."""
    error: str | None = None
    """Why the last load failed (named in the status line while the list is shown)."""

    @property
    def needs_load(self) -> bool:
        """Nothing loaded yet, or the last try failed: opening it should load it."""
        return self.state in {IDLE, FAILED}

    @property
    def has_more(self) -> bool:
        """A further page exists (the tree shows a "more…" leaf)."""
        return self.total is not None and len(self.ids) < self.total


class Position:
    """Where the person was: saved expanded keys and cursor, waiting for their nodes to exist.

    A saved key inside a list appears only once that list has loaded (after a restart, or after
    a filter is cleared); until then it is *pending*, and still counts as expanded (quitting
    before the network answered loses nothing).
    """

    def __init__(self) -> None:
        self.expand: set[str] = set()
        """Saved expanded keys whose nodes do not exist yet."""
        self.cursor: str | None = None
        """The saved cursor key, until its node exists (or the person moves)."""
        self.restored: set[str] = set()
        """Keys expanded by the restore: their lists load together, in one worker."""
        self.active = False
        """The restore of the open lists is under way."""
        self.unfiltered: tuple[list[str], str | None] | None = None
        """The expanded keys and cursor from before a filter, given back when it is cleared."""

    def plan(self, expanded: Iterable[str], cursor: str | None) -> None:
        """Remember the expanded keys and cursor to bring back."""
        self.expand = set(expanded)
        self.cursor = cursor

    def take(self, key: str) -> bool:
        """``key`` was waiting to be expanded: it is now (counted as restored)."""
        if key not in self.expand:
            return False
        self.expand.discard(key)
        self.restored.add(key)
        return True

    def finish_restore(self) -> None:
        """The restore's lists have all been asked for: expansions are the person's again."""
        self.active = False
        self.restored.clear()

    def still_pending(
        self, key: str, opened: Callable[[str], bool | None], lists: Mapping[str, ListState]
    ) -> bool:
        """``key`` may yet appear: it lies in an open list that has not loaded (yet).

        ``opened(key)`` says whether the node with that key is expanded (None: no such node).
        """
        if "/" not in key:
            return False  # top-level and sub-topic nodes exist as soon as their parent is open
        parent = key.rsplit("/", 1)[0]
        expanded = opened(parent)
        if expanded is None:
            return parent in self.expand and self.still_pending(parent, opened, lists)
        lst = lists.get(parent)
        return expanded and lst is not None and lst.state != LOADED


class Explorer:
    """Marks, lists, fetch history, topic counts, what the pane shows, and the saved position."""

    def __init__(self, marks: Iterable[str] = (), *, page: int = PAGE) -> None:
        self.marks = Marks(marks)
        """The marked record ids (shared with the tree: a key right after space sees it)."""
        self.page = page
        self.lists: dict[str, ListState] = {}
        """Every list the tree has shown, by key: survives a filter rebuild (no refetch)."""
        self.tried: set[str] = set()
        """Record ids fetched (or tried) this session: a failure is not retried on every move."""
        self.failed: dict[str, str] = {}
        """Record ids whose last fetch failed -> the sentence saying why."""
        self.counts: dict[str, TopicCounts] = {}
        """Topic id -> its PubMed counts, once they arrived."""
        self.shown: Shown = ("none", "")
        """What the pane shows: the one thing every record key acts on (see :attr:`record`)."""
        self.position = Position()
        self.found: list[tuple[str, str]] = []
        """What this session found outside the curated tree, newest first: ``("record", id)``
        opened by go-to or search, ``("search", list key)`` a search's hits."""
        self.decision_of: Callable[[str], str | None] = _no_decision
        """The screening decision of a record id (``include``/``exclude``/``maybe``), drawn in
        every row's decision slot; screening replaces this."""

    @property
    def record(self) -> str | None:
        """The id of the record the pane shows (None when it shows a topic, a list, a note)."""
        kind, key = self.shown
        return key if kind == "record" else None

    # -- lists -----------------------------------------------------------------------------------
    def list_for(self, key: str, kind: str, owner: str) -> ListState:
        """The list with ``key``, created (idle) the first time the tree shows it."""
        lst = self.lists.get(key)
        if lst is None:
            lst = self.lists[key] = ListState(key=key, kind=kind, owner=owner)
        return lst

    def set_state(self, key: str, state: str, note: str | None = None) -> ListState | None:
        """Mark a list loading / failed / idle; a loading list drops its note."""
        lst = self.lists.get(key)
        if lst is None:
            return None
        lst.state = state
        lst.note = note if state != LOADING else None
        if state == LOADING:
            lst.error = None
        return lst

    def begin(self, key: str) -> ListState | None:
        """A load of the list starts: it shows as loading; earlier answers become stale."""
        lst = self.set_state(key, LOADING)
        if lst is not None:
            lst.generation += 1
        return lst

    def current(self, key: str, generation: int | None) -> ListState | None:
        """The list, unless ``generation`` names an earlier load than the latest."""
        lst = self.lists.get(key)
        if lst is None or (generation is not None and generation != lst.generation):
            return None
        return lst

    def fill(
        self,
        key: str,
        ids: list[str],
        total: int | None,
        *,
        append: bool = False,
        note: str | None = None,
    ) -> ListState | None:
        """Loaded: ``ids`` replace the list (or follow it, for the next page), without repeats."""
        lst = self.lists.get(key)
        if lst is None:
            return None
        lst.ids = list(dict.fromkeys([*lst.ids, *ids] if append else ids))
        lst.total = total
        lst.state = LOADED
        lst.note = note
        return lst

    def forget(self, key: str) -> None:
        """Drop what a list knows (``r``): the next load asks the network again."""
        lst = self.lists.get(key)
        if lst is not None:
            lst.ids = []
            lst.every_id = None

    def next_start(self, key: str, append: bool) -> int:
        """Where the page to load starts: after the shown ids for "more…", else at 0."""
        lst = self.lists.get(key)
        return len(lst.ids) if append and lst is not None else 0

    def cached_answer(self, key: str, append: bool) -> list[str] | None:
        """The whole answer kept from the first page, to cut the next page from (or None)."""
        lst = self.lists.get(key)
        return lst.every_id if append and lst is not None else None

    def unloaded(
        self, open_topics: Iterable[str], open_lists: Iterable[str], tried: set[str]
    ) -> tuple[list[str], list[str]]:
        """Open topics and open lists with nothing loaded (not in ``tried``): (topics, lists).

        A topic counts when its "Latest on PubMed" list needs loading; that list then loads
        with its topic, not on its own.
        """
        topics: list[str] = []
        for topic_id in open_topics:
            latest = self.lists.get(latest_key(topic_id))
            if topic_key(topic_id) not in tried and latest is not None and latest.needs_load:
                topics.append(topic_id)
        groups: list[str] = []
        for key in open_lists:
            lst = self.lists.get(key)
            if key in tried or lst is None or not lst.needs_load:
                continue
            if lst.kind == "latest" and lst.owner in topics:
                continue
            groups.append(key)
        return topics, groups

    # -- records ---------------------------------------------------------------------------------
    def wants_fetch(self, rid: str, record: Record | None) -> bool:
        """Not in the cache (or only its seed citation), and not tried yet this session."""
        return (record is None or not record.is_full) and rid not in self.tried

    def to_prefetch(self, rids: Iterable[str], lookup: Callable[[str], Record | None]) -> list[str]:
        """Of a list's PMIDs, the first few not fetched (nor tried) yet."""
        wanted = []
        for rid in rids:
            if rid.isdigit() and rid not in self.tried:
                record = lookup(rid)
                if record is None or not record.is_full:
                    wanted.append(rid)
                    if len(wanted) == PREFETCH:
                        break
        return wanted

    def found_record(self, rid: str) -> bool:
        """Remember a record opened outside the curated tree; False if it was there already."""
        if ("record", rid) in self.found:
            return False
        self.found.insert(0, ("record", rid))
        return True

    def found_search(self, title: str, ids: list[str], total: int | None) -> ListState:
        """Keep a search's hits as a list under "Found" (the same search replaces its list)."""
        for kind, key in self.found:
            lst = self.lists.get(key)
            if kind == "search" and lst is not None and lst.title == title:
                self.found.remove((kind, key))
                break
        else:
            key = f"found/s{sum(1 for kind, _ in self.found if kind == 'search') + 1}"
            while key in self.lists:
                key += "+"
        lst = self.list_for(key, "search", title)
        lst.title = title
        self.fill(key, ids, total if total is not None else len(ids))
        self.found.insert(0, ("search", key))
        return lst

    def fetched(self, rids: Iterable[str], error: str | None = None) -> None:
        """These ids were asked for; ``error`` says why the answer was incomplete."""
        for rid in rids:
            self.tried.add(rid)
            if error:
                self.failed[rid] = error
            else:
                self.failed.pop(rid, None)

    def retry(self, rid: str) -> None:
        """Forget that ``rid`` was tried (``r``): the next showing fetches it again."""
        self.tried.discard(rid)

    # -- marks -----------------------------------------------------------------------------------
    def mark_all(self, rids: list[str]) -> tuple[set[str], bool]:
        """Mark every one of ``rids``; if all were marked already, unmark them all.

        Returns the ids that changed and whether they are now marked.
        """
        current = set(self.marks)
        if all(r in current for r in rids):
            drop = set(rids)
            return self.marks.replace([m for m in self.marks if m not in drop]), False
        added = [r for r in rids if r not in current]
        return self.marks.replace([*self.marks, *added]), True


def _no_decision(rid: str) -> str | None:
    return None


def topic_key(topic_id: str) -> str:
    """The tree key of a topic node."""
    return f"t:{topic_id}"


def latest_key(topic_id: str) -> str:
    """The key of a topic's "Latest on PubMed" list."""
    return f"t:{topic_id}/latest"
