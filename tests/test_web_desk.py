"""The desk's pages over HTTP (in process, on the real build): /timeline, /network, /api/network,
/paths, /api/paths. Content and behaviour: filters, statuses on every row and hop, evidence links,
errors in the one shape, ETag revalidation."""

from __future__ import annotations

import html
import re

import pytest

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture(scope="module")
def client(built):
    from kg.web import create_app

    return create_app(built).test_client()


def text(response) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))))


# --------------------------------------------------------------------------- timeline

def test_timeline_lists_dated_events_in_order_with_precision_and_status(client):
    response = client.get("/timeline", headers=BROWSER)
    assert response.status_code == 200 and response.content_type.startswith("text/html")
    page = response.get_data(as_text=True)
    years = re.findall(r'<h2 id="y(\d{4})">', page)
    assert years == sorted(years) and years[0] == "2008"
    oval = page.index('id="event-2017-05-oval-office-meeting"')
    assert page.index('id="event-2014-dodson-eric-trump-conversation"') < page.index(
        'id="event-2016-comey-receives-dossier"') < oval
    row = page[oval:page.index("</li>", oval)]
    assert "early May 2017" in row and "status-reported" in row and "tl-month" in row
    assert 'href="/person/sergey-kislyak"' in row and "In early May 2017 - just a week" in row
    dossier = page[page.index('id="event-2016-comey-receives-dossier"'):]
    assert "tl-season" in dossier[:dossier.index("</li>")]
    assert 'id="undated"' in page and "Not dated in the article" in page


def test_every_timeline_row_shows_its_status(client):
    page = client.get("/timeline", headers=BROWSER).get_data(as_text=True)
    rows = re.findall(r'<li class="tl-entry.*?</li>', page, re.S)
    assert len(rows) > 40
    assert all('class="status status-' in row for row in rows)
    meal = next(r for r in rows if "event-2017-01-comey-trump-private-meal" in r)
    assert "status-alleged" in meal and "status-reported" not in meal.split("evidence")[0]


def test_timeline_filters_by_person_without_javascript(client):
    page = client.get("/timeline?person=person/sergey-kislyak", headers=BROWSER).get_data(as_text=True)
    rows = re.findall(r'<li class="tl-entry[^"]*" id="([^"]+)"', page)
    assert rows[0] == "event-2016-12-flynn-kislyak-conversation"  # December 2016, then the two of early May 2017
    assert sorted(rows[1:]) == ["event-2017-05-oval-office-meeting",
                                "event-2017-05-trump-discloses-islamic-state-intelligence"]
    assert '<option value="person/sergey-kislyak" selected>' in page
    assert "3 of" in text(client.get("/timeline?person=person/sergey-kislyak", headers=BROWSER))


def test_timeline_filters_by_status_type_and_organisation(client):
    alleged = client.get("/timeline?status=alleged", headers=BROWSER).get_data(as_text=True)
    rows = re.findall(r'<li class="tl-entry.*?</li>', alleged, re.S)
    assert rows and all("status-alleged" in r for r in rows)
    meetings = client.get("/timeline?type=Meeting", headers=BROWSER).get_data(as_text=True)
    assert "event-2017-05-oval-office-meeting" in meetings and "event-2017-02-flynn-dismissal" not in meetings
    fbi = client.get("/timeline?organisation=org/fbi", headers=BROWSER).get_data(as_text=True)
    assert "event-2017-03-flynn-immunity-offer" in fbi and "event-2014-dodson-eric-trump-conversation" not in fbi


def test_timeline_unknown_filter_value_is_a_400_page(client):
    response = client.get("/timeline?person=person/nobody", headers=BROWSER)
    assert response.status_code == 400 and "No person 'person/nobody'" in text(response)
    response = client.get("/timeline?person=person/nobody", headers={"Accept": "application/json"})
    assert response.status_code == 400 and response.get_json()["error"] == "bad_request"


def test_pages_are_kept_but_refusals_are_not(client):
    from kg.web import page_cache

    page_cache.clear()
    bad = client.get("/paths?from=Trump&to=person/sergey-kislyak", headers=BROWSER)
    assert bad.status_code == 400 and not page_cache._pages
    good = client.get("/paths?from=person/donald-trump&to=person/sergey-kislyak", headers=BROWSER)
    assert good.status_code == 200 and len(page_cache._pages) == 1
    again = client.get("/paths?from=person/donald-trump&to=person/sergey-kislyak", headers=BROWSER)
    assert again.data == good.data and len(page_cache._pages) == 1


# --------------------------------------------------------------------------- network

def test_network_page_has_picture_legend_filters_and_a_list_with_evidence(client):
    page = client.get("/network", headers=BROWSER).get_data(as_text=True)
    assert 'id="cy"' in page and "vendor/cytoscape/cytoscape.min.js" in page and "network.js" in page
    assert "Export PNG" in page and 'name="status"' in page and 'name="until"' in page
    assert "Colour: status" in page and "Line: kind" in page
    assert not re.findall(r'<script[^>]+src="https?://', page)
    rows = re.findall(r'<tr id="edge-\d+".*?</tr>', page, re.S)
    assert len(rows) > 50 and all('class="status status-' in r and "<blockquote>" in r for r in rows)


def test_api_network_elements_carry_status_and_quotes(client):
    data = client.get("/api/network").get_json()
    edges = [e["data"] for e in data["edges"]]
    channel = next(e for e in edges if e["via"] == "/event/kushner-secret-channel-request")
    assert channel["status"] == "alleged" and channel["hedged"] and channel["kind"] == "communication"
    assert any("secret communication channel" in c["quote"] for c in channel["claims"])
    assert all(e["claims"] for e in edges)
    assert {n["data"]["kind"] for n in data["nodes"]} <= {"person", "org", "group", "country"}


# --------------------------------------------------------------------------- paths

def test_paths_page_finds_trump_to_kislyak_by_name(client):
    response = client.get("/paths?from=Donald+Trump&to=Kislyak", headers=BROWSER)
    assert response.status_code == 200
    page = text(response)
    assert "15 paths from Donald Trump to Sergey Kislyak" in page
    first = response.get_data(as_text=True).split('<li class="path')[1]
    assert "Trump divulges classified intelligence" in first and "status-reported" in first
    assert 'href="/claim/' in first  # every hop leads to its evidence


def test_every_hop_shows_its_status_and_allegations_say_so(client):
    page = client.get("/paths?from=person/donald-trump&to=person/james-comey&max=2",
                      headers=BROWSER).get_data(as_text=True)
    paths = page.split('<li class="path')[1:]
    assert paths
    for path in paths:
        hops = re.findall(r'<li class="hop">.*?</li>', path, re.S)
        assert hops and all('class="status status-' in hop for hop in hops)
    meal = next(p for p in paths if "private meal" in p)
    assert meal.startswith(" hedged") and "rests on what is alleged, not established" in meal


def test_weakest_status_and_as_of_filters(client):
    everything = client.get("/api/paths?from=person/eric-trump&to=country/russia").get_json()
    reported = client.get("/api/paths?from=person/eric-trump&to=country/russia&weakest=reported").get_json()
    assert any(p["hedged"] and p["weakest"] == "claimed" for p in everything["paths"])
    assert reported["count"] < everything["count"] and not any(p["hedged"] for p in reported["paths"])
    before = client.get("/api/paths?from=person/donald-trump&to=person/sergey-kislyak&as_of=2017-04").get_json()
    assert all("event/2017-05-oval-office-meeting" not in [n["id"] for n in p["nodes"]] for p in before["paths"])


def test_api_paths_hops_have_relation_status_outlet_and_quote(client):
    data = client.get("/api/paths?from=Jared+Kushner&to=FBI").get_json()
    assert data["from"]["id"] == "person/jared-kushner" and data["to"]["id"] == "org/fbi"
    first = data["paths"][0]
    assert [n["id"] for n in first["nodes"]] == ["person/jared-kushner", "event/fbi-investigation-kushner", "org/fbi"]
    hop = first["hops"][0]
    assert hop["relation"] == "investigated" and hop["status"] == "reported"
    assert hop["claims"][0]["reportedBy"][0]["id"] == "group/several-news-outlets"
    assert "under investigation by the FBI" in hop["claims"][0]["quote"]


@pytest.mark.parametrize("query, status, message", [
    ("from=zzqqx&to=person/sergey-kislyak", 404, "no entity matches"),
    ("from=Trump&to=Kislyak", 400, "ambiguous"),
    ("from=person/donald-trump", 400, "give both"),
    ("from=person/donald-trump&to=person/sergey-kislyak&max=99", 400, "'max' must be"),
    ("from=person/donald-trump&to=person/sergey-kislyak&weakest=rumour", 400, "unknown status"),
    ("from=person/donald-trump&to=person/sergey-kislyak&as_of=May", 400, "not a date"),
])
def test_api_paths_errors_in_the_one_shape(client, query, status, message):
    response = client.get("/api/paths?" + query)
    body = response.get_json()
    assert response.status_code == status and body["status"] == status and message in body["message"]


def test_an_ambiguous_name_offers_its_candidates_as_links(client):
    response = client.get("/paths?from=Trump&to=person/sergey-kislyak", headers=BROWSER)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is ambiguous" in page
    assert 'href="/paths?from=person%2Fdonald-trump&amp;to=person%2Fsergey-kislyak' in page
