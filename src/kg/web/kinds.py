"""The kinds of things the human pages sort entities into (browse sections, search labels, page crumbs).

One table: a kind is named by its URL segment under /browse/, a title, and the ontology classes (local
names, matched against an entity's classes and their superclasses) that put an entity in it; the first
kind that matches wins.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Entity


@dataclass(frozen=True)
class Kind:
    key: str  # /browse/<key>
    title: str
    singular: str
    classes: frozenset[str]


KINDS = (
    Kind("people", "People", "person", frozenset({"Person"})),
    Kind("organisations", "Organisations", "organisation", frozenset({"Organization"})),
    Kind("groups", "Groups", "group", frozenset({"Group"})),
    Kind("events", "Events and statements", "event", frozenset({"Event"})),
    Kind("positions", "Positions", "position", frozenset({"Position"})),
    Kind("documents", "Documents and sources", "document", frozenset({"Document", "SourceDocument", "CreativeWork"})),
    Kind("other", "Places, topics and other things", "thing", frozenset()),
)
BY_KEY = {kind.key: kind for kind in KINDS}


def kind_of(entity: Entity) -> Kind:
    return kind_of_types(entity.all_types)


def kind_of_types(all_types: frozenset[str]) -> Kind:
    """The kind of an entity having these classes (with their superclasses)."""
    for kind in KINDS:
        if kind.classes & all_types:
            return kind
    return KINDS[-1]


def href(entity_id: str) -> str:
    """The page of an entity: its IRI's path (browsers get 303 to the .html document)."""
    return "/" + entity_id
