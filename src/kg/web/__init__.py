"""The web app: `create_app(config)` builds everything it needs, holds it in one AppState, and
answers /sparql with the endpoint's own handler and every other path with a Flask blueprint."""

from __future__ import annotations

from flask import Flask

from .. import catalog as catalog_module
from ..config import Config, from_env
from ..names import index_catalog
from ..query_engine import EmbeddedEngine
from ..reconcile import Limits, ReconciliationService
from . import downloads, entities, errors, home, reconcile
from .dataset import load_dataset
from .protocol_cache import ResultCache
from .service_description import ServiceDescription
from .sparql import PATHS as SPARQL_PATHS
from .sparql import SparqlEndpoint
from .state import AppState

BLUEPRINTS = (home, downloads, reconcile, entities)  # entities last: it owns the catch-all paths


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    dataset = load_dataset(config)
    state = AppState(
        config=config,
        dataset=dataset,
        # The store is asked for per use: a built store is opened in each worker, after the fork.
        engine=EmbeddedEngine(lambda: dataset.store),
        # Created before gunicorn forks: each worker gets its own (empty) copy.
        answer_cache=ResultCache(config.response_cache_bytes),
        description=ServiceDescription(lambda: dataset.store, config, dataset.statistics),
    )
    state.catalog = catalog_module.from_store(dataset.store, config)
    state.names = index_catalog(state.catalog)
    state.reconciliation = ReconciliationService(config, state.catalog, state.names, Limits(
        max_queries=config.reconcile_max_queries, max_limit=config.reconcile_max_limit))
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    state.attach(app)
    errors.init_app(app)
    for module in BLUEPRINTS:
        app.register_blueprint(module.bp)
    app.wsgi_app = errors.RequestIds(Router(SparqlEndpoint(state), app.wsgi_app))
    return app


class Router:
    """/sparql to the endpoint's handler, everything else to Flask."""

    def __init__(self, sparql, flask_wsgi_app):
        self.sparql = sparql
        self.flask = flask_wsgi_app

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") in SPARQL_PATHS:
            return self.sparql(environ, start_response)
        return self.flask(environ, start_response)
