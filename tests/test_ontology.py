"""The ontology parses, documents every term, stays in OWL 2 RL's reach, and its README is current."""

from rdflib import OWL, RDF, RDFS, Graph
from rdflib.namespace import SKOS

from kg.config import PROJECT_ROOT
from kg.ontology_doc import updated_readme
from kg.vocab import DEFAULT_BASE, ontology_ns

ONTOLOGY = Graph().parse(PROJECT_ROOT / "ontology" / "kg.ttl")
SCHEMES = Graph().parse(PROJECT_ROOT / "ontology" / "schemes.ttl")
KG = ontology_ns(DEFAULT_BASE)


def kg_terms():
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
    return {t for kind in kinds for t in ONTOLOGY.subjects(RDF.type, kind) if str(t).startswith(KG)}


def test_has_an_ontology_header_with_a_version_iri():
    (ontology,) = ONTOLOGY.subjects(RDF.type, OWL.Ontology)
    assert ONTOLOGY.value(ontology, OWL.versionIRI) is not None
    assert ONTOLOGY.value(ontology, OWL.versionInfo) is not None


def test_every_term_has_an_english_label_and_a_definition():
    missing = [
        t for t in kg_terms()
        if not any(l.language == "en" for l in ONTOLOGY.objects(t, RDFS.label))
        or ONTOLOGY.value(t, SKOS.definition) is None
    ]
    assert len(kg_terms()) > 60
    assert missing == []


def test_every_kg_term_used_is_declared():
    used = {t for triple in ONTOLOGY for t in triple if str(t).startswith(KG)}
    assert used - kg_terms() == set()


def test_no_constructs_outside_owl2_rl():
    # Constructs OWL 2 RL does not allow at all; union/intersection are fine where we do not use them.
    forbidden = [OWL.hasSelf, OWL.ReflexiveProperty, OWL.disjointUnionOf, OWL.unionOf, OWL.someValuesFrom]
    used = {p for _, p, _ in ONTOLOGY} | {o for o in ONTOLOGY.objects(None, RDF.type)}
    assert used.isdisjoint(forbidden)


def test_status_scheme_has_the_six_statuses_with_definitions():
    statuses = set(SCHEMES.subjects(SKOS.inScheme, SCHEMES.value(predicate=RDF.type, object=SKOS.ConceptScheme, any=True)))
    notations = {str(SCHEMES.value(s, SKOS.notation)) for s in SCHEMES.subjects(RDF.type, SKOS.Concept)}
    assert {"confirmed", "admitted", "reported", "claimed", "alleged", "denied"} <= notations
    assert all(SCHEMES.value(s, SKOS.definition) for s in SCHEMES.subjects(RDF.type, SKOS.Concept))
    assert statuses


def test_readme_reference_is_generated_from_the_current_ontology():
    readme = (PROJECT_ROOT / "ontology" / "README.md").read_text(encoding="utf-8")
    assert readme == updated_readme(), "run `python -m kg.ontology_doc` to regenerate ontology/README.md"
