"""The embedded query store: RDF files loaded into an in-memory pyoxigraph Store.

pyoxigraph is the query engine (measured ~5x faster than rdflib's in-memory store on this
graph's queries, see bench/); rdflib stays the tool for building, validating and inferring.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox

from .config import Config, DataFile
from .errors import KgError

# File suffix -> pyoxigraph format. Triples formats go to the default graph (or FILE@IRI's graph).
FORMATS = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".rdf": ox.RdfFormat.RDF_XML,
    ".owl": ox.RdfFormat.RDF_XML,
    ".xml": ox.RdfFormat.RDF_XML,
    ".trig": ox.RdfFormat.TRIG,
    ".nq": ox.RdfFormat.N_QUADS,
    ".jsonld": ox.RdfFormat.JSON_LD,
}
QUAD_FORMATS = {ox.RdfFormat.TRIG, ox.RdfFormat.N_QUADS}


def rdf_format(path: Path) -> ox.RdfFormat:
    try:
        return FORMATS[path.suffix.lower()]
    except KeyError:
        known = ", ".join(sorted(FORMATS))
        raise KgError(f"unknown RDF file type {path.suffix!r} (known: {known})", str(path)) from None


def load_store(files: list[DataFile] | tuple[DataFile, ...]) -> ox.Store:
    """Load every file into one in-memory store; a bad file raises KgError with file and line."""
    store = ox.Store()
    for data_file in files:
        load_file(store, data_file)
    return store


def write_store(path: Path, dataset: Path) -> int:
    """Bulk-load the N-Quads dataset into a new on-disk store at `path`; return its quad count.

    The dataset is the build's own file, written by pyoxigraph from terms it checked when they were
    made, so it is loaded without checking every IRI again (`lenient`: ~20% less CPU at a million
    triples). The store is closed when this returns (its handle dropped), so the folder can be moved."""
    store = ox.Store(str(path))
    try:
        store.bulk_load(path=str(dataset), format=ox.RdfFormat.N_QUADS, lenient=True)
        store.flush()
        store.optimize()
        return len(store)
    finally:
        del store


def open_store(path: Path) -> ox.Store:
    """Open a built on-disk store read-only (many processes may; the data stays in the page cache)."""
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise KgError(f"cannot open the build's store: {exc}", str(path)) from None
    except RuntimeError as exc:  # RocksDB: "Corruption: Sst file size mismatch ...", a file missing
        reason = str(exc).splitlines()[0] if str(exc) else "unreadable"
        raise KgError(f"damaged build: its store cannot be opened ({reason}); run `kg build` again",
                      str(path)) from None


#: The VoID statistics of each graph (and of the union default graph) in the service description.
STAT_NAMES = ("triples", "distinctSubjects", "properties", "distinctObjects", "classes")
_STATS = """
SELECT ?g (COUNT(*) AS ?triples) (COUNT(DISTINCT ?s) AS ?distinctSubjects)
       (COUNT(DISTINCT ?p) AS ?properties) (COUNT(DISTINCT ?o) AS ?distinctObjects)
WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g
"""
_CLASSES = "SELECT ?g (COUNT(DISTINCT ?c) AS ?classes) WHERE { GRAPH ?g { ?s a ?c } } GROUP BY ?g"


def store_statistics(store: ox.Store) -> dict[str, dict[str, int]]:
    """{named graph IRI, or "" for the union default graph: {statistic: count}}: whole-store counts,
    made once by `kg build` (statistics.json) or once per process for --data files."""
    stats: dict = {g.value: dict.fromkeys(STAT_NAMES, 0) for g in store.named_graphs()
                   if isinstance(g, ox.NamedNode)}
    for query in (_STATS, _CLASSES):
        for row in store.query(query):
            counts = stats.setdefault(row["g"].value, dict.fromkeys(STAT_NAMES, 0))
            counts.update({name: int(row[name].value) for name in STAT_NAMES if _bound(row, name)})
    union = dict.fromkeys(STAT_NAMES, 0)
    for query in (_STATS, _CLASSES):  # the same queries over the default graph the endpoint answers from
        query = query.replace("GRAPH ?g {", "{").replace("SELECT ?g", "SELECT").replace("GROUP BY ?g", "")
        for row in store.query(query, use_default_graph_as_union=True):
            union.update({name: int(row[name].value) for name in STAT_NAMES if _bound(row, name)})
    stats[""] = union
    return stats


def _bound(row: ox.QuerySolution, name: str) -> bool:
    try:
        return row[name] is not None
    except (KeyError, IndexError):  # the variable is not in this query
        return False


def load_built(config: Config) -> ox.Store:
    """The store of the built dataset, or a KgError saying to build first."""
    if not config.dataset_path.exists():
        raise KgError("no built dataset here: run `kg build` first", str(config.dataset_path))
    return load_store([DataFile(config.dataset_path)])


def load_file(store: ox.Store, data_file: DataFile) -> None:
    path = Path(data_file.path)
    fmt = rdf_format(path)
    if data_file.graph and fmt in QUAD_FORMATS:
        raise KgError("FILE@IRI is for triple files; TriG and N-Quads name their own graphs", str(path))
    try:
        to_graph = ox.NamedNode(data_file.graph) if data_file.graph else None
    except ValueError as exc:
        raise KgError(f"graph {data_file.graph!r} after '@' is not an absolute IRI: {exc}", str(path)) from None
    try:
        with path.open("rb") as handle:
            store.bulk_load(handle, fmt, base_iri=path.resolve().as_uri(), to_graph=to_graph)
    except FileNotFoundError:
        raise KgError("no such file", str(path)) from None
    except IsADirectoryError:
        raise KgError("is a directory, not an RDF file", str(path)) from None
    except OSError as exc:  # unreadable (permissions), an I/O error
        raise KgError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    except SyntaxError as exc:
        raise KgError(f"not valid {fmt.name}: {exc}", str(path), _line_of(exc)) from None
    except ValueError as exc:
        raise KgError(str(exc), str(path)) from None


def _line_of(exc: SyntaxError) -> int | None:
    if getattr(exc, "lineno", None):
        return exc.lineno
    match = re.search(r"line (\d+)|at (\d+):", str(exc))
    return int(match.group(1) or match.group(2)) if match else None
