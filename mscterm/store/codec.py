"""What goes into the cache and what may come out of it: text values, checked on the way back.

* A record is stored as ``"<schema>|<stored_at>|<source>|<json>"`` and a trial as
  ``"<trial schema>|<stored_at>|ctgov|<json>"``: the header lets ``stats`` and the downgrade check
  read age and kind without decoding JSON, and a value written by another schema version reads
  as absent (it is fetched again). TTL'd results are ``"<schema>|<json>"``.
* Every decoded record or trial is checked field by field before it becomes a dataclass: a cache
  file is untrusted input (another version, a bad disk, a hostile edit), and a title that is a
  number must read as "absent", not crash the CLI later.

Pure functions over text: nothing here imports diskcache or SQLite, so the seed reader (used by
the topic map at start-up) stays light. The diskcache serializer is :mod:`mscterm.store.disk`.
"""

from __future__ import annotations

import json
from typing import Any

from mscterm.model import PMID_RE, SCHEMA_VERSION, TRIAL_SCHEMA_VERSION, Record, Trial
from mscterm.model.ids import NCT_RE

RECORD_KEY = "r:"
"""``r:<record id>`` in the records cache: one record."""
ALIAS_KEY = "a:"
"""``a:<doi:…|cite:…>`` in the answers cache: the PMID of the fetched record for that id."""
MISSING_KEY = "m:"
"""``m:<id>`` in the answers cache (TTL'd): PubMed recently said it does not have the id."""
RESULT_KEY = "q:"
"""``q:<key>`` in the answers cache (TTL'd): an esearch/elink/count answer."""
TRIAL_KEY = "t:"
"""``t:<NCT id>`` in the trials cache: one registered trial."""

RECORD_VERSION = str(SCHEMA_VERSION)
TRIAL_VERSION = str(TRIAL_SCHEMA_VERSION)
SOURCES = frozenset({"pubmed", "seed"})
_JSON_SEP = (",", ":")


# -- headers -----------------------------------------------------------------------------------
def header(value: Any, version: str | None = None) -> tuple[float, str, str] | None:
    """(stored_at, source, json) of a stored value of ``version`` (default: the record
    schema's), else ``None``."""
    if not isinstance(value, str):
        return None
    parts = value.split("|", 3)
    if len(parts) != 4 or parts[0] != (version or RECORD_VERSION):
        return None
    try:
        return float(parts[1]), parts[2], parts[3]
    except ValueError:
        return None


def stored_version(value: Any) -> str | None:
    """The schema version a stored value names (``None`` when it names none)."""
    if not isinstance(value, str):
        return None
    version = value.partition("|")[0]
    return version if version.isdigit() else None


# -- records -----------------------------------------------------------------------------------
def dumps(data: Any) -> str:
    """Compact JSON, as stored and exported."""
    return json.dumps(data, ensure_ascii=False, separators=_JSON_SEP)


def encode_record(record: Record, stored_at: float) -> tuple[str, str]:
    """(stored value, its JSON part): the JSON part is compared to skip unchanged records."""
    body = dumps(record.to_json())
    return f"{RECORD_VERSION}|{stored_at:.3f}|{record.source.replace('|', '_')}|{body}", body


def decode_record(value: Any, rid: str | None = None) -> Record | None:
    """The record of a stored value, or ``None`` if it is another schema, damaged or ill-shaped."""
    head = header(value)
    if head is None:
        return None
    try:
        record = record_from_json(json.loads(head[2]))
    except (ValueError, RecursionError):
        return None
    return record if rid is None or record.id == rid else None


def record_from_json(data: Any) -> Record:
    """Untrusted record JSON -> Record, or ``ValueError`` saying what is wrong with it."""
    check_record_shape(data)
    try:
        record = Record.from_json(data)
    except (TypeError, ValueError, AttributeError) as exc:
        raise ValueError(f"not a record ({exc})") from None
    validate_record(record)
    return record


def validate_record(record: Record) -> None:
    """Refuse records the rest of mscterm could not key correctly (raises ``ValueError``)."""
    rid = record.id
    if not isinstance(rid, str) or not rid or not rid.isprintable() or rid != rid.strip():
        raise ValueError(f"record id {rid!r} is empty or not printable")
    if record.pmid:
        if record.pmid != rid:
            raise ValueError(f"record id {rid!r} does not match its pmid {record.pmid!r}")
        if not PMID_RE.match(rid):
            raise ValueError(f"pmid {rid!r} is not 1-9 digits")
    elif not rid.startswith(("doi:", "cite:")):
        raise ValueError(f"record id {rid!r} without a pmid must start with doi: or cite:")


# -- trials ------------------------------------------------------------------------------------
def encode_trial(trial: Trial, stored_at: float) -> tuple[str, str]:
    """(stored value, its JSON part), in the record header's layout with source ``ctgov``."""
    body = dumps(trial.to_json())
    return f"{TRIAL_VERSION}|{stored_at:.3f}|ctgov|{body}", body


def decode_trial(value: Any, nct: str | None = None) -> Trial | None:
    """The trial of a stored value, or ``None`` if it is another schema, damaged or ill-shaped."""
    head = header(value, TRIAL_VERSION)
    if head is None:
        return None
    try:
        data = json.loads(head[2])
        check_trial_shape(data)
        trial = Trial.from_json(data)
    except (TypeError, ValueError, AttributeError, RecursionError):
        return None
    return trial if nct is None or trial.nct_id == nct else None


def validate_trial(trial: Trial) -> None:
    """Refuse a trial that cannot be keyed by its NCT id (raises ``ValueError``)."""
    if not isinstance(trial.nct_id, str) or not NCT_RE.fullmatch(trial.nct_id):
        raise ValueError(f"trial id {trial.nct_id!r} is not NCT + 8 digits")


# -- results -----------------------------------------------------------------------------------
def encode_result(value: Any) -> str:
    """A JSON-serialisable answer as stored text (``TypeError`` for anything else)."""
    return f"{RECORD_VERSION}|{dumps(value)}"


def decode_result(value: Any) -> Any | None:
    """The answer of a stored result, or ``None`` when it is another version or unreadable."""
    if not isinstance(value, str):
        return None
    version, _, body = value.partition("|")
    if version != RECORD_VERSION:
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        return None


# -- salvage ---------------------------------------------------------------------------------
def row_ok(key: str, value: str) -> bool:
    """Whether a (key, value) row of a damaged cache is sound enough to salvage."""
    if key.startswith(RECORD_KEY):
        return decode_record(value, key[len(RECORD_KEY) :]) is not None
    if key.startswith(TRIAL_KEY):
        return decode_trial(value, key[len(TRIAL_KEY) :]) is not None
    return key.startswith(ALIAS_KEY) and bool(PMID_RE.match(value))


# -- shapes ------------------------------------------------------------------------------------
def _fail(name: str, what: str) -> None:
    raise ValueError(f"{name!r} must be {what}")


_NONE = type(None)
_KINDS: dict[str, tuple[tuple[type, ...], str]] = {
    "text": ((str,), "a string"),  # may be absent (the dataclass default), never null
    "opt_text": ((str, _NONE), "a string or null"),
    "opt_int": ((int, _NONE), "an integer or null"),
    "flag": ((bool, _NONE), "true or false"),
    "texts": ((list, _NONE), "a list of strings"),
}


class _Shape:
    """The plain fields of one kind of JSON object, checked in one loop (a hot path: every
    record read from the cache passes here)."""

    def __init__(self, where: str, **kinds: tuple[str, ...]) -> None:
        self.where = where
        self.fields = [(key, *_KINDS[kind]) for kind, keys in kinds.items() for key in keys]
        self.lists = kinds.get("texts", ())

    def check(self, data: Any) -> None:
        if type(data) is not dict:
            _fail(self.where.rstrip(".") or "record", "an object")
        for key, allowed, what in self.fields:
            if key in data and type(data[key]) not in allowed:
                _fail(self.where + key, what)
        for key in self.lists:
            if any(type(v) is not str for v in data.get(key) or ()):
                _fail(self.where + key, "a list of strings")


def _items(data: dict[str, Any], key: str, where: str = "") -> list[Any]:
    value = data.get(key)
    if value is None:
        return []
    if type(value) is not list:
        _fail(where + key, "a list")
    return value


_RECORD = _Shape(
    "",
    text=("id", "title"),
    opt_text=(
        *("pmid", "journal", "journal_abbrev", "volume", "issue", "pages", "doi"),
        *("pmcid", "language", "resolution"),
    ),
    opt_int=("year", "month"),
    flag=("retracted", "authors_complete"),
    texts=("publication_types", "keywords", "languages", "registry_ids", "provenance"),
)
_SECTION = _Shape("abstract.", text=("text",), opt_text=("label",))
_MESH = _Shape("mesh.", text=("descriptor",), flag=("major",), texts=("qualifiers",))
_BOOK = _Shape("book.", opt_text=("booktitle", "publisher", "location", "chapter"))
_PERSON = frozenset(("family", "given", "initials", "suffix", "collective", "orcid"))
_NULLABLE_TEXT = (str, _NONE)


def check_record_shape(data: Any) -> None:
    """Type checks for untrusted record JSON, so later code cannot trip over a wrong type."""
    if type(data) is not dict:
        raise ValueError("not a JSON object")
    if type(data.get("id")) is not str:
        _fail("id", "a string")
    _RECORD.check(data)
    if data.get("source", "pubmed") not in SOURCES:
        raise ValueError("source must be pubmed or seed")
    for section in _items(data, "abstract"):
        _SECTION.check(section)
        if type(section.get("text")) is not str:
            _fail("abstract.text", "a string")
    for heading in _items(data, "mesh"):
        _MESH.check(heading)
    for comment in _items(data, "comments"):
        if type(comment) is not dict or any(
            type(v) not in _NULLABLE_TEXT for v in comment.values()
        ):
            _fail("comments", "a list of objects of strings")
    _people(_items(data, "authors"), "authors")
    book = data.get("book")
    if book is not None:
        _BOOK.check(book)
        _people(_items(book, "editors", "book."), "book.editors")


def _people(people: list[Any], where: str) -> None:
    """Authors or editors: objects whose known fields are strings or null (a hot loop)."""
    for person in people:
        if type(person) is not dict:
            _fail(where, "a list of objects")
        known = person.values() if _PERSON.issuperset(person) else map(person.get, _PERSON)
        if not all(type(v) in _NULLABLE_TEXT for v in known):
            _fail(where, "a list of people whose fields are strings or null")


_COUNTS = ("deaths_affected", "deaths_at_risk", "serious_affected", "serious_at_risk")
_TRIAL = _Shape(
    "",
    text=("nct_id", "title", "source"),
    opt_text=(
        *("official_title", "status", "study_type", "start_date", "completion_date"),
        *("primary_completion_date", "results_first_posted", "sponsor"),
    ),
    opt_int=("enrollment",),
    flag=("has_results",),
    texts=("phases", "conditions"),
)
_DESIGN = _Shape("design.", opt_text=("allocation", "model", "purpose", "masking"))
_INTERVENTION = _Shape("interventions.", text=("name",), opt_text=("type",))
_PUBLICATION = _Shape("publications.", text=("citation",), opt_text=("pmid", "type"))
_EVENTS = _Shape("adverse_events.", opt_text=("time_frame", "description", "frequency_threshold"))
_GROUP = _Shape(
    "groups.", text=("id", "title"), opt_int=(*_COUNTS, "other_affected", "other_at_risk")
)
_EVENT = _Shape("events.", text=("term",), opt_text=("organ_system", "vocabulary", "assessment"))
_STAT = _Shape("stats.", text=("group",), opt_int=("events", "affected", "at_risk"))


def check_trial_shape(data: Any) -> None:
    """Type checks for untrusted trial JSON (DESIGN.md's Trial shape)."""
    if type(data) is not dict:
        raise ValueError("not a JSON object")
    if type(data.get("nct_id")) is not str:
        _fail("nct_id", "a string")
    _TRIAL.check(data)
    if data.get("design") is not None:
        _DESIGN.check(data["design"])
    for item in _items(data, "interventions"):
        _INTERVENTION.check(item)
    for item in _items(data, "publications"):
        _PUBLICATION.check(item)
    events = data.get("adverse_events")
    if events is None:
        return
    _EVENTS.check(events)
    for group in _items(events, "groups", "adverse_events."):
        _GROUP.check(group)
    for kind in ("serious", "other"):
        for event in _items(events, kind, "adverse_events."):
            _EVENT.check(event)
            for stat in _items(event, "stats", kind + "."):
                _STAT.check(stat)
