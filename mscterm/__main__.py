"""Allow ``python -m mscterm``."""

from mscterm.cli import main

raise SystemExit(main())
