"""esearch, elink and ecitmatch answers -> :class:`SearchResult`, :class:`LinkSet`,
:class:`CitationMatch`; and the one check every id in an answer passes.

Ids are checked: a PMID that is not 1-9 ASCII digits (``abc``, ``0001``, full-width digits)
would become a key the rest of mscterm cannot handle. Such ids are left out, the good ones of
the same answer kept, and one sentence saying so is appended to ``warnings`` when the caller
passes a list.

elink: an ``<ERROR>`` at the root, or an ``<ERROR>`` when no LinkSet carries any link at all, is
:class:`ErrorResponse`; an ``<ERROR>`` in one LinkSet while others have links leaves that
LinkSet empty (the good answers are not thrown away). An empty ``<ERROR/>`` is never an error.
"""

from __future__ import annotations

from collections.abc import Iterator

from mscterm.model import PMID_RE
from mscterm.ncbi.errors import ErrorResponse, TruncatedResponse
from mscterm.ncbi.results import CitationMatch, LinkSet, SearchResult
from mscterm.ncbi.safexml import ERROR_TEXT_RE, check_json_error, message_text, parse_document
from mscterm.ncbi.xmltext import opt, text

__all__ = [
    "is_valid_pmid",
    "note_invalid",
    "parse_ecitmatch",
    "parse_elink",
    "parse_esearch",
]


def is_valid_pmid(value: str | None) -> bool:
    """1-9 ASCII digits, no leading zero: the only PMIDs a record may be stored under."""
    return bool(value) and PMID_RE.fullmatch(value or "") is not None


def note_invalid(warnings: list[str] | None, what: str, bad: list[str]) -> None:
    """One sentence for ``warnings`` naming (a few of) the invalid ids left out."""
    if not bad or warnings is None:
        return
    shown = ", ".join(f'"{message_text(b, 24)}"' for b in bad[:3])
    more = f" and {len(bad) - 3} more" if len(bad) > 3 else ""
    warnings.append(
        f"NCBI {what}: left out {len(bad)} id{'s' if len(bad) != 1 else ''} that "
        f"{'are' if len(bad) != 1 else 'is'} not a PMID of 1-9 digits ({shown}{more})"
    )


def valid_ids(values: Iterator[str], bad: list[str]) -> list[str]:
    """Non-empty ``values`` that are PMIDs; the others are added to ``bad``."""
    out: list[str] = []
    for value in values:
        if is_valid_pmid(value):
            out.append(value)
        elif value:
            bad.append(value)
    return out


# --------------------------------------------------------------------------------------------
# esearch, elink, ecitmatch
# --------------------------------------------------------------------------------------------


def _int(value: str | None, what: str) -> int:
    try:
        return int((value or "").strip())
    except ValueError:
        raise ErrorResponse(
            f"esearch {what} is not a number: {message_text(value or '', 40)}"
        ) from None


_WARNING_LABELS = {
    "PhraseIgnored": "Phrase ignored",
    "QuotedPhraseNotFound": "Quoted phrase not found",
    "FieldNotFound": "Field not found",
}


def parse_esearch(data: bytes, *, warnings: list[str] | None = None) -> SearchResult:
    """An ``eSearchResult``: count, one page of ids, translation, not-found phrases, warnings.

    Works for ``rettype=count`` answers too (only ``<Count>``: ids empty, retmax 0). A
    ``<PhraseNotFound>`` is a real "no result" for that phrase, not an error; warnings keep
    NCBI's OutputMessage text as is and name the other kinds (``Phrase ignored: …``).
    ``warnings`` (the caller's list) receives a sentence about ids that are not PMIDs.
    """
    root = parse_document(data)
    if root.tag != "eSearchResult":
        raise ErrorResponse(f"expected an eSearchResult, got <{message_text(str(root.tag), 80)}>")
    count = root.findtext("Count")
    if count is None:
        raise ErrorResponse("esearch answer has no Count")
    id_list = root.find("IdList")
    bad: list[str] = []
    ids = (
        valid_ids((text(i) for i in id_list.iterchildren("Id")), bad) if id_list is not None else []
    )
    note_invalid(warnings, "esearch answer", bad)
    phrases: list[str] = []
    notes: list[str] = []
    for holder in (root.find("ErrorList"), root.find("WarningList")):
        for item in holder if holder is not None else ():
            said = text(item)
            if not said:
                continue
            if item.tag == "PhraseNotFound":
                phrases.append(said)
            elif item.tag == "OutputMessage":
                notes.append(said)
            else:
                notes.append(f"{_WARNING_LABELS.get(str(item.tag), str(item.tag))}: {said}")
    retmax = root.findtext("RetMax")
    retstart = root.findtext("RetStart")
    return SearchResult(
        count=_int(count, "Count"),
        ids=ids,
        retstart=_int(retstart, "RetStart") if retstart is not None else 0,
        retmax=_int(retmax, "RetMax") if retmax is not None else 0,
        query_translation=opt(root.find("QueryTranslation")),
        phrases_not_found=phrases,
        warnings=notes,
    )


def parse_elink(data: bytes, *, warnings: list[str] | None = None) -> list[LinkSet]:
    """One :class:`LinkSet` per ``<LinkSet>``: input ids and ``{LinkName: [ids in order]}``.

    A LinkSet without ``LinkSetDb`` (no links of any kind) has empty ``links``. ``acheck`` /
    ``ncheck`` answers carry their ids in ``IdCheckList``; those are reported as ``ids``.
    Ids that are not PMIDs are left out (and named in ``warnings``).
    """
    root = parse_document(data)
    if root.tag != "eLinkResult":
        raise ErrorResponse(f"expected an eLinkResult, got <{message_text(str(root.tag), 80)}>")
    out: list[LinkSet] = []
    errors: list[str] = []
    bad: list[str] = []
    for link_set in root.iterchildren("LinkSet"):
        ids: list[str] = []
        id_list = link_set.find("IdList")
        if id_list is not None:
            ids.extend(valid_ids((text(i) for i in id_list.iterchildren("Id")), bad))
        check_list = link_set.find("IdCheckList")
        if check_list is not None:
            ids.extend(valid_ids((text(i) for i in check_list.iterchildren("Id")), bad))
            for id_link_set in check_list.iterchildren("IdLinkSet"):
                ids.extend(valid_ids((text(i) for i in id_link_set.iterchildren("Id")), bad))
        links: dict[str, list[str]] = {}
        for db in link_set.iterchildren("LinkSetDb"):
            name = (
                text(db.find("LinkName"))
                or f"{link_set.findtext('DbFrom') or ''}_{text(db.find('DbTo'))}"
            )
            target = links.setdefault(name, [])
            target.extend(
                valid_ids((text(link.find("Id")) for link in db.iterchildren("Link")), bad)
            )
        for err in link_set.iterchildren("ERROR"):
            said = text(err)
            if said:
                errors.append(said)
        out.append(LinkSet(ids=ids, links=links))
    note_invalid(warnings, "elink answer", bad)
    if errors and not any(ls.links for ls in out):
        raise ErrorResponse(message_text("; ".join(errors), 1000))
    return out


def parse_ecitmatch(body: str) -> list[CitationMatch]:
    """ECitMatch's pipe-delimited text answer, one :class:`CitationMatch` per line.

    Each line echoes the query (lower-cased) then ``key|result``: an all-digit result is the
    PMID (status ``FOUND``); anything else (``NOT_FOUND``, ``AMBIGUOUS``,
    ``NOT_FOUND;INVALID_JOURNAL`` …) is kept as NCBI wrote it, with ``pmid=None``. A line with
    fewer than seven fields means the answer was cut: :class:`TruncatedResponse`.
    """
    stripped = body.lstrip()
    if stripped.startswith("{"):
        check_json_error(stripped[:200].encode(), body.encode())
    if stripped.startswith("<"):
        match = ERROR_TEXT_RE.search(body.encode("utf-8", "replace"))
        detail = match.group(1) if match else stripped[:200]
        raise ErrorResponse(
            "ECitMatch answered with markup instead of text: " + message_text(detail)
        )
    out: list[CitationMatch] = []
    for line in body.splitlines():
        if not line.strip():
            continue
        parts = line.split("|")
        if len(parts) < 7:
            raise TruncatedResponse(
                f"ECitMatch line has {len(parts)} fields, not 7: {message_text(line, 120)}"
            )
        key = parts[5]
        result = parts[6].strip()
        if result.isascii() and result.isdigit():
            out.append(CitationMatch(key=key, pmid=result.lstrip("0") or result, status="FOUND"))
        else:
            out.append(
                CitationMatch(key=key, pmid=None, status=message_text(result, 200) or "NOT_FOUND")
            )
    return out
