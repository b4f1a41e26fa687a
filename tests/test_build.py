"""`kg build` publishes a complete build or nothing: a failed build leaves the previous one intact."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

import kg.build as build_module
from kg.build import _Beside, build
from kg.config import PROJECT_ROOT, from_env
from kg.errors import KgError


def kg(*args, env_root=None, build_dir=None):
    env = {"PATH": "/usr/bin:/bin", "KG_ROOT": str(env_root), "KG_BUILD_DIR": str(build_dir)}
    return subprocess.run([sys.executable, "-m", "kg.cli", *args], capture_output=True, text=True, env=env, timeout=300)


@pytest.fixture(scope="module")
def project(tmp_path_factory, built):
    """A copy of the project's ontology, data and a good build of them."""
    root = tmp_path_factory.mktemp("project")
    for folder in ("ontology", "data", "queries"):
        shutil.copytree(PROJECT_ROOT / folder, root / folder)
    shutil.copytree(built.build_dir, root / "build")
    return root


def snapshot(build_dir):
    return {p.relative_to(build_dir): p.read_bytes() for p in sorted(build_dir.rglob("*")) if p.is_file()}


def test_build_writes_the_three_graphs_and_a_manifest(built):
    config = built
    manifest = json.loads((config.build_dir / "manifest.json").read_text())
    assert set(manifest["triples"]) == {"asserted", "inferred", "ontology"}
    assert all(count > 0 for count in manifest["triples"].values())
    graphs = {line.rsplit(" ", 2)[-2] for line in config.dataset_path.read_text().splitlines()}
    assert graphs == {f"<{config.graph(name)}>" for name in ("asserted", "inferred", "ontology")}
    assert manifest["article_sha256"] == "9bb0d10a40d0c8c1fd131509457f6d6109ef5d262ed6fc209e73e53fa61274cb"
    assert manifest["claims_per_status"]["alleged"] > 0


def test_build_is_deterministic(project, tmp_path):
    result = kg("build", env_root=project, build_dir=tmp_path / "again")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "again" / "dataset.nq").read_bytes() == (project / "build" / "dataset.nq").read_bytes()
    # The FollowTheMoney and CSV exports of two builds are the same bytes too (the VoID differs: it has the build time).
    exports = sorted(p.name for p in (project / "build" / "downloads").iterdir()
                     if p.name.endswith((".ftm.json", ".ftm.json.gz", ".csv", "-datapackage.json")))
    assert len(exports) == 8
    for name in exports:
        assert (tmp_path / "again" / "downloads" / name).read_bytes() == \
            (project / "build" / "downloads" / name).read_bytes(), name


def _break_and_build(project, path, text):
    before = snapshot(project / "build")
    original = path.read_text(encoding="utf-8") if path.exists() else None
    path.write_text(text, encoding="utf-8")
    try:
        result = kg("build", env_root=project, build_dir=project / "build")
    finally:
        if original is None:
            path.unlink()
        else:
            path.write_text(original, encoding="utf-8")
    assert snapshot(project / "build") == before, "a failed build changed the previous build"
    leftovers = [p.name for p in project.iterdir() if p.name.startswith(".build")]
    assert leftovers == [], "a failed build left temporary directories behind"
    return result


def test_malformed_yaml_fails_with_file_and_line_and_keeps_the_old_build(project):
    broken = project / "data" / "entries" / "99-broken.yaml"
    result = _break_and_build(project, broken, "entry: x\nnodes:\n  - id: [unclosed\n")
    assert result.returncode == 2
    assert "data/entries/99-broken.yaml:" in result.stderr and "not valid YAML" in result.stderr
    assert "Traceback" not in result.stderr


def test_unverbatim_quote_fails_and_keeps_the_old_build(project):
    broken = project / "data" / "entries" / "99-broken.yaml"
    text = (
        "entry: The Michael Flynn Problem\nnodes:\n  - id: event/2017-01-made-up\n    type: Meeting\n"
        "    label: A meeting nobody reported\n    claims:\n      - quote: Flynn met Putin in Moscow\n"
        "        status: reported\n"
    )
    result = _break_and_build(project, broken, text)
    assert result.returncode == 2
    assert "data/entries/99-broken.yaml:7:" in result.stderr and "does not occur verbatim" in result.stderr


def test_shape_violation_fails_with_exit_1_and_keeps_the_old_build(project):
    broken = project / "data" / "entries" / "99-broken.yaml"
    text = (  # a meeting with a single party breaks the Meeting shape (>= 2 participants)
        "entry: The Michael Flynn Problem\nnodes:\n  - id: event/2017-01-lonely-meeting\n    type: Meeting\n"
        "    label: A meeting of one\n    participant: person/michael-flynn\n    claims:\n"
        "      - quote: Flynn\n        status: reported\n"
    )
    result = _break_and_build(project, broken, text)
    assert result.returncode == 1
    assert "does not conform" in result.stderr
    assert "event:2017-01-lonely-meeting" in result.stderr
    assert "MeetingPartiesShape" in result.stderr and "data/entries/99-broken.yaml:3" in result.stderr


def test_build_never_replaces_a_folder_or_file_that_is_not_a_build(project, tmp_path):
    precious = tmp_path / "notes"
    precious.mkdir()
    (precious / "thesis.txt").write_text("mine")
    a_file = tmp_path / "data.nt"
    a_file.write_text("<http://a/b> <http://a/c> <http://a/d> .\n")
    for target in (precious, a_file):
        result = kg("build", env_root=project, build_dir=target)
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"{target}: " in result.stderr and "refusing to replace it" in result.stderr
    assert (precious / "thesis.txt").read_text() == "mine"
    assert a_file.is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.nt", "notes"]  # nothing moved aside


def test_build_dir_that_cannot_be_created_is_a_clear_error(project):
    result = kg("build", env_root=project, build_dir="/proc/kg-build-here")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "/proc/kg-build-here: cannot create the build directory" in result.stderr


# --------------------------------------------------------------------------- inference beside validation


def _refuse():
    raise KgError("no such thing", "data/x.yaml", 3)


def _die():
    os.kill(os.getpid(), signal.SIGKILL)


def _crash():
    return 1 / 0


def test_work_beside_the_build_hands_back_its_value_or_its_error_as_the_build_would_raise_it():
    """The build computes the closure in a forked child (kg.build._Beside) while it validates."""
    with _Beside("a sum", sum, [1, 2, 3]) as job:
        assert job.result() == 6
    with _Beside("a check", _refuse) as job, pytest.raises(KgError) as refused:
        job.result()
    assert str(refused.value) == "data/x.yaml:3: no such thing"
    with _Beside("the closure", _die) as job, pytest.raises(KgError) as died:
        job.result()
    assert str(died.value) == ("computing the closure: its process was stopped by signal SIGKILL (out of memory?); "
                               "the previous build is unchanged")
    with _Beside("a quotient", _crash) as job, pytest.raises(RuntimeError, match="ZeroDivisionError"):
        job.result()


def test_work_beside_the_build_is_stopped_when_the_build_stops_first():
    with pytest.raises(KgError, match="the shapes say no"):
        with _Beside("a long wait", time.sleep, 60) as job:
            pid = job.pid
            raise KgError("the shapes say no")
    with pytest.raises(ChildProcessError):  # stopped and waited for: no such child any more
        os.waitpid(pid, 0)


def test_an_inference_error_fails_the_build_with_its_message_and_keeps_the_old_build(project, monkeypatch):
    before = snapshot(project / "build")
    config = from_env(environ={}, root=project).replace(build_dir=project / "build")
    with pytest.raises(KgError, match="unknown inference engine 'hermit'"):
        build(config, engine="hermit")
    assert snapshot(project / "build") == before


def test_with_too_little_memory_for_both_the_closure_comes_after_validation_with_the_same_build(
        built, tmp_path, monkeypatch, caplog):
    """Validation and the closure run side by side only if the memory holds both (kg.build._room_for_both):
    a 10M-triple build would not fit on a 24 GB machine. One after the other gives the same dataset."""
    monkeypatch.setattr(build_module, "_available_memory", lambda: 0)
    assert not build_module._room_for_both(1)
    config = built.replace(build_dir=tmp_path / "build")
    with caplog.at_level("INFO", logger="kg.build"):
        build(config)
    assert "the OWL-RL closure after it" in caplog.text
    assert "begun beside validation" not in caplog.text
    assert config.dataset_path.read_bytes() == built.dataset_path.read_bytes()
