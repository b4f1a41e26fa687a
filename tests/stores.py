"""Real SPARQL stores for the tests, started on loopback in a temporary folder.

- The Oxigraph server: the `oxigraph` binary that `pip install oxigraph` puts beside the venv's
  Python (the test extras install it).
- Virtuoso open source 7.2: Debian's `virtuoso-t` (.ci/run installs `virtuoso-opensource`), on a
  private ini and database; a publisher user `kgpub` with SPARQL_UPDATE, and the SERVICE grant
  revoked after the start (Virtuoso restores it at every start).

Each is started once per test session (Virtuoso takes ~6 s on a new database) by the fixtures
in conftest.py; a test that needs one and finds its binary absent is skipped with the reason.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

VIRTUOSO = shutil.which("virtuoso-t")
ISQL = shutil.which("isql-vt")
OXIGRAPH = str(Path(sys.executable).parent / "oxigraph") if (Path(sys.executable).parent / "oxigraph").exists() \
    else shutil.which("oxigraph")
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "kgpub", "kgpub-test-secret"


@dataclass
class RunningStore:
    kind: str
    query_url: str
    process: subprocess.Popen
    user: str | None = None
    password: str | None = None
    env: dict = field(default_factory=dict)  # what a kg command needs in its environment

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kg_args(self) -> list[str]:
        args = ["--store", self.query_url, "--store-kind", self.kind]
        return args + (["--store-user", self.user] if self.user else [])


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answers(url: str, process: subprocess.Popen, seconds: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            detail = log.read_text(errors="replace")[-2000:] if log and log.exists() else ""
            raise RuntimeError(f"the store exited with {process.returncode} while starting: {detail}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the store did not answer {url} within {seconds:g} s")


def start_oxigraph(folder: Path) -> RunningStore:
    port = free_port()
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "oxigraph.log").open("wb") as log:  # the server's own messages, if it dies
        process = subprocess.Popen([OXIGRAPH, "serve", "--location", str(folder / "oxigraph"), "--bind",
                                    f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    query = f"http://127.0.0.1:{port}/query"
    _wait_until_answers(query + "?query=ASK%7B%7D", process, 30)
    return RunningStore("oxigraph", query, process)


VIRTUOSO_INI = """\
[Database]
DatabaseFile = {db}/virtuoso.db
ErrorLogFile = {db}/virtuoso.log
LockFile = {db}/virtuoso.lck
TransactionFile = {db}/virtuoso.trx
xa_persistent_file = {db}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase
[TempDatabase]
DatabaseFile = {db}/virtuoso-temp.db
TransactionFile = {db}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
CheckpointInterval = 60
CaseMode = 2
DirsAllowed = ., {db}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
MaxQueryMem = 1G
[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8
[SPARQL]
ResultSetMaxRows = 10000
MaxQueryExecutionTime = 60
"""

VIRTUOSO_SETUP = f"""
DB.DBA.USER_CREATE('{VIRTUOSO_USER}', '{VIRTUOSO_PASSWORD}');
GRANT SPARQL_UPDATE TO "{VIRTUOSO_USER}";
DB.DBA.RDF_DEFAULT_USER_PERMS_SET('{VIRTUOSO_USER}', 3);
REVOKE SELECT ON DB.DBA.SPARQL_SINV_2 FROM SPARQL_SPONGE;
"""


def start_virtuoso(folder: Path) -> RunningStore:
    db = folder / "virtuoso"
    db.mkdir(parents=True, exist_ok=True)
    sql_port, http_port = free_port(), free_port()
    ini = db / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(db=db, sql_port=sql_port, http_port=http_port))
    process = subprocess.Popen([VIRTUOSO, "+foreground", "+configfile", str(ini)], cwd=db,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    query = f"http://127.0.0.1:{http_port}/sparql"
    _wait_until_answers(query + "?query=ASK%7B%7D", process, 180, db / "virtuoso.log")
    # A new database's dba password is "dba" (a throwaway database on loopback, gone after the tests).
    setup = subprocess.run([ISQL, f"127.0.0.1:{sql_port}", "dba", "dba"], input=VIRTUOSO_SETUP, text=True,
                           capture_output=True, timeout=60)
    if setup.returncode != 0 or "Error" in setup.stdout + setup.stderr:
        process.terminate()
        raise RuntimeError(f"Virtuoso set-up failed: {setup.stdout[-1000:]} {setup.stderr[-1000:]}")
    return RunningStore("virtuoso", query, process, VIRTUOSO_USER, VIRTUOSO_PASSWORD,
                        {"KG_STORE_PASSWORD": VIRTUOSO_PASSWORD})


def kg_env(store: RunningStore, **extra) -> dict:
    return {**os.environ, **store.env, **extra}


def run_kg(store: RunningStore, *args: str, check: bool = True, timeout: float = 300) -> subprocess.CompletedProcess:
    """`kg ARGS` as users run it, with the store's password (if any) in the environment only."""
    result = subprocess.run([sys.executable, "-m", "kg.cli", *args], env=kg_env(store), capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"kg {' '.join(args)} exited with {result.returncode}:\n{result.stderr}")
    return result


def publish_files(store: RunningStore, base: str, specs, *extra: str) -> subprocess.CompletedProcess:
    """kg publish --data SPEC... to the store under `base` (nothing is removed after: --grace 0)."""
    return run_kg(store, "publish", *store.kg_args(), "--base", base, *(f"--data={s}" for s in specs),
                  "--grace", "0", *extra)
