"""Reconciliation service (/reconcile): time per batch, in process, against a simple SPARQL query.

Builds into a temporary folder (never ./build), creates the app, and times through the Flask test
client, interleaved in one run so the machine's load weighs alike on every row:

- a simple SPARQL SELECT (the reference),
- the manifest,
- a batch of 10 names as OpenRefine sends them (type Person, type_strict should),
- a batch of 100 such names,
- a hostile batch of 100 queries of 40 misspelt words each (the worst case the bounds allow),
- a data extension of 10 ids with QID, events and claim counts.

Prints median and 90th percentile per request, the ratio to the SPARQL reference, and the load.
`python bench/bench_reconcile.py [--rounds N]`
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import string
import tempfile
import time
from pathlib import Path

from kg.build import build
from kg.config import from_env
from kg.web import create_app

NAMES = ["Flynn, Michael", "Sergei Kisliak", "Jared Kushner (advisor)", "SALLY YATES", "James Comey", "Trump",
         "James Dodson", "Vladimir Putin", "FBI", "Reuters"]
WORDS = ["trump", "donald", "sergey", "kislyak", "flynn", "investigation", "russian", "officials", "comey",
         "meeting", "campaign", "team"]


def batch(names) -> dict:
    return {f"q{i}": {"query": n, "type": "Person", "type_strict": "should"} for i, n in enumerate(names)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="kg-bench-reconcile-"))
    try:
        config = from_env(environ={}, build_dir=folder / "build")
        build(config)
        client = create_app(config).test_client()
        rng = random.Random(1)
        hostile = {f"q{i}": {"query": " ".join(rng.choice(WORDS) + rng.choice(string.ascii_lowercase)
                                               for _ in range(40)), "limit": 100} for i in range(100)}
        ids = ["person/michael-flynn", "person/james-comey", "person/donald-trump", "person/jared-kushner",
               "person/sally-yates", "person/sergey-kislyak", "person/sergey-lavrov", "org/fbi", "org/reuters",
               "person/james-dodson"]
        extend = {"ids": ids, "properties": [{"id": "qid"}, {"id": "events"}, {"id": "claims_total"},
                                             {"id": "event_claims_alleged"}]}
        cases = {
            "SPARQL simple SELECT (reference)": lambda: client.get(
                "/sparql", query_string={"query": "SELECT ?s WHERE { ?s a <http://127.0.0.1:8000/ontology#Person> } LIMIT 1"},
                headers={"Accept": "application/sparql-results+json"}),
            "manifest": lambda: client.get("/reconcile"),
            "batch of 10 names": lambda: client.post("/reconcile", data={"queries": json.dumps(batch(NAMES))}),
            "batch of 100 names": lambda: client.post("/reconcile", data={"queries": json.dumps(batch(NAMES * 10))}),
            "hostile batch of 100 (40 words each)": lambda: client.post("/reconcile",
                                                                         data={"queries": json.dumps(hostile)}),
            "extension of 10 ids": lambda: client.post("/reconcile", data={"extend": json.dumps(extend)}),
        }
        times = {name: [] for name in cases}
        loads = []
        for _ in range(args.rounds):
            for name, call in cases.items():  # interleaved: each round runs every case once
                started = time.perf_counter()
                response = call()
                times[name].append(time.perf_counter() - started)
                assert response.status_code == 200, (name, response.status_code)
            loads.append(os.getloadavg()[0])
        reference = statistics.median(times["SPARQL simple SELECT (reference)"])
        print(f"{args.rounds} rounds, in process (Flask test client), load average (1 min) "
              f"{min(loads):.1f}-{max(loads):.1f}, {os.cpu_count()} CPUs")
        print("| request | median ms | p90 ms | vs SPARQL simple SELECT |")
        print("|---|---:|---:|---:|")
        for name, values in times.items():
            values.sort()
            median = statistics.median(values)
            p90 = values[int(0.9 * (len(values) - 1))]
            print(f"| {name} | {median * 1000:.1f} | {p90 * 1000:.1f} | {median / reference:.1f}x |")
        return 0
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    raise SystemExit(main())
