"""The home page (kg.web.home): what the dataset is, the graphs and their sizes, and the way to everything;
the named queries and the example query now live on the /sparql page for browsers (issue 14)."""

from __future__ import annotations

import html
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from kg.query import named_queries
from kg.web import create_app


@pytest.fixture(scope="module")
def client(built):
    return create_app(built).test_client()


@pytest.fixture(scope="module")
def page(client):
    response = client.get("/", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def links(page: str) -> list[str]:
    return [html.unescape(href) for href in re.findall(r'href="([^"]+)"', page)]


def test_home_names_the_endpoint_and_the_graphs_with_their_sizes(built, built_store, page):
    assert f"<code>{built.base}sparql</code>" in page
    for name in ("asserted", "inferred", "ontology"):
        size = sum(1 for q in built_store if q.graph_name.value == built.graph(name))
        assert f'<tr><td><code>{built.graph(name)}</code></td><td class="num">{size}</td></tr>' in page
    assert f'<tr><td>total</td><td class="num">{len(built_store)}</td></tr>' in page


@pytest.fixture(scope="module")
def sparql_page(client):
    response = client.get("/sparql", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    return response.get_data(as_text=True)


def test_every_named_query_is_listed_and_its_link_answers(built, client, page, sparql_page):
    assert 'href="/sparql"' in page
    page = sparql_page
    queries = {q.title: q for q in named_queries(built)}
    federated = [q for q in queries.values() if "SERVICE" in q.text]
    sparql_links = [link for link in links(page) if link.startswith("/sparql?")]
    assert len(sparql_links) == len(queries) - len(federated)  # SERVICE ones are shown, not linked
    for query in queries.values():
        assert query.title in html.unescape(page)
    for link in sparql_links:
        if "SERVICE" in parse_qs(urlsplit(link).query)["query"][0]:
            continue  # the federation examples ask Wikidata: no network in tests
        response = client.get(link, headers={"Accept": "application/sparql-results+json"})
        assert response.status_code == 200, link
        assert response.get_json()["results"]["bindings"], f"{link}: no rows on the real data"


def test_the_example_query_of_the_form_runs_and_finds_meetings(built, client, sparql_page):
    example = html.unescape(re.search(r'<textarea [^>]*name="query"[^>]*>(.*?)</textarea>', sparql_page, re.S).group(1))
    response = client.get("/sparql", query_string={"query": example, "format": "json"})
    assert response.status_code == 200
    labels = {row["label"]["value"] for row in response.get_json()["results"]["bindings"]}
    assert labels and all(label for label in labels)


def test_every_other_link_of_the_home_page_answers(client, page):
    for link in links(page):
        if link.startswith("/") and not link.startswith("/sparql?"):
            response = client.get(link, follow_redirects=True)
            assert response.status_code == 200, link
