"""CSL-JSON: the citation data pandoc (``--bibliography refs.json``) and Zotero read.

Plain Unicode, no TeX: CSL processors handle formatting. The item ``id`` is the pinned citation
key, so ``[@wang2012safety]`` in a pandoc manuscript and ``\\cite{wang2012safety}`` in LaTeX name
the same record.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from mscterm.export import common
from mscterm.model import Author, Record

_TYPES = {"article": "article-journal", "book": "book", "chapter": "chapter"}


def _person(author: Author) -> dict[str, str] | None:
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


def build_item(record: Record, key: str, *, include_abstract: bool = False) -> dict[str, Any]:
    """One CSL-JSON item (a dict ready for :func:`json.dumps`)."""
    kind = common.kind(record)
    item: dict[str, Any] = {"id": key, "type": _TYPES[kind]}

    def add(name: str, value: Any) -> None:
        if value:
            item[name] = value

    add("title", common.book_title(record) if kind == "book" else common.title_text(record))
    add("author", [p for p in map(_person, record.authors) if p])
    if record.book is not None:
        add("editor", [p for p in map(_person, record.book.editors) if p])
        if kind == "chapter":
            add("container-title", common.book_title(record))
        add("publisher", common.clean_text(record.book.publisher))
    else:
        add("container-title", common.clean_text(record.journal or record.journal_abbrev))
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
    add("language", common.clean_text(record.language))
    add("note", common.retraction_note(record))
    if include_abstract:
        add("abstract", common.abstract_text(record))
        add("keyword", ", ".join(common.keyword_list(record)))
    return item


def export_csljson(
    records: Iterable[Record], keys: Mapping[str, str], *, include_abstract: bool = False
) -> str:
    """All ``records`` as a CSL-JSON array (UTF-8 text, one item per record)."""
    items = [build_item(r, keys[r.id], include_abstract=include_abstract) for r in records]
    return json.dumps(items, ensure_ascii=False, indent=2) + "\n"
