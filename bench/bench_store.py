"""Query engines compared: pyoxigraph's in-memory Store against rdflib's in-memory Graph.

Loads the real graph (build/dataset.nq, or the ontology files while no build exists) and
synthetic graphs of 10k-1M triples into both, runs the same queries on each, checks that both
engines give the same answers, and prints load and median query times as a Markdown table.

    python bench/bench_store.py [--sizes 10000,100000,1000000] [--rdflib-max 100000]

rdflib above --rdflib-max is skipped: it needs minutes and gigabytes at 1M triples.
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import time
from pathlib import Path

import pyoxigraph as ox
import rdflib

ROOT = Path(__file__).resolve().parents[1]
EX = "http://example.org/"
SYNTHETIC_QUERIES = {
    "lookup": f"SELECT ?p ?o WHERE {{ <{EX}e42> ?p ?o }}",
    "join": f"SELECT ?s ?name WHERE {{ ?s a <{EX}C3> ; <{EX}name> ?name ; <{EX}age> ?age FILTER(?age > 60) }}",
    "count by class": f"SELECT ?c (COUNT(?s) AS ?n) WHERE {{ ?s a ?c }} GROUP BY ?c",
    "two hops, ordered": f"""SELECT ?a ?c WHERE {{ ?a <{EX}knows> ?b . ?b <{EX}knows> ?c . ?c <{EX}age> 33 }}
                              ORDER BY ?a ?c LIMIT 50""",
}
REAL_QUERIES = {
    "count by class": "SELECT ?c (COUNT(?s) AS ?n) WHERE { ?s a ?c } GROUP BY ?c",
    "labels, ordered": """SELECT ?s ?l WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?l }
                          ORDER BY ?s ?l""",
    "all triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
}


def synthetic_ntriples(size: int, seed: int = 7) -> bytes:
    """About `size` triples: entities with a class, a name, an age and two `knows` links."""
    rng = random.Random(seed)
    entities = size // 5
    lines = []
    for i in range(entities):
        s = f"<{EX}e{i}>"
        lines.append(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <{EX}C{i % 10}> .")
        lines.append(f'{s} <{EX}name> "entity {i}" .')
        lines.append(f'{s} <{EX}age> "{rng.randrange(18, 90)}"^^<http://www.w3.org/2001/XMLSchema#integer> .')
        for _ in range(2):
            lines.append(f"{s} <{EX}knows> <{EX}e{rng.randrange(entities)}> .")
    return ("\n".join(lines) + "\n").encode()


def real_graph() -> tuple[str, bytes, str]:
    dataset = ROOT / "build" / "dataset.nq"
    if dataset.exists():
        return "real graph (build/dataset.nq)", dataset.read_bytes(), "nquads"
    files = sorted((ROOT / "ontology").glob("*.ttl"))
    graph = rdflib.Graph()
    for path in files:
        graph.parse(path)
    return "real graph (ontology/*.ttl; no build yet)", graph.serialize(format="nt", encoding="utf-8"), "nt"


# --- the two engines -----------------------------------------------------------------------------
def load_oxigraph(data: bytes, fmt: str) -> ox.Store:
    store = ox.Store()
    store.bulk_load(data, ox.RdfFormat.N_QUADS if fmt == "nquads" else ox.RdfFormat.N_TRIPLES)
    return store


def load_rdflib(data: bytes, fmt: str):
    graph = rdflib.Dataset(default_union=True) if fmt == "nquads" else rdflib.Graph()
    graph.parse(data=data, format=fmt)
    return graph


def rows_oxigraph(store: ox.Store, query: str) -> list[tuple]:
    return [tuple(_ox_text(t) for t in row) for row in store.query(query, use_default_graph_as_union=True)]


def rows_rdflib(graph, query: str) -> list[tuple]:
    return [tuple(_rdflib_text(t) for t in row) for row in graph.query(query)]


def _ox_text(term) -> str:
    return "" if term is None else term.value


def _rdflib_text(term) -> str:
    return "" if term is None else str(term)


def timed(function, *args, min_total: float = 0.3, max_runs: int = 20) -> tuple[float, object]:
    """Median seconds over repeated runs (at least 3, until min_total s or max_runs)."""
    times, result, started = [], None, time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - started < min_total and len(times) < max_runs):
        t0 = time.perf_counter()
        result = function(*args)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def compare(label: str, data: bytes, fmt: str, queries: dict, with_rdflib: bool) -> list[str]:
    lines = []
    t_ox, store = timed(load_oxigraph, data, fmt, min_total=0, max_runs=1)
    t_rl, graph = timed(load_rdflib, data, fmt, min_total=0, max_runs=1) if with_rdflib else (None, None)
    lines.append(_row(label, "load", t_ox, t_rl, None))
    for name, query in queries.items():
        q_ox, ox_rows = timed(rows_oxigraph, store, query)
        q_rl, same = None, None
        if with_rdflib:
            q_rl, rl_rows = timed(rows_rdflib, graph, query, max_runs=5)
            same = sorted(ox_rows) == sorted(rl_rows) if "ORDER BY" not in query else ox_rows == rl_rows
        lines.append(_row(label, f"{name} ({len(ox_rows)} rows)", q_ox, q_rl, same))
    return lines


def _row(label, what, t_ox, t_rl, same) -> str:
    ms = lambda t: "—" if t is None else f"{t * 1000:.2f}"  # noqa: E731
    ratio = "—" if t_rl is None else f"{t_rl / t_ox:.1f}×"
    agree = {None: "—", True: "yes", False: "**NO**"}[same]
    return f"| {label} | {what} | {ms(t_ox)} | {ms(t_rl)} | {ratio} | {agree} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--rdflib-max", type=int, default=100_000)
    args = parser.parse_args()
    print(f"Machine: {platform.machine()}, {_cpus()} CPUs, Python {platform.python_version()}, "
          f"pyoxigraph {ox.__version__}, rdflib {rdflib.__version__}\n")
    print("| graph | operation | pyoxigraph ms | rdflib ms | rdflib/pyoxigraph | same answers |")
    print("|---|---|---:|---:|---:|---|")
    label, data, fmt = real_graph()
    for line in compare(label, data, fmt, REAL_QUERIES, with_rdflib=True):
        print(line, flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        for line in compare(f"synthetic {size:,}", synthetic_ntriples(size), "nt", SYNTHETIC_QUERIES,
                            with_rdflib=size <= args.rdflib_max):
            print(line, flush=True)


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


if __name__ == "__main__":
    main()
