"""The dataset a server instance answers from: the store plus what HTTP caching needs.

Two kinds of store:
- the build's on-disk store (`build/store`, written by `kg build`), the default: opened
  read-only by each worker process on first use (after gunicorn's fork: a RocksDB handle is not
  shared across a fork), so start-up does not parse anything and every worker reads the same
  pages of the OS page cache instead of holding a private copy;
- `kg serve --data FILE...`: the files loaded into an in-memory store in the master process,
  before the fork (workers share it copy-on-write).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

import pyoxigraph as ox

from ..config import Config, DataFile
from ..errors import KgError
from ..records import RECORDS_FILE, RecordsError, file_sha256, open_records
from ..store import load_store, open_store


@dataclass
class Dataset:
    files: tuple[DataFile, ...]
    etag: str  # a strong validator: hash of every served file's bytes (the build's hash)
    last_modified: datetime
    opener: Callable[[], ox.Store] | None = None  # per process (a built store); None: `preloaded`
    preloaded: ox.Store | None = None
    graph_sizes: dict[str, int] | None = None  # named graph -> triples, when the build says (else counted)
    statistics: dict | None = None  # the build's statistics.json (kg.store.store_statistics), if any
    records_path: Path | None = None  # the build's pages' records (kg.records); None: made on first use
    _store: ox.Store | None = field(default=None, repr=False)
    _pid: int = field(default=0, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def store(self) -> ox.Store:
        if self.opener is None:
            return self.preloaded
        if self._pid != os.getpid():  # first use in this process (the master, or a forked worker)
            with self._lock:
                if self._pid != os.getpid():
                    self._store = self.opener()
                    self._pid = os.getpid()
        return self._store


def _digest_and_lines(path: Path, chunk: int = 1 << 20) -> tuple[str, int]:
    """(SHA-256 hex, lines) of a file, read once in chunks (an N-Quads file: one quad per line)."""
    digest, lines = hashlib.sha256(), 0
    with path.open("rb") as data:
        while block := data.read(chunk):
            digest.update(block)
            lines += block.count(b"\n")
    return digest.hexdigest(), lines


GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


def sizes(dataset: Dataset) -> tuple[list[tuple[str, int]], int]:
    """([(named graph, triples)...] sorted, default graph's triples): from the build's manifest,
    else counted once per process (the data never changes while serving)."""
    if dataset.graph_sizes is None:
        store = dataset.store
        counted = {row["g"].value: int(row["n"].value) for row in store.query(GRAPH_SIZES)}
        default = sum(1 for _ in store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        dataset.graph_sizes = {**counted, "": default}
    named = sorted((g, n) for g, n in dataset.graph_sizes.items() if g)
    return named, dataset.graph_sizes.get("", 0)


class StoreDataset:
    """The dataset of `kg serve --store`: no local files; validators follow the store's release."""

    store = None
    files: tuple[DataFile, ...] = ()
    graph_sizes = None  # counted through the engine
    statistics = None

    def __init__(self, engine):
        self.engine = engine

    @property
    def etag(self) -> str:
        return self.engine.version().etag

    @property
    def last_modified(self) -> datetime:
        return self.engine.version().last_modified


def check_against_manifest(config: Config, actual: str, quads: int) -> None:
    """KgError (one line) unless the built dataset has the SHA-256 (`actual`, hex) and quad count its
    manifest records: a dataset cut short, emptied or edited must not be served as if it were the build."""
    path, manifest_path = config.dataset_path, config.build_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest["dataset_sha256"]
    except FileNotFoundError:
        raise KgError("the build has no manifest.json: it is incomplete; run `kg build` again", str(path)) from None
    except (OSError, ValueError, KeyError, TypeError):
        raise KgError("the build's manifest.json is damaged; run `kg build` again", str(manifest_path)) from None
    if actual != expected:
        raise KgError(f"damaged build: SHA-256 {actual[:12]}... is not the {expected[:12]}... its manifest "
                      "records; run `kg build` again", str(path))
    expected_quads = manifest.get("dataset_quads")
    if expected_quads is not None and quads != expected_quads:
        raise KgError(f"damaged build: {quads} quads where its manifest records {expected_quads}; "
                      "run `kg build` again", str(path))


def served_files(config: Config) -> tuple[DataFile, ...]:
    """The files to serve: those given with --data, else the built dataset."""
    if config.data_files:
        return config.data_files
    if not config.dataset_path.exists():
        raise KgError("no built dataset here: run `kg build` first, or pass --data FILE", str(config.dataset_path))
    return (DataFile(config.dataset_path),)


def load_dataset(config: Config) -> Dataset:
    if not config.data_files and (config.store_path / "CURRENT").is_file():
        return _built_dataset(config)
    files = served_files(config)
    store = load_store(files)
    digest = hashlib.sha256()
    newest = 0.0
    for data_file in files:
        path = Path(data_file.path)
        data = path.read_bytes()
        digest.update(f"{data_file.graph}\0".encode())
        digest.update(data)
        newest = max(newest, path.stat().st_mtime)
        if not config.data_files:  # the built dataset: it must be the one the build wrote
            check_against_manifest(config, hashlib.sha256(data).hexdigest(), len(store))
    modified = datetime.fromtimestamp(int(newest), tz=timezone.utc)
    return Dataset(files=files, etag=digest.hexdigest()[:32], last_modified=modified, preloaded=store)


def _built_dataset(config: Config) -> Dataset:
    """The build's on-disk store: the ETag and the graph sizes come from its manifest (written and
    checked by `kg build`), so nothing is parsed or counted in the store at start-up. What is checked:
    the build's dataset file against the manifest's SHA-256 and quad count (one streamed read: the
    ETag says it is that file), and the store by opening it (RocksDB checks its files against its
    own MANIFEST: a file cut short or missing is refused; kg build checked its quad count)."""
    manifest_path = config.build_dir / "manifest.json"
    for required in (manifest_path, config.dataset_path):
        if not required.is_file():
            raise KgError(f"the build has no {required.name}: it is incomplete; run `kg build` again", str(required))
    check_against_manifest(config, *_digest_and_lines(config.dataset_path))
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        digest = manifest["dataset_sha256"]
        triples = manifest["triples"]
    except (OSError, ValueError, KeyError) as exc:
        raise KgError(f"the build's manifest is missing or unreadable ({exc}): run `kg build` again",
                      str(manifest_path)) from None
    open_store(config.store_path)  # fails here, with the path, rather than in every worker
    records_path = check_records(config, manifest)
    modified = datetime.fromtimestamp(int(config.dataset_path.stat().st_mtime), tz=timezone.utc)
    sizes = {config.graph(name): int(count) for name, count in triples.items()}
    statistics_path = config.build_dir / "statistics.json"
    try:
        statistics = json.loads(statistics_path.read_text(encoding="utf-8")) if statistics_path.is_file() else None
    except ValueError:
        statistics = None  # counted again, once per process
    return Dataset(files=(DataFile(config.dataset_path),), etag=str(digest)[:32], last_modified=modified,
                   opener=lambda: open_store(config.store_path), graph_sizes=sizes, statistics=statistics,
                   records_path=records_path)


def check_records(config: Config, manifest: dict) -> Path:
    """The build's records file (kg.records), checked against the size and SHA-256 its manifest
    records and opened once: KgError (one line) if it is missing, cut short, edited or unreadable."""
    entry = manifest.get("records")
    path = config.build_dir / (entry or {}).get("path", RECORDS_FILE)
    if not isinstance(entry, dict) or not path.is_file():
        raise KgError(f"the build has no {RECORDS_FILE} (the pages' records): it is incomplete or older than "
                      "this kg; run `kg build` again", str(path))
    size = path.stat().st_size
    if size != entry.get("bytes") or file_sha256(path) != entry.get("sha256"):
        raise KgError(f"damaged build: {path.name} is not the file its manifest records ({size} bytes); "
                      "run `kg build` again", str(path))
    try:
        open_records(path)
    except RecordsError as exc:
        raise KgError(f"damaged build: {exc}; run `kg build` again", str(path)) from None
    return path
