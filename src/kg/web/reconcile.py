"""/reconcile: the Reconciliation Service API 0.2 on HTTP, over `kg.reconcile` (which does the work).

- GET or POST /reconcile: the manifest (no parameters), a batch of queries (`queries=`), or a
  data extension (`extend=`); form-encoded POST bodies or query strings, as OpenRefine sends them.
- GET /reconcile/suggest/entity|type|property?prefix=&cursor=: autocompletion.
- GET /reconcile/preview?id=: an HTML summary of an entity for the client's iframe.
- GET /reconcile/properties?type=&limit=: properties proposed for data extension.

Every JSON answer can be wrapped as JSONP with `callback=NAME` (older OpenRefine versions ask
for it), carries CORS headers when enabled, and a malformed request gets the API's JSON error
(400) with a message saying what is wrong.
"""

from __future__ import annotations

import json
import re

from flask import Blueprint, Response, render_template, request

from ..reconcile import RequestError
from .errors import api_error
from .state import current_state

bp = Blueprint("reconcile", __name__, url_prefix="/reconcile")

_CALLBACK = re.compile(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*$")
MAX_CALLBACK = 128


def _service():
    return current_state().reconciliation


def _param(name: str) -> str | None:
    """A parameter from the form body (POST) or the query string (GET)."""
    value = request.form.get(name) if request.method == "POST" else None
    return value if value is not None else request.args.get(name)


def _json(value: dict) -> Response:
    callback = _param("callback")
    body = json.dumps(value, ensure_ascii=False, sort_keys=False)
    if callback:
        response = Response(f"/**/{callback}({body});", content_type="application/javascript; charset=utf-8")
    else:
        response = Response(body, content_type="application/json; charset=utf-8")
    return _cors(response)


def _cors(response: Response) -> Response:
    if current_state().config.cors:
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def _bad(message: str) -> Response:
    return _cors(api_error(400, "bad_request", message))


@bp.before_request
def _check_callback():
    callback = _param("callback")
    if callback is not None and (len(callback) > MAX_CALLBACK or not _CALLBACK.match(callback)):
        return _bad("callback: a JavaScript identifier (letters, digits, _ and $, dotted), at most "
                    f"{MAX_CALLBACK} characters")
    return None


@bp.route("", methods=["GET", "POST"])
@bp.route("/", methods=["GET", "POST"])
def service():
    queries, extend = _param("queries"), _param("extend")
    try:
        if queries is not None and extend is not None:
            raise RequestError("give either queries or extend, not both")
        if queries is not None:
            return _json(_service().reconcile(queries))
        if extend is not None:
            return _json(_service().extend(extend))
    except RequestError as exc:
        return _bad(str(exc))
    return _json(_service().manifest())


def _cursor() -> int:
    raw = request.args.get("cursor", "0") or "0"
    if not raw.isdigit() or len(raw) > 9:
        raise RequestError(f"cursor: a number of suggestions to skip (0 or more), not {raw[:40]!r}")
    return int(raw)


def _prefix() -> str:
    prefix = request.args.get("prefix")
    if prefix is None:
        raise RequestError("prefix: missing (the text typed so far)")
    return prefix


@bp.get("/suggest/<any(entity, type, property):kind>")
def suggest(kind: str):
    try:
        prefix, cursor = _prefix(), _cursor()
        if kind == "entity":
            types = [t for t in request.args.getlist("type") if t] or None
            return _json(_service().suggest_entity(prefix, cursor, types))
        if kind == "type":
            return _json(_service().suggest_type(prefix, cursor))
        return _json(_service().suggest_property(prefix, cursor))
    except RequestError as exc:
        return _bad(str(exc))


@bp.get("/properties")
def propose_properties():
    type_id = request.args.get("type")
    if type_id is None:
        return _bad("type: missing (the type to propose properties for)")
    raw = request.args.get("limit")
    if raw is not None and (not raw.isdigit() or len(raw) > 6):
        return _bad(f"limit: a positive number, not {raw[:40]!r}")
    return _json(_service().propose_properties(type_id, int(raw) if raw else None))


@bp.get("/preview")
def preview():
    entity_id = request.args.get("id")
    if not entity_id:
        return _bad("id: missing (the entity to preview)")
    data = _service().preview(entity_id)
    if data is None:
        return _cors(api_error(404, "not_found", "No entity with this id; ids look like person/michael-flynn "
                                                 "(the id of a reconciliation candidate)."))
    return _cors(Response(render_template("reconcile_preview.html", base=current_state().config.base, **data),
                          content_type="text/html; charset=utf-8"))
