"""The SPARQL 1.1 Service Description of the endpoint, with VoID statistics of each graph.

Answered on GET /sparql without a query. The statistics are counted once per process, on the
first request that needs them (the dataset never changes while the server runs).
"""

from __future__ import annotations

import threading

import pyoxigraph as ox

from .. import vocab
from ..config import Config
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

_STATS = """
SELECT ?g (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?distinctSubjects)
       (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?distinctObjects)
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
"""
_CLASSES = "SELECT ?g (COUNT(DISTINCT ?c) AS ?classes) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g"
_STAT_NAMES = ("triples", "distinctSubjects", "properties", "distinctObjects", "classes")


def _sd(name: str) -> ox.NamedNode:
    return ox.NamedNode(SD + name)


def _void(name: str) -> ox.NamedNode:
    return ox.NamedNode(VOID + name)


class ServiceDescription:
    def __init__(self, store: ox.Store, config: Config):
        self._store = store
        self._config = config
        self._lock = threading.Lock()
        self._stats: dict | None = None

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
        for name in _STAT_NAMES:
            triples.append(ox.Triple(node, _void(name), ox.Literal(str(counts[name]), datatype=_XSD_INTEGER)))
        return triples

    def _statistics(self) -> dict:
        """{graph IRI, or None for the (union) default graph: {statistic: count}}."""
        with self._lock:
            if self._stats is None:
                self._stats = self._count_named_graphs()
                self._stats[None] = self._count_union()
            return self._stats

    def _count_named_graphs(self) -> dict:
        stats: dict = {g.value: dict.fromkeys(_STAT_NAMES, 0) for g in self._store.named_graphs()
                       if isinstance(g, ox.NamedNode)}
        for query in (_STATS, _CLASSES):
            for row in self._store.query(query):
                counts = stats.setdefault(row["g"].value, dict.fromkeys(_STAT_NAMES, 0))
                counts.update({name: int(row[name].value) for name in _STAT_NAMES if _bound(row, name)})
        return stats

    def _count_union(self) -> dict:
        counts = dict.fromkeys(_STAT_NAMES, 0)
        for query in (_STATS, _CLASSES):  # the same queries over the default graph the endpoint answers from
            query = query.replace("GRAPH ?g {", "{").replace("SELECT ?g", "SELECT").replace("GROUP BY ?g", "")
            for row in self._store.query(query, use_default_graph_as_union=True):
                counts.update({name: int(row[name].value) for name in _STAT_NAMES if _bound(row, name)})
        return counts


def _bound(row: ox.QuerySolution, name: str) -> bool:
    try:
        return row[name] is not None
    except (KeyError, IndexError):  # the variable is not in this query
        return False


_XSD_INTEGER = ox.NamedNode(vocab.XSD + "integer")
