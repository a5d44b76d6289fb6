"""Topics' ClinicalTrials.gov searches (``trials_query`` in topics.toml) and their loading.

A trials query is Essie, not PubMed syntax; each is parsed here with the stand-in's Essie parser
and sent to the stand-in server, whose fictional registry (NCT99000001 …) has trials for every
topic's terms, so a query that could never match (a typo, a PubMed ``[tiab]`` tag) shows up.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import httpx
import pytest

from mscterm.cli import main
from mscterm.model import TrialsQuery
from mscterm.topics import TopicsError, load_topics
from tests.ctgov_essie import PIECES, SEARCH_AREAS, parse_essie
from tests.ctgov_server import CTGovServer
from tests.ctgov_studies import MSC_PRODUCT, fictional_studies

#: Top-level topics whose registered MSC trials have a search. unproven-clinics has none: clinics
#: selling unproven treatments do not register them as such, so no search finds them.
WITH_TRIALS = [
    "genetic-stability",
    "cryopreservation",
    "banking-gmp",
    "serum",
    "immunogenicity",
    "infusion-thrombosis",
    "tumour-promotion",
    "ectopic-biodistribution",
    "clinical-evidence",
]
SUB_TOPICS_WITH_TRIALS = [
    "cryopreservation/post-thaw-function",
    "serum/platelet-lysate",
    "tumour-promotion/relapse",
    "clinical-evidence/gvhd",
    "clinical-evidence/adverse-events",
]
MSC_VOCABULARY = ["mesenchymal stem cell", "mesenchymal stromal cell", "MSC"]


def test_every_topic_with_registered_trials_has_a_query() -> None:
    topics = load_topics()
    roots = [t.id for t in topics.roots]
    assert roots[:-1] == WITH_TRIALS and roots[-1] == "unproven-clinics"
    for tid in WITH_TRIALS + SUB_TOPICS_WITH_TRIALS:
        query = topics.get(tid).trials_query
        assert isinstance(query, TrialsQuery), tid
        assert query.intr and (query.cond or query.term), tid
    assert topics.get("unproven-clinics").trials_query is None
    with_query = {t.id for t in topics.walk() if t.trials_query}
    assert with_query == set(WITH_TRIALS + SUB_TOPICS_WITH_TRIALS)


def test_the_msc_block_names_the_fields_vocabulary() -> None:
    query = load_topics().get("serum").trials_query
    assert query is not None and query.intr is not None
    for term in MSC_VOCABULARY:
        assert term in query.intr
    assert query.params() == {"query.intr": query.intr, "query.term": query.term}


@pytest.mark.parametrize("tid", WITH_TRIALS + SUB_TOPICS_WITH_TRIALS)
def test_queries_are_essie_not_pubmed(tid: str) -> None:
    query = load_topics().get(tid).trials_query
    assert query is not None
    for name, text in query.params().items():
        parse_essie(text, areas=set(PIECES) | set(SEARCH_AREAS))
        outside_quotes = re.sub(r'"[^"]*"', '""', text)
        assert "[" not in outside_quotes, f"{tid} {name}: a PubMed-style [tag]"
        assert not re.search(r"\b(and|or|not)\b", outside_quotes), (
            f"{tid} {name}: lower-case operator"
        )
        assert "*" not in text, f"{tid} {name}: truncation is PubMed's, not Essie's"


def test_every_query_finds_fictional_msc_trials_and_only_those() -> None:
    registry = fictional_studies(60) + fictional_studies(10, start=61, msc=False)
    topics = load_topics()
    with CTGovServer(registry) as server:
        for tid in WITH_TRIALS + SUB_TOPICS_WITH_TRIALS:
            query = topics.get(tid).trials_query
            assert query is not None
            answer = httpx.get(
                server.url + "studies",
                params={**query.params(), "pageSize": "1000", "fields": "NCTId,InterventionName"},
            )
            assert answer.status_code == 200, (tid, answer.text)
            studies = answer.json()["studies"]
            assert studies, f"{tid}: the query matches no fictional trial"
            for study in studies:
                names = [
                    i["name"]
                    for i in study["protocolSection"]["armsInterventionsModule"]["interventions"]
                ]
                assert MSC_PRODUCT in names, tid


# --------------------------------------------------------------------------------------------
# loading


def write_topics(tmp_path: Path, trials_query: str, header: str = "", inline: str = "") -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(
        header
        + """
[[topic]]
id = "fictional-topic"
title = "Fictional topic"
description = "A fictional topic used only to test how trials queries are loaded."
query = '"fictional"[tiab]'
"""
        + inline
        + """
[topic.rules]
terms = ["fictional"]
"""
        + trials_query,
        encoding="utf-8",
    )
    return path


def test_default_intr_comes_from_the_trials_table(tmp_path: Path) -> None:
    header = '[trials]\nintr = """\n"mesenchymal stromal cells"\n  OR MSC\n"""\n'
    path = write_topics(
        tmp_path, '[topic.trials_query]\ncond = "  Knee\\n Osteoarthritis "\n', header
    )
    query = load_topics(path, landmark_records={}).get("fictional-topic").trials_query
    assert query == TrialsQuery(
        intr='"mesenchymal stromal cells" OR MSC', cond="Knee Osteoarthritis"
    )
    path = write_topics(tmp_path, '[topic.trials_query]\nintr = "MSC"\nterm = "safety"\n', header)
    query = load_topics(path, landmark_records={}).get("fictional-topic").trials_query
    assert query == TrialsQuery(intr="MSC", term="safety")


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('[topic.trials_query]\nphase = "PHASE1"\n', "takes only 'intr', 'cond' and 'term'"),
        ("[topic.trials_query]\nterm = 5\n", "trials_query.term must be a string"),
        ('[topic.trials_query]\nterm = "  "\n', "trials_query is empty"),
    ],
)
def test_malformed_trials_queries_are_refused(tmp_path: Path, table: str, message: str) -> None:
    with pytest.raises(TopicsError, match=re.escape(message)):
        load_topics(write_topics(tmp_path, table), landmark_records={})
    with pytest.raises(TopicsError, match=re.escape("takes only 'intr', 'cond' and 'term'")):
        load_topics(
            write_topics(tmp_path, "", inline='trials_query = "MSC"\n'), landmark_records={}
        )


def test_bad_trials_table_is_refused(tmp_path: Path) -> None:
    path = write_topics(tmp_path, "", header="[trials]\nintr = 3\n")
    with pytest.raises(TopicsError, match=r"\[trials\] intr must be a string"):
        load_topics(path, landmark_records={})


def test_topics_json_shows_trials_queries(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topics", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    by_id = {t["id"]: t for t in data}
    assert by_id["unproven-clinics"]["trials_query"] is None
    serum = by_id["serum"]["trials_query"]
    assert set(serum) == {"intr", "cond", "term"}
    assert '"platelet lysate"' in serum["term"] and serum["cond"] is None
