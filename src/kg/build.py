"""`kg build`: load, link, validate, infer, then publish the build directory atomically.

This module only orchestrates; each step lives in its own module. Everything is written to a
temporary directory beside the build directory and swapped in at the end, so a failed build
(bad data, a SHACL violation, a crash, a full disk) leaves the previous build as it was. A build
holds a lock beside the build directory while it runs; with it, any staging folder left beside the
target is from a build that was killed, and is removed. The manifest records the dataset's SHA-256
and quad count, which `kg serve` checks before serving it (kg.web.dataset).
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox
from rdflib import RDF, Graph, URIRef

from . import dump, infer, link, load, validate, vocab
from .canonical import SortedDataset, sorted_dataset
from .config import Config
from .errors import KgError
from .convert import oxigraph_quads
from .progress import Steps
from .store import open_store, store_statistics, write_store
from .void import members_per_class

log = logging.getLogger("kg.build")
STATISTICS_FILE = "statistics.json"  # VoID counts of each graph, for the service description
STEPS = 7


class ValidationFailed(KgError):
    exit_code = 1


def build(config: Config, engine: str = "owlrl") -> dict:
    """Build and publish; the summary returned also holds each step's duration (`step_seconds`).

    Python's cycle collector is paused meanwhile: the build holds millions of long-lived objects
    (terms, triples) and makes almost no cycles, and each full collection walks all of them
    (loading 100k triples: 14-18 s with it paused, 21-22 s without, interleaved in one process)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _locked_build(config, engine)
    finally:
        if collecting:
            gc.enable()


def _locked_build(config: Config, engine: str) -> dict:
    """One build at a time per folder; an I/O error is one line, and the previous build stays."""
    check_target(config.build_dir)  # before the work: a build must never swap away the user's files
    try:
        with _build_lock(config.build_dir):
            return _build(config, engine)
    except OSError as exc:  # a full disk, a read-only folder, an I/O error: one line, not a traceback
        where = f" ({exc.filename})" if exc.filename else ""
        raise KgError(f"cannot write the build: {exc.strerror or exc}{where}; the previous build is unchanged",
                      str(config.build_dir)) from None


def _build(config: Config, engine: str) -> dict:
    started = time.monotonic()
    probe_target(config.build_dir)  # and say at once, not after loading and validating, if it cannot be made
    steps = Steps(STEPS, log)
    with steps.step("load", "loading the ontology and the curated data"):
        ontology = load.load_ontology(config)
        loaded = load.load_data(config, ontology)
    with steps.step("link", "adding the reviewed Wikidata links"):
        asserted = loaded.graph
        node_ids = {iri[len(config.base):] for iri in loaded.origins}
        asserted += link.mapping_graph(config, known_ids=node_ids)  # a link to an unknown node stops the build
    with steps.step("validate", f"validating {len(asserted)} asserted triples against the SHACL shapes"):
        report = validate.validate(asserted, config, loaded.origins, ontology=ontology)
    if not report.conforms:
        raise ValidationFailed(
            f"the graph does not conform to its shapes; the previous build is unchanged.\n{report.to_text()}"
        )
    if report.violations:  # warnings only: they do not stop the build, but the curators should see them
        log.info("%s", report.to_text())
    with steps.step("infer", f"computing the OWL-RL closure ({engine})"):
        inferred = infer.infer(asserted, ontology, engine=engine)
    with _staging_dir(config.build_dir) as staging:
        staged = config.replace(build_dir=staging)
        with steps.step("dataset", "writing the dataset"):
            graphs = {"asserted": asserted, "inferred": inferred, "ontology": ontology}
            summary = summarise(config, graphs, loaded.sources)
            dataset, summary["dataset_sha256"] = write_dataset(staged, graphs)
            summary["dataset_quads"] = sum(len(graph.quads) for graph in dataset.graphs)
            _write_json(staging / "origins.json", loaded.origins)
        # What follows needs only the sorted dataset: the rdflib graphs and what the steps above
        # left in reference cycles go, so that the store and the downloads fit beside it.
        _release(graphs.values())
        del loaded, asserted, inferred, ontology, graphs, report
        gc.collect()  # the cycles: with the graphs emptied first, half the time of a collection alone
        write_outputs(staged, summary, dataset, steps)
        _publish(staging, config.build_dir.resolve())
    log.info("built %s in %.1f s", config.build_dir, time.monotonic() - started)
    return {**summary, "step_seconds": steps.seconds}


# --------------------------------------------------------------------------- writing


def write_dataset(config: Config, graphs: dict) -> tuple[SortedDataset, str]:
    """All named graphs as one N-Quads file: equal input gives equal bytes. Returns the sorted
    quads (the dumps are written from them) and the file's SHA-256.

    Quads are sorted and blank nodes (the ontology's RDF lists) get labels computed from their
    content, the same canonical form the dumps use.
    """
    dataset = sorted_dataset({f"<{config.graph(name)}>": oxigraph_quads(graph, ox.NamedNode(config.graph(name)))
                              for name, graph in graphs.items()})
    digest = hashlib.sha256()
    with config.dataset_path.open("wb") as out:
        for graph in dataset.graphs:
            for chunk in graph.nquads_chunks():
                out.write(chunk)
                digest.update(chunk)
    return dataset, digest.hexdigest()


def write_outputs(config: Config, summary: dict, dataset: SortedDataset, steps: Steps) -> None:
    """The manifest, then the query store and the downloads, side by side, into `config.build_dir`.

    The store is bulk-loaded in a thread beside the downloads: pyoxigraph loads without the GIL,
    while the downloads are mostly serialized holding it (and gzipped in another thread). A
    failure of either fails the build once the other has stopped, and nothing is published."""
    summary["store"] = {"path": "store", "quads": sum(summary["triples"].values())}  # checked as it is loaded
    _write_json(config.build_dir / "manifest.json", summary)  # the downloads take the release from it
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store") as background:
        store_done = steps.start("store", "bulk-loading the query store (beside the downloads)")
        stored = background.submit(_write_store_step, config, summary, store_done)
        with steps.step("dumps", "writing the downloads"):
            dump.write_dumps(config, dataset=dataset)
        stored.result()


def _release(graphs) -> None:
    """Free the triples of rdflib graphs that are not used again, by reference counting: a graph
    and its store hold reference cycles, and a collection finding them among millions of objects
    took 7.6 s CPU at a million triples (freeing ~0.7 GB). Emptied first, the collection that
    follows has little left to walk (at 100k triples: 0.16 + 0.11 s CPU against 0.55 s, as much freed)."""
    for graph in graphs:
        if isinstance(graph, Graph):
            vars(graph.store).clear()


def _write_store_step(config: Config, summary: dict, done) -> None:
    write_verified_store(config, summary)
    # Counted once here, so that no server process scans the store for its service description.
    _write_json(config.build_dir / STATISTICS_FILE, store_statistics(open_store(config.store_path)))
    done()


def write_verified_store(config: Config, summary: dict) -> int:
    """The on-disk store `kg serve` opens, bulk-loaded from the dataset and checked to hold exactly
    the quads the manifest counts (one per triple of each graph)."""
    expected = sum(summary["triples"].values())
    quads = write_store(config.store_path, config.dataset_path)
    if quads != expected:
        raise KgError(f"the store holds {quads} quads, the dataset {expected}: the build is not published",
                      str(config.store_path))
    return quads


def _write_json(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


#: What only a build directory holds: publishing replaces the directory, so it must be one of ours.
BUILD_MARKERS = ("manifest.json", "dataset.nq", "downloads/SHA256SUMS")


def check_target(target: Path) -> None:
    """Refuse a build directory that is a file, or a non-empty folder that no kg command wrote:
    publishing renames the old directory away and deletes it."""
    target = Path(target)
    if not target.exists():
        return
    if not target.is_dir():
        raise KgError("is a file, not a build directory: refusing to replace it", str(target))
    if any(target.iterdir()) and not any((target / marker).is_file() for marker in BUILD_MARKERS):
        raise KgError("is not empty and holds no kg build (no manifest.json or dataset.nq): refusing to "
                      "replace it; choose another --build-dir", str(target))


class _build_lock:
    """An exclusive lock on the folder holding the build directory, for the whole build (a lock on
    the folder itself: no lock file is left behind); once it is held, staging folders left beside
    the target (`.NAME-*`) belong to builds that were killed: removed."""

    def __init__(self, target: Path):
        self.target = Path(target).resolve()

    def __enter__(self):
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.handle = os.open(self.target.parent, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise KgError(f"cannot create the build directory here: {exc.strerror or exc}", str(self.target)) from None
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.handle)
            raise KgError("another kg build is writing beside this build directory; wait for it to finish",
                          str(self.target)) from None
        for leftover in self.target.parent.glob(f".{self.target.name}-*"):
            if leftover.is_dir():
                log.info("removing %s, left by a build that did not finish", leftover.name)
                shutil.rmtree(leftover, ignore_errors=True)
        return self

    def __exit__(self, *exc) -> None:
        fcntl.flock(self.handle, fcntl.LOCK_UN)
        os.close(self.handle)


def probe_target(target: Path) -> None:
    """Fail now if the staging directory beside `target` cannot be created (it is removed again)."""
    with _staging_dir(target):
        pass


class _staging_dir:
    """A temporary directory beside the target; removed on exit unless it was published (renamed)."""

    def __init__(self, target: Path):
        self.target = Path(target).resolve()  # "." has no name to put a sibling beside

    def __enter__(self) -> Path:
        try:
            self.target.parent.mkdir(parents=True, exist_ok=True)
            self.path = Path(tempfile.mkdtemp(prefix=f".{self.target.name}-", dir=self.target.parent))
        except OSError as exc:
            raise KgError(f"cannot create the build directory here: {exc.strerror or exc}", str(self.target)) from None
        return self.path

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _publish(staging: Path, target: Path) -> None:
    """Swap the staged build in: two renames, so readers see the old build or the new one."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}-old-{int(time.time() * 1000)}")
        target.rename(old)
    staging.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# --------------------------------------------------------------------------- summary


def summarise(config: Config, graphs: dict, sources: dict[str, str]) -> dict:
    """The manifest: counts, and the SHA-256 of every stored source (as the loader checked them)."""
    asserted = graphs["asserted"]
    kg = config.ontology_ns
    typings = [(s, o) for graph in graphs.values() for s, o in graph.subject_objects(RDF.type)]  # as served
    classes = {cls[len(kg):]: len(members) for cls, members in members_per_class(typings, kg).items()}
    status_ns = vocab.scheme_ns(config.base, "status")
    claim_type = URIRef(kg + "Claim")
    status_of = URIRef(kg + "epistemicStatus")
    statuses = Counter(
        str(status)[len(status_ns):]
        for claim in asserted.subjects(RDF.type, claim_type)
        for status in asserted.objects(claim, status_of)
    )
    return {
        "version": config.version,
        "base": config.base,
        "built_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "article_sha256": next(iter(sources.values()), None),  # the first source: the article
        "sources_sha256": dict(sorted(sources.items())),
        "triples": {name: len(graph) for name, graph in graphs.items()},
        "entities_per_class": dict(sorted(classes.items())),
        "claims_per_status": dict(sorted(statuses.items())),
    }


def format_summary(summary: dict) -> str:
    lines = [f"kg build: dataset {summary['version']} (base {summary['base']})", "triples:"]
    lines += [f"  {name:<10} {count:>7}" for name, count in summary["triples"].items()]
    lines.append("entities per class (inferred types included, as in VoID: a Firing is also a Dismissal and an Event):")
    lines += [f"  {name:<16} {count:>5}" for name, count in summary["entities_per_class"].items()]
    lines.append("claims per status:")
    lines += [f"  {name:<10} {count:>5}" for name, count in summary["claims_per_status"].items()]
    return "\n".join(lines)
