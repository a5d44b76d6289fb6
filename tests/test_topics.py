"""The MSC-safety topic map: structure, landmarks, rule matching, queries and ``mscterm topics``.

Fictional records use PMIDs from 90000001 up; real facts come only from the seed snapshot and
``../shared/seed/landmarks.json`` (tests needing the latter skip when it is absent).
"""

from __future__ import annotations

import json
import re
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from mscterm import resources
from mscterm.cli import main
from mscterm.model import AbstractSection, MeshHeading, Record, Topic, TopicRules, record_id
from mscterm.topics import (
    REVIEW_ID,
    TopicMap,
    TopicsError,
    count_by_topic,
    load_topics,
    matches,
    query_problems,
    review_reference_ids,
    validate,
)

SEED_DIR = Path(__file__).resolve().parents[1].parent / "shared" / "seed"

ROOT_IDS = [
    "genetic-stability",
    "cryopreservation",
    "banking-gmp",
    "serum",
    "immunogenicity",
    "infusion-thrombosis",
    "tumour-promotion",
    "ectopic-biodistribution",
    "clinical-evidence",
    "unproven-clinics",
]
REVIEW_CONCERNS = ROOT_IDS[:4]


@pytest.fixture(scope="module")
def topic_map() -> TopicMap:
    return load_topics()


@pytest.fixture(scope="module")
def landmarks() -> dict:
    path = SEED_DIR / "landmarks.json"
    if not path.is_file():
        pytest.skip(f"seed landmarks not available at {path}")
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def seed_records() -> dict[str, Record]:
    lines = resources.seed_records_path().read_text(encoding="utf-8").splitlines()
    return {r.id: r for r in (Record.from_json(json.loads(line)) for line in lines if line)}


def landmark_id(paper: dict) -> str:
    authors = paper["authors"]
    first = (authors[0].get("family") or authors[0].get("collective")) if authors else None
    return record_id(paper["pmid"], paper["doi"], first, paper["year"], paper["title"])


def fictional(
    n: int = 1,
    *,
    title: str = "A fictional study",
    abstract: str = "",
    mesh: tuple[str, ...] = (),
    keywords: tuple[str, ...] = (),
) -> Record:
    pmid = str(90000000 + n)
    return Record(
        id=pmid,
        pmid=pmid,
        title=title,
        abstract=[AbstractSection(None, abstract)] if abstract else [],
        mesh=[MeshHeading(m) for m in mesh],
        keywords=list(keywords),
    )


# ---------------------------------------------------------------------------- structure


def test_the_shipped_map_has_no_problems(topic_map: TopicMap) -> None:
    assert validate(topic_map) == []


def test_ten_roots_in_the_order_of_the_review_then_the_rest(topic_map: TopicMap) -> None:
    assert [t.id for t in topic_map.roots] == ROOT_IDS


def test_roots_are_the_topic_ids_of_landmarks_json(topic_map: TopicMap, landmarks: dict) -> None:
    assert [t.id for t in topic_map.roots] == list(landmarks["topics"])


def test_at_least_twelve_unique_topics_with_text(topic_map: TopicMap) -> None:
    ids = [t.id for t in topic_map.walk()]
    assert len(ids) >= 12
    assert len(ids) == len(set(ids)) == len(topic_map)
    for topic in topic_map.walk():
        assert topic.title and topic.query
        sentences = re.findall(r"[.!?](?:\s|$)", topic.description)
        assert 2 <= len(sentences) <= 4, (topic.id, len(sentences))


def test_every_review_concern_is_split_into_sub_topics(topic_map: TopicMap) -> None:
    for tid in REVIEW_CONCERNS:
        assert len(topic_map.children(tid)) >= 2, tid


def test_parent_child_links(topic_map: TopicMap) -> None:
    child = topic_map.get("genetic-stability/transformation")
    assert child is not None and child.parent == "genetic-stability"
    assert topic_map.parent(child.id) is topic_map.get("genetic-stability")
    assert child in topic_map.children("genetic-stability")
    assert [t.id for t in topic_map.ancestors(child.id)] == ["genetic-stability"]
    assert topic_map.parent("genetic-stability") is None
    assert topic_map.get("no-such-topic") is None
    assert topic_map.landmark_ids("no-such-topic") == []
    assert "serum/platelet-lysate" in topic_map and "nothing" not in topic_map


def test_walk_is_depth_first_parents_first(topic_map: TopicMap) -> None:
    seen: set[str] = set()
    for topic in topic_map.walk():
        if topic.parent:
            assert topic.parent in seen
        seen.add(topic.id)


# ---------------------------------------------------------------------------- landmarks


def test_every_landmark_is_pinned_under_each_of_its_topics(
    topic_map: TopicMap, landmarks: dict
) -> None:
    assert len(landmarks["papers"]) == 81
    for tid in landmarks["topics"]:
        expected = [landmark_id(p) for p in landmarks["papers"] if tid in p["topics"]]
        assert topic_map.landmark_ids(tid) == expected, tid  # all of them, in the file's order


def test_landmarks_resolve_to_seed_records_with_valid_ids(
    topic_map: TopicMap, seed_records: dict[str, Record]
) -> None:
    for topic in topic_map.walk():
        for rid in topic_map.landmark_ids(topic.id):
            assert rid in seed_records, (topic.id, rid)
            if rid[0].isdigit():
                assert re.fullmatch(r"[1-9][0-9]{0,8}", rid), rid
            else:
                assert rid.startswith(("doi:", "cite:")) and rid == rid.lower(), rid


def test_sub_topics_show_parent_landmarks_their_rules_match(
    topic_map: TopicMap, seed_records: dict[str, Record]
) -> None:
    for topic in topic_map.walk():
        if topic.parent is None:
            continue
        parent = topic_map.landmark_ids(topic.parent)
        own = topic_map.landmark_ids(topic.id)
        assert set(own) <= set(parent), topic.id
        assert own == [rid for rid in parent if rid in own], "keeps the parent's order"
        for rid in parent:
            expected = rid in topic.landmarks or matches(topic, seed_records[rid])
            assert (rid in own) == expected, (topic.id, rid)


def test_known_landmarks_land_in_the_expected_sub_topics(topic_map: TopicMap) -> None:
    transformation = topic_map.landmark_ids("genetic-stability/transformation")
    assert "15833829" in transformation  # Rubio 2005 (retracted)
    assert "doi:10.1158/0008-5472.can-10-2451" in transformation  # its retraction notice
    assert "32342730" in topic_map.landmark_ids("cryopreservation/cryoprotectants")  # DMSO review
    assert "28296617" in topic_map.landmark_ids("unproven-clinics/harms")  # vision loss
    assert "23133515" in topic_map.landmark_ids("clinical-evidence/systematic-reviews")
    assert "15833829" not in topic_map.landmark_ids("serum/fbs-risks")


def test_every_sub_topic_has_a_landmark(topic_map: TopicMap) -> None:
    empty = [t.id for t in topic_map.walk() if not topic_map.landmark_ids(t.id)]
    assert empty == []


def test_retracted_landmark_keeps_its_flag_in_the_seed(seed_records: dict[str, Record]) -> None:
    rubio = seed_records["15833829"]
    assert rubio.retracted is True
    assert {"type": "RetractionIn", "doi": "10.1158/0008-5472.CAN-10-2451"} in rubio.comments


def test_topics_for_includes_pins_and_rules(
    topic_map: TopicMap, seed_records: dict[str, Record]
) -> None:
    hare = seed_records["doi:10.1016/j.jacc.2009.06.055"]  # pinned under clinical-evidence
    assert "clinical-evidence" in topic_map.topics_for(hare)
    rubio = seed_records["15833829"]
    found = topic_map.topics_for(rubio)
    assert found[:2] == ["genetic-stability", "genetic-stability/transformation"]
    assert "serum" not in found


def test_review_references_are_the_five_seed_citations(
    topic_map: TopicMap, seed_records: dict[str, Record]
) -> None:
    refs = review_reference_ids(topic_map)
    assert len(refs) == 5 and len(set(refs)) == 5
    assert all(r.startswith("cite:") and r in seed_records for r in refs)
    assert [seed_records[r].first_author for r in refs] == [
        "Hayes",
        "Ishikane",
        "Nakajima",
        "Puglisi",
        "Lu",
    ]
    assert REVIEW_ID == "22685475" and REVIEW_ID in seed_records


def test_review_is_labelled_with_the_concerns_its_abstract_names(
    topic_map: TopicMap, seed_records: dict[str, Record]
) -> None:
    found = topic_map.topics_for(seed_records[REVIEW_ID])
    assert set(REVIEW_CONCERNS) <= set(found)


# ---------------------------------------------------------------------------- rules


def test_mesh_cryopreservation_is_cryopreservation_not_serum(topic_map: TopicMap) -> None:
    rec = fictional(1, title="Storage of stromal cells", mesh=("Cryopreservation",))
    found = topic_map.topics_for(rec)
    assert "cryopreservation" in found
    assert "serum" not in found
    assert matches(topic_map.get("cryopreservation"), rec)  # type: ignore[arg-type]
    assert not matches(topic_map.get("serum"), rec)  # type: ignore[arg-type]


def test_mesh_match_is_case_insensitive_descriptor_equality(topic_map: TopicMap) -> None:
    assert topic_map.matches("cryopreservation", fictional(2, mesh=("cryopreservation",)))
    # a descriptor that merely contains the name is not the descriptor
    assert not topic_map.matches("cryopreservation", fictional(3, mesh=("Cryopreservation Kits",)))


def test_terms_in_title_abstract_and_keywords(topic_map: TopicMap) -> None:
    in_title = fictional(4, title="Human platelet lysate versus fetal bovine serum")
    found = topic_map.topics_for(in_title)
    assert {"serum", "serum/platelet-lysate", "serum/fbs-risks"} <= set(found)
    assert "cryopreservation" not in found

    in_abstract = fictional(5, abstract="Thawed cells lost their capacity to suppress T cells.")
    assert "cryopreservation/post-thaw-function" in topic_map.topics_for(in_abstract)

    in_keywords = fictional(6, keywords=("Tissue factor", "Hemocompatibility"))
    assert "infusion-thrombosis/tissue-factor" in topic_map.topics_for(in_keywords)


def test_hyphens_spaces_case_and_word_endings(topic_map: TopicMap) -> None:
    for title in ("Serum-free expansion", "SERUM FREE expansion", "Serum–free expansion"):
        assert topic_map.matches("serum/serum-free", fictional(7, title=title)), title
    assert topic_map.matches(
        "genetic-stability/chromosomal-aberrations", fictional(8, title="Karyotypes of clones")
    )
    assert topic_map.matches(
        "genetic-stability/transformation", fictional(9, title="No cross contamination was seen")
    )


def test_terms_match_whole_words_only(topic_map: TopicMap) -> None:
    hplc = fictional(10, title="HPLC profiling of conditioned medium")
    assert not topic_map.matches("serum/platelet-lysate", hplc)  # "hpl" is a term
    double_blind = fictional(
        11, title="A double-blind trial of stromal cells in knee osteoarthritis"
    )
    assert not topic_map.matches("unproven-clinics/harms", double_blind)
    assert topic_map.matches("clinical-evidence", double_blind)


def test_a_phrase_does_not_span_title_and_abstract(topic_map: TopicMap) -> None:
    rec = fictional(12, title="Cells delivered to injured tissue", abstract="Factor VIII levels.")
    assert not topic_map.matches("infusion-thrombosis/tissue-factor", rec)


def test_parent_rules_include_sub_topic_rules(topic_map: TopicMap) -> None:
    rec = fictional(13, title="Donor age and MSC clonogenicity")
    assert topic_map.matches("banking-gmp/donor-screening", rec)
    assert topic_map.matches("banking-gmp", rec)
    assert topic_map.topics_for(rec) == ["banking-gmp", "banking-gmp/donor-screening"]


def test_unrelated_record_matches_nothing(topic_map: TopicMap) -> None:
    rec = fictional(14, title="Osteogenic differentiation on titanium scaffolds")
    assert topic_map.topics_for(rec) == []


def test_module_matches_agrees_with_the_map(topic_map: TopicMap) -> None:
    recs = [
        fictional(15, title="Tumour stroma and metastasis"),
        fictional(16, title="Graft-versus-host disease", mesh=("Graft vs Host Disease",)),
        fictional(17, title="Dimethyl sulfoxide toxicity"),
    ]
    for rec in recs:
        for topic in topic_map.walk():
            assert matches(topic, rec) == topic_map.matches(topic.id, rec)


def test_count_by_topic_counts_rule_matches_and_pins(
    topic_map: TopicMap, seed_records: dict[str, Record]
) -> None:
    counts = count_by_topic(topic_map, [fictional(18, mesh=("Cryopreservation",))])
    assert counts["cryopreservation"] == 1 and counts["serum"] == 0
    counts = count_by_topic(topic_map, seed_records.values())
    for topic in topic_map.walk():
        assert counts[topic.id] >= len(topic_map.landmark_ids(topic.id))


# ---------------------------------------------------------------------------- queries


def test_every_query_is_syntactically_sane(topic_map: TopicMap) -> None:
    for topic in topic_map.walk():
        assert query_problems(topic.query) == [], topic.id
        assert "\n" not in topic.query and "  " not in topic.query


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ('"mesenchymal stem cells[tiab]', "quotes"),
        ('("Cryopreservation"[MeSH Terms]', "'(' without ')'"),
        ('"Cryopreservation"[MeSH Terms])', "')' without '('"),
        ("cryopreservation[mesh term]", "unknown field tag"),
        ("cryopreservation[tiab] AND", "without a right operand"),
        ("OR cryopreservation[tiab]", "without a left operand"),
        ("dmso[tiab] and trehalose[tiab]", "lower-case boolean"),
        ("()", "empty parentheses"),
    ],
)
def test_query_problems_catches_typos(query: str, problem: str) -> None:
    assert any(problem in p for p in query_problems(query)), query_problems(query)


def test_every_query_is_accepted_by_the_stand_in_esearch(topic_map: TopicMap) -> None:
    server_mod = pytest.importorskip("tests.eutils_server")
    with server_mod.EUtilsServer() as server:
        for topic in topic_map.walk():
            assert server_mod.check_term(topic.query) == [], topic.id
            server.set_search(topic.query, ["90000001"])
            body = urllib.parse.urlencode(
                {"db": "pubmed", "term": topic.query, "retmode": "xml", "tool": "mscterm"}
            ).encode()
            with urllib.request.urlopen(server.url + "esearch.fcgi", data=body, timeout=10) as r:
                xml = r.read()
            assert b"<ErrorList>" not in xml and b"<ERROR>" not in xml, (topic.id, xml)
            assert b"<Id>90000001</Id>" in xml


# ---------------------------------------------------------------------------- loading errors


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "topics.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_malformed_files_raise_topics_error(tmp_path: Path) -> None:
    with pytest.raises(TopicsError):
        load_topics(_write(tmp_path, "[[topic]]\nid = 'x'\n"), landmark_records={})  # no title
    with pytest.raises(TopicsError):
        load_topics(
            _write(tmp_path, "[[topic]]\nid='x'\ntitle='X'\nquery='x[tiab]'\ncolour='red'\n"),
            landmark_records={},
        )
    with pytest.raises(TopicsError):
        load_topics(_write(tmp_path, "not toml ["), landmark_records={})
    with pytest.raises(TopicsError):
        load_topics(tmp_path / "missing.toml", landmark_records={})


def test_validate_reports_bad_maps() -> None:
    desc = "A description long enough to pass. It has two sentences."
    bad = TopicMap(
        [
            Topic(
                id="a",
                title="A",
                description=desc,
                query='"x"[tiab]',
                rules=TopicRules(terms=["x"]),
                landmarks=["0123", "1234567890", "90000001", "doi:10.5555/ABC"],
                children=[
                    Topic(
                        id="b",
                        title="B",
                        description=desc,
                        query="x[foo]",
                        rules=TopicRules(terms=["Upper Case"]),
                        landmarks=["90000002"],
                        parent="a",
                    )
                ],
            ),
            Topic(
                id="a",
                title="A again",
                description=desc,
                query="x[tiab]",
                rules=TopicRules(terms=["y"]),
            ),
        ],
        landmark_records={"90000001": fictional(1)},
    )
    problems = "\n".join(validate(bad))
    assert "duplicate topic id 'a'" in problems
    assert "'0123' is not a PMID" in problems
    assert "'1234567890' is not a PMID" in problems
    assert "'doi:10.5555/ABC' is not a PMID" in problems  # doi: ids are lower-case
    assert "'90000002' is not in the seed snapshot" in problems
    assert "'90000002' is not a landmark of 'a'" in problems
    assert "does not start with its parent's id" in problems
    assert "unknown field tag [foo]" in problems
    assert "'Upper Case' is not a lower-case" in problems
    assert "'90000001'" not in problems


# ---------------------------------------------------------------------------- the command


def test_topics_json_lists_the_map(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topics", "--json"]) == 0
    data = [t for t in json.loads(capsys.readouterr().out) if t["kind"] == "topic"]
    assert [t["id"] for t in data] == ROOT_IDS

    def flat(nodes: list[dict]) -> list[dict]:
        return [n for node in nodes for n in [node, *flat(node["children"])]]

    nodes = flat(data)
    assert len(nodes) >= 12
    assert set(REVIEW_CONCERNS) <= {n["id"] for n in nodes}
    for node in nodes:
        assert {
            "id",
            "title",
            "description",
            "query",
            "rules",
            "landmarks",
            "children",
            "cached",
        } <= set(node)
        assert set(node["rules"]) == {"mesh", "terms"}
    gs = next(n for n in nodes if n["id"] == "genetic-stability")
    assert "15833829" in gs["landmarks"] and len(gs["landmarks"]) == 12
    if gs["cached"] is not None:  # the seed snapshot counts as available offline
        assert gs["cached"] >= 12


def test_topics_json_includes_the_review_node_the_plain_output_shows(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["topics"]) == 0
    assert "review PMID 22685475: a node of its own (5 references known offline)" in (
        capsys.readouterr().out
    )
    assert main(["topics", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    review = [node for node in data if node.get("kind") == "review"]
    assert len(review) == 1 and data[-1] is review[0]
    assert review[0]["pmid"] == "22685475"
    assert review[0]["references"] == load_topics().review_references
    assert len(review[0]["references"]) == 5


def test_topics_prints_an_indented_tree(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["topics"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[0].startswith("genetic-stability ")
    assert "Genetic stability in long-term culture" in lines[0]
    assert "12 landmarks" in lines[0]
    assert any(line.startswith("  genetic-stability/transformation ") for line in lines)
    assert "22685475" in out


def _reference_regex(topic: Topic) -> re.Pattern[str]:
    """The documented rule grammar as a plain regex: slow, obviously right, for comparison."""
    terms = []
    stack = [topic]
    while stack:
        t = stack.pop()
        stack.extend(t.children)
        for term in t.rules.terms:
            words = re.split(r"[ -]+", term.rstrip("*"))
            body = r"[ \t\-‐‑–—_]+".join(re.escape(w) for w in words)
            terms.append(body + (r"[^\W_]*" if term.endswith("*") else ""))
    return re.compile(r"(?<![^\W_])(?:" + "|".join(terms) + r")(?![^\W_])")


def test_fast_matching_agrees_with_a_plain_regex(topic_map: TopicMap) -> None:
    import random

    vocab = sorted(
        {w for t in topic_map.walk() for term in t.rules.terms for w in re.split(r"[ -*]+", term)}
        - {""}
    )
    vocab += ["cells", "tumour", "the", "of", "msc", "treated", "xx"]
    phrases = sorted({term for t in topic_map.walk() for term in t.rules.terms if " " in term})
    glue = [" ", " ", " ", "-", ", ", ". ", "\n", " (", ") ", " – ", "/"]
    rng = random.Random(20240601)
    regexes = {t.id: _reference_regex(t) for t in topic_map.walk()}
    hits = 0
    for n in range(400):
        parts = []
        for _ in range(rng.randint(3, 40)):
            word = rng.choice(vocab)
            if rng.random() < 0.3:  # a whole phrase, perhaps hyphenated or cut short
                words = rng.choice(phrases).rstrip("*").split(" ")
                if rng.random() < 0.2:
                    words = words[:-1] or words
                word = "".join(w + rng.choice([" ", "-", " ", "\n"]) for w in words).strip()
            if rng.random() < 0.15:
                word += rng.choice(["s", "ed", "al", "ing"])
            if rng.random() < 0.1:
                word = word.upper()
            parts += [word, rng.choice(glue)]
        title = "".join(parts)
        rec = fictional(100 + n, title=title)
        expected = [tid for tid, rx in regexes.items() if rx.search(title.lower())]
        assert topic_map.topics_for(rec) == expected, title
        hits += bool(expected)
    assert hits > 200  # the comparison is about matches, not only about misses
