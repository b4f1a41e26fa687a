"""Everything the web app needs, built once by `create_app` and held in one typed object.

Views read it with `current_state()`; the SPARQL handler gets it as an argument. Nothing else
of the app's is looked up by string.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Callable

from flask import Flask, current_app

from ..config import Config
from ..catalog import Catalog
from ..desk import Desk
from ..desk.paths import PathFinder
from ..names import NameIndex
from ..query_engine import QueryEngine
from ..reconcile import ReconciliationService
from .dataset import Dataset, StoreDataset
from .admission import ClientBudgets
from .dataset import Dataset
from .protocol_cache import ResultCache
from .service_description import ServiceDescription

_KEY = "kg"  # the one app.extensions entry


@dataclass
class AppState:
    config: Config
    dataset: Dataset | StoreDataset  # the served files, their store, validators for HTTP caching
    engine: QueryEngine  # evaluates the SPARQL protocol's queries
    answer_cache: ResultCache  # serialized answers of repeatable queries; one per worker process
    description: ServiceDescription  # the endpoint's service description and VoID statistics
    budgets: ClientBudgets  # per-client concurrency and query-time budgets
    # Run once a response whose query could not be stopped has been sent (kg serve: retire this
    # worker process so a fresh one takes over); None: nothing to do (tests, in-process use).
    retire_worker: Callable[[], None] | None = None
    # Reads the pages' records of the served graph (PageRecords); called once, on first use.
    read_records: Callable[[], "PageRecords"] | None = None
    _records: "PageRecords | None" = field(default=None, repr=False)
    _records_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def attach(self, app: Flask) -> None:
        app.extensions[_KEY] = self

    # Read on first use, not at start: at millions of triples reading them takes minutes, and the
    # SPARQL endpoint, the downloads and the Turtle descriptions need none of it (kg serve answers
    # its first query at once, and a worker that serves only queries never holds them).
    @property
    def records(self) -> "PageRecords":
        if self._records is None:
            with self._records_lock:
                if self._records is None:
                    self._records = self.read_records()
        return self._records

    @property
    def catalog(self) -> Catalog:
        return self.records.catalog

    @property
    def names(self) -> NameIndex:
        return self.records.names

    @property
    def reconciliation(self) -> ReconciliationService:
        return self.records.reconciliation

    @property
    def desk(self) -> Desk:
        return self.records.desk

    @property
    def paths(self) -> PathFinder:
        return self.records.paths


@dataclass
class PageRecords:
    """The served graph's records (kg.catalog's interface; from the build's records file, kg.records),
    the name index over them (kg.names: reuse it for any name look-up), the reconciliation service
    answering /reconcile from both, and the investigation desk (kg.desk: timeline, network, evidence
    paths), computed from the whole catalog on first use only (the entity pages, search and
    reconciliation never need it)."""

    catalog: Catalog
    names: NameIndex
    reconciliation: ReconciliationService
    paths: PathFinder  # evidence paths over kg.desk.model.LocalEvidence: each node read when a walk reaches it
    make_desk: Callable[[], Desk]
    _desk: Desk | None = field(default=None, repr=False)
    _desk_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def desk(self) -> Desk:
        if self._desk is None:
            with self._desk_lock:
                if self._desk is None:
                    self._desk = self.make_desk()
        return self._desk


def current_state() -> AppState:
    return current_app.extensions[_KEY]


def state_of(app: Flask) -> AppState:
    return app.extensions[_KEY]
