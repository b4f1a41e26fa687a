"""Is the build being served the one `kg build` wrote? Checked in two parts, so that `kg serve`
answers its first request at once whatever the size of the data:

- **at start**, before listening (a refusal is one line on stderr and exit code 2): the manifest
  parses and agrees with itself (its graphs' triples add up to the dataset's quad count),
  dataset.nq has the size in bytes the manifest records (a file cut short, at a line boundary or
  not, or emptied, is refused here), and the store opens (RocksDB checks its own files against
  its MANIFEST; kg.store.open_store);
- **in the background**, once serving: dataset.nq's SHA-256 and quad count against the manifest's
  (this catches what keeps the size: an edit in place, a flipped bit), read in one pass by a
  thread of the `kg serve` process at the lowest CPU priority (pages read once are the first the
  kernel evicts). About 0.3 s of CPU at 1M triples, seconds at 10M: requests are answered
  meanwhile. If it fails, one line is logged (ERROR, with the file) and from then on every data
  request is answered 503 with the reason, in the error shape of its route (kg.web.errors: JSON,
  an HTML page for browsers, plain text on the SPARQL protocol route); the site's static files
  are still served. The server keeps running, so a health check or a load balancer sees the 503
  and its reason, where a server that exited would be restarted by its supervisor into the same
  few seconds of serving.

Neither the Oxigraph server nor Fuseki compares its data with a checksum of the build before
serving: they rely on the database's own checks (RocksDB verifies each block's checksum as it
reads it, which our store does too). The check here adds the build's own record, without making
start-up wait for a read of the whole dataset.

The outcome is written to an anonymous shared memory page made before the server forks its
workers, so every worker (and a worker started later) sees it. A manifest from before builds
recorded the dataset's size has nothing cheap to check: its dataset is checked in full before
serving, as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import mmap
import os
import threading
import time
from pathlib import Path
from typing import Callable

from flask import Flask, request

from ..config import Config
from ..errors import KgError
from .errors import api_error

log = logging.getLogger("kg.serve")

MANIFEST = "manifest.json"
_PENDING, _PASSED, _FAILED = 0, 1, 2  # the shared page's first byte; the reason follows, UTF-8
_PAGE = 4096


def read_manifest(config: Config) -> dict:
    """The build's manifest.json, read once; KgError (one line) if it is missing or damaged."""
    path = config.build_dir / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise KgError("the build has no manifest.json: it is incomplete; run `kg build` again", str(path)) from None
    except (OSError, ValueError):
        manifest = None
    if not (isinstance(manifest, dict) and isinstance(manifest.get("dataset_sha256"), str)
            and isinstance(manifest.get("triples"), dict)
            and all(isinstance(n, int) for n in manifest["triples"].values())):
        raise KgError("the build's manifest.json is damaged; run `kg build` again", str(path))
    return manifest


def check_at_start(config: Config, manifest: dict) -> None:
    """The cheap checks (no read of the data): KgError (one line) for a damaged build."""
    path = config.dataset_path
    if not path.is_file():
        raise KgError("the build has no dataset.nq: it is incomplete; run `kg build` again", str(path))
    quads, counted = manifest.get("dataset_quads"), sum(manifest["triples"].values())
    if quads is not None and quads != counted:
        raise KgError(f"damaged build: its graphs hold {counted} quads where its manifest records {quads} "
                      "for dataset.nq; run `kg build` again", str(config.build_dir / MANIFEST))
    expected, size = manifest.get("dataset_bytes"), path.stat().st_size
    if expected is not None and size != expected:
        raise KgError(f"damaged build: dataset.nq holds {size} bytes where its manifest records {expected}; "
                      "run `kg build` again", str(path))


def needs_full_check_at_start(manifest: dict) -> bool:
    """A manifest without the dataset's size (written before builds recorded it)."""
    return "dataset_bytes" not in manifest


def check_contents(config: Config, manifest: dict, actual: str, quads: int) -> None:
    """KgError (one line) unless the dataset has the SHA-256 (`actual`, hex) and quad count the
    manifest records: a dataset cut short, emptied or edited must not be served as if it were the build."""
    path, expected = config.dataset_path, manifest["dataset_sha256"]
    if actual != expected:
        raise KgError(f"damaged build: SHA-256 {actual[:12]}... is not the {expected[:12]}... its manifest "
                      "records; run `kg build` again", str(path))
    expected_quads = manifest.get("dataset_quads")
    if expected_quads is not None and quads != expected_quads:
        raise KgError(f"damaged build: {quads} quads where its manifest records {expected_quads}; "
                      "run `kg build` again", str(path))


def digest_and_lines(path: Path, chunk: int = 1 << 20) -> tuple[str, int]:
    """(SHA-256 hex, lines) of a file, read once in chunks (an N-Quads file: one quad per line)."""
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as data:
        while block := data.read(chunk):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


def check_in_full(config: Config, manifest: dict) -> None:
    check_contents(config, manifest, *digest_and_lines(config.dataset_path))


class Verification:
    """The background check of one served build; its outcome is shared with processes forked after
    it was made (an anonymous shared mapping: MAP_SHARED)."""

    def __init__(self, check: Callable[[], None], label: str):
        self._check = check
        self._label = label
        self._shared = mmap.mmap(-1, _PAGE)
        self._thread: threading.Thread | None = None
        self._failure: str | None = None  # this process's decoded copy of the shared reason

    def start(self) -> None:
        """Run the check in a daemon thread of this process (once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self.run, name="kg-verify-build", daemon=True)
            self._thread.start()

    def wait(self, timeout: float | None = None) -> bool:
        """True once the check has finished (in this process's thread)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self._shared[0] != _PENDING

    def run(self) -> None:
        _lowest_priority()
        started = time.monotonic()
        try:
            self._check()
        except KgError as exc:
            self._fail(exc.reason, str(exc))
            return
        except OSError as exc:  # the file became unreadable: as damaged as a wrong hash
            reason = f"damaged build: {self._label} cannot be read ({exc.strerror or exc}); run `kg build` again"
            self._fail(reason, f"{self._label}: {reason}")
            return
        except Exception as exc:  # a fault of the check itself, not of the build: say so, keep serving
            log.error("kg serve: %s could not be checked against the build's manifest (%s: %s); serving it "
                      "unchecked", self._label, type(exc).__name__, exc)
            return
        self._shared[0] = _PASSED
        log.info("kg serve: %s verified against the build's manifest (SHA-256 and quad count) in %.1f s",
                 self._label, time.monotonic() - started)

    def _fail(self, reason: str, logged: str) -> None:
        text = reason.encode("utf-8")[: _PAGE - 2]
        self._shared[1:1 + len(text)] = text  # the reason first, then the flag that makes it visible
        self._shared[0] = _FAILED
        log.error("kg serve: %s; every data request is now answered 503", logged)

    @property
    def state(self) -> str:
        return ("pending", "passed", "failed")[self._shared[0]]

    @property
    def failure(self) -> str | None:
        """The one-line reason the build failed its check, or None (passed, or not finished)."""
        if self._shared[0] != _FAILED:
            return None
        if self._failure is None:
            self._failure = bytes(self._shared[1:]).split(b"\0", 1)[0].decode("utf-8", "replace")
        return self._failure


def _lowest_priority() -> None:
    """This thread only (Linux: a thread id is a process id to setpriority), below every request."""
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
    except (AttributeError, OSError):
        pass


def refusal(reason: str) -> str:
    """What a client is told once the build failed its check."""
    return f"The data behind this server failed its integrity check, so it serves none: {reason}"


def init_app(app: Flask, damage: Callable[[], str | None]) -> None:
    """Every Flask route but the static files answers 503 once `damage()` gives a reason."""

    @app.before_request
    def _refuse_damaged_build():
        reason = damage()
        if reason is not None and request.endpoint != "static":
            return api_error(503, "damaged_build", refusal(reason))
        return None
