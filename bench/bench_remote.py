"""Publish time and named-query latency: the embedded engine against real SPARQL stores.

Starts an Oxigraph server and Virtuoso on loopback (as the tests do, tests/stores.py), then for
the real graph (build/dataset.nq: run `kg build` first) and a synthetic one of about SIZE triples:

- publish: `kg publish`'s own code (kg.publish.publish: chunked GSP upload, count check, switch)
  to each store; for the embedded engine, the load into pyoxigraph that `kg serve` does;
- query: every named query of queries/ (the federation-* ones call SERVICE and are refused),
  evaluated through each engine's QueryEngine.evaluate (JSON, row cap 10,000, limit 120 s),
  median of --runs, the engines interleaved run by run.

The synthetic graph is the real one copied over and over with its instance IRIs renamed
(`/person/x` -> `/person/x-c17`; ontology, schemes and graph names kept), so the named queries
do the same joins on ~150x the data. (bench/gen.py of issue 12 was not on main when this was
written; this keeps the data kg-shaped without it.)

    python bench/bench_remote.py [--size 1000000] [--runs 3] [--no-real]
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import stores  # noqa: E402  (tests/stores.py: starts the stores)

from kg.config import DataFile, from_env  # noqa: E402
from kg.publish import LocalGraph, publish  # noqa: E402
from kg.query import named_queries  # noqa: E402
from kg.query_engine import DatasetDescription, EmbeddedEngine, Limits, QueryJob  # noqa: E402
from kg.remote_engine import StoreEngine  # noqa: E402
from kg.remote_store import StoreClient, endpoints  # noqa: E402
from kg.store import load_store  # noqa: E402
from kg.web.protocol_formats import negotiate  # noqa: E402

KEEP = ("ontology", "status/", "precision/", "graph/")


def real_quads(config) -> list[ox.Quad]:
    if not config.dataset_path.exists():
        sys.exit("bench_remote: no build/dataset.nq: run `kg build` first")
    return list(load_store([DataFile(config.dataset_path)]))


def synthetic_quads(quads: list[ox.Quad], size: int, base: str) -> list[ox.Quad]:
    ontology = [q for q in quads if q.graph_name.value.endswith("/graph/ontology")]
    instance = [q for q in quads if q not in set(ontology)]
    copies = max(1, round((size - len(ontology)) / len(instance)))
    pattern = re.compile(re.escape(base) + r"(?!" + "|".join(re.escape(k) for k in KEEP) + r")([^#]+)")

    def rename(term, n):
        if isinstance(term, ox.NamedNode) and term.value.startswith(base):
            return ox.NamedNode(pattern.sub(lambda m: f"{base}{m.group(1)}-c{n}", term.value, count=1))
        if isinstance(term, ox.BlankNode):
            return ox.BlankNode(f"{term.value}c{n}")
        return term

    out = list(ontology)
    for n in range(copies):
        out += [ox.Quad(rename(q.subject, n), q.predicate, rename(q.object, n), q.graph_name) for q in instance]
    return out


def local_graphs(quads: list[ox.Quad]) -> list[LocalGraph]:
    grouped = defaultdict(set)
    for quad in quads:
        grouped[quad.graph_name.value].add(quad.triple)
    return [LocalGraph(name, list(triples), len(triples)) for name, triples in grouped.items()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-real", dest="real", action="store_false", help="only the synthetic graph")
    args = parser.parse_args()
    config = from_env(environ={})
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-remote-"))
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average at start {os.getloadavg()[0]:.1f}")
    started = []
    try:
        started.append(stores.start_oxigraph(folder))
        started.append(stores.start_virtuoso(folder))
        run(config, started, args)
    finally:
        for store in started:
            store.stop()
    print(f"load average at end {os.getloadavg()[0]:.1f}")


def run(config, started, args) -> None:
    real = real_quads(config)
    datasets = [("real graph", real)] if args.real else []
    datasets.append((f"synthetic ({args.size:,} aimed)", synthetic_quads(real, args.size, config.base)))
    fmt = negotiate("results", "application/sparql-results+json", [])
    queries = [q for q in named_queries(config) if not q.name.startswith("federation")]
    for title, quads in datasets:
        graphs = local_graphs(quads)
        total = sum(g.expected for g in graphs)
        print(f"\n### {title}: {total:,} triples\n")
        engines, publish_s = {}, {}
        t = time.perf_counter()
        store = load_store([])
        store.bulk_extend(quads)
        publish_s["embedded (load into pyoxigraph)"] = time.perf_counter() - t
        engines["embedded (load into pyoxigraph)"] = EmbeddedEngine(store)
        for running in started:
            client = StoreClient(endpoints(running.kind, running.query_url, user=running.user, environ=running.env),
                                 timeout=600)
            print(f"  publishing {total:,} triples to {running.kind}...", file=sys.stderr, flush=True)
            t = time.perf_counter()
            publish(client, config, graphs, grace=0.0)
            publish_s[running.kind] = time.perf_counter() - t
            print(f"  {running.kind}: published in {publish_s[running.kind]:.1f} s (load average "
                  f"{os.getloadavg()[0]:.1f})", file=sys.stderr, flush=True)
            engines[running.kind] = StoreEngine(client, config.base)
        times: dict = defaultdict(lambda: defaultdict(list))
        failed: dict = {}
        rows: dict = {}
        for run_index in range(args.runs):
            print(f"  queries, run {run_index + 1}/{args.runs}...", file=sys.stderr, flush=True)
            for query in queries:
                job = QueryJob(query.text_for(config), DatasetDescription(), config.base + "sparql", fmt,
                               Limits(120, 10_000, 50_000_000))
                for name, engine in engines.items():
                    t = time.perf_counter()
                    try:
                        result = engine.evaluate(job)
                    except Exception as exc:  # a store that fails a query: say so, go on
                        failed[(query.name, name)] = f"{type(exc).__name__}: {str(exc)[:160]}"
                        print(f"  {name} failed on {query.name}: {failed[(query.name, name)]}", file=sys.stderr,
                              flush=True)
                        continue
                    times[query.name][name].append(time.perf_counter() - t)
                    rows[(query.name, name)] = (result.body.count(b'{"') - 1, result.truncated)
        names = list(engines)
        print("| | " + " | ".join(names) + " |")
        print("|---|" + "---:|" * len(names))
        print("| publish (s) | " + " | ".join(f"{publish_s[n]:.2f}" for n in names) + " |")
        for query in queries:
            reference = statistics.median(times[query.name][names[0]] or [float("nan")])
            cells = []
            for name in names:
                if not times[query.name][name]:
                    cells.append("failed")
                    continue
                median = statistics.median(times[query.name][name])
                cut = " (cut)" if rows[(query.name, name)][1] else ""
                ratio = "" if name == names[0] else f" ({median / reference:.1f}x)"
                cells.append(f"{median * 1000:.1f} ms{ratio}{cut}")
            print(f"| {query.name} | " + " | ".join(cells) + " |")
        for (query_name, name), why in failed.items():
            print(f"\n{name} failed on {query_name}: {why}")


if __name__ == "__main__":
    main()
