"""The local E-utilities stand-in must speak NCBI's formats and misbehave on request.

Every other test trusts this server, so here it is checked against the real recordings in
``../shared/ncbi/samples`` and with plain httpx (not mscterm's client or parser).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.request
from pathlib import Path

import httpx
import pytest
from lxml import etree

from tests.conftest import FICTIONAL_PMIDS
from tests.eutils_server import (
    EFETCH_HEADER,
    ESEARCH_HEADER,
    FICTIONAL_SEARCH_TERM,
    RATE_LIMIT_BODY,
    EUtilsServer,
    Fault,
    check_term,
    fictional_article,
    main,
    split_articles,
)

PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def parse(body: bytes) -> etree._Element:
    """Well-formedness check with lxml (never mscterm's own parser)."""
    return etree.fromstring(body, PARSER)


def efetch(server: EUtilsServer, ids: list[str] | str, **extra: str) -> httpx.Response:
    data: dict[str, str | list[str]] = {"db": "pubmed", "retmode": "xml", "id": ids, **extra}
    return httpx.post(server.url + "efetch.fcgi", data=data)


def esearch(server: EUtilsServer, term: str, **extra: str) -> httpx.Response:
    return httpx.get(server.url + "esearch.fcgi", params={"db": "pubmed", "term": term, **extra})


def pmids_of(body: bytes) -> list[str]:
    root = parse(body)
    return [
        el.findtext("MedlineCitation/PMID") or el.findtext("BookDocument/PMID") or "" for el in root
    ]


def assert_current_efetch_shape(body: bytes) -> None:
    """NCBI's 2025 layout: declaration + DOCTYPE, one line of articles, no trailing newline."""
    assert body.startswith(EFETCH_HEADER + b"<PubmedArticleSet>")
    assert body.isascii()
    assert body.endswith(b"</PubmedArticleSet>")
    rest = body[len(EFETCH_HEADER) :]
    # one line: no layout newlines (a newline inside a text node, e.g. a CollectiveName, is data)
    assert not re.search(rb">[ \t]*\n[ \t]*<", rest.removeprefix(b"<PubmedArticleSet>\n"))


# ------------------------------------------------------------------------------ efetch


def test_efetch_matches_real_2025_layout(samples_dir: Path) -> None:
    real = (samples_dir / "efetch_pubmed_xml_2025dtd_two_articles_a.xml").read_bytes()
    with EUtilsServer(samples_dir=samples_dir) as server:
        response = efetch(server, "12091962,9997")
    assert response.status_code == 200
    assert response.content == real  # byte for byte: the real bytes are served unchanged
    assert response.headers["content-type"] == "text/xml; charset=UTF-8"


def test_efetch_old_indented_samples_are_reserialised_on_one_line(samples_dir: Path) -> None:
    with EUtilsServer(samples_dir=samples_dir) as server:
        response = efetch(server, ["30108519", "29963580"])
    body = response.content
    assert_current_efetch_shape(body)
    assert body.count(b"\n") == 3
    assert pmids_of(body) == ["30108519", "29963580"]
    assert b"&#x" in body  # the raw UTF-8 of the 2018/2019 recordings became hex references
    real = etree.fromstring(
        (samples_dir / "efetch_pubmed_xml_2019_collective_orcid_references.xml").read_bytes(),
        PARSER,
    )
    served = parse(body)[1]
    assert served.findtext(".//ArticleTitle") == real.findtext(".//ArticleTitle")
    assert served.findtext(".//CollectiveName") == real.findtext(".//CollectiveName")


def test_every_sample_article_is_served(samples_dir: Path) -> None:
    expected: list[str] = []
    for path in sorted(samples_dir.glob("efetch_*.xml")):
        expected += [pmid for pmid, _ in split_articles(path.read_bytes())]
    assert "20301382" in expected and "26468569" in expected  # the book articles too
    with EUtilsServer(samples_dir=samples_dir) as server:
        response = efetch(server, ",".join(expected))
    assert_current_efetch_shape(response.content)
    assert pmids_of(response.content) == list(dict.fromkeys(expected))
    root = parse(response.content)
    assert {el.tag for el in root} == {"PubmedArticle", "PubmedBookArticle"}


def test_efetch_fictional_order_get_and_post(eutils_server: EUtilsServer) -> None:
    ids = ["90000003", "90000001", "90000002"]
    posted = efetch(eutils_server, ids)  # repeated id= params in a form body
    got = httpx.get(
        eutils_server.url + "efetch.fcgi",
        params={"db": "pubmed", "retmode": "xml", "id": ",".join(ids)},
    )
    assert posted.content == got.content
    assert pmids_of(posted.content) == ids
    assert_current_efetch_shape(posted.content)
    assert [r.method for r in eutils_server.requests] == ["POST", "GET"]
    assert eutils_server.requests[0].params["id"] == ids
    assert eutils_server.requests[1].ids == ids


def test_efetch_with_urllib_too(eutils_server: EUtilsServer) -> None:
    url = eutils_server.url + "efetch.fcgi?db=pubmed&retmode=xml&id=90000001&id=90000002"
    with urllib.request.urlopen(url, timeout=10) as answer:
        body = answer.read()
    assert pmids_of(body) == ["90000001", "90000002"]


def test_efetch_missing_ids_silently_omitted(eutils_server: EUtilsServer) -> None:
    response = efetch(eutils_server, ["90000001", "90099999", "90000002"])
    assert pmids_of(response.content) == ["90000001", "90000002"]


def test_efetch_none_found_is_empty_set(eutils_server: EUtilsServer) -> None:
    response = efetch(eutils_server, ["90099998", "90099999"])
    assert response.status_code == 200
    assert response.content == EFETCH_HEADER + b"<PubmedArticleSet></PubmedArticleSet>"


def test_efetch_without_ids_is_error_inside_200(eutils_server: EUtilsServer) -> None:
    response = httpx.get(eutils_server.url + "efetch.fcgi", params={"db": "pubmed"})
    assert response.status_code == 200
    assert parse(response.content).findtext("ERROR")


def test_rate_limit_headers_and_api_key_logged(eutils_server: EUtilsServer) -> None:
    plain = efetch(eutils_server, ["90000001"])
    keyed = efetch(eutils_server, ["90000001"], api_key="secret-test-key")
    assert plain.headers["x-ratelimit-limit"] == "3"
    assert keyed.headers["x-ratelimit-limit"] == "10"
    assert int(plain.headers["x-ratelimit-remaining"]) in range(3)
    assert eutils_server.requests[1].param("api_key") == "secret-test-key"


def test_unknown_endpoint_is_404(eutils_server: EUtilsServer) -> None:
    response = httpx.get(eutils_server.url + "esummary.fcgi", params={"id": "1"})
    assert response.status_code == 404
    assert eutils_server.requests[-1].endpoint == "esummary.fcgi"


# ------------------------------------------------------------------------------ fictional


def test_fictional_article_structure_and_escaping() -> None:
    hostile = "[bold red]x[/] <script>alert(1)</script> \x1b[31m & caf\u00e9 \x9b"
    xml = fictional_article(
        "90000123",
        title=hostile,
        authors=[("M\u00fcller", "J\u00fcrgen", "J", "Jr"), "Fictional MSC Safety Consortium"],
        doi="10.5555/fict.90000123",
        pmcid="PMC90000123",
        abstract=[("METHODS", "We did nothing; P < 0.05."), (None, "Unlabelled.")],
        mesh=[("Mesenchymal Stem Cells", True, ["cytology", "transplantation"])],
        publication_types=["Journal Article", "Review"],
        keywords=["safety"],
        retracted_in="90000124",
        language="eng",
    )
    assert xml.isascii() and b"\n" not in xml
    root = parse(xml)
    assert root.tag == "PubmedArticle"
    citation = root.find("MedlineCitation")
    assert citation is not None
    assert citation.get("Status") == "MEDLINE" and citation.get("IndexingMethod")
    assert citation.find("PMID").get("Version") == "1"  # type: ignore[union-attr]
    title = root.findtext(".//ArticleTitle")
    assert title == "[bold red]x[/] <script>alert(1)</script> [31m & caf\u00e9 \x9b"
    assert b"&lt;script&gt;" in xml and b"caf&#xe9;" in xml and b"&#x9b;" in xml
    authors = root.findall(".//AuthorList/Author")
    assert root.find(".//AuthorList").get("CompleteYN") == "Y"  # type: ignore[union-attr]
    assert authors[0].findtext("LastName") == "M\u00fcller"
    assert authors[0].findtext("Suffix") == "Jr"
    assert authors[1].findtext("CollectiveName") == "Fictional MSC Safety Consortium"
    texts = root.findall(".//Abstract/AbstractText")
    assert texts[0].get("Label") == "METHODS" and texts[0].get("NlmCategory") == "METHODS"
    assert texts[1].get("Label") is None
    heading = root.find(".//MeshHeadingList/MeshHeading")
    assert heading.find("DescriptorName").get("MajorTopicYN") == "Y"  # type: ignore[union-attr]
    assert [q.text for q in heading.findall("QualifierName")] == ["cytology", "transplantation"]  # type: ignore[union-attr]
    types = [p.text for p in root.findall(".//PublicationTypeList/PublicationType")]
    assert types == ["Journal Article", "Review", "Retracted Publication"]
    assert all(p.get("UI") for p in root.findall(".//PublicationType"))
    comment = root.find(".//CommentsCorrections")
    assert comment.get("RefType") == "RetractionIn"  # type: ignore[union-attr]
    assert comment.findtext("PMID") == "90000124"  # type: ignore[union-attr]
    ids = {a.get("IdType"): a.text for a in root.findall("PubmedData/ArticleIdList/ArticleId")}
    assert ids == {"pubmed": "90000123", "doi": "10.5555/fict.90000123", "pmc": "PMC90000123"}
    assert root.findtext(".//Language") == "eng"
    assert root.findtext(".//Journal/Title") == "Journal of Fictional Stem Cell Research"
    assert root.findtext("PubmedData/PublicationStatus") == "ppublish"


def test_fixture_serves_ten_fictional_records(eutils_server: EUtilsServer) -> None:
    response = efetch(eutils_server, FICTIONAL_PMIDS)
    assert pmids_of(response.content) == FICTIONAL_PMIDS
    root = parse(response.content)
    for article in root:
        assert article.findtext(".//ArticleTitle", "").startswith("Fictional record")
        doi = article.findtext("PubmedData/ArticleIdList/ArticleId[@IdType='doi']")
        assert doi and doi.startswith("10.5555/")


# ------------------------------------------------------------------------------ esearch


def test_esearch_shape_matches_real_sample(samples_dir: Path, eutils_server: EUtilsServer) -> None:
    real = (samples_dir / "esearch_pubmed_xml_basic.xml").read_bytes()
    ours = esearch(eutils_server, FICTIONAL_SEARCH_TERM).content
    assert ours.startswith(ESEARCH_HEADER + b"<eSearchResult><Count>10</Count>")
    assert real.startswith(ESEARCH_HEADER + b"<eSearchResult><Count>")
    shape = re.compile(rb"<IdList>\n(<Id>\d+</Id>\n)+</IdList><TranslationSet/><QueryTranslation>")
    assert shape.search(real) and shape.search(ours)
    assert ours.endswith(b"</eSearchResult>\n") and real.endswith(b"</eSearchResult>\n")
    root = parse(ours)
    assert [e.text for e in root.find("IdList")] == sorted(FICTIONAL_PMIDS, reverse=True)  # type: ignore[union-attr]


def test_esearch_paging_and_clamp() -> None:
    with EUtilsServer() as server:
        server.set_search("big   topic", [str(90000000 + n) for n in range(50)], count=20000)
        page = parse(esearch(server, "big topic", retstart="10", retmax="5").content)
        assert page.findtext("Count") == "20000"
        assert page.findtext("RetStart") == "10" and page.findtext("RetMax") == "5"
        assert [e.text for e in page.find("IdList")] == [  # type: ignore[union-attr]
            str(90000000 + n) for n in range(10, 15)
        ]
        default = parse(esearch(server, "big topic").content)
        assert default.findtext("RetMax") == "20"
        huge = parse(esearch(server, "big topic", retmax="100000").content)
        assert huge.findtext("RetMax") == "50"  # only 50 listed; 9999 is the clamp
        assert server.requests[-1].param("retmax") == "100000"
        past = esearch(server, "big topic", retstart="9999")
        assert past.status_code == 200
        assert "cannot be larger than 9998" in (parse(past.content).findtext("ERROR") or "")


def test_esearch_count_only(samples_dir: Path, eutils_server: EUtilsServer) -> None:
    real = (samples_dir / "esearch_pubmed_xml_rettype_count.xml").read_bytes()
    ours = esearch(eutils_server, FICTIONAL_SEARCH_TERM, rettype="count").content
    assert ours == real.replace(b"<Count>6</Count>", b"<Count>10</Count>")


def test_esearch_unknown_term_like_ncbi(samples_dir: Path, eutils_server: EUtilsServer) -> None:
    real = (samples_dir / "esearch_xml_no_results_errorlist_warninglist.xml").read_bytes()
    ours = esearch(eutils_server, "abcXYZ").content
    assert ours == real  # the recorded no-hit answer, byte for byte


def test_esearch_doi_and_uid_terms(eutils_server: EUtilsServer) -> None:
    for term in ("10.5555/fict.90000004[doi]", '"10.5555/FICT.90000004"[aid]', "90000004[uid]"):
        root = parse(esearch(eutils_server, term).content)
        assert root.findtext("Count") == "1", term
        assert root.findtext("IdList/Id") == "90000004"
    both = parse(esearch(eutils_server, "90000002[pmid] OR 90000005[pmid]").content)
    assert [e.text for e in both.find("IdList")] == ["90000005", "90000002"]  # type: ignore[union-attr]
    none = parse(esearch(eutils_server, "10.5555/nothing[doi]").content)
    assert none.findtext("Count") == "0"
    assert none.findtext("WarningList/OutputMessage") == "No items found."


def test_esearch_dates_sort_and_new_since_counts() -> None:
    with EUtilsServer() as server:
        server.set_search(
            "topic",
            ["90000001", "90000002", "90000003"],
            dates={"90000001": "2019/05/01", "90000002": "2024/02/01", "90000003": "2023/01/10"},
        )
        since = parse(
            esearch(server, "topic", datetype="edat", mindate="2023/01/01", maxdate="3000").content
        )
        assert since.findtext("Count") == "2"
        assert [e.text for e in since.find("IdList")] == ["90000002", "90000003"]  # type: ignore[union-attr]
        newest = parse(esearch(server, "topic", sort="pub_date").content)
        assert [e.text for e in newest.find("IdList")] == ["90000002", "90000003", "90000001"]  # type: ignore[union-attr]
        server.set_count("topic", 1234)
        server.set_count("topic", 17, since="2024/01/01")
        total = parse(esearch(server, "topic", rettype="count").content)
        new = parse(
            esearch(
                server,
                "topic",
                rettype="count",
                datetype="edat",
                mindate="2024/1/1",
                maxdate="3000",
            ).content
        )
        assert (total.findtext("Count"), new.findtext("Count")) == ("1234", "17")
        count_only = EUtilsServer()
        count_only.set_count("only counted", 5)
        with count_only:
            answer = parse(esearch(count_only, "only counted", rettype="count").content)
        assert answer.findtext("Count") == "5"


def test_esearch_dates_from_served_articles() -> None:
    articles = {
        "90000001": fictional_article(
            "90000001", title="Old.", year=2010, entrez_date="2010/03/01"
        ),
        "90000002": fictional_article(
            "90000002", title="New.", year=2024, entrez_date="2024/03/01"
        ),
    }
    with EUtilsServer(articles) as server:
        server.set_search("t", ["90000002", "90000001"])
        root = parse(esearch(server, "t", datetype="edat", mindate="2020", maxdate="2025").content)
        assert [e.text for e in root.find("IdList")] == ["90000002"]  # type: ignore[union-attr]
        pdat = parse(esearch(server, "t", datetype="pdat", mindate="2009", maxdate="2011").content)
        assert pdat.findtext("Count") == "1" and pdat.findtext("IdList/Id") == "90000001"


@pytest.mark.parametrize(
    "term",
    [
        '"mesenchymal stem cells"[MeSH Terms] AND (safety[tiab] OR "adverse effects"[sh])',
        "mesenchymal stromal cells[mh:noexp] AND tumorigenicity[Title/Abstract]",
        "msc[majr] AND review[pt] AND english[la] AND 2010:2020[dp] AND hasabstract[sb]",
        "(cryopreservation[Mesh] OR dmso[nm]) AND humans[MeSH Major Topic] AND x[All Fields]",
        "serum[tw] AND stem cells[ti] AND cells[ab] AND wang y[au] AND stem cells int[jour]",
        "stem cells int[ta] AND 2024/01/01[edat] AND 2024[crdt] AND 22685475[uid]",
        "x[Publication Type] AND y[Mesh] AND z[doi] AND w[aid] AND v[pmid] AND u[mesh]",
    ],
)
def test_check_term_accepts_common_pubmed_queries(term: str) -> None:
    assert check_term(term) == []


@pytest.mark.parametrize(
    ("term", "problem"),
    [
        ('"mesenchymal stem cells[mh]', "Unbalanced quotation marks"),
        ("(msc[mh] AND safety", "Unbalanced parentheses"),
        ("msc[mh]) AND (safety", "Unbalanced parentheses"),
        ("msc[mh AND safety", "Unbalanced brackets"),
        ("msc[nonsense] AND safety[tiab]", "Field not found: nonsense"),
    ],
)
def test_check_term_rejects(term: str, problem: str) -> None:
    assert check_term(term)[0] == problem


def test_esearch_reports_bad_queries(eutils_server: EUtilsServer) -> None:
    syntax = parse(esearch(eutils_server, "(msc[mh] AND safety").content)
    assert "unbalanced parentheses" in (syntax.findtext("ERROR") or "")
    eutils_server.set_search("msc[bogus]", ["90000001"])
    field = parse(esearch(eutils_server, "msc[bogus]").content)
    assert field.findtext("ErrorList/FieldNotFound") == "bogus"
    esearch(eutils_server, FICTIONAL_SEARCH_TERM)
    assert eutils_server.queries(accepted=False) == ["(msc[mh] AND safety", "msc[bogus]"]
    assert eutils_server.queries(accepted=True) == [FICTIONAL_SEARCH_TERM]


def test_esearch_post_long_term(eutils_server: EUtilsServer) -> None:
    eutils_server.set_search("a " * 400, ["90000001"])
    response = httpx.post(
        eutils_server.url + "esearch.fcgi", data={"db": "pubmed", "term": " a" * 400}
    )
    assert parse(response.content).findtext("IdList/Id") == "90000001"


# ------------------------------------------------------------------------------ elink


def test_elink_shape_and_links(samples_dir: Path, eutils_server: EUtilsServer) -> None:
    eutils_server.set_links("90000001", "pubmed_pubmed_refs", ["90000003", "90000002"])
    eutils_server.set_links("90000001", "pubmed_pubmed", ["90000001", "90000004"])
    response = httpx.get(
        eutils_server.url + "elink.fcgi",
        params={
            "dbfrom": "pubmed",
            "db": "pubmed",
            "id": "90000001",
            "linkname": "pubmed_pubmed_refs",
            "cmd": "neighbor",
        },
    )
    body = response.content
    real = (samples_dir / "elink_pubmed_neighbor_xml_all_subsets.xml").read_bytes()
    head = b"<eLinkResult>\n\n  <LinkSet>\n    <DbFrom>pubmed</DbFrom>\n    <IdList>\n      <Id>"
    assert real.split(b"\n", 2)[:2] == body.split(b"\n", 2)[:2]
    assert head in real and head in body
    assert b"      \n        <Link>\n\t\t\t\t<Id>" in real
    assert b"      \n        <Link>\n\t\t\t\t<Id>" in body
    root = parse(body)
    dbs = root.findall("LinkSet/LinkSetDb")
    assert [d.findtext("LinkName") for d in dbs] == ["pubmed_pubmed_refs"]
    assert [e.text for e in dbs[0].findall("Link/Id")] == ["90000003", "90000002"]
    everything = parse(
        httpx.get(
            eutils_server.url + "elink.fcgi", params={"dbfrom": "pubmed", "id": "90000001"}
        ).content
    )
    assert [d.findtext("LinkName") for d in everything.findall("LinkSet/LinkSetDb")] == [
        "pubmed_pubmed_refs",
        "pubmed_pubmed",
    ]


def test_elink_no_links_and_id_forms(eutils_server: EUtilsServer) -> None:
    eutils_server.set_links("90000001", "pubmed_pubmed_citedin", ["90000005", "90000006"])
    eutils_server.set_links("90000002", "pubmed_pubmed_citedin", ["90000006", "90000007"])
    none = parse(
        httpx.get(
            eutils_server.url + "elink.fcgi",
            params={"dbfrom": "pubmed", "id": "90000009", "linkname": "pubmed_pubmed_citedin"},
        ).content
    )
    assert none.findtext("LinkSet/IdList/Id") == "90000009"
    assert none.find("LinkSet/LinkSetDb") is None
    merged = parse(
        httpx.post(
            eutils_server.url + "elink.fcgi",
            data={"dbfrom": "pubmed", "id": "90000001,90000002", "cmd": "neighbor"},
        ).content
    )
    assert len(merged.findall("LinkSet")) == 1
    assert [e.text for e in merged.findall("LinkSet/LinkSetDb/Link/Id")] == [
        "90000005",
        "90000006",
        "90000007",
    ]
    separate = parse(
        httpx.post(
            eutils_server.url + "elink.fcgi",
            data={"dbfrom": "pubmed", "id": ["90000001", "90000002"]},
        ).content
    )
    assert [s.findtext("IdList/Id") for s in separate.findall("LinkSet")] == [
        "90000001",
        "90000002",
    ]


# ------------------------------------------------------------------------------ ecitmatch


def test_ecitmatch_answers_like_the_real_sample(samples_dir: Path) -> None:
    real = (samples_dir / "ecitmatch_mixed_not_found.txt").read_bytes()
    with EUtilsServer() as server:
        server.set_citmatch("proc natl acad sci u s a|1991|88|3248|mann bj", "2014248")
        server.set_citmatch("fake journal|2000|1|1", "NOT_FOUND;INVALID_JOURNAL")
        server.set_citmatch("N Engl J Med|2020|382|727|Zhu N", "31978945")
        bdata = (
            "proc natl acad sci u s a|1991|88|3248|mann bj|Art1|\r"
            "fake journal|2000|1|1|someone x|ref2|\r"
            "n engl j med|2020|382|727|zhu n|Art4|"
        )
        via_get = httpx.get(
            server.url + "ecitmatch.cgi",
            params={"db": "pubmed", "retmode": "xml", "bdata": bdata},
        )
        via_post = httpx.post(
            server.url + "ecitmatch.cgi", data={"db": "pubmed", "retmode": "xml", "bdata": bdata}
        )
    assert via_get.content == real
    assert via_post.content == real
    assert via_get.headers["content-type"].startswith("text/plain")


def test_ecitmatch_default_ambiguous_and_case(eutils_server: EUtilsServer) -> None:
    eutils_server.set_citmatch("Stem Cells|2010|28|1|Fictus A", "AMBIGUOUS")
    raw_query = (
        "db=pubmed&retmode=xml&bdata=Stem+Cells|2010|28|1|Fictus+A|k1|%0D"
        "Nowhere+Journal|1999|1|2|Doe+J|K2|"
    )
    response = httpx.get(eutils_server.url + "ecitmatch.cgi?" + raw_query)
    assert response.text == (
        "stem cells|2010|28|1|fictus a|k1|AMBIGUOUS\nnowhere journal|1999|1|2|doe j|K2|NOT_FOUND\n"
    )


# ------------------------------------------------------------------------------ faults


def test_fault_429(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("429", retry_after=2))
    first = efetch(eutils_server, ["90000001"])
    second = efetch(eutils_server, ["90000001"])
    assert first.status_code == 429
    assert first.headers["retry-after"] == "2"
    assert first.headers["content-type"] == "application/json"
    assert first.content == RATE_LIMIT_BODY
    assert json.loads(first.content)["limit"] == "3"
    assert second.status_code == 200 and pmids_of(second.content) == ["90000001"]


def test_fault_429_matches_real_shape(samples_dir: Path) -> None:
    real = json.loads((samples_dir / "http429_rate_limit_body_from_issue.json").read_text())
    assert set(json.loads(RATE_LIMIT_BODY)) == set(real)


def test_fault_rate_limit_inside_200(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("rate_limit_200", endpoint="esearch"))
    response = esearch(eutils_server, FICTIONAL_SEARCH_TERM)
    assert response.status_code == 200
    assert response.content == RATE_LIMIT_BODY


@pytest.mark.parametrize("kind", ["500", "502", "503"])
def test_fault_5xx(kind: str, samples_dir: Path, eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault(kind, times=2))
    answers = [efetch(eutils_server, ["90000001"]) for _ in range(3)]
    assert [a.status_code for a in answers] == [int(kind), int(kind), 200]
    if kind == "500":
        real = json.loads(
            (samples_dir / "http500_error_forwarding_body_from_issue.json").read_text()
        )
        assert set(json.loads(answers[0].content)) == set(real)
    else:
        assert b"<html>" in answers[0].content


def test_fault_http_error_status(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("http_error", status=400))
    assert efetch(eutils_server, ["90000001"]).status_code == 400


@pytest.mark.parametrize(
    ("endpoint", "root_tag"),
    [("esearch", "eSearchResult"), ("efetch", "eFetchResult"), ("elink", "eLinkResult")],
)
def test_fault_error_200(endpoint: str, root_tag: str, eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("error_200", endpoint=endpoint))
    params = {"db": "pubmed", "dbfrom": "pubmed", "id": "90000001", "term": "x"}
    response = httpx.get(eutils_server.url + f"{endpoint}.fcgi", params=params)
    assert response.status_code == 200
    root = parse(response.content)
    assert root.tag == root_tag and root.findtext("ERROR")


def test_fault_error_200_message(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("error_200", endpoint="esearch", message="Search Backend failed"))
    root = parse(esearch(eutils_server, FICTIONAL_SEARCH_TERM).content)
    assert root.findtext("ERROR") == "Search Backend failed"


def test_fault_truncated(eutils_server: EUtilsServer) -> None:
    whole = efetch(eutils_server, FICTIONAL_PMIDS).content
    eutils_server.inject(Fault("truncated", endpoint="efetch"))
    cut = efetch(eutils_server, FICTIONAL_PMIDS)
    assert cut.status_code == 200
    assert cut.content == whole[: len(whole) // 2]
    assert int(cut.headers["content-length"]) == len(cut.content)
    with pytest.raises(etree.XMLSyntaxError):
        parse(cut.content)


def test_fault_slow_and_global_delay(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("slow", delay=0.3))
    started = time.monotonic()
    efetch(eutils_server, ["90000001"])
    assert time.monotonic() - started >= 0.3
    eutils_server.delay = 0.2
    started = time.monotonic()
    efetch(eutils_server, ["90000001"])
    assert time.monotonic() - started >= 0.2
    eutils_server.delay = 0.0
    eutils_server.inject(Fault("slow", delay=2.0))
    with pytest.raises(httpx.ReadTimeout):
        efetch_timeout = httpx.Timeout(0.2)
        httpx.post(
            eutils_server.url + "efetch.fcgi", data={"id": "90000001"}, timeout=efetch_timeout
        )


def test_fault_missing_ids(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("missing_ids", ids=["90000002"]))
    esearch(eutils_server, FICTIONAL_SEARCH_TERM)  # does not consume an efetch-only fault
    first = efetch(eutils_server, ["90000001", "90000002", "90000003"])
    again = efetch(eutils_server, ["90000001", "90000002", "90000003"])
    assert pmids_of(first.content) == ["90000001", "90000003"]
    assert pmids_of(again.content) == ["90000001", "90000002", "90000003"]


def test_fault_empty(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("empty"))
    response = efetch(eutils_server, ["90000001"])
    assert response.status_code == 200 and response.content == b""


def test_fault_drop(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("drop"))
    with pytest.raises(httpx.RemoteProtocolError):
        efetch(eutils_server, ["90000001"])
    assert efetch(eutils_server, ["90000001"]).status_code == 200
    assert len(eutils_server.requests_to("efetch")) == 2


def test_fault_huge_streams_the_declared_size(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("huge", endpoint="efetch", size=300_000))
    response = efetch(eutils_server, "90000001")
    assert response.status_code == 200
    assert response.headers["Content-Length"] == "300000"
    assert len(response.content) == 300_000
    assert response.content.startswith(EFETCH_HEADER + b"<PubmedArticleSet>")
    assert not response.content[len(EFETCH_HEADER) + 20 :].strip()


def test_fault_huge_without_a_length_closes_the_connection(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("huge", endpoint="efetch", size=200_000, declare_length=False))
    response = efetch(eutils_server, "90000001")
    assert "Content-Length" not in response.headers
    assert response.headers["Connection"] == "close"
    assert len(response.content) == 200_000


def test_fault_gzip_bomb_inflates_to_its_size_from_a_small_body(
    eutils_server: EUtilsServer,
) -> None:
    eutils_server.inject(Fault("gzip_bomb", endpoint="efetch", size=8 * 1024 * 1024))
    with httpx.stream(
        "POST", eutils_server.url + "efetch.fcgi", data={"db": "pubmed", "id": "90000001"}
    ) as response:
        assert response.headers["Content-Encoding"] == "gzip"
        inflated = sum(len(piece) for piece in response.iter_bytes())
        wire = response.num_bytes_downloaded
    assert inflated == 8 * 1024 * 1024
    assert wire < inflated // 500  # a bomb: about a thousandth on the wire


def test_fault_trickle_sends_the_real_answer_byte_by_byte(eutils_server: EUtilsServer) -> None:
    whole = efetch(eutils_server, "90000001").content
    eutils_server.inject(Fault("trickle", endpoint="efetch", delay=0.001))
    with httpx.stream(
        "POST", eutils_server.url + "efetch.fcgi", data={"db": "pubmed", "id": "90000001"}
    ) as response:
        assert response.headers["Content-Length"] == str(len(whole))
        pieces = list(response.iter_raw())
    assert b"".join(pieces) == whole
    assert len(pieces) > 10  # it did arrive in dribbles


def test_hostile_streams_end_when_the_server_stops() -> None:
    with EUtilsServer() as server:
        server.inject(Fault("trickle", endpoint="esearch", delay=100))
        started = time.monotonic()
        stopper = threading.Timer(0.3, server.stop)
        stopper.start()
        with pytest.raises(httpx.HTTPError):
            httpx.get(server.url + "esearch.fcgi", params={"term": "x"}, timeout=200).read()
        stopper.join()
    assert time.monotonic() - started < 60  # far less than the 100 s pause: it saw the stop


def test_faults_consumed_in_order_per_endpoint(eutils_server: EUtilsServer) -> None:
    eutils_server.inject(Fault("503", endpoint="efetch.fcgi"))
    eutils_server.inject(Fault("429", retry_after=0))
    assert esearch(eutils_server, FICTIONAL_SEARCH_TERM).status_code == 429
    assert efetch(eutils_server, ["90000001"]).status_code == 503
    assert efetch(eutils_server, ["90000001"]).status_code == 200
    assert eutils_server.pending_faults == []


def test_unknown_fault_kind_rejected() -> None:
    with pytest.raises(ValueError, match="unknown fault kind"):
        Fault("teapot")


# ------------------------------------------------------------------------------ log and rate


def test_request_log_helpers(eutils_server: EUtilsServer) -> None:
    efetch(eutils_server, ["90000001", "90000002"], tool="mscterm", email="tests@example.org")
    esearch(eutils_server, FICTIONAL_SEARCH_TERM)
    efetch(eutils_server, "90000003")
    fetches = eutils_server.requests_to("efetch")
    assert [r.endpoint for r in eutils_server.requests] == ["efetch", "esearch", "efetch"]
    assert fetches[0].param("tool") == "mscterm"
    assert eutils_server.requested_ids() == ["90000001", "90000002", "90000003"]
    assert fetches[0].time <= fetches[1].time
    eutils_server.clear_log()
    assert eutils_server.requests == []


def test_log_is_thread_safe(eutils_server: EUtilsServer) -> None:
    def hit() -> None:
        with httpx.Client() as client:
            for _ in range(5):
                client.get(eutils_server.url + "esearch.fcgi", params={"term": "x"})

    threads = [threading.Thread(target=hit) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(eutils_server.requests_to("esearch")) == 40


def test_max_requests_in_any_window(eutils_server: EUtilsServer) -> None:
    with httpx.Client() as client:
        for _ in range(4):
            client.get(eutils_server.url + "esearch.fcgi", params={"term": "x"})
        time.sleep(1.05)
        client.get(eutils_server.url + "esearch.fcgi", params={"term": "x"})
    assert eutils_server.max_requests_in_any_window(1.0) == 4
    assert eutils_server.max_requests_in_any_window(5.0) == 5
    assert eutils_server.max_requests_in_any_window(1.0, endpoint="efetch") == 0


def test_enforced_rate_limit_answers_429() -> None:
    with EUtilsServer(enforce_rate_limit=True) as server, httpx.Client() as client:
        codes = [client.get(server.url + "esearch.fcgi", params={"term": "x"}).status_code
                 for _ in range(5)]  # fmt: skip
    assert codes[:3] == [200, 200, 200] and 429 in codes[3:]


def test_stop_closes_kept_alive_connections() -> None:
    server = EUtilsServer().start()
    url = server.url
    with httpx.Client() as client:
        assert client.get(url + "esearch.fcgi", params={"term": "x"}).status_code == 200
        server.stop()
        with pytest.raises(httpx.TransportError):
            client.get(url + "esearch.fcgi", params={"term": "x"})


# ------------------------------------------------------------------------------ fixtures, CLI


def test_settings_fixture_points_at_server(
    settings, eutils_server: EUtilsServer, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    assert settings.eutils_url == eutils_server.url
    assert settings.cache_dir.is_relative_to(tmp_path) and not settings.offline
    assert settings.email == "tests@example.org" and settings.api_key is None


def test_offline_settings_fixture(offline_settings) -> None:  # type: ignore[no-untyped-def]
    assert offline_settings.offline is True


def test_environment_is_sealed(tmp_path: Path) -> None:
    import os

    from mscterm.config import load_settings

    assert os.environ["HOME"].startswith(str(tmp_path))
    assert "NCBI_API_KEY" not in os.environ
    loaded = load_settings()
    assert loaded.cache_dir.is_relative_to(tmp_path)
    assert loaded.state_dir.is_relative_to(tmp_path)
    assert loaded.eutils_url.startswith("http://127.0.0.1:")


def test_command_line_server(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``python -m tests.eutils_server`` prints its URL and serves until interrupted."""
    served: dict[str, bytes] = {}

    def fake_sleep(seconds: float) -> None:
        url = capsys.readouterr().out.splitlines()[0]
        served["body"] = httpx.post(url + "efetch.fcgi", data={"id": "90000001"}).content
        served["search"] = httpx.get(
            url + "esearch.fcgi", params={"term": "mesenchymal stem cells"}
        ).content
        raise KeyboardInterrupt

    monkeypatch.setattr("tests.eutils_server.time.sleep", fake_sleep)
    assert main(["--port", "0", "--fictional", "3"]) == 0
    assert pmids_of(served["body"]) == ["90000001"]
    assert parse(served["search"]).findtext("Count") == "3"
