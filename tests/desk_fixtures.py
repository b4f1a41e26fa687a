"""The evidence of tests/data/desk/small.trig and of the real build, read once per session."""

from __future__ import annotations

import functools
from pathlib import Path

import pyoxigraph as ox

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
def real_catalog():
    from built import built_config, built_store

    return catalog.from_store(built_store(), built_config())


@functools.cache
def small() -> Evidence:
    return Evidence.from_catalog(small_catalog())


@functools.cache
def real() -> Evidence:
    return Evidence.from_catalog(real_catalog())


@functools.cache
def small_finder() -> PathFinder:
    return PathFinder(small(), index_catalog(small_catalog()))


@functools.cache
def real_finder() -> PathFinder:
    return PathFinder(real(), index_catalog(real_catalog()))
