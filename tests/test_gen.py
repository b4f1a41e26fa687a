"""bench/gen.py: synthetic data in the curated format that `kg build --data DIR` builds and the shapes accept."""

import hashlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from kg.config import PROJECT_ROOT, from_env
from kg.load import load_data, load_ontology
from kg.store import load_store
from kg.validate import validate
from kg.config import DataFile

GEN = PROJECT_ROOT / "bench" / "gen.py"
SIZE = 3000


def gen(*args):
    result = subprocess.run([sys.executable, str(GEN), *map(str, args)], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    out = tmp_path_factory.mktemp("gen") / "data"
    gen(SIZE, "--out", out)
    return out


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_generator_is_deterministic(generated, tmp_path):
    gen(SIZE, "--out", tmp_path / "again")
    assert tree(tmp_path / "again") == tree(generated)
    gen(SIZE, "--out", tmp_path / "other-seed", "--seed", 99)
    assert tree(tmp_path / "other-seed") != tree(generated)


def test_sources_hold_every_quote_with_their_sha256(generated):
    sources = {s["id"]: s for s in yaml.safe_load((generated / "sources" / "sources.yaml").read_text())}
    for source in sources.values():
        data = (generated / "sources" / source["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == source["sha256"]
    entry_files = sorted((generated / "entries").glob("*.yaml"))
    assert len(entry_files) > 2
    quotes = 0
    for path in entry_files:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
        text = (generated / "sources" / sources[content["source"]]["file"]).read_text(encoding="utf-8")
        assert content["entry"] in text
        for node in content["nodes"]:
            for claim in node["claims"]:
                assert claim["quote"] in text, (path.name, claim["quote"])
                quotes += 1
    assert quotes > 100


@pytest.fixture(scope="module")
def loaded(generated):
    config = from_env(environ={}).replace(data_root=generated)
    return config, load_data(config)


def test_loads_to_the_size_asked_for_with_every_kind_of_node(loaded):
    config, result = loaded
    assert abs(len(result.graph) - SIZE) / SIZE < 0.05
    kg = config.ontology_ns
    types = {str(o)[len(kg):] for o in result.graph.objects(None, None) if str(o).startswith(kg)}
    for cls in ("Person", "NewsOrganization", "GovernmentBody", "Group", "Country", "Place", "Position",
                "Meeting", "PhoneCall", "Email", "Firing", "Appointment", "Disclosure", "Investigation",
                "Denial", "Admission", "Allegation", "FinancialTie", "Report", "MonetaryAmount",
                "Information", "Claim", "SourceDocument"):
        assert cls in types, cls
    statuses = {str(o).rsplit("/", 1)[1] for o in result.graph.objects(None, None)
                if str(o).startswith(config.base + "status/")}
    assert statuses == {"confirmed", "admitted", "reported", "claimed", "alleged", "denied"}
    precisions = {str(o).rsplit("/", 1)[1] for o in result.graph.objects(None, None)
                  if str(o).startswith(config.base + "precision/")}
    assert precisions == {"day", "month", "season", "year"}


def test_passes_every_shape_without_even_a_warning(loaded):
    config, result = loaded
    report = validate(result.graph, config, result.origins, ontology=load_ontology(config))
    assert report.conforms and report.violations == [], report.to_text()


def test_kg_build_data_runs_the_whole_pipeline(generated, tmp_path):
    build_dir = tmp_path / "build"
    env = {"PATH": "/usr/bin:/bin", "KG_BUILD_DIR": str(build_dir)}
    result = subprocess.run([sys.executable, "-m", "kg.cli", "build", "--data", str(generated)],
                            capture_output=True, text=True, env=env, timeout=300)
    assert result.returncode == 0, result.stderr
    manifest = json.loads((build_dir / "manifest.json").read_text())
    assert manifest["triples"]["inferred"] > 0
    assert len(manifest["sources_sha256"]) > 2
    assert (build_dir / "downloads" / "SHA256SUMS").is_file()


def test_kg_build_data_names_a_missing_folder(tmp_path):
    result = subprocess.run([sys.executable, "-m", "kg.cli", "build", "--data", str(tmp_path / "nope"),
                             "--build-dir", str(tmp_path / "b")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 2 and "no such data folder" in result.stderr
    assert not (tmp_path / "b").exists()


def test_nt_format_is_the_same_graph_for_kg_serve(generated, loaded, tmp_path):
    gen(SIZE, "--out", tmp_path, "--format", "nt")
    store = load_store([DataFile(tmp_path / "asserted.nt")])
    assert len(store) == len(loaded[1].graph)
