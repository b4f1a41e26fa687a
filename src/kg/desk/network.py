"""The connections picture: people, organisations, groups and countries, and what connects them.

An edge is one event both parties take part in (a meeting, a call, a firing, an allegation...) or
one relation between them (family, membership, a position held in an organisation), never a
summary of several: each edge keeps its own evidence (the claims, their quotes, the credited
outlets, the date as written) and its statuses. An edge's `status` (its colour) is the weakest
of what its two ends rest on: a party known only from an allegation makes the edge alleged even
when the event itself is reported, so the picture never shows an allegation as a fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations

from .dates import Span
from ..catalog import Claim
from .model import HEDGED, Evidence, Link, Node, ordered, weakest_of

#: Kinds of node drawn in the picture.
ACTOR_KINDS = ("person", "org", "group", "country")
#: An event's links to the parties it connects with each other.
PARTY_ROLES = ("agent", "attendee", "sideOne", "sideTwo", "participant", "recipient", "appointee", "dismissed",
               "investigator", "investigated", "beneficiary", "fundingSource", "author")
#: Roles whose holders are not connected with each other by the event: the parties on one side of a
#: meeting came together but are not said to have met each other (Lavrov and Kislyak met Trump).
SAME_SIDE = ("sideOne", "sideTwo")
#: Kind of connection of an event, by its most specific class (checked in this order).
EVENT_KINDS = (
    ("Meeting", "meeting"), ("PhoneCall", "communication"), ("Email", "communication"),
    ("Conversation", "communication"), ("Request", "communication"), ("Warning", "communication"),
    ("Offer", "communication"), ("Communication", "communication"), ("Disclosure", "disclosure"),
    ("Firing", "employment"), ("Dismissal", "employment"), ("Appointment", "employment"),
    ("Investigation", "investigation"), ("FinancialTie", "money"), ("Denial", "statement"),
    ("Admission", "statement"), ("Allegation", "statement"), ("Testimony", "statement"),
    ("Interview", "statement"), ("Report", "statement"), ("Boast", "statement"), ("Statement", "statement"),
)
#: Relations between two parties and their kind of connection.
RELATION_KINDS = {"sonInLawOf": "family", "childOf": "family", "memberOf": "membership", "country": "country"}
KIND_LABELS = {
    "meeting": "met", "communication": "calls, requests, warnings", "disclosure": "disclosure",
    "employment": "appointed, fired", "investigation": "investigation", "money": "money",
    "statement": "statement about", "event": "other event", "family": "family", "membership": "member of",
    "country": "of a country", "position": "holds a position of",
}


@dataclass(frozen=True)
class Edge:
    id: str
    source: str
    target: str
    kind: str  # key of KIND_LABELS
    label: str  # what connects them, in words
    status: str  # the weakest of what the two ends rest on: the colour
    statuses: tuple[str, ...]  # every status of the evidence
    via: str | None  # the event's id (None for a relation)
    roles: tuple[str, str]  # role of source, role of target
    date_text: str | None
    span: Span | None
    claims: tuple[Claim, ...]


@dataclass(frozen=True)
class Vertex:
    node: Node
    degree: int


@dataclass
class Network:
    vertices: list[Vertex]
    edges: list[Edge]

    def elements(self, evidence: Evidence) -> dict:
        """Cytoscape.js elements plus the evidence of each, as plain JSON-able data."""
        return {
            "nodes": [{"data": {
                "id": v.node.id, "label": v.node.label, "kind": v.node.kind, "href": evidence.href(v.node.id),
                "statuses": list(v.node.statuses), "degree": v.degree, "description": v.node.entity.description,
                "claims": [evidence.claim_json(c) for c in v.node.claims],
            }} for v in self.vertices],
            "edges": [{"data": {
                "id": e.id, "source": e.source, "target": e.target, "kind": e.kind, "kindLabel": KIND_LABELS[e.kind],
                "label": e.label, "status": e.status, "statuses": list(e.statuses), "hedged": e.status in HEDGED,
                "via": evidence.href(e.via) if e.via else None, "roles": list(e.roles),
                "date": e.date_text, "first": e.span.first.isoformat() if e.span and e.span.first else None,
                "last": e.span.last.isoformat() if e.span and e.span.last else None,
                "claims": [evidence.claim_json(c) for c in e.claims],
            }} for e in self.edges],
        }


def event_kind(node: Node) -> str:
    for cls, kind in EVENT_KINDS:
        if cls in node.entity.all_types:
            return kind
    return "event"


def build_network(evidence: Evidence) -> Network:
    actors = {nid for nid, n in evidence.nodes.items() if n.kind in ACTOR_KINDS}
    edges: list[Edge] = []
    for node in evidence.nodes.values():
        if node.is_event:
            edges.extend(_event_edges(evidence, node, actors))
    edges.extend(_relation_edges(evidence, actors))
    degree: dict[str, int] = {}
    for e in edges:
        degree[e.source] = degree.get(e.source, 0) + 1
        degree[e.target] = degree.get(e.target, 0) + 1
    vertices = [Vertex(evidence.nodes[i], degree[i]) for i in sorted(degree, key=lambda i: evidence.label(i))]
    return Network(vertices, edges)


def _event_edges(evidence: Evidence, event: Node, actors: set[str]) -> list[Edge]:
    parties = [link for link in evidence.outgoing.get(event.id, ())
               if link.predicate in PARTY_ROLES and link.object in actors]
    # Agents are also connected with whom the event is about (Yates warns Trump *about Flynn*).
    agents = [link for link in parties if link.predicate == "agent"]
    about = [link for link in evidence.outgoing.get(event.id, ())
             if link.predicate == "concerns" and link.object in actors]
    pairs = list(combinations(parties, 2)) + [(a, c) for a in agents for c in about]
    if not parties:  # no one acted: what it is about is what it connects (rumours of the Trump-Putin relationship)
        pairs = list(combinations(about, 2))
    edges, seen = [], set()
    for one, two in pairs:
        if one.object == two.object or (one.object, two.object) in seen or (two.object, one.object) in seen:
            continue
        if one.predicate == two.predicate and one.predicate in SAME_SIDE:
            continue
        seen.add((one.object, two.object))
        claims = _union(event.claims, one.claims if not one.plain else (), two.claims if not two.plain else ())
        status = weakest_of(one.strongest, two.strongest) or "reported"
        edges.append(Edge(
            id=f"{event.id}|{one.object}|{two.object}", source=one.object, target=two.object,
            kind=event_kind(event), label=event.label, status=status,
            statuses=ordered(c.status for c in claims), via=event.id,
            roles=(evidence.predicate_label(one.predicate), evidence.predicate_label(two.predicate)),
            date_text=event.entity.date_text, span=event.when, claims=claims,
        ))
    return edges


def _relation_edges(evidence: Evidence, actors: set[str]) -> list[Edge]:
    edges = []
    for link in evidence.links:
        if link.predicate in RELATION_KINDS and link.subject in actors and link.object in actors:
            edges.append(_relation_edge(evidence, link, (link,), RELATION_KINDS[link.predicate],
                                        f"{evidence.label(link.subject)} {evidence.predicate_label(link.predicate)} "
                                        f"{evidence.label(link.object)}"))
    # A position joins its holder to the organisation or country it belongs to (Comey, FBI Director, FBI).
    for held in evidence.links:
        if held.predicate != "heldPosition" or held.subject not in actors:
            continue
        for of in evidence.outgoing.get(held.object, ()):
            if of.predicate == "positionOf" and of.object in actors:
                position, owner = evidence.label(held.object), evidence.label(of.object)
                label = position if owner in position else f"{position} ({owner})"
                edges.append(_relation_edge(evidence, Link(held.subject, "heldPosition", of.object, (), True),
                                            (held, of), "position", label))
    return edges


def _relation_edge(evidence: Evidence, link: Link, basis: tuple[Link, ...], kind: str, label: str) -> Edge:
    claims = _union(*(b.claims for b in basis))
    return Edge(
        id=f"{link.subject}|{link.predicate}|{link.object}", source=link.subject, target=link.object, kind=kind,
        label=label, status=weakest_of(*(b.strongest for b in basis)) or "reported",
        statuses=ordered(c.status for c in claims),
        via=None, roles=(evidence.predicate_label(link.predicate), ""), date_text=None, span=None, claims=claims,
    )


def _union(*groups) -> tuple[Claim, ...]:
    seen = {}
    for group in groups:
        for claim in group:
            seen.setdefault(claim.id, claim)
    return tuple(seen.values())
