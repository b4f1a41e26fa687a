"""The desk's pages under load: /timeline (whole and filtered), /network, /api/network, /paths and
/api/paths of `kg serve` on the real build, against a Flask "hello world" served the same way.

Same method as bench_endpoint.py (whose helpers it uses): gunicorn gthread with kg's own options,
`wrk` with the same connections and duration, rounds alternating between the servers so that
background load hits all alike; the median round is printed with p50/p99, the ratio to hello world
and the load average, as a Markdown table for bench/RESULTS.md. Pages are answered from the
per-worker page cache after their first rendering (kg.web.rendered); the first rendering of each is
timed separately, in process.

    python bench/bench_desk.py [--duration 5] [--rounds 3] [--connections 8]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_endpoint import alternating_rounds, median_rounds, start, stop, wrk  # noqa: E402

PAGES = {
    "/timeline": "/timeline",
    "/timeline?person= (filtered)": "/timeline?person=person%2Fsergey-kislyak",
    "/network": "/network",
    "/api/network": "/api/network",
    "/paths Trump to Kislyak": "/paths?from=Donald+Trump&to=Sergey+Kislyak",
    "/api/paths Eric Trump to Russia": "/api/paths?from=person%2Feric-trump&to=country%2Frussia",
}


def first_renderings(build_dir: Path) -> dict[str, float]:
    """Milliseconds of the first (uncached) answer of each page, in process, and of building the desk."""
    from kg import catalog
    from kg.config import from_env
    from kg.desk import build_desk
    from kg.names import index_catalog
    from kg.store import load_built
    from kg.web import create_app

    config = from_env(build_dir=build_dir)
    records = catalog.from_store(load_built(config), config)
    names = index_catalog(records)
    began = time.perf_counter()
    build_desk(records, names)
    timings = {"build the desk (once per process)": (time.perf_counter() - began) * 1000}
    client = create_app(config).test_client()
    for label, path in PAGES.items():
        began = time.perf_counter()
        response = client.get(path, headers={"Accept": "text/html"})
        assert response.status_code == 200, (path, response.status_code)
        timings[label] = (time.perf_counter() - began) * 1000
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds; the median is reported")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        build_dir = Path(tmp) / "build"
        subprocess.run([sys.executable, "-m", "kg.cli", "build", "--build-dir", str(build_dir)], check=True,
                       stdout=subprocess.DEVNULL)
        firsts = first_renderings(build_dir)
        results = run_all(build_dir, args)
    print(report(results, firsts, args))


def run_all(build_dir: Path, args) -> dict:
    hello_port, kg_port = 18951, 18952
    servers = [
        start([sys.executable, str(HERE / "bench_endpoint.py"), "--serve-hello", str(hello_port)], hello_port, "/"),
        start([sys.executable, "-m", "kg.cli", "serve", "--build-dir", str(build_dir), "--port", str(kg_port)],
              kg_port, "/timeline"),
    ]
    targets = {"Flask hello world": f"http://127.0.0.1:{hello_port}/"}
    targets.update({label: f"http://127.0.0.1:{kg_port}{path}" for label, path in PAGES.items()})
    try:
        for url in targets.values():
            wrk(url, 1, args.connections)  # warm-up: each worker renders each page once
        runs = alternating_rounds(targets, args.rounds, args.duration, args.connections)
    finally:
        for server in servers:
            stop(server)
    return median_rounds(runs)


def report(results: dict, firsts: dict, args) -> str:
    from kg.config import Config

    config = Config()
    hello = results["Flask hello world"]["rps"]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"Machine: {platform.machine()}, {cpus} CPUs, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}. gunicorn gthread, {config.workers} workers x {config.threads} threads; "
        f"wrk -t2 -c{args.connections} -d{args.duration}s --latency, {args.rounds} alternating rounds, median shown; "
        f"the real build; run on {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| request | req/s | p50 ms | p99 ms | vs hello world | load avg (1 min) | req/s of each round |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for label, r in results.items():
        low, high = r["loads"]
        rounds = ", ".join(f"{rps:,.0f}" for rps in r["all"])
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['rps'] / hello:.2f} "
                     f"| {low:.1f}–{high:.1f} | {rounds} |")
    lines += ["", "First (uncached) rendering, in process:", "", "| page | ms |", "|---|---:|"]
    lines += [f"| {label} | {ms:.1f} |" for label, ms in firsts.items()]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
