"""Every named query has a header and a golden answer, checked by reading, that it still gives.

To update a golden answer after a deliberate data change: `python tests/update_golden.py NAME`,
then READ the diff of tests/golden/NAME.json before committing it.
"""

import json
from pathlib import Path

import pytest

from kg.config import from_env
from kg.errors import KgError
from kg.query import find_query, named_queries, run

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
