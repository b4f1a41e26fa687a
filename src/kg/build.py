"""`kg build`: load, link, validate, infer, then publish the build directory atomically.

This module only orchestrates; each step lives in its own module. Everything is written to a
temporary directory beside the build directory and swapped in at the end, so a failed build
(bad data, a SHACL violation, a crash, a full disk) leaves the previous build as it was. A build
holds a lock beside the build directory while it runs; with it, any staging folder left beside the
target is from a build that was killed, and is removed. The manifest records the dataset's size,
SHA-256 and quad count, which `kg serve` checks (kg.web.integrity: the size at start, the rest while serving).
"""

from __future__ import annotations

import fcntl
import gc
import hashlib
import json
import logging
import os
import pickle
import resource
import shutil
import signal
import tempfile
import time
import traceback
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from . import dump, infer, link, load, records, validate, vocab
from .canonical import TYPE_KEY, SortedDataset, sorted_dataset
from .config import Config
from .errors import KgError
from .convert import NTriplesGraph, ntriples_text, oxigraph_quads
from .progress import Steps
from .store import open_store, store_statistics, write_store
from .void import members_per_class

log = logging.getLogger("kg.build")
STATISTICS_FILE = "statistics.json"  # VoID counts of each graph, for the service description
STEPS = 8


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
        asserted = loaded.triples  # N-Triples lines (kg.convert.NTriplesGraph)
        node_ids = {iri[len(config.base):] for iri in loaded.origins}
        asserted += link.mapping_graph(config, known_ids=node_ids)  # a link to an unknown node stops the build
    # Validation and inference only read the asserted graph: the closure is computed in a child
    # process (which shares the graph copy-on-write) while this one validates, on a second core,
    # if the machine's memory holds both; else once validation is done (and its memory freed).
    beside = _room_for_both(len(asserted))
    with ExitStack() as stack:
        def start_inferring() -> _Beside:
            return stack.enter_context(_Beside("the OWL-RL closure", _inferred_text, asserted, ontology, engine))

        inferring = start_inferring() if beside else None
        with steps.step("validate", f"validating {len(asserted)} asserted triples against the SHACL shapes "
                                    + ("(the OWL-RL closure is computed beside it)" if beside else
                                       "(the OWL-RL closure after it: the memory would not hold both at once)")):
            report = validate.validate(asserted, config, loaded.origins, ontology=ontology)
        if not report.conforms:
            raise ValidationFailed(  # the child is stopped on the way out
                f"the graph does not conform to its shapes; the previous build is unchanged.\n{report.to_text()}"
            )
        if report.violations:  # warnings only: they do not stop the build, but the curators should see them
            log.info("%s", report.to_text())
        with steps.step("infer", f"computing the OWL-RL closure ({engine})"
                                 + (", begun beside validation" if beside else "")):
            text, seconds, cpu, peak = (inferring or start_inferring()).result()
            log.info("  the closure took %.1f s (%.1f s CPU, peak memory %.2f GB) in its own process",
                     seconds, cpu, peak)
            inferred = NTriplesGraph.from_text(text)
            del text
    with _staging_dir(config.build_dir) as staging:
        staged = config.replace(build_dir=staging)
        with steps.step("dataset", "writing the dataset"):
            dataset, digest = write_dataset(staged, {"asserted": asserted, "inferred": inferred, "ontology": ontology})
            # The sorted dataset holds every quad from here on: the graphs go (the build pauses the
            # cycle collector; these hold no cycles, so dropping the last reference frees them).
            sources, origins = loaded.sources, loaded.origins
            del loaded, asserted, inferred
            summary = summarise(config, dataset, sources)
            summary["dataset_sha256"] = digest
            summary["dataset_quads"] = len(dataset)
            summary["dataset_bytes"] = staged.dataset_path.stat().st_size  # kg serve's check at start
            _write_json(staging / "origins.json", origins)
            del origins
        write_outputs(staged, summary, dataset, steps)
        _publish(staging, config.build_dir.resolve())
    log.info("built %s in %.1f s", config.build_dir, time.monotonic() - started)
    return {**summary, "step_seconds": steps.seconds}


# Memory of validation and the closure side by side, per asserted triple: measured at 1M (bench/RESULTS.md,
# "Load, validate ‖ infer"): the validator's graph ~0.9 GB and the closure's process ~1.5 GB.
_BOTH_BYTES_PER_TRIPLE = 2600
_MEMORY_LEFT = 1024 ** 3  # kept free for everything else on the machine


def _room_for_both(triples: int) -> bool:
    """Whether the memory available now holds validation and the closure at once (`triples` asserted)."""
    return triples * _BOTH_BYTES_PER_TRIPLE + _MEMORY_LEFT <= _available_memory()


def _available_memory() -> float:
    """Bytes the kernel could give without swapping (MemAvailable); unknown: no limit."""
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return float("inf")


def _inferred_text(asserted, ontology, engine: str) -> tuple[str, float, float, float]:
    """infer.inferred_triples as N-Triples text (what the child process hands back), with the
    seconds and CPU seconds it took and the process's peak resident memory (GB)."""
    started, cpu = time.monotonic(), time.process_time()
    text = ntriples_text(infer.inferred_triples(asserted, ontology, engine=engine))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e6  # kilobytes on Linux
    return text, time.monotonic() - started, time.process_time() - cpu, peak


class _Beside:
    """`with _Beside(what, fn, *args) as job:` runs fn(*args) in a forked child process while the
    parent goes on; `job.result()` waits for it and returns its value, or raises the child's error
    as the parent would have raised it (a KgError keeps its message, file and line). A child that
    dies (killed, out of memory) is a one-line KgError; one that is not waited for is stopped on exit.
    The value travels back pickled, through a temporary file."""

    def __init__(self, what: str, fn, *args):
        self.what, self.fn, self.args = what, fn, args
        self.pid = None

    def __enter__(self):
        handle, self.path = tempfile.mkstemp(prefix="kg-build-")
        os.close(handle)
        self.pid = os.fork()
        if self.pid == 0:  # the child: compute, write the outcome, leave without running the parent's cleanup
            code = 0
            try:
                try:
                    outcome = ("value", self.fn(*self.args))
                except KgError as exc:
                    outcome = ("error", exc)
                except BaseException:  # noqa: BLE001 - handed to the parent, which raises it
                    outcome = ("crash", traceback.format_exc())
                with open(self.path, "wb") as out:
                    pickle.dump(outcome, out, protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException:  # noqa: BLE001 - cannot even write: the exit status says so
                code = 1
            finally:
                os._exit(code)
        return self

    def result(self):
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        try:
            with open(self.path, "rb") as handle:
                kind, value = pickle.load(handle)
        except (OSError, EOFError, pickle.UnpicklingError):
            if os.WIFSIGNALED(status):
                reason = f"was stopped by signal {signal.Signals(os.WTERMSIG(status)).name}"
                if os.WTERMSIG(status) == signal.SIGKILL:
                    reason += " (out of memory?)"
            else:
                reason = f"exited with status {os.waitstatus_to_exitcode(status)}"
            raise KgError(f"computing {self.what}: its process {reason}; the previous build is unchanged") from None
        finally:
            os.unlink(self.path)
        if kind == "error":
            raise value
        if kind == "crash":
            raise RuntimeError(f"computing {self.what} failed in its process:\n{value}")
        return value

    def __exit__(self, *exc) -> None:
        if self.pid is not None:  # not waited for: the build stops
            os.kill(self.pid, signal.SIGTERM)
            os.waitpid(self.pid, 0)
            self.pid = None
            os.unlink(self.path)


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
    """The manifest, then the query store beside the downloads and the pages' records, into
    `config.build_dir`; the manifest again, with the records file's checksum.

    The store is bulk-loaded in a thread beside the downloads: pyoxigraph loads without the GIL,
    while the downloads are mostly serialized holding it (and gzipped in another thread). A
    failure of either fails the build once the other has stopped, and nothing is published."""
    summary["store"] = {"path": "store", "quads": sum(summary["triples"].values())}  # checked as it is loaded
    _write_json(config.build_dir / "manifest.json", summary)  # the downloads take the release from it
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="kg-store") as background:
        store_done = steps.start("store", "bulk-loading the query store (beside the downloads)")
        stored = background.submit(_write_store_step, config, summary, store_done)
        with steps.step("dumps", "writing the downloads"):
            # Read once from the quads in memory: the exports and the pages' records both need it.
            records_read = dump.read_catalog(dataset, config)
            dump.write_dumps(config, dataset=dataset, catalog=records_read)
        with steps.step("records", "writing the pages' records"):
            summary["records"] = records.build_records(config, records_read)
        del records_read
        stored.result()
    _write_json(config.build_dir / "manifest.json", summary)  # now with the records file's checksum


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


#: The dataset's graphs, in the order the summary lists them.
GRAPHS = ("asserted", "inferred", "ontology")


def summarise(config: Config, dataset: SortedDataset, sources: dict[str, str]) -> dict:
    """The manifest: counts, and the SHA-256 of every stored source (as the loader checked them).

    Read from the sorted dataset's keys (its N-Triples lines), as kg.void counts: no term made."""
    by_name = {graph.name: graph for graph in dataset.graphs}
    graphs = {name: by_name.get(f"<{config.graph(name)}>") for name in GRAPHS}
    keys = {name: graph.keys if graph else [] for name, graph in graphs.items()}
    kg = config.ontology_ns
    typed = {name: _pairs(graph_keys, TYPE_KEY) for name, graph_keys in keys.items()}
    typings = [typing for pairs in typed.values() for typing in pairs]  # as served
    classes = {cls[len(kg):]: len(members) for cls, members in members_per_class(typings, kg).items()}
    status_ns = vocab.scheme_ns(config.base, "status")
    claims = {subject for subject, cls in typed["asserted"] if cls == kg + "Claim"}
    statuses = Counter(status[len(status_ns):] for claim, status in
                       _pairs(keys["asserted"], f"<{kg}epistemicStatus>".encode()) if claim in claims)
    return {
        "version": config.version,
        "base": config.base,
        "built_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat(),
        "article_sha256": next(iter(sources.values()), None),  # the first source: the article
        "sources_sha256": dict(sorted(sources.items())),
        "triples": {name: len(graph.quads) if graph else 0 for name, graph in graphs.items()},
        "entities_per_class": dict(sorted(classes.items())),
        "claims_per_status": dict(sorted(statuses.items())),
    }


def _pairs(keys: list[bytes], predicate: bytes) -> list[tuple[str, str]]:
    """(subject as N-Triples text, object IRI) of the keys (kg.canonical's: `s p o .`) with this
    predicate (N-Triples text, or TYPE_KEY) and an IRI object. The keys are filtered by a substring
    test in one comprehension first (a regular expression over their text was slower), then split."""
    needle = b" " + predicate + b" <"
    return [(subject.decode(), obj[1:-3].decode())
            for subject, found, obj in (key.split(b" ", 2) for key in [key for key in keys if needle in key])
            if found == predicate]


def format_summary(summary: dict) -> str:
    lines = [f"kg build: dataset {summary['version']} (base {summary['base']})", "triples:"]
    lines += [f"  {name:<10} {count:>7}" for name, count in summary["triples"].items()]
    lines.append("entities per class (inferred types included, as in VoID: a Firing is also a Dismissal and an Event):")
    lines += [f"  {name:<16} {count:>5}" for name, count in summary["entities_per_class"].items()]
    lines.append("claims per status:")
    lines += [f"  {name:<10} {count:>5}" for name, count in summary["claims_per_status"].items()]
    return "\n".join(lines)
