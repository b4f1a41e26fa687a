"""The reading page of an entity or event (after LittleSis and Wikidata), from kg.catalog's records.

- Header: label, kind and classes, description, epistemic statuses, the Wikidata QID once (an exact
  match; a close match is said to be one).
- An event: its date as the article words it, its parties by role, what it came after / before, and
  every claim about it with its quote and credited outlet.
- Anyone else: the events they take part in, grouped by kind of event, each row naming the other parties,
  with the date as written, the status and, nested under it, the quotes and outlets; events in time
  order, undated ones placed by their after/before relations or listed as undated. Then their direct
  relationships (positions, membership, family...), each naming the other party with its own claims,
  including relations that exist only as a hedged claim (shown with that status). Then the claims about
  the entity itself. Each fact once.

Pages are rendered once per process and kept (the data never changes while serving), keyed by the
build's hash.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from ..catalog import Catalog, Claim
from ..chronology import Chronology
from .kinds import href, kind_of

PARTICIPATION_SKIP = {"participant"}  # the generic role when a specific one is given
INVERSE_TITLES = {"concerns": "Events and statements concerning this", "heldPosition": "Held by",
                  "memberOf": "Members", "childOf": "Children", "sonInLawOf": "Son-in-law", "about": "Subject of",
                  "investigated": "Investigated in", "depicts": "Depicted in", "author": "Author of",
                  "position": "Events about this position", "positionOf": "Position held in", "country": "Country of",
                  "place": "Place of", "origin": "Origin of", "disclosed": "Disclosed in"}
EVENT_LINKS = {"after": "After", "before": "Before", "ledTo": "Led to", "followedFrom": "Followed from",
               "partOf": "Part of", "denies": "Denies", "admits": "Admits", "alleges": "Alleges"}


@dataclass
class Ref:
    text: str
    href: str


@dataclass
class Evidence:
    """One claim as shown under a fact: status, quote (linked to its place in the source), outlets."""

    link: Ref
    status: str
    quotes: list[Ref]
    reported_by: list[Ref]
    according_to: list[Ref]


@dataclass
class Row:
    title: Ref
    others: list[Ref] = field(default_factory=list)
    role: str = ""
    date: str = ""
    placement: str = ""  # "after X" for an undated event placed by a relation
    statuses: list[str] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass
class Group:
    title: str
    rows: list[Row]


def quote_href(claim: Claim) -> str:
    source = claim.source or "source/article"
    anchor = f"#q-{claim.start}-{claim.end}" if claim.start is not None else ""
    return f"/{source}{anchor}"


def date_as_written(entity) -> str:
    if entity.date_text:
        return entity.date_text
    return entity.date or ""


class EntityPages:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.chronology = Chronology(catalog)

    def _claimed_relations(self, entity_id: str) -> dict[tuple, list[Claim]]:
        """The relations with the entity at either end that claims state, each with its claims, in
        `claims` order: all of them are among the claims about the entity (a look-up, not a scan)."""
        found: dict[tuple, list[Claim]] = {}
        for claim in self.catalog.claims_about.get(entity_id, ()):
            if claim.is_relation and entity_id in (claim.subject, claim.object):
                found.setdefault((claim.subject, claim.predicate, claim.object), []).append(claim)
        return found

    def ref(self, entity_id: str) -> Ref:
        return Ref(self.catalog.label(entity_id), href(entity_id))

    def evidence(self, claim: Claim) -> Evidence:
        return Evidence(Ref("claim", href(claim.id)), claim.status,
                        [Ref(claim.quote, quote_href(claim))] if claim.quote else [],
                        [self.ref(o) for o in claim.reported_by], [self.ref(o) for o in claim.according_to])

    def node_claims(self, entity_id: str) -> list[Claim]:
        """Claims on the entity as a whole (not on one of its relations)."""
        return [c for c in self.catalog.claims_about.get(entity_id, ()) if c.about == entity_id and not c.is_relation]

    def view(self, entity_id: str) -> dict:
        catalog = self.catalog
        entity = catalog.entities[entity_id]
        kind = kind_of(entity)
        shown_relations: set[tuple] = set()
        view = {
            "id": entity_id, "entity": entity, "kind": kind,
            "classes": [catalog.class_labels.get(t, t) for t in entity.types],
            "date": date_as_written(entity), "timeline": [], "event_groups": [], "undated": [],
            "roles": [], "links": [], "relationships": [], "claims": [],
        }
        if entity.is_event:
            view["roles"] = self._roles(entity_id, shown_relations)
            view["links"] = self._event_links(entity_id, shown_relations)
        else:
            view["event_groups"], view["undated"], view["timeline"] = self._events(entity_id, shown_relations)
        view["relationships"] = self._relationships(entity_id, shown_relations)
        in_relationships = {e.link.href for g in view["relationships"] for r in g.rows for e in r.evidence}
        view["claims"] = [self.evidence(c) for c in self.catalog.claims_about.get(entity_id, ())
                          if c.about == entity_id and not (c.is_relation and href(c.id) in in_relationships)]
        view["placement"] = self._placement_text(entity_id) if entity.is_event else ""
        return view

    def _placement_text(self, entity_id: str) -> str:
        placed = self.chronology.place(entity_id)
        if placed.how in ("after", "before") and placed.anchor:
            return f"undated; placed {placed.how} {self.catalog.label(placed.anchor)}"
        return "undated" if placed.how == "undated" else ""

    def _roles(self, event_id: str, shown: set) -> list[Row]:
        rows = []
        roles = self.catalog.roles.get(event_id, ())
        specific = {member for prop, member in roles if prop not in PARTICIPATION_SKIP}
        for prop, member in sorted(roles, key=lambda r: (r[0], self.catalog.label(r[1]))):
            shown.add((event_id, prop, member))
            if prop in PARTICIPATION_SKIP and member in specific:
                continue
            rows.append(Row(self.ref(member), role=self.catalog.property_labels.get(prop, prop)))
        return rows

    def _event_links(self, event_id: str, shown: set) -> list[Row]:
        rows = []
        for relation in self.catalog.relations_from(event_id):
            if relation.predicate in EVENT_LINKS:
                shown.add((relation.subject, relation.predicate, relation.object))
                other = self.catalog.entities.get(relation.object)
                rows.append(Row(self.ref(relation.object), role=EVENT_LINKS[relation.predicate],
                                date=date_as_written(other) if other else "",
                                statuses=list(other.statuses) if other else []))
        return rows

    def _events(self, entity_id: str, shown: set):
        catalog = self.catalog
        events = catalog.events_of.get(entity_id, ())
        placed, undated = self.chronology.in_order(events)
        groups: dict[str, list[Row]] = defaultdict(list)
        timeline = []
        for event_id in placed + undated:
            event = catalog.entities[event_id]
            my_roles = [p for p, m in catalog.roles.get(event_id, ()) if m == entity_id]
            for prop in my_roles:
                shown.add((event_id, prop, entity_id))
            specific = [p for p in my_roles if p not in PARTICIPATION_SKIP] or my_roles
            others = [m for m in catalog.participants.get(event_id, ()) if m != entity_id]
            placement = self.chronology.place(event_id)
            row = Row(self.ref(event_id), [self.ref(o) for o in others],
                      ", ".join(catalog.property_labels.get(p, p) for p in specific) or "took part",
                      date_as_written(event),
                      f"no date; after {catalog.label(placement.anchor)}" if placement.how == "after" else
                      f"no date; before {catalog.label(placement.anchor)}" if placement.how == "before" else
                      "undated" if placement.how == "undated" else "",
                      list(event.statuses), [self.evidence(c) for c in self.node_claims(event_id)])
            kind_label = catalog.class_labels.get(event.types[0], event.types[0]) if event.types else "event"
            groups[kind_label].append(row)
            if placement.key is not None and event.date:
                timeline.append({"year": event.date[:4], "row": row})
        ordered = [Group(title[:1].upper() + title[1:], rows) for title, rows in
                   sorted(groups.items(), key=lambda item: (-len(item[1]), item[0]))]
        return ordered, [catalog.label(u) for u in undated], timeline

    def _relationships(self, entity_id: str, shown: set) -> list[Group]:
        catalog = self.catalog
        facts: dict[tuple, list[Claim]] = {}
        for relation in catalog.relations_of(entity_id):
            facts.setdefault((relation.subject, relation.predicate, relation.object), [])
        for key, claims in self._claimed_relations(entity_id).items():
            facts.setdefault(key, []).extend(claims)
        grouped: dict[str, list[Row]] = defaultdict(list)
        for (subject, predicate, obj), claims in sorted(facts.items()):
            if (subject, predicate, obj) in shown:
                continue
            if catalog.entities.get(subject) and catalog.entities[subject].is_event and subject != entity_id \
                    and obj == entity_id and predicate != "concerns":
                continue  # a role in an event: already in the events list
            outgoing = subject == entity_id
            other = obj if outgoing else subject
            label = catalog.property_labels.get(predicate, predicate)
            title = label if outgoing else INVERSE_TITLES.get(predicate, f"{label} (inverse)")
            own = not claims and subject == entity_id  # stated with this entity: its claims (below) hold it
            if not claims and not own:  # stated with the other party: that party's claims are its evidence
                claims = self.node_claims(subject)
            statuses = sorted({c.status for c in claims}) if claims else list(catalog.entities[entity_id].statuses)
            other_ref = self.ref(other) if other in catalog.entities else Ref(str(other), "")
            grouped[title].append(Row(other_ref, statuses=statuses, evidence=[self.evidence(c) for c in claims]))
        return [Group(title[:1].upper() + title[1:], rows) for title, rows in sorted(grouped.items())]
