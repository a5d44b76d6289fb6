"""Export records (and registered trials) as BibTeX, BibLaTeX, CSL-JSON or RIS.

:func:`render` is the one text maker: the export flow (:mod:`mscterm.export.flow`) calls it for
``mscterm export``, ``lookup --bibtex`` and the TUI's export dialog, so they produce the same
text for the same items, keys and options. Keys come from :mod:`mscterm.export.citekeys`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from mscterm.export.options import DEFAULT_OPTIONS, Annotation, ExportOptions
from mscterm.model import Record, Trial

Item = Record | Trial
"""What can be exported: a bibliographic record or a registered trial (keyed by NCT id)."""


def _bibtex(items: Sequence[Item], keys: Mapping[str, str], options: ExportOptions) -> str:
    from mscterm.export import bibtex, trials

    return "\n".join(
        bibtex.render(
            bibtex.build_entry(item, keys[item.id], options)
            if isinstance(item, Record)
            else trials.bib_entry(item, keys[item.id], options)
        )
        for item in items
    )


def _biblatex(items: Sequence[Item], keys: Mapping[str, str], options: ExportOptions) -> str:
    from mscterm.export import biblatex, bibtex, trials

    enc = biblatex.encoder(options)
    return "\n".join(
        bibtex.render(
            biblatex.build_entry(item, keys[item.id], options)
            if isinstance(item, Record)
            else trials.bib_entry(item, keys[item.id], options, biblatex=True, enc=enc)
        )
        for item in items
    )


def _csljson(items: Sequence[Item], keys: Mapping[str, str], options: ExportOptions) -> str:
    from mscterm.export import csljson, trials

    return csljson.dump(
        [
            csljson.build_item(item, keys[item.id], options)
            if isinstance(item, Record)
            else trials.csl_item(item, keys[item.id], options)
            for item in items
        ]
    )


def _ris(items: Sequence[Item], keys: Mapping[str, str], options: ExportOptions) -> str:
    from mscterm.export import ris, trials

    return ris.join(
        [
            ris.build_lines(item, keys[item.id], options)
            if isinstance(item, Record)
            else trials.ris_lines(item, keys[item.id], options)
            for item in items
        ]
    )


Exporter = Callable[[Sequence[Item], Mapping[str, str], ExportOptions], str]

FORMATS: dict[str, Exporter] = {
    "bibtex": _bibtex,
    "biblatex": _biblatex,
    "csl-json": _csljson,
    "ris": _ris,
}
"""Format name (as ``--format`` spells it) -> exporter. Insertion order is the menu order."""

EXTENSIONS = {"bibtex": ".bib", "biblatex": ".bib", "csl-json": ".json", "ris": ".ris"}
"""The file extension a person expects for each format (the TUI dialog's default path)."""


def render(
    items: Iterable[Item],
    fmt: str,
    keys: Mapping[str, str],
    options: ExportOptions = DEFAULT_OPTIONS,
) -> str:
    """``items`` as text in format ``fmt``; ``keys`` maps every item id to its citation key.

    Raises ``ValueError`` for an unknown format or a key that breaks the key rules (a key is
    written verbatim into ``@type{key,``), and ``KeyError`` for an item without a key.
    """
    from mscterm.export.citekeys import is_valid_key

    try:
        exporter = FORMATS[fmt]
    except KeyError:
        raise ValueError(
            f"unknown export format {fmt!r}; use one of {', '.join(FORMATS)}"
        ) from None
    items = list(items)
    bad = [keys[item.id] for item in items if not is_valid_key(keys[item.id])]
    if bad:
        raise ValueError(f"not a usable citation key: {bad[0]!r}")
    return exporter(items, keys, options)


def export_records(
    records: Iterable[Item],
    fmt: str,
    *,
    keys: Mapping[str, str],
    include_abstract: bool = False,
) -> str:
    """:func:`render` with default options (and abstracts if asked): the older entry point."""
    return render(records, fmt, keys, ExportOptions(include_abstract=include_abstract))


__all__ = [
    "EXTENSIONS",
    "FORMATS",
    "Annotation",
    "ExportOptions",
    "Item",
    "export_records",
    "render",
]
