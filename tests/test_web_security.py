"""Security headers on every response, a strict CSP on HTML pages, no user input echoed unescaped,
compressed request bodies refused (kg.web.security, kg.web.protocol_request)."""

from __future__ import annotations

import pytest

from conftest import DATA
from kg.web.security import CONTENT_SECURITY_POLICY

PEOPLE = DATA / "sparql" / "people.ttl"
SCRIPT = "<script>alert(1)</script>"


@pytest.fixture(scope="module")
def client():
    from kg.config import DataFile, from_env
    from kg.web import create_app

    return create_app(from_env(environ={}, data_files=(DataFile(PEOPLE),), engine="embedded")).test_client()


@pytest.mark.parametrize("path", ["/", "/download", "/person/nobody-at-all"])
def test_html_pages_get_the_policy(client, path):
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.mimetype == "text/html"
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in CONTENT_SECURITY_POLICY.split("script-src")[1].split(";")[0]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_no_inline_script_in_our_pages(client):
    """The policy forbids inline scripts: our pages must not need any."""
    for path in ("/", "/download"):
        page = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        for chunk in page.split("<script")[1:]:
            assert "src=" in chunk.split(">")[0], f"{path} has an inline script"


@pytest.mark.parametrize("path,params", [
    ("/sparql", {"query": SCRIPT}),  # a syntax error quoting the query
    ("/sparql", {"query": "ASK {}", "default-graph-uri": SCRIPT}),
    ("/sparql", {"graph": SCRIPT}),
])
def test_protocol_errors_never_echo_the_input_unescaped(client, path, params):
    plain = client.get(path, query_string=params, headers={"Accept": "application/sparql-results+json"})
    assert plain.status_code == 400 and plain.mimetype == "text/plain"  # shown as text, never as a page
    assert plain.headers["X-Content-Type-Options"] == "nosniff"
    page = client.get(path, query_string=params, headers={"Accept": "text/html,*/*"})
    assert page.status_code == 400 and page.headers["X-Content-Type-Options"] == "nosniff"
    if page.mimetype == "text/html":  # the browsers' error page: the query appears escaped
        assert SCRIPT.encode() not in page.data
        assert page.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY


def test_html_error_pages_escape_what_the_user_sent(client):
    response = client.get(f"/person/{SCRIPT}", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert SCRIPT.encode() not in response.data


def test_json_errors_are_json(client):
    response = client.get(f"/person/{SCRIPT}", headers={"Accept": "application/json"})
    assert response.mimetype == "application/json" and response.get_json()["status"] == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("encoding", ["gzip", "deflate", "br"])
def test_compressed_bodies_are_refused(client, encoding):
    response = client.post("/sparql", data=b"\x1f\x8b\x08\x00", content_type="application/sparql-query",
                           headers={"Content-Encoding": encoding})
    assert response.status_code == 415 and "uncompressed" in response.get_data(as_text=True)


def test_identity_encoding_is_fine(client):
    response = client.post("/sparql", data=b"ASK {}", content_type="application/sparql-query",
                           headers={"Content-Encoding": "identity"})
    assert response.status_code == 200
