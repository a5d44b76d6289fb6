"""The index kept beside the topic tree: nodes by key, nodes by record id, rows by record id.

``Tree`` can only find a node by walking; the explorer asks by key (restore, go-to, a list's
answer) and by record id (a mark, an arriving record) all the time. The tree adds every node
here and forgets every subtree it removes, so each question is a dict lookup.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from textual.widgets.tree import TreeNode

from mscterm.tui.nodes import NodeData, RecordData
from mscterm.tui.rows import Row

Node = TreeNode[NodeData]


class TreeIndex:
    """Nodes by key and by record id, and each record's row as last drawn."""

    def __init__(self) -> None:
        self._by_key: dict[str, Node] = {}
        self._by_rid: dict[str, list[Node]] = {}
        self._rows: dict[str, Row] = {}

    def clear(self) -> None:
        """The tree was rebuilt: nothing is shown any more (rows are made again too)."""
        self._by_key.clear()
        self._by_rid.clear()
        self._rows.clear()

    def add(self, node: Node) -> None:
        data = node.data
        if data is None:
            return
        self._by_key[data.key] = node
        if isinstance(data, RecordData):
            self._by_rid.setdefault(data.rid, []).append(node)

    def forget(self, node: Node) -> None:
        """Drop ``node`` and everything below it (it is being removed from the tree)."""
        stack = [node]
        while stack:
            current = stack.pop()
            stack.extend(current.children)
            data = current.data
            if data is None:
                continue
            if self._by_key.get(data.key) is current:
                del self._by_key[data.key]
            if isinstance(data, RecordData):
                nodes = [n for n in self._by_rid.get(data.rid, ()) if n is not current]
                if nodes:
                    self._by_rid[data.rid] = nodes
                else:
                    self._by_rid.pop(data.rid, None)

    def node(self, key: str) -> Node | None:
        """The node with ``key``, if the tree shows it now."""
        return self._by_key.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._by_key

    def record_nodes(self, rids: Iterable[str]) -> Iterator[Node]:
        """The nodes showing any of ``rids`` (ids in the order given, nodes as added)."""
        for rid in rids:
            yield from self._by_rid.get(rid, ())

    def row(self, rid: str, make: Callable[[str], Row]) -> Row:
        """The record's row, made by ``make`` the first time it is drawn."""
        row = self._rows.get(rid)
        if row is None:
            row = self._rows[rid] = make(rid)
        return row

    def drawn_width(self, rid: str) -> int | None:
        """The cell width of the record's row if it was drawn already (None: not yet)."""
        row = self._rows.get(rid)
        return row.text.cell_len if row is not None else None

    def drop_rows(self, rids: Iterable[str] | None = None) -> None:
        """These records changed (None: all may have): their rows are made again."""
        if rids is None:
            self._rows.clear()
            return
        for rid in rids:
            self._rows.pop(rid, None)
