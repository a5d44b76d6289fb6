"""Citation keys: the ones a person would choose, and the same ones in every later export."""

from __future__ import annotations

import pytest

from mscterm.export.citekeys import TemplateError, assign_keys, base_key, validate_template
from mscterm.model import Author, Record
from tests.test_export_records import article


def test_scheme_is_family_year_first_significant_word() -> None:
    rec = article("90000001", "Safety of mesenchymal stem cells for clinical application.")
    assert base_key(rec) == "wang2012safety"
    rec = article("90000002", "The role of the niche", authors=[Author("Le Blanc", "Katarina")])
    assert base_key(rec) == "leblanc2012role"
    rec = article("90000003", "On the 2 and 3 of it: tumours", authors=[Author("Smith")])
    assert base_key(rec) == "smith2012tumours"


@pytest.mark.parametrize(
    ("family", "key"),
    [
        ("Røsland", "rosland"),
        ("Müller", "muller"),
        ("Gonzalez-Reyes", "gonzalezreyes"),
        ("O'Brien", "obrien"),
        ("Łukasz", "lukasz"),
        ("Ærø", "aero"),
        ("王", "anon"),
    ],
)
def test_ascii_folding(family: str, key: str) -> None:
    assert base_key(article("90000001", "x", authors=[Author(family, "A")])) == f"{key}2012x"


def test_title_word_is_folded_too() -> None:
    rec = article("90000001", "Über die Sicherheit", authors=[Author("Müller")])
    assert base_key(rec) == "muller2012uber"


def test_collective_authors_no_authors_no_year() -> None:
    isct = article(
        "90000001", "Minimal criteria", authors=[Author(collective="The International Society")]
    )
    assert base_key(isct) == "international2012minimal"
    assert base_key(article("90000002", "Minimal criteria", authors=[])) == "anon2012minimal"
    assert base_key(article("90000003", "Minimal criteria", year=None)) == "wangndminimal"
    assert base_key(Record(id="cite:x", title="")) == "anonnd"


def test_collisions_get_a_b_c_deterministically() -> None:
    recs = [article(f"9000000{i}", "Safety of MSCs") for i in range(1, 5)]
    keys = assign_keys(recs, {})
    assert list(keys.values()) == [
        "wang2012safety",
        "wang2012safetya",
        "wang2012safetyb",
        "wang2012safetyc",
    ]
    # Whatever order the records come in, the same record gets the same key.
    assert assign_keys(list(reversed(recs)), {}) == keys


def test_pinned_keys_win_and_new_keys_avoid_every_pinned_key() -> None:
    first, second, third = (article(f"9000000{i}", "Safety of MSCs") for i in (1, 2, 3))
    pinned = assign_keys([second], {})  # exported alone first: gets the bare key
    assert pinned == {"90000002": "wang2012safety"}
    later = assign_keys([first, second, third], pinned)
    assert later["90000002"] == "wang2012safety"
    assert later["90000001"] == "wang2012safetya"
    assert later["90000003"] == "wang2012safetyb"
    # Exporting just the third one later, with what was pinned, gives the same key again.
    pinned.update(later)
    assert assign_keys([third], pinned) == {"90000003": "wang2012safetyb"}


def test_collisions_are_case_insensitive_and_respect_taken_keys() -> None:
    rec = article("90000001", "Safety")
    assert assign_keys([rec], {"90000009": "Wang2012Safety"})["90000001"] == "wang2012safetya"
    assert assign_keys([rec], {}, taken=["wang2012safety"])["90000001"] == "wang2012safetya"


def test_suffixes_go_past_z() -> None:
    recs = [article(str(90000000 + i), "Safety") for i in range(30)]
    keys = list(assign_keys(recs, {}).values())
    assert len(set(keys)) == 30
    assert keys[26] == "wang2012safetyz" and keys[27] == "wang2012safetyaa"


def test_template() -> None:
    rec = article("90000001", "Safety of MSCs")
    assert base_key(rec, "{author}_{year}") == "wang_2012"
    assert base_key(rec, "pmid:{pmid}") == "pmid:90000001"
    assert assign_keys([rec], {}, "{author}{year}") == {"90000001": "wang2012"}


@pytest.mark.parametrize(
    "template", ["{author}{yr}", "{author} {year}", "{author", "plain", "{year:04d}", "{author}{}"]
)
def test_bad_templates_are_refused_with_a_clear_message(template: str) -> None:
    with pytest.raises(TemplateError, match="citekey_template"):
        validate_template(template)
    with pytest.raises(TemplateError):
        assign_keys([article("90000001", "x")], {}, template)
