"""Writing exports: atomically, and merging into a user's .bib without touching their entries.

A .bib is often the only copy of months of a person's curation. So a write goes to a temp file
in the same folder and is renamed over the target: Ctrl-C, a full disk or a crash leaves the old
file or the new one, never half of one. ``--append`` keeps the original bytes exactly and adds
new entries after them; records already in the file (same PMID or DOI) are not added again.

Only regular files are replaced by rename (a symlink to one: its target is replaced, the link
kept). A FIFO or a character device (``-o /dev/stdout``, ``-o >(sort)``, a named pipe another
program reads) is written *through*, as a shell redirection would: replacing it by a regular
file would break whoever uses it (as root, replacing ``/dev/null`` breaks the system). A block
device or a socket is refused: writing a .bib onto a disk is never what was meant.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mscterm.atomic import atomic_open, describe
from mscterm.export import bibtex, common
from mscterm.export.citekeys import _suffixes
from mscterm.export.options import DEFAULT_OPTIONS, ExportOptions
from mscterm.model import Record, Trial

_STORAGE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO})


class ExportWriteError(OSError):
    """The output cannot be written (or an existing .bib read); the message is one plain line.

    ``storage`` is true when the disk failed (full, quota, I/O error): DESIGN.md's exit code 4,
    where a path that cannot be used is bad input (exit 2).
    """

    def __init__(self, message: str, *, storage: bool = False) -> None:
        super().__init__(message)
        self.storage = storage


def _failed(path: str | os.PathLike[str], exc: OSError, verb: str = "write to") -> ExportWriteError:
    storage = exc.errno in _STORAGE_ERRNOS
    reason = "disk full" if exc.errno == errno.ENOSPC else (exc.strerror or str(exc))
    return ExportWriteError(f"cannot {verb} {path}: {reason}", storage=storage)


@dataclass(frozen=True, slots=True)
class Target:
    """Where an export goes: the real path, and whether it is written through (FIFO, device)."""

    path: Path
    stream: bool = False


def _target(path: str | os.PathLike[str]) -> Target:
    """The real file to write: a symlinked .bib (Dropbox, Overleaf sync) is updated in place."""
    target = Path(os.path.realpath(Path(path).expanduser()))
    try:
        mode = target.stat().st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise _failed(path, exc) from None
    if mode is not None and not stat.S_ISREG(mode):
        if stat.S_ISFIFO(mode) or stat.S_ISCHR(mode):
            if not os.access(target, os.W_OK):
                raise ExportWriteError(f"cannot write to {path}: it is not writable")
            return Target(target, stream=True)
        raise ExportWriteError(f"cannot write to {path}: it is {describe(mode)}")
    if not target.parent.is_dir():
        raise ExportWriteError(f"cannot write to {path}: folder {target.parent} does not exist")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise ExportWriteError(f"cannot write to {path}: folder {target.parent} is not writable")
    if mode is not None and not os.access(target, os.W_OK):
        raise ExportWriteError(f"cannot write to {path}: file is not writable")
    return Target(target)


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise :class:`ExportWriteError` now if ``path`` could not be written later.

    The export command checks before fetching anything, so a typo in ``-o`` costs no network time.
    """
    if str(path) != "-":
        _target(path)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace ``path`` with ``data`` via a temp file in its folder and ``os.replace``.

    A FIFO or character device is written through instead (see the module docstring). The new
    file keeps the old one's permissions (a fresh one gets the umask's), not mkstemp's private
    0600. Returns the path written.
    """
    target = _target(path)
    try:
        if target.stream:
            with open(target.path, "wb") as fh:
                fh.write(data)
        else:
            with atomic_open(target.path) as fh:
                fh.write(data)
    except OSError as exc:
        raise _failed(path, exc) from None
    return target.path


def write_output(text: str, path: str | os.PathLike[str]) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically, or to stdout when ``path`` is ``-``."""
    if str(path) == "-":
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    write_bytes_atomic(path, text.encode("utf-8"))


@dataclass(slots=True)
class AppendResult:
    """What :func:`append_bibtex` did: record ids added (with the keys used) and ids skipped."""

    added: dict[str, str] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)


_DOI_PREFIX = re.compile(r"^(https?://(dx\.)?doi\.org/|doi:\s*)", re.I)
_PUBMED_URL = re.compile(r"pubmed\.ncbi\.nlm\.nih\.gov/(\d{1,9})|ncbi\.nlm\.nih\.gov/pubmed/(\d+)")


def _norm_doi(value: str) -> str:
    value = _DOI_PREFIX.sub("", value.strip().replace("\\", "").replace("{", "").replace("}", ""))
    return value.lower()


def _existing(text: str, path: str | os.PathLike[str]) -> tuple[set[str], set[str], set[str]]:
    """Keys (case-folded), PMIDs and DOIs (lower-cased) of the entries already in a .bib."""
    import pybtex.errors
    from pybtex.database.input.bibtex import Parser
    from pybtex.scanner import PybtexSyntaxError

    try:
        # Repeated keys or fields in the user's file are not ours to judge; a syntax error is:
        # entries appended after an unclosed brace would vanish into the user's last field.
        with pybtex.errors.capture() as problems:
            data = Parser().parse_string(text)
    except PybtexSyntaxError as exc:
        problems = [exc]
    syntax = [p for p in problems if isinstance(p, PybtexSyntaxError)]
    if syntax:
        reason = str(syntax[0]).splitlines()[0]
        raise ExportWriteError(f"cannot read {path} as BibTeX ({reason}); nothing was added")
    keys, pmids, dois = set(), set(), set()
    for key, entry in data.entries.items():
        keys.add(key.casefold())
        f = {k.lower(): v for k, v in entry.fields.items()}
        if f.get("pmid", "").strip():
            pmids.add(f["pmid"].strip())
        if f.get("eprinttype", "").strip().lower() == "pubmed" and f.get("eprint"):
            pmids.add(f["eprint"].strip())
        for m in _PUBMED_URL.finditer(f.get("url", "")):
            pmids.add(m.group(1) or m.group(2))
        if f.get("doi", "").strip():
            dois.add(_norm_doi(f["doi"]))
    return keys, pmids, dois


_NCT = re.compile(r"(?i)\bNCT\d{8}\b")


def _entry(item: Record | Trial, key: str, options: ExportOptions) -> bibtex.BibEntry:
    if isinstance(item, Trial):
        from mscterm.export import trials

        return trials.bib_entry(item, key, options)
    return bibtex.build_entry(item, key, options)


def append_bibtex(
    path: str | os.PathLike[str],
    records: Iterable[Record | Trial],
    keys: Mapping[str, str],
    options: ExportOptions = DEFAULT_OPTIONS,
) -> AppendResult:
    """Add ``records`` to the .bib at ``path`` unless already there (same PMID or DOI).

    The file's existing bytes are kept exactly; new entries are appended after them. A key that
    the file already uses (for the user's own entry) gets a suffix here rather than renaming the
    user's entry. A missing file is created; a FIFO or device cannot be merged into.
    """
    target = _target(path)
    if target.stream:
        raise ExportWriteError(f"cannot append to {path}: --append needs a regular file")
    try:
        original = target.path.read_bytes()
    except FileNotFoundError:
        original = b""
    except OSError as exc:
        raise _failed(path, exc, "read") from None
    text = original.decode("utf-8", errors="replace")
    file_keys, pmids, dois = _existing(text, path) if text.strip() else (set(), set(), set())
    ncts = {m.upper() for m in _NCT.findall(text)}
    result = AppendResult()
    entries = []
    for record in records:
        if isinstance(record, Trial):
            nct = common.safe_id(record.nct_id).upper()
            if nct in ncts:
                result.skipped.append(record.id)
                continue
            ncts.add(nct)
            pmid = doi = ""
        else:
            pmid = common.safe_id(record.pmid)
            doi = _norm_doi(common.safe_doi(record.doi)) if record.doi else ""
        if (pmid and pmid in pmids) or (doi and doi in dois):
            result.skipped.append(record.id)
            continue
        key = keys[record.id]
        if key.casefold() in file_keys:
            for suffix in _suffixes():
                if (key + suffix).casefold() not in file_keys:
                    key += suffix
                    break
        file_keys.add(key.casefold())
        if pmid:
            pmids.add(pmid)
        if doi:
            dois.add(doi)
        result.added[record.id] = key
        entries.append(bibtex.render(_entry(record, key, options)))
    if not entries:
        return result
    sep = b"" if not original else (b"\n" if original.endswith(b"\n") else b"\n\n")
    write_bytes_atomic(target.path, original + sep + "\n".join(entries).encode("utf-8"))
    return result
