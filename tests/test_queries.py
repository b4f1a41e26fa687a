"""Every named query has a header and a golden answer, checked by reading, that it still gives.

To update a golden answer after a deliberate data change: `python tests/update_golden.py NAME`,
then READ the diff of tests/golden/NAME.json before committing it.
"""

import json
from pathlib import Path

import pytest

from rdflib import RDFS, Graph

from kg.config import from_env
from kg.errors import KgError
from kg.link import read_mappings, report
from kg.query import about, find_query, named_queries, run

GOLDEN = Path(__file__).parent / "golden"
QUERIES = named_queries(from_env(environ={}))
COMPETENCY = [q for q in QUERIES if not q.name.startswith("federation-")]


def test_there_are_competency_queries():
    assert len(COMPETENCY) >= 8


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q.name)
def test_every_query_has_a_header(query):
    for key in ("title", "description", "parameters"):
        assert query.header.get(key), f"{query.path.name}: no '# {key}:' line"


def answer(config, store, query, params=None):
    rows, variables = run(config, query.text_for(config), params, store=store)
    return {"variables": variables, "rows": rows}


@pytest.mark.parametrize("query", COMPETENCY, ids=lambda q: q.name)
def test_query_gives_its_golden_answer(built, built_store, query):
    golden = GOLDEN / f"{query.name}.json"
    assert golden.exists(), f"no golden answer: run python tests/update_golden.py {query.name} and read it"
    assert answer(built, built_store, query) == json.loads(golden.read_text(encoding="utf-8"))


def query_named(name):
    (query,) = [q for q in QUERIES if q.name == name]
    return query


def test_parameter_narrows_meetings_to_one_person(built, built_store):
    rows = answer(built, built_store, query_named("meetings"), {"person": "http://127.0.0.1:8000/person/james-comey"})["rows"]
    assert [r["meetingLabel"] for r in rows] == ["Comey and Trump allegedly meet for a private meal"]
    assert rows[0]["status"] == "alleged"


def test_parameter_changes_whose_chain_of_events(built, built_store):
    rows = answer(built, built_store, query_named("flynn-chain"), {"person": "http://127.0.0.1:8000/person/sally-yates"})["rows"]
    labels = {r["eventLabel"] for r in rows}
    assert "Trump fires Sally Yates" in labels
    assert not any("Flynn dismissed" == label for label in labels)


def test_a_parameter_value_cannot_change_the_query(built, built_store):
    with pytest.raises(KgError, match="not a valid IRI"):
        answer(built, built_store, query_named("meetings"), {"person": "http://x> } . ?s ?p ?o {"})


def test_an_unknown_parameter_is_refused(built, built_store):
    with pytest.raises(KgError, match="no parameter"):
        answer(built, built_store, query_named("meetings"), {"outlet": "http://127.0.0.1:8000/org/reuters"})


def test_a_failing_service_call_or_a_binary_query_file_is_a_clear_error(built, built_store, tmp_path):
    unreachable = "SELECT * WHERE { SERVICE <http://127.0.0.1:1/sparql> { ?s ?p ?o } }"
    with pytest.raises(KgError, match="query could not run"):
        run(built, unreachable, store=built_store)
    binary = tmp_path / "binary.rq"
    binary.write_bytes(b"\x9f\xa4\x00SELECT")
    with pytest.raises(KgError, match="not UTF-8") as caught:
        find_query(built, str(binary))
    assert caught.value.file == str(binary)


# Issue 10, point 17: a --param value that names no node is refused, never run as a silent empty query.
def test_a_parameter_names_a_node_by_iri_angle_iri_id_slug_or_label(built, built_store):
    meetings = query_named("meetings")
    expected = answer(built, built_store, meetings, {"person": "http://127.0.0.1:8000/person/donald-trump"})
    assert len(expected["rows"]) == 2  # the Oval Office meeting, and the alleged meal with its status
    for value in ("<http://127.0.0.1:8000/person/donald-trump>", "person/donald-trump", "donald-trump",
                  "Donald Trump", "donald trump"):
        assert answer(built, built_store, meetings, {"person": value}) == expected, value


@pytest.mark.parametrize("value, message", [
    ("trump", r"names no node.*did you mean: .*person/donald-trump \(Donald Trump\)"),
    ("http://127.0.0.1:8000/person/donald-trum", r"no node <http://127.0.0.1:8000/person/donald-trum> in the graph"),
    ("white-house", r"names 2 nodes: .*org/white-house.*place/white-house"),
])
def test_a_parameter_that_names_no_node_or_several_is_refused(built, built_store, value, message):
    with pytest.raises(KgError, match=message):
        answer(built, built_store, query_named("meetings"), {"person": value})


# Issue 10, point 15: what the article says about X, and who says it, in one query.
def test_about_lists_each_passage_once_with_status_outlet_and_who_says_it(built, built_store):
    rows, variables = about(built, "Donald Trump", store=built_store)
    assert variables == ["passage", "supports", "status", "reportedBy", "accordingTo", "position"]
    passages = [r["passage"] for r in rows]
    assert len(passages) == len(set(passages))
    assert [int(r["position"]) for r in rows] == sorted(int(r["position"]) for r in rows)
    by_passage = {r["passage"]: r for r in rows}
    memo = by_passage["Trump went to Comey, according to a memo Comey wrote, asking him to shut down the Russia investigation"]
    assert memo["status"] == "alleged" and memo["accordingTo"] == "Comey's memo"
    # the article in its own voice is named, never left blank
    assert all(r.get("accordingTo") for r in rows)
    fired = by_passage["Former FBI Director James Comey\u00a0was fired in May 2017 by President Trump."]
    assert fired["accordingTo"] == "the article itself" and "reportedBy" not in fired


def test_about_merges_an_allegation_with_what_it_alleges(built, built_store):
    rows, _ = about(built, "jared-kushner", store=built_store)
    (wapo,) = [r for r in rows if r["passage"].startswith("According to the Washington Post")]
    assert wapo["supports"].startswith("reported: Senior intelligence officials allege")
    assert "alleged: Kushner allegedly asks a Russian official" in wapo["supports"]
    assert wapo["reportedBy"] == "The Washington Post"
    assert not any(r["passage"].startswith("senior intelligence officials alleged") for r in rows)


@pytest.mark.parametrize("text, hint", [
    ("SELEC * WHERE {", "The query starts with 'SELEC' (did you mean SELECT?), which is not a query form"),
    ("PREFIX kg: <http://127.0.0.1:8000/ontology#>\n", "The query has no query form"),
    ("SELECT * WHERE { ?s ?p ?o ", "The query ends with 1 bracket"),
])
def test_a_syntax_error_says_where_and_what_would_help(built, built_store, text, hint):
    """Issue 10: not only the parser's "expected CONSTRUCT"."""
    with pytest.raises(KgError, match="query does not parse: error at") as caught:
        run(built, text, store=built_store)
    assert hint in str(caught.value)


def void_of(config) -> Graph:
    return Graph().parse(config.build_dir / "downloads" / "void.ttl", format="turtle")


def test_one_count_of_wikidata_links_everywhere_it_is_shown(built, built_store):
    """Issue 10: kg link --report, the wikidata-links query and VoID's linksets gave 28, 31 and 29."""
    mapping_rows = len(read_mappings(built))
    query_rows = len(answer(built, built_store, query_named("wikidata-links"))["rows"])
    header = report(built).splitlines()[0]
    reported = int(header.split()[1])
    linkset_triples = sum(int(row.n) for row in void_of(built).query(
        "PREFIX void: <http://rdfs.org/ns/void#> SELECT ?n WHERE { ?l a void:Linkset ; void:triples ?n }"))
    assert mapping_rows == query_rows == reported == linkset_triples, (mapping_rows, query_rows, header, linkset_triples)


def test_entities_per_class_are_counted_one_way_in_the_build_summary_and_in_void(built):
    """Issue 10: VoID said Event 83 (inferred types included), the build 18 (asserted, most specific)."""
    summary = json.loads((built.build_dir / "manifest.json").read_text(encoding="utf-8"))["entities_per_class"]
    void = void_of(built)
    partitions = {str(row.c).split("#")[1]: int(row.n) for row in void.query(
        "PREFIX void: <http://rdfs.org/ns/void#> SELECT ?c ?n WHERE { ?d void:classPartition [ void:class ?c ; void:entities ?n ] }")}
    assert summary == partitions
    assert summary["Event"] > summary["Meeting"] + summary["Statement"]  # subclasses counted in
    assert any("inferred types included" in str(o) for o in void.objects(None, RDFS.comment))
