"""The home page: what the dataset is and how to query it."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from .dataset import current_dataset

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    config = current_app.config["KG"]
    dataset = current_dataset()
    return render_template("home.html", config=config, triples=len(dataset.store))
