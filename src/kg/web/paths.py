"""/paths?from=&to=: evidence paths between two entities (names accepted: kg.names resolves them;
an ambiguous name lists its candidates), /api/paths: the same as JSON. Every hop shows its event
or relation, date as written, statuses, credited outlets and quotes; a path resting on an
allegation says so. Works without JavaScript; with it, the two fields suggest names from /api/search."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request

from ..desk.model import STATUSES
from ..desk.timeline import placed
from ..desk.paths import MAX_LENGTH_LIMIT, PathQueryError, PathSearch, search_as_json
from ..desk.paths import DEFAULT_MAX_LENGTH
from .errors import api_error
from .evidence_view import claim_view
from .page_cache import cached_page
from .state import current_state

bp = Blueprint("paths", __name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
EXAMPLES = (("Donald Trump", "Sergey Kislyak"), ("Eric Trump", "Russia"), ("Jared Kushner", "FBI"))


class BadParameter(ValueError):
    pass


@bp.get("/paths")
@cached_page
def paths_page():
    return _render_page()


@bp.get("/api/paths")
@cached_page(content_type="application/json")
def paths_api():
    return _render_json()


def _parameters() -> dict:
    def number(name: str, default: int, low: int, high: int) -> int:
        raw = request.args.get(name, "").strip()
        if not raw:
            return default
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise BadParameter(f"'{name}' must be a whole number from {low} to {high}, not {raw!r}")
        return int(raw)
    weakest = request.args.get("weakest", "").strip() or STATUSES[-1]
    return {
        "start": request.args.get("from", "").strip(), "end": request.args.get("to", "").strip(),
        "max_length": number("max", DEFAULT_MAX_LENGTH, 1, MAX_LENGTH_LIMIT), "weakest": weakest,
        "as_of": request.args.get("as_of", "").strip() or None, "limit": number("limit", DEFAULT_LIMIT, 1, MAX_LIMIT),
    }


def _search(params: dict) -> PathSearch:
    finder = current_state().paths
    return finder.search(params["start"], params["end"], params["max_length"], params["weakest"], params["as_of"])


def _render_json():
    try:
        params = _parameters()
        if not params["start"] or not params["end"]:
            raise BadParameter("give both 'from' and 'to' (a name, an id such as person/donald-trump, or an IRI)")
        search = _search(params)
    except (BadParameter, PathQueryError) as exc:
        status = 404 if "no entity matches" in str(exc) else 400
        return api_error(status, "not_found" if status == 404 else "bad_request", str(exc))
    return json.dumps(search_as_json(current_state().paths.evidence, search, params["limit"]), ensure_ascii=False)


def _render_page():
    try:
        params = _parameters()
    except BadParameter as exc:
        return api_error(400, "bad_request", str(exc))
    finder = current_state().paths
    evidence = finder.evidence
    search, problem, candidates = None, None, {}
    if params["start"] or params["end"]:
        for which in ("start", "end"):
            found = finder.resolve(params[which])
            if len(found) != 1:
                candidates[which] = found
        if not candidates:
            try:
                search = _search(params)
            except PathQueryError as exc:
                problem = str(exc)
        else:
            problem = "; ".join(
                f"“{params[w]}” " + ("is ambiguous: choose one below" if found else "matches no entity")
                for w, found in candidates.items())
    page = render_template(
        "paths.html", params=params, search=search, problem=problem, candidates=candidates,
        status_order=STATUSES, max_limit=MAX_LENGTH_LIMIT, examples=EXAMPLES, ev=evidence,
        claim_view=lambda c: claim_view(evidence, c), placed=placed,
        shown=search.paths[:params["limit"]] if search else [],
    )
    # A page that could not answer (an unknown or ambiguous name) says why with a 400 and is not kept.
    return Response(page, status=400, content_type="text/html; charset=utf-8") if problem else page
