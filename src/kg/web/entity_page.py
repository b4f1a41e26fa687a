"""What an entity's documents say: the triples about an IRI, and the model of its HTML page.

Plain code given the query engine and the config (no request, no app): kg.web.entities decides
the HTTP side (which IRI, which format, 303/200/304/404) and calls these. The data is read through
the engine's small page interface (kg.query_engine: `quads`, `select`), so the pages work the same
on the embedded store and on an existing SPARQL store (kg serve --store).
"""

from __future__ import annotations

from dataclasses import dataclass

import pyoxigraph as ox

from .. import vocab
from ..canonical import with_sorted_prefixes
from ..config import Config
from ..vocab import OA, RDF, RDFS, SCHEMA, SKOS, WIKIDATA

LABELS = (RDFS + "label", SKOS + "prefLabel")
DESCRIPTIONS = (SCHEMA + "description", SKOS + "definition", RDFS + "comment")
SHOWN_IN_HEADER = {RDF + "type", RDFS + "label", SKOS + "prefLabel", SCHEMA + "description", SKOS + "definition"}


def is_iri(iri: str) -> bool:
    """False for a path that decodes to no IRI (a space, NUL, '<', invalid UTF-8 as U+FFFD...):
    nothing can be described by it, so it is a 404, not an error of the server."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


def is_described(engine, iri: str) -> bool:
    node = ox.NamedNode(iri)
    if iri.endswith("/ontology") or iri.endswith("/"):
        # The ontology and the schemes: described when any term under them is.
        return any(True for _ in engine.quads(node, None, None)) or _has_terms_under(engine, iri)
    return any(True for _ in engine.quads(node, None, None)) or \
        any(True for _ in engine.quads(None, None, node))


def _has_terms_under(engine, iri: str) -> bool:
    return any(True for _ in subjects_under(engine, _namespace(iri)))


_UNDER = "SELECT ?s ?p ?o ?namespace WHERE { ?s ?p ?o FILTER(isIRI(?s) && STRSTARTS(STR(?s), ?namespace)) }"


def subjects_under(engine, namespace: str) -> list[ox.Triple]:
    """Triples whose subject IRI starts with `namespace` (the namespace is bound as a literal term)."""
    rows = engine.select(_UNDER, {"namespace": ox.Literal(namespace)})
    return [ox.Triple(row["s"], row["p"], row["o"]) for row in rows]


def _namespace(iri: str) -> str:
    return iri + "#" if iri.endswith("/ontology") else iri


def description(engine, iri: str) -> list[ox.Triple]:
    """The triples about `iri`: outgoing, of its hash sub-resources (or, for the ontology and the
    schemes, of every term under them), and incoming. Sorted, without duplicates."""
    node = ox.NamedNode(iri)
    triples = {q.triple for q in engine.quads(node, None, None)}
    if iri.endswith("/ontology") or iri.endswith("/"):
        triples |= set(terms_under(engine, iri))
    else:
        triples |= set(_hash_resources(engine, node))
        triples |= {q.triple for q in engine.quads(None, None, node)}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _hash_resources(engine, node: ox.NamedNode) -> list[ox.Triple]:
    """Triples of IRI#fragment nodes reachable from the node (a claim's #target, #quote, #position)."""
    found, todo, seen = [], [node], {node}
    while todo:
        for quad in engine.quads(todo.pop()):
            target = quad.object
            if isinstance(target, ox.NamedNode) and target.value.startswith(node.value + "#") and target not in seen:
                seen.add(target)
                todo.append(target)
                found += [q.triple for q in engine.quads(target, None, None)]
    return found


def terms_under(engine, iri: str) -> list[ox.Triple]:
    """Every triple, in any graph, about the terms of the ontology or of a scheme: the subjects under
    its namespace in the named graphs that describe the ontology or the scheme itself (the build's
    ontology graph: a few hundred triples whatever the size of the data), each looked up by index.
    Only a vocabulary described in the default graph (--data files) is found by scanning the store."""
    graphs = {q.graph_name for q in engine.quads(ox.NamedNode(iri), None, None)}
    if not graphs or not all(isinstance(graph, ox.NamedNode) for graph in graphs):
        return list(set(subjects_under(engine, _namespace(iri))))
    namespace = _namespace(iri)
    terms = {q.subject for graph in graphs for q in engine.quads(None, None, None, graph)
             if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(namespace)}
    return list({q.triple for term in terms for q in engine.quads(term, None, None)})


def rdf_document(config: Config, engine, iri: str, fmt) -> bytes:
    """The description of `iri` in an RDF format (protocol_formats.Format); Turtle with the fixed prefixes."""
    triples = description(engine, iri)
    if fmt.key == "ttl":
        return with_sorted_prefixes(ox.serialize(triples, format=fmt.rdf, prefixes=vocab.prefixes(config.base)), config)
    return ox.serialize(triples, format=fmt.rdf)


@dataclass
class Value:
    text: str
    href: str | None = None
    note: str = ""  # language, datatype, or "inferred"


class Page:
    """What entity.html shows, read through the engine with the IRI passed as a term, never as text."""

    def __init__(self, config: Config, engine, iri: str):
        self.config = config
        self.engine = engine
        self.iri = iri
        self.node = ox.NamedNode(iri)
        self.inferred = ox.NamedNode(self.config.graph("inferred"))
        self._labels: dict[str, str] = {}

    # -- terms -------------------------------------------------------------
    def href(self, iri: str) -> str:
        base = self.config.base
        if iri.startswith(base):
            local = iri[len(base):]
            if local.startswith("ontology#"):
                return "/ontology.html#" + local.split("#", 1)[1]
            return "/" + local
        return iri

    def label(self, term) -> str:
        if not isinstance(term, ox.NamedNode):
            return term.value if isinstance(term, ox.Literal) else str(term)
        if term.value not in self._labels:
            self._labels[term.value] = self._first_literal(term, LABELS) or self._compact(term.value)
        return self._labels[term.value]

    def _compact(self, iri: str) -> str:
        for name, namespace in sorted(vocab.prefixes(self.config.base).items(), key=lambda item: -len(item[1])):
            if iri.startswith(namespace) and len(iri) > len(namespace):
                return f"{name}:{iri[len(namespace):]}"
        return iri

    def _first_literal(self, node, predicates) -> str | None:
        for predicate in predicates:
            values = [q.object for q in self.engine.quads(node, ox.NamedNode(predicate))
                      if isinstance(q.object, ox.Literal)]
            english = [v for v in values if v.language in ("en", None)]
            if english or values:
                return sorted((english or values), key=lambda v: v.value)[0].value
        return None

    def value(self, term, inferred: bool = False) -> Value:
        note = "inferred" if inferred else ""
        if isinstance(term, ox.NamedNode):
            return Value(self.label(term), self.href(term.value), note)
        if isinstance(term, ox.Literal):
            kind = term.language or ("" if term.datatype.value.endswith("#string") else self._compact(term.datatype.value))
            return Value(term.value, None, ", ".join(x for x in (kind, note) if x))
        return Value(str(term), None, note)

    def objects(self, node, predicate: str) -> list:
        return sorted({q.object for q in self.engine.quads(node, ox.NamedNode(predicate))},
                      key=str)

    # -- sections ----------------------------------------------------------
    def header(self) -> dict:
        types = self.objects(self.node, RDF + "type")
        matches = [o.value for o in self.objects(self.node, SKOS + "exactMatch") if o.value.startswith(WIKIDATA)]
        date = self.objects(self.node, self.config.ontology_ns + "date")
        return {
            "label": self._first_literal(self.node, LABELS) or self._compact(self.iri),
            "types": [self.value(t) for t in types],
            "description": self._first_literal(self.node, DESCRIPTIONS),
            "wikidata": [(m[len(WIKIDATA):], f"https://www.wikidata.org/wiki/{m[len(WIKIDATA):]}") for m in matches],
            "date": self._date(self.node) if date else None,
            "statuses": [self.value(s) for s in self.objects(self.node, self.config.ontology_ns + "epistemicStatus")],
        }

    def _date(self, node) -> str:
        kg = self.config.ontology_ns
        dates = [o.value for o in self.objects(node, kg + "date")]
        texts = [o.value for o in self.objects(node, kg + "dateText")]
        precision = [self.label(o) for o in self.objects(node, kg + "datePrecision")]
        shown = ", ".join(dates)
        if precision:
            shown += f" (to the {', '.join(precision)})"
        if texts:
            shown += f" — “{'; '.join(texts)}”"
        return shown

    def statements(self) -> list[tuple[Value, list[Value]]]:
        """Outgoing statements grouped by predicate; those only in the inferred graph are marked."""
        graphs: dict = {}
        for quad in self.engine.quads(self.node, None, None):
            graphs.setdefault((quad.predicate, quad.object), set()).add(quad.graph_name)
        grouped: dict = {}
        for (predicate, obj), in_graphs in graphs.items():
            if predicate.value not in SHOWN_IN_HEADER:
                grouped.setdefault(predicate, []).append(self.value(obj, inferred=in_graphs == {self.inferred}))
        return [(self.value(p), sorted(vs, key=lambda v: (v.text, v.note)))
                for p, vs in sorted(grouped.items(), key=lambda item: self.label(item[0]).lower())]

    def claims(self) -> list[dict]:
        """Claims about this node (or with it as a relation's object), and the node itself if a claim.

        Index lookups bound to the node (a SPARQL UNION with the node as a bound variable is
        evaluated over the whole store before the binding is applied: ~1 s a page at 1M triples)."""
        kg = self.config.ontology_ns
        claim_class, rdf_type = ox.NamedNode(kg + "Claim"), ox.NamedNode(RDF + "type")
        found = {q.subject for q in self.engine.quads(None, ox.NamedNode(kg + "claimAbout"), self.node)}
        found |= {q.subject for q in self.engine.quads(None, ox.NamedNode(RDF + "object"), self.node)
                  if self.engine.quads(q.subject, rdf_type, claim_class)}
        if self.engine.quads(self.node, rdf_type, claim_class):
            found.add(self.node)
        return [self._claim(claim) for claim in sorted(found, key=str)]

    def _claim(self, claim) -> dict:
        kg = self.config.ontology_ns
        quotes, places = [], []
        for target in self.objects(claim, OA + "hasTarget"):
            sources = self.objects(target, OA + "hasSource")
            for selector in self.objects(target, OA + "hasSelector"):
                quotes += [o.value for o in self.objects(selector, OA + "exact")]
                starts, ends = self.objects(selector, OA + "start"), self.objects(selector, OA + "end")
                if starts and ends and sources:  # the quote's place in the source reader (anchor by offsets)
                    places.append(f"{self.href(sources[0].value)}#q-{starts[0].value}-{ends[0].value}")
        relation = None
        subjects = self.objects(claim, RDF + "subject")
        if subjects:
            relation = [self.value(subjects[0]), self.value(self.objects(claim, RDF + "predicate")[0]),
                        self.value(self.objects(claim, RDF + "object")[0])]
        return {
            "link": self.value(claim),
            "about": [self.value(o) for o in self.objects(claim, kg + "claimAbout")],
            "statuses": [self.value(o) for o in self.objects(claim, kg + "epistemicStatus")],
            "reported_by": [self.value(o) for o in self.objects(claim, kg + "reportedBy")],
            "according_to": [self.value(o) for o in self.objects(claim, kg + "accordingTo")],
            "source": [self.value(o) for o in self.objects(claim, kg + "statedIn")],
            "quotes": quotes,
            "relation": relation,
            "places": places,
        }

    def events(self) -> list[dict]:
        """Events this node takes part in (kg:participant or a subproperty), with date and status."""
        kg = self.config.ontology_ns
        # The roles (a handful of properties, from the ontology), then each role's index lookup with
        # this node as object: nothing else of the store is read.
        query = f"SELECT DISTINCT ?role WHERE {{ ?role <{RDFS}subPropertyOf>* <{kg}participant> }}"
        roles: dict = {}
        for row in self.engine.select(query):
            if not isinstance(row["role"], ox.NamedNode):
                continue  # a blank node or literal names no property: no triple has it as predicate
            for quad in self.engine.quads(None, row["role"], self.node):
                roles.setdefault(quad.subject, set()).add(row["role"])
        events = []
        for event, event_roles in roles.items():
            specific = {r for r in event_roles if r.value != kg + "participant"} or event_roles
            dates = self.objects(event, kg + "date")
            events.append({
                "link": self.value(event),
                "sort": dates[0].value if dates else "9999",
                "date": self._date(event) if dates else "",
                "roles": [self.value(r) for r in sorted(specific, key=str)],
                "statuses": [self.value(s) for s in self.objects(event, kg + "epistemicStatus")],
            })
        return sorted(events, key=lambda e: (e["sort"], e["link"].text))

    def incoming(self) -> list[tuple[Value, list[Value]]]:
        """Links from other nodes (not claims and participations, shown in their own sections)."""
        kg = self.config.ontology_ns
        skip = {kg + "claimAbout", RDF + "object", RDF + "subject"}
        grouped: dict = {}
        for quad in self.engine.quads(None, None, self.node):
            if quad.predicate.value not in skip and not quad.subject.value.startswith(self.iri + "#"):
                grouped.setdefault(quad.predicate, set()).add(quad.subject)
        return [(self.value(p), sorted((self.value(s) for s in subjects), key=lambda v: v.text))
                for p, subjects in sorted(grouped.items(), key=lambda item: self.label(item[0]).lower())]

    def terms(self) -> list[dict]:
        """For the ontology and the schemes: every term under the IRI, with its label and definition."""
        terms = {}
        for triple in terms_under(self.engine, self.iri):
            if triple.subject != self.node and isinstance(triple.subject, ox.NamedNode):
                terms.setdefault(triple.subject, None)
        result = []
        for term in sorted(terms, key=str):
            result.append({
                "anchor": term.value.rsplit("#", 1)[-1] if "#" in term.value else term.value.rsplit("/", 1)[-1],
                "link": self.value(term),
                "iri": term.value,
                "types": [self.value(t) for t in self.objects(term, RDF + "type")],
                "definition": self._first_literal(term, DESCRIPTIONS),
                "parents": [self.value(o) for o in self.objects(term, RDFS + "subClassOf")
                            + self.objects(term, RDFS + "subPropertyOf")],
            })
        return result


#: Characters of our slugs: the alphabet a one-character typo of an id is made of.
SLUG_CHARACTERS = "abcdefghijklmnopqrstuvwxyz0123456789-"
MAX_SUGGESTIONS = 5


def suggestions(config: Config, engine, iri: str, known: frozenset[str] | None = None) -> list[Value]:
    """Entities of the same folder whose id is one typo away (a character missing, extra, wrong or
    two swapped, or upper case): the likely target of a mistyped link.

    Each candidate is looked up by its IRI (a few thousand index lookups for a long id, ~10 ms),
    so a 404 never scans the store, however large. `known`: the ids that exist, when the caller
    has them (then nothing is asked of the engine: with --store each lookup would be a request)."""
    base = config.base
    if not iri.startswith(base) or not is_iri(iri):
        return []
    folder, _, slug = iri[len(base):].partition("/")
    if not folder or not slug or "/" in slug or len(slug) > 200:
        return []
    rdf_type = ox.NamedNode(RDF + "type")
    found: list[str] = []
    for candidate in _one_typo_away(slug):
        node_iri = f"{base}{folder}/{candidate}"
        exists = f"{folder}/{candidate}" in known if known is not None else \
            is_iri(node_iri) and any(True for _ in engine.quads(ox.NamedNode(node_iri), rdf_type, None))
        if node_iri != iri and node_iri not in found and exists:
            found.append(node_iri)
            if len(found) == MAX_SUGGESTIONS:
                break
    page = Page(config, engine, iri)
    return [page.value(ox.NamedNode(match)) for match in found]


def _one_typo_away(slug: str):
    """Every string one edit from slug (its lower-case form first), most likely typos first."""
    lower = slug.lower()
    yield lower
    for i in range(len(lower)):  # a character too many
        yield lower[:i] + lower[i + 1:]
    for i in range(len(lower) - 1):  # two characters swapped
        yield lower[:i] + lower[i + 1] + lower[i] + lower[i + 2:]
    for i in range(len(lower) + 1):  # a character missing
        for c in SLUG_CHARACTERS:
            yield lower[:i] + c + lower[i:]
    for i in range(len(lower)):  # a wrong character
        for c in SLUG_CHARACTERS:
            if c != lower[i]:
                yield lower[:i] + c + lower[i + 1:]
