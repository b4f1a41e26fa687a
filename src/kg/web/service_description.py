"""The SPARQL 1.1 Service Description of the endpoint, with VoID statistics of each graph.

Answered on GET /sparql without a query. The statistics of a build were counted by `kg build`
(statistics.json); for --data files they are counted once per process, on the first request that
needs them (the dataset never changes while the server runs).
"""

from __future__ import annotations

import threading

import pyoxigraph as ox

from .. import vocab
from ..config import Config
from ..store import STAT_NAMES, store_statistics
from ..vocab import SD, VOID

RDF_TYPE = ox.NamedNode(vocab.RDF_TYPE)
DCT_TITLE = ox.NamedNode(vocab.DCTERMS + "title")
DCT_LICENSE = ox.NamedNode(vocab.DCTERMS + "license")
PREFIXES = {"sd": SD, "void": VOID, "formats": vocab.FORMATS, "dcterms": vocab.DCTERMS}

# The format IRIs of http://www.w3.org/ns/formats/ for every format the endpoint can answer in.
RESULT_FORMAT_IRIS = [
    f"{vocab.FORMATS}{name}"
    for name in ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
                 "Turtle", "N-Triples", "RDF_XML", "JSON-LD", "TriG", "N-Quads")
]

def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


class ServiceDescription:
    def __init__(self, store, config: Config, statistics: dict | None = None):
        """`store`: the store, or a function giving it (a built store is opened in each worker);
        `statistics`: store_statistics() as the build counted them, if it did."""
        self._get_store = store if callable(store) else (lambda: store)
        self._config = config
        self._lock = threading.Lock()
        self._stats: dict | None = _keyed(statistics) if statistics is not None else None

    def triples(self, endpoint: str) -> list[ox.Triple]:
        service = ox.BlankNode("service")
        triples = [
            ox.Triple(service, RDF_TYPE, _sd("Service")),
            ox.Triple(service, _sd("endpoint"), ox.NamedNode(endpoint)),
            ox.Triple(service, _sd("supportedLanguage"), _sd("SPARQL11Query")),
            ox.Triple(service, _sd("feature"), _sd("UnionDefaultGraph")),
            ox.Triple(service, _sd("defaultEntailmentRegime"), ox.NamedNode(vocab.ENTAILMENT + "Simple")),
            ox.Triple(service, DCT_TITLE, ox.Literal("kg SPARQL endpoint (read-only)")),
        ]
        if self._config.federation_allowlist:
            triples.append(ox.Triple(service, _sd("feature"), _sd("BasicFederatedQuery")))
        triples += [ox.Triple(service, _sd("resultFormat"), ox.NamedNode(iri)) for iri in RESULT_FORMAT_IRIS]
        triples += self._dataset_triples(service)
        return triples

    def _dataset_triples(self, service: ox.BlankNode) -> list[ox.Triple]:
        stats = self._statistics()
        dataset, default_graph = ox.BlankNode("dataset"), ox.BlankNode("defaultGraph")
        triples = [
            ox.Triple(service, _sd("defaultDataset"), dataset),
            ox.Triple(dataset, RDF_TYPE, _sd("Dataset")),
            ox.Triple(dataset, RDF_TYPE, _void("Dataset")),
            ox.Triple(dataset, DCT_LICENSE, ox.NamedNode(self._config.licence)),
            ox.Triple(dataset, _sd("defaultGraph"), default_graph),
            *self._graph_triples(default_graph, stats[None]),
        ]
        for index, name in enumerate(sorted(g for g in stats if g is not None)):
            named, graph = ox.BlankNode(f"named{index}"), ox.BlankNode(f"graph{index}")
            triples += [
                ox.Triple(dataset, _sd("namedGraph"), named),
                ox.Triple(named, RDF_TYPE, _sd("NamedGraph")),
                ox.Triple(named, _sd("name"), ox.NamedNode(name)),
                ox.Triple(named, _sd("graph"), graph),
                *self._graph_triples(graph, stats[name]),
            ]
        return triples

    @staticmethod
    def _graph_triples(node: ox.BlankNode, counts: dict) -> list[ox.Triple]:
        triples = [ox.Triple(node, RDF_TYPE, _sd("Graph"))]
        for name in STAT_NAMES:
            triples.append(ox.Triple(node, _void(name), ox.Literal(str(counts[name]), datatype=_XSD_INTEGER)))
        return triples

    @property
    def _store(self) -> ox.Store:
        return self._get_store()

    def _statistics(self) -> dict:
        """{graph IRI, or None for the (union) default graph: {statistic: count}}."""
        with self._lock:
            if self._stats is None:
                self._stats = _keyed(store_statistics(self._store))
            return self._stats


def _keyed(statistics: dict) -> dict:
    return {(graph or None): counts for graph, counts in statistics.items()}


_XSD_INTEGER = ox.NamedNode(vocab.XSD + "integer")
