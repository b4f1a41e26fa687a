"""A build is served only as it was written, and a failed or killed build leaves nothing half done:
`kg serve` checks the dataset against the manifest (SHA-256, quad count); a full disk during
`kg build` is one clear line, the old build intact; staging folders of killed builds are cleaned."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys

import pytest

from kg import dump
from kg.build import _build_lock, build
from kg.errors import KgError
from kg.web.dataset import load_dataset


@pytest.fixture
def copy_of_build(tmp_path, built):
    target = tmp_path / "build"
    shutil.copytree(built.build_dir, target)
    return built.replace(build_dir=target)


def serve(config, port="1"):
    """`kg serve` on this build: it must refuse before listening (port 1 would fail later anyway)."""
    return subprocess.run([sys.executable, "-m", "kg.cli", "serve", "--build-dir", str(config.build_dir),
                           "--port", port], capture_output=True, text=True, timeout=120)


def test_an_intact_build_is_served(copy_of_build):
    assert len(load_dataset(copy_of_build).store) > 1000


def test_a_dataset_cut_at_a_line_boundary_is_refused(copy_of_build):
    path = copy_of_build.dataset_path
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[: len(lines) // 2]))  # still valid N-Quads: half the data
    with pytest.raises(KgError, match="damaged build: SHA-256"):
        load_dataset(copy_of_build)
    result = serve(copy_of_build)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "damaged build" in result.stderr  # one line
    assert "Traceback" not in result.stderr


def test_an_emptied_dataset_is_refused(copy_of_build):
    copy_of_build.dataset_path.write_bytes(b"")
    with pytest.raises(KgError, match="damaged build"):
        load_dataset(copy_of_build)


def test_a_store_file_cut_short_or_missing_is_refused_in_one_line(copy_of_build):
    """The on-disk store kg serve answers from: RocksDB checks its files against its own MANIFEST."""
    largest = max(copy_of_build.store_path.glob("*.sst"), key=lambda p: p.stat().st_size)
    with largest.open("r+b") as sst:
        sst.truncate(1000)
    with pytest.raises(KgError, match="damaged build: its store cannot be opened"):
        load_dataset(copy_of_build)
    result = serve(copy_of_build)
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0 and "damaged build" in result.stderr  # one line
    largest.unlink()
    with pytest.raises(KgError, match="damaged build: its store cannot be opened"):
        load_dataset(copy_of_build)


def test_a_build_without_its_manifest_is_refused(copy_of_build):
    (copy_of_build.build_dir / "manifest.json").unlink()
    with pytest.raises(KgError, match="no manifest.json"):
        load_dataset(copy_of_build)


def test_a_manifest_that_disagrees_on_the_quad_count_is_refused(copy_of_build):
    manifest_path = copy_of_build.build_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["dataset_quads"] += 1
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(KgError, match="quads where its manifest records"):
        load_dataset(copy_of_build)


def test_a_full_disk_during_the_build_is_one_clear_error_and_the_old_build_stays(copy_of_build, monkeypatch):
    before = {p.name: p.read_bytes() for p in copy_of_build.build_dir.iterdir() if p.is_file()}

    def disk_full(config, **_):
        (config.build_dir / "downloads").mkdir(exist_ok=True)
        raise OSError(errno.ENOSPC, "No space left on device", str(config.build_dir / "downloads" / "kg.ttl"))

    monkeypatch.setattr(dump, "write_dumps", disk_full)
    with pytest.raises(KgError) as caught:
        build(copy_of_build)
    message = str(caught.value)
    assert "No space left on device" in message and "previous build is unchanged" in message
    assert "\n" not in message
    after = {p.name: p.read_bytes() for p in copy_of_build.build_dir.iterdir() if p.is_file()}
    assert after == before
    assert not list(copy_of_build.build_dir.parent.glob(".build-*"))  # its staging folder went too


def test_leftover_staging_folders_of_killed_builds_are_removed(tmp_path):
    target = tmp_path / "build"
    target.mkdir()
    (target / "manifest.json").write_text("{}")
    for name in (".build-abc123", ".build-old-1700000000000"):
        (tmp_path / name / "downloads").mkdir(parents=True)
        (tmp_path / name / "dataset.nq").write_text("half written")
    (tmp_path / ".builder-notes").mkdir()  # not ours: another name
    with _build_lock(target):
        assert sorted(p.name for p in tmp_path.iterdir() if p.is_dir()) == [".builder-notes", "build"]


def test_a_second_build_into_the_same_folder_at_once_is_refused(tmp_path):
    target = tmp_path / "build"
    with _build_lock(target):
        (tmp_path / ".build-running").mkdir()  # the running build's staging folder
        with pytest.raises(KgError, match="another kg build"):
            with _build_lock(target):
                pass
        assert (tmp_path / ".build-running").is_dir()  # not removed from under the running build

