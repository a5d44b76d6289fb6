"""The ``mscterm`` command line: argparse sub-commands, one module each under ``commands/``.

Only the TUI command imports Textual, and only network commands import httpx, so ``lookup`` on a
warm cache starts in well under DESIGN.md's 150 ms. Every failure a user can cause ends with one
plain line on stderr and an exit code from :mod:`mscterm.exitcodes` -- never a traceback.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence

from mscterm import __version__
from mscterm.exitcodes import BAD_INPUT, INTERRUPTED, OK


class _Parser(argparse.ArgumentParser):
    """argparse that exits with our BAD_INPUT code and a single-line message."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(BAD_INPUT, f"mscterm: {message} (see '{self.prog} --help')\n")


def _common_options(default: object) -> _Parser:
    """The settings flags every command takes (DESIGN.md's Settings table)."""
    common = _Parser(add_help=False)
    common.add_argument(
        "--cache-dir", default=default, help="cache directory (env MSCTERM_CACHE_DIR)"
    )
    common.add_argument(
        "--eutils-url", default=default, help="E-utilities base URL (env MSCTERM_EUTILS_URL)"
    )
    common.add_argument(
        "--offline",
        action="store_true",
        default=default,
        help="never touch the network (env MSCTERM_OFFLINE=1)",
    )
    common.add_argument(
        "--ctgov-url",
        default=default,
        help="ClinicalTrials.gov API v2 base URL (env MSCTERM_CTGOV_URL)",
    )
    common.add_argument(
        "--reviewer", default=default, help="reviewer name for screening (env MSCTERM_REVIEWER)"
    )
    common.add_argument("--config", default=default, help="config file (env MSCTERM_CONFIG)")
    return common


def build_parser() -> argparse.ArgumentParser:
    """The whole command-line grammar (DESIGN.md's command table)."""
    parser = _Parser(
        prog="mscterm",
        description="Explore the literature on mesenchymal stem cell safety.",
        parents=[_common_options(None)],
    )
    # The same options after the sub-command; SUPPRESS keeps a sub-parser from overwriting
    # what was given before it (`mscterm --offline lookup 1` and `mscterm lookup 1 --offline`).
    common = _common_options(argparse.SUPPRESS)
    parser.add_argument("--version", action="version", version=f"mscterm {__version__}")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser)

    p = sub.add_parser("lookup", parents=[common], help="print records by PMID or DOI")
    p.add_argument("ids", nargs="+", metavar="ID", help="PMID (1-9 digits) or DOI (10.…)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="a JSON array of records")
    fmt.add_argument("--bibtex", action="store_true", help="BibTeX entries")

    p = sub.add_parser("fetch", parents=[common], help="warm the cache for offline use")
    p.add_argument("ids", nargs="*", metavar="PMID")
    p.add_argument("--topic", action="append", default=[], metavar="ID", help="a topic id")
    p.add_argument("--all-topics", action="store_true", help="every topic of the map")
    p.add_argument("--limit", type=int, default=200, help="newest N PubMed hits per topic")
    p.add_argument(
        "--trials",
        action="store_true",
        help="the topics' registered trials too (ClinicalTrials.gov)",
    )

    p = sub.add_parser("search", parents=[common], help="search the local index or PubMed")
    p.add_argument("query", nargs="+")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("export", parents=[common], help="write references to a file")
    p.add_argument("ids", nargs="*", metavar="ID")
    p.add_argument("--topic", action="append", default=[], metavar="ID")
    p.add_argument("--marked", action="store_true", help="the references marked in the TUI")
    p.add_argument("--format", default="bibtex", choices=["bibtex", "biblatex", "csl-json", "ris"])
    p.add_argument("-o", "--output", default="-", help="file to write, or - for stdout")
    p.add_argument("--append", action="store_true", help="merge into an existing .bib file")
    p.add_argument("--abstracts", action="store_true", help="include abstracts")
    p.add_argument(
        "--decision",
        choices=["include", "exclude", "maybe"],
        help="the records the reviewer screened so (with --topic: within those topics)",
    )
    p.add_argument(
        "--unicode",
        action="store_true",
        help="BibLaTeX: keep every character as UTF-8 (for lualatex/xelatex)",
    )

    p = sub.add_parser("topics", parents=[common], help="print the topic map")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("cache", parents=[common], help="manage the cache")
    cache_sub = p.add_subparsers(dest="cache_command", required=True, parser_class=_Parser)
    cache_sub.add_parser("stats", parents=[common], help="records, size, age, topics covered")
    cache_sub.add_parser("verify", parents=[common], help="check the cache and the index")
    c = cache_sub.add_parser("clear", parents=[common], help="empty the cache (keeps marks)")
    c.add_argument("--yes", action="store_true", help="do not ask")
    c = cache_sub.add_parser("export", parents=[common], help="write the cache as JSON lines")
    c.add_argument("file")
    c = cache_sub.add_parser("import", parents=[common], help="merge a JSON-lines snapshot")
    c.add_argument("file")

    p = sub.add_parser("trial", parents=[common], help="registered trials by NCT id")
    p.add_argument("ids", nargs="+", metavar="NCT", help="ClinicalTrials.gov id (NCT + 8 digits)")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="a JSON array of trials")
    fmt.add_argument("--csv", action="store_true", help="the adverse-event table as CSV")

    p = sub.add_parser("trials", parents=[common], help="the registered trials of a topic or query")
    p.add_argument("query", nargs="*", help="ClinicalTrials.gov search words (query.term)")
    p.add_argument("--topic", metavar="ID", help="a topic id (its trials query)")
    p.add_argument("--status", metavar="S", help="overall status(es), e.g. completed,terminated")
    fmt = p.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="a JSON array of trials")
    fmt.add_argument("--csv", action="store_true", help="one CSV row per trial")

    p = sub.add_parser("screen", parents=[common], help="record screening decisions")
    p.add_argument("ids", nargs="+", metavar="ID", help="PMID, DOI or NCT id")
    choice = p.add_mutually_exclusive_group(required=True)
    choice.add_argument("--include", action="store_true", help="include the records")
    choice.add_argument("--exclude", metavar="REASON", help="exclude them, with a reason")
    choice.add_argument("--maybe", action="store_true", help="undecided: look again later")
    choice.add_argument("--clear", action="store_true", help="remove the decision")
    p.add_argument("--note", metavar="TEXT", help="a note (replaces the note)")
    p.add_argument("--tag", action="append", metavar="TAG", help="add a tag (repeatable)")

    p = sub.add_parser("screening", parents=[common], help="list screening decisions")
    p.add_argument("--topic", metavar="ID", help="only records of this topic")
    p.add_argument("--format", default="table", choices=["table", "csv", "json"])
    screening_sub = p.add_subparsers(dest="screening_command", parser_class=_Parser)
    c = screening_sub.add_parser(
        "conflicts", parents=[common], help="records two reviewers decided differently"
    )
    c.add_argument("--reviewers", required=True, metavar="A,B", help="two reviewer names")
    c.add_argument("--topic", metavar="ID", default=argparse.SUPPRESS)
    c.add_argument("--format", default=argparse.SUPPRESS, choices=["table", "csv", "json"])

    p = sub.add_parser("prisma", parents=[common], help="PRISMA 2020 counts")
    p.add_argument("--topic", metavar="ID", help="a topic id")
    p.add_argument("--format", default="table", choices=["table", "csv"])

    sub.add_parser("tui", parents=[common], help="the explorer (the default)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code.

    Ctrl-C at any point (start-up included: loading settings, importing the command) ends with
    one line and exit code 130, never a traceback.
    """
    # Start-up allocates much and frees little: no cyclic collection until it is over (the
    # command is imported; the explorer's first frame is drawn). It saves ~15 ms of a first frame.
    gc.disable()
    try:
        return _main(argv)
    except KeyboardInterrupt:
        pass
    except RuntimeError as exc:  # Python 3.11 wraps a Ctrl-C met while a class is being built
        if not isinstance(exc.__cause__, KeyboardInterrupt):
            raise
    except BrokenPipeError:
        return OK
    finally:
        gc.enable()
    print("mscterm: interrupted; nothing partial was kept", file=sys.stderr)
    return INTERRUPTED


def parse_command_line(argv: Sequence[str] | None) -> argparse.Namespace:
    """The command and its options. ``mscterm`` alone (the explorer, most often) needs only the
    settings flags' defaults: the whole grammar takes ~12 ms to build, a tenth of a first frame."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv:
        return build_parser().parse_args(argv)
    args = _common_options(None).parse_args([])
    args.command = "tui"
    return args


def _main(argv: Sequence[str] | None) -> int:
    args = parse_command_line(argv)
    command = args.command or "tui"
    from mscterm.config import ConfigError, load_settings

    try:
        settings = load_settings(
            cache_dir=args.cache_dir,
            eutils_url=args.eutils_url,
            offline=args.offline,
            config=args.config,
            ctgov_url=args.ctgov_url,
            reviewer=args.reviewer,
        )
    except ConfigError as exc:
        print(f"mscterm: {exc}", file=sys.stderr)
        return BAD_INPUT
    module = importlib.import_module(f"mscterm.commands.{command}")
    if command != "tui":  # the explorer collects again once its first frame is drawn
        gc.enable()
    from mscterm.state import report_problems_to

    # Damaged user state is repaired and said in one line: at once on the command line, after
    # the screen is restored for the TUI (which can show them itself, too).
    held: list[str] = []
    report_problems_to(held.append if command == "tui" else _warn)
    try:
        return int(module.run(args, settings))
    except OSError as exc:  # a storage failure no command caught: one line, DESIGN's exit code
        code = getattr(exc, "exit_code", None)
        if not isinstance(code, int) or isinstance(exc, BrokenPipeError):
            raise
        print(f"mscterm: {exc}", file=sys.stderr)
        return code
    finally:
        report_problems_to(None)
        for line in held:
            _warn(line)


def _warn(line: str) -> None:
    from mscterm.commands._common import warn

    warn([line])


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
