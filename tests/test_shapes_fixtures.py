"""Every shape has a fixture that breaks it, and reports exactly that; every class has a valid fixture.

tests/data/invalid/<Shape>.ttl starts with `# expect: <shape> <focus>` lines (prefixed names of the
file's own prefixes): the violations reported must be exactly those (shape, focus node) pairs.
tests/data/valid/*.ttl must produce no result at all, not even a warning.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, Graph, URIRef

from kg.config import from_env
from kg.load import load_ontology
from kg.validate import load_shapes, read_files, validate

DATA = Path(__file__).resolve().parent / "data"
INVALID = sorted((DATA / "invalid").glob("*.ttl"))
VALID = sorted((DATA / "valid").glob("*.ttl"))
SH = "http://www.w3.org/ns/shacl#"
KG = "http://127.0.0.1:8000/ontology#"
CONFIG = from_env(environ={})


@lru_cache(maxsize=1)
def ontology() -> Graph:
    return load_ontology(CONFIG)


def run(path: Path):
    graph, origins = read_files([path])
    return graph, validate(graph, CONFIG, origins, ontology=ontology())


def expected(path: Path, graph: Graph) -> set[tuple[str, str]]:
    pairs = set()
    for shape, focus in re.findall(r"^# expect: (\S+) (\S+)$", path.read_text(encoding="utf-8"), re.M):
        pairs.add((str(graph.namespace_manager.expand_curie(shape)), _iri(graph, focus)))
    return pairs


def _iri(graph: Graph, name: str) -> str:
    return name[1:-1] if name.startswith("<") else str(graph.namespace_manager.expand_curie(name))


def named_shapes() -> set[str]:
    shapes = load_shapes(CONFIG)
    kinds = (URIRef(SH + "NodeShape"), URIRef(SH + "PropertyShape"))
    return {str(s) for kind in kinds for s in shapes.subjects(RDF.type, kind) if isinstance(s, URIRef)}


@pytest.mark.parametrize("path", INVALID, ids=lambda p: p.stem)
def test_invalid_fixture_reports_exactly_its_violation(path):
    graph, report = run(path)
    wanted = expected(path, graph)
    assert wanted, f"{path.name} has no '# expect:' line"
    got = {(v.shape, v.focus) for v in report.violations}
    assert got == wanted, report.to_text()
    if all(v.severity == "Violation" for v in report.violations):
        assert not report.conforms
    else:  # a warning alone does not stop the build
        assert report.conforms


@pytest.mark.parametrize("path", VALID, ids=lambda p: p.stem)
def test_valid_fixture_conforms_without_any_result(path):
    _, report = run(path)
    assert report.conforms and report.violations == [], report.to_text()


def test_every_shape_has_an_invalid_fixture_and_a_message():
    shapes_graph = load_shapes(CONFIG)
    shapes = named_shapes()
    fixtures = {f"http://127.0.0.1:8000/shapes#{p.stem}" for p in INVALID}
    assert shapes - fixtures == set(), "shapes without a fixture that breaks them"
    assert fixtures - shapes == set(), "fixtures named after no shape"
    for shape in shapes:
        written = [m for m in shapes_graph.objects(URIRef(shape), URIRef(SH + "message"))]
        sparql_messages = list(shapes_graph.objects(
            shapes_graph.value(URIRef(shape), URIRef(SH + "sparql")), URIRef(SH + "message")))
        assert written or sparql_messages, f"{shape} has no sh:message"


def test_every_class_of_the_ontology_has_a_valid_fixture_with_a_node_of_it():
    classes = {str(c) for c in ontology().subjects(RDF.type, OWL.Class) if str(c).startswith(KG)}
    typed = set()
    for path in VALID:
        graph = Graph().parse(path)
        typed |= {str(c) for c in graph.objects(None, RDF.type)}
    assert len(classes) > 40
    assert classes - typed == set()


def test_every_class_is_targeted_by_some_shape_directly_or_through_a_superclass():
    onto, shapes = ontology(), load_shapes(CONFIG)
    targeted = {c for c in shapes.objects(None, URIRef(SH + "targetClass"))}
    for cls in onto.subjects(RDF.type, OWL.Class):
        if not str(cls).startswith(KG):
            continue
        lineage = set(onto.transitive_objects(cls, RDFS.subClassOf))
        assert lineage & targeted, f"no shape applies to {cls}"
