"""Shapes that test class membership without sh:class mean what sh:class means.

kgsh:ParticipantShape and kgsh:ClaimQuoteShape ask whether a value is a SHACL instance of a class
inside sh:or and sh:qualifiedValueShape. They write it as the path rdf:type/rdfs:subClassOf* having
the class as a value, which is SHACL's definition of an instance, and not as a nested sh:class, which
the shacl engine evaluates by gathering every instance of the class again for each value (quadratic
in the graph). Here both shapes give, with both engines, exactly the results their sh:class form
gives, on values typed directly, through subclasses, through a subclass cycle, and on values that
are no instance (a literal, an untyped IRI, a class IRI, a node of another class).
"""

from functools import lru_cache
from pathlib import Path

import pyshacl
import pytest
from rdflib import RDF, Graph, URIRef

from kg.config import from_env
from kg.load import load_ontology
from kg.validate import SH, read_files, validate, with_ontology

shacl = pytest.importorskip("shacl")

DATA = Path(__file__).resolve().parent / "data" / "instances" / "class-membership.ttl"
CONFIG = from_env(environ={})
KGSH, TEST = "http://127.0.0.1:8000/shapes#", "http://127.0.0.1:8000/test/"
SHAPES = {KGSH + "ParticipantShape", KGSH + "ClaimQuoteShape"}

#: The two shapes as they read with sh:class: targets, paths and constraints otherwise as in shapes.ttl.
WITH_SH_CLASS = """
@prefix kgsh: <http://127.0.0.1:8000/shapes#> .
@prefix kg:   <http://127.0.0.1:8000/ontology#> .
@prefix sh:   <http://www.w3.org/ns/shacl#> .
@prefix oa:   <http://www.w3.org/ns/oa#> .
@prefix prov: <http://www.w3.org/ns/prov#> .

kgsh:ParticipantShape a sh:PropertyShape ;
    sh:targetSubjectsOf kg:participant, kg:attendee, kg:sideOne, kg:sideTwo, kg:agent, kg:recipient, kg:investigator ;
    sh:path [ sh:alternativePath ( kg:participant kg:attendee kg:sideOne kg:sideTwo kg:agent kg:recipient kg:investigator ) ] ;
    sh:or ( [ sh:class prov:Agent ] [ sh:class kg:Country ] ) .

kgsh:ClaimQuoteShape a sh:PropertyShape ;
    sh:targetClass kg:Claim ;
    sh:path ( oa:hasTarget oa:hasSelector ) ;
    sh:qualifiedValueShape [ sh:class oa:TextQuoteSelector ] ;
    sh:qualifiedMinCount 1 .
"""

EXPECTED = {  # (shape, focus, value) of the sh:class form, read off the data file
    ("ParticipantShape", "topic-attendee", TEST + "topic"),
    ("ParticipantShape", "untyped-agent", TEST + "untyped"),
    ("ParticipantShape", "literal-participant", "Donald Trump"),
    ("ParticipantShape", "looped-participant", TEST + "looped"),
    ("ParticipantShape", "looped-participant", TEST + "nowhere"),
    ("ParticipantShape", "class-participant", "http://127.0.0.1:8000/ontology#Person"),
    ("ClaimQuoteShape", "position-only", None),
    ("ClaimQuoteShape", "no-target", None),
    ("ClaimQuoteShape", "literal-selector", None),
    ("ClaimQuoteShape", "class-selector", None),
}


@lru_cache(maxsize=1)
def data() -> Graph:
    return with_ontology(read_files([DATA])[0], load_ontology(CONFIG))


def short(shape: str, focus: str, value) -> tuple:
    return shape.removeprefix(KGSH), focus.removeprefix(TEST), None if value is None else str(value)


def with_sh_class(engine: str) -> set[tuple]:
    if engine == "pyshacl":
        _, results, _ = pyshacl.validate(data(), shacl_graph=Graph().parse(data=WITH_SH_CLASS, format="turtle"),
                                         inference="none")
        found = set()
        for result in results.subjects(RDF.type, URIRef(SH + "ValidationResult")):
            value = results.value(result, URIRef(SH + "value"))
            found.add(short(str(results.value(result, URIRef(SH + "sourceShape"))),
                            str(results.value(result, URIRef(SH + "focusNode"))), value))
        return found
    report = shacl.Shapes.from_text(WITH_SH_CLASS, format="turtle").validate_text(
        data().serialize(format="nt"), format="ntriples")
    unquote = lambda term: None if term is None else term.strip("<>").strip('"')  # noqa: E731
    return {short(unquote(r.root_shape), unquote(r.focus_node), unquote(r.value)) for r in report.results}


def as_written(engine: str) -> set[tuple]:
    graph, origins = read_files([DATA])
    report = validate(graph, CONFIG, origins, ontology=load_ontology(CONFIG), engine=engine)
    prefixes = dict(graph.namespaces())
    found = set()
    for v in report.violations:
        if v.shape in SHAPES:  # the report shows IRI values as prefixed names (ex:topic)
            prefix, _, local = (v.value or "").partition(":")
            value = str(prefixes[prefix]) + local if prefix in prefixes else v.value
            found.add(short(v.shape, v.focus, value))
    return found


@pytest.mark.parametrize("engine", ["pyshacl", "shacl"])
def test_the_sh_class_form_finds_exactly_the_non_instances(engine):
    assert with_sh_class(engine) == EXPECTED


@pytest.mark.parametrize("engine", ["pyshacl", "shacl"])
def test_the_shapes_as_written_give_the_results_of_the_sh_class_form(engine):
    assert as_written(engine) == EXPECTED
