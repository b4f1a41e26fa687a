"""rdflib graphs as pyoxigraph quads and N-Triples, for the build's dataset and the shacl engine.

The build makes rdflib graphs (load, link, infer); the dataset, the store and the Rust SHACL
engine take pyoxigraph terms or N-Triples. Converting term by term is ~5x faster than rdflib's
N-Triples writer followed by a parse, and gives the same terms.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import Memory


def oxigraph_quads(graph, graph_name=None) -> list:
    """An rdflib graph's triples as pyoxigraph quads (in `graph_name`, or the default graph).

    Term by term, ~5x faster than writing N-Triples with rdflib and parsing them back, for the same
    terms. IRIs are cached by their text (an rdflib term's own hash and equality are Python code,
    a str's are not); literals, mostly distinct, are made as they come."""
    iris: dict[str, ox.NamedNode] = {}
    named, blank, literal = ox.NamedNode, ox.BlankNode, ox.Literal

    def term(node, kind=type, text=str):
        cls = kind(node)
        if cls is URIRef:  # most terms: inline, a call less
            found = iris.get(text(node))
            if found is None:
                found = iris[text(node)] = named(text(node))
            return found
        if cls is Literal:
            if node.language:
                return literal(text(node), language=node.language)
            if node.datatype is not None:
                return literal(text(node), datatype=term(node.datatype))
            return literal(text(node))
        if cls is BNode:
            return blank(str(node))
        if isinstance(node, (URIRef, Literal, BNode)):  # a subclass: the same rules
            return _term(node)
        raise TypeError(f"not an RDF term: {node!r}")

    name = graph_name if graph_name is not None else ox.DefaultGraph()
    quad = ox.Quad
    return [quad(term(s), term(p), term(o), name) for s, p, o in triples(graph)]


def triples(graph):
    """An rdflib graph's triples, as iterating it gives them (in some order).

    A plain Graph alone on its in-memory store is read from the store's subject index: ~5x faster
    than Graph.__iter__, which works out the contexts of every triple (40% of converting 100k
    triples). Any other graph, or another rdflib whose store is laid out otherwise, is iterated."""
    store = graph.store
    index = getattr(store, "_Memory__spo", None)
    contexts = getattr(store, "_Memory__all_contexts", None)
    if type(graph) is Graph and type(store) is Memory and isinstance(index, dict) and contexts is not None \
            and [c.identifier for c in contexts] == [graph.identifier]:
        return ((s, p, o) for s, by_predicate in index.items() for p, objects in by_predicate.items() for o in objects)
    return iter(graph)


def _term(node):
    if isinstance(node, URIRef):
        return ox.NamedNode(str(node))
    if isinstance(node, BNode):
        return ox.BlankNode(str(node))
    if node.language:
        return ox.Literal(str(node), language=node.language)
    if node.datatype is not None:
        return ox.Literal(str(node), datatype=ox.NamedNode(str(node.datatype)))
    return ox.Literal(str(node))


def ntriples(graph) -> bytes:
    """An rdflib graph as N-Triples: the bytes pyoxigraph writes for oxigraph_quads(graph)."""
    return ntriples_text(graph).encode("utf-8")


def ntriples_text(*graphs) -> str:
    """rdflib graphs as one N-Triples text (ntriples() of each, one after the other).

    Written straight from the terms (an rdflib IRI or blank node is a str; a literal is escaped
    as pyoxigraph escapes it), ~2.5x faster than making pyoxigraph terms first; the shacl engine
    parses the text again anyway (making the terms was 1.7 s of 2.3 s validating 100k triples)."""
    return "".join([f"{_nt(s)} {_nt(p)} {_nt(o)} .\n" for graph in graphs for s, p, o in triples(graph)])


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: What N-Triples (and pyoxigraph's writer) escapes in a literal's text.
_ESCAPED = re.compile(r'[\x00-\x1f"\\\x7f]')
_ESCAPES = {**{chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F)},
            "\t": "\\t", "\b": "\\b", "\n": "\\n", "\r": "\\r", "\f": "\\f", '"': '\\"', "\\": "\\\\"}


def _nt(node, kind=type) -> str:
    cls = kind(node)
    if cls is URIRef:
        return f"<{node}>"
    if cls is Literal:
        text = _ESCAPED.sub(lambda m: _ESCAPES[m.group()], node) if _ESCAPED.search(node) else str(node)
        language = node.language
        if language:
            return f'"{text}"@{language.lower()}'
        datatype = node.datatype
        if datatype is not None and not str.__eq__(datatype, _XSD_STRING):  # rdflib's == says no to a str
            return f'"{text}"^^<{datatype}>'
        return f'"{text}"'
    if cls is BNode:
        return f"_:{node}"
    for base in (URIRef, Literal, BNode):  # a subclass: written as its base class
        if isinstance(node, base):
            return _nt(base(node))
    raise TypeError(f"not an RDF term: {node!r}")
