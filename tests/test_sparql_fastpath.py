"""The WSGI fast path (kg.web.fastpath) answers exactly as the Flask view does.

Each case sends the same requests to two fresh apps: one through the fast path (the app as
served), one straight to Flask's own wsgi_app (the path the fast path hands over to). Status,
headers (but Date and X-Request-Id, which differ by design) and body must be the same, for the
first request and for a repeat (answer cache miss, then hit).
"""

from __future__ import annotations

import logging
import re

import pytest
from werkzeug.test import Client

from kg.sparql_eval import QueryTimeout
from test_sparql_protocol import EX, GRAPHS, NAMES, PEOPLE

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


def comparable(response) -> tuple:
    assert response.headers.get("X-Request-Id")
    body = response.get_data()
    # Each app loads its own store, and blank node labels (up to 32 hex digits) differ between loads.
    normalized = re.sub(rb"[0-9a-f]{24,32}", b"BNODE", body)
    headers = []
    for name, value in response.headers:
        if name.lower() in ("date", "x-request-id"):
            continue
        if name.lower() == "content-length" and body:
            assert value == str(len(body))
            value = str(len(normalized))
        headers.append((name.lower(), value))
    return response.status_code, sorted(headers), normalized


@pytest.mark.parametrize("cors", [True, False], ids=["cors", "no-cors"])
@pytest.mark.parametrize("name", list(CASES))
def test_fast_path_answers_as_flask_does(make_app, name, cors):
    case = CASES[name]
    fast, flask = (make_app(PEOPLE, GRAPHS, cors=cors, max_rows=3) for _ in range(2))
    etag = send(make_app(PEOPLE, GRAPHS).wsgi_app, dict(query=NAMES)).headers["ETag"]
    for _ in range(2):  # the second time from the answer cache, when cacheable
        assert comparable(send(fast.wsgi_app, case, etag)) == comparable(send(flask.wsgi_app.flask, case, etag))


def test_the_fast_path_is_installed_and_used(make_app, monkeypatch):
    app = make_app(PEOPLE)
    monkeypatch.setattr(app.wsgi_app, "flask", None)  # any hand-over to Flask would fail
    assert send(app.wsgi_app, dict(query=NAMES)).status_code == 200


def test_timeout_is_503_and_retires_on_both_paths(make_app, monkeypatch):
    def overrun(work, timeout):
        raise QueryTimeout("overran")

    monkeypatch.setattr("kg.web.protocol_answer.run_with_timeout", overrun)
    answers = []
    for entry in ("fast", "flask"):
        app = make_app(PEOPLE)
        retired = []
        app.config["KG_RETIRE_WORKER"] = lambda: retired.append(True)
        wsgi = app.wsgi_app if entry == "fast" else app.wsgi_app.flask
        answers.append(comparable(send(wsgi, dict(query="ASK {}"))))
        assert retired == [True]
    assert answers[0] == answers[1] and answers[0][0] == 503


def test_unexpected_error_is_the_same_json_500_with_its_traceback_logged(make_app, caplog):
    class BrokenStore:
        def query(self, *args, **kwargs):
            raise RuntimeError("secret internal detail")

    answers = []
    for entry in ("fast", "flask"):
        app = make_app(PEOPLE)
        app.extensions["kg.dataset"].store = BrokenStore()
        wsgi = app.wsgi_app if entry == "fast" else app.wsgi_app.flask
        caplog.clear()
        with caplog.at_level(logging.INFO, logger="kg.web"):
            response = send(wsgi, dict(query="ASK {}"))
        assert any(response.headers["X-Request-Id"] in r.getMessage() and r.exc_info for r in caplog.records)
        assert b"secret" not in response.get_data()
        answers.append(comparable(response)[:2])
    assert answers[0] == answers[1] and answers[0][0] == 500


def test_fast_path_protocol_errors_are_logged_with_the_request_id(make_app, caplog):
    app = make_app(PEOPLE)
    with caplog.at_level(logging.INFO, logger="kg.web"):
        response = send(app.wsgi_app, dict(query="ASK {"))
    assert response.status_code == 400
    assert any(response.headers["X-Request-Id"] in r.getMessage() and "400" in r.getMessage()
               for r in caplog.records)
