"""ClinicalTrials.gov API v2 JSON -> :class:`~mscterm.model.Trial`, defensively.

The registry's JSON varies more than its schema says (CTGOV_FACTS.md): dates come as ``2008``,
``2008-11`` or ``2008-11-03`` with or without a ``type``; counts that are integers in one module
are strings such as ``"NA"`` in another; ``numEvents`` and whole modules may be missing (a
``fields=`` request returns only the leaves asked for); observational studies have no
``phases``. So nothing here indexes blindly: every value is read through a typed accessor that
answers ``None`` (or an empty list) for anything of the wrong type, and a number the registry
does not give stays ``None``, never 0. Text is untrusted: control and bidi characters are
dropped and lengths are bounded. A body that is not usable JSON raises one of the typed errors of
:mod:`mscterm.ctgov.errors`, never a ``RecursionError`` or ``KeyError``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from mscterm.ctgov.errors import (
    MalformedResponse,
    ResponseTooDeep,
    ResponseTooLarge,
    TruncatedResponse,
    UnexpectedShape,
)
from mscterm.model import (
    NCT_RE,
    PMID_RE,
    AdverseEvent,
    AdverseEvents,
    EventGroup,
    EventStat,
    Intervention,
    Trial,
    TrialDesign,
    TrialPublication,
)
from mscterm.textsafe import clean, one_line

MAX_BODY_BYTES = 64 * 1024 * 1024
"""DESIGN.md's cap on a response body after decompression."""
MAX_TEXT = 20_000
"""Characters kept of one text value (the registry's longest fields are a few thousand)."""
MAX_ITEMS = 20_000
"""Items kept of one list (conditions, events, references …); a real study has a few hundred."""
MAX_COUNT = 2**31 - 1
"""Largest count believed; anything larger is nonsense and becomes None."""
MAX_TOKEN = 2_048
"""Longest ``nextPageToken`` accepted (recorded ones are about 50 characters)."""

SUMMARY_FIELDS: tuple[str, ...] = (
    "NCTId", "BriefTitle", "OfficialTitle", "OverallStatus", "Phase", "StudyType",
    "DesignAllocation", "DesignInterventionModel", "DesignObservationalModel",
    "DesignPrimaryPurpose", "DesignMasking", "EnrollmentCount", "StartDate",
    "PrimaryCompletionDate", "CompletionDate", "ResultsFirstPostDate", "Condition",
    "InterventionType", "InterventionName", "LeadSponsorName", "HasResults", "ReferencePMID",
    "ReferenceType", "ReferenceCitation",
)  # fmt: skip
"""The ``fields=`` pieces a search asks for: everything of a Trial but its adverse events.

A page of 1,000 full studies with results would approach the body cap; these leaves keep it to
a few MB while :func:`study_to_trial` still fills every field the trial list shows.
"""

_DATE = re.compile(r"^\d{4}(?:-(?:0[1-9]|1[0-2])(?:-(?:0[1-9]|[12]\d|3[01]))?)?$", re.ASCII)
_DIGITS = re.compile(r"^\s*\d{1,10}\s*$", re.ASCII)
_TOKEN = re.compile(r"^[\x21-\x7e]+$")
_MARKDOWN_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!<>|~])")


@dataclass(slots=True)
class TrialPage:
    """One page of ``GET /studies``.

    ``study_count`` is how many studies the page held as sent (an empty page ends paging even
    when it carries a token); ``trials`` those that could be read; ``warnings`` says which were
    skipped and why. ``total_count`` is only ever on the first page, and only with
    ``countTotal=true``.
    """

    trials: list[Trial] = field(default_factory=list)
    next_page_token: str | None = None
    total_count: int | None = None
    study_count: int = 0
    warnings: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# entry points


def load_json(data: bytes | str) -> Any:
    """Decode a body with the cap on size and nesting; typed errors for everything else."""
    if len(data) > MAX_BODY_BYTES:
        raise ResponseTooLarge(
            f"ClinicalTrials.gov sent {len(data):,} bytes, more than the "
            f"{MAX_BODY_BYTES // (1024 * 1024)} MB accepted"
        )
    if not data or not data.strip():
        raise TruncatedResponse("ClinicalTrials.gov sent an empty answer")
    try:
        return json.loads(data)
    except RecursionError:  # CPython's decoder recurses once per nesting level
        raise ResponseTooDeep(
            "ClinicalTrials.gov sent JSON nested deeper than any study; refused"
        ) from None
    except json.JSONDecodeError as exc:
        if exc.msg.startswith("Unterminated string") or exc.pos >= len(exc.doc.rstrip()):
            raise TruncatedResponse(
                f"ClinicalTrials.gov's answer ends early (at character {exc.pos:,})"
            ) from None
        raise MalformedResponse(
            f"ClinicalTrials.gov sent something that is not JSON ({exc.msg} at character "
            f"{exc.pos:,})"
        ) from None
    except ValueError as exc:  # bad UTF-8, an integer of thousands of digits
        raise MalformedResponse(f"ClinicalTrials.gov sent unreadable JSON: {exc}") from None


def parse_study(data: bytes | str) -> Trial:
    """The body of ``GET /studies/{nctId}`` (full or restricted by ``fields=``) as a Trial."""
    return study_to_trial(load_json(data))


def parse_search_page(data: bytes | str) -> TrialPage:
    """The body of ``GET /studies``: its trials, ``nextPageToken`` and ``totalCount``.

    A study that cannot be read (no NCT id) is skipped with a warning rather than failing the
    page; a body without a ``studies`` list is :class:`UnexpectedShape`.
    """
    doc = load_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("studies"), list):
        raise UnexpectedShape("ClinicalTrials.gov's answer is not a page of studies")
    studies = doc["studies"]
    page = TrialPage(study_count=len(studies))
    skipped: list[str] = []
    for index, study in enumerate(studies, 1):
        try:
            page.trials.append(study_to_trial(study))
        except UnexpectedShape as exc:
            skipped.append(f"study {index} of the page skipped: {exc}")
    if len(skipped) > 5:
        skipped[5:] = [f"… and {len(skipped) - 5} more studies skipped"]
    page.warnings = skipped
    page.next_page_token = _token(doc.get("nextPageToken"))
    page.total_count = _count(doc.get("totalCount"))
    return page


def study_to_trial(study: Any) -> Trial:
    """One decoded study object as a Trial (see the module docstring for the rules)."""
    if not isinstance(study, dict):
        raise UnexpectedShape("a study is not a JSON object")
    protocol = _dict(study.get("protocolSection"))
    ident = _dict(protocol.get("identificationModule"))
    nct = ident.get("nctId")
    if not isinstance(nct, str) or not NCT_RE.match(nct.strip()):
        raise UnexpectedShape("a study has no valid NCT id")
    status = _dict(protocol.get("statusModule"))
    design = _dict(protocol.get("designModule"))
    results = _dict(study.get("resultsSection"))
    results_posted = _date(status.get("resultsFirstPostDateStruct"))
    return Trial(
        nct_id=nct.strip().upper(),
        title=_text(ident.get("briefTitle")) or _text(ident.get("officialTitle")) or "",
        official_title=_text(ident.get("officialTitle")),
        status=_word(status.get("overallStatus")),
        phases=[p for p in map(_word, _list(design.get("phases"))) if p],
        study_type=_word(design.get("studyType")),
        design=_design(design.get("designInfo")),
        enrollment=_count(_dict(design.get("enrollmentInfo")).get("count")),
        start_date=_date(status.get("startDateStruct")),
        primary_completion_date=_date(status.get("primaryCompletionDateStruct")),
        completion_date=_date(status.get("completionDateStruct")),
        results_first_posted=results_posted,
        conditions=_texts(_dict(protocol.get("conditionsModule")).get("conditions")),
        interventions=_interventions(protocol.get("armsInterventionsModule")),
        sponsor=_text(
            _dict(_dict(protocol.get("sponsorCollaboratorsModule")).get("leadSponsor")).get("name")
        ),
        has_results=_has_results(study.get("hasResults"), results, results_posted),
        adverse_events=_adverse_events(results.get("adverseEventsModule")),
        publications=_publications(protocol.get("referencesModule")),
    )


# --------------------------------------------------------------------------------------------
# typed accessors: the wrong type reads as absent


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value[:MAX_ITEMS] if isinstance(value, list) else []


def _bounded(text: str) -> str:
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def _text(value: Any) -> str | None:
    """A one-line text value (titles, names, terms), or None."""
    if not isinstance(value, str):
        return None
    return _bounded(one_line(value)) or None


def _markup(value: Any) -> str | None:
    """A ``markup`` field (Markdown in JSON): escapes removed, paragraphs kept, controls dropped."""
    if not isinstance(value, str):
        return None
    return _bounded(_MARKDOWN_ESCAPE.sub(r"\1", clean(value)).strip()) or None


def _word(value: Any) -> str | None:
    """An enum-like value (``COMPLETED``, ``PHASE2``): kept as sent, if short and printable."""
    text = _text(value)
    return text if text and len(text) <= 100 else None


def _texts(value: Any) -> list[str]:
    return [t for t in map(_text, _list(value)) if t]


def _count(value: Any) -> int | None:
    """A non-negative count sent as a number or a digit string; ``"NA"``, ``""``, -1 -> None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif (isinstance(value, float) and value.is_integer()) or (
        isinstance(value, str) and _DIGITS.match(value)
    ):
        number = int(value)
    else:
        return None
    return number if 0 <= number <= MAX_COUNT else None


def _date(struct: Any) -> str | None:
    """``{date, type}`` -> the date at the registry's precision (``2008``, ``2008-11`` …)."""
    value = _dict(struct).get("date")
    if isinstance(value, str) and _DATE.match(value.strip()):
        return value.strip()
    return None


def _token(value: Any) -> str | None:
    if isinstance(value, str) and len(value) <= MAX_TOKEN and _TOKEN.match(value):
        return value
    return None


# --------------------------------------------------------------------------------------------
# modules


def _design(value: Any) -> TrialDesign | None:
    info = _dict(value)
    design = TrialDesign(
        allocation=_word(info.get("allocation")),
        model=_word(info.get("interventionModel")) or _word(info.get("observationalModel")),
        purpose=_word(info.get("primaryPurpose")),
        masking=_word(_dict(info.get("maskingInfo")).get("masking")),
    )
    if design == TrialDesign():
        return None
    return design


def _interventions(module: Any) -> list[Intervention]:
    found: list[Intervention] = []
    for item in _list(_dict(module).get("interventions")):
        name = _text(_dict(item).get("name"))
        if name:
            found.append(Intervention(type=_word(item.get("type")), name=name))
    return found


def _has_results(value: Any, results: dict[str, Any], posted: str | None) -> bool | None:
    if isinstance(value, bool):
        return value
    if results or posted:  # hasResults is derived from these; a restricted answer may omit it
        return True
    return None


def _publications(module: Any) -> list[TrialPublication]:
    found: list[TrialPublication] = []
    for item in _list(_dict(module).get("references")):
        if not isinstance(item, dict):
            continue
        pmid = item.get("pmid")
        pmid = pmid.strip() if isinstance(pmid, str) and PMID_RE.match(pmid.strip()) else None
        citation = _text(item.get("citation")) or ""
        if pmid or citation:
            found.append(
                TrialPublication(pmid=pmid, type=_word(item.get("type")), citation=citation)
            )
    return found


def _adverse_events(value: Any) -> AdverseEvents | None:
    module = _dict(value)
    if not module:
        return None
    threshold = module.get("frequencyThreshold")
    if isinstance(threshold, int | float) and not isinstance(threshold, bool):
        threshold = format(threshold, "g")
    groups = []
    for item in _list(module.get("eventGroups")):
        group = _dict(item)
        gid = _word(group.get("id"))
        if gid:
            groups.append(
                EventGroup(
                    id=gid,
                    title=_text(group.get("title")) or "",
                    deaths_affected=_count(group.get("deathsNumAffected")),
                    deaths_at_risk=_count(group.get("deathsNumAtRisk")),
                    serious_affected=_count(group.get("seriousNumAffected")),
                    serious_at_risk=_count(group.get("seriousNumAtRisk")),
                    other_affected=_count(group.get("otherNumAffected")),
                    other_at_risk=_count(group.get("otherNumAtRisk")),
                )
            )
    return AdverseEvents(
        time_frame=_text(module.get("timeFrame")),
        description=_markup(module.get("description")),
        frequency_threshold=_text(threshold),
        groups=groups,
        serious=_events(module.get("seriousEvents")),
        other=_events(module.get("otherEvents")),
    )


def _events(value: Any) -> list[AdverseEvent]:
    found: list[AdverseEvent] = []
    for item in _list(value):
        if not isinstance(item, dict):
            continue
        stats = [
            EventStat(
                group=_word(stat.get("groupId")) or "",
                events=_count(stat.get("numEvents")),
                affected=_count(stat.get("numAffected")),
                at_risk=_count(stat.get("numAtRisk")),
            )
            for stat in _list(item.get("stats"))
            if isinstance(stat, dict)
        ]
        found.append(
            AdverseEvent(
                term=_text(item.get("term")) or "",
                organ_system=_text(item.get("organSystem")),
                vocabulary=_text(item.get("sourceVocabulary")),
                assessment=_word(item.get("assessmentType")),
                stats=stats,
            )
        )
    return found
