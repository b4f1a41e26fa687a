"""The dataset a server instance answers from: the store plus what HTTP caching needs."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from ..config import Config, DataFile
from ..errors import KgError
from ..store import load_store


@dataclass
class Dataset:
    store: ox.Store
    files: tuple[DataFile, ...]
    etag: str  # a strong validator: hash of every served file's bytes (the build's hash)
    last_modified: datetime


class StoreDataset:
    """The dataset of `kg serve --store`: no local files; validators follow the store's release."""

    store = None
    files: tuple[DataFile, ...] = ()

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
    files = served_files(config)
    store = load_store(files)
    digest = hashlib.sha256()
    newest = 0.0
    for data_file in files:
        path = Path(data_file.path)
        digest.update(f"{data_file.graph}\0".encode())
        digest.update(path.read_bytes())
        newest = max(newest, path.stat().st_mtime)
    modified = datetime.fromtimestamp(int(newest), tz=timezone.utc)
    return Dataset(store=store, files=files, etag=digest.hexdigest()[:32], last_modified=modified)
