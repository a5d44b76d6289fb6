"""Screening in the explorer: decide, note and tag records by keys, wherever they are shown.

The part behind the keys is :class:`~mscterm.tui.screening.screener.Screener` (built by the main
screen); it writes through ``library.screening`` (:mod:`mscterm.screening`) and repaints what
shows the record. Modules:

* ``verdicts`` -- the decisions the rows draw, read once per record (no Textual);
* ``scope``    -- "the current topic or list" in the tree, and the next unscreened record there;
* ``panel``    -- the pane's decision strip and the highlighted inclusion/exclusion terms;
* ``places``   -- where a key acts: the tree and the pane, or a list of hits;
* ``screener`` -- the keys: i x m n t ] [ and the views;
* ``pickers``  -- the reason picker (x) and the tag picker (t);
* ``editors``  -- the note editor (n), a yes/no question, the criteria (C);
* ``view``     -- the screening view of a topic or list (V): progress, filters, preview;
* ``conflicts`` -- two reviewers side by side, the consensus recorded (K);
* ``prisma_boxes``, ``prisma_view`` -- the PRISMA 2020 flow diagram (P);
* ``commands`` -- the palette's screening commands; ``keys`` -- the help section.
"""
