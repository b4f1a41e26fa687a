"""kg.convert: rdflib graphs as pyoxigraph quads and N-Triples, the same terms whichever way the graph is read."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from kg.config import from_env
from kg.convert import ntriples, ntriples_text, oxigraph_quads, triples
from kg.load import load_ontology

DATA = Path(__file__).resolve().parent / "data"
FIXTURE = DATA / "dump" / "dataset.trig"
EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"



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



class Named(URIRef):
    """A subclass of URIRef, as some libraries make."""


def by_pyoxigraph(graph) -> bytes:
    return ox.serialize([q.triple for q in oxigraph_quads(graph)], format=ox.RdfFormat.N_TRIPLES)


def tricky() -> Graph:
    graph = Graph()
    s, p = URIRef(EX + "s"), URIRef(EX + "p")
    texts = ["plain", 'a "quoted" \\ backslash', "line\nbreak\r\n", "tab\tbell\x07nul\x00del\x7f\b\f",
             "é 😀 \u2028 ü", "", "<not an IRI>", "trailing \\"]
    for text in texts:
        graph.add((s, p, Literal(text)))
        graph.add((s, p, Literal(text, lang="en-GB")))
        graph.add((s, p, Literal(text, datatype=URIRef(XSD + "string"))))
    graph.add((s, p, Literal("42", datatype=URIRef(XSD + "integer"))))
    graph.add((s, p, Literal(7)))
    graph.add((s, p, Literal("2017-05", datatype=URIRef(XSD + "gYearMonth"))))
    graph.add((s, p, Literal("x", datatype=URIRef(EX + "own-type"))))
    graph.add((BNode("b1"), p, BNode("b2")))
    graph.add((Named(EX + "sub"), Named(EX + "class"), URIRef("http://example.org/ü?q=1#frag")))
    return graph


def test_ntriples_writes_the_bytes_pyoxigraph_writes_for_the_same_terms():
    graph = tricky()
    written = ntriples(graph)
    assert written == by_pyoxigraph(graph)
    assert len(written.splitlines()) == len(graph)


def test_ntriples_reads_back_as_the_same_triples():
    graph = tricky()
    again = {q.triple for q in ox.parse(ntriples(graph), format=ox.RdfFormat.N_TRIPLES)}
    assert again == {q.triple for q in oxigraph_quads(graph)}


def test_ntriples_of_the_ontology_and_the_fixtures_is_pyoxigraph_s():
    ontology = load_ontology(from_env(environ={}))
    assert ntriples(ontology) == by_pyoxigraph(ontology)
    for path in sorted((DATA / "valid").glob("*.ttl")):
        graph = Graph().parse(path)
        assert ntriples(graph) == by_pyoxigraph(graph), path.name


def test_ntriples_text_of_several_graphs_is_their_ntriples_one_after_the_other():
    ontology = load_ontology(from_env(environ={}))
    assert ntriples_text(tricky(), ontology).encode("utf-8") == ntriples(tricky()) + ntriples(ontology)
