"""Endpoint throughput: `kg serve` answering a simple SELECT vs a Flask "hello world" under `gunicorn -w 2`.

The reference is the issue's: a Flask hello world under `gunicorn -w 2` (default sync workers).
kg runs as `kg serve` does by default, every guard on (granian, evaluator processes, per-client
budgets, row and byte caps, time limit), twice: with its answer cache off (every request
evaluated in an evaluator process and serialized: the engine figure) and on (repeated requests
answered from the cache, X-Cache: hit). For before/after, kg also runs as it was before issue 15
(`--server gunicorn --engine embedded --workers 2 --threads 4`: gthread, evaluator threads).
All on this machine, loaded in alternating rounds by `wrk -t2 -c8` (Debian package `wrk`) with the
same duration. Prints req/s, p50 and p99 latency, the ratio to hello world, the CPU time of each
server's process tree per request (user + system, from /proc; what a shared machine hardly
changes, unlike req/s) and the load average as a Markdown table; paste it into bench/RESULTS.md
("## SPARQL endpoint") with the date. The machine may be shared: the load average of each round
is printed; compare ratios within a run.

wrk is one client: its rounds stay within kg's per-client budgets (8 queries at once, 60 s of
evaluation CPU time per 60 s) because cached answers cost nothing, a query's time counts only once
an evaluator runs it, and each kg target has a server (and budgets) of its own.

    python bench/bench_endpoint.py [--duration 10] [--rounds 3] [--connections 8] [--triples 10000] [--no-before]
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from attacks import tree_cpu  # noqa: E402
from bench_store import synthetic_ntriples  # noqa: E402

SIMPLE = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 10"
MEDIUM = "SELECT ?s ?name WHERE { ?s a <http://example.org/C3> ; <http://example.org/name> ?name } ORDER BY ?s LIMIT 100"


HELLO = """from flask import Flask

app = Flask("hello")


@app.route("/")
def hello():
    return "Hello, World!"
"""


def hello_command(folder: Path, port: int) -> list[str]:
    """Flask hello world under `gunicorn -w 2` (default sync workers), as the issue measures it."""
    (folder / "hello_app.py").write_text(HELLO)
    gunicorn = Path(sys.executable).with_name("gunicorn")
    return [str(gunicorn), "-w", "2", "-b", f"127.0.0.1:{port}", "--chdir", str(folder), "hello_app:app"]


def free_ports(count: int) -> list[int]:
    """Ports nobody listens on (fixed ones could be another benchmark's on a shared machine)."""
    sockets = [socket.socket() for _ in range(count)]
    for sock in sockets:
        sock.bind(("127.0.0.1", 0))
    ports = [sock.getsockname()[1] for sock in sockets]
    for sock in sockets:
        sock.close()
    return ports


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
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", url],
                         capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    wrk_cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    if "Non-2xx" in out:
        raise SystemExit(f"errors while loading {url}:\n{out}")
    return {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "requests": int(re.search(r"(\d+) requests in", out).group(1)),
            "wrk_cpu": wrk_cpu,
            "p50": _ms(re.search(r"50%\s+([\d.]+\w+)", out).group(1)),
            "p99": _ms(re.search(r"99%\s+([\d.]+\w+)", out).group(1))}


def alternating_rounds(targets: dict[str, tuple[str, int]], rounds: int, duration: int,
                       connections: int) -> dict[str, list[dict]]:
    """`rounds` wrk runs of every target (its URL and its server's pid), one target after the other in
    each round (the machine's load moves: each round sees every target under about the same load); each
    run with the 1-minute load average and the CPU time its server's whole process tree used per
    request answered (user + system, from /proc): unlike req/s, that hardly depends on what else the
    machine runs, so it predicts a quiet machine's throughput."""
    runs: dict[str, list[dict]] = {label: [] for label in targets}
    for _ in range(rounds):
        for label, (url, pid) in targets.items():
            before = tree_cpu(pid)
            result = wrk(url, duration, connections)
            cpu = tree_cpu(pid) - before
            runs[label].append({**result, "load": os.getloadavg()[0], "cpu_us": cpu / result["requests"] * 1e6,
                                "wrk_us": result["wrk_cpu"] / result["requests"] * 1e6})
    return runs


def median_rounds(runs: dict[str, list[dict]]) -> dict[str, dict]:
    """The median round of each target (by req/s), with the range of the load average and every round's req/s."""
    return {label: {**sorted(rs, key=lambda r: r["rps"])[len(rs) // 2],
                    "loads": (min(r["load"] for r in rs), max(r["load"] for r in rs)),
                    "all": [r["rps"] for r in rs],
                    "cpu_us": sorted(r["cpu_us"] for r in rs)[len(rs) // 2],
                    "wrk_us": sorted(r["wrk_us"] for r in rs)[len(rs) // 2]}
            for label, rs in runs.items()}


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(\w+)", value).groups()
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--triples", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    parser.add_argument("--no-before", action="store_true", help="leave out the pre-issue-15 server (quicker)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "synthetic.nt"
        data.write_bytes(synthetic_ntriples(args.triples))
        results = run_all(data, args, Path(tmp))
    table = report(results, args)
    print(table)


UNCACHED, CACHED = "uncached", "cached"


BEFORE = ["--server", "gunicorn", "--engine", "embedded", "--workers", "2", "--threads", "4"]


def run_all(data: Path, args, folder: Path) -> dict:
    """All servers up; rounds alternate between them so that background load hits all alike."""
    hello_port, kg_port, cached_port, medium_port, two_port, before_port, before_cached = free_ports(7)
    kg_command = [sys.executable, "-m", "kg.cli", "serve", "--data", str(data)]
    uncached = ["--response-cache-bytes", "0"]
    simple, medium = urlencode({"query": SIMPLE}), urlencode({"query": MEDIUM})
    # label: (port, command, path); each kg target has a server of its own, so that one target's
    # rounds do not spend the per-client budget (wrk is one client) another target's rounds get.
    plan = {
        "Flask hello world, gunicorn -w 2 (sync)": (hello_port, hello_command(folder, hello_port), "/"),
        f"kg simple SELECT LIMIT 10 (JSON), {UNCACHED}": (kg_port, [*kg_command, "--port", str(kg_port), *uncached],
                                                          f"/sparql?{simple}"),
        f"kg simple SELECT LIMIT 10 (JSON), {CACHED}": (cached_port, [*kg_command, "--port", str(cached_port)],
                                                        f"/sparql?{simple}"),
        f"kg SELECT 100 rows, ORDER BY (JSON), {UNCACHED}": (medium_port,
                                                             [*kg_command, "--port", str(medium_port), *uncached],
                                                             f"/sparql?{medium}"),
    }
    # Two front workers, one per CPU with their evaluators (kg.web.server pins them): each has half of
    # every per-client budget, and wrk's 8 connections do not split evenly between them, so the
    # per-client concurrency is doubled here (8 per worker, as one worker has by default): not the
    # default settings, shown for what the second front process and the pinning give.
    plan[f"kg simple SELECT LIMIT 10 (JSON), --workers 2 --client-concurrency 16, {UNCACHED}"] = (
        two_port, [*kg_command, "--port", str(two_port), *uncached, "--workers", "2", "--client-concurrency", "16"],
        f"/sparql?{simple}")
    if not args.no_before:
        plan |= {
            f"before: kg simple SELECT LIMIT 10, gunicorn gthread 2x4, {UNCACHED}":
                (before_port, [*kg_command, *BEFORE, "--port", str(before_port), *uncached], f"/sparql?{simple}"),
            f"before: kg simple SELECT LIMIT 10, gunicorn gthread 2x4, {CACHED}":
                (before_cached, [*kg_command, *BEFORE, "--port", str(before_cached)], f"/sparql?{simple}"),
        }
    servers, targets = [], {}
    try:
        for label, (port, command, path) in plan.items():
            server = start(command, port, "/" if path == "/" else "/sparql")
            servers.append(server)
            targets[label] = (f"http://127.0.0.1:{port}{path}", server.pid)
        for label, (url, _) in targets.items():
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
    hello = results["Flask hello world, gunicorn -w 2 (sync)"]["rps"]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"Machine: {platform.machine()}, {cpus} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}. kg: `kg serve` defaults, every guard on ({config.server}, "
        f"{config.workers} front worker, {config.evaluators} evaluator processes at most, per-client budgets, "
        f"time limit {config.timeout:g} s, row cap {config.max_rows}); "
        f"wrk -t2 -c{args.connections} -d{args.duration}s --latency on the same machine, {args.rounds} alternating "
        f"rounds, median round shown; "
        f"{args.triples:,} synthetic triples; run on {time.strftime('%Y-%m-%d %H:%M')}. "
        "\"uncached\": answer cache off (every request parsed, evaluated and serialized); "
        "\"cached\": the same query repeated, answered from the per-worker cache (X-Cache: hit).",
        "",
        "\"CPU µs/req\": CPU time (user + system) of the server's whole process tree per request, median "
        "round; \"CPU vs hello\": hello world's CPU per request over this one's; \"quiet-machine estimate\": "
        "the same with wrk's own CPU per request added to each side (on a quiet 2-core machine the two "
        "cores are the bound, shared by the server and wrk).",
        "",
        "| server / request | req/s | p50 ms | p99 ms | vs hello world | CPU µs/req | CPU vs hello | wrk µs/req "
        "| quiet-machine estimate | load avg (1 min) | req/s of each round |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|",
    ]
    hello_cpu = results["Flask hello world, gunicorn -w 2 (sync)"]["cpu_us"]
    hello_all = hello_cpu + results["Flask hello world, gunicorn -w 2 (sync)"]["wrk_us"]
    for label, r in results.items():
        low, high = r["loads"]
        rounds = ", ".join(f"{rps:,.0f}" for rps in r["all"])
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['rps'] / hello:.2f} "
                     f"| {r['cpu_us']:.0f} | {hello_cpu / r['cpu_us']:.2f} | {r['wrk_us']:.0f} "
                     f"| {hello_all / (r['cpu_us'] + r['wrk_us']):.2f} | {low:.1f}–{high:.1f} | {rounds} |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
