"""kg.remote_store without a store: endpoint defaults per kind, credentials, Digest, release IRIs."""

from __future__ import annotations

import hashlib

import pytest

from kg.errors import KgError
from kg.remote_store import _digest_header, _parse_challenge, _shown, endpoints, stored_graph_iri
from kg.sparql_scan import QueryRejected, dataset_clauses, graph_references


@pytest.mark.parametrize("kind,query,update,gsp", [
    ("oxigraph", "http://h:7878/query", "http://h:7878/update", "http://h:7878/store"),
    ("virtuoso", "http://h:8890/sparql", "http://h:8890/sparql", "http://h:8890/sparql-graph-crud"),
    ("fuseki", "http://h:3030/kg/sparql", "http://h:3030/kg/update", "http://h:3030/kg/data"),
    ("fuseki", "http://h:3030/kg/query", "http://h:3030/kg/update", "http://h:3030/kg/data"),
    ("generic", "http://h/q", None, None),
])
def test_endpoint_defaults_per_kind(kind, query, update, gsp):
    store = endpoints(kind, query, environ={})
    assert (store.update, store.gsp) == (update, gsp)


def test_virtuoso_with_a_user_writes_to_the_authenticated_endpoints_and_knows_its_cap():
    store = endpoints("virtuoso", "http://h:8890/sparql", user="kgpub", environ={"KG_STORE_PASSWORD": "pw"})
    assert (store.update, store.gsp, store.graph_param, store.max_rows) == (
        "http://h:8890/sparql-auth", "http://h:8890/sparql-graph-crud-auth", "graph-uri", 10_000)
    assert "pw" not in repr(store)


def test_explicit_endpoints_win_and_bad_urls_are_refused():
    store = endpoints("oxigraph", "http://h/query", update="http://u/up", gsp="http://g/gsp", environ={})
    assert (store.update, store.gsp) == ("http://u/up", "http://g/gsp")
    with pytest.raises(KgError, match="no user or password in the URL"):
        endpoints("oxigraph", "http://me:secret@h/query", environ={})
    with pytest.raises(KgError, match="not an http"):
        endpoints("oxigraph", "file:///etc/passwd", environ={})
    with pytest.raises(KgError, match="KG_STORE_PASSWORD"):
        endpoints("virtuoso", "http://h/sparql", user="kgpub", environ={})
    with pytest.raises(KgError, match="choose one of"):
        endpoints("mystore", "http://h/sparql", environ={})


def test_digest_response_follows_rfc_7616():
    challenge = _parse_challenge('Digest realm="virtuoso", nonce="abc", qop="auth", opaque="xyz"')
    header = _digest_header(challenge, "kgpub", "pw", "POST", "/sparql-auth", "00000001")
    fields = dict(part.strip().split("=", 1) for part in header[len("Digest "):].split(", "))
    cnonce = fields["cnonce"].strip('"')
    ha1 = hashlib.md5(b"kgpub:virtuoso:pw").hexdigest()
    ha2 = hashlib.md5(b"POST:/sparql-auth").hexdigest()
    expected = hashlib.md5(f"{ha1}:abc:00000001:{cnonce}:auth:{ha2}".encode()).hexdigest()
    assert fields["response"] == f'"{expected}"' and fields["opaque"] == '"xyz"' and "pw" not in header


def test_urls_are_shown_without_credentials():
    assert _shown("http://h:1/sparql?graph=x") == "http://h:1/sparql"


def test_release_graph_iris():
    base = "http://kg.test/"
    assert stored_graph_iri(base, base + "graph/asserted", "R1") == base + "graph/asserted/release/R1"
    other = stored_graph_iri(base, "http://elsewhere/g", "R1")
    assert other.startswith(base + "graph/g-") and other.endswith("/release/R1")
    assert stored_graph_iri(base, None, "R1") == base + "graph/default/release/R1"


def test_graph_references_in_queries():
    query = 'PREFIX g: <http://g/> BASE <http://b/> SELECT * FROM g:one FROM NAMED <two> WHERE { GRAPH <three> ' \
            '{ ?s ?p "GRAPH <four>" } GRAPH ?x {} GRAPH g:five {} }'
    assert [(k, iri) for k, _, _, iri in graph_references(query, "http://base/")] == [
        ("FROM", "http://g/one"), ("FROM NAMED", "http://b/two"), ("GRAPH", "http://b/three"),
        ("GRAPH", "http://g/five")]
    assert dataset_clauses(query, "http://base/") == (["http://g/one"], ["http://b/two"])
    with pytest.raises(QueryRejected):
        dataset_clauses("SELECT * FROM ?x WHERE {}", "http://base/")
