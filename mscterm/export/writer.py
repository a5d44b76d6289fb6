"""Writing exports: atomically, and merging into a user's .bib without touching their entries.

A .bib is often the only copy of months of a person's curation. So a write goes to a temp file
in the same folder and is renamed over the target: Ctrl-C, a full disk or a crash leaves the old
file or the new one, never half of one. ``--append`` keeps the original bytes exactly and adds
new entries after them; records already in the file (same PMID or DOI) are not added again.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mscterm.atomic import atomic_open
from mscterm.export import bibtex, common
from mscterm.export.citekeys import _suffixes
from mscterm.model import Record


class ExportWriteError(OSError):
    """The output cannot be written (or an existing .bib read); the message is one plain line."""


def _target(path: str | os.PathLike[str]) -> Path:
    """The real file to replace: a symlinked .bib (Dropbox, Overleaf sync) is updated in place."""
    target = Path(os.path.realpath(Path(path).expanduser()))
    if target.is_dir():
        raise ExportWriteError(f"cannot write to {path}: it is a directory")
    if not target.parent.is_dir():
        raise ExportWriteError(f"cannot write to {path}: folder {target.parent} does not exist")
    if not os.access(target.parent, os.W_OK | os.X_OK):
        raise ExportWriteError(f"cannot write to {path}: folder {target.parent} is not writable")
    if target.exists() and not os.access(target, os.W_OK):
        raise ExportWriteError(f"cannot write to {path}: file is not writable")
    return target


def check_writable(path: str | os.PathLike[str]) -> None:
    """Raise :class:`ExportWriteError` now if ``path`` could not be written later.

    The export command checks before fetching anything, so a typo in ``-o`` costs no network time.
    """
    if str(path) != "-":
        _target(path)


def write_bytes_atomic(path: str | os.PathLike[str], data: bytes) -> Path:
    """Replace ``path`` with ``data`` via a temp file in its folder and ``os.replace``.

    The new file keeps the old one's permissions (a fresh one gets the umask's), not mkstemp's
    private 0600. Returns the path written.
    """
    target = _target(path)
    try:
        with atomic_open(target) as fh:
            fh.write(data)
    except OSError as exc:
        raise ExportWriteError(f"cannot write to {path}: {exc.strerror or exc}") from None
    return target


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


def append_bibtex(
    path: str | os.PathLike[str],
    records: Iterable[Record],
    keys: Mapping[str, str],
    *,
    include_abstract: bool = False,
) -> AppendResult:
    """Add ``records`` to the .bib at ``path`` unless already there (same PMID or DOI).

    The file's existing bytes are kept exactly; new entries are appended after them. A key that
    the file already uses (for the user's own entry) gets a suffix here rather than renaming the
    user's entry. A missing file is created.
    """
    target = _target(path)
    try:
        original = target.read_bytes()
    except FileNotFoundError:
        original = b""
    except OSError as exc:
        raise ExportWriteError(f"cannot read {path}: {exc.strerror or exc}") from None
    text = original.decode("utf-8", errors="replace")
    file_keys, pmids, dois = _existing(text, path) if text.strip() else (set(), set(), set())
    result = AppendResult()
    entries = []
    for record in records:
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
        entries.append(
            bibtex.render(bibtex.build_entry(record, key, include_abstract=include_abstract))
        )
    if not entries:
        return result
    sep = b"" if not original else (b"\n" if original.endswith(b"\n") else b"\n\n")
    write_bytes_atomic(target, original + sep + "\n".join(entries).encode("utf-8"))
    return result
