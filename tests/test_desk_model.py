"""kg.desk.model: the built graph read into nodes, claims and links with their evidence."""

from desk_fixtures import real, real_catalog, small  # noqa: F401 (fixtures)


def test_a_relation_known_only_from_a_claim_is_a_link_that_is_not_plain():
    links = [l for l in small().links if l.predicate == "memberOf"]
    assert len(links) == 1
    assert not links[0].plain and links[0].statuses == ("claimed",)
    assert links[0].claims[0].id == "claim/r-1"


def test_links_carry_the_claims_of_the_event_they_rest_on():
    link = next(l for l in small().links if l.predicate == "attendee" and l.object.endswith("alice"))
    claim = link.claims[0]
    assert claim.quote == "Alice met Bob in early May 2017." and (claim.start, claim.end) == (0, 32)
    assert claim.reported_by == ("org/acme",) and claim.status == "reported"


def test_status_and_class_iris_are_never_nodes(real):
    for evidence in (small(), real):
        assert not [i for i in evidence.nodes if i.startswith(("status/", "precision/", "claim/", "graph/"))
                    or "ontology" in i]


def test_undated_events_get_bounds_only_from_their_order():
    follows = small().nodes["event/carol-follows-up"]
    assert follows.span is None and follows.derived_span.first.isoformat() == "2017-05-01"
    assert follows.derived_span.last is None  # after a meeting: no end is known
    assert small().nodes["event/nothing-known"].when is None


def test_the_real_build_keeps_every_alleged_relation_off_the_plain_triples(real):
    hedged = [l for l in real.links if not l.plain]
    assert hedged, "the article has claimed relations (Eric Trump's funding out of Russia)"
    assert all(set(l.statuses) & {"claimed", "alleged", "denied"} for l in hedged)
    funding = [l for l in hedged if l.predicate == "fundingSource" and l.object == "country/russia"]
    assert funding and funding[0].statuses == ("claimed",)


def test_local_evidence_reads_the_same_nodes_and_links_one_node_at_a_time(real, built):
    """The evidence paths read nodes and links one at a time from the build's records file
    (kg.desk.model.LocalEvidence over kg.records): each must be what the whole-graph evidence holds,
    in the same order, an undated event's bounds from its order included."""
    from kg.desk.model import LocalEvidence
    from kg.records import open_records

    local = LocalEvidence(open_records(built.build_dir / "records.sqlite"))
    undated_bounded = 0
    for node_id, node in real.nodes.items():
        mine = local.nodes[node_id]
        assert (mine.entity, mine.claims, mine.span, mine.placed_by, mine.derived_span) == \
            (node.entity, node.claims, node.span, node.placed_by, node.derived_span), node_id
        assert local.links_at(node_id) == real.links_at(node_id), node_id
        assert local.outgoing.get(node_id, ()) == (real.outgoing.get(node_id) or ()), node_id
        undated_bounded += node.derived_span is not None
    assert undated_bounded > 0  # the real graph has events placed only by their order
    assert "status/alleged" not in local.nodes
