"""kg.sparql_results: answers written by pyoxigraph's serializer (counted as written) and row by row
here must agree, and both must stop at the row and byte caps, saying so in the body."""

from __future__ import annotations

import json

import pyoxigraph as ox
import pytest

from kg.sparql_results import NativeRows, serialize_result
from kg.web.protocol_formats import RESULT_FORMATS

EX = "http://example.org/"
JSON, XML = (next(f for f in RESULT_FORMATS if f.key == key) for key in ("json", "xml"))
# Literals made to look like the row boundaries the native count looks for.
TRICKY = ['a,{"x":{"type":"uri"', "{}", '[{"s":{"type":"', "<result>", "line\nbreak\r\n", 'q"uo\\te', "é ☃"]


@pytest.fixture(scope="module")
def store():
    store = ox.Store()
    for n, text in enumerate(TRICKY):
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal(text)))
        store.add(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}q"), ox.Literal(str(n), language="en")))
    return store


def both(store, query, fmt, max_rows=10_000, max_bytes=50_000_000):
    """(row writer's answer, native answer) to `query`."""
    rows = serialize_result(store.query(query), fmt, max_rows, max_bytes)
    native = serialize_result(store.query(query), fmt, max_rows, max_bytes, again=lambda: store.query(query))
    return rows, native


QUERIES = [
    "SELECT ?s ?o ?none WHERE { ?s ?p ?o OPTIONAL { ?s <http://nowhere/> ?none } } ORDER BY ?s ?o",
    "SELECT * WHERE { {} UNION {} UNION { ?s ?p ?o } } ORDER BY ?s ?p ?o",  # rows with no binding: {}
    "SELECT ?x WHERE { FILTER(false) }",
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_json_is_the_same_bytes_either_way(store, query):
    rows, native = both(store, query, JSON)
    assert native == rows
    json.loads(native.body)


def parsed(body: bytes, fmt) -> list[list]:
    return [list(solution) for solution in ox.parse_query_results(body, format=fmt.results)]


@pytest.mark.parametrize("query", QUERIES)
def test_xml_holds_every_value_exactly(store, query):
    """pyoxigraph's XML escapes more than the row writer (a carriage return as &#13;, which an XML
    parser would otherwise turn into a line feed): it must give back exactly the values queried."""
    _, native = both(store, query, XML)
    assert parsed(native.body, XML) == [list(solution) for solution in store.query(query)]
    assert native.truncated is False


@pytest.mark.parametrize("fmt", [JSON, XML], ids=["json", "xml"])
@pytest.mark.parametrize("max_rows", [1, 2, 3, len(TRICKY) * 2 - 1, len(TRICKY) * 2])
def test_the_row_cap_cuts_exactly_whatever_the_values_say(store, fmt, max_rows):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    rows, native = both(store, query, fmt, max_rows=max_rows)
    assert native.truncated is rows.truncated is (max_rows < len(TRICKY) * 2)
    expected = [list(solution) for solution in store.query(query)][:max_rows]
    assert parsed(native.body, fmt) == expected
    if fmt is JSON:  # the same bytes as the row writer's, cut or not
        assert native == rows
    elif native.truncated:  # pyoxigraph's XML, cut, with the note where the row writer puts it
        assert b"<!-- This answer was cut" in native.body.split(b"<head>")[0]


def test_rows_with_no_binding_count_as_rows(store):
    query = "SELECT * WHERE { {} UNION {} UNION {} }"
    rows, native = both(store, query, JSON, max_rows=2)
    assert native == rows and native.truncated
    answer = json.loads(native.body)
    assert answer["results"]["bindings"] == [{}, {}] and answer["truncated"] is True


@pytest.mark.parametrize("fmt", [JSON, XML], ids=["json", "xml"])
def test_the_byte_cap_cuts_and_the_answer_says_so(store, fmt):
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?s ?o"
    full = serialize_result(store.query(query), fmt, 10_000, 50_000_000)
    cap = len(full.body) - 10
    rows, native = both(store, query, fmt, max_bytes=cap)
    assert native.truncated and rows.truncated and len(native.body) <= cap
    assert parsed(native.body, fmt) == [list(s) for s in store.query(query)][:len(parsed(native.body, fmt))]
    if fmt is JSON:  # the row writer counts characters, this cut bytes: the same where they agree
        assert len(parsed(native.body, fmt)) <= len(parsed(rows.body, fmt))


def test_one_row_over_the_byte_cap_gives_an_empty_answer_that_says_so():
    """A GROUP_CONCAT too large for the cap: no row fits; the answer is evaluated once and says it is cut."""
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal("x" * 1000)) for n in range(200))
    query = "SELECT (GROUP_CONCAT(?o) AS ?all) WHERE { ?s ?p ?o }"
    evaluations = []
    def again():
        evaluations.append(1)
        return store.query(query)
    for fmt in (JSON, XML):
        native = serialize_result(store.query(query), fmt, 10_000, 50_000, again=again)
        assert native.truncated and parsed(native.body, fmt) == [] and len(native.body) < 50_000
    assert json.loads(native.body if fmt is JSON else serialize_result(
        store.query(query), JSON, 10_000, 50_000, again=again).body)["truncated"] is True
    assert evaluations == []


def test_the_sink_stops_the_serializer_at_the_caps(store):
    """Over a cap, pyoxigraph's serializer is stopped at the next chunk, not run to the end."""
    big = ox.Store()
    big.extend(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal("x" * 50)) for n in range(5000))
    for max_rows, max_bytes in ((10, 10**9), (10**6, 20_000)):
        sink = NativeRows("json", max_rows, max_bytes)
        with pytest.raises(Exception):
            big.query("SELECT * WHERE { ?s ?p ?o }").serialize(sink, ox.QueryResultsFormat.JSON)
        assert sink.size < 40_000


def test_rdf_star_terms_are_not_counted_as_rows():
    store = ox.Store()
    query = ('SELECT ?x ?y WHERE { VALUES ?n { 1 2 3 } BIND(<<( <http://a> <http://b> ?n )>> AS ?x) '
             'BIND(<<( <http://a> <http://b> <<( <http://a> <http://b> ?n )>> )>> AS ?y) }')
    for max_rows in (2, 3):
        rows, native = both(store, query, JSON, max_rows=max_rows)
        assert native == rows and native.truncated is (max_rows == 2)
        assert len(json.loads(native.body)["results"]["bindings"]) == max_rows


def test_over_the_row_cap_the_native_answer_is_cut_without_a_second_evaluation():
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{n}"), ox.NamedNode(f"{EX}p"), ox.Literal(f"v{n}")) for n in range(500))
    query = "SELECT ?s ?o WHERE { ?s ?p ?o } ORDER BY ?o"
    evaluations = []
    native = serialize_result(store.query(query), JSON, 100, 50_000_000,
                              again=lambda: evaluations.append(1) or store.query(query))
    assert evaluations == [] and native == serialize_result(store.query(query), JSON, 100, 50_000_000)
    assert len(json.loads(native.body)["results"]["bindings"]) == 100 and native.truncated
