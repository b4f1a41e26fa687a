"""The web app: `create_app(config)` builds everything it needs, holds it in one AppState, and
answers /sparql with the endpoint's own handler and every other path with a Flask blueprint."""

from __future__ import annotations

import math

from flask import Flask

from .. import catalog as catalog_module
from ..config import Config, from_env
from ..names import index_catalog
from ..process_engine import PoolSettings, ProcessEngine
from ..query_engine import EmbeddedEngine, QueryEngine
from ..reconcile import Limits, ReconciliationService
from . import browse, downloads, entities, errors, home, reconcile, search, security, site
from .admission import ClientBudgets
from .dataset import load_dataset
from .protocol_cache import ResultCache
from .protocol_formats import GRAPH_FORMATS, RESULT_FORMATS
from .service_description import ServiceDescription
from .sparql import PATHS as SPARQL_PATHS
from .sparql import SparqlEndpoint
from .sparql_page import SparqlPage
from .state import AppState

BLUEPRINTS = (home, search, browse, downloads, reconcile, entities)  # entities last: it owns the catch-all paths


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    dataset = load_dataset(config)
    state = AppState(
        config=config,
        dataset=dataset,
        engine=make_engine(config, dataset.store),
        # Created before gunicorn forks: each worker gets its own (empty) copy.
        answer_cache=ResultCache(config.response_cache_bytes),
        description=ServiceDescription(dataset.store, config),
        budgets=make_budgets(config),
    )
    state.catalog = catalog_module.from_store(dataset.store, config)
    state.names = index_catalog(state.catalog)
    state.reconciliation = ReconciliationService(config, state.catalog, state.names, Limits(
        max_queries=config.reconcile_max_queries, max_limit=config.reconcile_max_limit))
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    state.attach(app)
    errors.init_app(app)
    security.init_app(app)
    site.init_app(app, dataset.store, config.base)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    app.wsgi_app = errors.RequestIds(security.NoSniff(Router(SparqlEndpoint(state, SparqlPage(app, state)), app.wsgi_app)))
    return app


# Each front worker (kg serve --workers) has its own evaluators and its own client budgets: the
# settings are for the whole server, so each worker gets its share (clients' connections spread
# over the workers).
def _share(config: Config, total: int) -> int:
    return max(1, math.ceil(total / config.workers)) if total > 0 else 0


def make_engine(config: Config, store) -> QueryEngine:
    """The engine `config.engine` names, over `store` (loaded in this process)."""
    if config.engine == "embedded":
        return EmbeddedEngine(store)
    evaluators = _share(config, config.evaluators)
    settings = PoolSettings(
        evaluators=evaluators, memory_budget=config.query_memory_bytes, queue_size=_share(config, config.queue_size),
        queue_timeout=config.queue_timeout, long_after=config.long_query_after,
        long_query_slots=min(_share(config, config.long_query_slots), evaluators - 1) or 1,
        spare=evaluators,  # all forked ahead: idle evaluators share their memory with the zygote
    )
    formats = {fmt.key: fmt for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS)}
    return ProcessEngine(lambda: store, settings, formats, front_store=store)


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
