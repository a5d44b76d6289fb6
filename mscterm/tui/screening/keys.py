"""The screening keys: the main screen's and the hit lists' bindings, and the help's section.

Kept together so ``?`` says exactly what is bound. None of them is in the footer (it shows what
a newcomer needs first); ``?`` lists them all.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType

RECORD_BINDINGS: list[BindingType] = [
    Binding("i", "screening('include')", "Include", show=False),
    Binding("x", "screening('exclude')", "Exclude", show=False),
    Binding("m", "screening('maybe')", "Maybe", show=False),
    Binding("n", "screening('note')", "Note", show=False),
    Binding("t", "screening('tags')", "Tags", show=False),
    Binding("right_square_bracket", "screening('next')", "Next unscreened", show=False),
    Binding("left_square_bracket", "screening('previous')", "Previous unscreened", show=False),
]
"""The keys that screen a record: the main screen's and every hit list's."""

BINDINGS: list[BindingType] = [
    *RECORD_BINDINGS,
    Binding("V", "screening('view')", "Screening view", show=False),
    Binding("C", "screening('criteria')", "Criteria", show=False),
    Binding("P", "screening('prisma')", "PRISMA", show=False),
    Binding("K", "screening('conflicts')", "Conflicts", show=False),
]
"""The main screen's screening keys (``MainScreen.action_screening``)."""

HELP: tuple[str, list[tuple[str, str]]] = (
    "Screening the record shown (also on a highlighted hit)",
    [
        ("i", "include it (the same key again clears the decision)"),
        ("x", "exclude it: pick a reason (1-9) or type your own"),
        ("m", "maybe"),
        (
            "",
            "then the cursor moves to the next unscreened record of the topic or list "
            "(ctrl+p → 'Screening: stay on the record after a decision' turns that off)",
        ),
        ("", "the same work under another id? the decision is offered for it too"),
        ("n", "a note on it (ctrl+s saves, escape cancels)"),
        ("t", "its tags: type (→ completes), enter adds or removes, ctrl+s saves"),
        ("] [", "next / previous unscreened record of the topic or list"),
        (
            "V",
            "screening view of the topic or list: progress; d, R, T filter by "
            "decision, reason, tag",
        ),
        (
            "C",
            "the eligibility criteria (config criteria; terms from config highlight "
            "are marked in the pane)",
        ),
        ("P", "PRISMA 2020 flow diagram of the topic, from your decisions"),
        ("K", "conflicts with a second reviewer; i x m there record the consensus"),
    ],
)
"""The help screen's screening section (:mod:`mscterm.tui.screens.help`)."""
