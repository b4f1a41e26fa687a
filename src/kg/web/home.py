"""The home page: what the dataset is, how to query it, where the downloads are."""

from __future__ import annotations

from urllib.parse import urlencode

import pyoxigraph as ox
from flask import Blueprint, current_app, render_template

from ..query import named_queries
from .state import current_state

bp = Blueprint("home", __name__)

GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g"


@bp.get("/")
def index():
    config = current_state().config
    dataset = current_state().dataset
    graphs = [(row["g"].value, int(row["n"].value)) for row in dataset.store.query(GRAPH_SIZES)]
    default_size = sum(1 for _ in dataset.store.quads_for_pattern(None, None, None, ox.DefaultGraph()))
    queries = [
        {"name": q.name, "title": q.title, "description": q.header.get("description", ""),
         "link": "/sparql?" + urlencode({"query": q.text_for(config)})}
        for q in named_queries(config)
    ]
    return render_template(
        "home.html", config=config, graphs=graphs, default_size=default_size,
        total=len(dataset.store), queries=queries,
    )


@bp.get("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico on pages without a <link rel=icon> (plain-text answers...)."""
    return current_app.send_static_file("favicon.svg")
