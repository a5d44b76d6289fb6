"""``mscterm cache stats|verify|clear|export FILE|import FILE``: look after the offline cache.

People carry a warmed cache to an air-gapped laptop (export/import in the seed snapshot's
JSON-lines format), check it after a crash (verify) and empty it without losing their marks
(clear never touches the state directory). Every failure is one ``mscterm: …`` line on stderr:
exit 2 for a file the user named, 4 when the cache itself cannot be used; a damaged cache is
moved aside with a warning and the command still works.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

from mscterm.commands._common import exit_code, say, warn
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NOT_FOUND, OK
from mscterm.library import Library
from mscterm.results import CacheStats


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Dispatch to the sub-command; 0 ok · 1 problems/declined · 2 bad input · 4 storage."""
    library = Library(settings)
    opened = library.open()
    if opened.error:
        say(opened.error)
        return exit_code(opened.problem)
    reported: set[str] = set()
    try:
        return _HANDLERS[args.cache_command](library, args, reported)
    finally:
        warn(w for w in library.warnings if w not in reported)
        library.close()


Handler = Callable[[Library, argparse.Namespace, set[str]], int]


# -- stats --------------------------------------------------------------------------------------
def _size(n: int) -> str:
    value = float(n)
    for unit in ("bytes", "kB", "MB", "GB"):
        if value < 1000 or unit == "GB":
            return f"{int(value)} {unit}" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1000
    return f"{n} bytes"  # pragma: no cover


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M", time.localtime(ts)) if ts else "never"


def _stats(library: Library, args: argparse.Namespace, reported: set[str]) -> int:
    """Human-readable summary of what is cached (and which topics it covers)."""
    answer = library.cache_stats()
    if answer.error:
        say(answer.error)
        return exit_code(answer.problem)
    st = answer.value.figures
    lines = [
        f"cache:           {st['path']}",
        f"records:         {st['records']:,} fetched from PubMed, "
        f"{st['citation_level']:,} citation-level",
        f"seed snapshot:   {st['seed_snapshot']:,} shipped records "
        f"({st['seed_only']:,} not yet superseded by fetched ones)",
        f"cached answers:  {st['results']:,} searches/links/counts, "
        f"{st['missing']:,} recent not-found notes",
        f"size on disk:    {_size(st['size_bytes'])} (search index {_size(st['index_bytes'])})",
        f"stored:          oldest {_when(st['oldest'])}, newest {_when(st['newest'])}",
    ]
    if st["unreadable"]:
        lines.append(
            f"unreadable:      {st['unreadable']:,} records from another version "
            "(run 'mscterm cache verify')"
        )
    if st["quarantined"]:
        lines.append(f"moved aside:     {', '.join(st['quarantined'])}")
    lines.extend(_topic_lines(answer.value))
    print("\n".join(lines))
    return OK


def _topic_lines(stats: CacheStats) -> list[str]:
    """Fetched records per top-level topic (the one topic counter); none without a topic map."""
    if not stats.topics:
        return []
    covered = sum(1 for _, _, size in stats.topics if size.fetched)
    lines = [
        f"topics covered:  {covered} of {len(stats.topics)} top-level topics have fetched records"
    ]
    for _, title, size in stats.topics:
        lines.append(f"  {size.fetched:>7,}  {title}")
    return lines


# -- verify -------------------------------------------------------------------------------------
def _verify(library: Library, args: argparse.Namespace, reported: set[str]) -> int:
    """Check and repair; exit 0 when all is well or repaired, 1 when problems remain."""
    answer = library.cache_verify()
    if answer.error:
        say(answer.error)
        return exit_code(answer.problem)
    check = answer.value
    reported.update(f.text for f in check.findings)  # printed as findings, not again as warnings
    for finding in check.findings:
        print(f"{'fixed' if finding.fixed else 'problem'}: {finding.text}")
    where = f"{check.records:,} records in {check.path}"
    if check.remaining:
        print(f"{len(check.remaining)} problem(s) remain; {where}")
        return NOT_FOUND
    state = "repaired" if check.repaired else "healthy"
    print(f"cache {state}: {where}")
    return OK


# -- clear --------------------------------------------------------------------------------------
def _clear(library: Library, args: argparse.Namespace, reported: set[str]) -> int:
    """Empty the cache after a confirmation; marks and citation keys (state dir) are kept."""
    if not args.yes:
        counted = library.cache_counts()
        if counted.error:
            say(counted.error)
            return exit_code(counted.problem)
        if not sys.stdin.isatty():
            say("refusing to clear the cache without confirmation; add --yes")
            return BAD_INPUT
        sys.stderr.write(f"Clear {counted.value.fetched:,} cached records? [y/N] ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline()
        except (OSError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            say("nothing was cleared")
            return NOT_FOUND
    cleared = library.cache_clear()
    if cleared.error:
        say(cleared.error)
        return exit_code(cleared.problem)
    print(
        f"cleared {cleared.value:,} cached records and the search index; "
        f"marks and citation keys in {library.settings.state_dir} are kept"
    )
    return OK


# -- export / import ----------------------------------------------------------------------------
def _export(library: Library, args: argparse.Namespace, reported: set[str]) -> int:
    """Write the disk records as JSON lines (``-`` = stdout), atomically for a file."""
    if args.file == "-":
        written = library.cache_export(sys.stdout)
        sys.stdout.flush()
        where = ""
    else:
        path = Path(args.file).expanduser()
        if path.is_dir():
            say(f"cannot write {args.file}: it is a folder")
            return BAD_INPUT
        if not path.parent.is_dir():
            say(f"cannot write {args.file}: folder {path.parent} does not exist")
            return BAD_INPUT
        written = library.cache_export(path)
        where = f" to {path}"
    if written.error:
        say(written.error)
        return exit_code(written.problem)
    say(f"exported {written.value:,} records{where}")
    return OK


def _import(library: Library, args: argparse.Namespace, reported: set[str]) -> int:
    """Merge a JSON-lines snapshot (``-`` = stdin); a bad line rejects the whole file."""
    if args.file == "-":
        imported = library.cache_import(sys.stdin.buffer, label="stdin")
        label = "stdin"
    else:
        path, label = Path(args.file).expanduser(), args.file
        if path.is_dir():
            say(f"cannot read {label}: it is a folder")
            return BAD_INPUT
        imported = library.cache_import(path, label=label)
    if imported.error:
        say(imported.error)
        return exit_code(imported.problem)
    counts = imported.value
    print(
        f"imported {label}: {counts.added:,} added, {counts.updated:,} updated, "
        f"{counts.skipped:,} unchanged or kept"
    )
    return OK


_HANDLERS: dict[str, Handler] = {
    "stats": _stats,
    "verify": _verify,
    "clear": _clear,
    "export": _export,
    "import": _import,
}
