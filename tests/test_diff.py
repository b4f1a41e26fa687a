"""kg diff: added and removed statements between two dumps, grouped by entity, any format."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.cli import main

FIXTURE = Path(__file__).parent / "data" / "dump" / "dataset.trig"


@pytest.fixture(scope="module")
def releases(tmp_path_factory):
    """Two releases as N-Quads: the second renames Flynn and loses the inferred participantIn."""
    folder = tmp_path_factory.mktemp("diff")
    old = folder / "old.nq"
    ox.serialize(ox.parse(path=str(FIXTURE)), output=str(old), format=ox.RdfFormat.N_QUADS)
    text = old.read_text(encoding="utf-8").replace('"Michael Flynn"@en', '"Mike Flynn"@en')
    new = folder / "new.nq"
    new.write_text("".join(line + "\n" for line in text.splitlines() if "participantIn" not in line), encoding="utf-8")
    return old, new


def run(capsys, *args, status: int = 1) -> str:
    assert main(["diff", *map(str, args)]) == status
    return capsys.readouterr().out


def test_quads_diff_is_grouped_by_entity_with_graphs(releases, capsys):
    old, new = releases
    out = run(capsys, old, new)
    assert out.startswith("+1 -3 statements in 2 entities")
    flynn = out.split("\nperson:michael-flynn\n", 1)[1].split("\n\n", 1)[0]
    assert '  - person:michael-flynn rdfs:label "Michael Flynn"@en  [graph:asserted]' in flynn
    assert '  + person:michael-flynn rdfs:label "Mike Flynn"@en  [graph:asserted]' in flynn
    assert "kg:participantIn event:2016-12-flynn-kislyak-call  [graph:inferred]" in flynn
    assert "\nperson:sergey-kislyak\n" in out


def test_same_graph_in_other_formats_and_blank_node_labels_has_no_difference(releases, tmp_path, capsys):
    old, _ = releases
    turtle = tmp_path / "same.ttl"
    ox.serialize({q.triple for q in ox.parse(path=str(old))}, output=str(turtle), format=ox.RdfFormat.TURTLE)
    relabelled = tmp_path / "same.nt"
    nt = ox.serialize({q.triple for q in ox.parse(path=str(old))}, format=ox.RdfFormat.N_TRIPLES).decode()
    relabelled.write_text(nt.replace("_:", "_:zz"), encoding="utf-8")
    assert run(capsys, turtle, relabelled, status=0).startswith("+0 -0 statements in 0 entities")


def test_a_hash_iri_is_grouped_under_its_entity(releases, tmp_path, capsys):
    old, _ = releases
    text = old.read_text(encoding="utf-8").replace("Flynn spoke with", "Flynn talked with")
    changed = tmp_path / "changed.nq"
    changed.write_text(text, encoding="utf-8")
    out = run(capsys, old, changed)
    assert "\nclaim:event-2016-12-flynn-kislyak-call-1\n" in out
    assert "in 1 entities" in out.splitlines()[0]


def test_gzipped_dumps_and_unknown_types(tmp_path, capsys):
    from kg.config import from_env
    from kg.dump import write_dumps

    build = tmp_path / "build"
    build.mkdir()
    ox.serialize(ox.parse(path=str(FIXTURE)), output=str(build / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    write_dumps(from_env(environ={}, build_dir=build))
    downloads = sorted((build / "downloads").glob("kg-*.ttl.gz"))
    full = [p for p in downloads if "-asserted" not in p.name][0]
    asserted = [p for p in downloads if "-asserted" in p.name][0]
    assert run(capsys, full, asserted).startswith("+0 -5 statements")
    assert main(["diff", str(full), str(tmp_path / "x.csv")]) == 2
    assert "unknown RDF file type" in capsys.readouterr().err


def test_exit_status_is_0_same_1_different_2_trouble(releases, tmp_path, capsys):
    """Issue 10: diff(1)'s convention, so scripts can tell a change from no change from a failure."""
    old, new = releases
    assert main(["diff", str(old), str(old)]) == 0
    assert main(["diff", str(old), str(new)]) == 1
    assert main(["diff", str(old), str(tmp_path / "missing.nq")]) == 2
    assert "no such file" in capsys.readouterr().err
