"""The endpoint in process: `app(environ, start_response)` per request, this tree against another checkout.

No server, no sockets: each request is one call of the WSGI app `create_app` builds, with a
prebuilt environ, so what is timed is kg's own code (routing, checks, negotiation, evaluation,
serialization, headers). The trees run in alternating child processes (this one, then the
other, N times) so that background load hits both alike; the minimum per request of each
round is kept, and the table gives the ratio other/this. Use it to see that a refactor is no
slower:

    git worktree add /tmp/kg-before REV
    python bench/bench_inprocess.py --other /tmp/kg-before [--rounds 5] [--requests 2000]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_store import synthetic_ntriples  # noqa: E402

REQUESTS = {
    "simple SELECT, cache off": ("SELECT ?o WHERE { <http://example.org/e42> <http://example.org/name> ?o }", 0),
    "SELECT 100 rows, ORDER BY, cache off": (
        "SELECT ?s ?name WHERE { ?s a <http://example.org/C3> ; <http://example.org/name> ?name } "
        "ORDER BY ?s LIMIT 100", 0),
    "simple SELECT, cache hit": ("SELECT ?o WHERE { <http://example.org/e42> <http://example.org/name> ?o }",
                                 32_000_000),
}


def measure(data: Path, requests: int) -> dict[str, float]:
    """Run in a child: µs per request, the best of 3 batches, for each request kind."""
    from kg.config import DataFile, from_env
    from kg.web import create_app

    results = {}
    for label, (query, cache) in REQUESTS.items():
        app = create_app(from_env(environ={}, data_files=(DataFile(data),), response_cache_bytes=cache))
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/sparql", "QUERY_STRING": urlencode({"query": query}),
                   "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "HTTP_HOST": "127.0.0.1:8000",
                   "HTTP_ACCEPT": "application/sparql-results+json", "wsgi.url_scheme": "http"}
        results[label] = _best(app, environ, requests)
    return results


def _best(app, environ: dict, requests: int) -> float:
    def start_response(status, headers, exc_info=None):
        assert status.startswith("200"), status

    best = float("inf")
    for _ in range(3):
        started = time.perf_counter()
        for _ in range(requests):
            body = app(dict(environ), start_response)
            b"".join(body)
            getattr(body, "close", lambda: None)()
        best = min(best, (time.perf_counter() - started) / requests * 1e6)
    return best


def child(tree: Path, data: Path, requests: int) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(tree / "src")}
    out = subprocess.run([sys.executable, __file__, "--child", str(data), str(requests)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out)


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(measure(Path(sys.argv[2]), int(sys.argv[3]))))
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--other", type=Path, required=True, help="the other checkout (its src/ is used)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=2000)
    args = parser.parse_args()
    this = HERE.parent
    runs: dict[str, list[dict]] = {"this": [], "other": []}
    loads = []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "synthetic.nt"
        data.write_bytes(synthetic_ntriples(10_000))
        for _ in range(args.rounds):
            for side, tree in (("other", args.other), ("this", this)):
                loads.append(os.getloadavg()[0])
                runs[side].append(child(tree, data, args.requests))
    print(f"In process, {args.rounds} alternating rounds of 3 x {args.requests:,} requests per kind, best batch "
          f"of each round, then the minimum over rounds; 10,000 synthetic triples; load average (1 min) "
          f"{min(loads):.1f}–{max(loads):.1f}; this = {this}, other = {args.other.resolve()}; "
          f"run on {time.strftime('%Y-%m-%d %H:%M')}.")
    print()
    print("| request | other µs | this µs | this / other | this, each round (µs) |")
    print("|---|---:|---:|---:|---|")
    for label in REQUESTS:
        other = min(r[label] for r in runs["other"])
        mine = min(r[label] for r in runs["this"])
        rounds = ", ".join(f"{r[label]:.0f}" for r in runs["this"])
        print(f"| {label} | {other:.1f} | {mine:.1f} | {mine / other:.2f} | {rounds} |")


if __name__ == "__main__":
    main()
