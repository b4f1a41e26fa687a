"""The web app: `create_app(config)` builds a Flask app with one blueprint per job."""

from __future__ import annotations

from flask import Flask

from ..config import Config, from_env
from . import errors
from .dataset import load_dataset
from .fastpath import SparqlFastPath


def create_app(config: Config | None = None) -> Flask:
    config = config or from_env()
    app = Flask(__name__)
    app.config["KG"] = config
    app.config["MAX_CONTENT_LENGTH"] = config.max_body_bytes
    app.extensions["kg.dataset"] = load_dataset(config)
    errors.init_app(app)
    _register_blueprints(app)
    # GET /sparql?query=... answered without Flask's request machinery; the rest goes to Flask.
    app.wsgi_app = SparqlFastPath(app, app.wsgi_app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Imported here so that each blueprint module can import `current_dataset` from this package.
    from . import downloads, entities, home, sparql

    for module in (home, sparql, downloads, entities):  # entities last: it owns the catch-all paths
        app.register_blueprint(module.bp)
