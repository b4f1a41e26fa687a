"""kg.desk.paths: every evidence path up to a length, shortest first, with filters."""

import pytest
from desk_fixtures import real, real_catalog, real_finder, small, small_finder  # noqa: F401 (fixtures)

from kg.desk.paths import PathQueryError


def labels(evidence, path):
    return [evidence.label(n) for n in path.nodes]


def test_paths_never_pass_through_a_topic_and_keep_allegations():
    finder = small_finder()
    search = finder.search("person/alice", "person/carol")
    # Alice -> meeting -> Bob -> alleged meeting -> Carol; not Alice -> statement -> weather -> statement -> Carol.
    assert [labels(small(), p) for p in search.paths] == [
        ["Alice", "Alice meets Bob", "Bob", "Bob allegedly meets Carol", "Carol"]]
    path = search.paths[0]
    assert path.weakest == "alleged" and path.hedged
    assert [h.status for h in path.hops] == ["reported", "reported", "alleged", "alleged"]


def test_a_topic_may_end_a_path():
    search = small_finder().search("person/alice", "topic/weather")
    assert [p.length for p in search.paths] == [2]


def test_weakest_status_filter_drops_alleged_hops():
    search = small_finder().search("person/alice", "person/carol", weakest="reported")
    assert search.paths == []


def test_as_of_keeps_only_what_had_certainly_happened():
    finder = small_finder()
    assert finder.search("person/alice", "person/bob", as_of="2017-05-10").paths
    assert not finder.search("person/alice", "person/bob", as_of="2017-05-09").paths  # early May: maybe not yet
    assert not finder.search("person/alice", "person/carol", as_of="2017-05").paths


@pytest.mark.parametrize("kwargs, message", [
    ({"start": "zzyzx", "end": "person/bob"}, "'from': no entity matches 'zzyzx'"),
    ({"start": "person/bob", "end": "person/bob"}, "same entity"),
    ({"start": "person/alice", "end": "person/bob", "max_length": 0}, "between 1 and"),
    ({"start": "person/alice", "end": "person/bob", "weakest": "rumoured"}, "unknown status"),
    ({"start": "person/alice", "end": "person/bob", "as_of": "May 2017"}, "as of: not a date"),
])
def test_bad_searches_say_why(kwargs, message):
    with pytest.raises(PathQueryError, match=message):
        small_finder().search(**kwargs)


def test_trump_to_kislyak(real_finder, real):
    evidence = real
    search = real_finder.search("person/donald-trump", "person/sergey-kislyak")
    lengths = [p.length for p in search.paths]
    assert lengths == sorted(lengths) and max(lengths) <= 4 and search.complete
    shortest = {tuple(labels(evidence, p)) for p in search.paths if p.length == 2}
    assert shortest == {
        ("Donald Trump", "Trump meets Lavrov and Kislyak in the Oval Office", "Sergey Kislyak"),
        ("Donald Trump", "Trump divulges classified intelligence on the Islamic State to Lavrov and Kislyak",
         "Sergey Kislyak")}
    via_flynn = [p for p in search.paths if "person/michael-flynn" in p.nodes]
    assert via_flynn and all(p.hedged for p in via_flynn)  # the warnings about Flynn are claims of those who warned


def test_eric_trump_to_russia_is_a_claim_not_a_fact(real, real_finder):
    search = real_finder.search("person/eric-trump", "country/russia")
    # Eric Trump's boast, as Dodson tells it: "We have all the funding we need out of Russia."
    funding = [p for p in search.paths if "event/2014-trump-funding-out-of-russia" in p.nodes]
    assert funding and funding[0].length == 3 and funding[0].weakest == "claimed" and funding[0].hedged
    assert [h.link.predicate for h in funding[0].hops] == ["agent", "concerns", "fundingSource"]
    assert not funding[0].hops[-1].link.plain  # the funding source exists only as a claim
    reported_only = real_finder.search("person/eric-trump", "country/russia", weakest="reported")
    assert reported_only.paths and all(not p.hedged for p in reported_only.paths)
    assert all("event/2014-trump-funding-out-of-russia" not in p.nodes for p in reported_only.paths)


def test_kushner_to_the_fbi(real_finder, real):
    evidence = real
    search = real_finder.search("person/jared-kushner", "org/fbi")
    assert labels(evidence, search.paths[0]) == ["Jared Kushner", "FBI investigation of Jared Kushner", "FBI"]
    assert search.paths[0].weakest == "reported"
    assert search.paths[0].hops[0].link.claims[0].reported_by == ("group/several-news-outlets",)


def test_no_path_in_the_real_graph_passes_a_status_class_or_topic(real_finder, real):
    evidence = real
    finder = real_finder
    for a, b in [("person/donald-trump", "person/vladimir-putin"), ("person/james-comey", "country/russia")]:
        for path in finder.search(a, b).paths:
            inner = [evidence.nodes[n].kind for n in path.nodes[1:-1]]
            assert not set(inner) & {"topic", "place", "position", "law", "info", "amount", "source"}
            assert all(h.link.claims for h in path.hops)


def test_as_of_on_the_real_graph(real_finder):
    search = real_finder.search("person/donald-trump", "person/sergey-kislyak", as_of="2017-04")
    assert all("event/2017-05-oval-office-meeting" not in p.nodes for p in search.paths)


def test_names_are_resolved_through_the_name_index(real_finder):
    finder = real_finder
    assert [n.id for n in finder.resolve("Kisliak")] == ["person/sergey-kislyak"]  # typo tolerated
    assert [n.id for n in finder.resolve("http://127.0.0.1:8000/person/donald-trump")] == ["person/donald-trump"]
    assert [n.id for n in finder.resolve("/person/eric-trump.html")] == ["person/eric-trump"]
    search = finder.search("Jared Kushner", "FBI")
    assert (search.start.id, search.end.id) == ("person/jared-kushner", "org/fbi")
    assert finder.resolve("zzyzx qqq") == []


def test_an_ambiguous_name_lists_the_candidates(real_finder):
    with pytest.raises(PathQueryError, match="ambiguous: .*Donald Trump"):
        real_finder.search("Trump", "person/sergey-kislyak")
