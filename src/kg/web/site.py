"""What every page's layout needs from the graph: the epistemic statuses (key, label, definition),
read once when the app is created and handed to every template as `statuses`; and `page_exists(path)`,
so that the navigation links only to pages this server has."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask

SKOS = "http://www.w3.org/2004/02/skos/core#"
#: Strongest first: the order badges and filters list them in.
STATUS_ORDER = ("confirmed", "admitted", "reported", "claimed", "alleged", "denied")


@dataclass(frozen=True)
class Status:
    key: str  # skos:notation, e.g. "alleged"
    label: str
    definition: str
    href: str


def read_statuses(engine, base: str) -> dict[str, Status]:
    """The concepts of the BASE/status/ scheme, by notation, strongest first."""
    query = f"""SELECT ?s ?key ?label ?definition WHERE {{
        ?s <{SKOS}inScheme> <{base}status/> ; <{SKOS}notation> ?key .
        OPTIONAL {{ ?s <{SKOS}prefLabel> ?label }} OPTIONAL {{ ?s <{SKOS}definition> ?definition }} }}"""
    found = {}
    for row in engine.select(query):
        key = row["key"].value
        found[key] = Status(key, row["label"].value if row["label"] else key,
                            row["definition"].value if row["definition"] else "", "/status/" + key)
    rank = {key: i for i, key in enumerate(STATUS_ORDER)}
    return dict(sorted(found.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])))


def init_app(app: Flask, engine, base: str) -> None:
    """`engine`: a kg.query_engine.QueryEngine (the scheme's few concepts are read from it at start)."""
    statuses = read_statuses(engine, base)
    app.jinja_env.globals["statuses"] = statuses
    app.jinja_env.globals["page_exists"] = lambda path: page_exists(app, path)


def page_exists(app: Flask, path: str) -> bool:
    """Whether a Flask route answers GET `path` (the layout links only to pages this server has)."""
    try:
        app.url_map.bind("localhost").match(path, "GET")
    except Exception:  # NotFound, MethodNotAllowed, RequestRedirect: no page there
        return False
    return True
