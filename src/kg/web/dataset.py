"""The dataset a server instance answers from: the store plus what HTTP caching needs."""

from __future__ import annotations

import hashlib
import json
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


def check_against_manifest(config: Config, data: bytes, quads: int) -> None:
    """KgError (one line) unless the built dataset has the SHA-256 and quad count its manifest
    records: a dataset cut short, emptied or edited must not be served as if it were the build."""
    path, manifest_path = config.dataset_path, config.build_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        expected = manifest["dataset_sha256"]
    except FileNotFoundError:
        raise KgError("the build has no manifest.json: it is incomplete; run `kg build` again", str(path)) from None
    except (OSError, ValueError, KeyError, TypeError):
        raise KgError("the build's manifest.json is damaged; run `kg build` again", str(manifest_path)) from None
    actual = hashlib.sha256(data).hexdigest()
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
            check_against_manifest(config, data, len(store))
    modified = datetime.fromtimestamp(int(newest), tz=timezone.utc)
    return Dataset(store=store, files=files, etag=digest.hexdigest()[:32], last_modified=modified)
