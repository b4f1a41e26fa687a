"""The evidence of tests/data/desk/small.trig and of the real build, read once per session."""

from __future__ import annotations

import functools
from pathlib import Path

import pyoxigraph as ox

from kg.desk.model import Evidence

SMALL = Path(__file__).resolve().parent / "data" / "desk" / "small.trig"
BASE = "http://127.0.0.1:8000/"


@functools.cache
def small() -> Evidence:
    store = ox.Store()
    store.bulk_load(path=str(SMALL), format=ox.RdfFormat.TRIG)
    return Evidence.from_store(store, BASE)


@functools.cache
def real() -> Evidence:
    from built import built_config, built_store

    return Evidence.from_store(built_store(), built_config().base)
