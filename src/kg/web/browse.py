"""Browse: /browse (every index with its count), /browse/<kind> (people, organisations, groups, events by
type, positions, documents, other things), /browse/sources (the outlets and sources the article credits),
/browse/statuses and /browse/statuses/<key> (the claims of one epistemic status, each with its quote).

Everything comes from kg.catalog's records and is prepared once per process (`Indexes`), keyed by the
build's hash: the data never changes while serving.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from functools import cached_property

from flask import Blueprint, abort, render_template

from ..catalog import STATUSES, Catalog
from ..chronology import Chronology
from .entity_view import date_as_written, quote_href
from .kinds import BY_KEY, KINDS, href, kind_of, kind_of_types
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
    """What the browse and home pages show, each part computed on its first use: the figures (counts
    per kind, status and event type, the sources credited, the documents) from light reads of the
    records (kg.records: their ids and classes, per-status counts, the credits), the lists of every
    entity of a kind only for the /browse/<kind> pages that show them."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog

    @cached_property
    def _lists(self) -> tuple[dict[str, list[Item]], dict[str, list[Item]]]:
        catalog = self.catalog
        chronology = Chronology(catalog)
        by_kind: dict[str, list[Item]] = defaultdict(list)
        event_types: dict[str, list[Item]] = defaultdict(list)
        for entity in catalog.entities.values():
            kind = kind_of(entity)
            placement = chronology.place(entity.id) if entity.is_event else None
            item = Item(entity.id, entity.label, href(entity.id), entity.description, entity.statuses,
                        len(catalog.claims_about.get(entity.id, ())), date_as_written(entity),
                        "" if placement is None or placement.how in ("dated", "bounds") else placement.how)
            by_kind[kind.key].append(item)
            if entity.is_event:
                event_types[_event_type_title(catalog, entity.types)].append(item)
        for items in by_kind.values():
            items.sort(key=lambda i: i.label.casefold())
        for items in event_types.values():
            placed, undated = chronology.in_order([i.id for i in items])
            order = {entity_id: n for n, entity_id in enumerate(placed + undated)}
            items.sort(key=lambda i: order[i.id])
        return by_kind, dict(sorted(event_types.items(), key=lambda kv: (-len(kv[1]), kv[0])))

    @property
    def by_kind(self) -> dict[str, list[Item]]:
        return self._lists[0]

    @property
    def event_types(self) -> dict[str, list[Item]]:
        return self._lists[1]

    @cached_property
    def _counts(self) -> tuple[dict[str, int], dict[str, int]]:
        kinds: Counter = Counter()
        event_types: Counter = Counter()
        for _, types, all_types in self.catalog.type_rows():
            kinds[kind_of_types(all_types).key] += 1
            if "Event" in all_types:
                event_types[_event_type_title(self.catalog, types)] += 1
        return ({kind.key: kinds.get(kind.key, 0) for kind in KINDS},
                dict(sorted(event_types.items(), key=lambda kv: (-kv[1], kv[0]))))

    @property
    def kind_counts(self) -> dict[str, int]:
        return self._counts[0]

    @property
    def event_type_counts(self) -> dict[str, int]:
        """Events per type (the title of their most specific class), most first: the lists' sizes."""
        return self._counts[1]

    @cached_property
    def status_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        counts.update(self.catalog.status_totals())
        return counts

    @cached_property
    def sources(self) -> list:
        catalog = self.catalog
        credited: Counter = Counter()
        for _, sources in catalog.credits():
            for source in sources:
                credited[source] += 1
        return sorted(((catalog.entities[s], n) for s, n in credited.items() if s in catalog.entities),
                      key=lambda pair: (-pair[1], pair[0].label.casefold()))

    @cached_property
    def documents(self) -> list:
        return [self.catalog.entities[i] for i, _, all_types in self.catalog.type_rows() if "SourceDocument" in all_types]


def _event_type_title(catalog: Catalog, types: tuple[str, ...]) -> str:
    label = catalog.class_labels.get(types[0], types[0]) if types else "event"
    return label[:1].upper() + label[1:]


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
