"""kg.convert: rdflib graphs as pyoxigraph quads, the same terms whichever way the graph is read."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from kg.convert import ntriples, oxigraph_quads, triples

FIXTURE = Path(__file__).parent / "data" / "dump" / "dataset.trig"


def fixture_graph() -> Graph:
    graph = Graph()
    graph.parse(data=ox.serialize((q.triple for q in ox.parse(path=str(FIXTURE))), format=ox.RdfFormat.N_TRIPLES),
                format="nt")
    graph.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal("été", lang="fr")))
    graph.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(3)))
    return graph


def test_the_store_index_gives_the_triples_iterating_gives(monkeypatch):
    graph = fixture_graph()
    expected = sorted(graph)

    def no_iteration(*args, **kwargs):
        raise AssertionError("the graph was iterated, not read from its store's index")

    monkeypatch.setattr(Graph, "triples", no_iteration)
    assert sorted(triples(graph)) == expected


def test_a_graph_sharing_its_store_is_iterated_not_read_from_the_index():
    graph = fixture_graph()
    other = Graph(store=graph.store, identifier=URIRef("http://example.org/other"))
    other.add((URIRef("http://example.org/x"), URIRef("http://example.org/y"), Literal("z")))
    assert sorted(triples(graph)) == sorted(graph)
    assert sorted(triples(other)) == sorted(other) and len(other) == 1


def test_quads_have_the_terms_of_an_ntriples_round_trip():
    graph = fixture_graph()
    expected = set(ox.parse(graph.serialize(format="nt", encoding="utf-8"), format=ox.RdfFormat.N_TRIPLES))
    assert set(oxigraph_quads(graph)) == expected
    assert set(ox.parse(ntriples(graph), format=ox.RdfFormat.N_TRIPLES)) == expected
