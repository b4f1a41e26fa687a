"""The home page: what the dataset is, how to query it, where the downloads are."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, render_template

from ..query import named_queries
from .dataset import sizes
from .state import current_state

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    config = current_state().config
    dataset = current_state().dataset
    graphs, default_size = sizes(dataset)  # never counted per request: a count scans the store
    queries = [
        {"name": q.name, "title": q.title, "description": q.header.get("description", ""),
         "link": "/sparql?" + urlencode({"query": q.text_for(config)})}
        for q in named_queries(config)
    ]
    return render_template(
        "home.html", config=config, graphs=graphs, default_size=default_size,
        total=sum(n for _, n in graphs) + default_size, queries=queries,
    )
