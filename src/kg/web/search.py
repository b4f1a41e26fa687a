"""Search: /search?q= (an HTML page of ranked entities and events) and /api/search?q= (JSON for the
search box's suggestions and the paths page).

Matching is kg.names' NameIndex (built once per process by create_app): labels, alternative labels
and descriptions, tolerant of case, accents, transliteration ("Kisliak"), typos ("micheal flyn") and
partial words ("kisl"). `find` merges its fuzzy ranking with its word-prefix completion.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
import json
import threading
from collections import OrderedDict

from flask import Blueprint, render_template, request

from ..catalog import Catalog
from ..names import NameIndex
from .errors import api_error
from .kinds import BY_KEY, href, kind_of
from .page_cache import cached_page
from .state import current_state

bp = Blueprint("search", __name__)

MAX_QUERY = 200  # characters; longer text is no name
MAX_LIMIT = 50
PREFIX_SCORE = 88.0  # a word-prefix completion ranks below a close fuzzy match of the whole name
AGENT_BONUS = 6.0  # people, organisations and groups before events of about the same score ("flyn": Flynn first)


@dataclass(frozen=True)
class Hit:
    id: str
    label: str
    kind: str  # person, organisation, group, event...
    href: str
    description: str
    date: str  # as the article words it, or the typed date
    statuses: tuple[str, ...]
    score: float
    matched: str  # the name (or "description") that matched


CACHE_SIZE = 4096
_cache: OrderedDict = OrderedDict()  # per process; the data never changes while serving
_lock = threading.Lock()  # gunicorn's threads share it


def cached_find(catalog: Catalog, names: NameIndex, text: str, limit: int, kind: str | None) -> tuple[Hit, ...]:
    """`find`, remembered for the CACHE_SIZE most recent (catalog, text, limit, kind): a search box asks
    the same prefixes over and over."""
    key = (id(catalog), text, limit, kind)
    with _lock:
        hits = _cache.get(key)
        if hits is not None:
            _cache.move_to_end(key)
            return hits
    hits = tuple(find(catalog, names, text, limit, kind))
    with _lock:
        _cache[key] = hits
        if len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return hits


def find(catalog: Catalog, names: NameIndex, text: str, limit: int = 20, kind: str | None = None) -> list[Hit]:
    text = text.strip()[:MAX_QUERY]
    if not text:
        return []
    wanted = BY_KEY[kind].classes if kind in BY_KEY and BY_KEY[kind].classes else None
    pool = max(limit * 2, 20)
    scored: dict[str, tuple[float, str]] = {}
    for candidate in names.search(text, types=wanted, limit=pool):
        scored[candidate.id] = (candidate.score, candidate.matched)
    for candidate in names.prefix(text, types=wanted, limit=pool):
        # Completions rank by how much of the name was typed (kg.names), below a close match of a whole name.
        score = candidate.score if candidate.matched == "identifier" else min(candidate.score, PREFIX_SCORE)
        if score > scored.get(candidate.id, (0.0, ""))[0]:
            scored[candidate.id] = (score, candidate.matched)
    hits = []
    for entity_id, (score, matched) in scored.items():
        entity = catalog.entities.get(entity_id)
        if entity is None:
            continue
        entity_kind = kind_of(entity)
        if kind in BY_KEY and entity_kind.key != kind:
            continue
        if entity_kind.key in ("people", "organisations", "groups"):
            score += AGENT_BONUS
        hits.append(Hit(entity_id, entity.label, entity_kind.singular, href(entity_id), entity.description,
                        entity.date_text or entity.date or "", entity.statuses, round(min(score, 100.0), 1), matched))
    hits.sort(key=lambda h: (-h.score, h.label.casefold(), h.id))
    return hits[:limit]


def _arguments():
    text = request.args.get("q", "")
    kind = request.args.get("kind") or None
    if kind is not None and kind not in BY_KEY:
        return None, api_error(400, "bad_request", f"No kind {kind!r}; the kinds are {', '.join(BY_KEY)}.")
    try:
        limit = int(request.args.get("limit", 20))
    except ValueError:
        return None, api_error(400, "bad_request", "limit must be a whole number.")
    if not 1 <= limit <= MAX_LIMIT:
        return None, api_error(400, "bad_request", f"limit must be between 1 and {MAX_LIMIT}.")
    return (text, kind, limit), None


@bp.get("/api/search")
@cached_page(content_type="application/json", headers=(("Cache-Control", "public, max-age=300"),))
def api_search():
    args, error = _arguments()
    if error:
        return error
    text, kind, limit = args
    state = current_state()
    hits = cached_find(state.catalog, state.names, text.strip()[:MAX_QUERY], limit, kind)
    return json.dumps({"query": text, "results": [{**asdict(h), "statuses": list(h.statuses)} for h in hits]},
                      ensure_ascii=False)


@bp.get("/search")
@cached_page
def search_page():
    args, error = _arguments()
    if error:
        return error
    text, kind, limit = args
    state = current_state()
    hits = cached_find(state.catalog, state.names, text.strip()[:MAX_QUERY], limit, kind) if text.strip() else []
    return render_template("search.html", search_query=text, hits=hits, kind=kind, kinds=BY_KEY)
