"""Shared fixtures: paths to test data, `built` (one real build per session), and `live_server`,
a real `kg serve` on a free port.

`built` is the Config of one build of the project's data, made once per test session into a
temporary directory (never the user's ./build) by the function `kg build` runs, so golden-query
and build tests see exactly what users get; `built_store` is that dataset in a store.

`live_server(*data, args=(), env=None)` starts `kg serve --data ...` as a subprocess (gunicorn,
the same code path users run), waits until it answers HTTP, and returns a LiveServer with
`.url(path)`. Servers are shared by every test of the session that asks for the same
arguments, and stopped at the end. Use it for anything that needs real HTTP: entity pages,
downloads, the SPARQL endpoint.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from kg.build import build
from kg.config import Config, DataFile, from_env
from kg.store import load_store
from kg.web import create_app

TESTS = Path(__file__).resolve().parent
DATA = TESTS / "data"
W3C = DATA / "w3c"
KASEI = "http://kasei.us/2009/09/sparql/data/"


def w3c_data_args() -> list[str]:
    """--data specs for the W3C protocol tests: dataN.nt as named graph <.../dataN.rdf>."""
    return [f"{W3C / 'protocol' / f'data{n}.nt'}@{KASEI}data{n}.rdf" for n in (1, 2, 3)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class LiveServer:
    command: list[str]
    port: int
    log_path: Path
    env: dict = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str = "/") -> str:
        return self.base + path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def start(self, ready_path: str, timeout: float = 30.0) -> "LiveServer":
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(self.command, stdout=log, stderr=subprocess.STDOUT,
                                            env={**os.environ, **self.env})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"kg serve exited with {self.process.returncode}:\n{self.log()}")
            if self._answers(ready_path):
                return self
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"kg serve did not answer within {timeout} s:\n{self.log()}")

    def _answers(self, path: str) -> bool:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
        try:
            connection.request("GET", path)
            connection.getresponse().read()
            return True
        except OSError:
            return False
        finally:
            connection.close()

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # gunicorn's master stops its workers
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture(scope="session")
def built(tmp_path_factory) -> Config:
    config = from_env(environ={}, build_dir=tmp_path_factory.mktemp("kg-test-build") / "build")
    build(config)
    return config


@pytest.fixture(scope="session")
def built_store(built):
    return load_store([DataFile(built.dataset_path)])


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    """Factory: live_server(*data_specs, args=(), env=None, ready_path="/sparql") -> LiveServer."""
    servers: dict[tuple, LiveServer] = {}

    def start(*data: str | Path, args: tuple | list = (), env: dict | None = None,
              ready_path: str = "/sparql") -> LiveServer:
        key = (tuple(map(str, data)), tuple(args), tuple(sorted((env or {}).items())))
        if key not in servers:
            port = free_port()
            command = [sys.executable, "-m", "kg.cli", "serve", "--port", str(port),
                       *(f"--data={spec}" for spec in data), *map(str, args)]
            log_path = tmp_path_factory.mktemp("server") / "serve.log"
            servers[key] = LiveServer(command, port, log_path, env or {}).start(ready_path)
        return servers[key]

    yield start
    for server in servers.values():
        server.stop()


@pytest.fixture
def make_app():
    """Factory for an in-process Flask app on --data files (fast; no HTTP server).

    Queries run on the embedded engine (threads) unless `engine="process"` is given: kg serve's
    evaluator processes are tested in test_process_engine.py and over HTTP with live_server."""

    def make(*data: str | Path, **settings):
        files = tuple(DataFile.parse(str(spec)) for spec in data)
        settings.setdefault("engine", "embedded")
        return create_app(from_env(environ={}, data_files=files, **settings))

    return make


# --- real SPARQL stores (kg publish/serve --store) -------------------------------------------------
@pytest.fixture(scope="session")
def oxigraph_store(tmp_path_factory):
    """The Oxigraph server, started once for the session on loopback."""
    import stores

    if not stores.OXIGRAPH:
        pytest.skip("the oxigraph server binary is absent (pip install oxigraph: in the test extras)")
    store = stores.start_oxigraph(tmp_path_factory.mktemp("oxigraph"))
    yield store
    store.stop()


@pytest.fixture(scope="session")
def virtuoso_store(tmp_path_factory):
    """Virtuoso open source, started once for the session on loopback (~6 s on a new database)."""
    import stores

    if not (stores.VIRTUOSO and stores.ISQL):
        pytest.skip("virtuoso-t is absent (Debian's virtuoso-opensource; .ci/run installs it)")
    store = stores.start_virtuoso(tmp_path_factory.mktemp("virtuoso"))
    yield store
    store.stop()


@pytest.fixture(params=["oxigraph", "virtuoso"])
def any_store(request):
    """Each real store in turn."""
    return request.getfixturevalue(f"{request.param}_store")
