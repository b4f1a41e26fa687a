"""Human pages in process on the real build: browse counts, home statistics, the source reader's anchors,
the /sparql page's examples and negotiation, HTML errors for browsers and JSON for the rest."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8"


@pytest.fixture(scope="module")
def app(built):
    from kg.web import create_app

    return create_app(built)


@pytest.fixture(scope="module")
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def catalog(app):
    from kg.web.state import state_of

    return state_of(app).catalog


def html(client, path, status=200):
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def test_browse_counts_are_those_of_the_graph(client, catalog):
    page = html(client, "/browse")
    people = sum(1 for e in catalog.entities.values() if "Person" in e.all_types)
    assert re.search(rf'<a href="/browse/people">People</a> <span class="count">{people}</span>', page)
    assert f'<span class="count">{len(catalog.claims)}</span>' in page  # claims by status, all of them
    listed = re.findall(r'<li><a href="(/person/[^"]+)"><strong>', html(client, "/browse/people"))
    assert len(listed) == people == 12


def test_home_statistics_are_live(app, client, catalog):
    page = html(client, "/")
    alleged = sum(1 for c in catalog.claims if c.status == "alleged")
    assert f'<a href="/browse/statuses/alleged"><strong>{alleged}</strong> alleged</a>' in page
    assert f"{len(catalog.claims)} claims, by how well they are supported" in page
    for target in ("/browse", "/source/article", "/sparql", "/download"):
        assert f'href="{target}"' in page
    from kg.web.site import page_exists

    for target in ("/timeline", "/network", "/paths"):  # i14b's pages: linked once they exist, never before
        assert (f'<h3><a href="{target}">' in page) == page_exists(app, target)


def test_status_index_lists_every_claim_of_that_status_with_its_quote(client, catalog):
    page = html(client, "/browse/statuses/denied")
    denied = [c for c in catalog.claims if c.status == "denied"]
    assert page.count("<blockquote>") == len(denied) >= 1
    for claim in denied:
        assert f'href="/{claim.id}"' in page


def test_events_index_marks_undated_events(client, catalog):
    page = html(client, "/browse/events")
    undated = [e for e in catalog.entities.values() if e.is_event and not e.date and not e.not_before
               and not e.not_after]
    assert undated
    assert page.count('<span class="pill">') >= len(undated)  # each is placed by a relation or marked undated


def test_source_reader_highlights_every_quote_with_an_anchor(client, catalog, built):
    page = html(client, "/source/article.html")
    anchors = set(re.findall(r'<span id="(q-\d+-\d+)" class="anchor">', page))
    expected = {f"q-{c.start}-{c.end}" for c in catalog.claims if c.source == "source/article"}
    assert anchors == expected
    article = built.article_path.read_text(encoding="utf-8")
    marked = "".join(re.findall(r'<mark class="quote"[^>]*><a [^>]*>([^<]*)</a></mark>', page))
    assert "Flynn spoke with Russian ambassador Sergey Kislyak" in marked.replace("&#39;", "'")
    assert len(article) > 9000


def test_prefers_html_only_for_browsers():
    from kg.web.protocol_request import SparqlRequest
    from kg.web.sparql_page import prefers_html

    def asks(accept, formats=()):
        environ = {"REQUEST_METHOD": "GET", **({"HTTP_ACCEPT": accept} if accept is not None else {})}
        return prefers_html(environ, SparqlRequest("description", format_params=list(formats)))

    assert asks(BROWSER)
    assert asks("text/html")
    assert not asks(None) and not asks("*/*") and not asks("text/turtle")
    assert not asks("application/sparql-results+xml, text/html;q=0.5")
    assert not asks("text/turtle, text/html")  # a tie goes to the protocol
    assert asks("*/*", ["html"]) and not asks(BROWSER, ["json"])


def test_sparql_page_offers_runnable_examples_and_marks_federated_ones(client):
    page = html(client, "/sparql")
    links = re.findall(r'<a class="example" href="([^"]+)" data-name="([^"]+)"', page)
    names = {name for _, name in links}
    assert {"meetings", "claims-by-status", "who-reported-what"} <= names
    assert not any(name.startswith("federation-") for name in names)
    assert page.count("needs federation") == 3
    for href, name in links:
        query = parse_qs(urlparse(href.replace("&amp;", "&")).query)["query"][0]
        response = client.get("/sparql", query_string={"query": query},
                              headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, name  # every offered example really runs


def test_sparql_results_page_errors_keep_the_protocol_status(client):
    assert "Query syntax error" in html(client, "/sparql?query=SELEC", status=400)
    service = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    response = client.get("/sparql", query_string={"query": service}, headers={"Accept": BROWSER})
    assert response.status_code == 403 and "SERVICE" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/people", "/search/x", "/browse/nothing", "/person/nobody"])
def test_browsers_get_html_404_and_json_clients_json(client, path):
    page = html(client, path, status=404)
    assert "<h1>Not found</h1>" in page and 'id="site-search"' in page
    response = client.get(path, headers={"Accept": "application/json"})
    assert response.status_code == 404 and response.json["status"] == 404


def test_browsers_get_an_html_405_and_api_stays_json(client):
    response = client.post("/browse", headers={"Accept": BROWSER})
    assert response.status_code == 405 and response.mimetype == "text/html"
    assert "GET" in response.headers["Allow"]
    api = client.get("/api/nothing", headers={"Accept": BROWSER})
    assert api.status_code == 404 and api.mimetype == "application/json"


def test_vendored_libraries_are_served_and_pinned(client):
    for path, version in (("/static/vendor/yasgui/yasgui.min.js", "@zazuko/yasgui@4.6.2"),
                          ("/static/vendor/cytoscape/cytoscape.min.js", "cytoscape@3.35.0")):
        response = client.get(path)
        assert response.status_code == 200 and len(response.data) > 100_000
        folder = path.rsplit("/", 1)[0]
        assert client.get(folder + "/VERSION").get_data(as_text=True).strip() == version
        assert "MIT" in client.get(folder + "/LICENSE").get_data(as_text=True)
    page = html(client, "/sparql")
    assert not re.search(r'(src|href)="https?://', re.sub(r'<a [^>]*>', "", page)), "a page loads something remote"


def test_every_entity_has_a_reading_page_with_its_label_and_statuses(client, catalog):
    import html as html_module

    for entity in catalog.entities.values():
        page = html_module.unescape(html(client, f"/{entity.id}.html"))
        assert f"<h1>{entity.label}</h1>" in page, entity.id
        for status in entity.statuses:
            assert f"status-{status}" in page, (entity.id, status)
