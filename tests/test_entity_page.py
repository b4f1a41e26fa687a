"""Entity pages on the real build: grouped events naming the other party, date as written, status, nested
quote and outlet; each fact once; undated events placed or marked; the QID once; claims to their place."""

from __future__ import annotations

import re

import pytest


@pytest.fixture(scope="module")
def client(built):
    from kg.web import create_app

    return create_app(built).test_client()


def page(client, path):
    response = client.get(path + ".html")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def section(html, heading_id):
    return html.split(f'id="{heading_id}"', 1)[1].split("</section>", 1)[0]


def test_event_rows_name_the_other_party_with_date_as_written_status_and_quote(client):
    html = page(client, "/person/michael-flynn")
    events = section(html, "events-heading")
    row = events.split('href="/event/2016-12-flynn-kislyak-conversation"', 1)[1].split("</li>", 1)[0]
    assert 'with <a href="/person/sergey-kislyak">Sergey Kislyak</a>' in row
    assert '<span class="date">December 2016</span>' in row
    assert "status-admitted" in row and "status-reported" in row
    assert "Flynn spoke with Russian ambassador Sergey Kislyak" in row  # the quote, nested under the row
    assert 'href="/source/article#q-' in row  # ... linked to its place in the source


def test_an_alleged_event_is_shown_as_alleged(client):
    events = section(page(client, "/person/michael-flynn"), "events-heading")
    row = events.split('href="/event/2017-03-flynn-immunity-offer"', 1)[1].split("</li>", 1)[0]
    assert "status-alleged" in row and "status-reported" not in row


def test_each_event_once_and_wikidata_once(client):
    html = page(client, "/person/michael-flynn")
    events = section(html, "events-heading")
    links = re.findall(r'<span class="fact-head"><a href="(/event/[^"]+)"', events)
    assert links and len(links) == len(set(links))
    relationships = section(html, "rel-heading")
    assert not set(links) & set(re.findall(r'<span class="fact-head"><a href="(/event/[^"]+)"', relationships))
    assert html.count("https://www.wikidata.org/wiki/Q6834757") == 1  # sameAs and exactMatch: one QID


def test_timeline_is_in_time_order_and_undated_events_are_said_to_be_undated(client):
    html = page(client, "/person/michael-flynn")
    timeline = section(html, "timeline-heading")
    dates = re.findall(r'<span class="date">([^<]+)</span>', timeline)
    assert dates == ["December 2016", "February 2017", "March 2017"]
    assert "Not dated by the article" in timeline
    events = section(html, "events-heading")
    undated = events.split('href="/event/flynn-admits-kislyak-conversation"', 1)[1].split("</li>", 1)[0]
    assert "undated" in undated


def test_undated_event_is_placed_by_its_after_relation(client):
    html = page(client, "/event/kushner-secret-meetings-russian-diplomats")
    assert "placed before" in html or "placed after" in html or '<span class="date">' in html
    assert 'href="/event/trump-inauguration"' in html  # kg:before: the inauguration


def test_event_page_lists_parties_by_role_and_claims(client):
    html = page(client, "/event/2017-05-oval-office-meeting")
    assert '<span class="date">early May 2017</span>' in html
    roles = html.split('<table class="facts-table">', 1)[1].split("</table>", 1)[0]
    for person in ("donald-trump", "sergey-lavrov", "sergey-kislyak"):  # each party once, under its role
        assert roles.count(f'<a href="/person/{person}">') == 1
    assert re.findall(r'<th class="key" scope="row">([^<]+)</th><td><a href="/person/', roles)
    claims = section(html, "claims-heading")
    assert claims.count("<blockquote>") == 1  # the claim on the event as a whole...
    relationships = section(html, "rel-heading")  # ... the one on its place sits under that relationship, once
    place_row = relationships.split('href="/place/white-house"', 1)[1].split("</li></ul></details>", 1)[0]
    assert "claim/event-2017-05-oval-office-meeting-2" in place_row and place_row.count("<blockquote>") == 1
    assert "claim/event-2017-05-oval-office-meeting-2" not in claims


def test_claim_page_links_to_its_place_in_the_source(client, built):
    html = page(client, "/claim/event-2017-05-oval-office-meeting-1")
    place = re.search(r'href="(/source/article#q-(\d+)-(\d+))"', html)
    assert place, "no link to the source"
    start, end = int(place.group(2)), int(place.group(3))
    article = built.article_path.read_text(encoding="utf-8")
    assert "Oval Office" in article[start:end] or "Lavrov" in article[start:end]


def test_entity_page_is_rendered_once_per_process(client):
    from kg.web import entities

    page(client, "/person/james-comey")
    before = len(entities._rendered)
    page(client, "/person/james-comey")
    assert len(entities._rendered) == before


@pytest.mark.parametrize("vocabulary", ["ontology", "status/", "precision/"])
def test_vocabulary_terms_are_read_from_the_ontology_graph_as_a_scan_would_find_them(built, built_store, vocabulary):
    """The ontology and scheme pages list their terms from the (small) graph that describes the
    vocabulary, by index: the same triples as a scan of the whole store for IRIs under its namespace."""
    import pyoxigraph as ox

    from kg.query_engine import EmbeddedEngine
    from kg.web.entity_page import _namespace, subjects_under, terms_under

    engine = EmbeddedEngine(built_store)
    iri = built.base + vocabulary
    scanned = set(subjects_under(engine, _namespace(iri)))
    assert len(scanned) > 30
    assert set(terms_under(engine, iri)) == scanned
    in_default_graph = ox.Store()  # --data files: no named graph describes the vocabulary; scanned
    in_default_graph.extend(ox.Quad(q.subject, q.predicate, q.object) for q in built_store)
    assert set(terms_under(EmbeddedEngine(in_default_graph), iri)) == scanned
