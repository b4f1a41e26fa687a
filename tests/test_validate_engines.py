"""The Rust SHACL engine (`shacl`) gives the same report as pySHACL, the reference.

Compared on every shape fixture (invalid and valid), on the real curated graph and on another
base: the same results, each with the same shape, focus node, severity, path, value and file:line.
Two known differences in what a result says, both checked here to stay exactly those:
- messages: pySHACL appends its own technical detail to a nested shape's message, and where a
  shape has a message of its own and one on its SPARQL constraint (kgsh:SourceChecksumShape), the
  two engines pick different ones; both are always one of the shape's written sh:message texts;
- kgsh:PositionMatchesQuoteShape: the shacl engine gives no sh:value when the constraint's ?value
  comes from a BIND (its message still shows the text the offsets select).
"""

from functools import lru_cache
from pathlib import Path

import pytest

from kg.config import from_env
from kg.load import load_data, load_ontology
import re

from rdflib import URIRef

from kg.validate import SH, choose_engine, load_shapes, read_files, validate

pytest.importorskip("shacl")

DATA = Path(__file__).resolve().parent / "data"
FIXTURES = sorted((DATA / "invalid").glob("*.ttl")) + sorted((DATA / "valid").glob("*.ttl"))
CONFIG = from_env(environ={})


@lru_cache(maxsize=1)
def ontology():
    return load_ontology(CONFIG)


def is_written(message: str, shapes) -> bool:
    """The message is one of the shapes' sh:message texts, with {?var} substituted or not."""
    for written in shapes.objects(None, URIRef(SH + "message")):
        parts = re.split(r"\{[?$]\w+\}", str(written))
        if re.fullmatch(".*".join(re.escape(part) for part in parts), message, re.DOTALL):
            return True
    return False


NO_VALUE_FROM_BIND = "http://127.0.0.1:8000/shapes#PositionMatchesQuoteShape"


def results(report, shapes, value=True) -> list[tuple]:
    def message(text):
        head = text.split(" [", 1)[0]
        assert is_written(head, shapes), head  # always a text the shapes file wrote
        return "a written message"

    return sorted((v.shape, v.focus, v.severity, v.path,
                   v.value if value and v.shape != NO_VALUE_FROM_BIND else None,
                   message(v.message), v.file, v.line)
                  for v in report.violations)


def same_report(graph, origins, config=CONFIG, ontology_graph=None):
    ontology_graph = ontology_graph if ontology_graph is not None else ontology()
    reference = validate(graph, config, origins, ontology=ontology_graph, engine="pyshacl")
    fast = validate(graph, config, origins, ontology=ontology_graph, engine="shacl")
    assert fast.conforms == reference.conforms
    shapes = load_shapes(config)
    assert results(fast, shapes) == results(reference, shapes), (fast.to_text(), reference.to_text())
    for v in fast.violations:
        if v.shape == NO_VALUE_FROM_BIND:
            assert v.value is None
    return reference


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_same_report_on_every_fixture(path):
    graph, origins = read_files([path])
    same_report(graph, origins)


def test_same_report_on_the_real_graph():
    loaded = load_data(CONFIG, ontology())
    report = same_report(loaded.graph, loaded.origins)
    assert report.conforms


def test_same_report_on_another_base():
    config = from_env(environ={}, base="https://example.org/kg/")
    ontology_graph = load_ontology(config)
    graph, origins = read_files([DATA / "invalid" / "AttendeeStatusShape.ttl"])
    same_report(graph, origins, config, ontology_graph)


def test_auto_chooses_the_rust_engine_when_installed_and_unknown_engines_are_refused():
    assert choose_engine("auto") == "shacl"
    with pytest.raises(Exception, match="unknown SHACL engine"):
        choose_engine("fastest")
