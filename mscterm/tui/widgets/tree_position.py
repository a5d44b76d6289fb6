"""Where the person is in the topic tree, saved and brought back.

The expanded keys and the cursor are saved as keys (Textual's node ids change every run). A
saved key inside a list exists only once that list has loaded, so it waits in the explorer's
:class:`~mscterm.tui.explorer.Position` and is applied when the list arrives. Functions over the
tree's public methods (nodes by key, populate, select).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from typing import TYPE_CHECKING

from textual.widgets.tree import TreeNode

from mscterm.tui.nodes import FOUND_KEY, NodeData

if TYPE_CHECKING:
    from mscterm.tui.explorer import Explorer
    from mscterm.tui.widgets.topic_tree import TopicTree

Node = TreeNode[NodeData]


def _still_pending(tree: TopicTree, explorer: Explorer, key: str) -> bool:
    def opened(node_key: str) -> bool | None:
        node = tree.node_by_key(node_key)
        return None if node is None else node.is_expanded

    return explorer.position.still_pending(key, opened, explorer.lists)


def expanded_keys(tree: TopicTree, explorer: Explorer) -> list[str]:
    """Keys of expanded nodes, and of saved ones still waiting for their list to load.

    While a filter is on, the position from before it (the filter's expansions are not the
    person's).
    """
    position = explorer.position
    if tree.filter_text and position.unfiltered is not None:
        return list(position.unfiltered[0])
    keys = [n.data.key for n in tree.iter_nodes() if n.is_expanded and n.data is not None]
    keys += sorted(k for k in position.expand if _still_pending(tree, explorer, k))
    return keys


def session_only(key: str | None) -> bool:
    """Keys under "Found this session" do not outlive the session (nor get saved)."""
    return key is not None and (key == FOUND_KEY or key.startswith(FOUND_KEY + "/"))


def cursor_key(tree: TopicTree, explorer: Explorer) -> str | None:
    """Key of the node under the cursor (or of the saved one still waiting for its list)."""
    position = explorer.position
    if tree.filter_text and position.unfiltered is not None:
        return position.unfiltered[1]
    if position.cursor is not None and _still_pending(tree, explorer, position.cursor):
        return position.cursor
    node = tree.cursor_node
    return node.data.key if node is not None and node.data is not None else None


def restore(
    tree: TopicTree, explorer: Explorer, expanded: Iterable[str], cursor: str | None
) -> None:
    """Expand saved nodes (now, or when they appear) and place the cursor."""
    position = explorer.position
    position.plan(expanded, cursor)
    apply_pending(tree, explorer, tree.root)
    if position.cursor is not None:
        # Not there (yet): fall back to the deepest existing ancestor by key prefix.
        key = position.cursor
        while "/" in key:
            key = key.rsplit("/", 1)[0]
            if tree.node_by_key(key) is not None:
                tree.select_key(key)
                break
    if tree.cursor_line < 0:
        tree.cursor_line = 0


def apply_pending(tree: TopicTree, explorer: Explorer, start: Node) -> None:
    """Expand saved nodes that now exist below ``start``, and move the cursor if it can."""
    position = explorer.position
    if not position.expand and position.cursor is None:
        return
    queue = deque([start] if not start.is_root else start.children)
    while queue:
        node = queue.popleft()
        if node.data is not None and position.take(node.data.key):
            tree.ensure_populated(node)
            node.expand()
        if node.is_expanded or node is start:
            queue.extend(node.children)
    if position.cursor is not None and tree.node_by_key(position.cursor) is not None:
        key, position.cursor = position.cursor, None
        tree.select_key(key)
