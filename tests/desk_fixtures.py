"""The desk's evidence on tests/data/desk/small.trig (plain functions, cached) and on the real build
(session fixtures over conftest's `built` and `built_store`: import them into a test module to use them)."""

from __future__ import annotations

import functools
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg import catalog
from kg.config import from_env
from kg.desk.model import Evidence
from kg.desk.paths import PathFinder
from kg.names import index_catalog

SMALL = Path(__file__).resolve().parent / "data" / "desk" / "small.trig"


@functools.cache
def small_catalog():
    store = ox.Store()
    store.bulk_load(path=str(SMALL), format=ox.RdfFormat.TRIG)
    return catalog.from_store(store, from_env(environ={}))


@functools.cache
def small() -> Evidence:
    return Evidence.from_catalog(small_catalog())


@functools.cache
def small_finder() -> PathFinder:
    return PathFinder(small(), index_catalog(small_catalog()))


@pytest.fixture(scope="session")
def real_catalog(built, built_store):
    return catalog.from_store(built_store, built)


@pytest.fixture(scope="session")
def real(real_catalog) -> Evidence:
    return Evidence.from_catalog(real_catalog)


@pytest.fixture(scope="session")
def real_finder(real, real_catalog) -> PathFinder:
    return PathFinder(real, index_catalog(real_catalog))
