"""One module per sub-command; each exposes ``run(args, settings) -> int``."""
