"""Load the ontology (an rdflib graph) and the curated YAML data (N-Triples lines, kg.convert.NTriplesGraph).

The data files (data/README.md) are read with line numbers so that every error, and every
later SHACL violation, can point at the file and line a node came from. Quotes are checked
against the stored article here: a quote that is not in the text stops the load.

The data's triples are written as N-Triples text from the start: no rdflib term or graph is made
per triple (at 1M triples, rdflib's Graph.add and Literal were most of the load's 30 s), and the
text is what the SHACL engine, the reasoner and the dataset read. `Loaded.graph` gives the same
graph as rdflib's, parsed on first use, for pySHACL and the tests.
"""

from __future__ import annotations

import functools
import hashlib
import multiprocessing
import os
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from rdflib import Graph, Literal, URIRef

from . import vocab
from .config import Config
from .convert import NTriplesGraph, nt_literal, nt_term
from .errors import KgError
from .progress import Counter
from .quotes import QuoteIndex
from .vocab import CLAIM_FOLDER, DEFAULT_BASE, ID_FOLDERS, OWL, prefixes, scheme_ns
from .vocab import rebase as rebase_text


class Terms:
    """The IRIs of one namespace as N-Triples terms (`<iri>`), as attributes (`RDF.type`) or items
    (`kg[name]`), each made once: the first lookup of a name makes it and keeps it as an attribute."""

    def __init__(self, namespace: str):
        self._namespace = str(namespace)

    def __str__(self) -> str:
        return self._namespace

    def __getattr__(self, name: str) -> str:  # only for a name not made yet
        term = f"<{self._namespace}{name}>"
        setattr(self, name, term)
        return term

    def __getitem__(self, name: str) -> str:
        return getattr(self, name)


RDF, RDFS, XSD, SKOS, DCTERMS, SCHEMA, OA = (
    Terms(ns) for ns in (vocab.RDF, vocab.RDFS, vocab.XSD, vocab.SKOS, vocab.DCTERMS, vocab.SCHEMA, vocab.OA))
ONTOLOGY_FILES = ("kg.ttl", "schemes.ttl")
STATUSES = {"confirmed", "admitted", "reported", "claimed", "alleged", "denied"}
# Only these statuses let a relation claim become a plain triple as well (rule: never flatten an allegation).
PLAIN_TRIPLE_STATUSES = {"confirmed", "admitted", "reported"}
SEASONS = {"spring", "summer", "autumn", "fall", "winter"}
NODE_KEYS = {"id", "type", "label", "altLabel", "description", "date", "claims", "__line__"}
SOURCE_KEYS = {"id", "type", "label", "title", "photoCredits", "url", "publisher", "datePublished", "retrieved",
               "file", "sha256", "__line__"}
CLAIM_KEYS = {
    "quote", "occurrence", "status", "reportedBy", "accordingTo",
    "subject", "predicate", "object", "__line__",
}


@dataclass
class Loaded:
    """The asserted graph and, for each node and claim IRI, the (file, line) it came from."""

    triples: NTriplesGraph
    origins: dict[str, tuple[str, int]] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)  # source id -> SHA-256 of its stored text

    @functools.cached_property
    def graph(self) -> Graph:
        """The asserted graph as an rdflib Graph (parsed from the lines on first use)."""
        return self.triples.rdflib()


# --------------------------------------------------------------------------- ontology


def load_ontology(config: Config) -> Graph:
    graph = Graph()
    for name in ONTOLOGY_FILES:
        path = config.ontology_dir / name
        try:
            graph.parse(path, format="turtle")
        except FileNotFoundError:
            raise KgError("ontology file missing", str(path)) from None
        except Exception as exc:  # rdflib raises several parser exception types
            raise KgError(f"not valid Turtle: {exc}", str(path)) from None
    return rebase(graph, config)


def rebase(graph: Graph, config: Config) -> Graph:
    """Rewrite IRIs written under the default base to the configured base (vocab.rebase's rule, on terms)."""
    if config.base == DEFAULT_BASE:
        return graph
    moved = Graph()
    for prefix, namespace in graph.namespaces():
        moved.bind(prefix, _rebase_term(namespace, config.base), override=True)
    for triple in graph:
        moved.add(tuple(_rebase_term(term, config.base) for term in triple))
    return moved


def _rebase_term(term, base: str):
    if isinstance(term, URIRef) and str(term).startswith(DEFAULT_BASE):
        return URIRef(rebase_text(str(term), base))
    return term


# --------------------------------------------------------------------------- data


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
    """A YAML loader that records, in each mapping, the line it starts on (as __line__).

    On libyaml when PyYAML has it (about 10x faster than the pure-Python parser; same marks)."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def read_yaml(path: Path, root: Path):
    try:
        with path.open(encoding="utf-8") as handle:
            return yaml.load(handle, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise KgError(f"not valid YAML: {exc.problem}", _rel(path, root), line) from None
    except UnicodeDecodeError as exc:
        raise KgError(f"not UTF-8 text: {exc.reason}", _rel(path, root)) from None
    except IsADirectoryError:
        raise KgError("is a directory, not a YAML file", _rel(path, root)) from None
    except OSError as exc:  # unreadable (permissions), an I/O error
        raise KgError(f"cannot read: {exc.strerror or exc}", _rel(path, root)) from None


def _parsed(files: list[Path], root: Path):
    """(path, its YAML, or the KgError reading it gave) for each file, in order.

    Parsing is half of loading (libyaml parses, but PyYAML builds every value in Python): with
    many files and a second core, a forked worker parses them while the caller builds the triples
    of the ones before, and hands each back pickled (unpickling costs a fraction of building). An
    error is raised by the caller when it reaches that file, as if it had read the files itself."""
    beside = len(files) >= PARSE_BESIDE_FROM and (os.cpu_count() or 1) > 1 \
        and "fork" in multiprocessing.get_all_start_methods()
    if not beside:
        for path in files:
            yield path, _read_or_error(path, root)
        return
    with multiprocessing.get_context("fork").Pool(1) as pool:
        yield from zip(files, pool.imap(_read_or_error_at, [(path, root) for path in files], chunksize=4))


def _read_or_error(path: Path, root: Path):
    try:
        return read_yaml(path, root)
    except KgError as exc:
        return exc


def _read_or_error_at(path_and_root: tuple[Path, Path]):
    return _read_or_error(*path_and_root)


def data_files(config: Config) -> list[Path]:
    """entities.yaml first, then the entries in the article's order."""
    files = [config.data_dir / "entities.yaml"]
    files += sorted((config.data_dir / "entries").glob("*.yaml"))
    return [f for f in files if f.exists()]


#: From this many data files on, a second process parses the YAML while this one builds the triples.
PARSE_BESIDE_FROM = 16


def load_data(config: Config, ontology: Graph | None = None) -> Loaded:
    ontology = ontology if ontology is not None else load_ontology(config)
    builder = _Builder(config, Vocabulary(ontology, config))
    builder.add_sources(config.data_dir / "sources" / "sources.yaml")
    files = data_files(config)
    progress = Counter("data files", len(files), "files")
    for path, content in _parsed(files, config.root):
        builder.add_file(path, content)
        progress.advance()
    progress.close()
    builder.check_references()
    return Loaded(builder.graph, builder.origins, {sid: digest for sid, (_, _, digest) in builder.sources.items()})


class Vocabulary:
    """What the ontology defines: class and property names the data may use."""

    def __init__(self, ontology: Graph, config: Config):
        self.ns = Terms(config.ontology_ns)
        self.classes = self._local_names(ontology, {vocab.RDFS + "Class", OWL + "Class"})
        self.object_properties = self._local_names(ontology, {OWL + "ObjectProperty"})
        self.datatype_properties = self._local_names(ontology, {OWL + "DatatypeProperty"})

    def _local_names(self, ontology: Graph, types: set) -> set[str]:
        names = set()
        for kind in types:
            for term in ontology.subjects(URIRef(vocab.RDF + "type"), URIRef(kind)):
                if str(term).startswith(str(self.ns)):
                    names.add(str(term)[len(str(self.ns)):])
        return names


class _Builder:
    def __init__(self, config: Config, vocab: Vocabulary):
        self.config = config
        self.vocab = vocab
        self.kg = vocab.ns
        self.status = Terms(scheme_ns(config.base, "status"))
        self.precision = Terms(scheme_ns(config.base, "precision"))
        self.graph = NTriplesGraph()
        self.add = self.graph.add_line  # (subject, predicate, object), each as N-Triples text
        self._bind_prefixes()
        self.origins: dict[str, tuple[str, int]] = {}
        self.defined: set[str] = set()
        self.references: list[tuple[str, str, int]] = []  # (id, file, line)
        self.iris: dict[str, str] = {}  # node id -> its <IRI>, checked and made once however often it is used
        # source id -> (<IRI>, quote index of its stored text, SHA-256); each data file states its
        # claims in one of them (`source:`, or the only one there is).
        self.sources: dict[str, tuple[str, QuoteIndex, str]] = {}
        self.quotes: QuoteIndex | None = None
        self.source_iri: str | None = None

    def _bind_prefixes(self) -> None:
        known = prefixes(self.config.base)
        for prefix in ("kg", "status", "prec", "schema", "oa", "skos", "person", "org", "event", "claim", "group"):
            self.graph.bind(prefix, known[prefix], override=True, replace=True)

    # -- sources ------------------------------------------------------------
    def add_sources(self, path: Path) -> None:
        where = _rel(path, self.config.root)
        entries = read_yaml(path, self.config.root)
        if not isinstance(entries, list) or not entries:
            raise KgError("expected a list of sources", where)
        for entry in entries:
            self._add_source(entry, path.parent, where)

    def _add_source(self, entry: dict, folder: Path, where: str) -> None:
        line = entry.get("__line__")
        unknown = set(entry) - SOURCE_KEYS
        if unknown:
            raise KgError(f"unknown source key(s) {sorted(unknown)} (known: {sorted(SOURCE_KEYS - {'__line__'})})",
                          where, line)
        text_path = folder / str(entry.get("file", ""))
        if not text_path.is_file():
            raise KgError(f"source file {entry.get('file')!r} not found", where, line)
        raw = text_path.read_bytes()
        digest = hashlib.sha256(raw).hexdigest()
        if digest != entry.get("sha256"):
            raise KgError(
                f"{text_path.name} has SHA-256 {digest}, not the recorded {entry.get('sha256')}: "
                "the stored source changed",
                where, line,
            )
        iri = self._iri(entry["id"], where, line)
        text = raw.decode("utf-8")
        add = self.add
        add(iri, RDF.type, self.kg.SourceDocument)
        add(iri, RDFS.label, nt_literal(str(entry["label"]), "en"))
        add(iri, SCHEMA.headline, nt_literal(str(entry["label"]), "en"))
        add(iri, self.kg.sha256, nt_literal(digest))
        add(iri, self.kg.storedCopy, nt_literal(_rel(text_path, self.config.root)))
        add(iri, SCHEMA.text, nt_literal(text))
        self.origins[iri[1:-1]] = (where, line)
        self.defined.add(entry["id"])
        self.sources[entry["id"]] = (iri, QuoteIndex(text), digest)
        self.source_iri, self.quotes = iri, self.sources[entry["id"]][1]  # its metadata is checked against it
        self._add_source_metadata(iri, entry, where, line)

    def _use_source(self, content: dict, where: str) -> None:
        """The source a data file's claims are stated in: its `source:`, or the only one there is."""
        name = content.get("source")
        if name is None:
            if len(self.sources) != 1:
                raise KgError(f"there are {len(self.sources)} sources: name this file's with 'source: ID'", where, 1)
            name = next(iter(self.sources))
        if str(name) not in self.sources:
            raise KgError(f"source {name!r} is not in sources/sources.yaml", where, 1)
        self.source_iri, self.quotes, _ = self.sources[str(name)]

    def _add_source_metadata(self, iri: str, entry: dict, where: str, line: int) -> None:
        """What the source gives (title, photo credits: checked verbatim) and what a curator fills
        (url, publisher, datePublished, retrieved): written only when given, never guessed."""
        add = self.add
        if entry.get("title"):
            self._check_verbatim(str(entry["title"]), "source title", where, line)
            add(iri, DCTERMS.title, nt_literal(str(entry["title"]), "en"))
        for credit in _as_list(entry.get("photoCredits")):
            self._check_verbatim(f"Photo: {credit}", "photo credit", where, line)
            add(iri, SCHEMA.creditText, nt_literal(str(credit)))
        if entry.get("url"):
            url = str(entry["url"])
            if not url.startswith(("http://", "https://")):
                raise KgError(f"source url {url!r} is not an http(s) URL", where, line)
            add(iri, SCHEMA.url, f"<{url}>")
        if entry.get("publisher"):
            add(iri, SCHEMA.publisher, nt_literal(str(entry["publisher"])))
        if entry.get("datePublished"):
            add(iri, SCHEMA.datePublished, parse_date(entry["datePublished"], where, line)[0])
        if entry.get("retrieved"):
            retrieved, precision = parse_date(entry["retrieved"], where, line)
            if precision != "day":
                raise KgError(f"retrieved {entry['retrieved']!r}: give the day, YYYY-MM-DD", where, line)
            add(iri, self.kg.retrievedOn, retrieved)

    # -- files and nodes ----------------------------------------------------
    def add_file(self, path: Path, content=None) -> None:
        """Add a data file's nodes; `content` is its YAML if it was read already (or the KgError reading it gave)."""
        where = _rel(path, self.config.root)
        content = read_yaml(path, self.config.root) if content is None else content
        if isinstance(content, KgError):
            raise content
        if not isinstance(content, dict) or not isinstance(content.get("nodes"), list):
            raise KgError("expected a mapping with a 'nodes:' list", where, 1)
        self._use_source(content, where)
        entry = content.get("entry")
        if entry is not None:
            self._check_verbatim(str(entry), "entry heading", where, content["__line__"])
        for node in content["nodes"]:
            if not isinstance(node, dict):
                raise KgError("each item of 'nodes:' must be a mapping", where)
            self._add_node(node, where)

    def _add_node(self, node: dict, where: str) -> None:
        line = node["__line__"]
        node_id = node.get("id")
        if not node_id:
            raise KgError("node without 'id'", where, line)
        if node_id in self.defined:
            raise KgError(f"{node_id} is defined twice", where, line)
        iri = self._iri(node_id, where, line)
        self.defined.add(node_id)
        self.origins[iri[1:-1]] = (where, line)
        self._add_types(iri, node, where, line)
        self._add_labels(iri, node, where, line)
        if "date" in node:
            self._add_date(iri, node, where, line)
        for key, value in node.items():
            if key not in NODE_KEYS:
                self._add_property(iri, key, value, where, line)
        statuses = set()
        for index, claim in enumerate(node.get("claims") or [], start=1):
            statuses |= self._add_claim(iri, node_id, index, claim, where)
        for status in sorted(statuses):
            self.add(iri, self.kg.epistemicStatus, self.status[status])

    def _add_types(self, iri: str, node: dict, where: str, line: int) -> None:
        types = node.get("type")
        if not types:
            raise KgError(f"{node['id']}: no 'type'", where, line)
        for name in _as_list(types):
            if name not in self.vocab.classes:
                raise KgError(f"{node['id']}: unknown type {name!r} (not a class of the ontology)", where, line)
            self.add(iri, RDF.type, self.kg[name])

    def _add_labels(self, iri: str, node: dict, where: str, line: int) -> None:
        if not node.get("label"):
            raise KgError(f"{node['id']}: no 'label'", where, line)
        self.add(iri, RDFS.label, nt_literal(str(node["label"]), "en"))
        for alt in _as_list(node.get("altLabel")):
            self.add(iri, SKOS.altLabel, nt_literal(str(alt), "en"))
        if node.get("description"):
            self.add(iri, SCHEMA.description, nt_literal(str(node["description"]), "en"))

    def _add_date(self, iri: str, node: dict, where: str, line: int) -> None:
        literal, precision = parse_date(node["date"], where, line)
        qualifier = str(node.get("dateQualifier", "")).lower()
        if qualifier in SEASONS:
            precision = "season"
        self.add(iri, self.kg.date, literal)
        self.add(iri, self.kg.datePrecision, self.precision[precision])

    def _add_property(self, iri: str, key: str, value, where: str, line: int) -> None:
        if key in self.vocab.object_properties:
            for item in _as_list(value):
                self.add(iri, self.kg[key], self._reference(item, where, line))
        elif key in self.vocab.datatype_properties:
            for item in _as_list(value):
                if key == "dateText":
                    self._check_verbatim(str(item), "dateText", where, line)
                self.add(iri, self.kg[key], _literal(item, key, where, line))
        else:
            raise KgError(f"unknown property {key!r} (not a property of the ontology)", where, line)

    # -- claims -------------------------------------------------------------
    def _add_claim(self, node_iri: str, node_id: str, index: int, claim: dict, where: str) -> set[str]:
        """Add one claim; return its status if it is about the node as a whole."""
        if not isinstance(claim, dict):
            raise KgError(f"{node_id}: each claim must be a mapping", where)
        line = claim["__line__"]
        unknown = set(claim) - CLAIM_KEYS
        if unknown:
            raise KgError(f"unknown claim key(s) {sorted(unknown)} (known: {sorted(CLAIM_KEYS - {'__line__'})})", where, line)
        status = claim.get("status")
        if status not in STATUSES:
            raise KgError(f"claim status {status!r} is not one of {sorted(STATUSES)}", where, line)
        plain = f"{self.config.base}{CLAIM_FOLDER}/{node_id.replace('/', '-')}-{index}"
        iri = f"<{plain}>"
        self.origins[plain] = (where, line)
        add, kg = self.add, self.kg
        add(iri, RDF.type, kg.Claim)
        add(iri, kg.epistemicStatus, self.status[status])
        add(iri, kg.statedIn, self.source_iri)
        for key in ("reportedBy", "accordingTo"):
            for item in _as_list(claim.get(key)):
                add(iri, kg[key], self._reference(item, where, line))
        self._add_quote(plain, claim, where, line)
        if "predicate" in claim or "object" in claim:
            self._add_relation(iri, node_iri, claim, status, where, line)
            return set()
        add(iri, kg.claimAbout, node_iri)
        return {status}

    def _add_quote(self, claim_iri: str, claim: dict, where: str, line: int) -> None:
        """The claim's Web Annotation target and selectors; `claim_iri` is the plain IRI."""
        if not claim.get("quote"):
            raise KgError("claim without 'quote'", where, line)
        try:
            anchor = self.quotes.anchor(str(claim["quote"]), int(claim.get("occurrence", 1)))
        except ValueError as exc:
            raise KgError(str(exc), where, line) from None
        target, quote, position = (f"<{claim_iri}#{part}>" for part in ("target", "quote", "position"))
        add = self.add
        add(f"<{claim_iri}>", OA.hasTarget, target)
        add(target, RDF.type, OA.SpecificResource)
        add(target, OA.hasSource, self.source_iri)
        add(target, OA.hasSelector, quote)
        add(target, OA.hasSelector, position)
        add(quote, RDF.type, OA.TextQuoteSelector)
        add(quote, OA.exact, nt_literal(anchor.exact))
        add(quote, OA.prefix, nt_literal(anchor.prefix))
        add(quote, OA.suffix, nt_literal(anchor.suffix))
        add(position, RDF.type, OA.TextPositionSelector)
        # xsd:integer, not the Web Annotation context's xsd:nonNegativeInteger: the query store
        # normalises derived integer types to xsd:integer, and served data must equal the dumps.
        add(position, OA.start, _integer(anchor.start))
        add(position, OA.end, _integer(anchor.end))

    def _add_relation(self, claim_iri, node_iri, claim, status, where, line) -> None:
        predicate_name = claim.get("predicate")
        if predicate_name not in self.vocab.object_properties | self.vocab.datatype_properties:
            raise KgError(f"claim predicate {predicate_name!r} is not a property of the ontology", where, line)
        if "object" not in claim:
            raise KgError("a claim with 'predicate' needs an 'object'", where, line)
        subject = self._reference(claim["subject"], where, line) if "subject" in claim else node_iri
        predicate = self.kg[predicate_name]
        if predicate_name in self.vocab.object_properties:
            obj = self._reference(claim["object"], where, line)
        else:
            obj = _literal(claim["object"], predicate_name, where, line)
        add = self.add
        add(claim_iri, RDF.type, RDF.Statement)
        add(claim_iri, RDF.subject, subject)
        add(claim_iri, RDF.predicate, predicate)
        add(claim_iri, RDF.object, obj)
        add(claim_iri, self.kg.claimAbout, subject)
        if status in PLAIN_TRIPLE_STATUSES:
            add(subject, predicate, obj)

    # -- ids and references -------------------------------------------------
    def _iri(self, node_id: str, where: str, line: int) -> str:
        """The node's <IRI> (N-Triples text)."""
        iri = self.iris.get(str(node_id))
        if iri is not None:
            return iri
        folder, _, slug = str(node_id).partition("/")
        if folder not in ID_FOLDERS or not slug or not _is_slug(slug):
            raise KgError(
                f"id {node_id!r} is not folder/slug with a folder of {sorted(ID_FOLDERS)} "
                "and a lower-case slug of letters, digits and '-'",
                where, line,
            )
        iri = self.iris[node_id] = f"<{self.config.base}{node_id}>"
        return iri

    def _reference(self, value, where: str, line: int) -> str:
        value = str(value)
        if value.startswith(("http://", "https://")):
            return f"<{value}>"
        self.references.append((value, where, line))
        return self._iri(value, where, line)

    def check_references(self) -> None:
        for node_id, where, line in self.references:
            if node_id not in self.defined:
                raise KgError(f"{node_id} is referenced but not defined in any data file", where, line)

    def _check_verbatim(self, text: str, what: str, where: str, line: int) -> None:
        if not self.quotes.contains(text):
            raise KgError(f"{what} {text!r} does not occur verbatim in the source{self.quotes.hint(text)}", where, line)


# --------------------------------------------------------------------------- helpers


def parse_date(value, where: str, line: int) -> tuple[str, str]:
    """'2017' -> gYear, '2017-05' -> gYearMonth, '2017-05-09' -> date: never more precise than written.
    Returns the literal (N-Triples text) and its precision."""
    text = str(value)
    parts = text.split("-")
    kinds = {1: (XSD.gYear, "year", 4), 2: (XSD.gYearMonth, "month", 7), 3: (XSD.date, "day", 10)}
    if len(parts) in kinds and all(p.isdigit() for p in parts) and len(text) == kinds[len(parts)][2]:
        datatype, precision, _ = kinds[len(parts)]
        month_ok = len(parts) < 2 or 1 <= int(parts[1]) <= 12
        day_ok = len(parts) < 3 or 1 <= int(parts[2]) <= 31
        if month_ok and day_ok:
            return nt_literal(text, datatype=datatype[1:-1]), precision
    raise KgError(f"date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD", where, line)


def _literal(value, key: str, where: str, line: int) -> str:
    """A data property's value as an N-Triples literal."""
    if isinstance(value, bool) or isinstance(value, dict):
        raise KgError(f"{key}: expected text or a number, got {value!r}", where, line)
    if key in ("notBefore", "notAfter"):
        return parse_date(value, where, line)[0]
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):  # rare: rdflib writes the decimal's lexical form, as it always did
        return nt_term(Literal(str(value), datatype=URIRef(XSD.decimal[1:-1])))
    return nt_literal(str(value))


def _integer(value: int) -> str:
    return nt_literal(str(value), datatype=XSD.integer[1:-1])


def _as_list(value) -> list:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _is_slug(slug: str) -> bool:
    return all(c.islower() or c.isdigit() or c == "-" for c in slug) and slug[0].isalnum()


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
