"""rdflib graphs as pyoxigraph quads and N-Triples, for the build's dataset and the shacl engine.

The loader makes its graph as N-Triples lines (`NTriplesGraph`); link and infer make rdflib terms;
the dataset, the store and the Rust SHACL engine take pyoxigraph terms or N-Triples. Converting
term by term is ~5x faster than rdflib's N-Triples writer followed by a parse, and gives the same
terms.
"""

from __future__ import annotations

import re

import pyoxigraph as ox
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.plugins.stores.memory import Memory
from rdflib.util import from_n3


class NTriplesGraph:
    """A graph held as its N-Triples lines (each once, in the order added), as the loader makes it.

    Adding a line costs a dict entry: ~20x less than rdflib's Graph.add (its in-memory store keeps
    three indexes and the contexts of every triple; 40 µs a triple, most of loading 1M triples),
    and the lines take a fraction of the memory. The text is what the shacl engine and pyoxigraph
    parse. For pySHACL, owlrl and the tests, `rdflib()` parses it into an rdflib Graph with the
    same prefixes, and iterating gives rdflib triples through it (fine for small graphs)."""

    def __init__(self):
        self.lines: dict[str, None] = {}
        self._prefixes = Graph()  # only its prefix bindings: the ones an rdflib Graph would have

    @classmethod
    def from_text(cls, text: str) -> "NTriplesGraph":
        """The graph of an N-Triples text written one triple per line, as `ntriples_text` writes."""
        graph = cls()
        graph.lines = dict.fromkeys(text.splitlines(keepends=True))
        return graph

    def bind(self, prefix: str, namespace, **options) -> None:
        self._prefixes.bind(prefix, namespace, **options)

    def namespaces(self):
        return self._prefixes.namespaces()

    def add_line(self, subject: str, predicate: str, obj: str) -> None:
        """Add a triple given as N-Triples terms (`<iri>`, `nt_literal(...)`, `_:b`)."""
        self.lines[f"{subject} {predicate} {obj} .\n"] = None

    def add(self, triple) -> None:
        """Add a triple of rdflib terms."""
        self.lines[_line(triple)] = None

    def __iadd__(self, other):
        for triple in triples(other):
            self.add(triple)
        return self

    def __len__(self) -> int:
        return len(self.lines)

    def __contains__(self, triple) -> bool:
        return _line(triple) in self.lines

    def text(self) -> str:
        return "".join(self.lines)

    def terms(self, predicates=None):
        """(subject, predicate, object) as N-Triples text, of every line or of those whose predicate
        IRI is in `predicates`: split, not parsed (no term holds a space before the object)."""
        wanted = None if predicates is None else {f"<{p}>" for p in predicates}
        for line in self.lines:
            subject, predicate, rest = line.split(" ", 2)
            if wanted is None or predicate in wanted:
                yield subject, predicate, rest[:-3]

    def triples_with(self, predicates) -> list:
        """The rdflib triples whose predicate IRI is in `predicates`."""
        return [tuple(map(rdflib_term, terms)) for terms in self.terms(predicates)]

    def quads(self, graph_name=None) -> list:
        """The triples as pyoxigraph quads in `graph_name` (or the default graph), parsed from the
        text: as N-Quads with the graph written before each line end (an N-Triples line ends in
        " .\\n" and nowhere else: a literal's line breaks are escaped), not a Quad remade per triple."""
        if graph_name is None:
            return list(ox.parse(self.text(), format=ox.RdfFormat.N_TRIPLES))
        text = self.text().replace(" .\n", f" {graph_name} .\n")
        return list(ox.parse(text, format=ox.RdfFormat.N_QUADS))

    def rdflib(self) -> Graph:
        graph = Graph()
        for prefix, namespace in self.namespaces():
            graph.bind(prefix, namespace, override=True, replace=True)
        return graph.parse(data=self.text(), format="nt") if self.lines else graph

    def __iter__(self):
        return iter(self.rdflib())


def rdflib_term(text: str):
    """The rdflib term of one N-Triples term."""
    if text.startswith("<"):
        return URIRef(text[1:-1])
    if text.startswith("_:"):
        return BNode(text[2:])
    return from_n3(text)


def oxigraph_quads(graph, graph_name=None) -> list:
    """An rdflib graph's triples (or an NTriplesGraph's) as pyoxigraph quads (in `graph_name`, or
    the default graph).

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

    if isinstance(graph, NTriplesGraph):
        return graph.quads(graph_name)
    name = graph_name if graph_name is not None else ox.DefaultGraph()
    quad = ox.Quad
    return [quad(term(s), term(p), term(o), name) for s, p, o in triples(graph)]


def triples(graph):
    """An rdflib graph's triples (or a list's), as iterating it gives them (in some order).

    A plain Graph alone on its in-memory store is read from the store's subject index: ~5x faster
    than Graph.__iter__, which works out the contexts of every triple (40% of converting 100k
    triples). Any other graph, or another rdflib whose store is laid out otherwise, is iterated."""
    store = getattr(graph, "store", None)  # a list of triples has none
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
    return "".join([graph.text() if isinstance(graph, NTriplesGraph) else
                    "".join([_line(triple) for triple in triples(graph)]) for graph in graphs])


def _line(triple) -> str:
    s, p, o = triple
    return f"{nt_term(s)} {nt_term(p)} {nt_term(o)} .\n"


def nt_literal(text: str, language: str | None = None, datatype: str | None = None) -> str:
    """A literal as N-Triples text, as pyoxigraph writes it (its language lower-cased; xsd:string
    is the plain literal)."""
    text = _ESCAPED.sub(lambda m: _ESCAPES[m.group()], text) if _ESCAPED.search(text) else str(text)
    if language:
        return f'"{text}"@{language.lower()}'
    if datatype is not None and datatype != _XSD_STRING:
        return f'"{text}"^^<{datatype}>'
    return f'"{text}"'


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
#: What N-Triples (and pyoxigraph's writer) escapes in a literal's text.
_ESCAPED = re.compile(r'[\x00-\x1f"\\\x7f]')
_ESCAPES = {**{chr(c): f"\\u{c:04X}" for c in (*range(0x20), 0x7F)},
            "\t": "\\t", "\b": "\\b", "\n": "\\n", "\r": "\\r", "\f": "\\f", '"': '\\"', "\\": "\\\\"}


def nt_term(node, kind=type) -> str:
    """An rdflib term as N-Triples text."""
    cls = kind(node)
    if cls is URIRef:
        return f"<{node}>"
    if cls is Literal:
        datatype = node.datatype  # rdflib's == says no to a str: compared as text
        return nt_literal(node, node.language, None if datatype is None else str(datatype))
    if cls is BNode:
        return f"_:{node}"
    for base in (URIRef, Literal, BNode):  # a subclass: written as its base class
        if isinstance(node, base):
            return nt_term(base(node))
    raise TypeError(f"not an RDF term: {node!r}")
