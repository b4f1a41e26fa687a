"""Endpoint throughput: `kg serve` answering a simple SELECT vs a Flask "hello world", served the same way.

All servers run under the same gunicorn setup (kg.web.server.GunicornServer with gunicorn_options:
gthread, same workers and threads, same CPU pinning), on this machine, loaded in alternating
rounds by `wrk` (Debian package `wrk`) with the same connections and duration. kg runs twice:
with its answer cache off (every request evaluated and serialized: the engine figure) and on
(repeated requests answered from the per-worker cache, X-Cache: hit). Prints req/s, p50 and
p99 latency, the ratio to hello world and the load average as a Markdown table; paste it into
bench/RESULTS.md ("## SPARQL endpoint") with the date and what changed.

    python bench/bench_endpoint.py [--duration 10] [--rounds 3] [--connections 8] [--triples 10000]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_store import synthetic_ntriples  # noqa: E402

SIMPLE = "SELECT ?o WHERE { <http://example.org/e42> <http://example.org/name> ?o }"
MEDIUM = "SELECT ?s ?name WHERE { ?s a <http://example.org/C3> ; <http://example.org/name> ?name } ORDER BY ?s LIMIT 100"


def serve_hello(port: int) -> None:
    """Run in a child process: Flask hello world under the same gunicorn setup as kg serve."""
    from flask import Flask

    from kg.config import from_env
    from kg.web.server import GunicornServer, gunicorn_options

    app = Flask("hello")
    app.add_url_rule("/", "hello", lambda: "Hello, World!")
    GunicornServer(app, gunicorn_options(from_env(port=port))).run()


def start(command: list[str], port: int, path: str) -> subprocess.Popen:
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"server did not start: {command}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    process.wait(timeout=20)


def cache_headers(url: str) -> set[str | None]:
    """X-Cache of repeated identical requests: tells which kg server answers from its cache.
    Several requests, on new connections: each worker has its own cache and either may answer."""
    parts = urlsplit(url)
    seen = set()
    for _ in range(8):
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
        connection.request("GET", f"{parts.path}?{parts.query}")
        response = connection.getresponse()
        response.read()
        seen.add(response.getheader("X-Cache"))
    return seen


def wrk(url: str, duration: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"errors while loading {url}:\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))}


def alternating_rounds(targets: dict[str, str], rounds: int, duration: int, connections: int) -> dict[str, list[dict]]:
    """`rounds` wrk runs of every target, one target after the other in each round (the machine's load moves:
    each round sees every target under about the same load); each run with the 1-minute load average."""
    runs: dict[str, list[dict]] = {label: [] for label in targets}
    for _ in range(rounds):
        for label, url in targets.items():
            runs[label].append({**wrk(url, duration, connections), "load": os.getloadavg()[0]})
    return runs


def median_rounds(runs: dict[str, list[dict]]) -> dict[str, dict]:
    """The median round of each target (by req/s), with the range of the load average and every round's req/s."""
    return {label: {**sorted(rs, key=lambda r: r["rps"])[len(rs) // 2],
                    "loads": (min(r["load"] for r in rs), max(r["load"] for r in rs)),
                    "all": [r["rps"] for r in rs]}
            for label, rs in runs.items()}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-hello":
        return serve_hello(int(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "synthetic.nt"
        data.write_bytes(synthetic_ntriples(args.triples))
        results = run_all(data, args)
    table = report(results, args)
    print(table)


UNCACHED, CACHED = "uncached", "cached"


def run_all(data: Path, args) -> dict:
    """All servers up; rounds alternate between them so that background load hits all alike."""
    hello_port, kg_port, cached_port = 18931, 18932, 18933
    kg_command = [sys.executable, "-m", "kg.cli", "serve", "--data", str(data)]
    servers = [
        start([sys.executable, __file__, "--serve-hello", str(hello_port)], hello_port, "/"),
        start([*kg_command, "--port", str(kg_port), "--response-cache-bytes", "0"], kg_port, "/sparql"),
        start([*kg_command, "--port", str(cached_port)], cached_port, "/sparql"),
    ]
    simple, medium = urlencode({"query": SIMPLE}), urlencode({"query": MEDIUM})
    targets = {
        "Flask hello world": f"http://127.0.0.1:{hello_port}/",
        f"kg simple SELECT (JSON), {UNCACHED}": f"http://127.0.0.1:{kg_port}/sparql?{simple}",
        f"kg simple SELECT (JSON), {CACHED}": f"http://127.0.0.1:{cached_port}/sparql?{simple}",
        f"kg SELECT 100 rows, ORDER BY (JSON), {UNCACHED}": f"http://127.0.0.1:{kg_port}/sparql?{medium}",
    }
    try:
        for label, url in targets.items():
            check_cache_label(label, url)
            wrk(url, 2, args.connections)  # warm-up
        runs = alternating_rounds(targets, args.rounds, args.duration, args.connections)
    finally:
        for server in servers:
            stop(server)
    return median_rounds(runs)


def check_cache_label(label: str, url: str) -> None:
    """The labels must tell the truth: the uncached server never says hit, the cached one does."""
    if label.endswith(f", {UNCACHED}") and cache_headers(url) != {None}:
        raise SystemExit(f"{label}: the answer cache is not off")
    if label.endswith(f", {CACHED}") and "hit" not in cache_headers(url):
        raise SystemExit(f"{label}: repeated requests are not answered from the cache")


def report(results: dict, args) -> str:
    from kg.config import Config

    config = Config()
    hello = results["Flask hello world"]["rps"]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"Machine: {platform.machine()}, {cpus} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}. gunicorn gthread, {config.workers} workers x {config.threads} threads, "
        f"one CPU per worker, keep-alive; "
        f"wrk -t2 -c{args.connections} -d{args.duration}s --latency on the same machine, {args.rounds} alternating "
        f"rounds, median round shown; "
        f"{args.triples:,} synthetic triples; run on {time.strftime('%Y-%m-%d %H:%M')}. "
        "\"uncached\": answer cache off (every request parsed, evaluated and serialized); "
        "\"cached\": the same query repeated, answered from the per-worker cache (X-Cache: hit).",
        "",
        "| server / request | req/s | p50 ms | p99 ms | vs hello world | load avg (1 min) | req/s of each round |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for label, r in results.items():
        low, high = r["loads"]
        rounds = ", ".join(f"{rps:,.0f}" for rps in r["all"])
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['rps'] / hello:.2f} "
                     f"| {low:.1f}–{high:.1f} | {rounds} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
