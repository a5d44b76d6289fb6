"""CSL-JSON: the citation data pandoc (``--bibliography refs.json``) and Zotero read.

Plain Unicode, no TeX: CSL processors handle formatting. The item ``id`` is the pinned citation
key, so ``[@wang2012safety]`` in a pandoc manuscript and ``\\cite{wang2012safety}`` in LaTeX name
the same record. ``language`` is a BCP 47 tag (``en``): citeproc title-cases only items it knows
to be English, and reads PubMed's ``eng`` as another language.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from mscterm.export import common
from mscterm.export.options import DEFAULT_OPTIONS, ExportOptions
from mscterm.model import Author, Record

_TYPES = {"article": "article-journal", "book": "book", "chapter": "chapter"}


def person(author: Author) -> dict[str, str] | None:
    """A CSL name: ``family``/``given``/``suffix``, or a ``literal`` for a group."""
    family = common.clean_text(author.family)
    if author.collective and not family:
        name = common.clean_text(author.collective)
        return {"literal": name} if name else None
    given = common.given_name(author)
    if not family:
        return {"literal": given} if given else None
    out = {"family": family}
    if given:
        out["given"] = given
    suffix = common.clean_text(author.suffix)
    if suffix:
        out["suffix"] = suffix
    return out


def notes(*parts: str | None) -> str:
    """Non-empty note parts, one per line (CSL ``note`` is free text)."""
    return "\n".join(p for p in (common.clean_text(x) for x in parts) if p)


def build_item(
    record: Record, key: str, options: ExportOptions = DEFAULT_OPTIONS
) -> dict[str, Any]:
    """One CSL-JSON item (a dict ready for :func:`json.dumps`)."""
    kind = common.kind(record)
    item: dict[str, Any] = {"id": key, "type": _TYPES[kind]}

    def add(name: str, value: Any) -> None:
        if value:
            item[name] = value

    add("title", common.book_title(record) if kind == "book" else common.title_text(record))
    add("author", [p for p in map(person, record.authors) if p])
    if record.book is not None:
        add("editor", [p for p in map(person, record.book.editors) if p])
        if kind == "chapter":
            add("container-title", common.book_title(record))
        add("publisher", common.clean_text(record.book.publisher))
        add("publisher-place", common.clean_text(record.book.location))
    else:
        add("container-title", common.journal_title(record, options.journal))
        add("container-title-short", common.clean_text(record.journal_abbrev))
        add("volume", common.clean_text(record.volume))
        add("issue", common.clean_text(record.issue))
    if record.year:
        month = common.month_of(record)
        item["issued"] = {"date-parts": [[record.year, month] if month else [record.year]]}
    add("page", common.pages_with(record.pages, "-"))
    add("DOI", common.safe_doi(record.doi))
    add("PMID", common.safe_id(record.pmid))
    add("PMCID", common.safe_id(record.pmcid))
    add("URL", common.pubmed_url(record))
    add("language", common.language_code(record))
    annotation = options.annotation(record.id)
    add("note", notes(common.retraction_note(record), annotation.note if annotation else None))
    if options.include_abstract:
        add("abstract", common.abstract_text(record))
    words = common.keyword_list(record) if options.include_abstract else []
    if annotation is not None:
        words += [t for t in map(common.clean_text, annotation.tags) if t and t not in words]
    add("keyword", ", ".join(words))
    return item


def dump(items: list[dict[str, Any]]) -> str:
    """A CSL-JSON array as UTF-8 text."""
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"


def export_csljson(
    records: Iterable[Record], keys: Mapping[str, str], options: ExportOptions = DEFAULT_OPTIONS
) -> str:
    """All ``records`` as a CSL-JSON array (UTF-8 text, one item per record)."""
    return dump([build_item(r, keys[r.id], options) for r in records])
