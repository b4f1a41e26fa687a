"""Dereferenceable IRIs: 303 from things to documents, 200 for documents, conneg, 404, 304."""

from __future__ import annotations

import http.client
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

FIXTURE = Path(__file__).parent / "data" / "dump" / "dataset.trig"
BASE = "http://127.0.0.1:8000/"
FLYNN = "/person/michael-flynn"
CALL = "/event/2016-12-flynn-kislyak-call"
CLAIM = "/claim/event-2016-12-flynn-kislyak-call-1"
RDFLIB = {"ttl": "turtle", "nt": "nt", "jsonld": "json-ld", "rdf": "xml"}


@pytest.fixture(scope="module")
def client():
    from kg.config import DataFile, from_env
    from kg.web import create_app

    return create_app(from_env(environ={}, data_files=(DataFile(FIXTURE),))).test_client()


@pytest.mark.parametrize("accept, suffix", [
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"),  # a browser
    ("*/*", "html"),
    (None, "html"),
    ("text/turtle", "ttl"),
    ("application/n-triples", "nt"),
    ("application/ld+json", "jsonld"),
    ("application/rdf+xml", "rdf"),
    ("text/turtle;q=0.5, application/ld+json", "jsonld"),
    ("text/turtle; charset=utf-8", "ttl"),
])
def test_thing_iri_answers_303_to_the_negotiated_document(client, accept, suffix):
    response = client.get(FLYNN, headers={"Accept": accept} if accept else {})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"{FLYNN}.{suffix}")
    assert response.headers["Vary"] == "Accept"


@pytest.mark.parametrize("suffix", ["ttl", "nt", "jsonld", "rdf"])
def test_document_by_suffix_is_200_and_describes_the_entity(client, suffix):
    response = client.get(f"{FLYNN}.{suffix}", headers={"Accept": "text/html"})  # the suffix wins
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format=RDFLIB[suffix])
    flynn = URIRef(BASE + FLYNN[1:])
    assert (flynn, URIRef("http://www.w3.org/2000/01/rdf-schema#label"), None) in graph
    assert (flynn, URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"),
            URIRef("http://www.wikidata.org/entity/Q6834757")) in graph
    assert (URIRef(BASE + CALL[1:]), URIRef(BASE + "ontology#agent"), flynn) in graph  # incoming links too
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    assert 'rel="alternate"' in response.headers["Link"]


def test_claim_document_includes_its_quote_selector(client):
    graph = Graph().parse(data=client.get(f"{CLAIM}.ttl").data, format="turtle")
    quotes = list(graph.objects(URIRef(BASE + CLAIM[1:] + "#quote"), URIRef("http://www.w3.org/ns/oa#exact")))
    assert [str(q) for q in quotes] == [
        "In December 2016, before Trump formally took office, Flynn spoke with Russian ambassador Sergey Kislyak."]


def test_event_page_shows_date_participants_status_source_and_quote(client):
    page = client.get(f"{CALL}.html").get_data(as_text=True)
    assert "<h1>Flynn speaks with Kislyak</h1>" in page
    assert "2016-12" in page and "December 2016" in page
    assert f'href="{FLYNN}"' in page and 'href="/person/sergey-kislyak"' in page
    assert 'href="/status/reported"' in page
    assert 'href="/org/reuters"' in page  # reported by
    assert "Flynn spoke with Russian ambassador Sergey Kislyak." in page
    assert 'href="/source/article"' in page


def test_person_page_shows_events_roles_and_wikidata(client):
    page = client.get(f"{FLYNN}.html").get_data(as_text=True)
    assert "National Security Advisor in early 2017." in page
    assert 'href="https://www.wikidata.org/wiki/Q6834757"' in page
    events = page.split('<h2 id="events-heading">Events</h2>', 1)[1].split("</section>", 1)[0]
    assert f'href="{CALL}"' in events and "(agent)" in events and "status-reported" in events


def test_ontology_terms_and_concepts_dereference(client):
    assert client.get("/ontology", headers={"Accept": "text/turtle"}).headers["Location"].endswith("/ontology.ttl")
    page = client.get("/ontology.html").get_data(as_text=True)
    assert 'id="Person"' in page and "A human being named in the source." in page
    ontology = Graph().parse(data=client.get("/ontology.ttl").data, format="turtle")
    assert (URIRef(BASE + "ontology#Person"), None, None) in ontology
    assert client.get("/status/reported").status_code == 303
    assert "Stated as fact" in client.get("/status/reported.html").get_data(as_text=True)
    assert client.get("/status/").headers["Location"].endswith("/status.html")
    assert client.get("/status.html").status_code == 200


def test_graph_iri_redirects_to_the_graph_store_read(client):
    response = client.get("/graph/asserted")
    assert response.status_code == 303
    assert response.headers["Location"].startswith("/sparql?graph=http")
    assert client.get("/graph/nothing").status_code == 404


def test_unknown_iri_is_404_with_a_helpful_page_for_browsers(client):
    response = client.get("/person/michael-flyn", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    page = response.get_data(as_text=True)
    assert f'href="{FLYNN}"' in page  # did you mean
    assert 'href="/sparql"' in page


@pytest.mark.parametrize("path, headers", [
    ("/person/nobody", {"Accept": "text/turtle"}),
    ("/person/nobody.ttl", {}),
    ("/person/michael-flynn.exe", {}),
])
def test_unknown_iri_or_format_is_a_json_404_for_machines(client, path, headers):
    response = client.get(path, headers=headers)
    assert response.status_code == 404
    body = response.get_json()
    assert body["error"] == "not_found" and body["status"] == 404 and body["message"]


def test_unacceptable_accept_is_406(client):
    response = client.get(FLYNN, headers={"Accept": "image/png"})
    assert response.status_code == 406
    assert "text/turtle" in response.get_json()["message"]


def test_conditional_requests_get_304(client):
    first = client.get(f"{FLYNN}.ttl")
    assert client.get(f"{FLYNN}.ttl", headers={"If-None-Match": first.headers["ETag"]}).status_code == 304
    assert client.get(f"{FLYNN}.ttl", headers={"If-Modified-Since": first.headers["Last-Modified"]}).status_code == 304
    other_format = client.get(f"{FLYNN}.nt", headers={"If-None-Match": first.headers["ETag"]})
    assert other_format.status_code == 200


def test_documents_are_stable_bytes_for_a_stable_etag(client):
    assert client.get(f"{FLYNN}.ttl").data == client.get(f"{FLYNN}.ttl").data


def test_served_over_real_http(live_server):
    """The same policy through `kg serve` (gunicorn): HEAD and GET, 303 then 200."""
    server = live_server(FIXTURE)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        connection.request("HEAD", FLYNN, headers={"Accept": "text/turtle"})
        response = connection.getresponse()
        response.read()
        assert response.status == 303 and response.getheader("Location").endswith(".ttl")
        connection.request("GET", response.getheader("Location"))
        response = connection.getresponse()
        body = response.read()
        assert response.status == 200 and b"Michael Flynn" in body
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/person/%FF%FE", "/person/a%00b", "/person/a%20b", "/event/%3Cx%3E.ttl",
                                  "/graph/%FF", "/graph/a%20b"])
@pytest.mark.parametrize("accept", ["text/html", "text/turtle"])
def test_path_that_is_no_iri_is_a_404_not_a_server_error(client, path, accept):
    response = client.get(path, headers={"Accept": accept})
    assert response.status_code == 404
    if response.headers["Content-Type"].startswith("application/json"):
        assert response.get_json()["error"] == "not_found"
    else:
        assert "Not found" in response.get_data(as_text=True)
    assert client.get(FLYNN).status_code == 303


@pytest.mark.parametrize("path", ["/person/.ttl", "/person/.html", "/event/.nt", "/status/.ttl"])
def test_empty_slug_names_nothing(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert client.get("/status.ttl").status_code == 200  # the scheme's own document stays


def test_a_path_with_control_characters_cannot_forge_a_log_line(client, caplog):
    caplog.set_level("INFO", logger="kg.web")
    for path in ("/person/x%0Arequest%20feed:%20GET%20/admin%20-%3E%20200", "/nothing%0D%0Aforged"):
        assert client.get(path, headers={"Accept": "text/turtle"}).status_code == 404
    logged = [r.getMessage() for r in caplog.records if r.name == "kg.web"]
    assert logged and all("\n" not in m and "\r" not in m for m in logged)
    assert any("\\n" in m for m in logged)  # kept, escaped
