"""Allow ``python -m mscterm``."""

import sys

try:
    from mscterm.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still importing: one line, no traceback
    sys.stderr.write("mscterm: interrupted; nothing partial was kept\n")
    raise SystemExit(130) from None

raise SystemExit(main())
