"""The catalog (kg.catalog: the built graph read once into records) as a graph of evidence: the
common ground of the timeline, the network and the evidence paths.

`Evidence.from_catalog(catalog)` gives:

- `nodes`: every entity and event by id ("person/donald-trump"), with its kind (the id's folder),
  its date read as a span of days (kg.desk.dates) and the claims about it as a whole;
- `links`: every relation between two nodes, plain (`S kg:p O` asserted) or known only reified on a
  claim (an alleged, claimed or denied relation is never a plain triple), each with the claims it
  rests on and so its statuses. A plain link with no claim of its own rests on the claims about its
  subject (an event's roles are stated by the event's claims).

Nothing is added beyond what the graph says: an undated event gets bounds only from its
after/before relations ("after Flynn's December 2016 conversation": not before 1 December 2016).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Callable

from ..catalog import STATUSES, Catalog, Claim, Entity
from .dates import Span, span_of

RANK = {name: i for i, name in enumerate(STATUSES)}  # 0 = strongest
#: Statuses that must never be shown as a plain fact.
HEDGED = frozenset({"claimed", "alleged", "denied"})
#: Properties that order events in time.
ORDER = ("after", "before")


@dataclass
class Node:
    entity: Entity
    claims: list[Claim] = field(default_factory=list)  # claims about the node as a whole, in text order
    span: Span | None = None  # from its date or bounds
    placed_by: list[tuple[str, str]] = field(default_factory=list)  # (after|before, other event id)
    derived_span: Span | None = None  # for undated events: bounds read from after/before relations

    @property
    def id(self) -> str:
        return self.entity.id

    @property
    def kind(self) -> str:
        return self.entity.id.split("/", 1)[0]

    @property
    def label(self) -> str:
        return self.entity.label

    @property
    def statuses(self) -> tuple[str, ...]:
        return self.entity.statuses

    @property
    def is_event(self) -> bool:
        return self.entity.is_event

    @property
    def when(self) -> Span | None:
        return self.span or self.derived_span


@dataclass
class Link:
    """S --predicate--> O, with the claims it rests on."""

    subject: str
    predicate: str  # local name in the kg namespace
    object: str
    claims: tuple[Claim, ...]
    plain: bool  # asserted as a plain triple (only confirmed/admitted/reported relations are)

    @property
    def statuses(self) -> tuple[str, ...]:
        return ordered(c.status for c in self.claims)

    @property
    def strongest(self) -> str | None:
        statuses = self.statuses
        return statuses[0] if statuses else None


def ordered(statuses) -> tuple[str, ...]:
    return tuple(sorted(set(statuses), key=lambda s: RANK.get(s, len(RANK))))


def at_least(status: str | None, weakest: str) -> bool:
    """True when `status` is `weakest` or stronger."""
    return status is not None and RANK.get(status, 99) <= RANK[weakest]


def weakest_of(*statuses: str | None) -> str | None:
    known = [s for s in statuses if s]
    return max(known, key=lambda s: RANK.get(s, 99)) if known else None


@dataclass
class Evidence:
    catalog: Catalog
    nodes: dict[str, Node]
    links: list[Link]
    outgoing: dict[str, list[Link]] = field(default_factory=dict)
    incoming: dict[str, list[Link]] = field(default_factory=dict)
    # Where a claim's quote is read in its source (the web's source reader); default: the claim's page.
    place_of: Callable[[Claim], str] | None = None

    def __post_init__(self):
        self.outgoing, self.incoming = defaultdict(list), defaultdict(list)
        for link in self.links:
            self.outgoing[link.subject].append(link)
            self.incoming[link.object].append(link)

    @classmethod
    def from_catalog(cls, catalog: Catalog, place_of: Callable[[Claim], str] | None = None) -> "Evidence":
        nodes = {eid: Node(entity) for eid, entity in catalog.entities.items()}
        for node in nodes.values():
            e = node.entity
            node.span = span_of(e.date, e.date_precision, e.date_qualifier, e.not_before, e.not_after)
        for claim in catalog.claims:
            if not claim.is_relation and claim.about in nodes:
                nodes[claim.about].claims.append(claim)
        for node in nodes.values():
            node.claims.sort(key=lambda c: (c.start if c.start is not None else 1 << 30, c.id))
        links = _links(catalog, nodes)
        _derive_spans(nodes)
        return cls(catalog, nodes, links, place_of=place_of)

    # ------------------------------------------------------------------ helpers for the views

    def label(self, node_id: str) -> str:
        return self.catalog.label(node_id)

    @staticmethod
    def href(node_id: str) -> str:
        """The local page of a node or claim (the entity pages answer every id's path)."""
        return "/" + node_id

    def predicate_label(self, predicate: str) -> str:
        return self.catalog.property_labels.get(predicate, predicate)

    def class_label(self, name: str) -> str:
        return self.catalog.class_labels.get(name, name)

    def claims_for(self, link: "Link") -> tuple[Claim, ...]:
        """The claims a link rests on, those whose quote names its two ends first (for a role of an
        event, the sentence naming the person), then in the order of the text."""
        words = set()
        for end in (link.subject, link.object):
            node = self.nodes.get(end)
            if node is not None and not node.is_event:
                words |= {w for w in node.label.replace("'", " ").split() if len(w) > 3 and w[0].isupper()}

        def rank(claim: Claim):
            return (-sum(w in claim.quote for w in words), claim.start if claim.start is not None else 1 << 30, claim.id)
        return tuple(sorted(link.claims, key=rank))

    def place(self, claim: Claim) -> str:
        return self.place_of(claim) if self.place_of else self.href(claim.id)

    def claim_json(self, claim: Claim) -> dict:
        """A claim as plain data (the network's evidence panel, /api/paths, `kg paths --format json`)."""
        def ref(node_id: str) -> dict:
            return {"id": node_id, "label": self.label(node_id), "href": self.href(node_id)}
        return {
            "id": claim.id, "href": self.href(claim.id), "place": self.place(claim), "status": claim.status,
            "quote": claim.quote,
            "start": claim.start, "end": claim.end,
            "reportedBy": [ref(i) for i in claim.reported_by],
            "accordingTo": [ref(i) for i in claim.according_to],
            "source": ref(claim.source) if claim.source else None,
        }


def _links(catalog: Catalog, nodes: dict[str, Node]) -> list[Link]:
    reified: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
    for claim in catalog.claims:
        if claim.is_relation and claim.subject in nodes and claim.object in nodes:
            reified[claim.subject, claim.predicate, claim.object].append(claim)
    links = []
    plain = set()
    for relation in catalog.relations:
        key = (relation.subject, relation.predicate, relation.object)
        plain.add(key)
        support = reified.get(key) or nodes[relation.subject].claims
        links.append(Link(*key, claims=tuple(support), plain=True))
    for key, support in sorted(reified.items()):
        if key not in plain:  # known only on its claims
            links.append(Link(*key, claims=tuple(support), plain=False))
    for link in links:
        if link.predicate in ORDER:
            nodes[link.subject].placed_by.append((link.predicate, link.object))
    return links


def _derive_spans(nodes: dict[str, Node]) -> None:
    """Bounds for undated events from their after/before relations (and the inverse ones pointing
    at them), to a fixed point: "after X" cannot start before X's first day; "before Y" cannot end
    after Y's last day."""
    constraints: list[tuple[str, str, str]] = []  # (event, after|before, other)
    for node in nodes.values():
        for relation, other in node.placed_by:
            constraints.append((node.id, relation, other))
            constraints.append((other, "before" if relation == "after" else "after", node.id))
    bounds: dict[str, list[date | None]] = {}
    for node_id, node in nodes.items():
        if node.is_event:
            bounds[node_id] = [node.span.first if node.span else None, node.span.last if node.span else None]
    for _ in range(len(nodes)):
        changed = False
        for node_id, relation, other in constraints:
            if node_id not in bounds or other not in bounds:
                continue
            mine, theirs = bounds[node_id], bounds[other]
            if relation == "after" and theirs[0] and (mine[0] is None or mine[0] < theirs[0]):
                mine[0], changed = theirs[0], True
            if relation == "before" and theirs[1] and (mine[1] is None or mine[1] > theirs[1]):
                mine[1], changed = theirs[1], True
        if not changed:
            break
    for node_id, (first, last) in bounds.items():
        node = nodes[node_id]
        if node.span is None and (first or last):
            node.derived_span = Span(first, last, "order")
