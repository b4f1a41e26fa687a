"""Scale benchmark: the whole `kg build` and `kg serve` at 10k / 100k / 1M (/ 10M) triples.

    python bench/scale.py [--sizes 10000,100000,1000000] [--work DIR] [--repeat 20]

For each size: bench/gen.py makes synthetic curated data; `kg build --data` builds it (SHACL gate
and OWL-RL inference included, --engine reasonable) in a child process whose peak RSS is read
from the kernel (wait4) and sampled over its process tree; each step's duration comes from the
build itself. Then `kg serve` on that build (the on-disk store, 2 workers): time from start to the first answer, the first
query's latency, p50/p99 of every named query (but the federation ones) and of entity, person and
claim pages, Turtle descriptions, search, paths, 404 and home pages (each page path asked once:
a render, not the per-process page cache), and the workers' RSS idle and after the queries. Side by side, the Oxigraph server
(`oxigraph load` of the build's N-Triples dump, then `serve-read-only`) is timed on the same
queries. Prints tables with the growth exponent of each figure between sizes (time ~ size^k),
writes bench/scale-results.json and log-log plots bench/scale-time.png, bench/scale-memory.png.

Needs the bench extra (matplotlib, oxigraph): pip install -e '.[fast,bench]'.
"""

from __future__ import annotations

import argparse
import http.client
import json
import math
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT / "src"))

from kg.config import from_env  # noqa: E402
from kg.query import named_queries  # noqa: E402

sys.path.insert(0, str(ROOT / "bench"))
from attacks import tree_rss  # noqa: E402

DRIVER = """
import json, logging, sys
from pathlib import Path
from kg.build import build
from kg.config import from_env
logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
config = from_env(environ={}).replace(data_root=Path(sys.argv[1]), build_dir=Path(sys.argv[2]))
summary = build(config, engine="reasonable")
print(json.dumps({"step_seconds": summary["step_seconds"], "triples": summary["triples"]}))
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_measured(argv: list[str], log_path: Path) -> tuple[float, int, str]:
    """Run a command; (wall seconds, peak RSS in MB, stdout). The peak is the larger of the
    kernel's (wait4: the largest single process) and the whole process tree's resident memory
    sampled every 0.1 s: `kg build` computes the closure in a forked child beside validation, so
    the two processes' memory adds up."""
    started = time.monotonic()
    tree_peak = 0
    with open(log_path, "w") as log:
        child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=log, text=True)
        done = threading.Event()

        def sample() -> None:
            nonlocal tree_peak
            while not done.wait(0.1):
                tree_peak = max(tree_peak, tree_rss(child.pid))

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        out = child.stdout.read()
        _, status, usage = os.wait4(child.pid, 0)
        done.set()
        sampler.join()
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{argv[:3]} failed ({child.returncode}); see {log_path}")
    return time.monotonic() - started, max(usage.ru_maxrss // 1024, tree_peak // 2**20), out


def get(port: int, path: str, accept: str = "application/sparql-results+json", timeout: float = 120) -> tuple[int, float]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    started = time.perf_counter()
    connection.request("GET", path, headers={"Accept": accept})
    response = connection.getresponse()
    response.read()
    connection.close()
    return response.status, time.perf_counter() - started


def wait_for(port: int, path: str, deadline: float) -> float:
    started = time.monotonic()
    while time.monotonic() < deadline:
        try:
            status, _ = get(port, path)
            if status == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.02)
    raise SystemExit(f"no answer on port {port}")


def rss_mb(pid: int) -> float:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:  # a worker that has exited
        return 0.0
    for line in text.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(p) for p in text]
    return found


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000


def query_path(text: str, sparql_path: str = "/sparql") -> str:
    return f"{sparql_path}?{urlencode({'query': text})}"


def queries() -> dict[str, str]:
    config = from_env(environ={})
    return {q.name: q.text_for(config) for q in named_queries(config) if not q.name.startswith("federation")}


def measure_queries(port: int, sparql_path: str, repeat: int, limit: float | None = None, restart=None) -> dict:
    """p50, p99 and the number over the time limit of each named query. `limit` and `restart`: a
    server with no time limit of its own (the Oxigraph server) is given kg's; a query still running
    then is counted over it (at the limit's time) and the server restarted (`restart()` gives the
    new port), so that no abandoned query slows the next ones down."""
    figures = {}
    for name, text in queries().items():
        samples = []
        failed = 0
        for _ in range(repeat):
            try:
                status, seconds = get(port, query_path(text, sparql_path), timeout=limit or 120)
            except TimeoutError:
                if restart is None:
                    raise
                status, seconds = 503, limit
                port = restart()
            if status == 503:  # over kg serve's time limit: counted (its time is the limit's)
                failed += 1
            elif status != 200:
                raise SystemExit(f"{name}: HTTP {status} on port {port}")
            samples.append(seconds)
        figures[name] = (*percentiles(samples), failed)
    return figures


def page_paths(repeat: int) -> dict[str, tuple[list[str], tuple[int, ...]]]:
    """The pages measured, each path requested once (pages are kept per process once rendered: a
    repeated path would measure the cache): ids bench/gen.py makes at every size."""
    events = [f"e{i:05d}-{k:02d}" for k in range(5) for i in range(1, 9)][:repeat]
    people = [f"p{i:06d}" for i in range(20)][:repeat]
    return {
        "entity page (HTML)": ([f"/event/{e}.html" for e in events], (200,)),
        "person page (HTML)": ([f"/person/{p}.html" for p in people], (200,)),
        "claim page (HTML)": ([f"/claim/event-{e}-1.html" for e in events], (200,)),
        "entity description (Turtle)": ([f"/event/{e}.ttl" for e in events], (200,)),
        "404 page with suggestions": ([f"/person/{p}x.html" for p in people], (404,)),
        "search (HTML)": ([f"/search?q=Synthetic+person+{i}" for i in range(repeat)], (200,)),
        "search API (JSON)": ([f"/api/search?q=Kovel+{i}" for i in range(repeat)], (200,)),
        "paths (HTML)": ([f"/paths?from=person/{a}&to=person/{b}" for a, b in zip(people, people[1:] + people[:1])],
                         (200,)),
        "home page": (["/"] * repeat, (200,)),
    }


def measure_pages(port: int, repeat: int) -> dict:
    figures = {}
    for label, (paths, statuses) in page_paths(repeat).items():
        samples = []
        for path in paths:
            status, seconds = get(port, path, "text/html")
            if status not in statuses:
                raise SystemExit(f"{path}: HTTP {status}")
            samples.append(seconds)
        figures[label] = percentiles(samples)
    return figures


def serve_kg(build_dir: Path, repeat: int, work: Path, page_repeat: int = 20) -> dict:
    port = free_port()
    started = time.monotonic()
    server = subprocess.Popen([str(BIN / "kg"), "serve", "--build-dir", str(build_dir), "--port", str(port),
                               "--workers", "2", "--response-cache-bytes", "0"],
                              stdout=subprocess.DEVNULL, stderr=open(work / "serve.log", "w"))
    try:
        wait_for(port, query_path("ASK {}"), started + 900)  # start-up is measured: give it time
        first_answer = time.monotonic() - started
        workers = children(server.pid)
        idle = {pid: rss_mb(pid) for pid in workers}
        texts = queries()
        _, first_query = get(port, query_path(next(iter(texts.values()))))
        # The first page of each worker (2 requests: gunicorn may hand both to one worker): it opens the
        # pages' records. A person id the measured pages do not ask for.
        first_pages = [get(port, f"/person/p{900 + i:06d}.html", "text/html")[1] for i in range(2)]
        pages = measure_pages(port, page_repeat)  # first: a query over the time limit replaces its worker
        print(f"kg pages: {json.dumps(pages)}", file=sys.stderr, flush=True)
        after_pages = {pid: rss_mb(pid) for pid in children(server.pid)}
        named = measure_queries(port, "/sparql", repeat) if repeat else {}  # --repeat 0: pages only
        print(f"kg queries: {json.dumps(named)}", file=sys.stderr, flush=True)
        after = {pid: rss_mb(pid) for pid in children(server.pid)}  # the workers now (some may be new)
        return {"first_answer_s": first_answer, "first_query_ms": first_query * 1000, "queries": named,
                "first_pages_ms": [t * 1000 for t in first_pages], "pages": pages, "master_rss_mb": rss_mb(server.pid),
                "worker_rss_idle_mb": sorted(idle.values()), "worker_rss_after_pages_mb": sorted(after_pages.values()),
                "worker_rss_after_mb": sorted(after.values())}
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)


def serve_oxigraph(nt_file: Path, repeat: int, work: Path) -> dict | None:
    binary = BIN / "oxigraph"
    if not binary.exists():
        return None
    location = work / "oxigraph"
    shutil.rmtree(location, ignore_errors=True)
    load_s, load_rss, _ = run_measured([str(binary), "load", "--location", str(location), "--file", str(nt_file)],
                                       work / "oxigraph-load.log")
    limit = from_env(environ={}).timeout  # kg serve's time limit, which the Oxigraph server does not have
    running: list[subprocess.Popen] = []

    def start() -> int:
        port = free_port()
        running.append(subprocess.Popen([str(binary), "serve-read-only", "--location", str(location),
                                         "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                                        stderr=open(work / "oxigraph-serve.log", "a")))
        wait_for(port, query_path("ASK {}", "/query"), time.monotonic() + 120)
        return port

    def restart() -> int:  # a query over the limit is still running: stop it with its server
        stop_all()
        return start()

    def stop_all() -> None:
        while running:
            server = running.pop()
            server.kill()
            server.wait(timeout=30)

    started = time.monotonic()
    try:
        port = start()
        first_answer = time.monotonic() - started
        texts = queries()
        try:
            _, first_query = get(port, query_path(next(iter(texts.values())), "/query"), timeout=limit)
        except TimeoutError:
            first_query = None
            port = restart()
        rss = rss_mb(running[-1].pid)
        named = measure_queries(port, "/query", repeat, limit=limit, restart=restart)
        return {"load_s": load_s, "load_peak_rss_mb": load_rss, "first_answer_s": first_answer,
                "first_query_ms": first_query * 1000 if first_query is not None else None, "queries": named,
                "rss_mb": max(rss, rss_mb(running[-1].pid))}
    finally:
        stop_all()


def one_size(size: int, work: Path, repeat: int, page_repeat: int = 20) -> dict:
    folder = work / str(size)
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    data, build_dir = folder / "data", folder / "build"
    gen_s, _, _ = run_measured([sys.executable, str(ROOT / "bench" / "gen.py"), str(size), "--out", str(data)],
                               folder / "gen.log")
    print(f"[{size}] generated in {gen_s:.1f} s", file=sys.stderr, flush=True)
    build_s, build_rss, out = run_measured([sys.executable, "-c", DRIVER, str(data), str(build_dir)],
                                           folder / "build.log")
    built = json.loads(out.strip().splitlines()[-1])
    print(f"[{size}] built in {build_s:.1f} s, peak {build_rss} MB: {built['step_seconds']}", file=sys.stderr, flush=True)
    serve = serve_kg(build_dir, repeat, folder, page_repeat)
    print(f"[{size}] kg serve first answer {serve['first_answer_s']:.2f} s", file=sys.stderr, flush=True)
    nt_file = next((build_dir / "downloads").glob("kg-*[0-9].nt"))
    oxigraph = serve_oxigraph(nt_file, repeat, folder)
    shutil.rmtree(data, ignore_errors=True)
    return {"size": size, "asserted": built["triples"]["asserted"], "quads": sum(built["triples"].values()),
            "gen_s": gen_s, "build_s": build_s, "build_peak_rss_mb": build_rss, "steps": built["step_seconds"],
            "serve": serve, "oxigraph": oxigraph, "build_dir": str(build_dir)}


def exponent(a: float, b: float, n1: int, n2: int) -> str:
    if a <= 0 or b <= 0:
        return "—"
    return f"{math.log(b / a) / math.log(n2 / n1):.2f}"


def tables(results: list[dict]) -> str:
    sizes = [r["size"] for r in results]
    head = "| figure | " + " | ".join(f"{s:,}" for s in sizes) + " | " + \
        " | ".join(f"k {a:,}→{b:,}" for a, b in zip(sizes, sizes[1:])) + " |"
    rule = "|---|" + "---:|" * (len(sizes) + len(sizes) - 1)
    rows = []

    def row(name, values, fmt="{:.2f}"):
        shown = [fmt.format(v) if v is not None else "—" for v in values]
        growth = [exponent(a, b, n1, n2) if a is not None and b is not None else "—"
                  for a, b, n1, n2 in zip(values, values[1:], sizes, sizes[1:])]
        rows.append(f"| {name} | " + " | ".join(shown) + " | " + " | ".join(growth) + " |")

    row("quads in the build", [r["quads"] for r in results], "{:,}")
    for step in results[0]["steps"]:
        row(f"build: {step} (s)", [r["steps"].get(step) for r in results])
    row("**kg build, whole (s)**", [r["build_s"] for r in results])
    row("kg build peak RSS (MB)", [r["build_peak_rss_mb"] for r in results], "{:,.0f}")
    row("kg serve: start to first answer (s)", [r["serve"]["first_answer_s"] for r in results])
    row("kg serve: first query (ms)", [r["serve"]["first_query_ms"] for r in results])
    row("kg serve: worker RSS idle (MB, max)", [max(r["serve"]["worker_rss_idle_mb"]) for r in results], "{:.0f}")
    row("kg serve: worker RSS after queries (MB, max)", [max(r["serve"]["worker_rss_after_mb"]) for r in results], "{:.0f}")
    for name in results[0]["serve"]["queries"]:
        row(f"kg p50 {name} (ms)", [r["serve"]["queries"][name][0] for r in results])
        row(f"kg p99 {name} (ms)", [r["serve"]["queries"][name][1] for r in results])
        row(f"kg {name}: over the time limit (503)", [r["serve"]["queries"][name][2] for r in results], "{:d}")
    for name in results[0]["serve"]["pages"]:
        row(f"kg p50 {name} (ms)", [r["serve"]["pages"][name][0] for r in results])
        row(f"kg p99 {name} (ms)", [r["serve"]["pages"][name][1] for r in results])
    if all(r["oxigraph"] for r in results):
        row("Oxigraph: load N-Triples (s)", [r["oxigraph"]["load_s"] for r in results])
        row("Oxigraph: load peak RSS (MB)", [r["oxigraph"]["load_peak_rss_mb"] for r in results], "{:,.0f}")
        row("Oxigraph: start to first answer (s)", [r["oxigraph"]["first_answer_s"] for r in results])
        row("Oxigraph: RSS after queries (MB)", [r["oxigraph"]["rss_mb"] for r in results], "{:.0f}")
        for name in results[0]["oxigraph"]["queries"]:
            row(f"Oxigraph p50 {name} (ms)", [r["oxigraph"]["queries"][name][0] for r in results])
            row(f"Oxigraph p99 {name} (ms)", [r["oxigraph"]["queries"][name][1] for r in results])
            row(f"Oxigraph {name}: over kg's time limit", [r["oxigraph"]["queries"][name][2] for r in results], "{:d}")
    return "\n".join([head, rule] + rows)


def plot(results: list[dict], out_dir: Path) -> list[Path]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = [r["quads"] for r in results]
    figure, axes = plt.subplots(figsize=(7, 5))
    for step in results[0]["steps"]:
        axes.plot(sizes, [max(r["steps"][step], 1e-3) for r in results], marker="o", label=step)
    axes.plot(sizes, [r["build_s"] for r in results], marker="s", linewidth=2.5, label="kg build, whole")
    if all(r["oxigraph"] for r in results):
        axes.plot(sizes, [r["oxigraph"]["load_s"] for r in results], marker="^", linestyle="--", label="oxigraph load")
    axes.plot(sizes, [r["serve"]["first_answer_s"] for r in results], marker="v", linestyle=":", label="kg serve start")
    time_png = _save_log_log(figure, axes, out_dir / "scale-time.png", "seconds", "kg build steps against size")
    figure, axes = plt.subplots(figsize=(7, 5))
    axes.plot(sizes, [r["build_peak_rss_mb"] for r in results], marker="o", label="kg build peak RSS")
    axes.plot(sizes, [max(r["serve"]["worker_rss_after_mb"]) for r in results], marker="s",
              label="kg serve worker RSS after queries")
    if all(r["oxigraph"] for r in results):
        axes.plot(sizes, [r["oxigraph"]["load_peak_rss_mb"] for r in results], marker="^", linestyle="--",
                  label="oxigraph load peak RSS")
    memory_png = _save_log_log(figure, axes, out_dir / "scale-memory.png", "MB", "memory against size")
    return [time_png, memory_png]


def _save_log_log(figure, axes, path: Path, unit: str, title: str) -> Path:
    axes.set(xscale="log", yscale="log", xlabel="quads in the build", ylabel=unit, title=f"{title} (log-log)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)
    return path


def serving_only(build_dir: Path, work: Path, repeat: int, page_repeat: int) -> int:
    """--serve BUILD_DIR: the serving figures of an existing build (no generation, no build), kg
    beside the Oxigraph server on the build's N-Triples dump, in one run."""
    work.mkdir(parents=True, exist_ok=True)
    load_before = os.getloadavg()
    serve = serve_kg(build_dir, repeat, work, page_repeat)
    nt_file = next((build_dir / "downloads").glob("kg-*[0-9].nt"), None)
    oxigraph = serve_oxigraph(nt_file, repeat, work) if nt_file and repeat else None
    load_after = os.getloadavg()
    print(f"{build_dir}: load average before {tuple(round(x, 1) for x in load_before)}, "
          f"after {tuple(round(x, 1) for x in load_after)}; kg serve first answer {serve['first_answer_s']:.1f} s, "
          f"first page of each worker {[round(t) for t in serve['first_pages_ms']]} ms; worker RSS idle "
          f"{serve['worker_rss_idle_mb']} MB, after the pages {serve.get('worker_rss_after_pages_mb')} MB, after the "
          f"queries too {serve['worker_rss_after_mb']} MB\n")
    print("| request | kg p50 (ms) | kg p99 (ms) | Oxigraph p50 (ms) | Oxigraph p99 (ms) |\n|---|---:|---:|---:|---:|")
    for name, (p50, p99, *rest) in serve["queries"].items():
        other = oxigraph["queries"].get(name) if oxigraph else None
        over = f" ({rest[0]} of {repeat} over the time limit: 503)" if rest and rest[0] else ""
        print(f"| {name}{over} | {p50:.1f} | {p99:.1f} | " + (f"{other[0]:.1f} | {other[1]:.1f} |" if other else "— | — |"))
    for name, (p50, p99) in serve["pages"].items():
        print(f"| {name} | {p50:.1f} | {p99:.1f} | — | — |")
    (work / "serving-results.json").write_text(json.dumps({"build_dir": str(build_dir), "serve": serve,
                                                           "oxigraph": oxigraph}, indent=2) + "\n")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000", help="asserted triples per run, comma-separated")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-scale"), help="scratch folder (default /tmp/kg-scale)")
    parser.add_argument("--repeat", type=int, default=20, help="requests per named query (default 20; 0: pages only, no named queries, no Oxigraph server)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench", help="where the JSON and the plots go")
    parser.add_argument("--page-repeat", type=int, default=20, help="distinct paths per kind of page (default 20)")
    parser.add_argument("--serve", type=Path, metavar="BUILD_DIR",
                        help="only measure serving on this existing build (kg serve beside the Oxigraph server)")
    args = parser.parse_args(argv)
    if args.serve:
        return serving_only(args.serve, args.work, args.repeat, args.page_repeat)
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_before = os.getloadavg()
    results = [one_size(size, args.work, args.repeat, args.page_repeat) for size in sizes]
    load_after = os.getloadavg()
    machine = {"cpus": os.cpu_count(), "platform": sys.platform, "python": sys.version.split()[0],
               "uname": " ".join(os.uname()[2:5:2]), "started": started,
               "load_average_before": load_before, "load_average_after": load_after}
    (args.out / "scale-results.json").write_text(json.dumps({"machine": machine, "results": results}, indent=2) + "\n")
    pngs = plot(results, args.out)
    print(f"Machine: {machine['cpus']} CPUs, {machine['uname']}, Python {machine['python']}; run {started}; "
          f"load average (1, 5, 15 min) before {tuple(round(x, 1) for x in load_before)}, "
          f"after {tuple(round(x, 1) for x in load_after)}.\n")
    print(tables(results))
    print("\nPlots: " + ", ".join(str(p.relative_to(ROOT)) if p.is_relative_to(ROOT) else str(p) for p in pngs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
