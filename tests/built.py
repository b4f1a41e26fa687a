"""One real build of the project's data per test session, shared by the tests that need it.

It builds into a temporary directory (never the user's ./build) through the same function
`kg build` runs, so golden-query and build tests see exactly what users get.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from kg.config import Config, from_env


@functools.cache
def built_config() -> Config:
    from kg.build import build

    folder = Path(tempfile.mkdtemp(prefix="kg-test-build-"))
    atexit.register(shutil.rmtree, folder, True)
    config = from_env(environ={}, build_dir=folder / "build")
    build(config)
    return config


@functools.cache
def built_store():
    from kg.config import DataFile
    from kg.store import load_store

    return load_store([DataFile(built_config().dataset_path)])
