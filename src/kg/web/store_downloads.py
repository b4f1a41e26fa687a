"""The downloads of `kg serve --store`: the dumps of the store's current release.

They are written once per release, the first time someone asks, by the same code as `kg dump`
(kg.dump.write_dumps) from the release's quads read back from the store (kg.remote_engine),
into BUILD_DIR/store-releases/STORE/RELEASE-ID/downloads/. The folder is staged and renamed into
place, so a request never sees half-written files, and two workers racing write it once each
at worst. Older releases' folders are removed when a new one is in place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import threading
from pathlib import Path

import pyoxigraph as ox

from ..dump import DOWNLOADS, SUMS_FILE, write_dumps
from .state import AppState

_lock = threading.Lock()
FOLDER = "store-releases"


def release_downloads(state: AppState) -> Path:
    engine = state.engine
    release = engine.release()
    # One folder per store: two servers on two stores may share a build directory.
    store_key = hashlib.sha256(state.config.store.encode()).hexdigest()[:12]
    root = state.config.build_dir / FOLDER / store_key
    target = root / release.id
    if (target / DOWNLOADS / SUMS_FILE).is_file():
        return target / DOWNLOADS
    with _lock:
        if not (target / DOWNLOADS / SUMS_FILE).is_file():
            _write(state, release, root, target)
    return target / DOWNLOADS


def _write(state: AppState, release, root: Path, target: Path) -> None:
    quads = state.engine.release_quads(release)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{release.id}-", dir=root))
    try:
        config = state.config.replace(build_dir=staging)
        config.dataset_path.write_bytes(ox.serialize(quads, format=ox.RdfFormat.N_QUADS))
        manifest = {"version": state.config.version, "built_at": release.published_at, "base": config.base,
                    "release": release.iri}
        (staging / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        write_dumps(config)
        try:
            staging.rename(target)
        except OSError:  # another worker was first: its copy is as good
            shutil.rmtree(staging, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    for other in root.iterdir():
        if other.name != release.id and not other.name.startswith("."):
            shutil.rmtree(other, ignore_errors=True)
