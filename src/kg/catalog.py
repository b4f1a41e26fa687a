"""The built graph read once into plain records: entities, events, claims and plain relations.

The reconciliation service, the name index and the FollowTheMoney and CSV exports all need the
same things (an entity's label, alternative labels, description, types, verified Wikidata QID,
the events it takes part in and the claims about it, with status, outlet and quote). This module
reads them from a pyoxigraph store with triple patterns only (no SPARQL text is ever built), so
every consumer sees the same facts and none of them repeats the graph walking.

Nothing is added here: every value is one the build wrote. QIDs are the `skos:exactMatch` links
the build took from the reviewed mapping (data/mappings/wikidata.sssom.tsv); a `skos:closeMatch`
is kept apart (`close_qids`) and is never presented as the entity's QID.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property

import pyoxigraph as ox

from .config import Config
from .vocab import GRAPH_FOLDER, OA, OWL, RDF, RDFS, SCHEMA, SCHEME_FOLDERS, SKOS, WIKIDATA

#: Classes whose members are not entities of their own (annotations and the concept schemes).
NOT_ENTITIES = {"Claim", "EpistemicStatus", "DatePrecision"}
_NOT_ENTITY_FOLDERS = tuple(f"{folder}/" for folder in (*SCHEME_FOLDERS, GRAPH_FOLDER))
#: Statuses in the order of the scheme (ontology/schemes.ttl), strongest support first.
STATUSES = ("confirmed", "admitted", "reported", "claimed", "alleged", "denied")


@dataclass(frozen=True)
class Entity:
    id: str  # the IRI relative to the base: person/michael-flynn
    iri: str
    label: str
    alt_labels: tuple[str, ...]
    description: str
    types: tuple[str, ...]  # the most specific classes of our ontology (local names), sorted
    all_types: frozenset[str]  # with every superclass: what a type filter matches
    qid: str | None  # verified exact match only
    close_qids: tuple[str, ...]  # skos:closeMatch: related, never "the" QID
    statuses: tuple[str, ...]  # the node's own epistemic statuses (events, statements)
    date: str | None = None  # as typed in the graph (2017-05, 2016, 2017-05-10)
    date_precision: str | None = None
    date_qualifier: str | None = None
    date_text: str | None = None  # the article's own words
    not_before: str | None = None
    not_after: str | None = None

    @property
    def is_event(self) -> bool:
        return "Event" in self.all_types


@dataclass(frozen=True)
class Claim:
    id: str  # claim/person-michael-flynn-1
    iri: str
    about: str  # the entity id the claim sits on (kg:claimAbout)
    status: str  # one of STATUSES
    quote: str
    start: int | None  # offsets of the quote in the stored article (oa:TextPositionSelector)
    end: int | None
    reported_by: tuple[str, ...]  # entity ids of the outlets the article credits
    according_to: tuple[str, ...]
    subject: str | None = None  # a relation claim: rdf:subject / rdf:predicate / rdf:object
    predicate: str | None = None  # local name of the ontology property
    object: str | None = None  # an entity id (or a literal's text)
    source: str | None = None  # entity id of the source document (source/article)

    @property
    def is_relation(self) -> bool:
        return self.predicate is not None


@dataclass(frozen=True)
class Relation:
    """A plain asserted triple between two entities (only confirmed, admitted or reported ones exist)."""

    subject: str
    predicate: str
    object: str


@dataclass
class Catalog:
    base: str
    entities: dict[str, Entity]  # by id, sorted by id
    claims: list[Claim]  # sorted by id
    relations: list[Relation]  # sorted
    participants: dict[str, tuple[str, ...]]  # event id -> entity ids taking part (kg:participant)
    roles: dict[str, tuple[tuple[str, str], ...]]  # event id -> (property, entity id) asserted roles
    class_labels: dict[str, str]  # local name -> English label
    property_labels: dict[str, str]
    superclasses: dict[str, frozenset[str]]  # local name -> every superclass (local names, itself included)
    events_of: dict[str, tuple[str, ...]] = field(default_factory=dict)  # entity id -> event ids
    claims_about: dict[str, tuple[Claim, ...]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)  # source document id -> its stored text (schema:text)

    def entity(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)

    def status_counts(self, entity_id: str) -> dict[str, int]:
        """Claims about the entity by status, every status present (zeros included), scheme order."""
        counts = dict.fromkeys(STATUSES, 0)
        for claim in self.claims_about.get(entity_id, ()):
            counts[claim.status] = counts.get(claim.status, 0) + 1
        return counts

    def event_status_counts(self, entity_id: str) -> dict[str, int]:
        """Claims about the events the entity takes part in (each claim once), by status, scheme order."""
        counts = dict.fromkeys(STATUSES, 0)
        claims = {c.id: c for event in self.events_of.get(entity_id, ()) for c in self.claims_about.get(event, ())}
        for claim in claims.values():
            counts[claim.status] = counts.get(claim.status, 0) + 1
        return counts

    def label(self, entity_id: str) -> str:
        entity = self.entities.get(entity_id)
        return entity.label if entity else entity_id

    def relations_from(self, entity_id: str) -> tuple[Relation, ...]:
        """The plain relations whose subject is the entity, in `relations` order."""
        return self._relations_by_end[0].get(entity_id, ())

    def relations_of(self, entity_id: str) -> tuple[Relation, ...]:
        """The plain relations with the entity at either end, in `relations` order."""
        return self._relations_by_end[1].get(entity_id, ())

    def existing(self, ids) -> set[str]:
        """The ids among `ids` of an entity, event or claim of the catalog."""
        return {i for i in ids if i in self.entities or i in self._claim_ids}

    @cached_property
    def _claim_ids(self) -> frozenset[str]:
        return frozenset(c.id for c in self.claims)

    def type_rows(self):
        """(id, most specific classes, every class) of each entity, in id order: what sorting entities
        into kinds needs, without the rest of their records."""
        return ((e.id, e.types, e.all_types) for e in self.entities.values())

    def status_totals(self) -> dict[str, int]:
        """Claims per status, statuses in the order of their first claim."""
        return dict(Counter(c.status for c in self.claims))

    def credits(self):
        """(claim id, entity ids it credits: reported by, then according to, each once), in claims order."""
        return ((c.id, tuple(dict.fromkeys(c.reported_by + c.according_to))) for c in self.claims)

    def most_events(self, cls: str, limit: int) -> list[Entity]:
        """The `limit` entities of a class (or a subclass) taking part in the most events, ties in id order."""
        having = [e for e in self.entities.values() if cls in e.all_types]
        return sorted(having, key=lambda e: -len(self.events_of.get(e.id, ())))[:limit]

    def claims_with_status(self, status: str) -> list[Claim]:
        """The claims of one epistemic status, in `claims` order."""
        return [c for c in self.claims if c.status == status]

    def claims_stated_in(self, source_id: str | None) -> list[Claim]:
        """The claims whose source document is `source_id` (None: those naming none), in `claims` order."""
        return [c for c in self.claims if c.source == source_id]

    @cached_property
    def _relations_by_end(self) -> tuple[dict, dict]:
        # Built once: a page or an export asks for one entity's relations thousands of times, and a
        # scan of every relation for each of them is quadratic in the size of the graph.
        by_subject, by_either = defaultdict(list), defaultdict(list)
        for relation in self.relations:
            by_subject[relation.subject].append(relation)
            by_either[relation.subject].append(relation)
            if relation.object != relation.subject:
                by_either[relation.object].append(relation)
        return ({k: tuple(v) for k, v in by_subject.items()}, {k: tuple(v) for k, v in by_either.items()})


def from_store(store: ox.Store, config: Config) -> Catalog:
    """Read the catalog from a store holding the built dataset (all graphs: asserted, inferred, ontology)."""
    return _Reader(store, config).read()


def from_quads(quads, config: Config) -> Catalog:
    """The same, from the dataset's quads in memory (`kg build` and `kg dump` hold them sorted):
    no store to load first."""
    return _Reader(_QuadIndex(quads), config).read()


class _QuadIndex:
    """Quads in memory, answering the patterns `_Reader` asks a store for (no subject given)."""

    def __init__(self, quads):
        self.quads = quads
        self.by_predicate: dict = defaultdict(list)
        for q in quads:
            self.by_predicate[q.predicate].append(q)

    def quads_for_pattern(self, subject, predicate, obj, graph_name):
        assert subject is None, "the reader never asks for a subject's quads: it reads a predicate at once"
        quads = self.by_predicate.get(predicate, ()) if predicate is not None else self.quads
        return [q for q in quads if (obj is None or q.object == obj)
                and (graph_name is None or q.graph_name == graph_name)]


class _Reader:
    """Reads each property it needs in one scan of the store, the first time it is asked for it
    (`_values`), rather than one lookup per node and property: as fast on a store (measured at a
    million triples), and the only patterns a store or quads in memory (`_QuadIndex`) are asked
    for are a predicate, an object or a graph, never a subject."""

    def __init__(self, store: ox.Store, config: Config):
        self.store = store
        self.base = config.base
        self.kg = config.ontology_ns
        self.asserted = ox.NamedNode(config.graph("asserted"))
        self.by_predicate: dict[str, dict] = {}  # predicate IRI -> {subject term: its objects, in store order}

    # -- term helpers
    def _id(self, term) -> str | None:
        if isinstance(term, ox.NamedNode) and term.value.startswith(self.base):
            return term.value[len(self.base):]
        return None

    def _local(self, term) -> str | None:
        if isinstance(term, ox.NamedNode) and term.value.startswith(self.kg):
            return term.value[len(self.kg):]
        return None

    def _values(self, subject, predicate: str) -> list:
        """The objects of `subject`'s `predicate` in every graph (a triple in two graphs: twice)."""
        by_subject = self.by_predicate.get(predicate)
        if by_subject is None:
            by_subject = self.by_predicate[predicate] = defaultdict(list)
            for q in self.store.quads_for_pattern(None, ox.NamedNode(predicate), None, None):
                by_subject[q.subject].append(q.object)
        return by_subject.get(subject, [])

    def _text(self, subject, predicate: str) -> list[str]:
        values = {o.value for o in self._values(subject, predicate) if isinstance(o, ox.Literal)
                  and o.language in (None, "en")}
        return sorted(values)

    def _first(self, subject, predicate: str) -> str | None:
        values = self._text(subject, predicate)
        return values[0] if values else None

    # -- reading
    def read(self) -> Catalog:
        superclasses = self._superclasses()
        class_labels, property_labels = self._term_labels()
        typed: dict[str, set[str]] = defaultdict(set)
        for q in self.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None, None):
            entity_id, cls = self._id(q.subject), self._local(q.object)
            if entity_id and cls and "#" not in entity_id:
                typed[entity_id].add(cls)
        entities = {}
        for entity_id in sorted(typed):
            classes = typed[entity_id]
            if classes & NOT_ENTITIES or entity_id.startswith(_NOT_ENTITY_FOLDERS):
                continue
            entities[entity_id] = self._entity(entity_id, classes, superclasses)
        claims = self._claims()
        relations = self._relations(entities)
        participants, roles = self._participation(entities, relations)
        catalog = Catalog(self.base, entities, claims, relations, participants, roles, class_labels,
                          property_labels, superclasses)
        events_of: dict[str, set[str]] = defaultdict(set)
        for event_id, members in participants.items():
            for member in members:
                events_of[member].add(event_id)
        catalog.events_of = {k: tuple(sorted(v)) for k, v in sorted(events_of.items())}
        about: dict[str, list[Claim]] = defaultdict(list)
        for claim in claims:
            for target in dict.fromkeys((claim.about, claim.subject, claim.object)):
                if target in entities:
                    about[target].append(claim)
        catalog.claims_about = {k: tuple(v) for k, v in sorted(about.items())}
        catalog.texts = {e.id: text for e in entities.values() if "SourceDocument" in e.all_types
                         for text in [self._first(ox.NamedNode(e.iri), SCHEMA + "text")] if text}
        return catalog

    def _superclasses(self) -> dict[str, frozenset[str]]:
        direct: dict[str, set[str]] = defaultdict(set)
        for q in self.store.quads_for_pattern(None, ox.NamedNode(RDFS + "subClassOf"), None, None):
            sub, sup = self._local(q.subject), self._local(q.object)
            if sub and sup:
                direct[sub].add(sup)
        closed = {}

        def close(cls: str, seen: frozenset = frozenset()) -> frozenset[str]:
            if cls in closed:
                return closed[cls]
            result = {cls}
            for sup in direct.get(cls, ()):
                if sup not in seen:
                    result |= close(sup, seen | {cls})
            closed[cls] = frozenset(result)
            return closed[cls]

        for cls in list(direct):
            close(cls)
        return closed

    def _term_labels(self) -> tuple[dict[str, str], dict[str, str]]:
        classes, properties = {}, {}
        owl = OWL
        for q in self.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), None, None):
            name = self._local(q.subject)
            if not name:
                continue
            label = self._first(q.subject, RDFS + "label") or name
            if q.object.value == owl + "Class":
                classes[name] = label
            elif q.object.value in (owl + "ObjectProperty", owl + "DatatypeProperty"):
                properties[name] = label
        return dict(sorted(classes.items())), dict(sorted(properties.items()))

    def _entity(self, entity_id: str, classes: set[str], superclasses: dict) -> Entity:
        node = ox.NamedNode(self.base + entity_id)
        all_types = set()
        for cls in classes:
            all_types |= superclasses.get(cls, {cls})
        specific = sorted(c for c in classes if not any(c != other and c in superclasses.get(other, ())
                                                        for other in classes))
        links = [o.value for o in self._values(node, SKOS + "exactMatch") if isinstance(o, ox.NamedNode)]
        close = [o.value for o in self._values(node, SKOS + "closeMatch") if isinstance(o, ox.NamedNode)]
        qids = sorted(v[len(WIKIDATA):] for v in links if v.startswith(WIKIDATA))
        statuses = {self._id(o) for o in self._values(node, self.kg + "epistemicStatus")}
        precision = [self._id(o) for o in self._values(node, self.kg + "datePrecision")]
        return Entity(
            id=entity_id, iri=node.value,
            label=self._first(node, RDFS + "label") or self._first(node, SKOS + "prefLabel") or entity_id,
            alt_labels=tuple(self._text(node, SKOS + "altLabel")),
            description=self._first(node, SCHEMA + "description") or "",
            types=tuple(specific), all_types=frozenset(all_types),
            qid=qids[0] if len(qids) == 1 else None,  # two exact matches would be a mapping error: none
            close_qids=tuple(sorted(v[len(WIKIDATA):] for v in close if v.startswith(WIKIDATA))),
            statuses=tuple(s[len("status/"):] for s in _in_scheme_order(statuses)),
            date=self._literal(node, self.kg + "date"),
            date_precision=precision[0][len("precision/"):] if precision and precision[0] else None,
            date_qualifier=self._first(node, self.kg + "dateQualifier"),
            date_text=self._first(node, self.kg + "dateText"),
            not_before=self._literal(node, self.kg + "notBefore"),
            not_after=self._literal(node, self.kg + "notAfter"),
        )

    def _literal(self, node, predicate: str) -> str | None:
        values = sorted(o.value for o in self._values(node, predicate) if isinstance(o, ox.Literal))
        return values[0] if values else None

    def _claims(self) -> list[Claim]:
        claims = []
        claim_class = ox.NamedNode(self.kg + "Claim")
        for q in self.store.quads_for_pattern(None, ox.NamedNode(RDF + "type"), claim_class, self.asserted):
            node = q.subject
            claim_id = self._id(node)
            if not claim_id:
                continue
            about = [self._id(o) for o in self._values(node, self.kg + "claimAbout")]
            status = [self._id(o) for o in self._values(node, self.kg + "epistemicStatus")]
            quote, start, end = self._selectors(node)
            subject = self._values(node, RDF + "subject")
            predicate = self._values(node, RDF + "predicate")
            obj = self._values(node, RDF + "object")
            source = [self._id(o) for o in self._values(node, self.kg + "statedIn")]
            claims.append(Claim(
                id=claim_id, iri=node.value, about=sorted(filter(None, about))[0] if any(about) else "",
                status=(status[0] or "")[len("status/"):] if status else "",
                quote=quote, start=start, end=end,
                reported_by=tuple(sorted(filter(None, (self._id(o) for o in
                                                       self._values(node, self.kg + "reportedBy"))))),
                according_to=tuple(sorted(filter(None, (self._id(o) for o in
                                                        self._values(node, self.kg + "accordingTo"))))),
                subject=self._id(subject[0]) if subject else None,
                predicate=self._local(predicate[0]) if predicate else None,
                object=(self._id(obj[0]) or obj[0].value) if obj else None,
                source=sorted(filter(None, source))[0] if any(source) else None,
            ))
        return sorted(claims, key=lambda c: c.id)

    def _selectors(self, claim) -> tuple[str, int | None, int | None]:
        quote, start, end = "", None, None
        for target in self._values(claim, OA + "hasTarget"):
            for selector in self._values(target, OA + "hasSelector"):
                exact = self._values(selector, OA + "exact")
                if exact:
                    quote = exact[0].value
                begin, finish = self._values(selector, OA + "start"), self._values(selector, OA + "end")
                if begin and finish:
                    start, end = int(begin[0].value), int(finish[0].value)
        return quote, start, end

    def _relations(self, entities: dict) -> list[Relation]:
        """Every asserted triple of an ontology property between two entities: one scan of the
        asserted graph, the cheapest test (the predicate) first."""
        relations = set()
        kg, base, named = self.kg, self.base, ox.NamedNode
        for q in self.store.quads_for_pattern(None, None, None, self.asserted):
            predicate = q.predicate.value
            if not predicate.startswith(kg) or predicate == kg:
                continue
            obj = q.object
            if type(obj) is not named or not obj.value.startswith(base):
                continue
            subject = q.subject
            if type(subject) is not named or not subject.value.startswith(base):
                continue
            subject_id, object_id = subject.value[len(base):], obj.value[len(base):]
            if subject_id in entities and object_id in entities:
                relations.add(Relation(subject_id, predicate[len(kg):], object_id))
        return sorted(relations, key=lambda r: (r.subject, r.predicate, r.object))

    def _participation(self, entities: dict, relations: list[Relation]) -> tuple[dict, dict]:
        participants: dict[str, set[str]] = defaultdict(set)
        for q in self.store.quads_for_pattern(None, ox.NamedNode(self.kg + "participant"), None, None):
            event, member = self._id(q.subject), self._id(q.object)
            if event in entities and member in entities:
                participants[event].add(member)
        sub_properties = {self._local(q.subject) for q in self.store.quads_for_pattern(
            None, ox.NamedNode(RDFS + "subPropertyOf"), ox.NamedNode(self.kg + "participant"), None)}
        sub_properties = {p for p in sub_properties if p} | {"participant"}
        roles: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for relation in relations:  # the asserted role triples are relations between two entities
            if relation.predicate in sub_properties:
                roles[relation.subject].add((relation.predicate, relation.object))
        return ({k: tuple(sorted(v)) for k, v in sorted(participants.items())},
                {k: tuple(sorted(v)) for k, v in sorted(roles.items())})


def _in_scheme_order(status_ids: set) -> list[str]:
    order = {f"status/{name}": i for i, name in enumerate(STATUSES)}
    return sorted((s for s in status_ids if s), key=lambda s: (order.get(s, len(order)), s))
