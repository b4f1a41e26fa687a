"""The home page: what the dataset is, live statistics of this build (entities per kind, claims per
status, graph sizes), and the way to everything (search, browse, timeline, network, paths, the source,
SPARQL, downloads). Its figures are computed once per process from the served graph."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .browse import indexes
from .dataset import sizes
from .kinds import KINDS
from .page_cache import cached_page
from .state import current_state

bp = Blueprint("home", __name__)

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
DEFAULT_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
_sizes: dict[str, tuple] = {}


def graph_sizes() -> tuple[list[tuple[str, int]], int, int]:
    """(named graph, triples) pairs, the default graph's own size, and the total: counted once per dataset."""
    state = current_state()
    key = state.dataset.etag
    if key not in _sizes and state.dataset.graph_sizes is not None:  # the build's manifest says: no count
        graphs, default_size = sizes(state.dataset)
        _sizes[key] = (graphs, default_size, default_size + sum(n for _, n in graphs))
    if key not in _sizes:
        engine = state.engine
        graphs = [(row["g"].value, int(row["n"].value)) for row in engine.select(GRAPH_SIZES, union=False)]
        default_size = int(engine.select(DEFAULT_SIZE, union=False)[0]["n"].value)
        _sizes[key] = (graphs, default_size, default_size + sum(n for _, n in graphs))
    return _sizes[key]


@bp.get("/")
@cached_page
def index():
    state = current_state()
    graphs, default_size, total = graph_sizes()
    data = indexes()
    return render_template("home.html", config=state.config, graphs=graphs, default_size=default_size,
                           total=total, data=data, kinds=KINDS, people=state.catalog.most_events("Person", 8),
                           claims=sum(data.status_counts.values()))


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without a <link rel=icon> (plain-text answers...)."""
    return current_app.send_static_file("favicon.svg")
