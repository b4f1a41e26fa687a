"""The home page: what the dataset is, how to query it, where the downloads are."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template

from ..query import named_queries
from .state import current_state

bp = Blueprint("home", __name__)

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"
DEFAULT_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


@bp.get("/")
def index():
    config = current_state().config
    engine = current_state().engine
    graphs = [(row["g"].value, int(row["n"].value)) for row in engine.select(GRAPH_SIZES, union=False)]
    default_size = int(engine.select(DEFAULT_SIZE, union=False)[0]["n"].value)
    queries = [
        {"name": q.name, "title": q.title, "description": q.header.get("description", ""),
         "link": "/sparql?" + urlencode({"query": q.text_for(config)})}
        for q in named_queries(config)
    ]
    return render_template(
        "home.html", config=config, graphs=graphs, default_size=default_size,
        total=default_size + sum(n for _, n in graphs), queries=queries,
    )
