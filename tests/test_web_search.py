"""/search and /api/search on the real build: typo, accent and partial-name tolerance, kinds, errors."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def client(built):
    from kg.web import create_app

    return create_app(built).test_client()


def first_ids(client, q, n=1, **params):
    response = client.get("/api/search", query_string={"q": q, **params})
    assert response.status_code == 200, response.data
    return [hit["id"] for hit in response.json["results"]][:n]


@pytest.mark.parametrize("typed, expected", [
    ("micheal flyn", "person/michael-flynn"),  # two typos
    ("Kisliak", "person/sergey-kislyak"),  # transliteration
    ("Kisľak", "person/sergey-kislyak"),  # accent
    ("kisl", "person/sergey-kislyak"),  # partial
    ("flyn", "person/michael-flynn"),  # partial, and the person before events naming him
    ("SALLY YATES", "person/sally-yates"),
    ("washington post", "org/washington-post"),
])
def test_search_finds_the_entity_first(client, typed, expected):
    assert first_ids(client, typed) == [expected]


def test_search_ranks_events_by_label_and_reports_their_status_and_date(client):
    hits = client.get("/api/search?q=flynn+kislyak+conversation").json["results"]
    event = next(h for h in hits if h["id"] == "event/2016-12-flynn-kislyak-conversation")
    assert event["kind"] == "event" and event["href"] == "/event/2016-12-flynn-kislyak-conversation"
    assert event["statuses"] and set(event["statuses"]) <= {"confirmed", "admitted", "reported", "claimed",
                                                            "alleged", "denied"}


def test_kind_filter_keeps_only_that_kind(client):
    hits = client.get("/api/search?q=flynn&kind=events").json["results"]
    assert hits and all(h["kind"] == "event" for h in hits)
    assert "person/michael-flynn" not in [h["id"] for h in hits]


def test_nonsense_finds_nothing_and_empty_query_is_empty(client):
    assert client.get("/api/search?q=zzzzqqqq").json["results"] == []
    assert client.get("/api/search?q=").json["results"] == []


@pytest.mark.parametrize("query, message", [
    ("q=x&limit=abc", "whole number"), ("q=x&limit=0", "between"), ("q=x&kind=spaceships", "No kind"),
])
def test_bad_parameters_get_the_json_error_shape(client, query, message):
    response = client.get("/api/search?" + query, headers={"Accept": "text/html"})  # /api/ is always JSON
    assert response.status_code == 400
    assert response.json["status"] == 400 and message in response.json["message"]


def test_html_search_page_lists_results_with_links_and_badges(client):
    page = client.get("/search?q=micheal+flyn", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'value="micheal flyn"' in page  # the box keeps what was typed
    assert '<a href="/person/michael-flynn"><strong>Michael Flynn</strong></a>' in page
    assert "Nothing in the graph matches" in client.get("/search?q=zzzzqqqq").get_data(as_text=True)
