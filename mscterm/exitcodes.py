"""Exit codes of the command line (DESIGN.md's command table)."""

OK = 0
"""Everything asked for was done."""
NOT_FOUND = 1
"""Some records were not found or not available (named on stderr); no hits for a search."""
BAD_INPUT = 2
"""Bad input: an ID of neither form, an unknown topic, an unwritable path, a bad option."""
NETWORK_FAILURE = 3
"""The network failed, or the service answered with an error (``mscterm fetch``)."""
STORAGE_FAILURE = 4
"""Local storage failed: disk full, cache or state not writable (said in one line)."""
INTERRUPTED = 130
"""Ctrl-C: stopped cleanly, nothing partial kept."""
