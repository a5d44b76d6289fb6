"""What one export is asked to do, beside the records: the choices every format honours.

One object instead of a growing list of keyword arguments, so the CLI, ``lookup --bibtex`` and
the TUI cannot drift apart (one forgetting the journal form, another the notes).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from mscterm.export.common import JOURNAL_FORMS


@dataclass(frozen=True, slots=True)
class Annotation:
    """A reviewer's note and tags on one record (screening), written where a format has a place.

    BibTeX ``annote``/BibLaTeX ``annotation`` and ``keywords``; RIS ``N1`` and ``KW``;
    CSL-JSON ``note`` and ``keyword``.
    """

    note: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ExportOptions:
    """How to write: abstracts or not, the journal form, pure UTF-8 (BibLaTeX), annotations.

    ``journal`` is ``settings.journal``: one form for every entry of the export.
    ``unicode`` keeps every character as UTF-8 in BibLaTeX (for lualatex/xelatex); by default
    what pdflatex cannot typeset from UTF-8 is written as LaTeX.
    """

    include_abstract: bool = False
    journal: str = "abbrev"
    unicode: bool = False
    annotations: Mapping[str, Annotation] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.journal not in JOURNAL_FORMS:
            raise ValueError(f"journal form must be one of {', '.join(JOURNAL_FORMS)}")

    def annotation(self, rid: str) -> Annotation | None:
        """The note and tags for record (or trial) ``rid``, if any."""
        return self.annotations.get(rid)


DEFAULT_OPTIONS = ExportOptions()
