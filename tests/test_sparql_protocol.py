"""The SPARQL 1.1 Protocol at /sparql, in process (Flask test client): every status code,
content negotiation, datasets, caching, CORS, the service description and graph reads."""

from __future__ import annotations

import json
import logging
import re
from urllib.parse import quote

import pyoxigraph as ox
import pytest

from conftest import DATA
from kg.web.state import state_of

PEOPLE = DATA / "sparql" / "people.ttl"
GRAPHS = DATA / "sparql" / "graphs.trig"
EX = "http://example.org/"
SD = "http://www.w3.org/ns/sparql-service-description#"
VOID = "http://rdfs.org/ns/void#"
NAMES = "SELECT ?name WHERE { ?s <http://xmlns.com/foaf/0.1/name> ?name } ORDER BY ?name"


@pytest.fixture
def app(make_app):
    return make_app(PEOPLE, GRAPHS)


@pytest.fixture
def client(app):
    return app.test_client()


def get(client, query, headers=None, **params):
    return client.get("/sparql", query_string={"query": query, **params}, headers=headers or {})


def json_values(response, var):
    return [b[var]["value"] for b in response.get_json(force=True)["results"]["bindings"] if var in b]


# --- the three ways to send a query --------------------------------------------------------
def test_get_query(client):
    response = get(client, NAMES)
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert json_values(response, "name") == ["Alice", "Alicia", "Bob"]


def test_post_form(client):
    response = client.post("/sparql", data={"query": NAMES})
    assert response.status_code == 200
    assert json_values(response, "name") == ["Alice", "Alicia", "Bob"]


def test_post_direct(client):
    response = client.post("/sparql", data=NAMES, content_type="application/sparql-query")
    assert response.status_code == 200
    assert json_values(response, "name") == ["Alice", "Alicia", "Bob"]


def test_trailing_slash_is_the_same_endpoint(client):
    assert json_values(client.get("/sparql/", query_string={"query": NAMES}), "name") == ["Alice", "Alicia", "Bob"]


# --- datasets --------------------------------------------------------------------------------
ALL_P = f"SELECT ?o WHERE {{ ?s <{EX}p> ?o }} ORDER BY ?o"


def test_default_graph_is_union_of_all_graphs(client):
    assert json_values(get(client, ALL_P), "o") == ["in g1", "in g2"]


def test_from_selects_the_default_graph(client):
    query = f"SELECT ?o FROM <{EX}g1> WHERE {{ ?s <{EX}p> ?o }}"
    assert json_values(get(client, query), "o") == ["in g1"]


def test_default_graph_uri_overrides_from(client):
    query = f"SELECT ?o FROM <{EX}g1> WHERE {{ ?s <{EX}p> ?o }}"
    assert json_values(get(client, query, **{"default-graph-uri": f"{EX}g2"}), "o") == ["in g2"]


def test_named_graph_uri_limits_graph_patterns_and_empties_default(client):
    query = f"SELECT ?g ?o WHERE {{ {{ GRAPH ?g {{ ?s <{EX}p> ?o }} }} UNION {{ ?s <{EX}p> ?o }} }}"
    response = get(client, query, **{"named-graph-uri": f"{EX}g1"})
    assert json_values(response, "g") == [f"{EX}g1"]
    assert json_values(response, "o") == ["in g1"]


def test_bad_graph_iri_is_400(client):
    response = get(client, "ASK {}", **{"default-graph-uri": "not an iri"})
    assert response.status_code == 400
    assert "default-graph-uri" in response.get_data(as_text=True)


# --- content negotiation ----------------------------------------------------------------------
@pytest.mark.parametrize("accept,media_type", [
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.5, application/sparql-results+xml;q=0.9", "application/sparql-results+xml"),
    ("text/html, */*;q=0.1", "text/html"),  # a browser: the results page (issue 14), not a download
    ("*/*", "application/sparql-results+json"),
    ("application/sparql-results+json, text/html;q=0.5", "application/sparql-results+json"),
    ("application/json", "application/sparql-results+json"),
])
def test_select_negotiation(client, accept, media_type):
    response = get(client, NAMES, headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == media_type


@pytest.mark.parametrize("accept,media_type", [
    (None, "text/turtle"),
    ("application/n-triples", "application/n-triples"),
    ("application/rdf+xml", "application/rdf+xml"),
    ("application/ld+json", "application/ld+json"),
    ("application/trig", "application/trig"),
    ("application/n-quads", "application/n-quads"),
    ("application/rdf+xml;q=0.2, text/turtle;q=0.8", "text/turtle"),
])
def test_construct_negotiation(client, accept, media_type):
    query = f"CONSTRUCT {{ ?s <{EX}p> ?o }} WHERE {{ ?s <{EX}p> ?o }}"
    response = get(client, query, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200
    assert response.mimetype == media_type
    fmt = ox.RdfFormat.from_media_type(media_type)
    parsed = {str(q.object) for q in ox.parse(response.data, format=fmt)}
    assert parsed == {'"in g1"', '"in g2"'}


def test_describe_answers_rdf(client):
    response = get(client, f"DESCRIBE <{EX}bob>", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert f"<{EX}bob> <http://xmlns.com/foaf/0.1/name> \"Bob\"" in response.get_data(as_text=True)


@pytest.mark.parametrize("fmt,media_type", [("json", "application/sparql-results+json"),
                                            ("xml", "application/sparql-results+xml"),
                                            ("csv", "text/csv"), ("tsv", "text/tab-separated-values")])
def test_format_parameter_wins_over_accept(client, fmt, media_type):
    response = get(client, NAMES, headers={"Accept": "application/sparql-results+json"}, format=fmt)
    assert response.mimetype == media_type


def test_format_parameter_on_construct_means_rdf(client):
    response = get(client, "CONSTRUCT WHERE { ?s ?p ?o }", format="xml")
    assert response.mimetype == "application/rdf+xml"


def test_406_when_nothing_acceptable(client):
    response = get(client, NAMES, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "application/sparql-results+json" in response.get_data(as_text=True)


def test_406_for_a_results_format_on_a_graph_query(client):
    assert get(client, "CONSTRUCT WHERE { ?s ?p ?o }", headers={"Accept": "text/csv"}).status_code == 406
    assert get(client, "CONSTRUCT WHERE { ?s ?p ?o }", format="csv").status_code == 406


def test_ask_in_json_and_xml(client):
    assert get(client, f"ASK {{ <{EX}alice> ?p ?o }}").get_json(force=True)["boolean"] is True
    xml = get(client, "ASK { <http://nowhere/> ?p ?o }", format="xml").get_data(as_text=True)
    assert "<boolean>false</boolean>" in xml


# --- our result serializers agree with pyoxigraph's --------------------------------------------
ALL_TERMS = "SELECT ?s ?p ?o ?missing WHERE { ?s ?p ?o OPTIONAL { ?s <http://nowhere/> ?missing } }"


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_serialized_rows_parse_back_to_the_same_solutions(client, app, fmt):
    response = get(client, ALL_TERMS, format=fmt)
    results_format = ox.QueryResultsFormat.from_media_type(response.mimetype)
    ours = {tuple(map(str, (row["s"], row["p"], row["o"]))) for row in ox.parse_query_results(response.data, results_format)}
    store = state_of(app).dataset.store
    expected = {tuple(map(str, (r["s"], r["p"], r["o"]))) for r in store.query(ALL_TERMS, use_default_graph_as_union=True)}
    blank = lambda rows: {tuple(t if not t.startswith("_:") else "_" for t in row) for row in rows}  # noqa: E731
    assert blank(ours) == blank(expected)
    assert len(ours) == len(expected) == 12


def test_csv_quotes_commas_quotes_and_newlines(client):
    response = get(client, f"SELECT ?note WHERE {{ ?s <{EX}note> ?note }}", format="csv")
    assert response.data == b'note\r\n"a ""quoted"", comma\nand a\ttab"\r\n'


# --- errors ------------------------------------------------------------------------------------
def test_syntax_error_is_400_with_line_and_column(client):
    response = get(client, "SELECT * WHERE {\n  ?s ?p ?o\n  FILTER(\n}")
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert re.search(r"error at 4:\d+: expected", response.get_data(as_text=True))


def test_a_misspelt_query_form_gets_a_hint_not_only_expected_construct(client):
    """Issue 10: pyoxigraph says only "expected CONSTRUCT" for `SELEC * WHERE {`."""
    response = get(client, "SELEC * WHERE { ?s ?p ?o }")
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "error at 1:" in text
    assert "The query starts with 'SELEC' (did you mean SELECT?)" in text
    assert "SELECT, CONSTRUCT, ASK or DESCRIBE" in text


def test_two_queries_is_400(client):
    response = client.get("/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D")
    assert response.status_code == 400


def test_empty_direct_query_is_400(client):
    assert client.post("/sparql", data=" ", content_type="application/sparql-query").status_code == 400


def test_form_post_without_query_is_400(client):
    assert client.post("/sparql", data={"format": "json"}).status_code == 400


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", None])
def test_unsupported_body_type_is_415(client, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = client.post("/sparql", data=b"ASK {}", headers=headers)
    assert response.status_code == 415


def test_non_utf8_charset_is_415_and_bad_bytes_400(client):
    utf16 = client.post("/sparql", data="ASK {}".encode("utf-16"),
                        content_type="application/sparql-query; charset=UTF-16")
    assert utf16.status_code == 415
    latin1 = client.post("/sparql", data="ASK { ?s ?p \"café\" }".encode("latin-1"),
                         content_type="application/sparql-query")
    assert latin1.status_code == 400
    bad_form = client.post("/sparql", data=b"query=ASK%20%7B%E9%7D", content_type="application/x-www-form-urlencoded")
    assert bad_form.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "TRACE", "PROPFIND"])
def test_other_methods_are_405_with_allow(client, method):
    response = client.open("/sparql?query=ASK%20%7B%7D", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].split(", ")) == {"GET", "POST", "HEAD", "OPTIONS"}
    assert response.mimetype == "text/plain" and method in response.get_data(as_text=True)


def test_405_elsewhere_keeps_the_json_shape(client):
    response = client.open("/", method="TRACE")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405


def test_oversized_body_is_413(make_app):
    client = make_app(PEOPLE, max_body_bytes=1000).test_client()
    query = "ASK {} #" + "x" * 2000
    assert client.post("/sparql", data=query, content_type="application/sparql-query").status_code == 413
    assert client.post("/sparql", data={"query": query}).status_code == 413


@pytest.mark.parametrize("send", [
    lambda c: c.get("/sparql?update=CLEAR%20ALL"),
    lambda c: c.post("/sparql", data={"update": "CLEAR ALL"}),
    lambda c: c.post("/sparql", data="CLEAR ALL", content_type="application/sparql-update"),
    lambda c: c.post("/sparql", data=f"INSERT DATA {{ <{EX}x> <{EX}y> <{EX}z> }}", content_type="application/sparql-query"),
    lambda c: c.get("/sparql", query_string={"query": "PREFIX ex: <http://e/> DELETE WHERE { ?s ?p ?o }"}),
    lambda c: c.get("/sparql", query_string={"query": "LOAD <file:///etc/passwd>"}),
])
def test_updates_are_refused_and_change_nothing(client, app, send):
    store = state_of(app).dataset.store
    before = len(store)
    response = send(client)
    assert response.status_code == 403
    assert "read-only" in response.get_data(as_text=True)
    assert len(store) == before


def test_unexpected_error_is_500_plain_text_without_traceback_and_logged(client, app, caplog):
    class BrokenStore:
        def query(self, *args, **kwargs):
            raise RuntimeError("secret internal detail")

    state_of(app).engine.store = BrokenStore()
    with caplog.at_level(logging.INFO, logger="kg.web"):
        response = get(client, "ASK {}")
    assert response.status_code == 500
    # The SPARQL protocol route answers every error in plain text, this one too.
    assert response.mimetype == "text/plain"
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "secret" not in text
    request_id = response.headers["X-Request-Id"]
    assert request_id in text
    assert any(request_id in record.getMessage() and record.exc_info for record in caplog.records)


def test_protocol_errors_are_logged_with_request_id(client, caplog):
    with caplog.at_level(logging.INFO, logger="kg.web"):
        response = get(client, "ASK {")
    assert any(response.headers["X-Request-Id"] in r.getMessage() and "400" in r.getMessage() for r in caplog.records)


# --- limits ----------------------------------------------------------------------------------
def test_row_cap_truncates_and_says_so(make_app):
    client = make_app(PEOPLE, max_rows=2).test_client()
    response = get(client, "SELECT * WHERE { ?s ?p ?o }")
    assert response.status_code == 200
    assert len(response.get_json(force=True)["results"]["bindings"]) == 2
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert response.headers["X-SPARQL-MaxRows"] == "2"
    graph = get(client, "CONSTRUCT WHERE { ?s ?p ?o }", format="nt")
    triples, note = graph.data.splitlines()[:2], graph.data.splitlines()[2:]
    assert all(b" <http" in line for line in triples)
    assert len(list(ox.parse(graph.data, format=ox.RdfFormat.N_TRIPLES))) == 2  # the note is a comment
    assert graph.headers["X-SPARQL-Truncated"] == "true"
    assert note[0].startswith(b"# This answer was cut") and b"limit of 2 rows" in note[0]


@pytest.mark.parametrize("fmt,parse", [
    ("json", lambda body: json.loads(body)), ("xml", lambda body: ox.parse_query_results(body, format=ox.QueryResultsFormat.XML)),
])
def test_a_cut_answer_says_so_in_its_body_and_stays_valid(make_app, fmt, parse):
    client = make_app(PEOPLE, max_rows=2).test_client()
    response = get(client, "SELECT * WHERE { ?s ?p ?o }", format=fmt)
    parse(response.data)
    assert b"This answer was cut at this endpoint's limit of 2 rows" in response.data
    if fmt == "json":
        assert json.loads(response.data)["truncated"] is True
    assert list(ox.parse_query_results(response.data, format=getattr(ox.QueryResultsFormat, fmt.upper())))
    rdfxml = get(client, "CONSTRUCT WHERE { ?s ?p ?o }", format="rdf")
    assert len(list(ox.parse(rdfxml.data, format=ox.RdfFormat.RDF_XML))) == 2 and b"<!-- This answer" in rdfxml.data


def test_an_uncut_answer_has_no_note(client):
    assert b"truncated" not in get(client, NAMES).data


def test_untruncated_results_carry_no_flag(client):
    assert "X-SPARQL-Truncated" not in get(client, NAMES).headers


def test_byte_cap_truncates(make_app):
    client = make_app(PEOPLE, max_result_bytes=400).test_client()
    response = get(client, "SELECT * WHERE { ?s ?p ?o }")
    assert len(response.data) <= 400
    assert response.headers["X-SPARQL-Truncated"] == "true"
    assert json.loads(response.data)["truncated"] is True  # still a complete document, saying it is cut


def test_one_value_larger_than_the_byte_cap_is_said_in_the_body(make_app):
    client = make_app(PEOPLE, max_result_bytes=2000).test_client()
    big = 'SELECT (GROUP_CONCAT(?x) AS ?all) WHERE { ?s ?p ?o . ?a ?b ?c . ?d ?e ?f BIND("0123456789" AS ?x) }'
    answer = json.loads(get(client, big).data)
    assert answer["results"]["bindings"] == [] and answer["truncated"] is True and "2000 bytes" in answer["message"]
    graph = get(client, 'CONSTRUCT { ?s <http://e/p> ?x } WHERE { ?s ?p ?o . ?a ?b ?c BIND(STR(?c) AS ?x) }',
                format="ttl")
    assert len(graph.data) <= 2000 and graph.data.rstrip().endswith(b"to get all of it.")
    ox.parse(graph.data, format=ox.RdfFormat.TURTLE)


# --- HTTP: HEAD, OPTIONS, CORS, caching -------------------------------------------------------
def test_head_has_headers_and_no_body(client):
    response = client.head("/sparql", query_string={"query": NAMES})
    assert response.status_code == 200
    assert response.mimetype == "application/sparql-results+json"
    assert response.data == b""


def test_options_preflight_and_cors(client):
    response = client.options("/sparql", headers={"Origin": "https://example.net",
                                                 "Access-Control-Request-Method": "POST"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    assert get(client, NAMES).headers["Access-Control-Allow-Origin"] == "*"


def test_cors_can_be_turned_off(make_app):
    client = make_app(PEOPLE, cors=False).test_client()
    assert "Access-Control-Allow-Origin" not in get(client, NAMES).headers


def test_etag_and_304(client):
    first = get(client, NAMES)
    etag = first.headers["ETag"]
    assert etag and first.headers["Last-Modified"]
    again = get(client, NAMES, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    assert again.headers["ETag"] == etag
    other_format = get(client, NAMES, headers={"If-None-Match": etag, "Accept": "text/csv"})
    assert other_format.status_code == 200
    since = get(client, NAMES, headers={"If-Modified-Since": first.headers["Last-Modified"]})
    assert since.status_code == 304


def test_etag_changes_with_the_data(make_app):
    one = get(make_app(PEOPLE).test_client(), NAMES).headers["ETag"]
    two = get(make_app(PEOPLE, GRAPHS).test_client(), NAMES).headers["ETag"]
    assert one != two


def test_post_is_not_cached(client):
    response = client.post("/sparql", data={"query": NAMES})
    assert "ETag" not in response.headers


# --- the per-worker answer cache ----------------------------------------------------------------
def test_repeated_query_is_served_from_the_cache(client):
    first, second = get(client, NAMES), get(client, NAMES)
    assert (first.headers["X-Cache"], second.headers["X-Cache"]) == ("miss", "hit")
    assert second.data == first.data
    assert second.headers["ETag"] == first.headers["ETag"]
    assert second.headers["Access-Control-Allow-Origin"] == "*"
    assert second.headers["X-Request-Id"] != first.headers["X-Request-Id"]


def test_cached_answers_still_follow_negotiation(client):
    get(client, NAMES)  # cached as JSON
    csv = get(client, NAMES, headers={"Accept": "text/csv"})
    assert csv.mimetype == "text/csv" and csv.headers["X-Cache"] == "miss"
    assert csv.get_data(as_text=True).splitlines() == ["name", "Alice", "Alicia", "Bob"]
    xml = get(client, NAMES, format="xml")
    assert xml.mimetype == "application/sparql-results+xml" and xml.headers["X-Cache"] == "miss"
    assert get(client, NAMES, headers={"Accept": "text/csv"}).headers["X-Cache"] == "hit"


def test_cached_answers_still_answer_conditional_requests(client):
    etag = get(client, NAMES).headers["ETag"]
    assert get(client, NAMES).headers["X-Cache"] == "hit"
    again = get(client, NAMES, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b"" and again.headers["ETag"] == etag


def test_a_repeated_request_gets_the_stored_response_with_every_header(client):
    """The third identical GET is answered by StoredAnswers (no parsing): the same bytes and the
    same headers as the full path's hit, security headers included, and a request id of its own."""
    first, second, third = get(client, NAMES), get(client, NAMES), get(client, NAMES)
    assert third.data == second.data == first.data
    without_id = lambda r: sorted((k, v) for k, v in r.headers.items() if k != "X-Request-Id")  # noqa: E731
    assert without_id(third) == without_id(second)
    assert third.headers["X-Content-Type-Options"] == "nosniff" and third.headers["X-Cache"] == "hit"
    assert len({r.headers["X-Request-Id"] for r in (first, second, third)}) == 3


def test_stored_responses_follow_the_raw_request(client):
    """Another Accept, another dataset, HEAD, a conditional request: each answered as the full path would."""
    get(client, NAMES), get(client, NAMES)
    csv = get(client, NAMES, headers={"Accept": "text/csv"})
    assert csv.mimetype == "text/csv" and csv.get_data(as_text=True).splitlines() == ["name", "Alice", "Alicia", "Bob"]
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    get(client, query), get(client, query)
    only_g1 = get(client, query, **{"default-graph-uri": EX + "g1"})
    assert json_values(only_g1, "o") == ["in g1"]
    for _ in range(2):
        head = client.head("/sparql", query_string={"query": NAMES})
        assert head.status_code == 200 and head.data == b""
        assert int(head.headers["Content-Length"]) == len(get(client, NAMES).data)
    etag = get(client, NAMES).headers["ETag"]
    assert get(client, NAMES, headers={"If-None-Match": etag}).status_code == 304


def test_a_build_found_damaged_while_serving_gets_no_stored_response(client, monkeypatch):
    from kg.web.dataset import Dataset

    get(client, NAMES), get(client, NAMES)  # stored
    monkeypatch.setattr(Dataset, "damage", property(lambda self: "damaged build: test reason"))
    refused = get(client, NAMES)
    assert refused.status_code == 503 and "integrity check" in refused.text


def test_errors_and_volatile_answers_are_never_stored(client):
    for _ in range(3):
        assert get(client, "SELECT * WHERE {").status_code == 400
    query = "SELECT (RAND() AS ?r) WHERE {}"
    answers = [json_values(get(client, query), "r") for _ in range(3)]
    assert len({tuple(a) for a in answers}) == 3


def test_cache_keys_include_the_protocol_dataset(client):
    query = "SELECT ?o WHERE { ?s ?p ?o }"
    everything = get(client, query)
    only_g1 = get(client, query, **{"default-graph-uri": EX + "g1"})
    assert only_g1.headers["X-Cache"] == "miss"
    assert json_values(only_g1, "o") == ["in g1"] != json_values(everything, "o")


def test_posted_queries_share_the_cache_but_carry_no_validators(client):
    get(client, NAMES)
    response = client.post("/sparql", data={"query": NAMES})
    assert response.headers["X-Cache"] == "hit" and "ETag" not in response.headers


def test_volatile_queries_are_not_cached(client):
    query = "SELECT (RAND() AS ?r) WHERE {}"
    first, second = get(client, query), get(client, query)
    assert first.headers["X-Cache"] == second.headers["X-Cache"] == "miss"
    assert json_values(first, "r") != json_values(second, "r")


def test_errors_and_truncation_survive_the_cache(make_app):
    client = make_app(PEOPLE, max_rows=2).test_client()
    for status in ("miss", "hit"):
        response = get(client, "SELECT * WHERE { ?s ?p ?o }")
        assert response.headers["X-Cache"] == status
        assert response.headers["X-SPARQL-Truncated"] == "true"
        assert get(client, "SELECT * WHERE {").status_code == 400


def test_cache_can_be_turned_off(make_app):
    client = make_app(PEOPLE, response_cache_bytes=0).test_client()
    assert "X-Cache" not in get(client, NAMES).headers
    assert "X-Cache" not in get(client, NAMES).headers


def test_cache_stays_within_its_byte_budget():
    from kg.sparql_results import Serialized
    from kg.web.protocol_cache import ResultCache

    cache = ResultCache(max_bytes=800)
    for n in range(20):
        cache.put(("q", n), Serialized(b"x" * 90))
    assert len(cache) == 8 and cache.get(("q", 0)) is None and cache.get(("q", 19)) is not None
    cache.put(("big",), Serialized(b"x" * 200))  # over 1/8 of the budget: not kept
    assert cache.get(("big",)) is None


# --- service description --------------------------------------------------------------------
def sd_graph(response) -> list[ox.Triple]:
    return list(ox.parse(response.data, format=ox.RdfFormat.from_media_type(response.mimetype)))


def objects(triples, subject, predicate):
    return [t.object for t in triples if t.subject == subject and t.predicate == ox.NamedNode(predicate)]


def test_service_description(client):
    response = client.get("/sparql")
    assert response.status_code == 200 and response.mimetype == "text/turtle"
    triples = sd_graph(response)
    service = next(t.subject for t in triples if t.predicate == ox.NamedNode(SD + "endpoint"))
    assert objects(triples, service, SD + "endpoint") == [ox.NamedNode("http://localhost/sparql")]
    assert ox.NamedNode(SD + "SPARQL11Query") in objects(triples, service, SD + "supportedLanguage")
    assert ox.NamedNode("http://www.w3.org/ns/formats/SPARQL_Results_CSV") in objects(triples, service, SD + "resultFormat")
    dataset = objects(triples, service, SD + "defaultDataset")[0]
    default = objects(triples, dataset, SD + "defaultGraph")[0]
    assert objects(triples, default, VOID + "triples")[0].value == "12"  # 10 in people.ttl + 2 in graphs.trig
    names = {objects(triples, n, SD + "name")[0].value for n in objects(triples, dataset, SD + "namedGraph")}
    assert names == {f"{EX}g1", f"{EX}g2"}


@pytest.mark.parametrize("accept", ["application/rdf+xml", "application/ld+json", "application/n-triples"])
def test_service_description_is_negotiated(client, accept):
    response = client.get("/sparql", headers={"Accept": accept})
    assert response.mimetype == accept
    assert any(t.predicate == ox.NamedNode(SD + "endpoint") for t in sd_graph(response))


def test_service_description_406(client):
    assert client.get("/sparql", headers={"Accept": "text/csv"}).status_code == 406


# --- graph store protocol, reads ----------------------------------------------------------------
def test_graph_read(client):
    response = client.get(f"/sparql?graph={quote(EX + 'g1', safe='')}", headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    assert response.get_data(as_text=True) == f'<{EX}s1> <{EX}p> "in g1" .\n'


def test_default_graph_read_is_the_union(client):
    response = client.get("/sparql?default", headers={"Accept": "application/n-triples"})
    assert len(response.data.splitlines()) == 12


def test_missing_graph_is_404(client):
    assert client.get("/sparql?graph=http%3A%2F%2Fnowhere%2F").status_code == 404
    assert client.head("/sparql?graph=http%3A%2F%2Fnowhere%2F").status_code == 404


def test_service_description_ignores_a_malformed_host_header(client):
    response = client.get("/sparql", headers={"Accept": "text/turtle", "Host": "a b"})
    assert response.status_code == 200
    assert "<http://127.0.0.1:8000/sparql>" in response.get_data(as_text=True)
    assert "http:///sparql" not in response.get_data(as_text=True)
