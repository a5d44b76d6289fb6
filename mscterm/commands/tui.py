"""``mscterm`` (or ``mscterm tui``): start the explorer. The only module that imports Textual."""

from __future__ import annotations

import argparse
import gc

from mscterm.config import Settings
from mscterm.exitcodes import OK


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Run the app until the user quits; marks and the tree position are saved on the way out."""
    from mscterm.library import Library
    from mscterm.tui.app import MscApp

    # Everything imported so far (Textual, Rich, mscterm) lives as long as the process: move it
    # out of the collector's reach. Collections are off until the first frame is drawn
    # (mscterm.cli); the first ones after it scan only what the app allocates.
    gc.freeze()
    library = Library(settings)
    app = MscApp(library)
    result = app.run()
    return int(result) if isinstance(result, int) else OK
