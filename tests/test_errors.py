"""One error shape for every error source (as datasette's test_error_shape checks its own).

JSON {"error", "message", "status"} on the API routes, plain text on the SPARQL protocol route,
the HTML 404 page for browsers asking for an entity; always an X-Request-Id, never a traceback.
Each row below is one place in the code that answers an error.
"""

from __future__ import annotations

import pytest

from conftest import DATA
from kg.query_engine import QueryTimeout
from kg.web import home
from kg.web.state import state_of

PERSON = DATA / "web" / "one-person.ttl"
JSON, TEXT, HTML = "application/json", "text/plain", "text/html"


@pytest.fixture(scope="module")
def build_dir(tmp_path_factory):
    """A build directory with a VoID file and SHA256SUMS (no dumps are needed for the errors)."""
    folder = tmp_path_factory.mktemp("build")
    (folder / "downloads").mkdir()
    (folder / "downloads" / "void.ttl").write_text("<http://127.0.0.1:8000/.well-known/void#dataset> "
                                                  "a <http://rdfs.org/ns/void#Dataset> .\n")
    (folder / "downloads" / "SHA256SUMS").write_text("")
    return folder


@pytest.fixture
def app(make_app, build_dir):
    return make_app(PERSON, build_dir=build_dir, max_body_bytes=1000)


def broken_home(app, monkeypatch):
    def fail():
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(home, "indexes", fail)


def broken_store(app, monkeypatch):
    class BrokenStore:
        def query(self, *args, **kwargs):
            raise RuntimeError("secret internal detail")

    state_of(app).engine.store = BrokenStore()


def no_dumps(app, monkeypatch):
    state = state_of(app)
    monkeypatch.setattr(state, "config", state.config.replace(build_dir=state.config.build_dir / "never-built"))


def broken_names(app, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(state_of(app).names, "search", fail)


def overrunning_engine(app, monkeypatch):
    def overrun(job):
        raise QueryTimeout(job.limits.timeout, retire_process=False)

    monkeypatch.setattr(state_of(app).engine, "evaluate", overrun)


SPARQL_QUERY = "application/sparql-query"
# (id, method, path, request options, status, shape, breakage)
SOURCES = [
    # -- API routes: JSON
    ("404 unknown path", "GET", "/no/such/page", {}, 404, JSON, None),
    ("404 entity, RDF asked", "GET", "/person/nobody.ttl", {}, 404, JSON, None),
    ("404 entity, unknown suffix", "GET", "/person/ada-lovelace.png", {}, 404, JSON, None),
    ("404 named graph", "GET", "/graph/nothing", {"headers": {"Accept": "text/turtle"}}, 404, JSON, None),
    ("404 download", "GET", "/download/kg-0.ttl", {}, 404, JSON, None),
    ("404 no dumps written", "GET", "/.well-known/void", {}, 404, JSON, no_dumps),
    ("405 on a page", "POST", "/download", {}, 405, JSON, None),
    ("405 unknown method", "TRACE", "/", {}, 405, JSON, None),
    ("406 entity", "GET", "/person/ada-lovelace", {"headers": {"Accept": "image/png"}}, 406, JSON, None),
    ("406 VoID", "GET", "/.well-known/void", {"headers": {"Accept": "image/png"}}, 406, JSON, None),
    ("416 download range", "GET", "/download/void.ttl", {"headers": {"Range": "bytes=100000-"}}, 416, JSON, None),
    ("500 page", "GET", "/", {}, 500, JSON, broken_home),
    # -- the reconciliation service (/reconcile): JSON too
    ("400 reconcile, bad JSON", "POST", "/reconcile", {"data": {"queries": "{"}}, 400, JSON, None),
    ("400 reconcile, bad query", "GET", "/reconcile", {"query_string": {"queries": '{"q0": {"limit": 0}}'}}, 400,
     JSON, None),
    ("400 reconcile, bad extension", "POST", "/reconcile", {"data": {"extend": "[]"}}, 400, JSON, None),
    ("400 reconcile, bad callback", "GET", "/reconcile", {"query_string": {"callback": "a b"}}, 400, JSON, None),
    ("400 suggest, no prefix", "GET", "/reconcile/suggest/entity", {}, 400, JSON, None),
    ("400 property proposal, no type", "GET", "/reconcile/properties", {}, 400, JSON, None),
    ("404 preview", "GET", "/reconcile/preview", {"query_string": {"id": "person/nobody"}}, 404, JSON, None),
    ("405 reconcile", "PUT", "/reconcile", {}, 405, JSON, None),
    ("413 reconcile", "POST", "/reconcile", {"data": {"queries": "x" * 2000}}, 413, JSON, None),
    ("500 reconcile", "POST", "/reconcile", {"data": {"queries": '{"q0": {"query": "Ada"}}'}}, 500, JSON,
     broken_names),
    # -- browsers asking for an entity nothing describes: the 404 page with suggestions
    ("404 entity, browser", "GET", "/person/ada-lovelac", {"headers": {"Accept": "text/html"}}, 404, HTML, None),
    # -- the SPARQL protocol route: plain text
    ("400 syntax", "GET", "/sparql", {"query_string": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, TEXT, None),
    ("400 no query", "POST", "/sparql", {"data": {"format": "json"}}, 400, TEXT, None),
    ("400 too deep", "GET", "/sparql", {"query_string": {"query": "ASK " + "{" * 100 + "}" * 100}}, 400, TEXT,
     None),
    ("403 update", "POST", "/sparql", {"data": {"update": "CLEAR ALL"}}, 403, TEXT, None),
    ("403 SERVICE", "GET", "/sparql", {"query_string": {"query": "SELECT * { SERVICE <http://e/> { ?s ?p ?o } }"}},
     403, TEXT, None),
    ("405", "PUT", "/sparql", {"data": "x"}, 405, TEXT, None),
    ("406", "GET", "/sparql", {"query_string": {"query": "ASK {}"}, "headers": {"Accept": "image/png"}}, 406, TEXT,
     None),
    ("406 service description", "GET", "/sparql", {"headers": {"Accept": "image/png"}}, 406, TEXT, None),
    ("413", "POST", "/sparql", {"data": "ASK {} #" + "x" * 2000, "content_type": SPARQL_QUERY}, 413, TEXT, None),
    ("415", "POST", "/sparql", {"data": b"ASK {}", "headers": {"Content-Type": "application/json"}}, 415, TEXT,
     None),
    ("500", "GET", "/sparql", {"query_string": {"query": "ASK {}"}}, 500, TEXT, broken_store),
    ("503 time limit", "GET", "/sparql", {"query_string": {"query": "ASK {}"}}, 503, TEXT, overrunning_engine),
]


@pytest.mark.parametrize(("method", "path", "options", "status", "shape", "breakage"),
                         [row[1:] for row in SOURCES], ids=[row[0] for row in SOURCES])
def test_error_shape(app, monkeypatch, method, path, options, status, shape, breakage):
    if breakage:
        breakage(app, monkeypatch)
    response = app.test_client().open(path, method=method, **options)
    body = response.get_data(as_text=True)
    assert response.status_code == status, body
    assert response.mimetype == shape
    assert response.headers.get("X-Request-Id")
    assert "Traceback" not in body and "secret" not in body
    if shape == JSON:
        payload = response.get_json()
        assert set(payload) == {"error", "message", "status"} and payload["status"] == status
        assert payload["error"].isidentifier() and payload["message"]
    elif shape == TEXT:
        assert body.strip() and body.endswith("\n") and not body.lstrip().startswith(("<", "{"))
    else:
        assert "<html" in body.lower() and "ada-lovelace" in body  # the suggestion

