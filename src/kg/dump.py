"""`kg dump`: the downloadable dumps of the built dataset, their checksums and VoID description.

Reads build/dataset.nq (three named graphs: asserted, inferred, ontology) and writes into
build/downloads/, for each variant (everything, or asserted only) and each format (Turtle,
N-Triples, TriG, N-Quads, JSON-LD), the file and its gzipped copy, named with the release
version: kg-2026.11.25.ttl, kg-2026.11.25-asserted.nq.gz, ... plus SHA256SUMS and void.ttl.

Dumps are deterministic, so that a diff between two releases shows only what changed: triples
are sorted, prefixes are fixed, blank nodes get labels computed from their content, and gzip
files carry no timestamp. Each file is written to a temporary name and moved into place with
os.replace, so a reader never sees half a file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from . import vocab
from .config import Config
from .errors import KgError
from .store import FORMATS as RDF_FORMATS  # this module's FORMATS lists the dumps
from .store import rdf_format
from .vocab import DCAT, RDF_TYPE, SPDX, VOID, WIKIDATA, XSD
from .vocab import DCTERMS as DCT

log = logging.getLogger("kg.dump")

DOWNLOADS = "downloads"
VOID_FILE = "void.ttl"
SUMS_FILE = "SHA256SUMS"


@dataclass(frozen=True)
class DumpFormat:
    suffix: str
    media_type: str
    title: str
    quads: bool  # keeps the named graphs (TriG, N-Quads); else the graphs are merged


FORMATS = (
    DumpFormat(".ttl", "text/turtle", "Turtle", False),
    DumpFormat(".nt", "application/n-triples", "N-Triples", False),
    DumpFormat(".trig", "application/trig", "TriG", True),
    DumpFormat(".nq", "application/n-quads", "N-Quads", True),
    DumpFormat(".jsonld", "application/ld+json", "JSON-LD", False),
)
# variant name suffix -> which graphs it leaves out ("" = everything the server serves)
VARIANTS = {"": (), "-asserted": ("inferred",)}
VARIANT_TITLES = {"": "with inferences", "-asserted": "asserted only (no inferences)"}


def dump_name(version: str, variant: str, fmt: DumpFormat, gz: bool = False) -> str:
    return f"kg-{version}{variant}{fmt.suffix}{'.gz' if gz else ''}"


# --------------------------------------------------------------------------- reading


def read_quads(path: Path) -> list:
    """The dataset's quads, with blank nodes relabelled canonically (see canonical_blank_nodes)."""
    try:
        quads = list(ox.parse(path=str(path), format=rdf_format(path)))
    except FileNotFoundError:
        raise KgError("no such file (if it is the build's dataset: run `kg build` first)", str(path)) from None
    except SyntaxError as exc:
        raise KgError(f"not valid RDF: {exc}", str(path)) from None
    return canonical_blank_nodes(quads)


def canonical_blank_nodes(quads: list) -> list:
    """Relabel blank nodes by a hash of what they say, so the same input gives the same labels.

    Parsers number blank nodes as they meet them (or keep random labels from the writer), which
    would make two dumps of the same graph differ. A blank node's label here is the hash of its
    outgoing triples (recursively, so RDF lists and OWL restrictions are covered), then of its
    incoming ones to tell apart nodes that say the same thing. Nodes equal in both are
    interchangeable, so numbering them in any order serialises the same bytes.
    """
    blanks = {term for q in quads for term in (q.subject, q.object) if isinstance(term, ox.BlankNode)}
    if not blanks:
        return quads
    outgoing: dict = {b: [] for b in blanks}
    incoming: dict = {b: [] for b in blanks}
    for q in quads:
        if q.subject in outgoing:
            outgoing[q.subject].append(q)
        if q.object in incoming:
            incoming[q.object].append(q)
    memo: dict = {}

    def content(node, seen=()) -> str:
        if node in memo:
            return memo[node]
        if node in seen:  # a cycle through blank nodes: stop here
            return "cycle"
        parts = sorted(
            f"{q.graph_name} {q.predicate} "
            f"{content(q.object, seen + (node,)) if q.object in outgoing else q.object}"
            for q in outgoing[node]
        )
        memo[node] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return memo[node]

    def context(node) -> str:
        parts = sorted(f"{q.graph_name} {q.subject if q.subject not in outgoing else content(q.subject)} "
                       f"{q.predicate}" for q in incoming[node])
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    keyed = sorted(blanks, key=lambda b: (content(b), context(b)))
    labels, used = {}, {}
    for node in keyed:
        stem = "b" + hashlib.sha256((content(node) + context(node)).encode()).hexdigest()[:16]
        used[stem] = used.get(stem, 0) + 1
        labels[node] = ox.BlankNode(stem if used[stem] == 1 else f"{stem}x{used[stem]}")

    def relabel(term):
        return labels.get(term, term)

    return [ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), q.graph_name) for q in quads]


def _term_key(term, first: str = "") -> str:
    # rdf:type first within a subject reads best in Turtle ("person:x a kg:Person ; ...").
    return "" if first and str(term) == first else str(term)


def sorted_quads(quads) -> list:
    return sorted(set(quads), key=lambda q: (str(q.graph_name), str(q.subject),
                                             _term_key(q.predicate, f"<{RDF_TYPE}>"), str(q.object)))


def sorted_triples(quads) -> list:
    """The graphs merged into one: distinct triples, sorted."""
    triples = {q.triple for q in quads}
    return sorted(triples, key=lambda t: (str(t.subject), _term_key(t.predicate, f"<{RDF_TYPE}>"), str(t.object)))


def serialize(quads: list, fmt: DumpFormat, config: Config) -> bytes:
    rdf_format = RDF_FORMATS[fmt.suffix]
    items = sorted_quads(quads) if fmt.quads else sorted_triples(quads)
    if fmt.suffix not in (".ttl", ".trig"):
        return ox.serialize(items, format=rdf_format)
    return with_sorted_prefixes(ox.serialize(items, format=rdf_format, prefixes=vocab.prefixes(config.base)), config)


def with_sorted_prefixes(turtle: bytes, config: Config) -> bytes:
    """pyoxigraph writes the @prefix lines in hash order, which changes from run to run: rewrite them sorted."""
    lines = turtle.split(b"\n")
    body_start = 0
    while body_start < len(lines) and lines[body_start].startswith(b"@prefix "):
        body_start += 1
    header = [f"@prefix {name}: <{iri}> .".encode() for name, iri in sorted(vocab.prefixes(config.base).items())]
    return b"\n".join(header + lines[body_start:])


# --------------------------------------------------------------------------- writing


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside `path`, then move it into place in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def gzipped(data: bytes) -> bytes:
    return gzip.compress(data, compresslevel=9, mtime=0)  # mtime=0: the same bytes every time


@dataclass(frozen=True)
class Release:
    version: str
    created: str  # xsd:dateTime of the build


def release_info(config: Config) -> Release:
    """Version and build time: from build/manifest.json when the build wrote one."""
    manifest_path = config.build_dir / "manifest.json"
    manifest = {}
    if manifest_path.exists():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise KgError(f"not valid JSON: {exc}", str(manifest_path)) from None
    created = manifest.get("built_at")
    if not created:
        mtime = config.dataset_path.stat().st_mtime if config.dataset_path.exists() else 0
        created = datetime.fromtimestamp(int(mtime), tz=timezone.utc).isoformat().replace("+00:00", "Z")
    return Release(version=str(manifest.get("version") or config.version), created=str(created))


def downloads_dir(config: Config) -> Path:
    return config.build_dir / DOWNLOADS


def write_dumps(config: Config, source: Path | None = None) -> list[Path]:
    """Write every dump, SHA256SUMS and void.ttl into build/downloads/; return their paths.

    Everything is serialized in memory first and written only then (each file atomically, VoID
    last), so a failure while serializing leaves the previous downloads exactly as they were.
    """
    source = source or config.dataset_path
    quads = read_quads(source)
    release = release_info(config)
    files = serialize_dumps(config, quads, release.version)
    sums = "".join(f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, _, _, body in files)
    void = void_turtle(config, quads, release, files, config.graph("inferred"))
    outputs = [(name, body) for name, _, _, body in files] + [(SUMS_FILE, sums.encode()), (VOID_FILE, void)]
    out_dir = downloads_dir(config)
    written = []
    for name, body in outputs:  # VoID last: it lists the files above with their checksums
        write_atomic(out_dir / name, body)
        written.append(out_dir / name)
    _remove_stale(out_dir, {p.name for p in written})
    log.info("wrote %d download files (%s/)", len(written), out_dir.name)
    return written


def serialize_dumps(config: Config, quads: list, version: str) -> list[tuple[str, "DumpFormat", str, bytes]]:
    """(file name, format, variant, bytes) of every dump: each variant in each format, plain and gzipped."""
    files = []
    for variant, left_out in VARIANTS.items():
        left_out_iris = {f"<{config.graph(name)}>" for name in left_out}
        chosen = [q for q in quads if str(q.graph_name) not in left_out_iris]
        for fmt in FORMATS:
            data = serialize(chosen, fmt, config)
            for gz in (False, True):
                files.append((dump_name(version, variant, fmt, gz), fmt, variant, gzipped(data) if gz else data))
    return files


def _remove_stale(out_dir: Path, keep: set[str]) -> None:
    """Remove dumps of an earlier version (only our own kg-* files)."""
    for path in out_dir.glob("kg-*"):
        if path.name not in keep:
            path.unlink()


# --------------------------------------------------------------------------- VoID

SKOS_EXACT = vocab.SKOS + "exactMatch"


def void_iri(config: Config, fragment: str = "") -> str:
    return f"{config.base}.well-known/void{'#' + fragment if fragment else ''}"


def void_turtle(config: Config, quads: list, release: Release, files: list, inferred_graph: str) -> bytes:
    """The VoID description: counts, class partitions, the Wikidata linkset and every dump file."""
    triples: list = []

    def add(s: str, p: str, o) -> None:
        obj = o if isinstance(o, (ox.Literal, ox.NamedNode)) else ox.NamedNode(o)
        triples.append(ox.Triple(ox.NamedNode(s), ox.NamedNode(p), obj))

    def integer(n: int) -> ox.Literal:
        return ox.Literal(str(n), datatype=ox.NamedNode(XSD + "integer"))

    dataset = void_iri(config, "dataset")
    merged = {q.triple for q in quads}
    add(dataset, RDF_TYPE, VOID + "Dataset")
    add(dataset, DCT + "title", ox.Literal("kg: the documented connections between Donald Trump and "
                                           "Vladimir Putin's Russia, sourced", language="en"))
    add(dataset, DCT + "license", config.licence)
    add(dataset, DCT + "created", ox.Literal(release.created, datatype=ox.NamedNode(XSD + "dateTime")))
    add(dataset, vocab.OWL + "versionInfo", ox.Literal(release.version))
    add(dataset, DCT + "hasVersion", ox.Literal(release.version))
    add(dataset, VOID + "sparqlEndpoint", f"{config.base}sparql")
    add(dataset, VOID + "uriSpace", ox.Literal(config.base))
    add(dataset, VOID + "rootResource", f"{config.base}source/article")
    for vocabulary in (config.ontology_ns, vocab.SCHEMA, vocab.OA, vocab.SKOS, vocab.PROV):
        add(dataset, VOID + "vocabulary", vocabulary)
    add(dataset, VOID + "triples", integer(len(merged)))
    add(dataset, VOID + "distinctSubjects", integer(len({t.subject for t in merged})))
    add(dataset, VOID + "properties", integer(len({t.predicate for t in merged})))
    _add_entity_counts(config, add, integer, dataset, merged)
    _add_graph_subsets(config, add, integer, dataset, quads)
    _add_linkset(config, add, integer, dataset, merged)
    for name, fmt, variant, body in files:
        _add_dump_file(config, add, integer, dataset, name, fmt, variant, body)
    ordered = sorted(set(triples), key=lambda t: (str(t.subject), _term_key(t.predicate, f"<{RDF_TYPE}>"),
                                                  str(t.object)))
    return with_sorted_prefixes(ox.serialize(ordered, format=ox.RdfFormat.TURTLE, prefixes=vocab.prefixes(config.base)),
                                config)


def _add_entity_counts(config: Config, add, integer, dataset: str, merged: set) -> None:
    """void:entities: things typed with a class of our ontology; one class partition per class."""
    by_class: dict[str, set] = {}
    for t in merged:
        cls = t.object.value if str(t.predicate) == f"<{RDF_TYPE}>" else ""
        if cls.startswith(config.ontology_ns):
            by_class.setdefault(cls, set()).add(t.subject)
    add(dataset, VOID + "entities", integer(len(set().union(*by_class.values()) if by_class else set())))
    for cls, members in sorted(by_class.items()):
        part = void_iri(config, "class-" + cls[len(config.ontology_ns):])
        add(dataset, VOID + "classPartition", part)
        add(part, VOID + "class", cls)
        add(part, VOID + "entities", integer(len(members)))


def _add_graph_subsets(config: Config, add, integer, dataset: str, quads: list) -> None:
    graphs: dict[str, int] = {}
    for q in quads:
        name = q.graph_name.value if hasattr(q.graph_name, "value") else ""
        if name:
            graphs[name] = graphs.get(name, 0) + 1
    for graph, count in sorted(graphs.items()):
        subset = void_iri(config, "graph-" + graph.rstrip("/").rsplit("/", 1)[-1])
        add(dataset, VOID + "subset", subset)
        add(subset, RDF_TYPE, VOID + "Dataset")
        add(subset, vocab.SD + "name", graph)
        add(subset, VOID + "triples", integer(count))


def _add_linkset(config: Config, add, integer, dataset: str, merged: set) -> None:
    links = [t for t in merged if str(t.predicate) == f"<{SKOS_EXACT}>" and str(t.object).startswith(f"<{WIKIDATA}")]
    wikidata = void_iri(config, "wikidata")
    add(wikidata, RDF_TYPE, VOID + "Dataset")
    add(wikidata, vocab.FOAF + "homepage", "https://www.wikidata.org/")
    add(wikidata, VOID + "uriSpace", ox_literal(WIKIDATA))
    add(wikidata, VOID + "sparqlEndpoint", "https://query.wikidata.org/sparql")
    linkset = void_iri(config, "wikidata-links")
    add(linkset, RDF_TYPE, VOID + "Linkset")
    add(linkset, VOID + "linkPredicate", SKOS_EXACT)
    add(linkset, VOID + "subjectsTarget", dataset)
    add(linkset, VOID + "objectsTarget", wikidata)
    add(linkset, VOID + "target", dataset)
    add(linkset, VOID + "target", wikidata)
    add(linkset, VOID + "triples", integer(len(links)))
    add(dataset, VOID + "subset", linkset)


def ox_literal(text: str):
    return ox.Literal(text)


def _add_dump_file(config: Config, add, integer, dataset: str, name: str, fmt: DumpFormat, variant: str,
                   body: bytes) -> None:
    url = f"{config.base}download/{name}"
    gz = name.endswith(".gz")
    add(dataset, VOID + "dataDump", url)
    add(url, RDF_TYPE, DCAT + "Distribution")
    add(url, DCAT + "downloadURL", url)
    add(url, DCAT + "mediaType", f"https://www.iana.org/assignments/media-types/{fmt.media_type}")
    if gz:
        add(url, DCAT + "compressFormat", "https://www.iana.org/assignments/media-types/application/gzip")
    add(url, DCT + "format", ox.Literal(fmt.media_type))
    add(url, DCT + "title", ox.Literal(f"{fmt.title}, {VARIANT_TITLES[variant]}{', gzipped' if gz else ''}",
                                       language="en"))
    add(url, DCAT + "byteSize", integer(len(body)))
    checksum = f"{url}#sha256"
    add(url, SPDX + "checksum", checksum)
    add(checksum, RDF_TYPE, SPDX + "Checksum")
    add(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
    add(checksum, SPDX + "checksumValue", ox.Literal(hashlib.sha256(body).hexdigest(),
                                                       datatype=ox.NamedNode(XSD + "hexBinary")))
