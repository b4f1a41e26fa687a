"""The web app: `create_app(config)` builds everything it needs, holds it in one AppState, and
answers /sparql with the endpoint's own handler and every other path with a Flask blueprint."""

from __future__ import annotations

import math

import pyoxigraph as ox
from flask import Flask

from .. import catalog as catalog_module
from ..config import Config, from_env
from ..desk import build_desk
from ..names import index_catalog
from ..process_engine import PoolSettings, ProcessEngine
from ..query_engine import DataVersion, EmbeddedEngine, QueryEngine
from ..reconcile import Limits, ReconciliationService
from ..remote_engine import StoreEngine
from ..remote_store import StoreClient, endpoints_of
from . import (browse, downloads, entities, errors, home, integrity, network, paths, reconcile, search, security, site,
               timeline)
from .admission import ClientBudgets
from .dataset import StoreDataset, load_dataset
from .entity_view import quote_href
from .protocol_cache import ResultCache
from .protocol_formats import GRAPH_FORMATS, RESULT_FORMATS
from .service_description import ServiceDescription
from .sparql import PATHS as SPARQL_PATHS
from .sparql import SparqlEndpoint
from .sparql_page import SparqlPage
from .state import AppState, PageRecords

BLUEPRINTS = (home, search, browse, downloads, reconcile, timeline, network, paths, entities)  # entities last: catch-all


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    if config.store:  # an existing SPARQL store (kg serve --store): nothing is loaded here
        engine = store_engine(config)
        dataset = StoreDataset(engine)
        # Off: answers would outlive a release switch (the store caches on its own side).
        cache_bytes = 0
    else:
        dataset = load_dataset(config)
        # The store is asked for per use: a built store is opened in each worker, after the fork, and
        # in each evaluator process (dataset.opener) after its own.
        engine = make_engine(config, lambda: dataset.store, DataVersion(dataset.etag, dataset.last_modified),
                             opener=dataset.opener)
        cache_bytes = config.response_cache_bytes
        if dataset.verification is not None:  # the dataset's SHA-256 and quad count, while serving
            dataset.verification.start()
    state = AppState(
        config=config,
        dataset=dataset,
        engine=engine,
        # Created before gunicorn forks: each worker gets its own (empty) copy.
        answer_cache=ResultCache(cache_bytes),
        description=ServiceDescription(engine, config, dataset.statistics),
        budgets=make_budgets(config),
    )
    # The pages' records of the graph (catalog, search, desk), read on first use; with --store from a
    # snapshot of the release current then (restart kg serve after a publish to refresh them).
    records = (lambda: release_snapshot(engine)) if config.store else (lambda: dataset.store)
    state.read_records = lambda: read_page_records(config, records())
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    state.attach(app)
    errors.init_app(app)
    integrity.init_app(app, lambda: dataset.damage)
    security.init_app(app)
    site.init_app(app, engine, config.base)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    app.wsgi_app = errors.RequestIds(security.NoSniff(Router(SparqlEndpoint(state, SparqlPage(app, state)), app.wsgi_app)))
    return app


def read_page_records(config: Config, store: ox.Store) -> PageRecords:
    catalog = catalog_module.from_store(store, config)
    names = index_catalog(catalog)
    reconciliation = ReconciliationService(config, catalog, names, Limits(
        max_queries=config.reconcile_max_queries, max_limit=config.reconcile_max_limit))
    return PageRecords(catalog, names, reconciliation, build_desk(catalog, names, quote_href))


def release_snapshot(engine: StoreEngine) -> ox.Store:
    """The store's current release in an in-memory store, for the records the pages and the
    reconciliation service read at start."""
    store = ox.Store()
    store.bulk_extend(engine.release_quads(engine.release()))
    return store


def store_engine(config: Config):
    return StoreEngine(StoreClient(endpoints_of(config), retries=2, backoff=0.2), config.base)


# Each front worker (kg serve --workers) has its own evaluators and its own client budgets: the
# settings are for the whole server, so each worker gets its share (clients' connections spread
# over the workers).
def _share(config: Config, total: int) -> int:
    return max(1, math.ceil(total / config.workers)) if total > 0 else 0


def make_engine(config: Config, store, version: DataVersion, opener=None) -> QueryEngine:
    """The engine `config.engine` names, over `store` (a store, or a function giving it: the
    build's on-disk store is opened in each process that uses it). `opener`: for an on-disk store,
    the function that opens it anew, called in each evaluator process after its fork (a RocksDB
    handle must not cross a fork); None: `store` is in memory, shared by the evaluators."""
    if config.engine == "embedded":
        return EmbeddedEngine(store, version=version)
    evaluators = _share(config, config.evaluators)
    settings = PoolSettings(
        evaluators=evaluators, memory_budget=config.query_memory_bytes, queue_size=_share(config, config.queue_size),
        queue_timeout=config.queue_timeout, long_after=config.long_query_after,
        long_query_slots=min(_share(config, config.long_query_slots), evaluators - 1) or 1,
        spare=evaluators,  # all forked ahead: idle evaluators share their memory with the zygote
    )
    formats = {fmt.key: fmt for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS)}
    if opener is not None:
        return ProcessEngine(opener, settings, formats, front_store=store, version=version, open_in_evaluators=True)
    return ProcessEngine(store if callable(store) else (lambda: store), settings, formats, front_store=store,
                         version=version)


def make_budgets(config: Config) -> ClientBudgets:
    return ClientBudgets(_share(config, config.client_concurrency), config.client_query_seconds / config.workers,
                         config.client_window)


class Router:
    """/sparql to the endpoint's handler, everything else to Flask."""

    def __init__(self, sparql, flask_wsgi_app):
        self.sparql = sparql
        self.flask = flask_wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in SPARQL_PATHS:
            return self.sparql(environ, start_response)
        return self.flask(environ, start_response)
