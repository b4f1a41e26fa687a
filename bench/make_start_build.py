"""A larger build for measuring `kg serve`'s start-up only (issue 12 point 3), made from an existing build:

    python bench/make_start_build.py BUILD_DIR OUT_DIR COPIES

OUT_DIR/dataset.nq is BUILD_DIR's dataset.nq COPIES times (the IRIs under the base and the blank
nodes of each further copy renamed, graph names kept), bulk-loaded into OUT_DIR/store as `kg build`
does; the manifest records the new file's size, SHA-256 and per-graph line counts, statistics.json
is copied. Not a real build (no downloads, the ontology's terms renamed in the copies, statistics
not recounted): only for timing start-up and the background check. 7 copies of the 1M build:
9.8M quads, 12.5 min at nice 10 on the 2-core machine (bench/RESULTS.md).
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
import time
from pathlib import Path

import pyoxigraph as ox


def write_copies(source: Path, target: Path, base: str, copies: int) -> tuple[str, dict[str, int]]:
    """Write the copies; (SHA-256 hex of the file, {graph name: lines})."""
    digest, per_graph = hashlib.sha256(), {}
    prefix = f"<{base}".encode()
    with target.open("wb") as out:
        for copy in range(copies):
            renamed, blank = prefix + f"k{copy}/".encode(), f"_:k{copy}".encode()
            lines = []
            with source.open("rb") as quads:
                for line in quads:
                    cut = line.rfind(b" <")  # the graph name, kept
                    head, graph = line[:cut], line[cut:]
                    if copy:
                        head = head.replace(prefix, renamed).replace(b"_:", blank)
                    name = graph[2:graph.index(b">")].rsplit(b"/", 1)[-1].decode()
                    per_graph[name] = per_graph.get(name, 0) + 1
                    lines.append(head + graph)
                    if len(lines) == 100_000:
                        digest.update(chunk := b"".join(lines))
                        out.write(chunk)
                        lines = []
            digest.update(chunk := b"".join(lines))
            out.write(chunk)
            print(f"copy {copy + 1} of {copies} written", file=sys.stderr, flush=True)
    return digest.hexdigest(), per_graph


def main(argv: list[str]) -> int:
    source, out, copies = Path(argv[0]), Path(argv[1]), int(argv[2])
    started = time.monotonic()
    out.mkdir(parents=True, exist_ok=True)
    manifest = json.loads((source / "manifest.json").read_text())
    sha256, per_graph = write_copies(source / "dataset.nq", out / "dataset.nq", manifest["base"], copies)
    store = ox.Store(str(out / "store"))
    store.bulk_load(path=str(out / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    store.flush()
    store.optimize()
    del store
    quads = sum(per_graph.values())
    manifest.update(dataset_sha256=sha256, dataset_quads=quads, triples=per_graph,
                    dataset_bytes=(out / "dataset.nq").stat().st_size, store={"path": "store", "quads": quads})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    shutil.copy(source / "statistics.json", out / "statistics.json")
    print(f"{out}: {quads} quads in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
