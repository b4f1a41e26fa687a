"""Dereferenceable IRIs: every entity, event, claim, concept and ontology term answers HTTP GET.

The policy, as Wikidata's Special:EntityData does it (and as httpRange-14 asks for IRIs that
name things, not documents):

- The IRI of a thing, e.g. /person/michael-flynn, answers **303 See Other** to a document about
  it, chosen by the Accept header: /person/michael-flynn.html for browsers (and for */* or no
  Accept), .ttl, .nt, .jsonld or .rdf for RDF clients. The 303 varies on Accept.
- A document URL with a suffix (.html, .ttl, .nt, .jsonld, .rdf) always answers **200** with
  that format, whatever the Accept header says, with ETag, Last-Modified and 304.
- An IRI nothing is said about answers **404**: a page with suggestions for browsers, the JSON
  error shape for machine formats. An Accept header none of the formats matches gets 406.
- /ontology (and so every term BASE/ontology#Term) and the concept schemes /status/ and
  /precision/ answer the same way; /graph/NAME answers 303 to the endpoint's graph read.

Each document describes the IRI with the triples where it is the subject, those of its hash
sub-resources (a claim's #target and #quote), and those where it is the object.
"""

from __future__ import annotations

import difflib
import zlib
from dataclasses import dataclass
from urllib.parse import quote

import pyoxigraph as ox
from flask import Blueprint, Response, redirect, render_template, request
from werkzeug.datastructures import MIMEAccept

from .. import vocab
from ..dump import with_sorted_prefixes
from ..vocab import OA, RDF, RDFS, SCHEMA, SKOS, WIKIDATA
from .errors import api_error
from .protocol_formats import GRAPH_FORMATS
from .state import current_state

bp = Blueprint("entities", __name__)

RDF_DOCS = {f.key: f for f in GRAPH_FORMATS if f.key in ("ttl", "nt", "jsonld", "rdf")}
SUFFIXES = ("html", *RDF_DOCS)
HTML_TYPES = ("text/html", "application/xhtml+xml")

LABELS = (RDFS + "label", SKOS + "prefLabel")
DESCRIPTIONS = (SCHEMA + "description", SKOS + "definition", RDFS + "comment")
SHOWN_IN_HEADER = {RDF + "type", RDFS + "label", SKOS + "prefLabel", SCHEMA + "description", SKOS + "definition"}


# --------------------------------------------------------------------------- routes


@bp.get(f"/<any({','.join(vocab.ENTITY_FOLDERS)}):folder>/<name>")
def entity(folder: str, name: str):
    slug, dot, suffix = name.partition(".")
    if not slug:  # /person/.ttl names no entity (it would read as the folder and list all of it)
        return _not_found(current_state().config.base + f"{folder}/{name}", suffix if dot else None)
    return _dereference(f"{folder}/{slug}", suffix if dot else None)


@bp.get(f"/<any({','.join(vocab.SCHEME_FOLDERS)}):folder>/")
@bp.get(f"/<any({','.join(vocab.SCHEME_FOLDERS)}):folder>.<suffix>")
def scheme(folder: str, suffix: str | None = None):
    return _dereference(f"{folder}/", suffix, document=f"/{folder}")


@bp.get("/ontology")
@bp.get("/ontology.<suffix>")
def ontology(suffix: str | None = None):
    return _dereference("ontology", suffix)


@bp.get("/graph/<name>")
def named_graph(name: str):
    iri = current_state().config.base + f"graph/{name}"
    if not _is_iri(iri) or not current_state().dataset.store.contains_named_graph(ox.NamedNode(iri)):
        return _not_found(iri, None)
    response = redirect(f"/sparql?graph={quote(iri, safe='')}", code=303)
    response.headers["Vary"] = "Accept"
    return response


def _dereference(path: str, suffix: str | None, document: str | None = None):
    """303 from the thing to a document (suffix None), or 200 with the document in that format."""
    iri = current_state().config.base + path
    if suffix is not None and suffix not in SUFFIXES:
        return _not_found(iri, suffix, f"No format {suffix!r}; the formats are {', '.join(SUFFIXES)}.")
    if not _is_iri(iri) or not _is_described(iri):
        return _not_found(iri, suffix)
    if suffix is None:
        chosen = _negotiate()
        if chosen is None:
            offered = ", ".join([HTML_TYPES[0]] + [f.media_type for f in RDF_DOCS.values()])
            return api_error(406, "not_acceptable", f"No acceptable format; {iri} is available as: {offered}.")
        response = redirect(f"{document or '/' + path}.{chosen}", code=303)
        response.headers["Vary"] = "Accept"
        response.headers["Cache-Control"] = "public, max-age=3600"
        return response
    return _document(iri, suffix, document or "/" + path)


def _negotiate() -> str | None:
    accept = request.accept_mimetypes
    if not accept:
        return "html"
    if ";" in accept.to_header():  # "text/turtle; charset=utf-8" must still match text/turtle
        accept = MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in accept])
    candidates = list(HTML_TYPES)
    for fmt in RDF_DOCS.values():
        candidates += [fmt.media_type, *fmt.aliases]
    best = accept.best_match(candidates)  # */* matches the first candidate: HTML
    if best is None:
        return None
    if best in HTML_TYPES:
        return "html"
    return next(key for key, fmt in RDF_DOCS.items() if best == fmt.media_type or best in fmt.aliases)


def _document(iri: str, suffix: str, doc_path: str) -> Response:
    dataset = current_state().dataset
    etag = f"{dataset.etag}-{zlib.crc32(iri.encode()):08x}-{suffix}"
    if request.if_none_match.contains(etag) or (
            not request.if_none_match and request.if_modified_since
            and dataset.last_modified <= request.if_modified_since):
        response = Response(status=304)
    elif suffix == "html":
        response = Response(_html(iri), content_type="text/html; charset=utf-8")
    else:
        fmt = RDF_DOCS[suffix]
        response = Response(_rdf(iri, fmt), content_type=fmt.content_type)
    response.set_etag(etag)
    response.last_modified = dataset.last_modified
    response.headers["Cache-Control"] = "public, no-cache"
    alternates = [f'<{doc_path}.{key}>; rel="alternate"; type="{fmt.media_type}"' for key, fmt in RDF_DOCS.items()]
    response.headers["Link"] = ", ".join(alternates)
    return response


# --------------------------------------------------------------------------- the description


def _store() -> ox.Store:
    return current_state().dataset.store


def _is_iri(iri: str) -> bool:
    """False for a path that decodes to no IRI (a space, NUL, '<', invalid UTF-8 as U+FFFD...):
    nothing can be described by it, so it is a 404, not an error of the server."""
    try:
        ox.NamedNode(iri)
    except ValueError:
        return False
    return True


def _is_described(iri: str) -> bool:
    node = ox.NamedNode(iri)
    store = _store()
    if iri.endswith("/ontology") or iri.endswith("/"):
        # The ontology and the schemes: described when any term under them is.
        return any(True for _ in store.quads_for_pattern(node, None, None, None)) or _has_terms_under(iri)
    return any(True for _ in store.quads_for_pattern(node, None, None, None)) or \
        any(True for _ in store.quads_for_pattern(None, None, node, None))


def _has_terms_under(iri: str) -> bool:
    return any(True for _ in _subjects_under(_namespace(iri)))


def _subjects_under(namespace: str):
    """Quads whose subject IRI starts with `namespace` (a scan: the graph is small, and a prefix
    match cannot be passed to pyoxigraph as a bound variable)."""
    return (q for q in _store() if isinstance(q.subject, ox.NamedNode) and q.subject.value.startswith(namespace))


def _namespace(iri: str) -> str:
    return iri + "#" if iri.endswith("/ontology") else iri


def description(iri: str) -> list[ox.Triple]:
    """The triples about `iri`: outgoing, of its hash sub-resources (or, for the ontology and the
    schemes, of every term under them), and incoming. Sorted, without duplicates."""
    store = _store()
    node = ox.NamedNode(iri)
    triples = {q.triple for q in store.quads_for_pattern(node, None, None, None)}
    if iri.endswith("/ontology") or iri.endswith("/"):
        triples |= set(_terms_under(iri))
    else:
        triples |= set(_hash_resources(node))
        triples |= {q.triple for q in store.quads_for_pattern(None, None, node, None)}
    return sorted(triples, key=lambda t: (str(t.subject), str(t.predicate), str(t.object)))


def _hash_resources(node: ox.NamedNode) -> list[ox.Triple]:
    """Triples of IRI#fragment nodes reachable from the node (a claim's #target, #quote, #position)."""
    store, found, todo, seen = _store(), [], [node], {node}
    while todo:
        for quad in store.quads_for_pattern(todo.pop(), None, None, None):
            target = quad.object
            if isinstance(target, ox.NamedNode) and target.value.startswith(node.value + "#") and target not in seen:
                seen.add(target)
                todo.append(target)
                found += [q.triple for q in store.quads_for_pattern(target, None, None, None)]
    return found


def _terms_under(iri: str) -> list[ox.Triple]:
    return list({q.triple for q in _subjects_under(_namespace(iri))})


def _rdf(iri: str, fmt) -> bytes:
    config = current_state().config
    triples = description(iri)
    if fmt.key == "ttl":
        return with_sorted_prefixes(ox.serialize(triples, format=fmt.rdf, prefixes=vocab.prefixes(config.base)), config)
    return ox.serialize(triples, format=fmt.rdf)


# --------------------------------------------------------------------------- HTML


@dataclass
class Value:
    text: str
    href: str | None = None
    note: str = ""  # language, datatype, or "inferred"


class Page:
    """What entity.html shows, read from the store with the IRI passed as a query parameter."""

    def __init__(self, iri: str):
        self.config = current_state().config
        self.store = _store()
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
            values = [q.object for q in self.store.quads_for_pattern(node, ox.NamedNode(predicate), None, None)
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
        return sorted({q.object for q in self.store.quads_for_pattern(node, ox.NamedNode(predicate), None, None)},
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
        for quad in self.store.quads_for_pattern(self.node, None, None, None):
            graphs.setdefault((quad.predicate, quad.object), set()).add(quad.graph_name)
        grouped: dict = {}
        for (predicate, obj), in_graphs in graphs.items():
            if predicate.value not in SHOWN_IN_HEADER:
                grouped.setdefault(predicate, []).append(self.value(obj, inferred=in_graphs == {self.inferred}))
        return [(self.value(p), sorted(vs, key=lambda v: (v.text, v.note)))
                for p, vs in sorted(grouped.items(), key=lambda item: self.label(item[0]).lower())]

    def claims(self) -> list[dict]:
        """Claims about this node (or with it as a relation's object), and the node itself if a claim."""
        kg = self.config.ontology_ns
        query = f"""SELECT DISTINCT ?claim ?entity WHERE {{
            {{ ?claim <{kg}claimAbout> ?entity }} UNION {{ ?claim <{RDF}object> ?entity ; a <{kg}Claim> }}
            UNION {{ ?entity a <{kg}Claim> BIND(?entity AS ?claim) }} }}"""
        rows = self.store.query(query, substitutions={ox.Variable("entity"): self.node},
                                use_default_graph_as_union=True)
        return [self._claim(row["claim"]) for row in sorted(rows, key=lambda r: str(r["claim"]))]

    def _claim(self, claim) -> dict:
        kg = self.config.ontology_ns
        quotes = []
        for target in self.objects(claim, OA + "hasTarget"):
            for selector in self.objects(target, OA + "hasSelector"):
                quotes += [o.value for o in self.objects(selector, OA + "exact")]
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
        }

    def events(self) -> list[dict]:
        """Events this node takes part in (kg:participant or a subproperty), with date and status."""
        kg = self.config.ontology_ns
        query = f"""SELECT ?event ?role ?entity WHERE {{
            ?event ?role ?entity . ?role <{RDFS}subPropertyOf>* <{kg}participant> }}"""
        rows = self.store.query(query, substitutions={ox.Variable("entity"): self.node},
                                use_default_graph_as_union=True)
        roles: dict = {}
        for row in rows:
            roles.setdefault(row["event"], set()).add(row["role"])
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
        for quad in self.store.quads_for_pattern(None, None, self.node, None):
            if quad.predicate.value not in skip and not quad.subject.value.startswith(self.iri + "#"):
                grouped.setdefault(quad.predicate, set()).add(quad.subject)
        return [(self.value(p), sorted((self.value(s) for s in subjects), key=lambda v: v.text))
                for p, subjects in sorted(grouped.items(), key=lambda item: self.label(item[0]).lower())]

    def terms(self) -> list[dict]:
        """For the ontology and the schemes: every term under the IRI, with its label and definition."""
        terms = {}
        for triple in _terms_under(self.iri):
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


def _html(iri: str) -> str:
    page = Page(iri)
    is_vocabulary = iri.endswith("/ontology") or iri.endswith("/")
    path = "/" + iri[len(page.config.base):].rstrip("/")
    return render_template(
        "entity.html", iri=iri, header=page.header(), doc_path=path, formats=list(RDF_DOCS),
        statements=page.statements(), claims=[] if is_vocabulary else page.claims(),
        events=[] if is_vocabulary else page.events(), incoming=[] if is_vocabulary else page.incoming(),
        terms=page.terms() if is_vocabulary else [],
    )


# --------------------------------------------------------------------------- 404


def _not_found(iri: str, suffix: str | None, message: str | None = None) -> Response:
    message = message or f"Nothing in this dataset is described by <{iri}>."
    wants_html = suffix == "html" or (suffix is None and _negotiate() in ("html", None))
    if not wants_html:
        return api_error(404, "not_found", message)
    response = Response(render_template("not_found.html", iri=iri, message=message, suggestions=_suggestions(iri)),
                        status=404, content_type="text/html; charset=utf-8")
    return response


def _suggestions(iri: str) -> list[Value]:
    """Entities of the same folder with a similar name: the likely target of a mistyped link."""
    base = current_state().config.base
    folder = iri[len(base):].split("/", 1)[0] + "/" if iri.startswith(base) else ""
    if not folder.strip("/") or not _is_iri(iri):
        return []
    known = {q.subject.value: q.subject for q in _subjects_under(base + folder)
             if q.predicate.value == RDF + "type"}
    close = difflib.get_close_matches(iri, list(known), n=5, cutoff=0.6)
    page = Page(iri)
    return [page.value(known[match]) for match in close]
