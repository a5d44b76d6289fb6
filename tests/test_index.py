"""The offline full-text index: query language, ranking, updates, hostile input, concurrency."""

from __future__ import annotations

import multiprocessing
import sqlite3
from pathlib import Path

import pytest

import mscterm.store.query as query_mod
import mscterm.store.ranking as ranking_mod
from mscterm.model import AbstractSection, Author, MeshHeading, Record
from mscterm.store import QUERY_HELP, IndexCorruptError, RecordStore, SearchIndex, pubtypes
from tests.conftest import make_record


def rec(
    n: int,
    title: str = "An unrelated note on culture media.",
    abstract: str = "",
    *,
    authors: list[Author] | None = None,
    journal: str | None = "Fictional Research Letters",
    abbrev: str | None = "Fict Res Lett",
    year: int | None = 2010,
    month: int | None = None,
    mesh: list[MeshHeading] | None = None,
    keywords: list[str] | None = None,
    doi: str | None = None,
) -> Record:
    """The shared fictional record (PMID 90000000 + n), with the fields these tests search."""
    fields: dict[str, object] = {"doi": doi} if doi is not None else {}
    return make_record(
        n,
        title=title,
        abstract=[AbstractSection(None, abstract)] if abstract else [],
        authors=authors if authors is not None else [Author(family="Placeholder", initials="Q")],
        journal=journal,
        journal_abbrev=abbrev,
        year=year,
        month=month,
        mesh=mesh or [],
        keywords=keywords or [],
        **fields,
    )


def pid(n: int) -> str:
    return str(90_000_000 + n)


@pytest.fixture
def index(tmp_path: Path) -> SearchIndex:
    ix = SearchIndex(tmp_path / "index.sqlite3")
    yield ix
    ix.close()


@pytest.fixture
def corpus(index: SearchIndex) -> SearchIndex:
    index.add(
        [
            rec(
                1,
                "Spontaneous transformation of adult mesenchymal stem cells from bone marrow.",
                "Cultured cells acquired a malignant phenotype after long-term expansion.",
                authors=[
                    Author(family="Rubiofict", given="Danielle", initials="D"),
                    Author(family="Røsfict", given="Gro", initials="GV"),
                ],
                journal="Fictional Cancer Research",
                abbrev="Fict Cancer Res",
                year=2005,
                mesh=[
                    MeshHeading("Cell Transformation, Neoplastic", True, ["genetics"]),
                    MeshHeading("Mesenchymal Stem Cells", False, ["cytology"]),
                ],
                keywords=["tumorigenicity"],
            ),
            rec(
                2,
                "Karyotype of expanded stromal cells.",
                "No transformation was seen; the spontaneous appearance of aneuploid clones "
                "was rare.",
                authors=[Author(collective="Fictional MSC Safety Consortium")],
                journal="Journal of Imaginary Cytotherapy",
                abbrev="J Imag Cytother",
                year=2012,
                mesh=[MeshHeading("Karyotyping")],
            ),
            rec(
                3,
                "Cryopreservation and banking of umbilical cord cells.",
                "Serum-free media preserved viability after thawing.",
                year=2015,
                keywords=["cryopreservation", "banking"],
                doi="10.5555/Cryo.2015-03",
            ),
            rec(4, "Fetal bovine serum in MSC culture: a safety review.", year=2019),
        ]
    )
    return index


# -- basics ----------------------------------------------------------------------------------
def test_count_and_ids(corpus: SearchIndex) -> None:
    assert corpus.count() == 4
    assert sorted(corpus.ids()) == [pid(1), pid(2), pid(3), pid(4)]


def test_query_help_documents_every_field() -> None:
    words = ("ti:", "ab:", "au:", "jo:", "mesh:", "kw:", "year:", "pmid:", "pmcid:", "doi:")
    words += ("OR", "is:retracted", "-is:retracted", "pt:", "has:abstract", "-retracted")
    for word in words:
        assert word in QUERY_HELP
    assert QUERY_HELP.strip() and "-" in QUERY_HELP
    assert "mesh:" in (query_mod.__doc__ or "")
    # every field name the parser knows is in the help
    for name in query_mod.FIELD_LIST.split():
        assert f"{name}:" in QUERY_HELP


def test_query_help_fits_the_help_screen_at_80_columns() -> None:
    """The help dialog at 80 columns leaves 74 for text (border, padding, scroll bar)."""
    assert max(len(line) for line in QUERY_HELP.splitlines()) <= 74


def test_words_are_anded_across_fields(corpus: SearchIndex) -> None:
    assert corpus.search("transformation marrow") == [pid(1)]
    assert corpus.search("transformation rubiofict") == [pid(1)]
    assert corpus.search("transformation nosuchword") == []


def test_stemming_and_accent_folding(corpus: SearchIndex) -> None:
    assert pid(1) in corpus.search("transformed cell")
    assert corpus.search("rosfict") == [pid(1)]  # Røsfict typed without the ø
    assert corpus.search("RØSFICT") == [pid(1)]


# -- ranking ---------------------------------------------------------------------------------
def test_title_hit_ranks_above_abstract_only_hit(index: SearchIndex) -> None:
    index.add(
        [
            rec(10, "Notes on culture.", "senescence " * 30, year=2020),
            rec(11, "Replicative senescence of stromal cells in long culture runs.", year=2001),
            rec(12, "Another note.", "one mention of senescence here", year=2022),
        ]
    )
    hits = index.search("senescence")
    assert hits[0] == pid(11)
    assert set(hits) == {pid(10), pid(11), pid(12)}


def test_all_words_in_title_rank_first(index: SearchIndex) -> None:
    index.add(
        [
            rec(20, "Tumorigenicity of grafts.", "in mesenchymal populations", year=2023),
            rec(21, "Mesenchymal cell tumorigenicity in mice.", year=1999),
        ]
    )
    assert index.search("mesenchymal tumorigenicity") == [pid(21), pid(20)]


def test_among_equals_newer_first(index: SearchIndex) -> None:
    index.add([rec(30 + i, "Hypoxia preconditioning study.", year=2000 + i) for i in range(5)])
    index.add([rec(40, "Hypoxia preconditioning study.", year=2003, month=11)])
    assert index.search("hypoxia") == [pid(34), pid(40), pid(33), pid(32), pid(31), pid(30)]


def test_limit(index: SearchIndex) -> None:
    index.add([rec(i, "Exosome safety study.") for i in range(1, 31)])
    assert len(index.search("exosome", limit=7)) == 7
    assert len(index.search("exosome", limit=100)) == 30
    assert index.search("exosome", limit=0) == []


def test_huge_match_sets_keep_title_tier_and_recency(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plan for common terms (window of newest matches) still ranks sensibly."""
    monkeypatch.setattr(ranking_mod, "PROBE_LIMIT", 5)
    monkeypatch.setattr(ranking_mod, "RECENT_WINDOW", 4)
    index.add([rec(50 + i, "Note.", "mesenchymal stromal", year=1990 + i) for i in range(20)])
    index.add([rec(80, "Mesenchymal stromal title hit.", year=1985)])
    hits = index.search("mesenchymal", limit=5)
    assert hits[0] == pid(80)
    assert hits[1:] == [pid(69), pid(68), pid(67), pid(66)]
    assert len(index.search("mesenchymal", limit=50)) == 21


# -- phrases, prefixes -----------------------------------------------------------------------
def test_phrase(corpus: SearchIndex) -> None:
    assert corpus.search('"spontaneous transformation"') == [pid(1)]
    assert set(corpus.search("spontaneous transformation")) == {pid(1), pid(2)}
    assert corpus.search('"transformation spontaneous"') == []


def test_prefix_star(corpus: SearchIndex) -> None:
    assert corpus.search("cryopres*") == [pid(3)]
    assert corpus.search("karyo*") == [pid(2)]


def test_prefix_of_a_stemmed_word(corpus: SearchIndex) -> None:
    """``transformati*`` finds ``transformation`` although it is indexed as ``transform``."""
    assert set(corpus.search("transformati*")) == {pid(1), pid(2)}


def test_prefix_last_for_type_ahead(corpus: SearchIndex) -> None:
    assert corpus.search("umbilical cryopre") == []
    assert corpus.search("umbilical cryopre", prefix_last=True) == [pid(3)]
    assert corpus.search("umbilical cryopre ", prefix_last=True) == []  # word finished


# -- fields ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("au:rubiofict", [1]),
        ("au:danielle", [1]),
        ('au:"rubiofict d"', [1]),
        ('au:"msc safety consortium"', [2]),
        ("au:karyotype", []),
        ("ti:transformation", [1]),
        ("ab:transformation", [2]),
        ("ab:marrow", []),
        ("jo:cytotherapy", [2]),
        ('jo:"fict cancer res"', [1]),
        ('mesh:"cell transformation, neoplastic"', [1]),
        ("mesh:genetics", [1]),
        ("mesh:karyotyping", [2]),
        ("mesh:serum", []),
        ("kw:banking", [3]),
        ("kw:serum", []),
        ("pmid:90000002", [2]),
        ("pmid:9000000", []),
        ("pmid:abc", []),
        ("doi:10.5555/cryo.2015-03", [3]),
        ("doi:10.5555/CRYO.2015-03", [3]),
        ("doi:https://doi.org/10.5555/test.4", [4]),
        ("year:2012", [2]),
        ("year:2010-2015", [3, 2]),
        ("year:2012-", [4, 3, 2]),
        ("year:2015-2010", [3, 2]),
        ("year:2013", []),
        ("year:abc", []),
        ("YEAR:2005 TI:transformation", [1]),
        ("cells year:2011-2020", [3, 2]),
    ],
)
def test_field_filters(corpus: SearchIndex, query: str, expected: list[int]) -> None:
    assert corpus.search(query) == [pid(n) for n in expected]


def test_unknown_field_is_searched_as_text(corpus: SearchIndex) -> None:
    assert corpus.search("foo:karyotype") == []  # "foo" must match too
    assert corpus.search("stromal:karyotype") == [pid(2)]
    assert "stromal:" in (corpus.find("stromal:karyotype").hint or "")  # said, not silent


def test_field_without_value_is_ignored(corpus: SearchIndex) -> None:
    assert corpus.search("karyotype au:") == [pid(2)]
    assert corpus.search("au:") == []


# -- filters: is:, pt:, has: -----------------------------------------------------------------
@pytest.fixture
def typed(index: SearchIndex) -> SearchIndex:
    """Records of each kind the filters tell apart (all about "transformation")."""
    t = "Transformation of stromal cells"
    index.add(
        [
            make_record(101, title=f"{t}: a cohort.", retracted=True, year=2005),
            make_record(102, title=f"{t}: notice.", year=2006,
                        publication_types=["Journal Article", "Retracted Publication"]),
            make_record(103, title=f"{t}: a comment.", year=2007,
                        comments=[{"type": "RetractionIn", "pmid": "90000199"}]),
            make_record(104, title=f"{t}: a review.", year=2008,
                        publication_types=["Journal Article", "Review"]),
            make_record(105, title=f"{t}: a systematic review.", year=2009,
                        publication_types=["Systematic Review", "Meta-Analysis"]),
            make_record(106, title=f"{t}: a trial.", year=2010,
                        publication_types=["Randomized Controlled Trial"]),
            make_record(107, title=f"{t}: phase II.", year=2011,
                        publication_types=["Clinical Trial, Phase II"]),
            make_record(108, title=f"{t}: a patient.", year=2012, abstract=[], doi=None,
                        publication_types=["Case Reports"], pmcid="PMC9900108"),
            make_record(109, title="Retracted claims revisited.", year=2013),
        ]
    )  # fmt: skip
    return index


def ns(*numbers: int) -> set[str]:
    return {pid(n) for n in numbers}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("is:retracted", {101, 102, 103}),
        ("IS:Retracted", {101, 102, 103}),
        ("-is:retracted", {104, 105, 106, 107, 108, 109}),
        ("transformation -is:retracted", {104, 105, 106, 107, 108}),
        # a bare "retracted" is the status, as a user means it -- not the word
        ("transformation -retracted", {104, 105, 106, 107, 108}),
        ("transformation NOT retracted", {104, 105, 106, 107, 108}),
        ("transformation retracted", {101, 102, 103}),
        ("retracted", {101, 102, 103}),
        # the word itself: quoted, or in a field
        ('"retracted"', {109}),
        ("ti:retracted", {109}),
        ("pt:review", {104, 105}),  # narrower types come along: a systematic review is one
        ("pt:Review", {104, 105}),
        ("pt:reviews", {104, 105}),
        ('pt:"systematic review"', {105}),
        ("pt:meta-analysis", {105}),
        ('pt:"meta analysis"', {105}),
        ("pt:rct", {106}),
        ('pt:"randomized controlled trial"', {106}),
        ('pt:"Randomised Controlled Trial"', {106}),
        ('pt:"clinical trial"', {106, 107}),
        ('pt:"clinical trial, phase ii"', {107}),
        ('pt:"case report"', {108}),
        ('pt:"Case Reports"', {108}),
        ('pt:"retracted publication"', {102}),
        ("pt:rev*", {104, 105}),
        ("transformation -pt:review", {101, 102, 103, 106, 107, 108}),
        ("pt:rct OR pt:review", {104, 105, 106}),
        ("has:abstract transformation", {101, 102, 103, 104, 105, 106, 107}),
        ("-has:abstract", {108}),
        ("-has:doi", {108}),
        ("has:pmcid", {108}),
        ("has:pmc", {108}),
        ("pmcid:PMC9900108", {108}),
        ("pmcid:9900108", {108}),
        ("is:retracted year:2006-", {102, 103}),
    ],
)
def test_filters(typed: SearchIndex, query: str, expected: set[int]) -> None:
    found = typed.find(query, limit=50)
    assert set(found.ids) == ns(*expected)
    assert found.total == len(expected)
    assert found.hint is None


def test_filters_as_the_last_word_while_typing(typed: SearchIndex) -> None:
    """Type-ahead: a filter's unfinished value is a prefix, not a mistake."""
    assert set(typed.find("pt:rev", prefix_last=True).ids) == ns(104, 105)
    assert set(typed.find("transformation is:retr", prefix_last=True).ids) == ns(101, 102, 103)
    assert set(typed.find("has:abs", prefix_last=True).ids) == ns(*range(101, 108), 109)
    assert set(typed.find("transformation -retracted", prefix_last=True).ids) == ns(
        104, 105, 106, 107, 108
    )
    typing_year = typed.find("transformation year:20", prefix_last=True)
    assert typing_year.hint is None and len(typing_year.ids) == 8  # no filter yet


def test_publication_type_tokens_stay_distinct_after_stemming(index: SearchIndex) -> None:
    """The index stems every token: no two of PubMed's types may end up the same."""
    stems = {}
    for name in pubtypes.KNOWN:
        token = pubtypes.token(name)
        assert token is not None
        (stem,) = ranking_mod.Stemmer(index._db).stem(token)
        assert stems.setdefault(stem, name) == name


@pytest.mark.parametrize(
    ("query", "says"),
    [
        ("foo:bar", "foo:"),
        ("transformation Foo:bar", "Foo:"),
        ('foo:"two words"', "foo:"),
        ("year:abc", "year:abc"),
        ("transformation year:20x", "year:20x"),
        ("year:1-2", "year:1-2"),
        ("pt:nonsense", "pt:nonsense"),
        ('pt:"not a type"', 'pt:"not a type"'),
        ("is:new", "is:new"),
        ("-is:new", "is:new"),
        ("has:figures", "has:figures"),
        ("pmid:abc", "pmid:abc"),
        ("pmid:" + "9" * 12, "PMID"),
    ],
)
def test_bad_fields_and_values_give_a_hint(typed: SearchIndex, query: str, says: str) -> None:
    found = typed.find(query)
    assert found.hint is not None and says in found.hint
    assert "\n" not in found.hint and len(found.hint) <= 120


def test_bad_values_match_nothing_but_unknown_fields_are_words(typed: SearchIndex) -> None:
    assert typed.find("transformation pt:nonsense").ids == []
    assert typed.find("transformation year:abc").total == 0
    found = typed.find("transformation:review")  # not a field: its words, ANDed
    assert set(found.ids) == ns(104, 105) and found.hint is not None


@pytest.mark.parametrize(
    "query",
    [
        "10.5555/ab:cd",
        "doi:10.5555/ab:cd",
        "https://doi.org/10.5555/ab:cd",
        "doi.org/10.5555/AB:CD",
        "https://dx.doi.org/10.5555/ab:cd",
    ],
)
def test_a_doi_with_a_colon_is_found_without_a_hint(index: SearchIndex, query: str) -> None:
    index.add([make_record(120, doi="10.5555/ab:cd"), make_record(121, doi="10.5555/ab")])
    found = index.find(query)
    assert found.hint is None
    assert found.ids == [pid(120)]


@pytest.mark.parametrize(
    "query",
    [
        "Mesenchymal stromal cells: safety",
        "PMID: 90000002",
        "http://example.org/karyotype",
        "karyotype au:",
        "COVID-19: karyotype",
    ],
)
def test_colons_that_are_not_fields_give_no_hint(corpus: SearchIndex, query: str) -> None:
    assert corpus.find(query).hint is None


# -- counts ----------------------------------------------------------------------------------
def test_total_counts_every_match_not_just_the_page(index: SearchIndex) -> None:
    index.add([rec(i, "Exosome safety study.", year=2000 + i % 20) for i in range(1, 31)])
    found = index.find("exosome", limit=7)
    assert len(found.ids) == 7 and found.total == 30 and not found.more
    assert index.find("exosome year:2010-2014", limit=3).total == 6  # i = 10..14, 30
    assert index.find("exosome -year:2010", limit=3).total == 28
    assert index.find("exosome", limit=0) == index.find("exosome", limit=0)
    assert index.find("exosome", limit=0).total == 30
    assert index.find("nosuchword").total == 0


def test_total_ignores_replaced_and_removed_records(index: SearchIndex) -> None:
    index.add([rec(i, "Exosome safety study.") for i in range(1, 11)])
    index.add([rec(i, "Exosome safety study, corrected.") for i in range(1, 5)])  # 4 tombstones
    index.remove([pid(10)])
    assert index.stats()["tombstones"] == 5
    found = index.find("exosome", limit=3)
    assert found.total == 9 and not found.more
    assert index.find("corrected").total == 4
    index.rebuild([rec(i, "Exosome safety study.") for i in range(1, 4)])
    assert index.stats()["tombstones"] == 0
    assert index.find("exosome").total == 3


def test_counting_stops_at_the_cap_and_says_more_than(
    index: SearchIndex, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ranking_mod, "COUNT_CAP", 5)
    index.add([rec(i, "Exosome safety study.", year=2000 + i % 10) for i in range(1, 21)])
    found = index.find("exosome", limit=3)
    assert (found.total, found.more) == (5, True)
    assert len(found.ids) == 3
    small = index.find("exosome year:2001")  # i = 1, 11
    assert (small.total, small.more) == (2, False)
    index.add([rec(i, "Exosome study, corrected.", year=2000 + i % 10) for i in range(1, 21)])
    again = index.find("exosome", limit=30)  # now 20 tombstones among the matches
    assert again.more and again.total <= 5 and len(again.ids) == 20


# -- boolean ---------------------------------------------------------------------------------
def test_or(corpus: SearchIndex) -> None:
    assert set(corpus.search("karyotype OR cryopreservation")) == {pid(2), pid(3)}
    # OR binds tighter than the implicit AND.
    assert corpus.search("cells karyotype OR serum") == [pid(3), pid(2)] or set(
        corpus.search("cells karyotype OR serum")
    ) == {pid(2), pid(3)}
    assert corpus.search("au:rubiofict OR year:2012") in ([pid(1), pid(2)], [pid(2), pid(1)])


def test_lowercase_or_is_a_word(corpus: SearchIndex) -> None:
    assert corpus.search("karyotype or cryopreservation") == []


def test_not_and_minus(corpus: SearchIndex) -> None:
    assert corpus.search("transformation -spontaneous") == []
    assert corpus.search("cells -karyotype") == [pid(3), pid(1)]
    assert corpus.search("cells NOT karyotype") == [pid(3), pid(1)]
    assert corpus.search("cells -year:2015") == [pid(2), pid(1)]
    assert corpus.search("cells -(karyotype OR cryopreservation)") == [pid(1)]


def test_only_exclusions_means_everything_else(corpus: SearchIndex) -> None:
    assert corpus.search("-karyotype") == [pid(4), pid(3), pid(1)]


def test_parentheses(corpus: SearchIndex) -> None:
    assert set(corpus.search("(karyotype OR serum) cells")) == {pid(2), pid(3)}
    assert corpus.search("((karyotype)") == [pid(2)]
    assert corpus.search("karyotype))") == [pid(2)]


# -- updates ---------------------------------------------------------------------------------
def test_re_add_replaces_the_old_row(corpus: SearchIndex) -> None:
    corpus.add([rec(2, "Telomere length in long-term cultures.", year=2013)])
    assert corpus.count() == 4
    assert corpus.search("telomere") == [pid(2)]
    assert corpus.search("karyotype") == []
    assert corpus.search("year:2012") == []
    assert corpus.search("year:2013") == [pid(2)]
    assert corpus.stats()["tombstones"] == 1


def test_re_add_unchanged_is_a_no_op(corpus: SearchIndex) -> None:
    same = rec(
        3,
        "Cryopreservation and banking of umbilical cord cells.",
        "Serum-free media preserved viability after thawing.",
        year=2015,
        keywords=["cryopreservation", "banking"],
        doi="10.5555/Cryo.2015-03",
    )
    corpus.add([same])
    assert corpus.stats()["tombstones"] == 0
    assert corpus.search("cryopreservation") == [pid(3)]


def test_many_updates_never_shorten_a_page(index: SearchIndex) -> None:
    index.add([rec(i, "Apoptosis assay.", year=2000) for i in range(1, 21)])
    for round_ in range(3):
        index.add([rec(i, f"Apoptosis assay round {round_}.", year=2001) for i in range(1, 21)])
    assert len(index.search("apoptosis", limit=20)) == 20
    assert len(set(index.search("apoptosis", limit=50))) == 20


def test_remove(corpus: SearchIndex) -> None:
    corpus.remove([pid(1), "doi:10.5555/never-indexed"])
    assert corpus.count() == 3
    assert corpus.search("transformation") == [pid(2)]


def test_rebuild_replaces_everything(corpus: SearchIndex) -> None:
    store_records = [rec(7, "Pericyte origin of stromal cells."), rec(8, "Homing after infusion.")]
    assert set(corpus.ids()) != {r.id for r in store_records}
    corpus.rebuild(store_records)
    assert set(corpus.ids()) == {pid(7), pid(8)}
    assert corpus.count() == 2
    assert corpus.search("karyotype") == []
    assert corpus.search("pericyte") == [pid(7)]
    assert corpus.stats()["tombstones"] == 0


def test_records_without_pmid(index: SearchIndex) -> None:
    r = Record(id="doi:10.5555/nopmid", doi="10.5555/nopmid", title="Citation-level seed record.",
               year=None, source="seed")  # fmt: skip
    index.add([r])
    assert index.search("citation seed") == ["doi:10.5555/nopmid"]
    assert index.search("doi:10.5555/nopmid") == ["doi:10.5555/nopmid"]


# -- hostile input ---------------------------------------------------------------------------
HOSTILE = [
    '"',
    '"unbalanced phrase',
    'karyotype"',
    "(",
    ")",
    "(()",
    "NEAR(karyotype stromal)",
    "NEAR(",
    "*",
    "**",
    "^",
    "^karyotype",
    "-",
    "--",
    "- -",
    "OR",
    "AND OR NOT",
    "karyotype OR",
    "OR karyotype",
    "NOT",
    ":",
    "ti:",
    'ti:"',
    "title:(",
    "{title}: karyotype",
    "karyotype AND",
    "col:umn",
    "\x00\x1b[31mkaryotype\x07",
    "karyo\ud800type",
    "\udcff\udcfe",
    "'; DROP TABLE docs; --",
    "karyotype" + " stromal" * 600,
    "x" * 5000,
    "(" * 300 + "karyotype" + ")" * 300,
    "a OR " * 500,
    "year:0000-9999 karyotype",
    "year:1-2",
    "pmid:" + "9" * 40,
    "\u202ekaryotype",
    "🧬 karyotype",
]


@pytest.mark.parametrize("query", HOSTILE)
def test_hostile_queries_never_raise(corpus: SearchIndex, query: str) -> None:
    hits = corpus.search(query)
    assert isinstance(hits, list)
    assert set(hits) <= {pid(1), pid(2), pid(3), pid(4)}
    corpus.search(query, prefix_last=True)


def test_hostile_queries_still_find_their_words(corpus: SearchIndex) -> None:
    assert corpus.search('karyotype"') == [pid(2)]
    assert corpus.search("NEAR(karyotype stromal)") == []  # "near" is a plain word here
    assert corpus.search("(karyotype stromal") == [pid(2)]
    assert corpus.search("\x00\x1b[31mkaryotype\x07") == [pid(2)]
    assert corpus.search("^karyotype") == [pid(2)]
    assert corpus.search("karyotype OR") == [pid(2)]
    assert corpus.search("year:0000-9999 karyotype") == [pid(2)]


@pytest.mark.parametrize("query", ["", "   ", "\t\n", "*", '""', "-", "()", "OR", "\x00"])
def test_empty_queries_find_nothing(corpus: SearchIndex, query: str) -> None:
    assert corpus.search(query) == []


def test_hostile_record_text_is_indexed_as_text(index: SearchIndex) -> None:
    index.add([rec(60, 'A "quoted" NEAR(title) with * and ^ and \x00 nul', "ab\ud800c")])
    assert index.search("quoted near") == [pid(60)]


# -- robustness ------------------------------------------------------------------------------
def _adder(path: str, start: int, count: int) -> None:
    ix = SearchIndex(Path(path))
    try:
        for i in range(start, start + count, 5):
            ix.add([rec(n, f"Concurrent write number {n}.") for n in range(i, i + 5)])
    finally:
        ix.close()


def test_two_processes_adding_at_once(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    ctx = multiprocessing.get_context("spawn")
    procs = [ctx.Process(target=_adder, args=(str(path), s, 150)) for s in (1000, 2000)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
    assert [p.exitcode for p in procs] == [0, 0]
    ix = SearchIndex(path)
    try:
        assert ix.count() == 300
        assert len(ix.search("concurrent", limit=1000)) == 300
    finally:
        ix.close()


def test_not_a_database_raises_index_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    path.write_bytes(b"this is not an sqlite file at all" * 200)
    with pytest.raises(IndexCorruptError):
        ix = SearchIndex(path)
        ix.search("karyotype")


def test_damaged_index_raises_index_corrupt_on_query(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    ix = SearchIndex(path)
    ix.add([rec(i, f"Damaged index record {i} about karyotype.") for i in range(1, 200)])
    ix.close()
    db = sqlite3.connect(path)
    # A fixed garbage pattern (not random bytes, which can happen to decode): deterministic.
    rows = db.execute("SELECT id, length(block) FROM ft_data WHERE id > 10").fetchall()
    for rowid, size in rows:
        db.execute("UPDATE ft_data SET block = ? WHERE id = ?", (b"\xff\x7f" * size, rowid))
    db.commit()
    db.close()
    with pytest.raises(IndexCorruptError):
        ix = SearchIndex(path)
        try:
            ix.search("karyotype")
        finally:
            ix.close()


def test_truncated_file_raises_index_corrupt(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    ix = SearchIndex(path)
    ix.rebuild(rec(i, f"Truncated index record {i} about karyotype.") for i in range(1, 400))
    ix.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 3])
    with pytest.raises(IndexCorruptError):
        ix = SearchIndex(path)
        try:
            ix.search("karyotype", limit=500)
            ix.count()
            list(ix.ids())
        finally:
            ix.close()


def test_open_or_rebuild_recovers(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    path.write_bytes(b"\x00garbage" * 500)
    calls: list[int] = []

    def records() -> list[Record]:
        calls.append(1)
        return [rec(1, "Recovered karyotype record.")]

    ix = SearchIndex.open_or_rebuild(path, records)
    try:
        assert calls == [1]
        assert ix.search("karyotype") == [pid(1)]
    finally:
        ix.close()
    assert list(tmp_path.glob("index.sqlite3.corrupt-*"))
    ix = SearchIndex.open_or_rebuild(path, records)  # healthy now: no second rebuild
    ix.close()
    assert calls == [1]


def test_other_schema_version_starts_empty(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    ix = SearchIndex(path)
    ix.add([rec(1, "Versioned karyotype record.")])
    ix.close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version = 999")
    db.commit()
    db.close()
    ix = SearchIndex(path)
    try:
        assert ix.count() == 0
        assert ix.search("karyotype") == []
        ix.add([rec(1, "Versioned karyotype record.")])
        assert ix.search("karyotype") == [pid(1)]
    finally:
        ix.close()


def _age(path: Path) -> None:
    """Make the index file look like one written by INDEX_SCHEMA 1 (no ``gone`` table)."""
    db = sqlite3.connect(path)
    db.execute("DROP TABLE gone")
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()


def test_an_index_of_another_version_stays_stale_until_rebuilt(tmp_path: Path) -> None:
    path = tmp_path / "index.sqlite3"
    with SearchIndex(path) as ix:
        ix.add([rec(1, "Versioned karyotype record.")])
        assert not ix.stale
    _age(path)
    with SearchIndex(path) as ix:
        assert ix.stale and ix.count() == 0
    with SearchIndex(path) as ix:  # not rebuilt yet (a crash, a full disk): still stale
        assert ix.stale
        ix.rebuild([rec(1, "Versioned karyotype record.")])
        assert not ix.stale
    with SearchIndex(path) as ix:
        assert not ix.stale and ix.search("karyotype") == [pid(1)]
    _age(path)
    ix = SearchIndex.open_or_rebuild(path, lambda: [rec(2, "Rebuilt karyotype record.")])
    with ix:
        assert not ix.stale and ix.search("karyotype") == [pid(2)]


def test_the_store_rebuilds_an_old_index_when_it_opens_it(tmp_path: Path) -> None:
    """An index written by an older mscterm is rebuilt on first use, not left empty."""
    cache = tmp_path / "cache"
    old = make_record(1, title="Versioned karyotype record.", publication_types=["Review"])
    with RecordStore(cache) as store:
        store.put([old, make_record(2, title="Another karyotype record.")])
    _age(cache / "index.sqlite3")
    with RecordStore(cache) as store:
        assert sorted(store.search("karyotype")) == [pid(1), pid(2)]
        assert store.search("pt:review") == [pid(1)]
        assert store.verify() == []


def test_index_is_in_wal_mode(index: SearchIndex) -> None:
    db = sqlite3.connect(index.path)
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
