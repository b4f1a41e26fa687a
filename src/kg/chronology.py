"""Putting events in time order without inventing dates.

A dated event sorts by its date as typed (2017, 2017-05, 2017-05-10: a coarser date sorts before the
finer ones inside it; "early"/"late" qualifiers inside their month), or by its notBefore/notAfter
bounds. An undated event with a kg:after / kg:before relation to a placed event sorts just after /
before it, and says so; anything else is "undated" and sorts nowhere (the pages list it apart).
"""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import Catalog, Entity

QUALIFIER_RANK = {"early": 0, "beginning": 0, "spring": 1, "mid": 1, "summer": 2, "late": 2, "autumn": 3,
                  "fall": 3, "end": 3, "winter": 4}
MAX_CHAIN = 8  # after -> after -> ... hops followed to place an undated event
MAX_PLACED = 100_000


@dataclass(frozen=True)
class Placement:
    key: tuple | None  # None: undated and not placeable
    how: str  # "dated", "bounds", "after", "before", "undated"
    anchor: str | None = None  # the event id an "after"/"before" placement rests on


def _date_key(value: str, qualifier: str | None) -> tuple:
    parts = value.split("-")
    year = int(parts[0]) if parts[0].lstrip("-").isdigit() else 0
    month = int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0
    day = int(parts[2][:2]) if len(parts) > 2 and parts[2][:2].isdigit() else 0
    return (year, month, QUALIFIER_RANK.get((qualifier or "").lower(), 1) if month else 0, day)


class Chronology:
    """Placements of the events of a catalog, each computed on first use from the event's own
    relations and kept (up to MAX_PLACED: a crawler walking a million events must not keep them all)."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self._placed: dict[str, Placement] = {}

    def _anchors(self, entity_id: str, predicate: str) -> list[str]:
        """The events an event is stated to come after (or before): its own relations, looked up."""
        return sorted(r.object for r in self.catalog.relations_from(entity_id) if r.predicate == predicate)

    def place(self, entity_id: str, depth: int = 0) -> Placement:
        if entity_id in self._placed:
            return self._placed[entity_id]
        entity = self.catalog.entities.get(entity_id)
        placement = self._compute(entity, depth) if entity else Placement(None, "undated")
        if depth == 0 or placement.key is not None:
            if len(self._placed) >= MAX_PLACED:
                self._placed.clear()
            self._placed[entity_id] = placement
        return placement

    def _compute(self, entity: Entity, depth: int) -> Placement:
        if entity.date:
            return Placement(_date_key(entity.date, entity.date_qualifier) + (0,), "dated")
        if entity.not_before or entity.not_after:
            return Placement(_date_key(entity.not_before or entity.not_after, None) + (0,), "bounds")
        if depth < MAX_CHAIN:
            for anchor in self._anchors(entity.id, "after"):
                placed = self.place(anchor, depth + 1)
                if placed.key is not None:
                    return Placement(placed.key + (1, depth), "after", anchor)
            for anchor in self._anchors(entity.id, "before"):
                placed = self.place(anchor, depth + 1)
                if placed.key is not None:
                    return Placement(placed.key + (-1, -depth), "before", anchor)
        return Placement(None, "undated")

    def in_order(self, entity_ids) -> tuple[list[str], list[str]]:
        """(placed ids in time order, undated ids by label)."""
        placed, undated = [], []
        for entity_id in entity_ids:
            (placed if self.place(entity_id).key is not None else undated).append(entity_id)
        label = self.catalog.label
        placed.sort(key=lambda i: (self.place(i).key, label(i).casefold()))
        undated.sort(key=lambda i: label(i).casefold())
        return placed, undated
