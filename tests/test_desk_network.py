"""kg.desk.network: actors and the events or relations joining them, each edge with its evidence."""

import json

from desk_fixtures import real, real_catalog, small  # noqa: F401 (fixtures)

from kg.desk.network import build_network


def edges_between(network, a, b):
    return [e for e in network.edges if {e.source, e.target} == {a, b}]


def test_an_alleged_meeting_is_an_alleged_edge():
    network = build_network(small())
    (reported,) = edges_between(network, "person/alice", "person/bob")
    assert reported.kind == "meeting" and reported.status == "reported" and reported.date_text == "early May 2017"
    (alleged,) = edges_between(network, "person/bob", "person/carol")
    assert alleged.status == "alleged" and alleged.claims[0].quote == "Bob allegedly met Carol in June 2017."


def test_a_relation_known_only_from_a_claim_keeps_its_status():
    (member,) = edges_between(build_network(small()), "person/alice", "org/acme")
    assert member.kind == "membership" and member.status == "claimed"


def test_topics_are_not_drawn_and_every_edge_has_evidence(real):
    for evidence in (small(), real):
        network = build_network(evidence)
        assert {v.node.kind for v in network.vertices} <= {"person", "org", "group", "country"}
        assert all(e.claims and all(c.quote for c in e.claims) for e in network.edges)


def test_real_network_edges(real):
    network = build_network(real)
    kislyak = edges_between(network, "person/donald-trump", "person/sergey-kislyak")
    assert {(e.kind, e.status, e.date_text) for e in kislyak} == {
        ("meeting", "reported", "early May 2017"), ("disclosure", "reported", "early May 2017")}
    # Lavrov and Kislyak were on the same side of the meeting: not said to have met each other.
    assert not [e for e in edges_between(network, "person/sergey-lavrov", "person/sergey-kislyak")
                if e.kind == "meeting"]
    golf = [e for e in edges_between(network, "person/eric-trump", "person/james-dodson") if e.via.startswith("event/2014-")]
    assert golf and all(e.status == "claimed" for e in golf)  # 2014: known only from Dodson's account
    channel = [e for e in network.edges if e.via == "event/kushner-secret-channel-request"]
    assert channel and all(e.status == "alleged" for e in channel)
    meal = [e for e in edges_between(network, "person/donald-trump", "person/james-comey") if e.kind == "meeting"]
    assert [e.status for e in meal] == ["alleged"]
    contacts = [e for e in network.edges if e.via == "event/2016-trump-campaign-russian-contacts"]
    assert contacts and all(e.status == "alleged" and "denied" in e.statuses for e in contacts)


def test_elements_are_json_with_quotes_and_links(real):
    evidence = real
    elements = build_network(evidence).elements(evidence)
    json.dumps(elements)
    edge = next(e["data"] for e in elements["edges"] if e["data"]["label"].startswith("Trump meets Lavrov"))
    assert edge["via"] == "/event/2017-05-oval-office-meeting"
    assert edge["claims"][0]["quote"].startswith("In early May 2017")
    assert edge["claims"][0]["href"].startswith("/claim/")
    ids = {n["data"]["id"] for n in elements["nodes"]}
    assert all(e["data"]["source"] in ids and e["data"]["target"] in ids for e in elements["edges"])
