"""Wikidata links: a reviewed SSSOM mapping table, checked offline, and a report of who is linked.

- `mapping_graph(config)` (called by `kg build`) reads data/mappings/wikidata.sssom.tsv and
  turns each row into `N skos:exactMatch wd:Q` and `N schema:sameAs wd:Q`. Every QID must be in
  the verified reference list (data/mappings/reference/wikidata-ids.tsv) with the same label;
  anything else stops the build with file:line. Entities the reference lists as unverified are
  never linked.
- `kg link --report` lists every person, organisation, place, country, position... of the built
  graph with its verified link, or none.
- `kg link --propose` (kg.proposals, the only part that uses the network) asks Wikidata's public
  search API (wbsearchentities) for candidates for the unlinked entities and writes them to
  build/link-candidates.tsv for a person to review. It never writes the mapping: a link exists
  only once someone copies a reviewed row into it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from rdflib import Graph, URIRef

from .config import Config
from .errors import KgError
from .store import load_built
from .vocab import SCHEMA, SKOS, WIKIDATA

log = logging.getLogger("kg.link")

COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
           "mapping_justification", "author_label", "confidence", "mapping_date", "comment")
PREDICATES = {"skos:exactMatch": SKOS + "exactMatch", "skos:closeMatch": SKOS + "closeMatch"}
#: The one definition of the numbers shown by `kg link --report`, the wikidata-links query and VoID.
LINK_DEFINITION = ("a Wikidata link is one row of data/mappings/wikidata.sssom.tsv: one skos:exactMatch or "
                   "skos:closeMatch from a node of the graph to a verified Wikidata item (the schema:sameAs "
                   "that doubles an exactMatch is not counted again); a node is linked when it has one")
# Classes whose members can have a Wikidata item (events and claims are ours alone).
LINKABLE_CLASSES = ("Person", "Organization", "GovernmentBody", "NewsOrganization", "Group", "Country", "Place",
                    "Position", "Document", "CreativeWork", "Law", "Topic")


def mapping_path(config: Config) -> Path:
    return config.data_dir / "mappings" / "wikidata.sssom.tsv"


def reference_path(config: Config) -> Path:
    return config.data_dir / "mappings" / "reference" / "wikidata-ids.tsv"


# --------------------------------------------------------------------------- the reference list


@dataclass
class Reference:
    labels: dict[str, str]  # qid -> English label, verified by hand
    unverified: list[str]  # names the reference says are NOT verified: never link them

    def is_unverified(self, label: str) -> bool:
        # Equal, or one a whole-word prefix of the other ("WBUR" and "WBUR-FM"); "Russia" is not
        # "Russian interference...". A guard only: the QID list is what keeps unverified links out.
        wanted = normal_label(label)
        return any(wanted == name or f"{name} ".startswith(f"{wanted} ") or f"{wanted} ".startswith(f"{name} ")
                   for name in map(normal_label, self.unverified) if name)


def read_reference(config: Config) -> Reference:
    path = reference_path(config)
    if not path.is_file():
        raise KgError("the verified Wikidata reference list is missing", str(path))
    labels, unverified, after_rows = {}, [], False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            if after_rows and "NOT verified" not in line and not line.startswith("# Do NOT"):
                unverified += _names_in_comment(line)
            continue
        fields = line.split("\t")
        if fields[0] == "qid" or len(fields) < 2:
            continue
        after_rows = True
        labels[fields[0].strip()] = fields[1].strip()
    return Reference(labels, unverified)


def _names_in_comment(line: str) -> list[str]:
    """'# James Dodson (author), WBUR-FM (radio station), ...' -> ['James Dodson', 'WBUR-FM', ...]."""
    text = re.sub(r"\([^)]*\)", "", line.lstrip("# "))
    names = [name.strip(" .:") for name in text.split(",")]
    return [re.sub(r"^the ", "", name, flags=re.I) for name in names if name]


def normal_label(text: str) -> str:
    """A label as the mapping review compares it: lower case, punctuation as spaces, no leading "the"."""
    text = re.sub(r"[^a-z0-9]+", " ", text.lower().replace("’", "'")).strip()
    return re.sub(r"^the ", "", text)


# --------------------------------------------------------------------------- the mapping table


@dataclass
class Mapping:
    subject: str  # our id: person/donald-trump
    subject_label: str
    predicate: str  # full IRI
    qid: str
    object_label: str
    line: int


def read_mappings(config: Config, known_ids: set[str] | None = None) -> list[Mapping]:
    """Every row of the mapping table, checked against the reference; KgError with file:line."""
    path = mapping_path(config)
    if not path.is_file():
        log.info("no Wikidata mapping table at %s: no links", path)
        return []
    where = _rel(path, config.root)
    reference = read_reference(config)
    mappings, header = [], None
    seen_subjects: dict[str, int] = {}
    seen_qids: dict[str, int] = {}
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue  # blank, or the SSSOM YAML header
        fields = line.split("\t")
        if header is None:
            header = _check_header(fields, where, number)
            continue
        row = dict(zip(header, (f.strip() for f in fields)))
        if len(fields) != len(header):
            raise KgError(f"expected {len(header)} tab-separated columns, found {len(fields)}", where, number)
        mapping = _check_row(row, reference, config, where, number, known_ids)
        for key, seen in ((mapping.subject, seen_subjects), (mapping.qid, seen_qids)):
            if mapping.predicate == SKOS + "exactMatch" and key in seen:
                raise KgError(f"{key} has a second exact match (first on line {seen[key]})", where, number)
            seen[key] = number
        mappings.append(mapping)
    return mappings


def _check_header(fields: list[str], where: str, number: int) -> list[str]:
    header = [f.strip() for f in fields]
    missing = [c for c in COLUMNS if c not in header and c != "comment"]
    if missing:
        raise KgError(f"the column header lacks {missing} (expected {', '.join(COLUMNS)})", where, number)
    return header


def _check_row(row: dict, reference: Reference, config: Config, where: str, number: int,
               known_ids: set[str] | None) -> Mapping:
    subject = row["subject_id"]
    if subject.startswith(config.base):
        subject = subject[len(config.base):]
    if not re.fullmatch(r"[a-z]+/[a-z0-9][a-z0-9-]*", subject):
        raise KgError(f"subject_id {row['subject_id']!r} is not an id like person/donald-trump", where, number)
    if known_ids is not None and subject not in known_ids:
        raise KgError(f"subject_id {subject} is not an entity of the graph", where, number)
    predicate = PREDICATES.get(row["predicate_id"])
    if predicate is None:
        raise KgError(f"predicate_id {row['predicate_id']!r} is not one of {sorted(PREDICATES)}", where, number)
    qid = row["object_id"].removeprefix("wd:").removeprefix(WIKIDATA)
    if not re.fullmatch(r"Q[1-9][0-9]*", qid):
        raise KgError(f"object_id {row['object_id']!r} is not a Wikidata item like wd:Q22686", where, number)
    if qid not in reference.labels:
        raise KgError(f"{qid} is not in the verified reference list ({reference_path(config).name}): "
                      "verify it by hand and add it there first", where, number)
    if normal_label(row["object_label"]) != normal_label(reference.labels[qid]):
        raise KgError(f"object_label {row['object_label']!r} does not match the verified label of {qid}, "
                      f"{reference.labels[qid]!r}", where, number)
    if reference.is_unverified(row["subject_label"]):
        raise KgError(f"{row['subject_label']!r} is listed as NOT verified in the reference: leave it unlinked",
                      where, number)
    _check_metadata(row, where, number)
    return Mapping(subject, row["subject_label"], predicate, qid, row["object_label"], number)


def _check_metadata(row: dict, where: str, number: int) -> None:
    if not row.get("author_label"):
        raise KgError("author_label is empty: say who confirmed the link", where, number)
    if not row.get("mapping_justification"):
        raise KgError("mapping_justification is empty (e.g. semapv:ManualMappingCuration)", where, number)
    try:
        confidence = float(row["confidence"])
    except ValueError:
        raise KgError(f"confidence {row['confidence']!r} is not a number", where, number) from None
    if not 0 <= confidence <= 1:
        raise KgError(f"confidence {confidence} is not between 0 and 1", where, number)
    try:
        date.fromisoformat(row["mapping_date"])
    except ValueError:
        raise KgError(f"mapping_date {row['mapping_date']!r} is not YYYY-MM-DD", where, number) from None


def mapping_graph(config: Config, known_ids: set[str] | None = None):
    """The links as an rdflib Graph: N skos:exactMatch wd:Q and N schema:sameAs wd:Q per row.

    `known_ids` (optional): the ids of the graph's nodes, to refuse a link to an unknown subject.
    """
    graph = Graph()
    graph.bind("skos", SKOS)
    graph.bind("schema", SCHEMA)
    graph.bind("wd", WIKIDATA)
    for mapping in read_mappings(config, known_ids):
        subject, item = URIRef(config.base + mapping.subject), URIRef(WIKIDATA + mapping.qid)
        graph.add((subject, URIRef(mapping.predicate), item))
        if mapping.predicate == SKOS + "exactMatch":
            graph.add((subject, URIRef(SCHEMA + "sameAs"), item))  # for JSON-LD / schema.org users
    return graph


# --------------------------------------------------------------------------- the report


@dataclass
class Entity:
    id: str
    label: str
    classes: list[str]
    qid: str | None = None
    unverified: bool = False
    match: str = ""  # "exact" or "close" when linked


def linkable_entities(config: Config) -> list[Entity]:
    """Every node of the built graph typed with a linkable class, or linked (the 2016 election is an
    event), with its verified link (exact or close) if any."""
    store = load_built(config)
    classes = " ".join(f"<{config.ontology_ns}{name}>" for name in LINKABLE_CLASSES)
    mappings = read_mappings(config)
    linked_nodes = " ".join(f"<{config.base}{m.subject}>" for m in mappings)
    rows = store.query(f"""SELECT ?node ?class (SAMPLE(?l) AS ?label) WHERE {{
        {{ VALUES ?class {{ {classes} }} ?node a ?class }}
        UNION
        {{ VALUES ?node {{ {linked_nodes} }} ?node a ?class . FILTER(STRSTARTS(STR(?class), "{config.ontology_ns}"))
           FILTER NOT EXISTS {{ ?node a ?sub . ?sub <http://www.w3.org/2000/01/rdf-schema#subClassOf> ?class . FILTER(?sub != ?class) }} }}
        OPTIONAL {{ ?node <http://www.w3.org/2000/01/rdf-schema#label> ?l }}
    }} GROUP BY ?node ?class""", use_default_graph_as_union=True)
    entities: dict[str, Entity] = {}
    for row in rows:
        iri = row["node"].value
        if not iri.startswith(config.base):
            continue
        node_id = iri[len(config.base):]
        label = row["label"].value if row["label"] else node_id
        entity = entities.setdefault(node_id, Entity(node_id, label, []))
        entity.classes.append(row["class"].value[len(config.ontology_ns):])
    reference = read_reference(config)
    links = {m.subject: m for m in mappings}
    for entity in entities.values():
        mapping = links.get(entity.id)
        if mapping is not None:
            entity.qid = mapping.qid
            entity.match = "exact" if mapping.predicate == SKOS + "exactMatch" else "close"
        entity.unverified = reference.is_unverified(entity.label)
        entity.classes.sort()
    return sorted(entities.values(), key=lambda e: e.id)


def report(config: Config) -> str:
    entities = linkable_entities(config)
    linked = [e for e in entities if e.qid]
    exact = sum(1 for e in linked if e.match == "exact")
    lines = [f"# {len(linked)} of {len(entities)} entities have a verified Wikidata link "
             f"({exact} skos:exactMatch, {len(linked) - exact} skos:closeMatch)",
             f"# {LINK_DEFINITION}; entities: nodes of a linkable class, or linked",
             "id\tlabel\tclass\twikidata\tmatch\tnote"]
    for e in entities:
        note = "" if e.qid else ("listed as NOT verified in the reference: leave unlinked" if e.unverified
                                  else "no verified link")
        lines.append(f"{e.id}\t{e.label}\t{','.join(e.classes)}\t{'wd:' + e.qid if e.qid else '-'}\t"
                     f"{e.match or '-'}\t{note}")
    return "\n".join(lines) + "\n"


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)
