"""`kg validate` and validate(): reports a person can act on, exit codes 0/1/2, the built graph
by default, the configured base, and the build refusing a graph that does not conform."""

from __future__ import annotations

import json
import shutil
from functools import lru_cache
from pathlib import Path

import pytest
from rdflib import Graph, URIRef

from kg.cli import main
from kg.config import PROJECT_ROOT, from_env
from kg.errors import KgError
from kg.load import load_data, load_ontology, rebase
from kg.validate import read_files, validate

DATA = Path(__file__).resolve().parent / "data"
VALID = DATA / "valid" / "meeting.ttl"
ONE_PARTY = DATA / "invalid" / "MeetingPartiesShape.ttl"
BAD_QUOTE = DATA / "invalid" / "QuoteInSourceShape.ttl"
BASE = "http://127.0.0.1:8000/"
MEETING = BASE + "event/2017-05-oval-office-meeting"
CONFIG = from_env(environ={})


@lru_cache(maxsize=1)
def ontology() -> Graph:
    return load_ontology(CONFIG)


def report_for(path: Path, origins=None, config=CONFIG):
    graph, file_origins = read_files([path])
    return validate(graph, config, file_origins if origins is None else origins,
                    ontology=ontology() if config is CONFIG else None)


# --------------------------------------------------------------------------- the report


def test_violation_carries_focus_path_value_message_shape_and_origin():
    report = report_for(ONE_PARTY)
    assert not report.conforms
    (violation,) = report.violations
    assert violation.focus == MEETING
    assert violation.shape == BASE + "shapes#MeetingPartiesShape"
    assert "at least two parties" in violation.message
    assert "kg:attendee" in violation.path
    assert violation.severity == "Violation"
    assert violation.file == str(ONE_PARTY)
    lines = ONE_PARTY.read_text(encoding="utf-8").splitlines()
    assert lines[violation.line - 1].startswith(f"<{MEETING}>")


def test_text_report_shows_every_field_and_the_verdict():
    text = report_for(BAD_QUOTE).to_text()
    for part in ("VIOLATION at", f"{BAD_QUOTE}:", "focus:", "value:   Trump met Russian president Vladimir Putin",
                 "does not occur verbatim", "shape:   kgsh:QuoteInSourceShape", "does NOT conform"):
        assert part in text


def test_json_and_turtle_reports():
    report = report_for(ONE_PARTY)
    document = json.loads(report.to_json())
    assert document["conforms"] is False
    assert document["violations"][0]["focus"] == MEETING
    assert set(document["violations"][0]) >= {"focus", "path", "value", "message", "shape", "severity", "file", "line"}
    results = Graph().parse(data=report.to_turtle(), format="turtle")
    sh = "http://www.w3.org/ns/shacl#"
    assert (None, URIRef(sh + "focusNode"), URIRef(MEETING)) in results


def test_origins_from_the_loader_give_file_and_line_even_for_selectors():
    claim = BASE + "claim/event-2017-05-oval-office-meeting-1"
    origins = {claim: ("data/entries/03-oval-office.yaml", 42)}
    (violation,) = report_for(BAD_QUOTE, origins=origins).violations
    assert violation.focus == claim + "#quote"
    assert (violation.file, violation.line) == ("data/entries/03-oval-office.yaml", 42)
    assert "data/entries/03-oval-office.yaml:42" in report_for(BAD_QUOTE, origins=origins).to_text()


def test_warnings_are_reported_but_the_graph_conforms():
    report = report_for(DATA / "invalid" / "StatementAgentShape.ttl")
    assert report.conforms
    assert [v.severity for v in report.violations] == ["Warning"]
    assert "1 warning(s)" in report.to_text()


def test_shapes_follow_the_configured_base():
    other = from_env(environ={}, base="https://example.org/kg/")
    for path, conforms in ((VALID, True), (ONE_PARTY, False)):
        graph = rebase(read_files([path])[0], other)
        report = validate(graph, other)
        assert report.conforms is conforms, report.to_text()
    assert report.violations[0].shape == "https://example.org/kg/shapes#MeetingPartiesShape"
    assert report.violations[0].focus == "https://example.org/kg/event/2017-05-oval-office-meeting"


def test_validate_does_not_modify_the_data_graph():
    graph, origins = read_files([VALID])
    before = len(graph)
    validate(graph, CONFIG, origins, ontology=ontology())
    assert len(graph) == before


# --------------------------------------------------------------------------- the command


def run_cli(capsys, *args):
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_exit_0_when_the_files_conform(capsys):
    code, out, _ = run_cli(capsys, "validate", str(VALID))
    assert code == 0 and "conforms" in out


def test_exit_1_with_the_report_on_violations(capsys):
    code, out, _ = run_cli(capsys, "validate", "--format", "json", str(ONE_PARTY))
    assert code == 1
    assert json.loads(out)["violations"][0]["shape"].endswith("#MeetingPartiesShape")


@pytest.mark.parametrize("engine", ["pyshacl", "shacl"])
def test_either_engine_from_the_command_line(capsys, engine):
    code, out, _ = run_cli(capsys, "validate", "--engine", engine, "--format", "json", str(ONE_PARTY))
    assert code == 1
    assert [v["shape"].rsplit("#", 1)[1] for v in json.loads(out)["violations"]] == ["MeetingPartiesShape"]


def test_exit_2_with_file_and_line_on_a_parse_error(capsys, tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text('@prefix kg: <http://127.0.0.1:8000/ontology#> .\n\n<http://x/a> kg:label "open .\n', encoding="utf-8")
    code, _, err = run_cli(capsys, "validate", str(bad))
    assert code == 2
    assert f"{bad}:3:" in err


def test_exit_2_on_a_missing_file(capsys, tmp_path):
    code, _, err = run_cli(capsys, "validate", str(tmp_path / "nope.ttl"))
    assert code == 2 and "no such file" in err


def test_exit_2_when_the_shapes_are_broken(tmp_path):
    shutil.copytree(PROJECT_ROOT / "ontology", tmp_path / "ontology")
    (tmp_path / "ontology" / "shapes.ttl").write_text("this is not turtle", encoding="utf-8")
    with pytest.raises(KgError) as error:
        validate(read_files([VALID])[0], CONFIG.replace(root=tmp_path))
    assert error.value.exit_code == 2 and "shapes.ttl" in str(error.value)


def write_build(build_dir: Path, source: Path, origins: dict) -> None:
    """A build directory as `kg build` leaves it: dataset.nq (graph asserted) and origins.json."""
    build_dir.mkdir()
    graph = Graph().parse(source)
    lines = [f"{line[:-1].rstrip()} <{CONFIG.graph('asserted')}> ."
             for line in graph.serialize(format="nt").splitlines() if line.strip()]
    (build_dir / "dataset.nq").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (build_dir / "origins.json").write_text(json.dumps(origins), encoding="utf-8")


def test_without_files_the_built_asserted_graph_is_validated_with_its_origins(capsys, tmp_path):
    write_build(tmp_path / "build", ONE_PARTY, {MEETING: ["data/entries/03-oval-office.yaml", 7]})
    code, out, _ = run_cli(capsys, "--build-dir", str(tmp_path / "build"), "validate")
    assert code == 1
    assert "VIOLATION at data/entries/03-oval-office.yaml:7" in out


def test_without_files_and_without_a_build_exit_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, "--build-dir", str(tmp_path / "none"), "validate")
    assert code == 2 and "kg build" in err


# --------------------------------------------------------------------------- the real data


def test_the_curated_data_conforms():
    loaded = load_data(CONFIG, ontology())  # data that does not load is a failure here, never a skip
    report = validate(loaded.graph, CONFIG, loaded.origins, ontology=ontology())
    assert report.conforms, report.to_text()


# --------------------------------------------------------------------------- the build's gate

GOOD_ENTRY = """entry: "Every Connection Between Donald Trump and Vladimir Putin"
nodes:
  - id: person/donald-trump
    type: Person
    label: Donald Trump
  - id: person/vladimir-putin
    type: Person
    label: Vladimir Putin
  - id: event/2016-debate-mention
    type: Meeting
    label: A meeting made up for this test
    attendee: [person/donald-trump, person/vladimir-putin]
    claims:
      - quote: "Every Connection Between Donald Trump and Vladimir Putin"
        status: reported
"""


def small_project(tmp_path: Path, entry: str):
    root = tmp_path / "project"
    shutil.copytree(PROJECT_ROOT / "ontology", root / "ontology")
    shutil.copytree(PROJECT_ROOT / "data" / "sources", root / "data" / "sources")
    (root / "data" / "entries").mkdir(parents=True)
    (root / "data" / "entries" / "01-test.yaml").write_text(entry, encoding="utf-8")
    return from_env(environ={}, root=root, build_dir=root / "build")


def test_build_refuses_a_graph_that_does_not_conform_and_keeps_the_previous_build(tmp_path):
    from kg import build

    config = small_project(tmp_path, GOOD_ENTRY)
    build.build(config)
    manifest = (config.build_dir / "manifest.json").read_bytes()
    one_party = GOOD_ENTRY.replace("[person/donald-trump, person/vladimir-putin]", "[person/donald-trump]")
    (config.data_dir / "entries" / "01-test.yaml").write_text(one_party, encoding="utf-8")
    with pytest.raises(KgError) as error:
        build.build(config)
    assert error.value.exit_code == 1
    assert "MeetingPartiesShape" in str(error.value) and "data/entries/01-test.yaml:9" in str(error.value)
    assert (config.build_dir / "manifest.json").read_bytes() == manifest
