"""The built graph read once into plain Python objects: the common ground of the timeline, the
network and the evidence paths.

`Evidence.from_store(store, base)` reads the asserted graph (and the inferred graph only for the
class hierarchy) and gives:

- `nodes`: every entity and event, with its label, kind (the IRI's folder), classes, statuses,
  date span and the claims about it;
- `claims`: every claim with its quote, offsets in the source, status, credited outlet
  (`kg:reportedBy`), attribution (`kg:accordingTo`) and, for a claim about one relation, that relation;
- `links`: every relation between two nodes, plain (`S kg:p O` asserted) or known only reified on a
  claim (an alleged, claimed or denied relation), each with the claims it rests on and so its statuses.

Nothing here is inferred beyond what the graph says: a link's statuses are those of its claims,
an event's date span is what its date, bounds or after/before relations allow.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pyoxigraph as ox

from .dates import Span, period, span_of

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
OA = "http://www.w3.org/ns/oa#"

#: Epistemic statuses, strongest first (ontology/schemes.ttl).
STATUSES = ("confirmed", "admitted", "reported", "claimed", "alleged", "denied")
RANK = {name: i for i, name in enumerate(STATUSES)}
#: Statuses that must never be shown as a plain fact.
HEDGED = frozenset({"claimed", "alleged", "denied"})

#: Properties that carry provenance, dates or classification: never links between nodes.
NOT_LINKS = frozenset({
    "epistemicStatus", "datePrecision", "statedIn", "claimAbout", "reportedBy", "accordingTo",
    "date", "dateText", "dateNote", "dateQualifier", "notBefore", "notAfter", "value", "currency",
    "sha256", "storedCopy",
})
#: Folders of the IRIs that are nodes (data/README.md); status/, precision/, claim/ and classes are not.
NODE_FOLDERS = ("person", "org", "group", "place", "country", "position", "document", "info", "law",
                "topic", "work", "amount", "event", "source")


@dataclass(frozen=True)
class Claim:
    iri: str
    about: str  # the node the claim is attached to (kg:claimAbout)
    status: str
    quote: str
    start: int | None  # offsets of the quote in the stored source (oa:TextPositionSelector)
    end: int | None
    source: str | None  # kg:statedIn
    reported_by: tuple[str, ...] = ()
    according_to: tuple[str, ...] = ()
    relation: tuple[str, str, str] | None = None  # (subject, local predicate, object) for a relation claim


@dataclass
class Node:
    iri: str
    path: str  # "person/donald-trump"
    kind: str  # the folder: person, org, group, event...
    label: str
    classes: tuple[str, ...] = ()  # local names of its asserted kg classes ("Meeting")
    description: str = ""
    statuses: tuple[str, ...] = ()  # kg:epistemicStatus, strongest first
    claims: list[Claim] = field(default_factory=list)  # claims about the node as a whole
    date_value: str | None = None
    date_text: str | None = None
    date_note: str | None = None
    precision: str | None = None
    qualifier: str | None = None
    span: Span | None = None  # from its date or bounds
    placed_by: list[tuple[str, str]] = field(default_factory=list)  # (after|before, other event IRI)
    derived_span: Span | None = None  # for undated events: bounds read from after/before relations

    @property
    def is_event(self) -> bool:
        return self.kind == "event"

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
        return ordered({c.status for c in self.claims})

    @property
    def strongest(self) -> str | None:
        statuses = self.statuses
        return statuses[0] if statuses else None


def ordered(statuses) -> tuple[str, ...]:
    return tuple(sorted(set(statuses), key=lambda s: RANK.get(s, len(RANK))))


def at_least(status: str | None, weakest: str) -> bool:
    """True when `status` is `weakest` or stronger."""
    return status is not None and RANK.get(status, 99) <= RANK[weakest]


@dataclass
class Evidence:
    base: str
    nodes: dict[str, Node]
    claims: dict[str, Claim]
    links: list[Link]
    predicate_labels: dict[str, str]  # local name -> rdfs:label of the ontology
    class_labels: dict[str, str]
    outgoing: dict[str, list[Link]] = field(default_factory=dict)
    incoming: dict[str, list[Link]] = field(default_factory=dict)

    def __post_init__(self):
        self.outgoing, self.incoming = defaultdict(list), defaultdict(list)
        for link in self.links:
            self.outgoing[link.subject].append(link)
            self.incoming[link.object].append(link)

    # ------------------------------------------------------------------ reading the store

    @classmethod
    def from_store(cls, store: ox.Store, base: str) -> "Evidence":
        reader = _Reader(store, base)
        return reader.evidence()

    # ------------------------------------------------------------------ helpers for the views

    def node(self, iri: str) -> Node | None:
        return self.nodes.get(iri)

    def label(self, iri: str) -> str:
        node = self.nodes.get(iri)
        return node.label if node else iri.rsplit("/", 1)[-1]

    def href(self, iri: str) -> str:
        """The local page of a node or claim (its IRI's path: the entity pages answer it)."""
        return "/" + iri[len(self.base):] if iri.startswith(self.base) else iri

    def predicate_label(self, predicate: str) -> str:
        return self.predicate_labels.get(predicate, predicate)

    def resolve(self, text: str) -> Node | None:
        """A node named by its full IRI, its path ("person/donald-trump", "/person/donald-trump")
        or its exact label (case-insensitive); None when nothing matches."""
        text = text.strip()
        if not text:
            return None
        if text in self.nodes:
            return self.nodes[text]
        path = text.lstrip("/")
        if path.endswith(".html"):
            path = path[:-5]
        if self.base + path in self.nodes:
            return self.nodes[self.base + path]
        folded = text.casefold()
        for node in self.nodes.values():
            if node.label.casefold() == folded:
                return node
        return None


class _Reader:
    def __init__(self, store: ox.Store, base: str):
        self.store = store
        self.base = base
        self.kg = base + "ontology#"
        self.asserted = ox.NamedNode(base + "graph/asserted")
        self.by_subject: dict[str, list[tuple[str, ox.Term]]] = defaultdict(list)
        for quad in store.quads_for_pattern(None, None, None, self.asserted):
            if isinstance(quad.subject, ox.NamedNode):
                self.by_subject[quad.subject.value].append((quad.predicate.value, quad.object))

    def values(self, subject: str, predicate: str) -> list[ox.Term]:
        return [o for p, o in self.by_subject.get(subject, ()) if p == predicate]

    def first(self, subject: str, predicate: str) -> str | None:
        found = self.values(subject, predicate)
        return found[0].value if found else None

    def local(self, iri: str, namespace: str) -> str | None:
        return iri[len(namespace):] if iri.startswith(namespace) else None

    def evidence(self) -> Evidence:
        claims = self._claims()
        nodes = self._nodes(claims)
        links = self._links(nodes, claims)
        _derive_spans(nodes)
        return Evidence(self.base, nodes, claims, links, self._labels_of_terms(ox.NamedNode(OWL_OBJECT_PROPERTY)),
                        self._labels_of_terms(ox.NamedNode(OWL_CLASS)))

    def _claims(self) -> dict[str, Claim]:
        claims = {}
        claim_class = self.kg + "Claim"
        for subject, pairs in self.by_subject.items():
            if not any(p == RDF + "type" and o.value == claim_class for p, o in pairs):
                continue
            status = self.local(self.first(subject, self.kg + "epistemicStatus") or "", self.base + "status/")
            target = self.first(subject, OA + "hasTarget")
            quote, start, end = "", None, None
            for selector in self.values(target, OA + "hasSelector") if target else ():
                exact = self.first(selector.value, OA + "exact")
                if exact is not None:
                    quote = exact
                if self.first(selector.value, OA + "start") is not None:
                    start = int(self.first(selector.value, OA + "start"))
                    end = int(self.first(selector.value, OA + "end"))
            relation = None
            predicate = self.first(subject, RDF + "predicate")
            if predicate and self.local(predicate, self.kg):
                relation = (self.first(subject, RDF + "subject"), self.local(predicate, self.kg),
                            self.first(subject, RDF + "object"))
            claims[subject] = Claim(
                iri=subject, about=self.first(subject, self.kg + "claimAbout") or "", status=status or "",
                quote=quote, start=start, end=end, source=self.first(subject, self.kg + "statedIn"),
                reported_by=tuple(sorted(o.value for o in self.values(subject, self.kg + "reportedBy"))),
                according_to=tuple(sorted(o.value for o in self.values(subject, self.kg + "accordingTo"))),
                relation=relation,
            )
        return claims

    def _nodes(self, claims: dict[str, Claim]) -> dict[str, Node]:
        nodes = {}
        for subject in sorted(self.by_subject):
            path = subject[len(self.base):] if subject.startswith(self.base) else None
            if not path or "#" in path or path.split("/", 1)[0] not in NODE_FOLDERS or "/" not in path:
                continue
            classes = tuple(sorted(
                self.local(o.value, self.kg) for o in self.values(subject, RDF + "type")
                if self.local(o.value, self.kg)))
            label = self.first(subject, RDFS + "label") or self.first(subject, SKOS + "prefLabel") or path
            node = Node(
                iri=subject, path=path, kind=path.split("/", 1)[0], label=label, classes=classes,
                description=self.first(subject, SCHEMA + "description") or "",
                statuses=ordered(self.local(o.value, self.base + "status/")
                                 for o in self.values(subject, self.kg + "epistemicStatus")),
                date_value=self.first(subject, self.kg + "date"),
                date_text=self.first(subject, self.kg + "dateText"),
                date_note=self.first(subject, self.kg + "dateNote"),
                precision=self.local(self.first(subject, self.kg + "datePrecision") or "", self.base + "precision/"),
                qualifier=self.first(subject, self.kg + "dateQualifier"),
            )
            node.span = span_of(node.date_value, node.precision, node.qualifier,
                                self.first(subject, self.kg + "notBefore"), self.first(subject, self.kg + "notAfter"))
            nodes[subject] = node
        for claim in claims.values():
            if claim.relation is None and claim.about in nodes:
                nodes[claim.about].claims.append(claim)
        for node in nodes.values():
            node.claims.sort(key=lambda c: (c.start if c.start is not None else 1 << 30, c.iri))
        return nodes

    def _links(self, nodes: dict[str, Node], claims: dict[str, Claim]) -> list[Link]:
        reified: dict[tuple[str, str, str], list[Claim]] = defaultdict(list)
        for claim in claims.values():
            if claim.relation and claim.relation[0] in nodes and claim.relation[2] in nodes:
                reified[claim.relation].append(claim)
        links = []
        seen = set()
        for subject in sorted(nodes):
            for predicate, obj in self.by_subject[subject]:
                local = self.local(predicate, self.kg)
                if not local or local in NOT_LINKS or not isinstance(obj, ox.NamedNode) or obj.value not in nodes:
                    continue
                key = (subject, local, obj.value)
                if key in seen:
                    continue
                seen.add(key)
                if local in ("after", "before"):
                    nodes[subject].placed_by.append((local, obj.value))
                support = reified.get(key) or nodes[subject].claims
                links.append(Link(subject, local, obj.value, tuple(support), plain=True))
        for key, support in sorted(reified.items()):
            if key not in seen:  # known only on its claims: alleged, claimed or denied (or never flattened)
                if key[1] in ("after", "before"):
                    nodes[key[0]].placed_by.append((key[1], key[2]))
                links.append(Link(*key, claims=tuple(support), plain=False))
        return links

    def _labels_of_terms(self, kind: ox.NamedNode) -> dict[str, str]:
        labels = {}
        ontology = ox.NamedNode(self.base + "graph/ontology")
        for quad in self.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), kind, ontology):
            local = self.local(quad.subject.value, self.kg)
            if local is None:
                continue
            for label in self.store.quads_for_pattern(quad.subject, ox.NamedNode(RDFS + "label"), None, ontology):
                labels[local] = label.object.value
        return labels


OWL_OBJECT_PROPERTY = "http://www.w3.org/2002/07/owl#ObjectProperty"
OWL_CLASS = "http://www.w3.org/2002/07/owl#Class"


def _derive_spans(nodes: dict[str, Node]) -> None:
    """Bounds for undated events from their after/before relations (and the inverse ones pointing
    at them), to a fixed point: "after X" cannot start before X's first day; "before Y" cannot end
    after Y's last day."""
    constraints: list[tuple[str, str, str]] = []  # (event, after|before, other)
    for node in nodes.values():
        for relation, other in node.placed_by:
            constraints.append((node.iri, relation, other))
            constraints.append((other, "before" if relation == "after" else "after", node.iri))
    bounds: dict[str, list[date | None]] = {}
    for iri, node in nodes.items():
        if node.is_event:
            span = node.span
            bounds[iri] = [span.first if span else None, span.last if span else None]
    for _ in range(len(nodes)):
        changed = False
        for iri, relation, other in constraints:
            if iri not in bounds or other not in bounds:
                continue
            mine, theirs = bounds[iri], bounds[other]
            if relation == "after" and theirs[0] and (mine[0] is None or mine[0] < theirs[0]):
                mine[0], changed = theirs[0], True
            if relation == "before" and theirs[1] and (mine[1] is None or mine[1] > theirs[1]):
                mine[1], changed = theirs[1], True
        if not changed:
            break
    for iri, (first, last) in bounds.items():
        node = nodes[iri]
        if node.span is None and (first or last):
            node.derived_span = Span(first, last, "order")


__all__ = ["Evidence", "Node", "Link", "Claim", "STATUSES", "HEDGED", "at_least", "ordered", "period"]
