"""``mscterm cache stats|verify|clear|export FILE|import FILE``: look after the offline cache.

People carry a warmed cache to an air-gapped laptop (export/import in the seed snapshot's
JSON-lines format), check it after a crash (verify) and empty it without losing their marks
(clear never touches the state directory). Every failure is one ``mscterm: …`` line on stderr
and exit code 2; a damaged cache is moved aside with a warning and the command still works.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from mscterm.commands._common import say
from mscterm.config import Settings
from mscterm.exitcodes import BAD_INPUT, NOT_FOUND, OK
from mscterm.resources import seed_records_path
from mscterm.store import RecordStore, SnapshotError, StoreError


def run(args: argparse.Namespace, settings: Settings) -> int:
    """Dispatch to the sub-command; returns the exit code (0 ok · 1 problems/declined · 2 error)."""
    try:
        store = RecordStore(settings.cache_dir, seed_records_path())
    except StoreError as exc:
        say(str(exc))
        return BAD_INPUT
    try:
        handler = _HANDLERS[args.cache_command]
        try:
            return handler(store, args, settings)
        except StoreError as exc:
            say(str(exc))
            return BAD_INPUT
    finally:
        for warning in store.warnings:
            if warning not in getattr(args, "reported", ()):
                say(f"warning: {warning}")
        store.close()


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


def _stats(store: RecordStore, args: argparse.Namespace, settings: Settings) -> int:
    """Human-readable summary of what is cached (and which topics it covers)."""
    st = store.stats()
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
    lines.extend(_topic_lines(store))
    print("\n".join(lines))
    return OK


def _topic_lines(store: RecordStore) -> list[str]:
    """Cached records per top-level topic; skipped when the topic map is not available."""
    try:
        from mscterm.topics import load_topics

        topics = load_topics()
        roots = list(topics.roots)
    except Exception:  # optional: stats still works without a topic map
        return []
    counts: dict[str, int] = {}
    for record in store.iter_records():
        for tid in set(topics.topics_for(record)):
            counts[tid] = counts.get(tid, 0) + 1
    covered = sum(1 for t in roots if counts.get(t.id))
    lines = [f"topics covered:  {covered} of {len(roots)} top-level topics have cached records"]
    for topic in roots:
        lines.append(f"  {counts.get(topic.id, 0):>7,}  {topic.title}")
    return lines


# -- verify -------------------------------------------------------------------------------------
def _verify(store: RecordStore, args: argparse.Namespace, settings: Settings) -> int:
    """Check and repair; exit 0 when all is well or repaired, 1 when problems remain."""
    findings = store.verify()
    args.reported = set(findings)  # already printed as findings, not again as warnings
    for finding in findings:
        fixed = getattr(finding, "fixed", True)
        print(f"{'fixed' if fixed else 'problem'}: {finding}")
    remaining = [f for f in findings if not getattr(f, "fixed", True)]
    count = len(store)
    if remaining:
        print(f"{len(remaining)} problem(s) remain; {count:,} records in {store.path}")
        return NOT_FOUND
    state = "repaired" if findings or store.warnings else "healthy"
    print(f"cache {state}: {count:,} records in {store.path}")
    return OK


# -- clear --------------------------------------------------------------------------------------
def _clear(store: RecordStore, args: argparse.Namespace, settings: Settings) -> int:
    """Empty the cache after a confirmation; marks and citation keys (state dir) are kept."""
    count = len(store)
    if not args.yes:
        if not sys.stdin.isatty():
            say("refusing to clear the cache without confirmation; add --yes")
            return BAD_INPUT
        sys.stderr.write(f"Clear {count:,} cached records? [y/N] ")
        sys.stderr.flush()
        try:
            answer = sys.stdin.readline()
        except (OSError, KeyboardInterrupt):
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
            say("nothing was cleared")
            return NOT_FOUND
    store.clear()
    print(
        f"cleared {count:,} cached records and the search index; "
        f"marks and citation keys in {settings.state_dir} are kept"
    )
    return OK


# -- export / import ----------------------------------------------------------------------------
def _export(store: RecordStore, args: argparse.Namespace, settings: Settings) -> int:
    """Write the disk records as JSON lines (``-`` = stdout), atomically for a file."""
    if args.file == "-":
        count = store.write_jsonl(sys.stdout)
        sys.stdout.flush()
        say(f"exported {count:,} records")
        return OK
    path = Path(args.file).expanduser()
    if path.is_dir():
        say(f"cannot write {args.file}: it is a folder")
        return BAD_INPUT
    if not path.parent.is_dir():
        say(f"cannot write {args.file}: folder {path.parent} does not exist")
        return BAD_INPUT
    try:
        count = store.export_jsonl(path)
    except StoreError:
        raise
    except OSError as exc:
        say(f"cannot write {args.file}: {exc.strerror or exc}; nothing was written")
        return BAD_INPUT
    say(f"exported {count:,} records to {path}")
    return OK


def _import(store: RecordStore, args: argparse.Namespace, settings: Settings) -> int:
    """Merge a JSON-lines snapshot (``-`` = stdin); a bad line rejects the whole file."""
    spooled: str | None = None
    try:
        if args.file == "-":
            try:
                fd, spooled = tempfile.mkstemp(
                    prefix=".import.", suffix=".jsonl", dir=store.cache_dir
                )
                with os.fdopen(fd, "wb") as fh:
                    shutil.copyfileobj(sys.stdin.buffer, fh)
            except OSError as exc:
                say(f"cannot read stdin into {store.cache_dir}: {exc.strerror or exc}")
                return BAD_INPUT
            path, label = Path(spooled), "stdin"
        else:
            path, label = Path(args.file).expanduser(), args.file
            if path.is_dir():
                say(f"cannot read {label}: it is a folder")
                return BAD_INPUT
        try:
            added, updated, skipped = store.import_jsonl(path)
        except SnapshotError as exc:
            message = str(exc)
            if spooled:
                message = message.replace(str(path), "stdin", 1)
            say(message)
            return BAD_INPUT
        except StoreError:
            raise
        except OSError as exc:
            say(f"cannot read {label}: {exc.strerror or exc}")
            return BAD_INPUT
    finally:
        if spooled:
            with contextlib.suppress(OSError):
                os.unlink(spooled)
    print(f"imported {label}: {added:,} added, {updated:,} updated, {skipped:,} unchanged or kept")
    return OK


_HANDLERS = {
    "stats": _stats,
    "verify": _verify,
    "clear": _clear,
    "export": _export,
    "import": _import,
}
