"""The VoID description of a release: counts, class partitions, graphs, the Wikidata linkset, every dump file."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import pyoxigraph as ox

from . import vocab
from .canonical import TYPE_KEY, _term_key, with_sorted_prefixes
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


def void_turtle(config: Config, dataset, release, files: list, exports: list | None = None) -> bytes:
    """The VoID description: counts, class partitions, the Wikidata linkset and every dump file.

    `dataset` is the release's quads sorted (kg.canonical.SortedDataset); `release` has the version
    and creation time (dump.Release); `files` holds (file name, format (dump.DumpFormat), variant
    title, files.Digest) for every dump file; `exports` the other downloads as (dump.ExportFile:
    name, media type, title; its Digest), described as dcat:Distribution only."""
    triples: list = []

    def add(s: str, p: str, o) -> None:
        obj = o if isinstance(o, (ox.Literal, ox.NamedNode)) else ox.NamedNode(o)
        triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    dataset_iri = void_iri(config, "dataset")
    merged = merged_terms(dataset)
    add(dataset_iri, RDF_TYPE, VOID + "Dataset")
    add(dataset_iri, DCT + "title", ox.Literal("kg: the documented connections between Donald Trump and "
                                               "Vladimir Putin's Russia, sourced", language="en"))
    add(dataset_iri, DCT + "license", config.licence)
    add(dataset_iri, DCT + "created", ox.Literal(release.created, datatype=ox.NamedNode(XSD + "dateTime")))
    add(dataset_iri, vocab.OWL + "versionInfo", ox.Literal(release.version))
    add(dataset_iri, DCT + "hasVersion", ox.Literal(release.version))
    add(dataset_iri, VOID + "sparqlEndpoint", f"{config.base}sparql")
    add(dataset_iri, VOID + "uriSpace", ox.Literal(config.base))
    add(dataset_iri, VOID + "rootResource", f"{config.base}source/article")
    for vocabulary in (config.ontology_ns, vocab.SCHEMA, vocab.OA, vocab.SKOS, vocab.PROV):
        add(dataset_iri, VOID + "vocabulary", vocabulary)
    add(dataset_iri, VOID + "triples", integer(merged.triples))
    add(dataset_iri, VOID + "distinctSubjects", integer(len(merged.subjects)))
    add(dataset_iri, VOID + "properties", integer(len(merged.predicates)))
    _add_entity_counts(config, add, integer, dataset_iri, merged.typings)
    _add_graph_subsets(config, add, integer, dataset_iri, dataset)
    _add_linkset(config, add, integer, dataset_iri, merged.links)
    for name, fmt, variant_title, digest in files:
        _add_dump_file(config, add, integer, dataset_iri, name, fmt, variant_title, digest)
    for export, digest in exports or ():
        _add_distribution(config, add, integer, dataset_iri, export.name, export.media_type, export.title, digest)
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), _term_key(t.predicate, f"<{RDF_TYPE}>"),
                                                  str(t.object)))
    return with_sorted_prefixes(ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=vocab.prefixes(config.base)),
                                config)


@dataclass
class MergedTerms:
    """What VoID counts in the graphs merged (the dataset as served), read from the sorted keys."""

    triples: int = 0
    subjects: set = field(default_factory=set)  # N-Triples text of each subject
    predicates: set = field(default_factory=set)
    typings: list = field(default_factory=list)  # (subject text, class IRI) of rdf:type triples with an IRI object
    links: Counter = field(default_factory=Counter)  # predicate IRI -> triples whose object is a Wikidata IRI


def merged_terms(dataset) -> MergedTerms:
    """One pass over the merged triples' keys (N-Triples lines, kg.canonical): no term objects made."""
    merged = MergedTerms()
    keys = dataset.triple_keys()
    merged.triples = len(keys)
    wikidata = f"<{WIKIDATA}".encode()
    for key in keys:
        subject, predicate, rest = key.split(b" ", 2)
        merged.subjects.add(subject)
        merged.predicates.add(predicate)
        if predicate == TYPE_KEY and rest.startswith(b"<"):
            merged.typings.append((subject.decode(), rest[1:-3].decode()))
        elif rest.startswith(wikidata):
            merged.links[predicate[1:-1].decode()] += 1
    return merged


def members_per_class(typings, ontology_ns: str) -> dict[str, set]:
    """{class IRI: its members} for the (subject, class) pairs whose class is in our ontology: the one
    count of entities per class (CLASS_COUNT_DEFINITION), for VoID and the build summary alike."""
    by_class: dict[str, set] = {}
    for subject, cls in typings:
        if str(cls).startswith(ontology_ns):
            by_class.setdefault(str(cls), set()).add(str(subject))
    return by_class


def _add_entity_counts(config: Config, add, integer, dataset: str, typings: list) -> None:
    """void:entities: things typed with a class of our ontology; one class partition per class."""
    by_class = members_per_class(typings, config.ontology_ns)
    add(dataset, VOID + "entities", integer(len(set().union(*by_class.values()) if by_class else set())))
    add(dataset, RDFS_COMMENT, ox.Literal(CLASS_COUNT_DEFINITION + ".", language="en"))
    for cls, members in sorted(by_class.items()):
        part = void_iri(config, "class-" + cls[len(config.ontology_ns):])
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", cls)
        add(part, VOID + "entities", integer(len(members)))


def _add_graph_subsets(config: Config, add, integer, dataset: str, sorted_dataset) -> None:
    graphs = {g.name[1:-1]: len(g.quads) for g in sorted_dataset.graphs if g.name.startswith("<")}
    for graph, count in sorted(graphs.items()):
        subset = void_iri(config, "graph-" + graph.rstrip("/").rsplit("/", 1)[-1])
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, VOID + "Dataset")
        add(subset, vocab.SD + "name", graph)
        add(subset, VOID + "triples", integer(count))


def _add_linkset(config: Config, add, integer, dataset: str, links: Counter) -> None:
    """One linkset per link predicate (void:linkPredicate is one property): exact and close matches.
    Their void:triples add up to the rows of the mapping table (kg.link.LINK_DEFINITION)."""
    wikidata = void_iri(config, "wikidata")
    add(wikidata, RDF_TYPE, VOID + "Dataset")
    add(wikidata, vocab.FOAF + "homepage", "https://www.wikidata.org/")
    add(wikidata, VOID + "uriSpace", ox_literal(WIKIDATA))
    add(wikidata, VOID + "sparqlEndpoint", "https://query.wikidata.org/sparql")
    definition = LINK_DEFINITION[0].upper() + LINK_DEFINITION[1:] + "."
    for fragment, predicate in (("wikidata-links", SKOS_EXACT), ("wikidata-close-links", SKOS_CLOSE)):
        linkset = void_iri(config, fragment)
        add(linkset, RDF_TYPE, VOID + "Linkset")
        add(linkset, VOID + "linkPredicate", predicate)
        add(linkset, VOID + "subjectsTarget", dataset)
        add(linkset, VOID + "objectsTarget", wikidata)
        add(linkset, VOID + "target", dataset)
        add(linkset, VOID + "target", wikidata)
        add(linkset, VOID + "triples", integer(links[predicate]))
        add(linkset, RDFS_COMMENT, ox.Literal(definition, language="en"))
        add(dataset, VOID + "subset", linkset)


def ox_literal(text: str):
    return ox.Literal(text)


def _add_dump_file(config: Config, add, integer, dataset: str, name: str, fmt, variant_title: str,
                   digest) -> None:
    gz = name.endswith(".gz")
    add(dataset, VOID + "dataDump", f"{config.base}download/{name}")
    _add_distribution(config, add, integer, dataset, name, fmt.media_type,
                      f"{fmt.title}, {variant_title}{', gzipped' if gz else ''}", digest)


def _add_distribution(config: Config, add, integer, dataset: str, name: str, media_type: str, title: str,
                      digest) -> None:
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
    add(url, DCAT + "byteSize", integer(digest.size))
    checksum = f"{url}#sha256"
    add(url, SPDX + "checksum", checksum)
    add(checksum, RDF_TYPE, SPDX + "Checksum")
    add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
    add(checksum, SPDX + "checksumValue", ox.Literal(digest.sha256,
                                                       datatype=ox.NamedNode(XSD + "hexBinary")))
