"""The endpoint's one handler (kg.web.sparql.SparqlEndpoint) answers every kind of request to /sparql.

The cases below were answered by two code paths before the handler was made one (a WSGI fast
path for GET and a Flask view for the rest), and a differential test kept those byte-identical.
Their answers (status, headers but Date, Last-Modified and X-Request-Id, body with blank-node
labels normalised), for the first request and a repeat (answer cache miss, then hit), with and
without CORS, were recorded from that code into tests/golden/sparql-endpoint-cases.json; the one
handler must keep giving them. (Changes on purpose: a 204 to OPTIONS no longer carries a
Content-Type, as it has no body; since issue 10 a syntax error's message ends with a hint of ours,
"The query ends with 1 bracket ... left open.") Regenerate with `python tests/test_sparql_endpoint.py` only
after reading what changed.
"""

from __future__ import annotations

import json
import logging
import re
import sys

import pytest
from werkzeug.test import Client

from conftest import TESTS
from kg.config import DataFile, from_env
from kg.query_engine import QueryTimeout
from kg.web import create_app
from kg.web.state import state_of
from test_sparql_protocol import EX, GRAPHS, NAMES, PEOPLE

GOLDEN = TESTS / "golden" / "sparql-endpoint-cases.json"

DEEP = "SELECT * WHERE " + "{ " * 80 + "?s ?p ?o" + " }" * 80
HUGE = "SELECT * WHERE { ?s ?p ?o } # " + "x" * 200_000
ETAG_LATER = "later"  # placeholder: replaced by the ETag of the case's first answer

CASES = {
    "select, no Accept": dict(query=NAMES),
    "select, Accept any": dict(query=NAMES, headers={"Accept": "*/*"}),
    "select, Accept XML": dict(query=NAMES, headers={"Accept": "application/sparql-results+xml"}),
    "select, Accept CSV with q": dict(query=NAMES, headers={"Accept": "text/csv;q=0.9, text/html;q=0.1"}),
    "select, Accept TSV": dict(query=NAMES, headers={"Accept": "text/tab-separated-values"}),
    "select, format=json": dict(query=NAMES, params={"format": "json"}, headers={"Accept": "text/csv"}),
    "select, format=xml": dict(query=NAMES, params={"format": "xml"}),
    "select, format unknown": dict(query=NAMES, params={"format": "bogus"}),
    "select, nothing acceptable": dict(query=NAMES, headers={"Accept": "image/png"}),
    "ask": dict(query="ASK { ?s ?p ?o }"),
    "construct, Turtle": dict(query="CONSTRUCT WHERE { ?s ?p ?o }", headers={"Accept": "text/turtle"}),
    "construct, format=nt": dict(query="CONSTRUCT WHERE { ?s ?p ?o }", params={"format": "nt"}),
    "construct, results format": dict(query="CONSTRUCT WHERE { ?s ?p ?o }",
                                      headers={"Accept": "application/sparql-results+json"}),
    "If-None-Match current": dict(query=NAMES, headers={"If-None-Match": ETAG_LATER}),
    "If-None-Match star": dict(query=NAMES, headers={"If-None-Match": "*"}),
    "If-None-Match other": dict(query=NAMES, headers={"If-None-Match": '"other"'}),
    "If-Modified-Since later": dict(query=NAMES, headers={"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
    "If-Modified-Since earlier": dict(query=NAMES, headers={"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}),
    "default-graph-uri": dict(query="SELECT ?o WHERE { ?s ?p ?o }", params={"default-graph-uri": EX + "g1"}),
    "named-graph-uri": dict(query="SELECT ?g ?o WHERE { GRAPH ?g { ?s ?p ?o } }",
                            params={"named-graph-uri": EX + "g2"}),
    "bad graph IRI": dict(query=NAMES, params={"default-graph-uri": "not an iri"}),
    "syntax error": dict(query="SELECT * WHERE {"),
    "SERVICE": dict(query="SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"),
    "deep nesting": dict(query=DEEP),
    "update as query": dict(query="INSERT DATA { <http://e/s> <http://e/p> 1 }"),
    "update parameter": dict(query=None, params={"update": "INSERT DATA { <http://e/s> <http://e/p> 1 }"}),
    "two queries": dict(query=None, raw_query_string="query=ASK%7B%7D&query=ASK%7B%7D"),
    "bad percent-encoding": dict(query=None, raw_query_string="query=%FF%FE"),
    "huge query": dict(query=HUGE),
    "unicode": dict(query='SELECT ("héllo wörld ☃ 𝄞" AS ?x) WHERE {}'),
    "volatile": dict(query="SELECT (STRLEN(STR(RAND())) > 0 AS ?x) WHERE {}"),
    "HEAD": dict(query=NAMES, method="HEAD"),
    "HEAD, syntax error": dict(query="ASK {", method="HEAD"),
    "OPTIONS": dict(query=NAMES, method="OPTIONS"),
    "CORS Origin": dict(query=NAMES, headers={"Origin": "http://elsewhere.example"}),
    "trailing slash": dict(query=NAMES, path="/sparql/"),
    "service description": dict(query=None),
    "graph read": dict(query=None, params={"default": ""}),
    "POST form": dict(query=NAMES, method="POST"),
}


def send(wsgi_app, case: dict, if_none_match: str | None = None):
    headers = dict(case.get("headers", {}))
    if headers.get("If-None-Match") == ETAG_LATER:
        headers["If-None-Match"] = if_none_match or '"none yet"'
    method = case.get("method", "GET")
    params = {**({"query": case["query"]} if case["query"] is not None else {}), **case.get("params", {})}
    options = {"data": params} if method == "POST" else {"query_string": case.get("raw_query_string", params)}
    response = Client(wsgi_app).open(case.get("path", "/sparql"), method=method, headers=headers, **options)
    response.close()
    return response


def comparable(response) -> list:
    assert response.headers.get("X-Request-Id")
    body = response.get_data()
    # Each app loads its own store, and blank node labels (up to 32 hex digits) differ between loads.
    normalized = re.sub(rb"[0-9a-f]{24,32}", b"BNODE", body)
    headers = []
    for name, value in response.headers:
        if name.lower() in ("date", "x-request-id", "last-modified"):
            continue
        if name.lower() == "content-length" and body:
            assert value == str(len(body))
            value = str(len(normalized))
        headers.append((name.lower(), value))
    return [response.status_code, sorted([list(pair) for pair in headers]), normalized.decode("utf-8", "replace")]



def answers(make, name: str, cors: bool) -> list:
    app = make(PEOPLE, GRAPHS, cors=cors, max_rows=3)
    etag = send(make(PEOPLE, GRAPHS).wsgi_app, dict(query=NAMES)).headers["ETag"]
    return [comparable(send(app.wsgi_app, CASES[name], etag)) for _ in range(2)]  # miss, then hit


@pytest.mark.parametrize("cors", [True, False], ids=["cors", "no-cors"])
@pytest.mark.parametrize("name", list(CASES))
def test_endpoint_answers_as_recorded(make_app, name, cors):
    golden = json.loads(GOLDEN.read_text())
    assert answers(make_app, name, cors) == golden[f"{cors}:{name}"]


@pytest.mark.parametrize("method, options, status", [
    ("GET", {"query_string": {"query": NAMES}}, 200),
    ("POST", {"data": NAMES, "content_type": "application/sparql-query"}, 200),
    ("POST", {"data": {"query": NAMES}}, 200),
    ("HEAD", {"query_string": {"query": NAMES}}, 200),
    ("OPTIONS", {}, 204),
    ("PUT", {"data": "x"}, 405),
    ("DELETE", {}, 405),
    ("TRACE", {}, 405),
    ("PROPFIND", {}, 405),
])
def test_every_method_on_sparql_is_answered_by_the_one_handler(make_app, method, options, status):
    app = make_app(PEOPLE)
    app.wsgi_app.app.flask = None  # any hand-over to Flask would fail
    response = Client(app.wsgi_app).open("/sparql", method=method, **options)
    assert response.status_code == status
    assert response.headers["X-Request-Id"]
    if status == 405:
        assert response.headers["Allow"] == "GET, POST, HEAD, OPTIONS"
        assert response.mimetype == "text/plain"


def test_a_store_error_is_evaluated_once_and_answered_500_without_traceback(make_app, caplog):
    calls = []

    class BrokenStore:
        def query(self, *args, **kwargs):
            calls.append(args)
            raise RuntimeError("secret internal detail")

    app = make_app(PEOPLE)
    state_of(app).engine.store = BrokenStore()
    with caplog.at_level(logging.INFO, logger="kg.web"):
        response = send(app.wsgi_app, dict(query="ASK {}"))
    assert response.status_code == 500 and response.mimetype == "text/plain"
    assert b"secret" not in response.get_data() and b"Traceback" not in response.get_data()
    assert any(response.headers["X-Request-Id"] in r.getMessage() and r.exc_info for r in caplog.records)
    assert len(calls) == 1  # not evaluated a second time by another code path


def test_timeout_is_503_and_retires_the_worker_after_the_response(make_app, monkeypatch):
    app = make_app(PEOPLE)
    state = state_of(app)
    retired = []
    state.retire_worker = lambda: retired.append(True)

    def overrun(job):
        raise QueryTimeout(job.limits.timeout, retire_process=True)

    monkeypatch.setattr(state.engine, "evaluate", overrun)
    response = send(app.wsgi_app, dict(query="ASK {}"))
    assert response.status_code == 503 and response.headers["Retry-After"] == "1"
    assert retired == [True]


def test_protocol_errors_are_logged_with_the_request_id(make_app, caplog):
    app = make_app(PEOPLE)
    with caplog.at_level(logging.INFO, logger="kg.web"):
        response = send(app.wsgi_app, dict(query="ASK {"))
    assert response.status_code == 400
    assert any(response.headers["X-Request-Id"] in r.getMessage() and "400" in r.getMessage()
               for r in caplog.records)


if __name__ == "__main__":  # re-record the golden answers (read the diff before committing it)
    def make(*data, **settings):  # as conftest's make_app: the embedded engine
        settings.setdefault("engine", "embedded")
        return create_app(from_env(environ={}, data_files=tuple(DataFile.parse(str(d)) for d in data), **settings))

    recorded = {f"{cors}:{name}": answers(make, name, cors) for cors in (True, False) for name in CASES}
    GOLDEN.write_text(json.dumps(recorded, indent=1, sort_keys=True, ensure_ascii=False))
    sys.exit(0)
