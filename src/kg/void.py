"""The VoID description of a release: counts, class partitions, graphs, the Wikidata linkset, every dump file."""

from __future__ import annotations

import hashlib

import pyoxigraph as ox

from . import vocab
from .canonical import _term_key, with_sorted_prefixes
from .config import Config
from .link import LINK_DEFINITION
from .vocab import DCAT, RDF_TYPE, SPDX, VOID, WIKIDATA, XSD
from .vocab import DCTERMS as DCT

SKOS_EXACT = vocab.SKOS + "exactMatch"
SKOS_CLOSE = vocab.SKOS + "closeMatch"
RDFS_COMMENT = "http://www.w3.org/2000/01/rdf-schema#comment"
#: What VoID's class partitions (and `kg build`'s summary) count, said where the numbers are shown.
CLASS_COUNT_DEFINITION = ("void:entities of a class partition counts the nodes of the dataset as served typed with "
                          "that class, inferred types included: a kg:Firing also counts as a kg:Dismissal and a "
                          "kg:Event, so the partitions overlap and do not add up to void:entities")


def void_iri(config: Config, fragment: str = "") -> str:
    return f"{config.base}.well-known/void{'#' + fragment if fragment else ''}"


def void_turtle(config: Config, quads: list, release, files: list, inferred_graph: str,
                exports: list | None = None) -> bytes:
    """The VoID description: counts, class partitions, the Wikidata linkset and every dump file.

    `release` has the version and creation time (dump.Release); `files` holds (file name, format
    (dump.DumpFormat), variant title, bytes) for every dump file; `exports` the other downloads
    (dump.ExportFile: name, media type, title, bytes), described as dcat:Distribution only."""
    triples: list = []

    def add(s: str, p: str, o) -> None:
        obj = o if isinstance(o, (ox.Literal, ox.NamedNode)) else ox.NamedNode(o)
        triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    dataset = void_iri(config, "dataset")
    merged = {q.triple for q in quads}
    add(dataset, RDF_TYPE, VOID + "Dataset")
    add(dataset, DCT + "title", ox.Literal("kg: the documented connections between Donald Trump and "
                                           "Vladimir Putin's Russia, sourced", language="en"))
    add(dataset, DCT + "license", config.licence)
    add(dataset, DCT + "created", ox.Literal(release.created, datatype=ox.NamedNode(XSD + "dateTime")))
    add(dataset, vocab.OWL + "versionInfo", ox.Literal(release.version))
    add(dataset, DCT + "hasVersion", ox.Literal(release.version))
    add(dataset, VOID + "sparqlEndpoint", f"{config.base}sparql")
    add(dataset, VOID + "uriSpace", ox.Literal(config.base))
    add(dataset, VOID + "rootResource", f"{config.base}source/article")
    for vocabulary in (config.ontology_ns, vocab.SCHEMA, vocab.OA, vocab.SKOS, vocab.PROV):
        add(dataset, VOID + "vocabulary", vocabulary)
    add(dataset, VOID + "triples", integer(len(merged)))
    add(dataset, VOID + "distinctSubjects", integer(len({t.subject for t in merged})))
    add(dataset, VOID + "properties", integer(len({t.predicate for t in merged})))
    _add_entity_counts(config, add, integer, dataset, merged)
    _add_graph_subsets(config, add, integer, dataset, quads)
    _add_linkset(config, add, integer, dataset, merged)
    for name, fmt, variant_title, body in files:
        _add_dump_file(config, add, integer, dataset, name, fmt, variant_title, body)
    for export in exports or ():
        _add_distribution(config, add, integer, dataset, export.name, export.media_type, export.title, export.body)
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), _term_key(t.predicate, f"<{RDF_TYPE}>"),
                                                  str(t.object)))
    return with_sorted_prefixes(ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=vocab.prefixes(config.base)),
                                config)


def members_per_class(typings, ontology_ns: str) -> dict[str, set]:
    """{class IRI: its members} for the (subject, class) pairs whose class is in our ontology: the one
    count of entities per class (CLASS_COUNT_DEFINITION), for VoID and the build summary alike."""
    by_class: dict[str, set] = {}
    for subject, cls in typings:
        if str(cls).startswith(ontology_ns):
            by_class.setdefault(str(cls), set()).add(str(subject))
    return by_class


def _add_entity_counts(config: Config, add, integer, dataset: str, merged: set) -> None:
    """void:entities: things typed with a class of our ontology; one class partition per class."""
    by_class = members_per_class(((t.subject, t.object.value) for t in merged
                                  if str(t.predicate) == f"<{RDF_TYPE}>" and isinstance(t.object, ox.NamedNode)),
                                 config.ontology_ns)
    add(dataset, VOID + "entities", integer(len(set().union(*by_class.values()) if by_class else set())))
    add(dataset, RDFS_COMMENT, ox.Literal(CLASS_COUNT_DEFINITION + ".", language="en"))
    for cls, members in sorted(by_class.items()):
        part = void_iri(config, "class-" + cls[len(config.ontology_ns):])
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", cls)
        add(part, VOID + "entities", integer(len(members)))


def _add_graph_subsets(config: Config, add, integer, dataset: str, quads: list) -> None:
    graphs: dict[str, int] = {}
    for q in quads:
        name = q.graph_name.value if hasattr(q.graph_name, "value") else ""
        if name:
            graphs[name] = graphs.get(name, 0) + 1
    for graph, count in sorted(graphs.items()):
        subset = void_iri(config, "graph-" + graph.rstrip("/").rsplit("/", 1)[-1])
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, VOID + "Dataset")
        add(subset, vocab.SD + "name", graph)
        add(subset, VOID + "triples", integer(count))


def _add_linkset(config: Config, add, integer, dataset: str, merged: set) -> None:
    """One linkset per link predicate (void:linkPredicate is one property): exact and close matches.
    Their void:triples add up to the rows of the mapping table (kg.link.LINK_DEFINITION)."""
    wikidata = void_iri(config, "wikidata")
    add(wikidata, RDF_TYPE, VOID + "Dataset")
    add(wikidata, vocab.FOAF + "homepage", "https://www.wikidata.org/")
    add(wikidata, VOID + "uriSpace", ox_literal(WIKIDATA))
    add(wikidata, VOID + "sparqlEndpoint", "https://query.wikidata.org/sparql")
    definition = LINK_DEFINITION[0].upper() + LINK_DEFINITION[1:] + "."
    for fragment, predicate in (("wikidata-links", SKOS_EXACT), ("wikidata-close-links", SKOS_CLOSE)):
        links = [t for t in merged if str(t.predicate) == f"<{predicate}>" and str(t.object).startswith(f"<{WIKIDATA}")]
        linkset = void_iri(config, fragment)
        add(linkset, RDF_TYPE, VOID + "Linkset")
        add(linkset, VOID + "linkPredicate", predicate)
        add(linkset, VOID + "subjectsTarget", dataset)
        add(linkset, VOID + "objectsTarget", wikidata)
        add(linkset, VOID + "target", dataset)
        add(linkset, VOID + "target", wikidata)
        add(linkset, VOID + "triples", integer(len(links)))
        add(linkset, RDFS_COMMENT, ox.Literal(definition, language="en"))
        add(dataset, VOID + "subset", linkset)


def ox_literal(text: str):
    return ox.Literal(text)


def _add_dump_file(config: Config, add, integer, dataset: str, name: str, fmt, variant_title: str,
                   body: bytes) -> None:
    gz = name.endswith(".gz")
    add(dataset, VOID + "dataDump", f"{config.base}download/{name}")
    _add_distribution(config, add, integer, dataset, name, fmt.media_type,
                      f"{fmt.title}, {variant_title}{', gzipped' if gz else ''}", body)


def _add_distribution(config: Config, add, integer, dataset: str, name: str, media_type: str, title: str,
                      body: bytes) -> None:
    """A dcat:Distribution of the dataset: URL, media type, size and SHA-256 (RDF dumps are also void:dataDump)."""
    url = f"{config.base}download/{name}"
    gz = name.endswith(".gz")
    add(dataset, DCAT + "distribution", url)
    add(url, RDF_TYPE, DCAT + "Distribution")
    add(url, DCAT + "downloadURL", url)
    add(url, DCAT + "mediaType", f"https://www.iana.org/assignments/media-types/{media_type}")
    if gz:
        add(url, DCAT + "compressFormat", "https://www.iana.org/assignments/media-types/application/gzip")
    add(url, DCT + "format", ox.Literal(media_type))
    add(url, DCT + "title", ox.Literal(title, language="en"))
    add(url, DCAT + "byteSize", integer(len(body)))
    checksum = f"{url}#sha256"
    add(url, SPDX + "checksum", checksum)
    add(checksum, RDF_TYPE, SPDX + "Checksum")
    add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
    add(checksum, SPDX + "checksumValue", ox.Literal(hashlib.sha256(body).hexdigest(),
                                                       datatype=ox.NamedNode(XSD + "hexBinary")))
