"""Tests of mscterm.ncbi.parser against NCBI's real recorded answers and fictional records.

The real answers are read in place from ``../shared/ncbi/samples`` (never copied here); every
expected value below was read off those files by eye. Fictional records use PMIDs from
90000000 up and DOIs under the reserved test prefix 10.5555/.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mscterm.model import Record
from mscterm.ncbi.errors import (
    ErrorResponse,
    RateLimitedError,
    TruncatedResponse,
    UnsafeXMLError,
)
from mscterm.ncbi.parser import (
    check_rate_limit_body,
    iter_pubmed_xml,
    parse_ecitmatch,
    parse_elink,
    parse_esearch,
    parse_pubmed_xml,
)
from mscterm.ncbi.results import CitationMatch

SAMPLES = Path(__file__).resolve().parents[1].parent / "shared" / "ncbi" / "samples"

NCBI_PROLOG = (
    b'<?xml version="1.0" ?>\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2025//EN" '
    b'"https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_250101.dtd">\n'
)


def sample(name: str) -> bytes:
    """Bytes of one recorded sample; the test is skipped when the corpus is absent."""
    if not SAMPLES.is_dir():
        pytest.skip(f"NCBI samples not found at {SAMPLES}")
    path = SAMPLES / name
    if not path.is_file():
        pytest.skip(f"sample {name} not present")
    return path.read_bytes()


def article_set(*articles: str, prolog: bytes = NCBI_PROLOG) -> bytes:
    """A PubmedArticleSet in NCBI's current layout: articles on one line, no final newline."""
    return prolog + b"<PubmedArticleSet>\n" + "".join(articles).encode() + b"</PubmedArticleSet>"


def article(
    pmid: str,
    *,
    title: str = "Fictional safety study of mesenchymal stromal cells.",
    authors: str = (
        '<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Testperson</LastName>'
        "<ForeName>Alex</ForeName><Initials>A</Initials></Author></AuthorList>"
    ),
    pub_date: str = "<Year>2021</Year><Month>Mar</Month>",
    journal_extra: str = "<ISOAbbreviation>Fict J Test</ISOAbbreviation>",
    pagination: str = "<Pagination><MedlinePgn>1-9</MedlinePgn></Pagination>",
    elocations: str = "",
    abstract: str = "<Abstract><AbstractText>Fictional abstract.</AbstractText></Abstract>",
    article_dates: str = "",
    pub_types: str = '<PublicationType UI="D016428">Journal Article</PublicationType>',
    citation_extra: str = "",
    article_ids: str = "",
    history: str = "",
    pubmed_data_extra: str = "",
    languages: str = "<Language>eng</Language>",
    data_banks: str = "",
) -> str:
    """One fictional PubmedArticle shaped like NCBI's (DTD 2025 element order)."""
    return (
        '<PubmedArticle><MedlineCitation Status="MEDLINE" Owner="NLM">'
        f'<PMID Version="1">{pmid}</PMID>'
        '<Article PubModel="Print"><Journal><ISSN IssnType="Print">0000-0000</ISSN>'
        '<JournalIssue CitedMedium="Print"><Volume>7</Volume><Issue>2</Issue>'
        f"<PubDate>{pub_date}</PubDate></JournalIssue>"
        f"<Title>Fictional journal of testing</Title>{journal_extra}</Journal>"
        f"<ArticleTitle>{title}</ArticleTitle>{pagination}{elocations}{abstract}{authors}"
        f"{languages}{data_banks}<PublicationTypeList>{pub_types}</PublicationTypeList>"
        f"{article_dates}</Article>"
        "<MedlineJournalInfo><Country>Nowhere</Country><MedlineTA>Fict J Test MTA</MedlineTA>"
        f"</MedlineJournalInfo>{citation_extra}</MedlineCitation>"
        f"<PubmedData>{history}<PublicationStatus>ppublish</PublicationStatus>"
        f'<ArticleIdList><ArticleId IdType="pubmed">{pmid}</ArticleId>{article_ids}'
        f"</ArticleIdList>{pubmed_data_extra}</PubmedData></PubmedArticle>"
    )


def one(xml: bytes) -> Record:
    records = parse_pubmed_xml(xml)
    assert len(records) == 1
    return records[0]


# ------------------------------------------------------------------------------------------
# Every efetch sample, checked against what the file says
# ------------------------------------------------------------------------------------------

# file -> per record: pmid, title, first author (family or group), journal, year, month, doi,
# pmcid, abstract section labels, pages
EXPECTED: dict[str, list[dict[str, object]]] = {
    "efetch_pubmed_xml_2018_structured_abstract_inline_markup.xml": [
        {
            "pmid": "27797938",
            "title": "Leucocyte telomere length, genetic variants at the TERT gene region and "
            "risk of pancreatic cancer.",
            "first": "Bao",
            "journal": "Gut",
            "year": 2017,
            "month": 6,
            "doi": "10.1136/gutjnl-2016-312510",
            "pmcid": "PMC5442267",
            "labels": ["OBJECTIVE", "DESIGN", "RESULTS", "CONCLUSIONS"],
            "pages": "1116-1122",
        }
    ],
    "efetch_pubmed_xml_2018_sub_sup_italic_nonascii.xml": [
        {
            "pmid": "30108519",
            "title": 'A "Blood Relationship" Between the Overlooked Minimum Lactate Equivalent '
            "and Maximal Lactate Steady State in Trained Runners. Back to the Old Days?",
            "first": "Garcia-Tabar",
            "journal": "Frontiers in physiology",
            "year": 2018,
            "month": None,
            "doi": "10.3389/fphys.2018.01034",
            "pmcid": "PMC6079548",
            "labels": [None],
            "pages": "1034",
        }
    ],
    "efetch_pubmed_xml_2019_collective_orcid_references.xml": [
        {
            "pmid": "29963580",
            "title": "Development of a pulmonary imaging biomarker pipeline for phenotyping of "
            "chronic lung disease.",
            "first": "Guo",
            "journal": "Journal of medical imaging (Bellingham, Wash.)",
            "year": 2018,
            "month": 4,
            "doi": "10.1117/1.JMI.5.2.026002",
            "pmcid": "PMC6022861",
            "labels": [None],
            "pages": "026002",
        }
    ],
    "efetch_pubmed_xml_2024_abstract_inline_markup.xml": [
        {
            "pmid": "29186030",
            "title": "Buprofezin Is Metabolized by CYP353D1v2, a Cytochrome P450 Associated "
            "with Imidacloprid Resistance in Laodelphax striatellus.",
            "first": "Elzaki",
            "journal": "International journal of molecular sciences",
            "year": 2017,
            "month": 11,
            "doi": "10.3390/ijms18122564",
            "pmcid": "PMC5751167",
            "labels": [None],
            "pages": "2564",  # no Pagination: the ELocationID pii (e-locator)
        }
    ],
    "efetch_pubmed_xml_2024_bold_sup_in_abstract.xml": [
        {
            "pmid": "29915538",
            "title": "Efficacy and Safety of Once-Weekly Semaglutide for the Treatment of Type 2 "
            "Diabetes: A Systematic Review and Meta-Analysis of Randomized Controlled Trials.",
            "first": "Shi",
            "journal": "Frontiers in pharmacology",
            "year": 2018,
            "month": None,
            "doi": "10.3389/fphar.2018.00576",
            "pmcid": "PMC5994433",
            "labels": [None],
            "pages": "576",
        }
    ],
    "efetch_pubmed_xml_2024_book_chapter.xml": [
        {
            "pmid": "20301382",
            "title": "Single Large-Scale Mitochondrial DNA Deletion Syndromes",
            "first": "Goldstein",
            "journal": None,
            # The chapter's own ContributionDate (2003-12-17), not GeneReviews' start (1993).
            "year": 2003,
            "month": 12,
            "doi": None,
            "pmcid": None,  # the PMC ids in its ReferenceList are the references'
            "labels": [
                "CLINICAL CHARACTERISTICS",
                "DIAGNOSIS/TESTING",
                "MANAGEMENT",
                "GENETIC COUNSELING",
            ],
            "pages": None,
        }
    ],
    "efetch_pubmed_xml_2024_book_pubmedbookarticle.xml": [
        {
            "pmid": "26468569",
            "title": "Application of Modern Toxicology Approaches for Predicting Acute Toxicity "
            "for Chemical Defense",
            "first": "Committee on Predictive-Toxicology Approaches for Military Assessments of "
            "Acute Exposures",
            "journal": None,
            "year": 2015,
            "month": 9,
            "doi": "10.17226/21775",
            "pmcid": None,
            "labels": [None],
            "pages": None,
        }
    ],
    "efetch_pubmed_xml_2024_collective_author.xml": [
        {
            "pmid": "21860499",
            "title": "Nitrofen.",
            "first": "National Toxicology Program",
            "journal": "Report on carcinogens : carcinogen profiles",
            "year": 2011,
            "month": None,
            "doi": None,
            "pmcid": None,
            "labels": [],
            "pages": "296-297",
        }
    ],
    "efetch_pubmed_xml_2024_old_record_1975.xml": [
        {
            "pmid": "1234567",
            "title": "The effect of castration and peroral estrogen therapy on some "
            "psychological functions.",
            "first": "Rauramo",
            "journal": "Frontiers of hormone research",
            "year": 1975,
            "month": None,
            "doi": "10.1159/000398269",
            "pmcid": None,
            "labels": [],
            "pages": "94-104",
        }
    ],
    "efetch_pubmed_xml_2024_structured_abstract.xml": [
        {
            "pmid": "21813367",
            "title": "Retrospective exposure estimation and predicted versus observed serum "
            "perfluorooctanoic acid concentrations for participants in the C8 Health Project.",
            "first": "Shin",
            "journal": "Environmental health perspectives",
            "year": 2011,
            "month": 12,
            "doi": "10.1289/ehp.1103729",
            "pmcid": "PMC3261988",
            "labels": ["BACKGROUND", "OBJECTIVES", "METHODS", "RESULTS", "CONCLUSIONS"],
            "pages": "1760-1765",
        }
    ],
    "efetch_pubmed_xml_2024_structured_collective_references.xml": [
        {
            "pmid": "23121403",
            "title": "Low-dose aspirin for preventing recurrent venous thromboembolism.",
            "first": "Brighton",
            "journal": "The New England journal of medicine",
            "year": 2012,
            "month": 11,
            "doi": "10.1056/NEJMoa1210384",
            "pmcid": None,
            "labels": ["BACKGROUND", "METHODS", "RESULTS", "CONCLUSIONS"],
            "pages": "1979-1987",
        }
    ],
    "efetch_pubmed_xml_2024_title_inline_markup.xml": [
        {
            "pmid": "27933116",
            "title": "Phoenix dactylifera mediated green synthesis of Cu2O particles for "
            "arsenite uptake from water.",
            "first": "Amrani",
            "journal": "Science and technology of advanced materials",
            "year": 2016,
            "month": None,
            "doi": "10.1080/14686996.2016.1244472",
            "pmcid": "PMC5127256",
            "labels": [None],
            "pages": "760-768",
        }
    ],
    "efetch_pubmed_xml_2024_utf8_repeated_id_params.xml": [
        {
            "pmid": "23878845",
            "title": "Randomized clinical evaluation of the effect of chlorhexidine on "
            "postoperative sensitivity of posterior composite resin restorations.",
            "first": "Hajizadeh",
            "journal": "Quintessence international (Berlin, Germany : 1985)",
            "year": 2013,
            "month": 11,  # <Season>Nov-Dec</Season>: the first month of the range
            "doi": "10.3290/j.qi.a30176",
            "pmcid": None,
            "labels": ["OBJECTIVES", "METHOD AND MATERIALS", "RESULTS", "CONCLUSION"],
            "pages": "793-798",
        },
        {
            "pmid": "16080930",
            "title": "Effects of prenatal vitamins A, E, and C on the hypoplastic hearts of "
            "fetal rats with diaphragmatic hernia.",
            "first": "González-Reyes",
            "journal": "Journal of pediatric surgery",
            "year": 2005,
            "month": 8,
            "doi": "10.1016/j.jpedsurg.2005.05.009",
            "pmcid": None,
            "labels": ["BACKGROUND/AIM", "MATERIAL AND METHODS", "RESULTS", "CONCLUSIONS"],
            "pages": "1269-1274",
        },
    ],
    "efetch_pubmed_xml_2025dtd_two_articles_a.xml": [
        {
            "pmid": "12091962",
            "title": "The treatment of AIDS behind the walls of correctional facilities.",
            "first": "Olivero",
            "journal": "Social justice (San Francisco, Calif.)",
            "year": 1990,
            "month": None,  # <Season>Spring</Season>
            "doi": None,
            "pmcid": None,
            "labels": [],
            "pages": "113-125",
        },
        {
            "pmid": "9997",
            "title": "Magnetic studies of Chromatium flavocytochrome C552. A mechanism for "
            "heme-flavin interaction.",
            "first": "Strekas",
            "journal": "Biochimica et biophysica acta",
            "year": 1976,
            "month": 9,
            "doi": "10.1016/0005-2795(76)90109-4",
            "pmcid": None,
            "labels": [None],
            "pages": "179-191",
        },
    ],
    "efetch_pubmed_xml_2025dtd_two_articles_b.xml": [
        {
            "pmid": "11748933",
            "title": "Is cryopreservation a homogeneous process? Ultrastructure and motility of "
            "untreated, prefreezing, and postthawed spermatozoa of Diplodus puntazzo (Cetti).",
            "first": "Taddei",
            "journal": "Cryobiology",
            "year": 2001,
            "month": 6,
            "doi": "10.1006/cryo.2001.2328",
            "pmcid": None,
            "labels": [None],
            "pages": "244-255",
        },
        {
            "pmid": "11700088",
            "title": "Proton MRI of (13)C distribution by J and chemical shift editing.",
            "first": "Casieri",
            "journal": "Journal of magnetic resonance (San Diego, Calif. : 1997)",
            "year": 2001,
            "month": 11,
            "doi": "10.1006/jmre.2001.2429",
            "pmcid": None,
            "labels": [None],
            "pages": "117-123",
        },
    ],
}


def test_every_efetch_sample_has_expectations() -> None:
    """A new efetch sample in the corpus must get its verified values here."""
    if not SAMPLES.is_dir():
        pytest.skip(f"NCBI samples not found at {SAMPLES}")
    present = {p.name for p in SAMPLES.glob("efetch_*.xml")}
    assert present == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_efetch_sample_fields(name: str) -> None:
    records = parse_pubmed_xml(sample(name))
    got = [
        {
            "pmid": r.pmid,
            "title": r.title,
            "first": r.first_author,
            "journal": r.journal,
            "year": r.year,
            "month": r.month,
            "doi": r.doi,
            "pmcid": r.pmcid,
            "labels": [s.label for s in r.abstract],
            "pages": r.pages,
        }
        for r in records
    ]
    assert got == EXPECTED[name]
    for r in records:
        assert r.id == r.pmid
        assert r.source == "pubmed"
        assert r.language == "eng"
        assert r.authors_complete is True
        assert r.retracted is False
        assert all(s.text and "  " not in s.text for s in r.abstract)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_streaming_matches_whole_parse(name: str) -> None:
    data = sample(name)
    whole = [r.to_json() for r in parse_pubmed_xml(data)]
    assert [r.to_json() for r in iter_pubmed_xml(data)] == whole
    assert [r.to_json() for r in iter_pubmed_xml(io.BytesIO(data))] == whole


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_record_json_round_trip(name: str) -> None:
    for r in parse_pubmed_xml(sample(name)):
        assert Record.from_json(r.to_json()) == r


def test_sample_inline_markup_flattened_in_title_and_abstract() -> None:
    r = one(sample("efetch_pubmed_xml_2024_title_inline_markup.xml"))
    assert "<" not in r.title and "Cu2O" in r.title
    r = one(sample("efetch_pubmed_xml_2024_abstract_inline_markup.xml"))
    assert "resistance in Laodelphax striatellus. This work" in r.abstract[0].text
    r = one(sample("efetch_pubmed_xml_2024_bold_sup_in_abstract.xml"))
    assert r.abstract[0].text.startswith("Background: Semaglutide, a newly once-weekly")
    assert "assessed through I2 test" in r.abstract[0].text
    r = one(sample("efetch_pubmed_xml_2018_structured_abstract_inline_markup.xml"))
    results = r.abstract[2]
    assert results.label == "RESULTS"
    assert "95% CI 1.07 to 2.78; ptrend=0.048)" in results.text


def test_sample_mathml_and_escapes_in_indented_2018_layout() -> None:
    r = one(sample("efetch_pubmed_xml_2018_sub_sup_italic_nonascii.xml"))
    text = r.abstract[0].text
    assert "maximal oxygen uptake ( V.O2max ) 67.6 ± 4.1 ml·kg-1·min-1]" in text
    assert "(P < 0.001; ES: 3.54)" in text
    assert "\n" not in text


def test_sample_less_than_entity_decoded() -> None:
    taddei = parse_pubmed_xml(sample("efetch_pubmed_xml_2025dtd_two_articles_b.xml"))[0]
    assert "in the fresh sample (P < 0.001)." in taddei.abstract[0].text


def test_sample_hex_character_references_decoded() -> None:
    second = parse_pubmed_xml(sample("efetch_pubmed_xml_2024_utf8_repeated_id_params.xml"))[1]
    first = second.authors[0]
    assert (first.family, first.given, first.initials) == ("González-Reyes", "Salomé", "S")
    assert second.authors[1].family == "Martínez"


def test_sample_orcid_and_collective_author() -> None:
    r = one(sample("efetch_pubmed_xml_2019_collective_orcid_references.xml"))
    by_family = {a.family: a for a in r.authors if a.family}
    assert by_family["Capaldi"].orcid == "0000-0002-4590-7461"
    assert by_family["Fenster"].orcid == "0000-0003-3525-2788"
    assert by_family["Guo"].orcid is None
    last = r.authors[-1]
    assert (last.collective, last.family, last.given) == (
        "Canadian Respiratory Research Network",
        None,
        None,
    )
    assert len(r.authors) == 9


def test_sample_collective_in_author_list_of_trial() -> None:
    r = one(sample("efetch_pubmed_xml_2024_structured_collective_references.xml"))
    assert [a.collective for a in r.authors if a.collective] == ["ASPIRE Investigators"]


def test_sample_mesh_major_from_qualifier() -> None:
    r = one(sample("efetch_pubmed_xml_2024_structured_abstract.xml"))
    mesh = {m.descriptor: m for m in r.mesh}
    # DescriptorName MajorTopicYN="N" but QualifierName "blood" MajorTopicYN="Y"
    assert mesh["Caprylates"].major is True
    assert mesh["Caprylates"].qualifiers == ["blood"]
    assert mesh["Drinking Water"].major is False
    assert mesh["Drinking Water"].qualifiers == ["analysis"]
    assert mesh["Environmental Exposure"].qualifiers == ["statistics & numerical data"]
    assert r.publication_types == [
        "Journal Article",
        "Research Support, Non-U.S. Gov't",
        "Validation Study",
    ]


def test_sample_comments_keep_corrections_not_cites() -> None:
    r = one(sample("efetch_pubmed_xml_2024_structured_abstract.xml"))
    assert r.comments == [{"type": "ErratumIn", "pmid": None}]
    r = one(sample("efetch_pubmed_xml_2018_structured_abstract_inline_markup.xml"))
    assert r.comments == [{"type": "CommentIn", "pmid": "27920200"}]
    r = one(sample("efetch_pubmed_xml_2024_structured_collective_references.xml"))
    assert [c["pmid"] for c in r.comments][:3] == ["23121404", "23165071", "23425172"]
    assert {c["type"] for c in r.comments} == {"CommentIn"}


def test_sample_keywords_and_season() -> None:
    records = parse_pubmed_xml(sample("efetch_pubmed_xml_2025dtd_two_articles_a.xml"))
    assert records[0].keywords == ["Health Care and Public Health", "Legal Approach"]
    assert records[0].publication_types == ["Journal Article", "Review"]
    assert records[0].volume == "17" and records[0].issue == "1"


def test_sample_book_chapter() -> None:
    r = one(sample("efetch_pubmed_xml_2024_book_chapter.xml"))
    assert r.book is not None
    assert r.book.booktitle == "GeneReviews®"
    assert r.book.publisher == "University of Washington, Seattle"
    assert [e.family for e in r.book.editors] == [
        "Adam",
        "Feldman",
        "Mirzaa",
        "Pagon",
        "Wallace",
        "Bean",
        "Gripp",
        "Amemiya",
    ]
    assert r.book.chapter is None
    assert [a.family for a in r.authors] == ["Goldstein", "Falk"]
    assert r.publication_types == ["Review"]
    # repeated keywords of the chapter come once each, in order
    assert r.keywords[:3] == ["mtDNA Deletion Syndromes", "SLSMDS", "Pearson Syndrome"]
    assert len(r.keywords) == len(set(r.keywords)) == 9
    assert r.journal is None and r.mesh == []


def test_sample_whole_book_collective_with_newline() -> None:
    r = one(sample("efetch_pubmed_xml_2024_book_pubmedbookarticle.xml"))
    assert r.book is not None
    assert r.book.booktitle == r.title
    assert r.book.publisher == "National Academies Press (US)"
    assert r.book.editors == []
    assert len(r.authors) == 6
    assert all(a.collective and a.family is None for a in r.authors)
    assert "\n" not in r.authors[0].collective
    assert r.abstract[0].text.endswith("suggests some initial steps for DOD investment.")
    assert "Copyright" not in r.abstract[0].text


def test_cassette_book_body_parses_like_the_plain_sample() -> None:
    yaml = pytest.importorskip("yaml")
    cassette = yaml.safe_load(sample("cassette_hawc_efetch_book_2024.yaml"))
    body = cassette["interactions"][0]["response"]["body"]["string"].encode("utf-8")
    from_cassette = one(body)
    assert from_cassette.pmid == "26468569"
    assert from_cassette.doi == "10.17226/21775"
    assert from_cassette.year == 2015
    assert from_cassette.first_author == (
        "Committee on Predictive-Toxicology Approaches for Military Assessments of Acute Exposures"
    )
    plain = one(sample("efetch_pubmed_xml_2024_book_pubmedbookarticle.xml"))
    assert from_cassette.to_json() == plain.to_json()


# ------------------------------------------------------------------------------------------
# Fictional records: markup, dates, authors, ids, retraction
# ------------------------------------------------------------------------------------------


def test_inline_markup_math_and_references_flattened() -> None:
    xml = article_set(
        article(
            "90000001",
            title="<i>In vitro</i> expansion of MSC<sup>+</sup> cells with CD34<sub>-</sub> "
            "and &#x3b1;-SMA &amp; <b>TP53</b>\n   <u>loss</u>.",
            abstract=(
                '<Abstract><AbstractText Label="RESULTS">Ratio '
                '<mml:math xmlns:mml="http://www.w3.org/1998/Math/MathML"><mml:mi>x</mml:mi>'
                "<mml:mo>=</mml:mo><mml:mn>2</mml:mn></mml:math> held "
                "(<i>P</i> &lt; 0.05)<DispFormula>y = 3</DispFormula>.</AbstractText>"
                "</Abstract>"
            ),
        )
    )
    r = one(xml)
    assert r.title == "In vitro expansion of MSC+ cells with CD34- and α-SMA & TP53 loss."
    assert r.abstract[0].label == "RESULTS"
    assert r.abstract[0].text == "Ratio x=2 held (P < 0.05)y = 3."


def test_empty_label_and_unlabelled_sections() -> None:
    xml = article_set(
        article(
            "90000002",
            abstract=(
                '<Abstract><AbstractText Label="">First.</AbstractText>'
                "<AbstractText>Second.</AbstractText><AbstractText/>"
                "<CopyrightInformation>Fictional copyright.</CopyrightInformation></Abstract>"
                "<OtherAbstract><AbstractText>Autre.</AbstractText></OtherAbstract>"
            ),
        )
    )
    r = one(xml)
    assert [(s.label, s.text) for s in r.abstract] == [(None, "First."), (None, "Second.")]


@pytest.mark.parametrize(
    ("pub_date", "year", "month"),
    [
        ("<Year>2021</Year><Month>Sep</Month><Day>3</Day>", 2021, 9),
        ("<Year>2021</Year><Month>09</Month>", 2021, 9),
        ("<Year>2021</Year><Month>Sept</Month>", 2021, 9),
        ("<Year>1990</Year><Season>Spring</Season>", 1990, None),
        ("<Year>2013</Year><Season>Nov-Dec</Season>", 2013, 11),
        ("<MedlineDate>1998 Dec-1999 Jan</MedlineDate>", 1998, 12),
        ("<MedlineDate>2000 Spring</MedlineDate>", 2000, None),
        ("<MedlineDate>1976-1977</MedlineDate>", 1976, None),
        ("<Year>2019</Year>", 2019, None),
    ],
)
def test_pub_dates(pub_date: str, year: int, month: int | None) -> None:
    r = one(article_set(article("90000003", pub_date=pub_date)))
    assert (r.year, r.month) == (year, month)


def test_year_falls_back_to_article_date_then_pubmed_history() -> None:
    with_article_date = article(
        "90000004",
        pub_date="<MedlineDate>unknown</MedlineDate>",
        article_dates=(
            '<ArticleDate DateType="Electronic"><Year>2020</Year><Month>07</Month>'
            "<Day>01</Day></ArticleDate>"
        ),
    )
    with_history = article(
        "90000005",
        pub_date="",
        history=(
            '<History><PubMedPubDate PubStatus="received"><Year>2017</Year><Month>1</Month>'
            '</PubMedPubDate><PubMedPubDate PubStatus="pubmed"><Year>2018</Year>'
            "<Month>2</Month><Day>3</Day></PubMedPubDate></History>"
        ),
    )
    a, b = parse_pubmed_xml(article_set(with_article_date, with_history))
    assert (a.year, a.month) == (2020, 7)
    assert (b.year, b.month) == (2018, 2)


def test_authors_collective_orcid_suffix_invalid_and_incomplete() -> None:
    authors = (
        '<AuthorList CompleteYN="N">'
        '<Author ValidYN="Y"><LastName>Testperson</LastName><ForeName>Alex B</ForeName>'
        "<Initials>AB</Initials><Suffix>Jr</Suffix>"
        '<Identifier Source="ORCID">http://orcid.org/0000-0002-1825-009X</Identifier>'
        "<AffiliationInfo><Affiliation>Nowhere Institute.</Affiliation></AffiliationInfo>"
        "</Author>"
        '<Author ValidYN="N"><LastName>Wrongname</LastName><Initials>W</Initials></Author>'
        '<Author ValidYN="Y"><CollectiveName>Fictional MSC Safety\n   Consortium</CollectiveName>'
        "</Author>"
        '<Author ValidYN="Y"><LastName>Exampleson</LastName><Initials>E</Initials>'
        '<Identifier Source="ORCID">000000021825009x</Identifier></Author>'
        '<Author ValidYN="Y"><LastName>Bare</LastName>'
        '<Identifier Source="ORCID">0000-0001-2345-6789</Identifier></Author>'
        "</AuthorList>"
    )
    r = one(article_set(article("90000006", authors=authors)))
    assert r.authors_complete is False
    assert [a.display for a in r.authors] == [
        "Testperson AB",
        "Fictional MSC Safety Consortium",
        "Exampleson E",
        "Bare",
    ]
    first, group, third, fourth = r.authors
    assert (first.given, first.suffix, first.orcid) == ("Alex B", "Jr", "0000-0002-1825-009X")
    assert (group.family, group.given, group.collective) == (
        None,
        None,
        "Fictional MSC Safety Consortium",
    )
    assert third.orcid == "0000-0002-1825-009X"
    assert fourth.orcid == "0000-0001-2345-6789"
    assert r.short_citation.startswith("Testperson et al. 2021")


def test_no_author_list_means_no_authors_but_complete() -> None:
    r = one(article_set(article("90000007", authors="")))
    assert r.authors == [] and r.authors_complete is True


def test_journal_fields_and_pages() -> None:
    a = article(
        "90000008",
        journal_extra="",  # no ISOAbbreviation -> MedlineTA
        pagination=(
            "<Pagination><StartPage>509</StartPage><EndPage>519</EndPage>"
            "<MedlinePgn>509-19</MedlinePgn></Pagination>"
        ),
    )
    b = article("90000009", pagination="<Pagination><MedlinePgn>509-19</MedlinePgn></Pagination>")
    c = article(
        "90000010",
        pagination="",
        elocations=(
            '<ELocationID EIdType="pii" ValidYN="Y">e90010</ELocationID>'
            '<ELocationID EIdType="doi" ValidYN="Y">10.5555/fict.90000010</ELocationID>'
        ),
    )
    ra, rb, rc = parse_pubmed_xml(article_set(a, b, c))
    assert (ra.journal, ra.journal_abbrev, ra.volume, ra.issue) == (
        "Fictional journal of testing",
        "Fict J Test MTA",
        "7",
        "2",
    )
    assert ra.pages == "509-519"
    assert rb.journal_abbrev == "Fict J Test"
    assert rb.pages == "509-19"
    assert rc.pages == "e90010"
    assert rc.doi == "10.5555/fict.90000010"  # ELocationID fallback


def test_ids_come_from_the_article_not_its_references() -> None:
    references = (
        "<ReferenceList><Reference><Citation>Fictional reference.</Citation><ArticleIdList>"
        '<ArticleId IdType="doi">10.5555/fict.reference</ArticleId>'
        '<ArticleId IdType="pmc">PMC90000099</ArticleId>'
        '<ArticleId IdType="pubmed">90000099</ArticleId>'
        "</ArticleIdList></Reference></ReferenceList>"
    )
    without_ids = article("90000011", pubmed_data_extra=references)
    with_ids = article(
        "90000012",
        elocations='<ELocationID EIdType="doi" ValidYN="Y">10.5555/fict.eloc</ELocationID>',
        article_ids=(
            '<ArticleId IdType="pii">S0000</ArticleId>'
            '<ArticleId IdType="doi">10.5555/fict.90000012</ArticleId>'
            '<ArticleId IdType="pmc">PMC90000012</ArticleId>'
        ),
        pubmed_data_extra=references,
    )
    r1, r2 = parse_pubmed_xml(article_set(without_ids, with_ids))
    assert (r1.doi, r1.pmcid) == (None, None)
    assert (r2.doi, r2.pmcid) == ("10.5555/fict.90000012", "PMC90000012")


def test_retracted_by_publication_type() -> None:
    r = one(
        article_set(
            article(
                "90000013",
                pub_types=(
                    "<PublicationType>Journal Article</PublicationType>"
                    "<PublicationType>Retracted Publication</PublicationType>"
                ),
            )
        )
    )
    assert r.retracted is True
    assert r.comments == []


def test_retracted_by_retraction_in_comment_and_comment_filtering() -> None:
    comments = (
        "<CommentsCorrectionsList>"
        '<CommentsCorrections RefType="Cites"><RefSource>Fict 1</RefSource>'
        '<PMID Version="1">90000020</PMID></CommentsCorrections>'
        '<CommentsCorrections RefType="RetractionIn"><RefSource>Fict 2</RefSource>'
        '<PMID Version="1">90000021</PMID></CommentsCorrections>'
        '<CommentsCorrections RefType="ExpressionOfConcernIn"><RefSource>Fict 3</RefSource>'
        "</CommentsCorrections>"
        '<CommentsCorrections RefType="ErratumIn"><RefSource>Fict 4</RefSource>'
        '<PMID Version="1">90000022</PMID></CommentsCorrections>'
        "</CommentsCorrectionsList>"
    )
    r = one(article_set(article("90000014", citation_extra=comments)))
    assert r.retracted is True
    assert r.comments == [
        {"type": "RetractionIn", "pmid": "90000021"},
        {"type": "ExpressionOfConcernIn", "pmid": None},
        {"type": "ErratumIn", "pmid": "90000022"},
    ]


def test_retraction_notice_itself_is_not_retracted() -> None:
    notice = article(
        "90000015",
        pub_types="<PublicationType>Retraction of Publication</PublicationType>",
        citation_extra=(
            '<CommentsCorrectionsList><CommentsCorrections RefType="RetractionOf">'
            '<RefSource>Fict</RefSource><PMID Version="1">90000014</PMID>'
            "</CommentsCorrections></CommentsCorrectionsList>"
        ),
    )
    r = one(article_set(notice))
    assert r.retracted is False
    assert r.comments == [{"type": "RetractionOf", "pmid": "90000014"}]


def test_mesh_and_keywords() -> None:
    extra = (
        "<MeshHeadingList>"
        '<MeshHeading><DescriptorName UI="D000001" MajorTopicYN="Y">Mesenchymal Stem Cells'
        '</DescriptorName><QualifierName UI="Q1" MajorTopicYN="N">cytology</QualifierName>'
        "</MeshHeading>"
        '<MeshHeading><DescriptorName UI="D000002" MajorTopicYN="N">Humans</DescriptorName>'
        "</MeshHeading></MeshHeadingList>"
        '<KeywordList Owner="NOTNLM"><Keyword MajorTopicYN="N">MSC</Keyword>'
        '<Keyword MajorTopicYN="N"><i>ex vivo</i> expansion</Keyword></KeywordList>'
    )
    r = one(article_set(article("90000016", citation_extra=extra)))
    assert [(m.descriptor, m.major, m.qualifiers) for m in r.mesh] == [
        ("Mesenchymal Stem Cells", True, ["cytology"]),
        ("Humans", False, []),
    ]
    assert r.keywords == ["MSC", "ex vivo expansion"]


def test_fictional_book_chapter_with_location_label() -> None:
    book = (
        '<PubmedBookArticle><BookDocument><PMID Version="1">90000017</PMID>'
        '<ArticleIdList><ArticleId IdType="bookaccession">NBK0000</ArticleId>'
        '<ArticleId IdType="doi">10.5555/fict.book.ch3</ArticleId></ArticleIdList>'
        "<Book><Publisher><PublisherName>Fictional Press</PublisherName></Publisher>"
        "<BookTitle>Handbook of <i>Fictional</i> Cell Safety</BookTitle>"
        "<PubDate><Year>2022</Year><Month>05</Month></PubDate>"
        '<AuthorList Type="editors" CompleteYN="Y"><Author ValidYN="Y"><LastName>Editorial'
        "</LastName><ForeName>Eve</ForeName><Initials>E</Initials></Author></AuthorList>"
        "<Volume>2</Volume></Book>"
        '<LocationLabel Type="chapter">3</LocationLabel>'
        "<ArticleTitle>Tumorigenicity testing</ArticleTitle><Language>eng</Language>"
        '<AuthorList Type="authors" CompleteYN="N"><Author ValidYN="Y"><LastName>Writer'
        "</LastName><Initials>W</Initials></Author></AuthorList>"
        "<PublicationType>Review</PublicationType>"
        "<PublicationType>Retracted Publication</PublicationType>"
        "<Abstract><AbstractText>Fictional chapter.</AbstractText></Abstract>"
        "</BookDocument><PubmedBookData><History/><PublicationStatus>ppublish"
        '</PublicationStatus><ArticleIdList><ArticleId IdType="pubmed">90000017</ArticleId>'
        "</ArticleIdList></PubmedBookData></PubmedBookArticle>"
    )
    r = one(article_set(book))
    assert r.title == "Tumorigenicity testing"
    assert r.book is not None
    assert r.book.booktitle == "Handbook of Fictional Cell Safety"
    assert r.book.chapter == "3"
    assert r.book.publisher == "Fictional Press"
    assert [e.family for e in r.book.editors] == ["Editorial"]
    assert [a.family for a in r.authors] == ["Writer"]
    assert r.authors_complete is False
    assert (r.year, r.month, r.volume) == (2022, 5, "2")
    assert r.doi == "10.5555/fict.book.ch3"
    assert r.publication_types == ["Review", "Retracted Publication"]
    assert r.retracted is True
    assert r.short_citation == "Writer et al. 2022 · Handbook of Fictional Cell Safety"


def test_mixed_set_keeps_document_order_and_ignores_delete_citation() -> None:
    xml = article_set(
        article("90000018"),
        article("90000019"),
        '<DeleteCitation><PMID Version="1">90000030</PMID></DeleteCitation>',
    )
    assert [r.pmid for r in parse_pubmed_xml(xml)] == ["90000018", "90000019"]
    assert [r.pmid for r in iter_pubmed_xml(io.BytesIO(xml))] == ["90000018", "90000019"]


@pytest.mark.parametrize(
    "body",
    [
        b"<PubmedArticleSet></PubmedArticleSet>",
        NCBI_PROLOG + b"<PubmedArticleSet></PubmedArticleSet>",
        NCBI_PROLOG + b"<PubmedArticleSet>\n</PubmedArticleSet>\n",
    ],
)
def test_empty_article_set_is_empty_list(body: bytes) -> None:
    assert parse_pubmed_xml(body) == []
    assert list(iter_pubmed_xml(body)) == []


def test_streaming_clears_elements_so_memory_stays_flat(monkeypatch: pytest.MonkeyPatch) -> None:
    """The parent never accumulates thousands of parsed articles while streaming."""
    from mscterm.ncbi import parser, safexml

    widths: list[int] = []
    real = parser.article_record

    def spy(el):  # type: ignore[no-untyped-def]
        widths.append(len(el.getparent()))
        return real(el)

    monkeypatch.setattr(parser, "article_record", spy)
    count = 3000
    xml = article_set(*(article(str(90000000 + i)) for i in range(1, count + 1)))
    pmids = [r.pmid for r in iter_pubmed_xml(io.BytesIO(xml))]
    assert len(pmids) == count and pmids[-1] == str(90000000 + count)
    # At most one fed piece of articles is held at once; without clearing it would be 3000.
    per_piece = safexml.FEED_CHUNK // len(article("90000001")) + 10
    assert per_piece < count / 5
    assert max(widths) <= per_piece


def test_streaming_from_a_file_object_read_in_tiny_chunks() -> None:
    class Trickle(io.RawIOBase):
        def __init__(self, data: bytes) -> None:
            self.data = data

        def readable(self) -> bool:
            return True

        def read(self, size: int = -1) -> bytes:
            out, self.data = self.data[:7], self.data[7:]
            return out

    xml = article_set(article("90000031"), article("90000032"))
    assert [r.pmid for r in iter_pubmed_xml(Trickle(xml))] == ["90000031", "90000032"]  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------
# Hostile, broken and error answers
# ------------------------------------------------------------------------------------------

BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE PubmedArticleSet [\n'
    b'  <!ENTITY lol "lol">\n'
    b'  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">\n'
    b'  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">\n'
    b'  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">\n'
    b'  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">\n'
    b'  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">\n'
    b"]>\n<PubmedArticleSet>"
    + article("90000040", title="&lol5;").encode()
    + b"</PubmedArticleSet>"
)
EXTERNAL_ENTITY = (
    b'<?xml version="1.0"?>\n'
    b'<!DOCTYPE PubmedArticleSet [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
    b"<PubmedArticleSet>" + article("90000041", title="&xxe;").encode() + b"</PubmedArticleSet>"
)
PARAMETER_ENTITY = (
    b'<?xml version="1.0"?>\n<!-- a comment first -->\n'
    b'<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD x//EN" "https://dtd.example/x.dtd" '
    b'[<!ENTITY % remote SYSTEM "http://192.0.2.1/evil.dtd"> %remote;]>\n'
    b"<PubmedArticleSet></PubmedArticleSet>"
)
HOSTILE = {
    "billion_laughs": BILLION_LAUGHS,
    "external_system_entity": EXTERNAL_ENTITY,
    "parameter_entity_after_comment": PARAMETER_ENTITY,
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_dtd_refused_everywhere(name: str) -> None:
    body = HOSTILE[name]
    with pytest.raises(UnsafeXMLError):
        parse_pubmed_xml(body)
    with pytest.raises(UnsafeXMLError):
        list(iter_pubmed_xml(body))
    with pytest.raises(UnsafeXMLError):
        list(iter_pubmed_xml(io.BytesIO(body)))
    other_root = body.replace(b"PubmedArticleSet", b"eSearchResult")
    with pytest.raises(UnsafeXMLError):
        parse_esearch(other_root)
    with pytest.raises(UnsafeXMLError):
        parse_elink(body.replace(b"PubmedArticleSet", b"eLinkResult"))


def test_bracket_inside_quoted_public_id_is_not_an_internal_subset() -> None:
    prolog = (
        b'<?xml version="1.0" ?>\n<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD odd//EN" '
        b"'https://dtd.example/[x]>.dtd'>\n"
    )
    assert [r.pmid for r in parse_pubmed_xml(article_set(article("90000042"), prolog=prolog))] == [
        "90000042"
    ]


def test_utf16_body_refused() -> None:
    body = article_set(article("90000043"), prolog=b"").decode().encode("utf-16")
    with pytest.raises(UnsafeXMLError):
        parse_pubmed_xml(body)


def test_truncated_efetch_sample_is_truncated_response() -> None:
    data = sample("efetch_pubmed_xml_2024_utf8_repeated_id_params.xml")
    cut = data[: len(data) * 2 // 3]
    with pytest.raises(TruncatedResponse):
        parse_pubmed_xml(cut)
    streamed: list[Record] = []
    with pytest.raises(TruncatedResponse):
        streamed.extend(iter_pubmed_xml(io.BytesIO(cut)))
    # the first article ends before the cut: streaming saw it, then the error
    assert [r.pmid for r in streamed] == ["23878845"]


@pytest.mark.parametrize(
    "body",
    [b"", b"   \n", NCBI_PROLOG, NCBI_PROLOG + b"<PubmedArticleSet><PubmedArticle><Medline"],
)
def test_empty_or_cut_bodies_are_truncated(body: bytes) -> None:
    with pytest.raises(TruncatedResponse):
        parse_pubmed_xml(body)
    with pytest.raises(TruncatedResponse):
        list(iter_pubmed_xml(body))


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"<eFetchResult><ERROR>Fictional backend failure</ERROR></eFetchResult>", "backend"),
        (b"<ERROR>Cannot retrieve fictional records</ERROR>", "Cannot retrieve"),
        (
            b"<html><head><title>502 Bad Gateway</title></head><body>down</body></html>",
            "PubmedArticleSet",
        ),
        (
            b"id: 90000044 Error occurred: The following PMID is not available: 90000044",
            "not available",
        ),
        (b'{"error":"error forwarding request","api-key":"2001:db8::1"}', "forwarding"),
    ],
)
def test_error_bodies_are_error_response(body: bytes, message: str) -> None:
    with pytest.raises(ErrorResponse, match=message):
        parse_pubmed_xml(body)
    with pytest.raises(ErrorResponse, match=message):
        list(iter_pubmed_xml(io.BytesIO(body)))


def test_empty_error_element_is_not_an_error() -> None:
    body = NCBI_PROLOG + b"<PubmedArticleSet><ERROR/>" + article("90000045").encode()
    body += b"</PubmedArticleSet>"
    assert [r.pmid for r in parse_pubmed_xml(body)] == ["90000045"]
    assert [r.pmid for r in iter_pubmed_xml(body)] == ["90000045"]


def test_espell_sample_empty_error_is_not_reported_as_error() -> None:
    with pytest.raises(ErrorResponse) as info:
        parse_pubmed_xml(sample("espell_xml.xml"))
    assert "eSpellResult" in str(info.value)  # wrong kind of answer, not an <ERROR> text


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("esummary_xml_error_no_id.xml", "Neither query_key nor id specified"),
        ("epost_xml_error_invalid_db.xml", "Invalid db name specified: nothing"),
        ("epost_xml_error_invalid_ids.xml", "Empty ID list; Nothing to store"),
        ("einfo_xml_error_invalid_db_2012.xml", "Can not retrieve DbInfo for db=fleegle"),
        ("esearch_xml_error_invalid_db_2012.xml", "Invalid db name specified: fleegle"),
    ],
)
def test_sample_error_bodies(name: str, message: str) -> None:
    data = sample(name)
    for parse in (parse_pubmed_xml, parse_esearch, parse_elink):
        with pytest.raises(ErrorResponse) as info:
            parse(data)
        assert message in str(info.value)


# ------------------------------------------------------------------------------------------
# Rate-limit JSON
# ------------------------------------------------------------------------------------------


def test_rate_limit_sample_raises_without_leaking_the_key_field() -> None:
    data = sample("http429_rate_limit_body_from_issue.json")
    with pytest.raises(RateLimitedError) as info:
        check_rate_limit_body(data)
    assert "192.0.2.1" not in str(info.value)
    assert "rate limit" in str(info.value).lower()
    for parse in (parse_pubmed_xml, parse_esearch, parse_elink):
        with pytest.raises(RateLimitedError):
            parse(data)
    with pytest.raises(RateLimitedError):
        parse_ecitmatch(data.decode())


def test_rate_limit_json_short_form_and_leading_whitespace() -> None:
    with pytest.raises(RateLimitedError):
        check_rate_limit_body(b' \n{"error":"API rate limit exceeded","count":"11"}')


def test_rate_limit_json_cut_short_still_recognised() -> None:
    with pytest.raises(RateLimitedError) as info:
        check_rate_limit_body(b'{"error":"API rate limit exceeded","api-key":"192.0.2.1","cou')
    assert "192.0.2.1" not in str(info.value)


def test_other_bodies_pass_the_rate_limit_check() -> None:
    check_rate_limit_body(sample("http500_error_forwarding_body_from_issue.json"))
    check_rate_limit_body(sample("esearch_pubmed_xml_basic.xml"))
    check_rate_limit_body(b"")
    check_rate_limit_body(article_set(article("90000046", title="API rate limit exceeded")))


def test_error_forwarding_sample_is_error_response_without_address() -> None:
    data = sample("http500_error_forwarding_body_from_issue.json")
    with pytest.raises(ErrorResponse) as info:
        parse_pubmed_xml(data)
    assert "error forwarding request" in str(info.value)
    assert "2001:db8::1" not in str(info.value)


# ------------------------------------------------------------------------------------------
# esearch
# ------------------------------------------------------------------------------------------


def test_esearch_basic_sample() -> None:
    r = parse_esearch(sample("esearch_pubmed_xml_basic.xml"))
    assert (r.count, r.retmax, r.retstart) == (63, 20, 0)
    assert len(r.ids) == 20
    assert (r.ids[0], r.ids[-1]) == ("41282813", "37810457")
    assert r.query_translation == '"biopython"[All Fields]'
    assert r.phrases_not_found == [] and r.warnings == []


def test_esearch_paging_sample() -> None:
    r = parse_esearch(sample("esearch_pubmed_xml_retstart_retmax.xml"))
    assert (r.count, r.retmax, r.retstart) == (2651, 6, 6)
    assert r.ids == ["11121077", "11121076", "11121075", "11121074", "11121073", "11121072"]
    assert r.query_translation == '"proc natl acad sci u s a"[Journal] AND "97"[Volume]'


def test_esearch_count_only_sample() -> None:
    r = parse_esearch(sample("esearch_pubmed_xml_rettype_count.xml"))
    assert (r.count, r.ids, r.retmax, r.retstart, r.query_translation) == (6, [], 0, 0, None)


def test_esearch_usehistory_and_retmax5000_samples() -> None:
    r = parse_esearch(sample("esearch_pubmed_xml_usehistory.xml"))
    assert (r.count, r.retmax, len(r.ids)) == (42249, 100, 100)
    assert (r.ids[0], r.ids[-1]) == ("41297076", "41296368")
    r = parse_esearch(sample("esearch_pubmed_xml_2024_retmax5000.xml"))
    assert (r.count, r.retmax) == (6, 6)
    assert r.ids == ["19008416", "18927361", "18787170", "18487186", "18239126", "18239125"]
    assert r.query_translation is not None
    assert r.query_translation.endswith("AND 2008/01/01:2008/12/31[Date - Publication]")


def test_esearch_no_results_sample() -> None:
    r = parse_esearch(sample("esearch_xml_no_results_errorlist_warninglist.xml"))
    assert (r.count, r.ids) == (0, [])
    assert r.phrases_not_found == ["abcXYZ"]
    assert r.warnings == ["No items found."]


def test_esearch_partial_phrase_not_found_sample() -> None:
    r = parse_esearch(sample("esearch_xml_phrase_not_found_partial_2012.xml"))
    assert (r.count, len(r.ids), r.ids[0]) == (5163, 20, "101595451")
    assert r.phrases_not_found == ["fleegle[MeSH Terms]"]
    assert r.query_translation == '"obstetrics"[MeSH Terms]'


def test_esearch_fictional_warnings_and_empty_error() -> None:
    body = (
        b"<eSearchResult><Count>2</Count><RetMax>2</RetMax><RetStart>0</RetStart>"
        b"<IdList><Id>90000050</Id><Id>90000051</Id></IdList><ERROR/>"
        b"<ErrorList><FieldNotFound>fictfield</FieldNotFound></ErrorList>"
        b"<WarningList><PhraseIgnored>the</PhraseIgnored>"
        b"<QuotedPhraseNotFound>fict phrase</QuotedPhraseNotFound>"
        b"<OutputMessage>Fictional note.</OutputMessage></WarningList></eSearchResult>"
    )
    r = parse_esearch(body)
    assert r.ids == ["90000050", "90000051"]
    assert r.warnings == [
        "Field not found: fictfield",
        "Phrase ignored: the",
        "Quoted phrase not found: fict phrase",
        "Fictional note.",
    ]


def test_esearch_backend_error_and_truncation() -> None:
    with pytest.raises(ErrorResponse, match="cannot be larger than 9998"):
        parse_esearch(
            b"<eSearchResult><ERROR>Search Backend failed: Exception:\n'retstart' cannot be "
            b"larger than 9998.</ERROR></eSearchResult>"
        )
    with pytest.raises(TruncatedResponse):
        parse_esearch(sample("esearch_pubmed_xml_basic.xml")[:300])
    with pytest.raises(ErrorResponse):
        parse_esearch(b"<eSearchResult><RetMax>0</RetMax></eSearchResult>")


# ------------------------------------------------------------------------------------------
# elink
# ------------------------------------------------------------------------------------------


def test_elink_all_subsets_sample() -> None:
    (ls,) = parse_elink(sample("elink_pubmed_neighbor_xml_all_subsets.xml"))
    assert ls.ids == ["9298984"]
    assert list(ls.links) == [
        "pubmed_pubmed",
        "pubmed_pubmed_citedin",
        "pubmed_pubmed_combined",
        "pubmed_pubmed_five",
        "pubmed_pubmed_refs",
        "pubmed_pubmed_reviews",
        "pubmed_pubmed_reviews_five",
    ]
    assert len(ls.links["pubmed_pubmed"]) == 101
    assert ls.links["pubmed_pubmed"][:3] == ["9298984", "8794856", "9700164"]
    refs = ls.links["pubmed_pubmed_refs"]
    assert (len(refs), refs[0], refs[-1]) == (56, "14732139", "1339459")
    assert ls.links["pubmed_pubmed_reviews"] == ["9298984"]


def test_elink_2024_alsoviewed_citedin_sample() -> None:
    (ls,) = parse_elink(sample("elink_pubmed_neighbor_xml_2024_alsoviewed_citedin.xml"))
    assert ls.ids == ["1234567"]
    assert ls.links["pubmed_pubmed_alsoviewed"] == ["12345678"]
    cited = ls.links["pubmed_pubmed_citedin"]
    assert (len(cited), cited[0], cited[-1]) == (8, "23843693", "10408736")
    assert len(ls.links["pubmed_pubmed"]) == 94


def test_elink_comma_ids_merged_and_scores_samples() -> None:
    (merged,) = parse_elink(sample("elink_pubmed_neighbor_xml_comma_ids_merged.xml"))
    assert merged.ids == ["11812492", "11774222"]
    assert len(merged.links["pubmed_pubmed"]) == 284
    assert merged.links["pubmed_pubmed_citedin"] == ["18508935", "15780005", "15024419"]
    (scored,) = parse_elink(sample("elink_pubmed_neighbor_xml_with_scores_2008.xml"))
    assert list(scored.links) == ["pubmed_pubmed"]
    assert len(scored.links["pubmed_pubmed"]) == 144
    assert scored.links["pubmed_pubmed"][:4] == ["9298984", "8794856", "9700164", "7914521"]


def test_elink_check_samples_have_ids_and_no_links() -> None:
    (acheck,) = parse_elink(sample("elink_pubmed_acheck_xml.xml"))
    assert (acheck.ids, acheck.links) == (["12169658", "11748140"], {})
    (ncheck,) = parse_elink(sample("elink_pubmed_ncheck_xml.xml"))
    assert (ncheck.ids, ncheck.links) == (["12068369"], {})


def test_elink_fictional_no_links_and_errors() -> None:
    empty = (
        b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>90000060</Id></IdList>"
        b"</LinkSet></eLinkResult>"
    )
    (ls,) = parse_elink(empty)
    assert (ls.ids, ls.links) == (["90000060"], {})
    with pytest.raises(ErrorResponse, match="Fictional root error"):
        parse_elink(b"<eLinkResult><ERROR>Fictional root error</ERROR></eLinkResult>")
    only_error = (
        b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>90000061</Id></IdList>"
        b"<ERROR>Fictional link failure</ERROR></LinkSet></eLinkResult>"
    )
    with pytest.raises(ErrorResponse, match="Fictional link failure"):
        parse_elink(only_error)
    mixed = (
        b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>90000062</Id></IdList>"
        b"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>pubmed_pubmed_refs</LinkName>"
        b"<Link><Id>90000063</Id></Link><Link><Id>90000064</Id></Link></LinkSetDb></LinkSet>"
        b"<LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>90000065</Id></IdList>"
        b"<ERROR>Fictional link failure</ERROR></LinkSet></eLinkResult>"
    )
    first, second = parse_elink(mixed)
    assert first.links == {"pubmed_pubmed_refs": ["90000063", "90000064"]}
    assert (second.ids, second.links) == (["90000065"], {})
    with pytest.raises(TruncatedResponse):
        parse_elink(sample("elink_pubmed_neighbor_xml_all_subsets.xml")[:2000])


# ------------------------------------------------------------------------------------------
# ecitmatch
# ------------------------------------------------------------------------------------------


def test_ecitmatch_samples() -> None:
    assert parse_ecitmatch(sample("ecitmatch_found_one.txt").decode()) == [
        CitationMatch(key="citation_1", pmid="2014248", status="FOUND")
    ]
    assert parse_ecitmatch(sample("ecitmatch_found_two.txt").decode()) == [
        CitationMatch(key="Art1", pmid="2014248", status="FOUND"),
        CitationMatch(key="Art2", pmid="3026048", status="FOUND"),
    ]
    assert parse_ecitmatch(sample("ecitmatch_mixed_not_found.txt").decode()) == [
        CitationMatch(key="Art1", pmid="2014248", status="FOUND"),
        CitationMatch(key="ref2", pmid=None, status="NOT_FOUND;INVALID_JOURNAL"),
        CitationMatch(key="Art4", pmid="31978945", status="FOUND"),
    ]


def test_ecitmatch_fictional_statuses_and_line_endings() -> None:
    text = (
        "fict j|2001|1|1|testperson a|k1|AMBIGUOUS\r\n"
        "fict j|2002|2|2|testperson a|k2|NOT_FOUND\r\n"
        "\n"
        "fict j|2003|3|3|testperson a|k3|90000070\r\n"
    )
    assert parse_ecitmatch(text) == [
        CitationMatch(key="k1", pmid=None, status="AMBIGUOUS"),
        CitationMatch(key="k2", pmid=None, status="NOT_FOUND"),
        CitationMatch(key="k3", pmid="90000070", status="FOUND"),
    ]
    assert parse_ecitmatch("") == []


def test_ecitmatch_cut_line_and_markup_errors() -> None:
    with pytest.raises(TruncatedResponse):
        parse_ecitmatch("fict j|2001|1|1|testperson a|k1|90000071\nfict j|2002|2")
    with pytest.raises(ErrorResponse, match="Fictional citmatch failure"):
        parse_ecitmatch("<ERROR>Fictional citmatch failure</ERROR>")


# ------------------------------------------------------------------------------------------
# Issue 14: record fidelity (each of these failed before the fix)
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("elocation", "pages"),
    [
        ("S0000-0000(99)90001-1", None),  # an Elsevier-shaped PII: not a page
        ("fictjnl-2020-900001", None),  # a BMJ-shaped manuscript id: not a page
        ("e154225", "e154225"),  # article numbers filed under pii are pages
        ("euae122", "euae122"),
        ("2564", "2564"),
    ],
)
def test_a_pii_is_not_a_page_but_an_article_number_is(elocation: str, pages: str | None) -> None:
    xml = article_set(
        article(
            "90000040",
            pagination="",
            elocations=(
                f'<ELocationID EIdType="pii" ValidYN="Y">{elocation}</ELocationID>'
                '<ELocationID EIdType="doi" ValidYN="Y">10.5555/fict.90000040</ELocationID>'
            ),
        )
    )
    assert one(xml).pages == pages


def test_sample_mathml_prescripts_and_thin_spaces() -> None:
    """3He/129Xe MRI: mass numbers before the symbol, the mtext thin space kept as a space."""
    r = one(sample("efetch_pubmed_xml_2019_collective_orcid_references.xml"))
    text = r.abstract[0].text
    assert "3He/129Xe MRI ventilation" in text
    assert "1H MRI proton density" in text
    assert "He3" not in text and "Xe129" not in text and "MRIventilation" not in text


def test_mathml_multiscripts_and_mtext_in_the_one_line_layout() -> None:
    mml = 'xmlns:mml="http://www.w3.org/1998/Math/MathML"'
    abstract = (
        "<Abstract><AbstractText>Imaging with "
        f"<mml:math {mml}><mml:mrow><mml:mmultiscripts><mml:mi>C</mml:mi><mml:none/>"
        "<mml:mo>+</mml:mo><mml:mprescripts/><mml:mn>6</mml:mn><mml:mn>13</mml:mn>"
        "</mml:mmultiscripts><mml:mtext>&#x2009;and&#xa0;</mml:mtext><mml:msup>"
        "<mml:mi>x</mml:mi><mml:mn>2</mml:mn></mml:msup></mml:mrow></mml:math> "
        f"then <mml:math {mml}><mml:semantics><mml:mi>y</mml:mi>"
        '<mml:annotation encoding="application/x-tex">y</mml:annotation></mml:semantics>'
        "</mml:math>.</AbstractText></Abstract>"
    )
    r = one(article_set(article("90000041", abstract=abstract)))
    assert r.abstract[0].text == "Imaging with 613C+ and x2 then y."


def test_every_language_is_kept_and_the_first_is_language() -> None:
    xml = article_set(
        article("90000042", languages="<Language>fre</Language><Language>eng</Language>")
    )
    r = one(xml)
    assert (r.language, r.languages) == ("fre", ["fre", "eng"])
    r = one(sample("efetch_pubmed_xml_2024_structured_abstract.xml"))
    assert (r.language, r.languages) == ("eng", ["eng"])


def test_sample_book_chapter_is_dated_by_its_own_contribution_date() -> None:
    r = one(sample("efetch_pubmed_xml_2024_book_chapter.xml"))  # GeneReviews, began 1993
    assert (r.year, r.month) == (2003, 12)
    assert r.book is not None and r.book.location == "Seattle (WA)"
    whole = one(sample("efetch_pubmed_xml_2024_book_pubmedbookarticle.xml"))
    assert (whole.year, whole.month) == (2015, 9)  # no ContributionDate: the book's PubDate
    assert whole.book is not None and whole.book.location == "Washington (DC)"


def test_databank_list_gives_the_clinicaltrials_gov_numbers() -> None:
    banks = (
        '<DataBankList CompleteYN="Y">'
        "<DataBank><DataBankName>ClinicalTrials.gov</DataBankName><AccessionNumberList>"
        "<AccessionNumber>NCT99000001</AccessionNumber><AccessionNumber>nct99000002"
        "</AccessionNumber><AccessionNumber>NCT99000001</AccessionNumber>"
        "<AccessionNumber>NCT990</AccessionNumber></AccessionNumberList></DataBank>"
        "<DataBank><DataBankName>GENBANK</DataBankName><AccessionNumberList>"
        "<AccessionNumber>AB000000</AccessionNumber></AccessionNumberList></DataBank>"
        "</DataBankList>"
    )
    r = one(article_set(article("90000043", data_banks=banks)))
    assert r.registry_ids == ["NCT99000001", "NCT99000002"]
    assert one(article_set(article("90000044"))).registry_ids == []


def test_bidi_overrides_and_c1_controls_are_stripped_from_text() -> None:
    xml = article_set(
        article(
            "90000045",
            title="Safe &#x202e;desrever&#x202c; title &#x2066;iso&#x2069; with &#x9b;2J CSI.",
            authors=(
                '<AuthorList CompleteYN="Y"><Author ValidYN="Y"><LastName>Te&#x202e;st'
                "</LastName><ForeName>A&#x85;B</ForeName><Initials>A</Initials></Author>"
                "</AuthorList>"
            ),
        )
    )
    r = one(xml)
    assert r.title == "Safe desrever title iso with 2J CSI."
    assert (r.authors[0].family, r.authors[0].given) == ("Test", "A B")


@pytest.mark.parametrize(
    "bad", ["abc", "0001", "\uff19\uff10\uff10\uff10\uff10\uff10\uff10\uff12", "1234567890", ""]
)
def test_records_with_invalid_pmids_are_dropped_with_a_warning(bad: str) -> None:
    xml = article_set(article("90000046"), article(bad), article("90000047"))
    for parse in (parse_pubmed_xml, lambda b, **kw: list(iter_pubmed_xml(b, **kw))):
        warnings: list[str] = []
        records = parse(xml, warnings=warnings)
        assert [r.pmid for r in records] == ["90000046", "90000047"]
        if bad:
            assert len(warnings) == 1 and "not a PMID" in warnings[0]
        else:
            assert warnings == []  # an article without a PMID is simply not a record
    assert [r.pmid for r in parse_pubmed_xml(xml)] == ["90000046", "90000047"]  # no list: fine


def test_esearch_and_elink_ids_that_are_not_pmids_are_dropped_with_a_warning() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8" ?>\n<eSearchResult><Count>4</Count><RetMax>4'
        b"</RetMax><RetStart>0</RetStart><IdList><Id>90000050</Id><Id>abc</Id>"
        b"<Id>0001</Id><Id>&#xff11;</Id><Id>90000051</Id></IdList></eSearchResult>"
    )
    warnings: list[str] = []
    result = parse_esearch(body, warnings=warnings)
    assert result.ids == ["90000050", "90000051"]
    assert len(warnings) == 1 and "3 ids" in warnings[0] and '"abc"' in warnings[0]
    links = (
        b"<eLinkResult><LinkSet><DbFrom>pubmed</DbFrom><IdList><Id>90000052</Id></IdList>"
        b"<LinkSetDb><DbTo>pubmed</DbTo><LinkName>pubmed_pubmed_refs</LinkName>"
        b"<Link><Id>90000053</Id></Link><Link><Id>x1</Id></Link><Link><Id>90000054</Id></Link>"
        b"</LinkSetDb></LinkSet></eLinkResult>"
    )
    warnings = []
    (link_set,) = parse_elink(links, warnings=warnings)
    assert link_set.links == {"pubmed_pubmed_refs": ["90000053", "90000054"]}
    assert len(warnings) == 1 and '"x1"' in warnings[0]
