"""Enough of ClinicalTrials.gov's study fields and Essie query syntax for the local stand-in.

The real API searches with Essie (``query.cond``, ``query.intr``, ``query.term``,
``filter.advanced``): words and "quoted phrases", ``AND``/``OR``/``NOT`` (upper case; adjacent
terms mean AND), parentheses, ``AREA[Piece]`` to search one field and ``RANGE[lo,hi]`` for dates
and numbers (``MIN``/``MAX`` open a side). Matching here is deliberately simple: words are
lower-cased, split on anything but letters and digits, and a trailing plural ``s`` is ignored;
a phrase must appear as consecutive words within one value. Real Essie also expands synonyms and
ranks by relevance; tests must not rely on either.

Field names ("pieces") map to JSON paths as ``GET /studies/metadata`` says
(``../shared/ctgov/samples/studies_metadata_field_schema.json``): :data:`PIECES` holds the ones the
stand-in knows without the samples; :func:`load_metadata` adds every piece of the recording.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

_PROTOCOL = "protocolSection."
_PIECE_PATHS = {
    "ProtocolSection": "protocolSection",
    "ResultsSection": "resultsSection",
    "DerivedSection": "derivedSection",
    "DocumentSection": "documentSection",
    "AnnotationSection": "annotationSection",
    "HasResults": "hasResults",
    "IdentificationModule": "identificationModule",
    "StatusModule": "statusModule",
    "SponsorCollaboratorsModule": "sponsorCollaboratorsModule",
    "DescriptionModule": "descriptionModule",
    "ConditionsModule": "conditionsModule",
    "DesignModule": "designModule",
    "ArmsInterventionsModule": "armsInterventionsModule",
    "EligibilityModule": "eligibilityModule",
    "ReferencesModule": "referencesModule",
    "NCTId": "identificationModule.nctId",
    "BriefTitle": "identificationModule.briefTitle",
    "OfficialTitle": "identificationModule.officialTitle",
    "OverallStatus": "statusModule.overallStatus",
    "StartDate": "statusModule.startDateStruct.date",
    "PrimaryCompletionDate": "statusModule.primaryCompletionDateStruct.date",
    "CompletionDate": "statusModule.completionDateStruct.date",
    "ResultsFirstPostDate": "statusModule.resultsFirstPostDateStruct.date",
    "LeadSponsorName": "sponsorCollaboratorsModule.leadSponsor.name",
    "BriefSummary": "descriptionModule.briefSummary",
    "Condition": "conditionsModule.conditions",
    "Keyword": "conditionsModule.keywords",
    "StudyType": "designModule.studyType",
    "Phase": "designModule.phases",
    "DesignAllocation": "designModule.designInfo.allocation",
    "DesignInterventionModel": "designModule.designInfo.interventionModel",
    "DesignObservationalModel": "designModule.designInfo.observationalModel",
    "DesignPrimaryPurpose": "designModule.designInfo.primaryPurpose",
    "DesignMasking": "designModule.designInfo.maskingInfo.masking",
    "EnrollmentCount": "designModule.enrollmentInfo.count",
    "InterventionType": "armsInterventionsModule.interventions.type",
    "InterventionName": "armsInterventionsModule.interventions.name",
    "InterventionOtherName": "armsInterventionsModule.interventions.otherNames",
    "InterventionDescription": "armsInterventionsModule.interventions.description",
    "ArmGroupLabel": "armsInterventionsModule.armGroups.label",
    "EligibilityCriteria": "eligibilityModule.eligibilityCriteria",
    "MinimumAge": "eligibilityModule.minimumAge",
    "MaximumAge": "eligibilityModule.maximumAge",
    "ReferencePMID": "referencesModule.references.pmid",
    "ReferenceType": "referencesModule.references.type",
    "ReferenceCitation": "referencesModule.references.citation",
    "AdverseEventsModule": "resultsSection.adverseEventsModule",
}
_TOP_LEVEL = ("protocolSection", "resultsSection", "derivedSection", "documentSection")
_TOP_LEVEL += ("annotationSection", "hasResults")
PIECES: dict[str, str] = {
    piece: path if path.split(".")[0] in _TOP_LEVEL else _PROTOCOL + path
    for piece, path in _PIECE_PATHS.items()
}
"""Piece (``fields=`` and ``AREA[...]`` name) -> dotted JSON path, without the samples."""

SEARCH_AREAS: dict[str, tuple[str, ...]] = {
    "ConditionSearch": (
        "protocolSection.conditionsModule.conditions",
        "protocolSection.conditionsModule.keywords",
        "derivedSection.conditionBrowseModule.meshes.term",
    ),
    "InterventionSearch": (
        "protocolSection.armsInterventionsModule.interventions.name",
        "protocolSection.armsInterventionsModule.interventions.otherNames",
        "protocolSection.armsInterventionsModule.interventions.description",
        "protocolSection.armsInterventionsModule.armGroups.label",
        "protocolSection.armsInterventionsModule.armGroups.description",
        "derivedSection.interventionBrowseModule.meshes.term",
    ),
    "BasicSearch": (),  # every text value of the study
}
"""The areas ``query.cond``, ``query.intr`` and ``query.term`` search (approximately)."""


def load_metadata(path: Path) -> dict[str, str]:
    """Every piece of a recorded ``/studies/metadata`` answer -> its dotted path."""
    found: dict[str, str] = {}

    def walk(nodes: list[dict[str, Any]], prefix: str) -> None:
        for node in nodes:
            dotted = f"{prefix}.{node['name']}" if prefix else node["name"]
            if node.get("piece"):
                found.setdefault(node["piece"], dotted)
            walk(node.get("children") or [], dotted)

    walk(json.loads(path.read_text(encoding="utf-8")), "")
    return found


def values_at(study: Any, path: str) -> Iterator[Any]:
    """Every leaf value at a dotted path, descending through lists."""
    nodes = [study]
    for key in path.split("."):
        step: list[Any] = []
        for node in nodes:
            items = node if isinstance(node, list) else [node]
            step.extend(item[key] for item in items if isinstance(item, dict) and key in item)
        nodes = step
    for node in nodes:
        if isinstance(node, list):
            yield from node
        else:
            yield node


def all_strings(value: Any) -> Iterator[str]:
    """Every string (and number) anywhere in a JSON value: what ``query.term`` searches."""
    if isinstance(value, dict):
        for item in value.values():
            yield from all_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from all_strings(item)
    elif isinstance(value, str):
        yield value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        yield str(value)


# --------------------------------------------------------------------------------------------
# field projection (fields=)


def projection(paths: list[str]) -> dict[str, Any]:
    """A tree of the requested paths; ``True`` marks a requested subtree."""
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        *parents, last = path.split(".")
        for key in parents:
            child = node.get(key)
            if child is True:
                break
            node = node.setdefault(key, {})
        else:
            node[last] = True
    return tree


def project(value: Any, tree: dict[str, Any] | bool) -> Any:
    """Only the requested leaves of ``value``, in the study's own key order; None if nothing."""
    if tree is True:
        return value
    if isinstance(value, list):
        kept = [p for p in (project(item, tree) for item in value) if p is not None]
        return kept or None
    if not isinstance(value, dict) or not isinstance(tree, dict):
        return None
    out = {}
    for key, item in value.items():
        if key in tree:
            sub = project(item, tree[key])
            if sub is not None:
                out[key] = sub
    return out or None


# --------------------------------------------------------------------------------------------
# Essie


class EssieError(ValueError):
    """A query the real API would refuse with HTTP 400."""


_WORD_SPLIT = re.compile(r"[^\w]+|_+")


def words(text: str) -> list[str]:
    """Lower-cased words of ``text``, trailing plural ``s`` dropped (``MSCs`` -> ``msc``)."""
    out = []
    for word in _WORD_SPLIT.split(text.lower()):
        if not word:
            continue
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.append(word)
    return out


@dataclass(frozen=True, slots=True)
class Phrase:
    words: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Range:
    low: str
    high: str


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


@dataclass(frozen=True, slots=True)
class All:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Any_:
    operands: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Area:
    name: str
    operand: Node


Node = Phrase | Range | Not | All | Any_ | Area

_TOKEN = re.compile(
    r'\s*(?:(?P<op>[A-Z]+)\[(?P<arg>[^\]]*)\]|(?P<paren>[()])|"(?P<phrase>[^"]*)"'
    r'|(?P<quote>")|(?P<word>[^\s()"]+))'
)
_MODIFIERS = {"EXPANSION", "COVERAGE"}  # accepted and ignored: they only tune matching


def parse_essie(text: str, *, areas: set[str]) -> Node:
    """Parse an Essie expression; ``areas`` are the names ``AREA[...]`` may use."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            if text[pos:].strip():
                raise EssieError(f"unexpected text at position {pos}")
            break
        pos = match.end()
        if match.group("op"):
            tokens.append((match.group("op"), match.group("arg")))
        elif match.group("paren"):
            tokens.append((match.group("paren"), ""))
        elif match.group("phrase") is not None:
            tokens.append(("PHRASE", match.group("phrase")))
        elif match.group("quote"):
            raise EssieError("unbalanced double quotes")
        else:
            word = match.group("word")
            tokens.append((word, "") if word in ("AND", "OR", "NOT") else ("PHRASE", word))
    if not tokens:
        raise EssieError("empty query")
    parser = _Parser(tokens, areas)
    node = parser.expression()
    if parser.index != len(tokens):
        raise EssieError(f"unexpected {tokens[parser.index][0]!r}")
    return node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]], areas: set[str]) -> None:
        self.tokens = tokens
        self.index = 0
        self.areas = areas

    def peek(self) -> str | None:
        return self.tokens[self.index][0] if self.index < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        if self.index >= len(self.tokens):
            raise EssieError("the query ends where a term was expected")
        token = self.tokens[self.index]
        self.index += 1
        return token

    def expression(self) -> Node:
        parts = [self.conjunction()]
        while self.peek() == "OR":
            self.take()
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else Any_(tuple(parts))

    def conjunction(self) -> Node:
        parts = [self.unary()]
        while self.peek() not in (None, "OR", ")"):
            if self.peek() == "AND":
                self.take()
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else All(tuple(parts))

    def unary(self) -> Node:
        kind, arg = self.take()
        if kind == "NOT":
            return Not(self.unary())
        if kind == "AREA":
            name = arg.strip()
            if name not in self.areas:
                raise EssieError(f"Unknown area name {name}")
            return Area(name, self.unary())
        if kind in _MODIFIERS:
            return self.unary()
        if kind == "RANGE":
            low, sep, high = arg.partition(",")
            if not sep:
                raise EssieError("RANGE needs two values")
            return Range(low.strip(), high.strip())
        if kind == "(":
            node = self.expression()
            if self.take()[0] != ")":
                raise EssieError("unbalanced parentheses")
            return node
        if kind == "PHRASE":
            found = tuple(words(arg))
            if not found:
                raise EssieError(f"no words in {arg!r}")
            return Phrase(found)
        if kind in ("AND", "OR", ")"):
            raise EssieError(f"operator {kind} without an operand")
        raise EssieError(f"unsupported operator {kind}[")


class IndexedStudy:
    """One study with its searchable text, built on demand and kept (a topic may hold 2,500)."""

    def __init__(self, study: dict[str, Any], pieces: dict[str, str]) -> None:
        self.study = study
        self.pieces = pieces
        self._text: dict[str, str] = {}
        self._raw: dict[str, list[Any]] = {}

    def raw(self, area: str) -> list[Any]:
        if area not in self._raw:
            if area == "BasicSearch":
                self._raw[area] = list(all_strings(self.study))
            elif area in SEARCH_AREAS:
                self._raw[area] = [v for p in SEARCH_AREAS[area] for v in values_at(self.study, p)]
            else:
                self._raw[area] = list(values_at(self.study, self.pieces[area]))
        return self._raw[area]

    def text(self, area: str) -> str:
        """`` w w | w w `` : the area's values as words, ``|`` between values."""
        if area not in self._text:
            values = [" ".join(words(str(v))) for v in self.raw(area)]
            self._text[area] = " " + " | ".join(values) + " "
        return self._text[area]

    def matches(self, node: Node, area: str) -> bool:
        if isinstance(node, Phrase):
            return f" {' '.join(node.words)} " in self.text(area)
        if isinstance(node, All):
            return all(self.matches(n, area) for n in node.operands)
        if isinstance(node, Any_):
            return any(self.matches(n, area) for n in node.operands)
        if isinstance(node, Not):
            return not self.matches(node.operand, area)
        if isinstance(node, Area):
            return self.matches(node.operand, node.name)
        return any(_in_range(v, node) for v in self.raw(area))


def _in_range(value: Any, node: Range) -> bool:
    """Dates compare as text (``2008-11`` sorts within 2008), numbers as numbers."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int | float):
        try:
            low = float("-inf") if node.low == "MIN" else float(node.low)
            high = float("inf") if node.high == "MAX" else float(node.high)
        except ValueError:
            return False
        return low <= value <= high
    text = str(value)
    return (node.low == "MIN" or text >= node.low) and (node.high == "MAX" or text <= node.high)
