"""The home page: what the dataset is, how to query it, where the downloads are."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, render_template

from ..query import named_queries
from .dataset import current_dataset, sizes

bp = Blueprint("home", __name__)

@bp.get("/")
def index():
    config = current_app.config["KG"]
    dataset = current_dataset()
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
