"""Browse: /browse (every index with its count), /browse/<kind> (people, organisations, groups, events by
type, positions, documents, other things), /browse/sources (the outlets and sources the article credits),
/browse/statuses and /browse/statuses/<key> (the claims of one epistemic status, each with its quote).

Everything comes from kg.catalog's records and is prepared once per process (`Indexes`), keyed by the
build's hash: the data never changes while serving.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

from flask import Blueprint, abort, render_template

from ..catalog import STATUSES, Catalog
from ..chronology import Chronology
from .entity_view import date_as_written, quote_href
from .kinds import BY_KEY, KINDS, href, kind_of
from .page_cache import cached_page
from .state import current_state

bp = Blueprint("browse", __name__)


@dataclass
class Item:
    id: str
    label: str
    href: str
    description: str
    statuses: tuple[str, ...]
    claims: int
    date: str = ""
    placement: str = ""


class Indexes:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        chronology = Chronology(catalog)
        self.by_kind: dict[str, list[Item]] = defaultdict(list)
        self.event_types: dict[str, list[Item]] = defaultdict(list)
        for entity in catalog.entities.values():
            kind = kind_of(entity)
            placement = chronology.place(entity.id) if entity.is_event else None
            item = Item(entity.id, entity.label, href(entity.id), entity.description, entity.statuses,
                        len(catalog.claims_about.get(entity.id, ())), date_as_written(entity),
                        "" if placement is None or placement.how in ("dated", "bounds") else placement.how)
            self.by_kind[kind.key].append(item)
            if entity.is_event:
                label = catalog.class_labels.get(entity.types[0], entity.types[0]) if entity.types else "event"
                self.event_types[label[:1].upper() + label[1:]].append(item)
        for items in self.by_kind.values():
            items.sort(key=lambda i: i.label.casefold())
        for items in self.event_types.values():
            placed, undated = chronology.in_order([i.id for i in items])
            order = {entity_id: n for n, entity_id in enumerate(placed + undated)}
            items.sort(key=lambda i: order[i.id])
        self.event_types = dict(sorted(self.event_types.items(), key=lambda kv: (-len(kv[1]), kv[0])))
        self.kind_counts = {kind.key: len(self.by_kind.get(kind.key, ())) for kind in KINDS}
        self.status_counts = dict.fromkeys(STATUSES, 0)
        self.status_counts.update(Counter(c.status for c in catalog.claims))
        credited: Counter = Counter()
        for claim in catalog.claims:
            for source in dict.fromkeys(claim.reported_by + claim.according_to):
                credited[source] += 1
        self.sources = sorted(((catalog.entities[s], n) for s, n in credited.items() if s in catalog.entities),
                              key=lambda pair: (-pair[1], pair[0].label.casefold()))
        self.documents = [e for e in catalog.entities.values() if "SourceDocument" in e.all_types]


_indexes: dict[tuple[str, int], Indexes] = {}


def indexes() -> Indexes:
    state = current_state()
    key = (state.dataset.etag, id(state.catalog))
    if key not in _indexes:
        _indexes[key] = Indexes(state.catalog)
    return _indexes[key]


@bp.get("/browse")
@cached_page
def index():
    data = indexes()
    return render_template("browse_index.html", data=data, kinds=KINDS)


@bp.get("/browse/sources")
@cached_page
def sources():
    return render_template("browse_sources.html", data=indexes())


@bp.get("/browse/statuses")
@cached_page
def statuses():
    return render_template("browse_statuses.html", data=indexes(), key=None, claims=[])


@bp.get("/browse/statuses/<key>")
@cached_page
def status(key: str):
    data = indexes()
    if key not in data.status_counts:
        abort(404, f"No epistemic status {key!r}; the statuses are {', '.join(data.status_counts)}.")
    catalog = data.catalog
    claims = [{"claim": c, "href": href(c.id), "quote_href": quote_href(c),
               "about": (catalog.label(c.about), href(c.about)) if c.about in catalog.entities else None,
               "reported_by": [(catalog.label(o), href(o)) for o in c.reported_by],
               "according_to": [(catalog.label(o), href(o)) for o in c.according_to]}
              for c in catalog.claims_with_status(key)]
    return render_template("browse_statuses.html", data=data, key=key, claims=claims)


@bp.get("/browse/<kind>")
@cached_page
def by_kind(kind: str):
    if kind not in BY_KEY:
        abort(404, f"No index {kind!r}; the indexes are {', '.join(list(BY_KEY) + ['sources', 'statuses'])}.")
    data = indexes()
    return render_template("browse_kind.html", data=data, kind=BY_KEY[kind], items=data.by_kind.get(kind, []))
