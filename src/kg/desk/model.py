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
        self._at: dict[str, list[Link]] = defaultdict(list)
        for link in self.links:
            self.outgoing[link.subject].append(link)
            self.incoming[link.object].append(link)
            self._at[link.subject].append(link)
            if link.object != link.subject:
                self._at[link.object].append(link)

    def links_at(self, node_id: str) -> list[Link]:
        """The links with the node at either end, in `links` order."""
        return self._at.get(node_id, [])

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


def _narrow(bounds: dict[str, list[date | None]], constraints: list[tuple[str, str, str]]) -> None:
    """Narrow each event's [first, last] `bounds` in place by its (event, after|before, other)
    `constraints`, to a fixed point (one round per event, and one to see nothing changes, at most)."""
    for _ in range(len(bounds) + 1):
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
    _narrow(bounds, constraints)
    for node_id, (first, last) in bounds.items():
        node = nodes[node_id]
        if node.span is None and (first or last):
            node.derived_span = Span(first, last, "order")


#: Nodes and link lists a LocalEvidence keeps (then it starts afresh): a walk may visit many.
LOCAL_CACHE = 5_000
#: Events followed along after/before links to bound an undated event (its part of the order).
MAX_ORDERED = 10_000


class LocalEvidence:
    """`Evidence`'s interface for one node at a time (the evidence paths): each node and the links
    at it are read from the catalog when first asked for (kg.records answers by look-ups), never
    the whole graph. The same nodes and links as `Evidence.from_catalog`, in the same order; an
    undated event's bounds come from the events its after/before links reach (its part of the
    order, as the whole graph's fixed point gives them)."""

    def __init__(self, catalog: Catalog, place_of: Callable[[Claim], str] | None = None):
        self.catalog = catalog
        self.place_of = place_of
        self._nodes: dict[str, Node] = {}
        self._links: dict[str, list[Link]] = {}
        self.nodes = _LocalNodes(self)
        self.outgoing = _LocalEnds(self, outgoing=True)
        self.incoming = _LocalEnds(self, outgoing=False)

    label = Evidence.label
    href = staticmethod(Evidence.href)
    predicate_label = Evidence.predicate_label
    class_label = Evidence.class_label
    claims_for = Evidence.claims_for
    place = Evidence.place
    claim_json = Evidence.claim_json

    def node(self, node_id: str) -> Node | None:
        node = self._nodes.get(node_id)
        if node is None:
            entity = self.catalog.entities.get(node_id)
            if entity is None:
                return None
            node = Node(entity, span=span_of(entity.date, entity.date_precision, entity.date_qualifier,
                                             entity.not_before, entity.not_after))
            node.claims = self._whole_claims(node_id)
            node.placed_by = [(link.predicate, link.object) for link in self.links_at(node_id)
                              if link.predicate in ORDER and link.subject == node_id]
            if node.is_event and node.span is None:
                node.derived_span = self._derived_span(node_id)
            if len(self._nodes) >= LOCAL_CACHE:
                self._nodes.clear()
            self._nodes[node_id] = node
        return node

    def links_at(self, node_id: str) -> list[Link]:
        """The links with the node at either end, in the order of `Evidence.links` (plain ones in
        relation order, then those known only on claims, by subject, predicate and object)."""
        found = self._links.get(node_id)
        if found is not None:
            return found
        catalog = self.catalog
        reified: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
        for claim in catalog.claims_about.get(node_id, ()):
            if claim.is_relation and node_id in (claim.subject, claim.object) \
                    and claim.subject in catalog.entities and claim.object in catalog.entities:
                reified[claim.subject, claim.predicate, claim.object].append(claim)
        found, plain = [], set()
        for relation in catalog.relations_of(node_id):
            key = (relation.subject, relation.predicate, relation.object)
            plain.add(key)
            support = reified.get(key) or self._whole_claims(relation.subject)
            found.append(Link(*key, claims=tuple(support), plain=True))
        found += [Link(*key, claims=tuple(support), plain=False) for key, support in sorted(reified.items())
                  if key not in plain]
        if len(self._links) >= LOCAL_CACHE:
            self._links.clear()
        self._links[node_id] = found
        return found

    def _whole_claims(self, node_id: str) -> list[Claim]:
        """The claims about the node as a whole (not one of its relations), in the order of the text."""
        known = self._nodes.get(node_id)
        if known is not None:
            return known.claims
        return sorted((c for c in self.catalog.claims_about.get(node_id, ()) if not c.is_relation and c.about == node_id),
                      key=lambda c: (c.start if c.start is not None else 1 << 30, c.id))

    def _derived_span(self, node_id: str) -> Span | None:
        """`_derive_spans` over the events the node's after/before links reach (both ways)."""
        events = {node_id: self.catalog.entities[node_id]}
        constraints, todo = [], [node_id]
        while todo and len(events) < MAX_ORDERED:
            at = todo.pop()
            for link in self._order_links(at):
                other = link.object if link.subject == at else link.subject
                if link.subject == at:  # each link once: from its subject
                    inverse = "before" if link.predicate == "after" else "after"
                    constraints += [(at, link.predicate, other), (other, inverse, at)]
                if other not in events:
                    entity = self.catalog.entities.get(other)
                    if entity is not None and entity.is_event:
                        events[other] = entity
                        todo.append(other)
        bounds = {}
        for event_id, e in events.items():
            span = span_of(e.date, e.date_precision, e.date_qualifier, e.not_before, e.not_after)
            bounds[event_id] = [span.first if span else None, span.last if span else None]
        _narrow(bounds, constraints)
        first, last = bounds[node_id]
        return Span(first, last, "order") if first or last else None

    def _order_links(self, node_id: str) -> list[Link]:
        return [link for link in self.links_at(node_id) if link.predicate in ORDER]


class _LocalNodes:
    """`Evidence.nodes` for a LocalEvidence: a node by id, read on first use."""

    def __init__(self, evidence: LocalEvidence):
        self.evidence = evidence

    def __getitem__(self, node_id: str) -> Node:
        node = self.evidence.node(node_id)
        if node is None:
            raise KeyError(node_id)
        return node

    def get(self, node_id: str, default=None):
        node = self.evidence.node(node_id) if isinstance(node_id, str) else None
        return default if node is None else node

    def __contains__(self, node_id) -> bool:
        return isinstance(node_id, str) and node_id in self.evidence.catalog.entities


class _LocalEnds:
    """`Evidence.outgoing` / `incoming` for a LocalEvidence: a node's links by their subject (object)."""

    def __init__(self, evidence: LocalEvidence, outgoing: bool):
        self.evidence, self.outgoing = evidence, outgoing

    def get(self, node_id: str, default=()):
        links = [link for link in self.evidence.links_at(node_id)
                 if (link.subject if self.outgoing else link.object) == node_id]
        return links or default
