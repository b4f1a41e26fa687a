"""Human pages: entity pages, search, browse, home and the source reader of `kg serve` on the real build,
against a Flask "hello world" under the same gunicorn setup (-w 2 gthread, one CPU per worker), loaded in
alternating rounds by `wrk`; plus the search matcher's own latency per query (no cache, in process).

Issue 14's target: every page at least 0.5x the hello world's req/s; search p50 under 20 ms.

    python bench/bench_pages.py [--duration 5] [--rounds 3] [--connections 8]

Needs a build in ./build (`kg build`) and wrk (apt-get install wrk). Prints a Markdown table for
bench/RESULTS.md ("## Human pages").
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_endpoint import serve_hello, start, stop, wrk  # noqa: E402

PAGES = {
    "entity page (person)": "/person/michael-flynn.html",
    "entity page (event)": "/event/2017-05-oval-office-meeting.html",
    "search page": "/search?q=" + quote("micheal flyn"),
    "search API (autocomplete)": "/api/search?q=kisl",
    "browse: events by type": "/browse/events",
    "browse: people": "/browse/people",
    "home page": "/",
    "source reader": "/source/article.html",
}
SEARCHES = ("micheal flyn", "Kisliak", "Kisľak", "kisl", "flyn", "trump tower", "comey firing", "Putin", "russia",
            "washington post", "sally yates", "jared", "oval office meeting", "obstruction of justice", "zzzz")


def search_latency(rounds: int = 20) -> dict:
    """Uncached find() per query on the real build, in process: p50 / p99 / max in ms."""
    from kg import catalog as catalog_module
    from kg.config import DataFile, from_env
    from kg.names import index_catalog
    from kg.store import load_store
    from kg.web.search import find

    config = from_env()
    store = load_store([DataFile(config.dataset_path)])
    catalog = catalog_module.from_store(store, config)
    names = index_catalog(catalog)
    times = []
    for _ in range(rounds):
        for text in SEARCHES:
            began = time.perf_counter()
            find(catalog, names, text, 20)
            times.append((time.perf_counter() - began) * 1000)
    times.sort()
    return {"p50": statistics.median(times), "p99": times[int(len(times) * 0.99) - 1], "max": times[-1],
            "n": len(times)}


def in_process(runs: int = 7, requests: int = 300) -> dict:
    """Microseconds per request through the whole WSGI app in this process (no HTTP, no gunicorn): the
    minimum over `runs` runs, for a Flask hello world and for each page. Far less moved by the machine's
    load than wrk's figures (the minimum of short runs), so it is printed beside them."""
    from flask import Flask

    from kg.config import from_env
    from kg.web import create_app
    from werkzeug.test import EnvironBuilder

    hello = Flask("hello")
    hello.add_url_rule("/", "hello", lambda: "Hello, World!")
    kg = create_app(from_env())
    apps = {"Flask hello world": (hello, "/"), **{label: (kg, path) for label, path in PAGES.items()}}
    timings = {}
    for label, (app, path) in apps.items():
        base, _, query = path.partition("?")
        environ = EnvironBuilder(path=base, query_string=query, headers={"Accept": "text/html"}).get_environ()

        def start_response(status, headers, exc_info=None):
            assert status.startswith("200"), (label, status)

        for _ in range(20):  # warm: pages rendered and kept
            b"".join(app(dict(environ), start_response))
        best = float("inf")
        for _ in range(runs):
            began = time.perf_counter()
            for _ in range(requests):
                b"".join(app(dict(environ), start_response))
            best = min(best, (time.perf_counter() - began) / requests * 1e6)
        timings[label] = best
    return timings


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--serve-hello":
        return serve_hello(int(sys.argv[2]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("needs wrk (apt-get install wrk)")
    from kg.config import from_env

    if not from_env().dataset_path.exists():
        raise SystemExit("needs a build: run `kg build` first")
    latency = search_latency()
    micro = in_process()
    hello_port, kg_port = 18941, 18942
    servers = [start([sys.executable, __file__, "--serve-hello", str(hello_port)], hello_port, "/"),
               start([sys.executable, "-m", "kg.cli", "serve", "--port", str(kg_port)], kg_port, "/")]
    targets = {"Flask hello world": f"http://127.0.0.1:{hello_port}/",
               **{label: f"http://127.0.0.1:{kg_port}{path}" for label, path in PAGES.items()}}
    runs: dict[str, list[dict]] = {label: [] for label in targets}
    hello_url = targets["Flask hello world"]
    try:
        for url in targets.values():
            wrk(url, 1, args.connections)  # warm-up: each worker renders and keeps its pages
        # Each page is measured right after a hello-world run: the machine is shared and its load moves, so
        # the ratio of each pair is what is reported (the median pair), with the raw figures beside it.
        for _ in range(args.rounds):
            for label, url in targets.items():
                if label == "Flask hello world":
                    continue
                hello = wrk(hello_url, args.duration, args.connections)
                page = wrk(url, args.duration, args.connections)
                runs["Flask hello world"].append({**hello, "load": os.getloadavg()[0], "ratio": 1.0})
                runs[label].append({**page, "load": os.getloadavg()[0], "ratio": page["rps"] / hello["rps"]})
    finally:
        for server in servers:
            stop(server)
    results = {label: {**sorted(rs, key=lambda r: r["ratio"])[len(rs) // 2], "all": [r["ratio"] for r in rs],
                       "loads": (min(r["load"] for r in rs), max(r["load"] for r in rs))}
               for label, rs in runs.items()}
    results["Flask hello world"] = {**sorted(runs["Flask hello world"], key=lambda r: r["rps"])[
        len(runs["Flask hello world"]) // 2], "all": [], "loads": results["Flask hello world"]["loads"]}
    print(report(results, latency, args))
    print()
    print("In process, whole WSGI app, no HTTP (minimum of 7 runs of 300 requests, one thread):")
    print()
    print("| page | µs per request | vs hello world |")
    print("|---|---:|---:|")
    for label, micros in micro.items():
        print(f"| {label} | {micros:,.0f} | {micro['Flask hello world'] / micros:.2f} |")


def report(results: dict, latency: dict, args) -> str:
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    lines = [
        f"Machine: {platform.machine()}, {cpus} CPUs, {platform.system()} {platform.release()}, Python "
        f"{platform.python_version()}; gunicorn gthread, 2 workers x 4 threads, one CPU per worker; wrk -t2 "
        f"-c{args.connections} -d{args.duration}s --latency; each page measured right after a hello-world run, "
        f"{args.rounds} rounds; the median pair by ratio is shown; "
        f"real build; run on {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| page | req/s | p50 ms | p99 ms | vs hello world (median pair) | load avg (1 min) | ratio of each pair |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for label, r in results.items():
        low, high = r["loads"]
        lines.append(f"| {label} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['ratio']:.2f} "
                     f"| {low:.1f}–{high:.1f} | {', '.join(f'{x:.2f}' for x in r['all'])} |")
    lines += ["", f"Search matcher, uncached, in process ({latency['n']} searches of {len(SEARCHES)} queries): "
                  f"p50 {latency['p50']:.1f} ms, p99 {latency['p99']:.1f} ms, max {latency['max']:.1f} ms "
                  "(target p50 < 20 ms)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
