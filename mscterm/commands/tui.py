"""``mscterm`` (or ``mscterm tui``): start the explorer. The only module that imports Textual."""

from __future__ import annotations

import argparse

from mscterm.config import Settings
from mscterm.exitcodes import OK


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the app until the user quits; marks and the tree position are saved on the way out."""
    from mscterm.library import Library
    from mscterm.tui.app import MscApp

    library = Library(settings)
    app = MscApp(library)
    result = app.run()
    return int(result) if isinstance(result, int) else OK
