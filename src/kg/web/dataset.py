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
from ..store import load_store, open_store
from .integrity import (Verification, check_at_start, check_contents, check_in_full, needs_full_check_at_start,
                        read_manifest)


@dataclass
class Dataset:
    files: tuple[DataFile, ...]
    etag: str  # a strong validator: hash of every served file's bytes (the build's hash)
    last_modified: datetime
    opener: Callable[[], ox.Store] | None = None  # per process (a built store); None: `preloaded`
    preloaded: ox.Store | None = None
    graph_sizes: dict[str, int] | None = None  # named graph -> triples, when the build says (else counted)
    statistics: dict | None = None  # the build's statistics.json (kg.store.store_statistics), if any
    verification: Verification | None = None  # the build's background check (kg.web.integrity), if any
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

    @property
    def damage(self) -> str | None:
        """Why the build must not be served (its background check failed), or None."""
        return self.verification.failure if self.verification is not None else None


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
    verification = None  # the store answers for its own data
    damage = None

    def __init__(self, engine):
        self.engine = engine

    @property
    def etag(self) -> str:
        return self.engine.version().etag

    @property
    def last_modified(self) -> datetime:
        return self.engine.version().last_modified


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
            check_contents(config, read_manifest(config), hashlib.sha256(data).hexdigest(), len(store))
    modified = datetime.fromtimestamp(int(newest), tz=timezone.utc)
    return Dataset(files=files, etag=digest.hexdigest()[:32], last_modified=modified, preloaded=store)


def _built_dataset(config: Config) -> Dataset:
    """The build's on-disk store: the ETag and the graph sizes come from its manifest (written and
    checked by `kg build`), so nothing is parsed or counted in the store at start-up. Checked here:
    the manifest, dataset.nq's size and the store's opening (kg.web.integrity.check_at_start); the
    dataset's SHA-256 and quad count are checked by `verification`, in the background once
    create_app starts it (or here, in full, for a manifest that records no size)."""
    manifest = read_manifest(config)
    check_at_start(config, manifest)
    if needs_full_check_at_start(manifest):
        check_in_full(config, manifest)
    store = open_store(config.store_path)  # fails here, with the path, rather than in every worker
    modified = datetime.fromtimestamp(int(config.dataset_path.stat().st_mtime), tz=timezone.utc)
    sizes = {config.graph(name): int(count) for name, count in manifest["triples"].items()}
    statistics_path = config.build_dir / "statistics.json"
    try:
        statistics = json.loads(statistics_path.read_text(encoding="utf-8")) if statistics_path.is_file() else None
    except ValueError:
        statistics = None  # counted again, once per process
    verification = Verification(lambda: check_in_full(config, manifest), str(config.dataset_path))
    return Dataset(files=(DataFile(config.dataset_path),), etag=manifest["dataset_sha256"][:32],
                   last_modified=modified, opener=lambda: open_store(config.store_path), graph_sizes=sizes,
                   statistics=statistics, verification=verification,
                   _store=store, _pid=os.getpid())  # this process's handle; a forked worker opens its own
