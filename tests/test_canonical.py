"""kg.canonical: the canonical order computed on N-Triples lines is the order of the terms."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.canonical import SortedPrefixes, _term_key, canonical_blank_nodes, sorted_dataset, with_sorted_prefixes
from kg.config import from_env
from kg.vocab import RDF_TYPE

FIXTURE = Path(__file__).parent / "data" / "dump" / "dataset.trig"
TYPE = ox.NamedNode(RDF_TYPE)


def by_terms(quads) -> list:
    """The order the dumps define, term by term: graph, subject, predicate (rdf:type first), object."""
    return sorted(set(canonical_blank_nodes(list(quads))), key=lambda q: (
        str(q.graph_name), str(q.subject), _term_key(q.predicate, f"<{RDF_TYPE}>"), str(q.object)))


def tricky_quads() -> list:
    s, g = ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/g")
    p = ox.NamedNode("http://example.org/p")
    objects = [ox.Literal("ab"), ox.Literal("ab c"), ox.Literal("ab", language="en"), ox.Literal("a\nb"),
               ox.Literal(f" <{RDF_TYPE}> in a literal"), ox.Literal("_: not a blank node"),
               ox.Literal("ab", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#token")),
               ox.NamedNode("http://example.org/o"), ox.NamedNode("http://example.org/o2"), ox.BlankNode("x1")]
    quads = [ox.Quad(s, p, o, g) for o in objects]
    quads += [ox.Quad(s, TYPE, ox.NamedNode("http://example.org/Z"), g), ox.Quad(s, TYPE, ox.NamedNode("http://example.org/A"), g),
              ox.Quad(ox.BlankNode("x1"), p, ox.Literal("1"), g), ox.Quad(ox.BlankNode("x12"), p, ox.Literal("2"), g),
              ox.Quad(ox.NamedNode("http://example.org/s2"), TYPE, s, ox.DefaultGraph()),
              ox.Quad(s, p, ox.Literal("ab"), g)]  # a duplicate
    return quads


def test_sorted_lines_give_the_order_of_the_terms_on_tricky_terms():
    quads = tricky_quads()
    assert sorted_dataset(quads).quads() == by_terms(quads)
    assert sorted_dataset(list(reversed(quads))).quads() == by_terms(quads)


def test_sorted_lines_give_the_order_of_the_terms_on_the_dump_fixture():
    quads = list(ox.parse(path=str(FIXTURE)))
    dataset = sorted_dataset(quads)
    expected = by_terms(quads)
    assert dataset.quads() == expected
    nquads = b"".join(chunk for graph in dataset.graphs for chunk in graph.nquads_chunks())
    assert nquads == ox.serialize(expected, format=ox.RdfFormat.N_QUADS)
    merged = sorted({q.triple for q in expected}, key=lambda t: (str(t.subject), _term_key(t.predicate, f"<{RDF_TYPE}>"),
                                                                 str(t.object)))
    assert ox.serialize(dataset.triples(), format=ox.RdfFormat.N_TRIPLES) == \
        ox.serialize(merged, format=ox.RdfFormat.N_TRIPLES)


def test_streamed_prefix_sorting_gives_the_same_bytes_whatever_the_pieces():
    config = from_env(environ={})
    quads = list(ox.parse(path=str(FIXTURE)))
    from kg import vocab
    trig = ox.serialize(by_terms(quads), format=ox.RdfFormat.TRIG, prefixes=vocab.prefixes(config.base))
    for size in (1, 7, 100, 10_000, len(trig)):
        out = []
        writer = SortedPrefixes(type("Out", (), {"write": lambda self, b: out.append(bytes(b))})(), config)
        for start in range(0, len(trig), size):
            writer.write(trig[start:start + size])
        writer.close()
        assert b"".join(out) == with_sorted_prefixes(trig, config), size
