"""kg.convert: rdflib graphs as pyoxigraph quads and N-Triples, the same terms either way."""

from pathlib import Path

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef

from kg.config import from_env
from kg.convert import ntriples, ntriples_text, oxigraph_quads
from kg.load import load_ontology

DATA = Path(__file__).resolve().parent / "data"
EX = "http://example.org/"
XSD = "http://www.w3.org/2001/XMLSchema#"


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
