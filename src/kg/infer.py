"""OWL 2 RL inference: the closure of ontology + asserted data, minus what was given, minus noise.

`infer()` returns only the NEW triples, filtered, for the dataset's <BASE/graph/inferred> graph;
the asserted facts and the ontology go to graphs of their own, so a query can name
<BASE/graph/asserted> to see only what the sources say.

Two engines compute the same closure behind one function (bench/RESULTS.md, "## Inference"):
owlrl (pure Python, the reference) and reasonable (Rust, optional: pip install 'kg[fast]').

What a reasoner adds that nobody asks for, and is dropped here (see `is_noise`):
- reflexive triples: x owl:sameAs x, C rdfs:subClassOf C, p owl:equivalentProperty p, and
  x kg:metWith x, which the kg:metWith property chain gives every attendee (documented on the
  property in ontology/kg.ttl);
- anything about the built-in vocabularies themselves (subjects in rdf:, rdfs:, owl:, xsd:), e.g.
  rdf:type a rdf:Property, owl:Thing a owl:Class;
- typings everything has: x a owl:Thing, x a rdfs:Resource, and any statement with owl:Nothing;
- statements about literals and datatypes: "..." a rdfs:Literal, datatype axioms, x a rdfs:Datatype;
- inferred rdfs:domain / rdfs:range (owlrl widens them up the class hierarchy; the data already
  carries every class of its nodes, so they answer nothing);
- owl:sameAs / owl:differentFrom between distinct nodes never arise from this ontology (it has
  no functional or key axioms); were they to appear they would be kept and seen.

Shortcuts that leave an event for the agent's side (kg:participantIn, kg:investigatedIn) are not
OWL inverses: OWL cannot look at a status. `attested_inverses` makes them after the closure, and
only for events whose own kg:epistemicStatus is confirmed, reported or admitted; the ontology
names them with kg:attestedInverseOf. So no plain shortcut ever rests on an allegation.
"""

from __future__ import annotations

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from .errors import KgError
from .load import PLAIN_TRIPLE_STATUSES
from .vocab import OWL as OWL_NS, RDF as RDF_NS, RDFS as RDFS_NS, SKOS as SKOS_NS, XSD as XSD_NS

ENGINES = ("owlrl", "reasonable")
BUILT_IN_NAMESPACES = (RDF_NS, RDFS_NS, OWL_NS, XSD_NS)
# Classes every resource (or every literal) belongs to: typing anything with them says nothing.
TRIVIAL_TYPES = {
    OWL_NS + "Thing", RDFS_NS + "Resource", RDFS_NS + "Literal", RDFS_NS + "Datatype",
    OWL_NS + "NamedIndividual", RDF_NS + "PlainLiteral", RDF_NS + "langString",
}
# owlrl (not reasonable) widens every domain and range up the class hierarchy (rule scm-dom1:
# p rdfs:domain kg:Meeting, kg:Meeting rdfs:subClassOf kg:Event => p rdfs:domain kg:Event).
# The data already carries every class its nodes have, so these schema triples answer nothing.
SCHEMA_WIDENING = {RDFS_NS + "domain", RDFS_NS + "range"}
XSD_STRING = URIRef(XSD_NS + "string")
EVERYWHERE = {OWL_NS + "Thing", OWL_NS + "Nothing", RDFS_NS + "Resource"}


def infer(asserted, ontology, engine: str = "owlrl"):
    """The new, filtered triples of the OWL 2 RL closure of ontology + asserted, as an rdflib Graph."""

    given = Graph()
    given += ontology
    given += asserted
    if engine == "owlrl":
        closure = _owlrl_closure(given)
    elif engine == "reasonable":
        closure = _reasonable_closure(given)
    else:
        raise KgError(f"unknown inference engine {engine!r} (choose one of {', '.join(ENGINES)})")
    inferred = Graph()
    for prefix, namespace in asserted.namespaces():
        inferred.bind(prefix, namespace, override=False)
    known = set(given)  # a set: membership in an rdflib Graph costs ~10x more per triple
    for triple in closure:
        if triple not in known and not is_noise(triple):
            inferred.add(triple)
    for triple in attested_inverses(closure, ontology):
        if triple not in known and not is_noise(triple):
            inferred.add(triple)
    return inferred


def attested_inverses(closure, ontology) -> set:
    """shortcut(agent, event) for each `event property agent` of the closure whose event is attested,
    for every `shortcut kg:attestedInverseOf property` of the ontology."""
    (ontology_iri,) = set(ontology.subjects(URIRef(RDF_NS + "type"), URIRef(OWL_NS + "Ontology"))) or {None}
    if ontology_iri is None:
        return set()
    kg = str(ontology_iri) + "#"
    pairs = {prop: shortcut for shortcut, prop in ontology.subject_objects(URIRef(kg + "attestedInverseOf"))}
    notation = URIRef(SKOS_NS + "notation")
    attested_statuses = {concept for concept in ontology.subjects(URIRef(RDF_NS + "type"), URIRef(kg + "EpistemicStatus"))
                         if str(ontology.value(concept, notation)) in PLAIN_TRIPLE_STATUSES}
    status_of = URIRef(kg + "epistemicStatus")
    triples = list(closure)
    attested = {s for s, p, o in triples if p == status_of and o in attested_statuses}
    return {(o, pairs[p], s) for s, p, o in triples if p in pairs and s in attested}


def _owlrl_closure(given):
    graph = Graph()
    graph += given
    # No axiomatic triples, no datatype axioms: they are noise for every query we answer.
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    return graph


def _reasonable_closure(given):
    """reasonable's closure, completed with the rules it does not apply, the property chains
    (prp-spo2) and transitive sub-properties (scm-spo): reason, add what they give, reason again
    until nothing new appears."""
    try:
        import reasonable  # an optional extra (kg[fast]): imported only when chosen
    except ImportError:
        raise KgError("the reasonable engine is not installed: pip install 'kg[fast]'") from None

    chains = property_chains(given)
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(given)
    seen, closure = set(), set()
    while True:
        # reason() returns the whole closure each time: convert only what is new since last time.
        fresh = [triple for triple in reasoner.reason() if triple not in seen]
        seen.update(fresh)
        closure.update(_from_reasonable(triple) for triple in fresh)
        chained = (chain_triples(closure, chains) | sub_property_closure(closure)) - closure
        if not chained:
            return closure
        reasoner.from_graph(list(chained))  # appended: the next reason() is incremental


def property_chains(graph) -> list[tuple[object, list]]:
    """(property, [p1, p2, ...]) for every owl:propertyChainAxiom of the graph."""
    axiom = URIRef(OWL_NS + "propertyChainAxiom")
    return [(prop, list(Collection(graph, chain))) for prop, chain in graph.subject_objects(axiom)]


def chain_triples(triples, chains) -> set:
    """x P z for each chain P = p1/p2/.../pn that links x to z in triples."""
    by_predicate: dict = {}
    for s, p, o in triples:
        by_predicate.setdefault(p, {}).setdefault(s, set()).add(o)
    found = set()
    for prop, steps in chains:
        frontier = {(s, s) for s in by_predicate.get(steps[0], {})}
        for step in steps:
            links = by_predicate.get(step, {})
            frontier = {(start, nxt) for start, here in frontier for nxt in links.get(here, ())}
        found |= {(start, prop, end) for start, end in frontier}
    return found


def sub_property_closure(triples) -> set:
    """p rdfs:subPropertyOf r for each p ⊑ q ⊑ ... ⊑ r (rule scm-spo, which reasonable does not apply:
    kg:sideOne ⊑ kg:attendee ⊑ kg:participant)."""
    sub_property = URIRef(RDFS_NS + "subPropertyOf")
    parents: dict = {}
    for s, p, o in triples:
        if p == sub_property:
            parents.setdefault(s, set()).add(o)
    found = set()
    for start in parents:
        seen, todo = set(), list(parents[start])
        while todo:
            nxt = todo.pop()
            if nxt not in seen:
                seen.add(nxt)
                todo.extend(parents.get(nxt, ()))
        found |= {(start, sub_property, end) for end in seen}
    return found


def _from_reasonable(triple):
    """rdflib terms as the given graph has them. reasonable writes every plain literal it passes
    through as "x"^^xsd:string: the same RDF 1.1 term as "x", but not the same rdflib term."""
    return tuple(_term(term) for term in triple)


def _term(term):
    if type(term) is Literal:
        return Literal(str(term)) if term.datatype == XSD_STRING else term
    if isinstance(term, Node):
        return term
    return URIRef(term) if "://" in str(term) else Literal(term)  # a bare string from the engine


def is_noise(triple) -> bool:
    """True for an inferred triple that answers no question about the graph's subject matter."""

    subject, predicate, obj = triple
    if isinstance(subject, Literal) or not isinstance(predicate, URIRef):
        return True
    if subject == obj:
        return True  # reflexive: sameAs, subClassOf, equivalentClass, metWith...
    if isinstance(subject, URIRef) and str(subject).startswith(BUILT_IN_NAMESPACES):
        return True
    if str(obj) in EVERYWHERE or str(subject) in EVERYWHERE:
        return True
    if str(predicate) == RDF_NS + "type" and str(obj) in TRIVIAL_TYPES:
        return True
    if str(predicate) in SCHEMA_WIDENING:
        return True
    if isinstance(subject, BNode) and str(predicate).startswith(BUILT_IN_NAMESPACES) and \
            str(predicate) != RDF_NS + "type":
        return True  # list and restriction plumbing of the ontology's own axioms
    return False
