"""The home page: what the dataset is, live statistics of this build (entities per kind, claims per
status, graph sizes), and the way to everything (search, browse, timeline, network, paths, the source,
SPARQL, downloads). Its figures are computed once per process from the served graph."""

from __future__ import annotations

import pyoxigraph as ox
from flask import Blueprint, current_app, render_template

from .browse import indexes
from .kinds import KINDS
from .page_cache import cached_page
from .state import current_state

bp = Blueprint("home", __name__)

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
_sizes: dict[str, tuple] = {}


def graph_sizes() -> tuple[list[tuple[str, int]], int, int]:
    dataset = current_state().dataset
    if dataset.etag not in _sizes:
        graphs = [(row["g"].value, int(row["n"].value)) for row in dataset.store.query(GRAPH_SIZES)]
        default_size = sum(1 for _ in dataset.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
        _sizes[dataset.etag] = (graphs, default_size, len(dataset.store))
    return _sizes[dataset.etag]


@bp.get("/")
@cached_page
def index():
    state = current_state()
    graphs, default_size, total = graph_sizes()
    data = indexes()
    people = sorted((e for e in state.catalog.entities.values() if "Person" in e.all_types),
                    key=lambda e: -len(state.catalog.events_of.get(e.id, ())))
    return render_template("home.html", config=state.config, graphs=graphs, default_size=default_size,
                           total=total, data=data, kinds=KINDS, people=people[:8],
                           claims=sum(data.status_counts.values()))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without a <link rel=icon> (plain-text answers...)."""
    return current_app.send_static_file("favicon.svg")
