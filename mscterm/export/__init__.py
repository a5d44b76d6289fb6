"""Export records as BibTeX, BibLaTeX, CSL-JSON or RIS.

One entry point, :func:`export_records`, so the CLI, ``lookup --bibtex`` and the TUI's export
dialog produce the same text for the same records and keys. Keys come from
:func:`mscterm.export.citekeys.assign_keys` and are pinned by the caller in user state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping

from mscterm.model import Record

Exporter = Callable[..., str]


def _bibtex(records: Iterable[Record], keys: Mapping[str, str], **kw: bool) -> str:
    from mscterm.export.bibtex import export_bibtex

    return export_bibtex(records, keys, **kw)


def _biblatex(records: Iterable[Record], keys: Mapping[str, str], **kw: bool) -> str:
    from mscterm.export.biblatex import export_biblatex

    return export_biblatex(records, keys, **kw)


def _csljson(records: Iterable[Record], keys: Mapping[str, str], **kw: bool) -> str:
    from mscterm.export.csljson import export_csljson

    return export_csljson(records, keys, **kw)


def _ris(records: Iterable[Record], keys: Mapping[str, str], **kw: bool) -> str:
    from mscterm.export.ris import export_ris

    return export_ris(records, keys, **kw)


FORMATS: dict[str, Exporter] = {
    "bibtex": _bibtex,
    "biblatex": _biblatex,
    "csl-json": _csljson,
    "ris": _ris,
}
"""Format name (as ``--format`` spells it) -> exporter. Insertion order is the menu order."""

EXTENSIONS = {"bibtex": ".bib", "biblatex": ".bib", "csl-json": ".json", "ris": ".ris"}
"""The file extension a person expects for each format (the TUI dialog's default path)."""


def export_records(
    records: Iterable[Record],
    fmt: str,
    *,
    keys: Mapping[str, str],
    include_abstract: bool = False,
) -> str:
    """``records`` as text in format ``fmt``; ``keys`` maps every record id to its citation key.

    Raises ``ValueError`` for an unknown format and ``KeyError`` for a record without a key.
    """
    try:
        exporter = FORMATS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}"
        ) from None
    return exporter(list(records), keys, include_abstract=include_abstract)


__all__ = ["EXTENSIONS", "FORMATS", "export_records"]
