"""A build is served only as it was written, and a failed or killed build leaves nothing half done:
`kg serve` checks the dataset against the manifest (its size and the store at start, its SHA-256
and quad count while serving: kg.web.integrity); a full disk during `kg build` is one clear line,
the old build intact; staging folders of killed builds are cleaned."""

from __future__ import annotations

import errno
import json
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request

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
    with pytest.raises(KgError, match="damaged build: dataset.nq holds .* bytes where its manifest records"):
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



# --- the check while serving (kg.web.integrity): what keeps the size is found in the background ---


def edit_in_place(config) -> None:
    """One letter's case changed in the middle of dataset.nq: the same size, other bytes."""
    path = config.dataset_path
    data = bytearray(path.read_bytes())
    middle = next(i for i in range(len(data) // 2, len(data)) if chr(data[i]).isalpha())
    data[middle] ^= 0x20
    path.write_bytes(bytes(data))


def served_app(config):
    from kg.web import create_app
    from kg.web.state import state_of

    app = create_app(config.replace(engine="embedded"))
    verification = state_of(app).dataset.verification
    assert verification.wait(timeout=60)  # a bound for a slow machine, not a timing
    return app, verification


def test_an_intact_build_passes_the_check_while_serving(copy_of_build):
    app, verification = served_app(copy_of_build)
    assert verification.state == "passed" and verification.failure is None
    client = app.test_client()
    assert client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"}).status_code == 200
    assert client.get("/", headers={"Accept": "text/html"}).status_code == 200


def test_a_same_size_edit_is_served_until_the_check_while_serving_refuses_it(copy_of_build, caplog):
    edit_in_place(copy_of_build)
    assert len(load_dataset(copy_of_build).store) > 1000  # the cheap checks at start cannot see it
    with caplog.at_level("INFO", logger="kg.serve"):
        app, verification = served_app(copy_of_build)
    assert verification.state == "failed" and verification.failure.startswith("damaged build: SHA-256")
    logged = [r for r in caplog.records if r.name == "kg.serve" and r.levelname == "ERROR"]
    assert len(logged) == 1 and "\n" not in logged[0].getMessage()
    assert str(copy_of_build.dataset_path) in logged[0].getMessage() and "503" in logged[0].getMessage()
    client = app.test_client()
    # the SPARQL protocol route: plain text, one line
    answer = client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 503 and answer.mimetype == "text/plain"
    assert answer.text.count("\n") == 1 and "integrity check" in answer.text and "SHA-256" in answer.text
    assert str(copy_of_build.build_dir) not in answer.text  # the server's paths stay in its log
    # a browser on /sparql: the SPARQL page with the reason, nothing evaluated
    page = client.get("/sparql?query=ASK%7B%7D", headers={"Accept": "text/html"})
    assert page.status_code == 503 and page.mimetype == "text/html" and "integrity check" in page.text
    # every other data route: the API's JSON error, or the HTML error page for browsers
    for path in ("/api/search?q=Trump", "/person/donald-trump.ttl", "/download", "/ontology.html"):
        answer = client.get(path, headers={"Accept": "application/json"})
        assert answer.status_code == 503, path
        assert answer.json["error"] == "damaged_build" and answer.json["status"] == 503
        assert "SHA-256" in answer.json["message"]
    html = client.get("/", headers={"Accept": "text/html"})
    assert html.status_code == 503 and "integrity check" in html.text
    assert client.get("/static/kg.css").status_code == 200  # the error page keeps its style


def test_a_build_whose_manifest_records_no_size_is_checked_in_full_before_serving(copy_of_build):
    """A manifest written before builds recorded the dataset's size: nothing cheap to compare."""
    manifest_path = copy_of_build.build_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    del manifest["dataset_bytes"]
    manifest_path.write_text(json.dumps(manifest))
    edit_in_place(copy_of_build)
    with pytest.raises(KgError, match="damaged build: SHA-256"):
        load_dataset(copy_of_build)


def test_the_outcome_reaches_workers_forked_before_the_check_ended(copy_of_build):
    """kg serve's workers are forked while the check runs in the master: they read its outcome
    from the shared page."""
    import multiprocessing
    import threading

    from kg.web.integrity import Verification

    release = threading.Event()

    def check():
        release.wait(60)
        raise KgError("damaged build: test reason", "dataset.nq")

    verification = Verification(check, "dataset.nq")
    verification.start()
    assert verification.state == "pending" and verification.failure is None
    worker = multiprocessing.get_context("fork").Process(target=_wait_for_failure, args=(verification,))
    worker.start()
    release.set()
    worker.join(60)
    assert worker.exitcode == 0
    assert verification.failure == "damaged build: test reason"


def test_a_fault_of_the_check_itself_is_logged_and_refuses_nothing(caplog):
    from kg.web.integrity import Verification

    def broken_check():
        raise ZeroDivisionError("a bug")

    verification = Verification(broken_check, "dataset.nq")
    with caplog.at_level("INFO", logger="kg.serve"):
        verification.run()
    assert verification.state == "pending" and verification.failure is None
    [logged] = [r.getMessage() for r in caplog.records if r.name == "kg.serve"]
    assert "could not be checked" in logged and "ZeroDivisionError: a bug" in logged and "\n" not in logged


def _wait_for_failure(verification) -> None:
    import os
    import time

    deadline = time.monotonic() + 50
    while verification.failure is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os._exit(0 if verification.failure == "damaged build: test reason" else 1)


def test_kg_serve_answers_503_in_every_worker_once_the_check_fails(copy_of_build, tmp_path):
    from conftest import LiveServer, free_port

    edit_in_place(copy_of_build)
    port = free_port()
    server = LiveServer([sys.executable, "-m", "kg.cli", "serve", "--build-dir", str(copy_of_build.build_dir),
                         "--port", str(port), "--workers", "2"], port, tmp_path / "serve.log")
    server.start("/static/kg.css")
    try:
        deadline = time.monotonic() + 60  # the check of this small build ends at once: a bound, not a timing
        while _status(server.url("/sparql?query=ASK%7B%7D"))[0] != 503 and time.monotonic() < deadline:
            time.sleep(0.05)
        answers = [_status(server.url("/sparql?query=ASK%7B%7D")) for _ in range(8)]  # both workers
        assert [status for status, _ in answers] == [503] * 8 and all("SHA-256" in body for _, body in answers)
        assert _status(server.url("/static/kg.css"))[0] == 200
    finally:
        server.stop()
    errors = [line for line in server.log().splitlines() if line.startswith("kg serve:") and "damaged build" in line]
    assert len(errors) == 1 and "every data request is now answered 503" in errors[0]  # one line, once


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as refused:
        return refused.code, refused.read().decode()
