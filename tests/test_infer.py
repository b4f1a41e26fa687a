"""OWL-RL inference: only new triples, the noise filtered out, shortcuts that make queries simple,
and the two engines (owlrl, reasonable) giving the same closure. Small graphs only: fast."""

from __future__ import annotations

import importlib.util
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, Literal, Namespace, URIRef
from rdflib.collection import Collection

from kg.config import PROJECT_ROOT, from_env
from kg.errors import KgError
from kg.convert import NTriplesGraph
from kg.infer import BUILT_IN_NAMESPACES, infer, inferred_triples, is_noise
from kg.load import load_ontology

DATA = Path(__file__).resolve().parent / "data"
BASE = "http://127.0.0.1:8000/"
KG = Namespace(BASE + "ontology#")
PERSON = Namespace(BASE + "person/")
EVENT = Namespace(BASE + "event/")


@lru_cache(maxsize=1)
def ontology() -> Graph:
    return load_ontology(from_env(environ={}))


def fixture(*names: str) -> Graph:
    graph = Graph()
    for name in names:
        graph.parse(DATA / name)
    return graph


@lru_cache(maxsize=4)
def inferred_for(names: tuple[str, ...], engine: str = "owlrl") -> Graph:
    return infer(fixture(*names), ontology(), engine=engine)


ALL_VALID = tuple(sorted(f"valid/{p.name}" for p in (DATA / "valid").glob("*.ttl")))


def test_attested_meeting_gives_met_with_both_ways_and_never_reflexive():
    inferred = inferred_for(("valid/meeting.ttl",))
    trump, lavrov = PERSON["donald-trump"], PERSON["sergey-lavrov"]
    assert (trump, KG.metWith, lavrov) in inferred
    assert (lavrov, KG.metWith, trump) in inferred
    assert not any(s == o for s, _, o in inferred.triples((None, KG.metWith, None)))


def as_alleged(meeting: Graph, node) -> Graph:
    """The meeting as the data writes an alleged one: parties as kg:participant, status alleged."""
    for side in (KG.sideOne, KG.sideTwo):
        for party in list(meeting.objects(node, side)):
            meeting.remove((node, side, party))
            meeting.add((node, KG.participant, party))
    meeting.set((node, KG.epistemicStatus, URIRef(BASE + "status/alleged")))
    return meeting


@pytest.mark.parametrize("engine", ["owlrl", pytest.param("reasonable", marks=pytest.mark.skipif(
    importlib.util.find_spec("reasonable") is None, reason="reasonable is not installed"))])
def test_alleged_meeting_gives_no_met_with_and_no_participant_in(engine):
    node = EVENT["2017-05-oval-office-meeting"]
    inferred = infer(as_alleged(fixture("valid/meeting.ttl"), node), ontology(), engine=engine)
    assert list(inferred.triples((None, KG.metWith, None))) == []
    # Issue 10: no plain shortcut on the person's side rests on an allegation...
    assert list(inferred.triples((None, KG.participantIn, None))) == []
    # ...while the role stays on the event, which carries its status.
    assert (node, KG.participant, PERSON["donald-trump"]) in as_alleged(fixture("valid/meeting.ttl"), node)


def test_parties_on_the_same_side_do_not_meet_each_other():
    meeting = fixture("valid/meeting.ttl")
    node = EVENT["2017-05-oval-office-meeting"]
    kislyak, lavrov, trump = PERSON["sergey-kislyak"], PERSON["sergey-lavrov"], PERSON["donald-trump"]
    meeting.add((node, KG.sideTwo, kislyak))  # Trump (side one) met Lavrov and Kislyak (side two)
    inferred = infer(meeting, ontology())
    met = set(inferred.subject_objects(KG.metWith))
    assert met == {(trump, lavrov), (lavrov, trump), (trump, kislyak), (kislyak, trump)}
    assert (kislyak, KG.attended, node) in inferred and (lavrov, KG.attended, node) in inferred


def test_inverse_properties_and_class_hierarchy_are_materialised():
    inferred = inferred_for(ALL_VALID)
    flynn_call = EVENT["2016-12-flynn-kislyak-call"]
    assert (PERSON["michael-flynn"], KG.participantIn, flynn_call) in inferred  # agent ⊑ participant, inverse
    assert (flynn_call, KG.deniedBy, EVENT["2017-statement"]) in inferred
    assert (flynn_call, KG.allegedBy, EVENT["2017-statement"]) in inferred
    assert (EVENT["2017-05-oval-office-meeting"], KG.supportedBy,
            URIRef(BASE + "claim/event-2017-05-oval-office-meeting-1")) in inferred
    assert (EVENT["2017-05-comey-firing"], RDF.type, KG.Event) in inferred  # Firing ⊑ Dismissal ⊑ Event
    assert (PERSON["donald-trump"], RDF.type, URIRef("http://schema.org/Person")) in inferred


def test_simple_questions_get_simple_queries_on_asserted_plus_inferred():
    union = fixture(*ALL_VALID) + inferred_for(ALL_VALID)
    met = {str(row.who) for row in union.query(
        "SELECT ?who WHERE { <%sdonald-trump> kg:metWith ?who }" % PERSON, initNs={"kg": KG})}
    assert met == {str(PERSON["sergey-lavrov"])}
    statements = {row.s for row in union.query("SELECT ?s WHERE { ?s a kg:Statement }", initNs={"kg": KG})}
    assert EVENT["2017-statement"] in statements  # typed kg:Denial, kg:Boast... in the fixtures


def test_only_new_triples_are_returned():
    asserted = fixture(*ALL_VALID)
    inferred = inferred_for(ALL_VALID)
    assert len(inferred) > 50
    assert not any(triple in asserted or triple in ontology() for triple in inferred)


def test_no_noise_remains():
    inferred = inferred_for(ALL_VALID)
    for s, p, o in inferred:
        assert not isinstance(s, Literal)
        assert s != o, (s, p, o)
        assert not str(s).startswith(BUILT_IN_NAMESPACES), (s, p, o)
        assert o not in (OWL.Thing, OWL.Nothing, RDFS.Resource, RDFS.Literal), (s, p, o)
        assert p not in (RDFS.domain, RDFS.range, OWL.sameAs), (s, p, o)


@pytest.mark.parametrize("triple, noise", [
    ((PERSON.a, OWL.sameAs, PERSON.a), True),
    ((PERSON.a, KG.metWith, PERSON.a), True),
    ((KG.Meeting, RDFS.subClassOf, KG.Meeting), True),
    ((PERSON.a, RDF.type, OWL.Thing), True),
    ((RDF.type, RDF.type, RDF.Property), True),
    ((URIRef("http://www.w3.org/2001/XMLSchema#string"), RDF.type, RDFS.Datatype), True),
    ((Literal("x"), RDF.type, RDFS.Literal), True),
    ((KG.attendee, RDFS.domain, KG.Event), True),
    ((PERSON.a, KG.metWith, PERSON.b), False),
    ((PERSON.a, RDF.type, KG.Person), False),
    ((KG.Firing, RDFS.subClassOf, KG.Event), False),
])
def test_noise_filter(triple, noise):
    assert is_noise(triple) is noise


def synthetic(size: int) -> Graph:
    spec = importlib.util.spec_from_file_location("bench_inference", PROJECT_ROOT / "bench" / "bench_inference.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.synthetic_graph(size)


@pytest.mark.parametrize("graph_name", ["valid fixtures", "synthetic 1500"])
def test_owlrl_and_reasonable_give_the_same_closure(graph_name):
    pytest.importorskip("reasonable")
    asserted = fixture(*ALL_VALID) if graph_name == "valid fixtures" else synthetic(1500)
    by_owlrl = set(infer(asserted, ontology(), engine="owlrl"))
    by_reasonable = set(infer(asserted, ontology(), engine="reasonable"))
    assert by_owlrl and by_owlrl == by_reasonable
    assert any(p == KG.metWith for _, p, _ in by_reasonable)  # the chain rule reasonable lacks, completed


def test_unknown_engine_is_refused():
    with pytest.raises(KgError, match="unknown inference engine"):
        infer(Graph(), Graph(), engine="hermit")


def test_ontology_stays_in_owl2_rl_where_inference_depends_on_it():
    onto = ontology()
    # Property chains and inverses only between object properties, and no chain property that
    # is also functional, asymmetric or irreflexive (not simple: outside OWL 2 DL and RL).
    object_properties = set(onto.subjects(RDF.type, OWL.ObjectProperty))
    for prop, chain in onto.subject_objects(OWL.propertyChainAxiom):
        steps = list(Collection(onto, chain))
        assert len(steps) >= 2 and set(steps) <= object_properties
        for kind in (OWL.FunctionalProperty, OWL.AsymmetricProperty, OWL.IrreflexiveProperty):
            assert (prop, RDF.type, kind) not in onto
    for a, b in onto.subject_objects(OWL.inverseOf):
        assert {a, b} <= object_properties
    # Superclasses are named classes (RL forbids unions and existentials on the right of ⊑).
    assert all(isinstance(sup, URIRef) for sup in onto.objects(None, RDFS.subClassOf))


@pytest.mark.parametrize("engine", ["owlrl", "reasonable"])
@pytest.mark.parametrize("graph_name", ["valid fixtures", "synthetic 1500"])
def test_the_loaders_ntriples_lines_give_the_closure_of_the_same_rdflib_graph(graph_name, engine):
    """The build hands inference the loader's N-Triples lines (kg.convert.NTriplesGraph), fed to
    reasonable term by term without rdflib: the same triples as from the rdflib graph."""
    if engine == "reasonable":
        pytest.importorskip("reasonable")
    asserted = fixture(*ALL_VALID) if graph_name == "valid fixtures" else synthetic(1500)
    lines = NTriplesGraph()
    lines += asserted
    assert len(lines) == len(asserted)
    by_lines = inferred_triples(lines, ontology(), engine=engine)
    assert by_lines and len(by_lines) == len(set(by_lines))
    assert set(by_lines) == set(inferred_triples(asserted, ontology(), engine=engine))


@pytest.mark.parametrize("graph_name", ["valid fixtures", "synthetic 1500"])
def test_reasonable_fed_only_the_useful_triples_gives_the_closure_of_all(graph_name):
    """The triples no rule can use (kg.infer._useful) are left out of reasonable's input: same result."""
    pytest.importorskip("reasonable")
    from kg.infer import _reasonable_new, _useful

    asserted = fixture(*ALL_VALID) if graph_name == "valid fixtures" else synthetic(1500)
    assert len(list(_useful(asserted, ontology()))) < len(asserted)  # some are left out
    assert set(_reasonable_new(asserted, ontology())) == set(_reasonable_new(asserted, ontology(), whole=True))


@pytest.mark.parametrize("engine", ["owlrl", "reasonable"])
def test_a_same_as_rewrites_even_the_triples_no_rule_names(engine):
    """owl:sameAs rewrites any triple (eq-rep-s): the left-out triples are then fed after all."""
    if engine == "reasonable":
        pytest.importorskip("reasonable")
    ex = Namespace("http://example.org/")
    onto = Graph()
    onto += ontology()
    onto.add((ex.onlyWitness, RDF.type, OWL.FunctionalProperty))
    data = Graph()
    data.add((EVENT.e1, RDF.type, KG.Meeting))
    data.add((EVENT.e1, ex.onlyWitness, PERSON.a))
    data.add((EVENT.e1, ex.onlyWitness, PERSON.b))
    for person in (PERSON.a, PERSON.b):
        data.add((person, RDF.type, KG.Person))
    data.add((PERSON.a, ex.note, Literal("a note no rule names")))
    inferred = infer(data, onto, engine=engine)
    assert (PERSON.a, OWL.sameAs, PERSON.b) in inferred
    assert (PERSON.b, ex.note, Literal("a note no rule names")) in inferred
