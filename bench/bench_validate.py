"""The build's SHACL gate at scale: validate() with the shacl engine, its parts and each shape's cost.

    python bench/bench_validate.py [--sizes 100000,1000000] [--work DIR] [--per-shape SIZE]

For each size, bench/gen.py data (made in --work unless there already) is loaded as `kg build`
loads it (load_data + the reviewed links), once, in a child process per size with Python's cycle
collector paused as in the build. Then, in that process: the N-Triples text the engine is fed
(convert.ntriples_text of data + ontology), the engine parsing it under no shape at all, the
engine with every shape, and validate() as the build calls it, each as wall and CPU seconds.
Prints a table with the growth exponent between sizes (time ~ size^k; 1 is linear).

--per-shape SIZE also times the engine at that size with one named shape of ontology/shapes.ttl
at a time, less the parse alone: which shapes cost what (run it at 1M to see what grows).
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from kg import link, load, validate  # noqa: E402
from kg.config import from_env  # noqa: E402
from kg.convert import ntriples_text  # noqa: E402


def timed(function):
    wall, cpu = time.monotonic(), time.process_time()
    result = function()
    return result, round(time.monotonic() - wall, 3), round(time.process_time() - cpu, 3)


def shape_blocks(shapes: str) -> tuple[str, dict[str, str]]:
    """The shapes file's head (prefixes, sh:declare) and each named shape's Turtle block."""
    head, *blocks = re.split(r"\n(?=kgsh:\w+ a sh:)", shapes)
    return head, {re.match(r"kgsh:(\w+)", block).group(1): block for block in blocks}


def measure(data_dir: Path, per_shape: bool) -> dict:
    """Runs in the child: load once, then time the parts (see the module's docstring)."""
    gc.disable()
    config = from_env(environ={}).replace(data_root=data_dir)
    ontology = load.load_ontology(config)
    loaded, load_wall, _ = timed(lambda: load.load_data(config, ontology))
    graph = loaded.graph
    graph += link.mapping_graph(config, known_ids={iri[len(config.base):] for iri in loaded.origins})
    figures = {"triples": len(graph), "load_wall": load_wall}
    text, figures["text_wall"], figures["text_cpu"] = timed(lambda: ntriples_text(graph, ontology))
    shapes = validate.shapes_text(config)
    head, blocks = shape_blocks(shapes)

    def engine(shapes_turtle: str):
        compiled = validate.shacl.Shapes.from_text(shapes_turtle, format="turtle", base=config.base)
        return timed(lambda: compiled.validate_text(text, format="ntriples", allow_warnings=True))

    _, figures["parse_wall"], figures["parse_cpu"] = engine(head)
    report, figures["engine_wall"], figures["engine_cpu"] = engine(shapes)
    figures["results"] = len(report.results)
    if per_shape:
        figures["per_shape_cpu"] = {name: round(engine(head + "\n" + block)[2] - figures["parse_cpu"], 3)
                                    for name, block in blocks.items()}
    del text
    report, figures["validate_wall"], figures["validate_cpu"] = timed(
        lambda: validate.validate(graph, config, loaded.origins, ontology=ontology, engine="shacl"))
    figures["conforms"] = report.conforms
    figures["load_average"] = [round(x, 1) for x in os.getloadavg()]
    return figures


def data_for(size: int, work: Path) -> Path:
    folder = work / f"d{size}"
    if not (folder / "entries").exists():
        subprocess.run([sys.executable, str(ROOT / "bench" / "gen.py"), str(size), "--out", str(folder)], check=True)
    return folder


def exponent(a: float, b: float, n1: int, n2: int) -> str:
    return f"{math.log(b / a) / math.log(n2 / n1):.2f}" if a > 0 and b > 0 else "-"


ROWS = (("N-Triples text (data + ontology)", "text"), ("engine: parse only, no shape", "parse"),
        ("engine: every shape", "engine"), ("validate() as the build calls it", "validate"))


def table(results: list[dict]) -> str:
    sizes = [r["triples"] for r in results]
    head = "| step | " + " | ".join(f"{n:,} triples wall / CPU s" for n in sizes) + " | k (CPU) |"
    lines = [head, "|---|" + "---:|" * (len(sizes) + 1)]
    for label, key in ROWS:
        cells = [f"{r[key + '_wall']:.2f} / {r[key + '_cpu']:.2f}" for r in results]
        k = exponent(results[0][key + "_cpu"], results[-1][key + "_cpu"], sizes[0], sizes[-1]) if len(results) > 1 else "-"
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {k} |")
    lines.append("| load average (1, 5, 15 min) after | " + " | ".join(str(r["load_average"]) for r in results) + " | |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000", help="asserted triples (default 100000,1000000)")
    parser.add_argument("--work", type=Path, default=Path("/tmp/kg-bench-validate"), help="where data is made")
    parser.add_argument("--per-shape", type=int, default=None, metavar="SIZE", help="time each shape at SIZE")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one size, in a process of its own: print its figures as JSON
        print(json.dumps(measure(args.child, per_shape=args.per_shape is not None)))
        return 0
    results = []
    for size in (int(s) for s in args.sizes.split(",")):
        argv = [sys.executable, __file__, "--child", str(data_for(size, args.work))]
        if args.per_shape == size:
            argv += ["--per-shape", str(size)]
        out = subprocess.run(argv, check=True, capture_output=True, text=True).stdout
        results.append(json.loads(out.strip().splitlines()[-1]))
        print(f"{size}: {results[-1]}", file=sys.stderr, flush=True)
    print(table(results))
    for r in results:
        if "per_shape_cpu" in r:
            print(f"\nEngine CPU seconds of each shape alone at {r['triples']:,} triples (less the parse):")
            for name, seconds in sorted(r["per_shape_cpu"].items(), key=lambda item: -item[1]):
                print(f"  {seconds:7.3f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
