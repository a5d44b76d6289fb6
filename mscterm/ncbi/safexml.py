"""Untrusted XML from NCBI, parsed safely: nothing fetched, nothing expanded, errors typed.

Everything here comes off the network (or a cache of it). lxml runs with entity resolution, DTD
loading, network access and huge trees all off, and a DOCTYPE with an internal subset (the only
place an entity bomb or an external ``SYSTEM`` entity can hide) is refused with
:class:`UnsafeXMLError` *before* lxml sees the document. NCBI's own DOCTYPE is a bare
``PUBLIC`` id and passes.

NCBI also reports many failures inside an HTTP 200 body: ``<ERROR>``, the rate-limit JSON, an
HTML page. They become the typed errors of :mod:`mscterm.ncbi.errors` here, so the client can
decide whether to retry; a body that is not well-formed (cut off mid-transfer) is
:class:`TruncatedResponse` and nothing from it may be stored.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any, BinaryIO

from lxml import etree

from mscterm.ncbi.errors import ErrorResponse, RateLimitedError, TruncatedResponse, UnsafeXMLError
from mscterm.ncbi.xmltext import text
from mscterm.textsafe import one_line

__all__ = [
    "PARSER_OPTIONS",
    "check_internal_dtd",
    "check_json_error",
    "check_rate_limit_body",
    "chunks",
    "message_text",
    "parse_document",
    "precheck",
    "xml_error_text",
]

PARSER_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,
    "remove_comments": True,
    "remove_pis": True,
}
"""lxml settings shared by every parse: nothing is fetched, nothing is expanded."""

MAX_PROLOG = 64 * 1024
"""NCBI's prolog is ~200 bytes; one this long is not NCBI's and is refused."""
_READ_CHUNK = 64 * 1024
FEED_CHUNK = 256 * 1024
"""Bytes per ``feed()`` while streaming: bounds the tree held at once."""

_DOCTYPE_STOP_RE = re.compile(rb"[\"'\[>]")
ERROR_TEXT_RE = re.compile(rb"<ERROR>(.*?)</ERROR>", re.S)


def message_text(value: str | bytes, limit: int = 300) -> str:
    """Printable, one-line, bounded text for an error message built from untrusted bytes."""
    if isinstance(value, bytes | bytearray):
        value = bytes(value).decode("utf-8", "replace")
    shown = one_line(value)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def check_rate_limit_body(data: bytes) -> None:
    """Raise :class:`RateLimitedError` when ``data`` is NCBI's rate-limit JSON.

    NCBI answers ``{"error":"API rate limit exceeded","api-key":…,"count":…,"limit":…}``,
    normally with HTTP 429 but sometimes with 200, so the client checks every body. Only the
    first bytes are looked at, so this is cheap on a large efetch answer. The message never
    repeats the ``api-key`` field: it holds the caller's API key or IP address.
    """
    head = bytes(data[:512]).lstrip()
    if not head.startswith(b"{") or b"rate limit" not in head.lower():
        return
    count = limit = None
    try:
        obj = json.loads(bytes(data))
    except (ValueError, UnicodeDecodeError):
        obj = None
    if isinstance(obj, dict):
        if "rate limit" not in str(obj.get("error", "")).lower():
            return
        count, limit = obj.get("count"), obj.get("limit")
    elif not re.search(rb'"error"\s*:\s*"[^"]*rate limit', head, re.I):
        return
    detail = ""
    if count is not None and limit is not None:
        detail = (
            f" ({message_text(str(count))} requests for a limit of "
            f"{message_text(str(limit))} per second)"
        )
    raise RateLimitedError("NCBI API rate limit exceeded" + detail)


def check_json_error(head: bytes, data: bytes) -> None:
    """A JSON body where XML was expected: rate limit -> RateLimitedError, else ErrorResponse."""
    check_rate_limit_body(data)
    message = None
    try:
        obj = json.loads(bytes(data))
        if isinstance(obj, dict):
            err = obj.get("error") or obj.get("ERROR")
            if err:
                message = str(err)
    except (ValueError, UnicodeDecodeError):
        pass
    raise ErrorResponse(
        "NCBI answered with JSON instead of XML: " + message_text(message or head[:200])
    )


def _refuse_wide_encodings(head: bytes) -> None:
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:4]:
        raise UnsafeXMLError("XML in UTF-16/32 is refused: NCBI sends ASCII/UTF-8")


def scan_prolog(head: bytes) -> bool:
    """Check the bytes before the root element; True once the root start tag is reached.

    Raises :class:`UnsafeXMLError` for an internal DTD subset (``<!DOCTYPE x [ … ]>``): that is
    where ``<!ENTITY`` declarations live (billion laughs, external ``SYSTEM`` files), and NCBI
    never sends one. Refusing the whole subset is simpler and safer than judging its contents.
    Returns False when ``head`` ends inside the prolog (the caller reads more).
    """
    _refuse_wide_encodings(head)
    i = 3 if head.startswith(b"\xef\xbb\xbf") else 0
    n = len(head)
    while True:
        while i < n and head[i] in b" \t\r\n":
            i += 1
        if i >= n:
            return False
        if head.startswith(b"<?", i):
            end = head.find(b"?>", i + 2)
            if end < 0:
                return False
            i = end + 2
        elif head.startswith(b"<!--", i):
            end = head.find(b"-->", i + 4)
            if end < 0:
                return False
            i = end + 3
        elif head.startswith(b"<!DOCTYPE", i):
            end = _doctype_end(head, i + 9)
            if end < 0:
                return False
            i = end + 1
        else:
            # Root start tag reached, unless the chunk ends inside "<!DOCTYPE".
            return not (n - i < 9 and b"<!DOCTYPE".startswith(head[i:]))


def _doctype_end(head: bytes, j: int) -> int:
    """Index of the ``>`` closing a DOCTYPE whose name starts at ``j`` (-1: read more).

    Quoted public/system ids are skipped whole, so a ``[`` or ``>`` inside them counts for
    nothing; a ``[`` outside them opens an internal subset and is refused.
    """
    while True:
        found = _DOCTYPE_STOP_RE.search(head, j)
        if found is None:
            return -1
        c = found.group()
        if c == b"[":
            raise UnsafeXMLError(
                "the XML declares an internal DTD subset (entity declarations); refused"
            )
        if c == b">":
            return found.start()
        close = head.find(c, found.end())
        if close < 0:
            return -1
        j = close + 1


def precheck(data: bytes) -> None:
    """Reject what must never reach lxml: JSON errors, non-XML text, unsafe prologs."""
    head = bytes(data[:MAX_PROLOG])
    _refuse_wide_encodings(head)
    stripped = head.lstrip()
    if not stripped:
        raise TruncatedResponse("empty answer from NCBI")
    first = stripped[:1]
    if first == b"{":
        check_json_error(stripped, data)
    if first != b"<" and not head.startswith(b"\xef\xbb\xbf"):
        raise ErrorResponse(
            "NCBI answered with text instead of XML: " + message_text(stripped[:200])
        )
    if not scan_prolog(head):
        if len(data) > MAX_PROLOG:
            raise UnsafeXMLError("the XML prolog is implausibly long; refused")
        raise TruncatedResponse("the answer ends before its first element")


def check_internal_dtd(el: etree._Element) -> None:
    """Second line of defence behind :func:`scan_prolog`: refuse declared entities.

    libxml2 keeps an (empty) internal DTD object for every DOCTYPE, NCBI's included, so the
    test is whether that DTD declares anything, not whether it exists.
    """
    dtd = el.getroottree().docinfo.internalDTD
    if dtd is not None and (
        next(iter(dtd.iterentities()), None) is not None
        or next(iter(dtd.iterelements()), None) is not None
    ):
        raise UnsafeXMLError("the XML declares entities in an internal DTD subset; refused")


def xml_error_text(root: etree._Element) -> str | None:
    """Text of the first non-empty ``<ERROR>`` that is the root or a child of it.

    An empty ``<ERROR/>`` is never an error (espell sends one on success).
    """
    if root.tag == "ERROR":
        return text(root) or None
    for err in root.iterchildren("ERROR"):
        found = text(err)
        if found:
            return found
    return None


def parse_document(data: bytes) -> etree._Element:
    """Parse a whole XML answer safely; map failures and ``<ERROR>`` to typed errors."""
    precheck(data)
    parser = etree.XMLParser(**PARSER_OPTIONS)
    try:
        root = etree.fromstring(bytes(data), parser)
    except etree.XMLSyntaxError as exc:
        match = ERROR_TEXT_RE.search(bytes(data[:4096]))
        if match and match.group(1).strip():
            raise ErrorResponse(message_text(match.group(1))) from exc
        raise TruncatedResponse(
            f"NCBI's answer is not well-formed XML: {message_text(str(exc))}"
        ) from exc
    check_internal_dtd(root)  # defence in depth
    error = xml_error_text(root)
    if error:
        raise ErrorResponse(message_text(error, 1000))
    return root


def chunks(source: bytes | BinaryIO) -> Iterator[bytes]:
    """The body in feed-sized pieces, after :func:`precheck` has passed its start.

    A file object is read until the root element starts, so the prolog is judged whole.
    """
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        precheck(data)
        for start in range(0, len(data), FEED_CHUNK):
            yield data[start : start + FEED_CHUNK]
        return
    head = b""
    while True:
        chunk = source.read(_READ_CHUNK)
        if not chunk:
            break
        head += chunk
        if len(head) >= MAX_PROLOG or scan_prolog(head):
            break
    precheck(head)  # raises for empty / JSON / text / unsafe / over-long prologs
    yield head
    while True:
        chunk = source.read(FEED_CHUNK)
        if not chunk:
            return
        yield chunk
