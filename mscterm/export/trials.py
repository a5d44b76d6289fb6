"""A registered trial as a citable registry record, in every export format.

A manuscript cites a trial by its registration: who registered it (the sponsor), its title, the
registry and the NCT number with its page. The forms chosen are the ones the tools read:

* BibTeX ``@misc`` -- ``howpublished = {ClinicalTrials.gov}``, the NCT number in ``note`` (which
  classic styles print) and the page in ``url``.
* BibLaTeX ``@online`` -- the NCT number as ``eprint`` with ``eprinttype = {ClinicalTrials.gov}``
  (biblatex prints "ClinicalTrials.gov: NCT…"), and ``url``.
* RIS ``TY  - DATA`` -- Zotero imports it as a Dataset (its own export uses DATA for that type);
  ``DB`` the registry and ``AN`` (accession number) the NCT number, which Zotero shows as
  Archive and Loc. in Archive.
* CSL-JSON ``dataset`` -- the CSL type Zotero maps its Dataset to and pandoc's citeproc renders;
  ``publisher`` is the registry, ``number`` the NCT number.

No date is written: the registry's dates are the study's (start, completion), not the date of
the record, and none of them is a publication date. The sponsor is the author (as a group).
"""

from __future__ import annotations

from typing import Any

from mscterm.export import common
from mscterm.export.bibtex import BibEntry, keywords_field, protect_title
from mscterm.export.latex import Encoder, tex_ascii
from mscterm.export.options import DEFAULT_OPTIONS, ExportOptions
from mscterm.export.ris import group_name, line_adder
from mscterm.model import Trial

REGISTRY = "ClinicalTrials.gov"


def trial_url(trial: Trial) -> str:
    """The trial's page on ClinicalTrials.gov."""
    return f"https://clinicaltrials.gov/study/{common.safe_id(trial.nct_id)}"


def _title(trial: Trial) -> str:
    return common.clean_text(trial.title or trial.official_title).rstrip(".")


def _tags(trial: Trial, options: ExportOptions) -> list[str]:
    annotation = options.annotation(trial.nct_id)
    return [t for t in map(common.clean_text, annotation.tags) if t] if annotation else []


def _note(trial: Trial, options: ExportOptions) -> str:
    annotation = options.annotation(trial.nct_id)
    return common.clean_text(annotation.note) if annotation else ""


def bib_entry(
    trial: Trial,
    key: str,
    options: ExportOptions = DEFAULT_OPTIONS,
    *,
    biblatex: bool = False,
    enc: Encoder = tex_ascii,
) -> BibEntry:
    """The BibTeX ``@misc`` (or BibLaTeX ``@online``) entry of ``trial``."""
    fields: list[tuple[str, str]] = []

    def add(name: str, value: str | None) -> None:
        if value:
            fields.append((name, value))

    nct = common.safe_id(trial.nct_id)
    sponsor = enc(common.clean_text(trial.sponsor))
    title = protect_title(_title(trial), enc)
    add("author", "{" + sponsor + "}" if sponsor else "")
    add("title", title)
    if biblatex:
        add("eprint", nct)
        add("eprinttype", REGISTRY)
        add("url", trial_url(trial))
        add("keywords", keywords_field(_tags(trial, options), enc))
        add("annotation", enc(_note(trial, options)))
        return BibEntry("online", key, fields)
    if not sponsor:
        add("key", enc(_title(trial)) or nct)  # what plain.bst sorts by without an author
    add("howpublished", REGISTRY)
    add("note", f"{REGISTRY} identifier: {nct}")
    add("url", trial_url(trial))
    add("keywords", keywords_field(_tags(trial, options), enc))
    add("annote", enc(_note(trial, options)))
    return BibEntry("misc", key, fields)


def csl_item(trial: Trial, key: str, options: ExportOptions = DEFAULT_OPTIONS) -> dict[str, Any]:
    """The CSL-JSON ``dataset`` item of ``trial``."""
    item: dict[str, Any] = {"id": key, "type": "dataset"}

    def add(name: str, value: Any) -> None:
        if value:
            item[name] = value

    add("title", _title(trial))
    sponsor = common.clean_text(trial.sponsor)
    add("author", [{"literal": sponsor}] if sponsor else [])
    add("publisher", REGISTRY)
    add("number", common.safe_id(trial.nct_id))
    add("URL", trial_url(trial))
    add("language", "en")  # ClinicalTrials.gov records are written in English
    add("note", _note(trial, options))
    add("keyword", ", ".join(_tags(trial, options)))
    return item


def ris_lines(trial: Trial, key: str, options: ExportOptions = DEFAULT_OPTIONS) -> list[str]:
    """The RIS lines (``TY  - DATA`` … ``ER  - ``) of ``trial``."""
    lines = ["TY  - DATA"]
    add = line_adder(lines)
    add("ID", key)
    add("AU", group_name(trial.sponsor))
    add("TI", _title(trial))
    add("DB", REGISTRY)
    add("AN", common.safe_id(trial.nct_id))
    add("UR", trial_url(trial))
    add("LA", "en")
    for tag in _tags(trial, options):
        add("KW", tag)
    add("N1", _note(trial, options))
    lines.append("ER  - ")
    return lines
