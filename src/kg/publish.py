"""`kg publish --store URL`: upload a release to an existing SPARQL store, atomically for readers.

1. The graphs: the build's asserted, inferred and ontology graphs (their triple counts from the
   build's manifest.json), or the files given with --data FILE[@GRAPH].
2. Each graph is loaded under a new IRI of this release (`BASE/graph/NAME/release/ID`) through
   the Graph Store Protocol, in chunks of whole blank-node groups (a chunk is a document of its
   own: a blank node split over two would become two), with a progress line and retries with
   back-off on 429/5xx.
3. Each stored graph's triple count is checked against the expected count.
4. The release is described in the pointer graph, then marked ready with one single-triple
   write: readers (`kg serve --store`) switch to it at that moment and only then.
5. After a grace period (longer than a reader's query may run), earlier releases are removed.

A failure or an interrupt before step 4 removes what this release loaded and leaves readers on
the old release; if the removal itself fails, the message names the graphs left to drop (or
`kg publish --clean`).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timezone

import pyoxigraph as ox

from .config import Config, DataFile
from .errors import KgError
from .remote_store import (Deadline, Release, StoreClient, StoredGraph, StoreError, describe_release,
                           pointer_graph, ready_marker, release_iri, releases, stored_graph_iri)
from .store import load_store

log = logging.getLogger("kg.publish")

CHUNK_TRIPLES = 50_000


# --------------------------------------------------------------------------- what to publish


@dataclass
class LocalGraph:
    public: str | None  # None: the default graph (a triples file given without @IRI)
    triples: list[ox.Triple]
    expected: int  # the count the store must hold after loading


def graphs_to_publish(config: Config, files: tuple[DataFile, ...]) -> list[LocalGraph]:
    """The graphs of the build (counts from its manifest) or of the given files."""
    if files:
        store = load_store(files)
        grouped = _by_graph(store)
        return [LocalGraph(name, triples, len(triples)) for name, triples in grouped.items()]
    manifest_path = config.build_dir / "manifest.json"
    if not config.dataset_path.exists() or not manifest_path.exists():
        raise KgError("no built dataset here: run `kg build` first, or pass --data FILE", str(config.build_dir))
    manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    grouped = _by_graph(load_store([DataFile(config.dataset_path)]))
    graphs = []
    built = config.replace(base=manifest.get("base", config.base))  # the graphs are named as the build named them
    for name, expected in manifest["triples"].items():
        public = built.graph(name)
        triples = grouped.pop(public, [])
        if len(triples) != expected:
            raise KgError(f"graph {name}: the manifest says {expected} triples, dataset.nq holds {len(triples)}; "
                          "rebuild with `kg build`", str(config.dataset_path))
        graphs.append(LocalGraph(public, triples, expected))
    if grouped:
        raise KgError(f"dataset.nq holds graphs the manifest does not list: {', '.join(map(str, grouped))}",
                      str(config.dataset_path))
    return graphs


def _by_graph(store: ox.Store) -> dict[str | None, list[ox.Triple]]:
    grouped: dict = defaultdict(list)
    for quad in store:
        name = None if isinstance(quad.graph_name, ox.DefaultGraph) else quad.graph_name.value
        grouped[name].append(quad.triple)
    return dict(grouped)


def chunks(triples: list[ox.Triple], size: int):
    """N-Triples documents of about `size` triples; triples linked by a blank node stay together."""
    parent: dict = {}

    def find(node):
        while parent.setdefault(node, node) != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    plain, grouped = [], defaultdict(list)
    for triple in triples:  # first join the blank nodes that share a triple
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        for other in blanks[1:]:
            parent[find(other)] = find(blanks[0])
    for triple in triples:
        blanks = [t for t in (triple.subject, triple.object) if isinstance(t, ox.BlankNode)]
        if blanks:
            grouped[find(blanks[0])].append(triple)
        else:
            plain.append(triple)
    batch: list = []
    for group in [[t] for t in plain] + list(grouped.values()):
        if batch and len(batch) + len(group) > size:
            yield len(batch), ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)
            batch = []
        batch += group
    if batch:
        yield len(batch), ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES)


# --------------------------------------------------------------------------- the publish


def publish(client: StoreClient, config: Config, graphs: list[LocalGraph], chunk_triples: int = CHUNK_TRIPLES,
            grace: float | None = 0.0, progress=None) -> Release:
    """Load, verify, switch, then (after `grace` seconds; None: never) remove earlier releases."""
    base = config.base
    known = releases(client, base)
    leftovers = [r for r, ready in known if not ready]
    if leftovers:
        log.warning("kg publish: %d unfinished release(s) from earlier publishes are still in the store "
                    "(%s); `kg publish --clean` removes them", len(leftovers), ", ".join(r.id for r in leftovers))
    sequence = max((r.sequence for r, _ in known), default=0) + 1
    now = datetime.now(timezone.utc).replace(microsecond=0)
    release_id = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{sequence}"
    stored = tuple(StoredGraph(g.public, stored_graph_iri(base, g.public, release_id), g.expected) for g in graphs)
    release = Release(release_iri(base, release_id), sequence, now.isoformat().replace("+00:00", "Z"), stored)
    total = sum(len(g.triples) for g in graphs)
    progress = progress or Progress(enabled=False)
    try:
        progress.start(total, f"release {release_id}")
        for graph, target in zip(graphs, stored):
            for count, document in chunks(graph.triples, chunk_triples):
                client.post_graph(target.stored, document)
                progress.advance(count)
        progress.done()
        verify(client, release)
        pointer = pointer_graph(base)
        client.post_graph(pointer, ox.serialize(describe_release(release), format=ox.RdfFormat.N_TRIPLES))
        # The switch: one triple, so no store can show it half-written.
        client.post_graph(pointer, ox.serialize([ready_marker(release)], format=ox.RdfFormat.N_TRIPLES))
    except (KgError, Deadline, KeyboardInterrupt) as exc:
        progress.done()
        _abandon(client, config, release)
        if isinstance(exc, KeyboardInterrupt):
            print(f"kg publish: interrupted; readers stay on the previous release (what release {release_id} "
                  "had loaded was removed)", file=sys.stderr)
            raise
        raise KgError(f"publish of release {release_id} failed; readers stay on the previous release: "
                      f"{exc or 'the store did not answer in time'}") from None
    log.info("kg publish: readers now see release %s", release_id)
    if grace is not None:
        older = [r for r, _ in known]
        if older:
            log.info("kg publish: removing %d earlier release(s) in %g s", len(older), grace)
            try:
                time.sleep(grace)
                for old in older:
                    remove_release(client, config, old)
            except (KgError, Deadline, KeyboardInterrupt):
                # Readers are on the new release already: only the clean-up is left undone.
                print(f"kg publish: release {release_id} is live, but earlier releases were not all removed; "
                      "run `kg publish --store URL --clean` to remove them", file=sys.stderr)
                raise
    return release


_COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


def stored_count(client: StoreClient, graph: str) -> int:
    query = _COUNT.replace("GRAPH ?g", f"GRAPH {ox.NamedNode(graph)}")
    response = client.query(query, "application/sparql-results+xml")
    if response.status != 200:
        raise StoreError(f"counting <{graph}>: the store answered {response.status}")
    rows = list(ox.parse_query_results(response.body, format=ox.QueryResultsFormat.XML))
    return int(rows[0]["n"].value) if rows and rows[0]["n"] is not None else 0


def verify(client: StoreClient, release: Release) -> None:
    for graph in release.graphs:
        found = stored_count(client, graph.stored)
        if found != graph.triples:
            raise KgError(f"<{graph.stored}> holds {found} triples after loading, {graph.triples} were sent "
                          "(the store changed or merged some)")


def _abandon(client: StoreClient, config: Config, release: Release) -> None:
    """Remove what a failed publish loaded; if that fails too, say exactly what is left."""
    try:
        remove_release(client, config, release)
    except (KgError, Deadline):
        names = " ".join(f"<{g.stored}>" for g in release.graphs)
        print(f"kg publish: could not remove the unfinished release {release.id}; drop these graphs "
              f"(or run `kg publish --clean` later): {names}", file=sys.stderr)


def remove_release(client: StoreClient, config: Config, release: Release) -> None:
    """Drop a release's graphs, then its description (its ready marker first)."""
    node = ox.NamedNode(release.iri)
    pointer = ox.NamedNode(pointer_graph(config.base))
    client.update(f"DELETE WHERE {{ GRAPH {pointer} {{ {node} <{ready_marker(release).predicate.value}> ?r }} }}")
    for graph in release.graphs:
        client.drop_graph(graph.stored)
    client.update(f"DELETE WHERE {{ GRAPH {pointer} {{ {node} ?p ?entry . ?entry ?q ?v }} }}")
    client.update(f"DELETE WHERE {{ GRAPH {pointer} {{ {node} ?p ?o }} }}")


def clean(client: StoreClient, config: Config) -> list[Release]:
    known = releases(client, config.base)
    ready = [r for r, is_ready in known if is_ready]
    current = ready[-1] if ready else None
    removed = [r for r, _ in known if r != current]
    for release in removed:
        remove_release(client, config, release)
    return removed


class Progress:
    """One line on stderr, rewritten in place on a terminal; a line per 10% otherwise."""

    def __init__(self, enabled: bool = True):
        self.enabled = enabled
        self.tty = sys.stderr.isatty()

    def start(self, total: int, what: str) -> None:
        self.total, self.what, self.sent, self.shown, self.began = max(total, 1), what, 0, -1, time.monotonic()

    def advance(self, count: int) -> None:
        self.sent += count
        percent = self.sent * 100 // self.total
        if not self.enabled or (not self.tty and percent // 10 == self.shown // 10) or percent == self.shown:
            return
        self.shown = percent
        rate = self.sent / max(time.monotonic() - self.began, 1e-6)
        bar = "#" * (percent // 5)
        line = f"uploading {self.what}: [{bar:<20}] {percent:3d}% {self.sent}/{self.total} triples, {rate:,.0f}/s"
        print(("\r" + line) if self.tty else line, end="" if self.tty else "\n", file=sys.stderr, flush=True)

    def done(self) -> None:
        if self.enabled and self.tty and self.shown >= 0:
            print(file=sys.stderr)
        self.shown = -1
