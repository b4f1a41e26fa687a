"""Hostile clients against `kg serve` and, where installed, the Oxigraph server, side by side (issue 15).

Each attack of bench/attacks.py runs alone for --seconds while a probe from another loopback
address asks a cheap uncached `ASK { <new IRI> ?p ?o }` every 0.2 s; the table gives the probe's
p50 / p99 / max latency, failures, and how long after the attack it was normal again. Then the
single hostile requests: memory (peak and after, resident memory of the whole server process tree),
answer size, status. Loopback only, bounded in connections and time. `oxigraph` comes from
`pip install oxigraph` (its `oxigraph serve-read-only`); without it only kg is measured.

    python bench/bench_attack.py [--seconds 8] [--no-oxigraph]
"""

from __future__ import annotations

import argparse
import http.client
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from attacks import (MEMORY_HOG, ONE_CLIENT, Endpoint, Idle, Runaway, Slowloris, SlowReaders, tree_rss,  # noqa: E402
                     many_clients, measure)
from bench_endpoint import free_ports  # noqa: E402

BIG = 32 * 1024
QUERIES = {
    "cross join ORDER BY, LIMIT 1": MEMORY_HOG,
    "CONSTRUCT of 10,000 x 32 KB literals, six times":
        "CONSTRUCT { ?s <http://e/big> ?big } WHERE { ?s ?p ?o . <http://e/big> <http://e/text> ?big }",
    "GROUP_CONCAT of 132 MB":
        "SELECT (GROUP_CONCAT(?big) AS ?all) WHERE { ?s ?p ?o . <http://e/big> <http://e/text> ?big }",
}
SLOW_READ = "SELECT ?s ?big WHERE { ?s ?p ?o . <http://e/big> <http://e/text> ?big } LIMIT 1000"  # 32 MB


def write_data(path: Path) -> None:
    with path.open("w") as out:
        for i in range(2000):
            out.write(f'<http://e/s{i}> <http://e/p> <http://e/s{(i * 7) % 2000}> .\n')
            out.write(f'<http://e/s{i}> <http://e/name> "name {i}" .\n')
        out.write(f'<http://e/big> <http://e/text> "{"y" * BIG}" .\n')


# --- servers ----------------------------------------------------------------------------------
def start_kg(data: Path, port: int) -> subprocess.Popen:
    process = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--data", str(data), "--port", str(port)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port, "/sparql", process)
    return process


def oxigraph_binary() -> str | None:
    beside = Path(sys.executable).with_name("oxigraph")
    return str(beside) if beside.exists() else shutil.which("oxigraph")


def start_oxigraph(binary: str, data: Path, port: int, folder: Path) -> subprocess.Popen:
    location = folder / "oxigraph"
    subprocess.run([binary, "load", "--location", str(location), "--file", str(data)], check=True,
                   capture_output=True)
    process = subprocess.Popen([binary, "serve-read-only", "--location", str(location), "--bind",
                                f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait_until_up(port, "/query?query=ASK%7B%7D", process)
    return process


def wait_until_up(port: int, path: str, process: subprocess.Popen) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited: {process.args}")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", path)
            if connection.getresponse().status in (200, 400):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server did not start: {process.args}")


def stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


# --- single hostile requests ------------------------------------------------------------------
def one_request(endpoint: Endpoint, pid: int, query: str, times: int = 1, timeout: float = 30) -> dict:
    peak, stop_sampling = [tree_rss(pid)], threading.Event()
    before = peak[0]

    def sample():
        while not stop_sampling.wait(0.05):
            peak.append(tree_rss(pid))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started, statuses, size, note = time.monotonic(), [], 0, False
    for _ in range(times):
        try:
            connection = endpoint.connect(ONE_CLIENT, timeout)
            connection.request("POST", endpoint.path, body=urlencode({"query": query}),
                               headers={"Content-Type": "application/x-www-form-urlencoded",
                                        "Accept": "application/sparql-results+json, text/turtle"})
            response = connection.getresponse()
            body = response.read()
            statuses.append(response.status)
            size = max(size, len(body))
            note = note or b"answer was cut" in body[-400:] or b'"truncated":true' in body[:600]
        except OSError as exc:
            statuses.append(f"no answer within {timeout:g} s" if isinstance(exc, TimeoutError)
                            else f"error {type(exc).__name__}")
            break  # a server that did not answer once is not asked five more times
    seconds = time.monotonic() - started
    time.sleep(0.5)
    stop_sampling.set()
    sampler.join()
    return {"statuses": statuses, "seconds": seconds, "bytes": size, "said cut in body": note,
            "rss before MB": before / 2**20, "peak MB": max(peak) / 2**20, "after MB": tree_rss(pid) / 2**20}


def chunked_over_cap(endpoint: Endpoint) -> int | str:
    body = b"ASK {} #" + b"x" * 1_100_000
    try:
        connection = endpoint.connect(ONE_CLIENT, 30)
        connection.request("POST", endpoint.path, body=(body[i:i + 65536] for i in range(0, len(body), 65536)),
                           headers={"Content-Type": "application/sparql-query"}, encode_chunked=True)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError as exc:
        return f"error {type(exc).__name__}"


def regex_status(endpoint: Endpoint, timeout: float = 30) -> tuple[int | str, float]:
    query = 'SELECT * WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(STR(?c), "\\\\p{L}{1000}")) } LIMIT 1'
    started = time.monotonic()
    try:
        connection = endpoint.connect(ONE_CLIENT, timeout)
        connection.request("POST", endpoint.path, body=urlencode({"query": query}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        status = response.status
    except TimeoutError:
        status = f"no answer within {timeout:g} s"
    except OSError as exc:
        status = f"error {type(exc).__name__}"
    return status, time.monotonic() - started


# --- the run ------------------------------------------------------------------------------------
def attacks(seconds: float):
    return [
        ("8 runaway queries in flight, one client", Runaway([ONE_CLIENT] * 8)),
        ("16 runaway queries in flight, 16 clients", Runaway(many_clients(16))),
        ("slowloris: 8 connections, one header line every 5 s", Slowloris(8, every=5.0)),
        ("16 idle TCP connections", Idle(16)),
        ("8 clients reading a 32 MB answer at 2 KB/s", SlowReaders(SLOW_READ, 8, rate=2048)),
    ]


def run_server(name: str, endpoint: Endpoint, pid: int, seconds: float) -> dict:
    rows = {}
    for label, attack in attacks(seconds):
        print(f"  {name}: {label} ...", file=sys.stderr, flush=True)
        outcome = measure(endpoint, attack, seconds, interval=0.2, after=2.0)
        rows[label] = outcome
        time.sleep(1)
    singles = {}
    for label, query in QUERIES.items():
        print(f"  {name}: {label} ...", file=sys.stderr, flush=True)
        singles[label] = one_request(endpoint, pid, query, times=6 if "six" in label else 1)
    singles["chunked POST body over the 1 MB cap"] = {"statuses": [chunked_over_cap(endpoint)]}
    status, took = regex_status(endpoint)
    singles["a regex that cannot compile"] = {"statuses": [status], "seconds": took}
    return {"attacks": rows, "singles": singles}


def fmt_probe(outcome) -> str:
    d = outcome.during
    if not d.get("n"):
        return "no probe answered"
    recovered = "never" if outcome.recovered_in is None else f"{outcome.recovered_in:.2f} s"
    return (f"p50 {d['p50'] * 1000:.0f} ms, p99 {d['p99'] * 1000:.0f} ms, max {d['max'] * 1000:.0f} ms, "
            f"{d['failed']} failed of {d['n']}; normal {recovered} after")


def fmt_single(r: dict) -> str:
    parts = [f"status {', '.join(sorted(set(map(str, r['statuses']))))}"]
    if "seconds" in r:
        parts.append(f"{r['seconds']:.2f} s")
    if "bytes" in r:
        parts.append(f"{r['bytes'] / 2**20:.1f} MB answer" + (", cut said in body" if r["said cut in body"] else ""))
    if "peak MB" in r:
        parts.append(f"memory {r['rss before MB']:.0f} -> peak {r['peak MB']:.0f} -> {r['after MB']:.0f} MB")
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="length of each attack")
    parser.add_argument("--no-oxigraph", action="store_true")
    parser.add_argument("--no-kg", action="store_true", help="only the Oxigraph server")
    args = parser.parse_args()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        data = folder / "data.nt"
        write_data(data)
        kg_port, ox_port = free_ports(2)
        if not args.no_kg:
            kg = start_kg(data, kg_port)
            try:
                results["kg"] = run_server("kg", Endpoint("127.0.0.1", kg_port), kg.pid, args.seconds)
            finally:
                stop(kg)
            print(report(results, args), flush=True)  # kg's column now, in case the other server never ends
        binary = None if args.no_oxigraph else oxigraph_binary()
        if binary:
            server = start_oxigraph(binary, data, ox_port, folder)
            try:
                results["Oxigraph server"] = run_server("oxigraph", Endpoint("127.0.0.1", ox_port, "/query"),
                                                        server.pid, args.seconds)
            finally:
                stop(server)
            print(report(results, args))


def report(results: dict, args) -> str:
    names = list(results)
    load = os.getloadavg()
    lines = [f"Each attack alone for {args.seconds:g} s; probe `ASK {{ <new IRI> ?p ?o }}` every 0.2 s from "
             f"127.0.0.3; load average at the end {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} "
             f"(1/5/15 min); {time.strftime('%Y-%m-%d %H:%M')}.", "",
             "| attack | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]
    for label in results[names[0]]["attacks"]:
        lines.append(f"| {label} | " + " | ".join(fmt_probe(results[n]["attacks"][label]) for n in names) + " |")
    for label in results[names[0]]["singles"]:
        lines.append(f"| {label} | " + " | ".join(fmt_single(results[n]["singles"][label]) for n in names) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
