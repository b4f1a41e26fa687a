"""/sparql in Chromium: the YASGUI editor, one-click examples with rows, IRIs to entity pages, share link,
the server-rendered table with JavaScript off; protocol clients still get the protocol."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import requests

from .conftest import PHONE, check_accessibility, screenshot


def test_opening_sparql_gives_the_editor_not_a_download(page, site):
    response = page.goto(site.url("/sparql"))
    assert response.headers["content-type"].startswith("text/html")
    page.locator(".yasqe .CodeMirror").wait_for()
    assert "SELECT ?meeting" in page.evaluate("document.querySelector('.CodeMirror').CodeMirror.getValue()")
    examples = page.locator("aside.examples a.example")
    assert examples.count() >= 9
    federated = page.locator("aside.examples li:has(.pill)")
    assert federated.count() == 3
    assert federated.locator("a").count() == 0  # shown, not offered as links that fail
    check_accessibility(page, exclude=("#yasgui",))
    screenshot(page, "sparql-editor")


def test_example_runs_shows_rows_and_result_iri_opens_the_entity_page(page, site):
    page.goto(site.url("/sparql"))
    page.locator(".yasqe .CodeMirror").wait_for()
    page.get_by_role("link", name="Who met whom", exact=False).first.click()
    rows = page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() >= 3
    share = page.locator("#share-link").get_attribute("href")
    assert "meeting" in parse_qs(urlparse(share).query)["query"][0].lower()
    assert page.url.endswith(share)  # the address bar carries the query too
    screenshot(page, "sparql-results")
    link = page.locator(".yasr tbody a[href^='/event/']").first
    target = link.get_attribute("href")
    link.evaluate("a => a.click()")  # YASR's ellipsis overlay sits over narrow cells; the link is what counts
    page.wait_for_url(f"**{target}*")
    assert page.locator("h1").inner_text()


def test_shared_url_reruns_the_query(page, site):
    query = "SELECT ?p WHERE { ?p a <http://127.0.0.1:8000/ontology#Person> } ORDER BY ?p"
    page.goto(site.url("/sparql?" + requests.compat.urlencode({"query": query})))
    rows = page.locator(".yasr table.dataTable tbody tr")
    rows.first.wait_for()
    assert rows.count() == 12


def test_without_javascript_results_are_a_sortable_paginated_table(browser, site, built_store):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    query = ("SELECT ?claim ?status WHERE { ?claim a <http://127.0.0.1:8000/ontology#Claim> ; "
             "<http://127.0.0.1:8000/ontology#epistemicStatus> ?status }")
    page.goto(site.url("/sparql?" + requests.compat.urlencode({"query": query})))
    claims = len(list(built_store.query(query, use_default_graph_as_union=True)))
    pages = -(-claims // 50)
    table = page.locator("#server-results table")
    assert f"{claims} rows. Page 1 of {pages}." in page.locator("#server-results").inner_text()
    assert table.locator("tbody tr").count() == 50
    page.get_by_role("link", name="?status").click()
    assert page.locator("th[aria-sort=ascending]").inner_text().startswith("?status")
    first = table.locator("tbody tr").first.locator("td").nth(1).inner_text()
    assert first == "status:admitted"  # alphabetical: admitted < alleged < claimed...
    page.get_by_role("link", name="next →").click()
    assert f"Page 2 of {pages}" in page.locator("#server-results").inner_text()
    page.locator("#server-results a[href^='/claim/']").first.click()
    assert "/claim/" in page.url
    page.goto(site.url("/sparql?" + requests.compat.urlencode({"query": query})))
    csv_link = page.get_by_role("link", name="CSV").get_attribute("href")
    response = requests.get(site.url(csv_link), timeout=10)
    assert response.headers["content-type"].startswith("text/csv") and response.text.startswith("claim,status")
    page.set_viewport_size(PHONE)
    screenshot(page, "sparql-nojs-phone")
    context.close()


def test_protocol_clients_are_unaffected(site):
    assert requests.get(site.url("/sparql"), timeout=10).headers["content-type"].startswith("text/turtle")
    answer = requests.get(site.url("/sparql"), params={"query": "ASK {}"},
                          headers={"Accept": "application/sparql-results+json"}, timeout=10)
    assert answer.json() == {"head": {}, "boolean": True}
    xml_browserish = requests.get(site.url("/sparql"), params={"query": "ASK {}"},
                                  headers={"Accept": "application/sparql-results+xml, text/html;q=0.5"}, timeout=10)
    assert xml_browserish.headers["content-type"].startswith("application/sparql-results+xml")
