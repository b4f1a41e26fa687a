"""OWL 2 RL inference: the closure of ontology + asserted data, minus what was given, minus noise.

`infer()` returns only the NEW triples, filtered, for the dataset's <BASE/graph/inferred> graph
(`inferred_triples()`: the same as a list, for the build); the asserted facts and the ontology go
to graphs of their own, so a query can name <BASE/graph/asserted> to see only what the sources say.
The asserted graph is an rdflib Graph or the loader's N-Triples lines (kg.convert.NTriplesGraph).

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

import sys
import types
from contextlib import contextmanager

import owlrl
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.collection import Collection

from .convert import NTriplesGraph, rdflib_term
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
XSD_STRING = XSD_NS + "string"
SUB_PROPERTY = URIRef(RDFS_NS + "subPropertyOf")
EVERYWHERE = {OWL_NS + "Thing", OWL_NS + "Nothing", RDFS_NS + "Resource"}
RDF_TYPE = RDF_NS + "type"


def infer(asserted, ontology, engine: str = "owlrl") -> Graph:
    """The new, filtered triples of the OWL 2 RL closure of ontology + asserted, as an rdflib Graph."""
    inferred = Graph()
    for prefix, namespace in asserted.namespaces():
        inferred.bind(prefix, namespace, override=False)
    for triple in inferred_triples(asserted, ontology, engine):
        inferred.add(triple)
    return inferred


def inferred_triples(asserted, ontology, engine: str = "owlrl") -> list:
    """infer()'s triples (rdflib terms, each once), as a list: no graph is made for them."""
    if engine == "owlrl":
        new = _owlrl_new(asserted, ontology)
    elif engine == "reasonable":
        new = _reasonable_new(asserted, ontology)  # fed from the two graphs as they are: no merged copy
    else:
        raise KgError(f"unknown inference engine {engine!r} (choose one of {', '.join(ENGINES)})")
    inferred = dict.fromkeys(new)  # the engines leave the noise out
    for triple in attested_inverses((asserted, ontology, new), ontology):
        if triple not in asserted and triple not in ontology and not is_noise(triple):
            inferred[triple] = None
    return list(inferred)


def attested_inverses(closure, ontology) -> set:
    """shortcut(agent, event) for each `event property agent` of the closure whose event is attested,
    for every `shortcut kg:attestedInverseOf property` of the ontology.

    `closure` is given in parts (graphs, or lists of triples) whose union it is; only the triples
    of the few predicates involved are looked at (an index lookup in a graph)."""
    (ontology_iri,) = set(ontology.subjects(URIRef(RDF_NS + "type"), URIRef(OWL_NS + "Ontology"))) or {None}
    if ontology_iri is None:
        return set()
    kg = str(ontology_iri) + "#"
    pairs = {prop: shortcut for shortcut, prop in ontology.subject_objects(URIRef(kg + "attestedInverseOf"))}
    notation = URIRef(SKOS_NS + "notation")
    attested_statuses = {concept for concept in ontology.subjects(URIRef(RDF_NS + "type"), URIRef(kg + "EpistemicStatus"))
                         if str(ontology.value(concept, notation)) in PLAIN_TRIPLE_STATUSES}
    status_of = URIRef(kg + "epistemicStatus")
    triples = [triple for part in closure for triple in _with_predicates(part, {status_of, *pairs})]
    attested = {s for s, p, o in triples if p == status_of and o in attested_statuses}
    return {(o, pairs[p], s) for s, p, o in triples if p in pairs and s in attested}


def _with_predicates(triples, predicates: set):
    if isinstance(triples, Graph):
        return [triple for predicate in predicates for triple in triples.triples((None, predicate, None))]
    if isinstance(triples, NTriplesGraph):
        return triples.triples_with(predicates)
    return [triple for triple in triples if triple[1] in predicates]


def _owlrl_new(asserted, ontology) -> list:
    graph = Graph()
    graph += ontology
    graph += asserted
    known = set(graph)  # a set, not the Graph: membership in an rdflib Graph costs ~10x more
    # No axiomatic triples, no datatype axioms: they are noise for every query we answer.
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False).expand(graph)
    return [triple for triple in graph if triple not in known and not is_noise(triple)]


def _reasonable_new(asserted, ontology, whole: bool = False) -> list:
    """reasonable's closure minus what it was given and minus noise, as rdflib triples, completed
    with the rules it does not apply, the property chains (prp-spo2) and transitive sub-properties (scm-spo): reason,
    add what they give, reason again until nothing new appears.

    The closure is handled as text (`_plain_terms`): IRIs as str, literals as (value, language,
    datatype), blank nodes as "_:id"; only the new triples that are not noise are made rdflib
    terms, once. The
    asserted triples no rule can use are not fed to it (`_useful`) unless `whole` is asked for, or
    the closure holds an owl:sameAs between two distinct terms, which rewrites any triple (eq-rep-*)."""
    try:
        import reasonable  # an optional extra (kg[fast]): imported only when chosen
    except ImportError:
        raise KgError("the reasonable engine is not installed: pip install 'kg[fast]'") from None

    chains = [(str(prop), [str(step) for step in steps]) for prop, steps in property_chains(ontology)]
    chain_steps = {step for _, steps in chains for step in steps}
    sub_property = str(SUB_PROPERTY)
    reasoner = reasonable.PyReasoner()
    _feed(reasoner, ontology)
    _feed(reasoner, asserted if whole else _useful(asserted, ontology))
    with _plain_terms():
        given = set(reasoner.get_base_triples())
    while True:
        with _plain_terms():
            closure = set(reasoner.reason())  # the whole closure, each time (the reasoning is incremental)
        # Only chain links can make a chain, only sub-property axioms a sub-property closure.
        linked = [t for t in closure if t[1] in chain_steps or t[1] == sub_property]
        chained = (chain_triples(linked, chains) | sub_property_closure(linked, sub_property)) - closure
        if not chained:
            break
        del closure  # the next reason() returns it again, grown: one copy at a time
        reasoner.from_graph([_rdflib_triple(triple, {}) for triple in chained])  # appended
    same_as = OWL_NS + "sameAs"
    if not whole and any(p == same_as and s != o for s, p, o in closure):
        return _reasonable_new(asserted, ontology, whole=True)
    closure -= given
    terms: dict = {}
    return [_rdflib_triple(triple, terms) for triple in closure if not is_noise(triple)]


class _Iri(str):
    """An IRI as reasonable's from_graph reads it fastest: a str with no datatype and no language
    (it asks every term for both; an rdflib URIRef answers with an AttributeError, ~3x slower)."""
    __slots__ = ()
    datatype = None
    language = None


def _useful(asserted, ontology):
    """The asserted triples an OWL 2 RL rule can use; the others are inert.

    Every rule that reads a data triple `s p o` with p outside the RDF/RDFS/OWL vocabulary needs a
    schema triple that names p (a domain, a range, a sub-property, an inverse, a property type, a
    chain, a restriction's owl:onProperty...), except two: eq-rep-* (an owl:sameAs rewrites any
    triple; `_reasonable_new` checks the closure for one) and reasonable's "every subject is an
    owl:Thing", so a triple is kept when its subject has no other triple kept. Inert here: the
    predicate occurs in no triple of the ontology, nor in any asserted triple of a built-in
    predicate (data may carry schema too). At 100k, 40% of the asserted triples (the Web Annotation
    selectors, the source texts, descriptions), and most of the literal text."""
    # As text: equal rdflib terms that are distinct objects compare in Python code.
    named = {str(term) for triple in ontology for term in triple}
    kept_subjects, held = set(), []
    for s, p, o, triple in _as_text(asserted):
        if p.startswith(BUILT_IN_NAMESPACES):
            named.update((s, p, o))
        elif p not in named:
            held.append((s, p, triple))
            continue
        kept_subjects.add(s)
        yield triple
    for s, p, triple in held:
        if p in named or s not in kept_subjects:
            yield triple


def _as_text(graph):
    """(subject, predicate, object, triple) for each triple, the terms as text (an IRI without its
    brackets); an NTriplesGraph's lines are parsed once, here, into the terms `_feed` gives the
    reasoner (each a str: an IRI's is its text), which are then both the text and the triple."""
    if isinstance(graph, NTriplesGraph):
        terms: dict = {}
        for line in graph.lines:
            s, p, rest = line.split(" ", 2)
            triple = (_fed_term(s, terms), _fed_term(p, terms), _fed_term(rest[:-3], terms))
            yield (*triple, triple)
    else:
        for triple in graph:
            s, p, o = triple
            yield str(s), str(p), str(o), triple


def _feed(reasoner, graph, batch_size: int = 100_000) -> None:
    """Append the graph's triples to the reasoner's, in batches (from_graph copies each batch): an
    rdflib graph or triples, the terms `_as_text` makes of an NTriplesGraph's lines, or the graph.

    (reasonable's own file reader, load_file, was tried for the lines: 10x slower at 1M triples.)"""
    batch = []
    for s, p, o in (triple for *_, triple in _as_text(graph)) if isinstance(graph, NTriplesGraph) else graph:
        batch.append((_Iri(s) if type(s) is URIRef else s, _Iri(p) if type(p) is URIRef else p,
                      _Iri(o) if type(o) is URIRef else o))
        if len(batch) == batch_size:
            reasoner.from_graph(batch)
            batch = []
    reasoner.from_graph(batch)


#: A literal as reasonable's from_graph reads it fastest: a str with `language` and `datatype`,
#: whose class is named Literal (from_graph tells a literal from an IRI by its class's name; a
#: class named otherwise is read as an IRI and fails). rdflib's Literal costs ~10x more to make.
_FedLiteral = type("Literal", (str,), {"__module__": __name__})


def _fed_term(text: str, terms: dict):
    """The term from_graph is given for one N-Triples term; `terms` caches them by their text."""
    term = terms.get(text)
    if term is not None:
        return term
    if text[0] == "<":
        term = _Iri(text[1:-1])
    elif text[0] == '"' and "\\" not in text:  # no escape to undo: the text between the quotes
        end = text.rindex('"')
        term = _FedLiteral(text[1:end])
        suffix = text[end + 1:]
        term.language = suffix[1:] if suffix.startswith("@") else None
        term.datatype = _Iri(suffix[3:-1]) if suffix.startswith("^^") else None
    else:  # a blank node, an escaped literal: rdflib's term
        term = rdflib_term(text)
    terms[text] = term
    return term


_PLAIN = types.ModuleType("kg.infer.plain_terms")
_PLAIN.URIRef = sys.intern  # each IRI once in memory, however many triples share it
_PLAIN.Literal = lambda value, language=None, datatype=None: (value, language, datatype)
_PLAIN.BNode = lambda label: "_:" + label


@contextmanager
def _plain_terms():
    """While on, reasonable returns triples of plain Python values instead of rdflib terms.

    reasonable's PyReasoner makes each term it returns by calling rdflib.URIRef, rdflib.Literal or
    rdflib.BNode, looking the `rdflib` module up in sys.modules at each call (python/src/pyreason.rs,
    term_to_python, since 0.2); rdflib's constructors check and normalise every term and took ~3/4
    of the time of reason(). Meanwhile no other Python code runs (reason() holds the GIL), and the
    check below fails loudly should another version of reasonable build its terms otherwise."""
    rdflib_module = sys.modules["rdflib"]
    sys.modules["rdflib"] = _PLAIN
    try:
        yield
    finally:
        sys.modules["rdflib"] = rdflib_module


def _rdflib_triple(triple, terms: dict) -> tuple:
    """rdflib terms for a triple of plain values (`_plain_terms`), the same reasonable would have
    made, except that "x"^^xsd:string, as reasonable writes every plain literal it passes through
    (the same RDF 1.1 term as "x"), is written "x" as the given graph has it; `terms` caches them."""
    converted = []
    for value in triple:
        term = terms.get(value)
        if term is None:
            term = terms[value] = _rdflib_term(value)
        converted.append(term)
    return tuple(converted)


def _rdflib_term(value):
    if type(value) is tuple:
        text, language, datatype = value
        if language:
            return Literal(text, lang=language)
        return Literal(text) if datatype in (None, XSD_STRING) else Literal(text, datatype=datatype)
    if type(value) is not str:
        raise KgError(f"this version of reasonable returns {type(value).__name__} terms, not plain ones: "
                      "kg needs a reasonable whose PyReasoner builds terms with rdflib.URIRef/Literal/BNode")
    return BNode(value[2:]) if value.startswith("_:") else URIRef(value)


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


def sub_property_closure(triples, sub_property=SUB_PROPERTY) -> set:
    """p rdfs:subPropertyOf r for each p ⊑ q ⊑ ... ⊑ r (rule scm-spo, which reasonable does not apply:
    kg:sideOne ⊑ kg:attendee ⊑ kg:participant); `sub_property` as the triples write it."""
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


def is_noise(triple) -> bool:
    """True for an inferred triple that answers no question about the graph's subject matter.

    The terms are rdflib's, or the plain values of `_plain_terms` (an IRI is a str, a blank node
    "_:id", a literal a tuple), which the reasonable engine filters before making rdflib terms."""

    subject, predicate, obj = triple
    kind = _kind(subject)
    if kind == "literal" or _kind(predicate) != "iri":
        return True
    if subject == obj:
        return True  # reflexive: sameAs, subClassOf, equivalentClass, metWith...
    s, p, o = str(subject), str(predicate), obj[0] if type(obj) is tuple else str(obj)
    if kind == "iri" and s.startswith(BUILT_IN_NAMESPACES):
        return True
    if o in EVERYWHERE or s in EVERYWHERE:
        return True
    if p == RDF_TYPE and o in TRIVIAL_TYPES:
        return True
    if p in SCHEMA_WIDENING:
        return True
    if kind == "blank" and p.startswith(BUILT_IN_NAMESPACES) and p != RDF_TYPE:
        return True  # list and restriction plumbing of the ontology's own axioms
    return False


def _kind(term) -> str:
    """"iri", "blank" or "literal" for an rdflib term or a plain value (see is_noise); else "other"."""
    if type(term) is str:
        return "blank" if term.startswith("_:") else "iri"
    if type(term) is tuple or isinstance(term, Literal):
        return "literal"
    if isinstance(term, BNode):
        return "blank"
    return "iri" if isinstance(term, URIRef) else "other"
