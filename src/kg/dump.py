"""The downloadable dumps of the built dataset, their checksums and VoID description (`kg dump`, `kg build`).

Reads build/dataset.nq (three named graphs: asserted, inferred, ontology) and writes into
build/downloads/, for each variant (everything, or asserted only) and each format (Turtle,
N-Triples, TriG, N-Quads, JSON-LD), the file and its gzipped copy, named with the release
version: kg-2026.11.25.ttl, kg-2026.11.25-asserted.nq.gz, ... plus SHA256SUMS and void.ttl.

Dumps are deterministic, so that a diff between two releases shows only what changed: triples
are sorted, prefixes are fixed, blank nodes get labels computed from their content (kg.canonical),
and gzip files carry no timestamp. Each file is written to a temporary name and moved into place
with os.replace, so a reader never sees half a file (kg.files). The VoID is made by kg.void.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from . import catalog as catalog_module, export_csv, export_ftm, vocab
from .catalog import Catalog
from .config import Config
from .canonical import SortedDataset, SortedPrefixes, ntriples_chunks, read_dataset
from .errors import KgError
from .files import StagedFiles
from .store import FORMATS as RDF_FORMATS  # this module's FORMATS lists the dumps
from .void import void_turtle

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


# --------------------------------------------------------------------------- writing


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


def write_dumps(config: Config, source: Path | None = None, out_dir: Path | None = None,
                dataset: SortedDataset | None = None, catalog: Catalog | None = None) -> list[Path]:
    """Write every dump, the exports (FollowTheMoney, CSV tables), SHA256SUMS and void.ttl into
    build/downloads/ (or `out_dir`, a folder of the user's for publishing elsewhere); return their paths.

    `kg build` hands over the quads of `source` (build/dataset.nq) it has just sorted (`dataset`),
    which are otherwise read from it. Every file is streamed to a temporary
    name beside its place and moved there only when all are written (VoID last), so a failure
    while serializing leaves the previous downloads exactly as they were, and no dump is ever
    held whole in memory. In a folder of the user's, earlier kg-* files are left alone (only
    build/downloads/ is pruned).
    """
    if out_dir is not None:
        out_dir = Path(out_dir)
        if out_dir.exists() and not out_dir.is_dir():
            raise KgError("is a file, not a folder: refusing to write the release files there", str(out_dir))
    source = source or config.dataset_path
    if dataset is None:
        dataset = read_dataset(source)
    release = release_info(config)
    target = out_dir if out_dir is not None else downloads_dir(config)
    try:
        staged = StagedFiles(target)
    except OSError as exc:
        raise KgError(f"cannot write the release files: {exc.strerror or exc}", str(target)) from None
    try:
        # The exports first: they are Python work holding the GIL, with hardly anything to gzip,
        # while `kg build` bulk-loads the store in another thread; then the RDF dumps, whose
        # gzipping (in StagedFiles' thread) uses the core the store no longer needs.
        exports = export_files(config, catalog or read_catalog(dataset, config), release.version, staged)
        files = write_rdf_dumps(staged, config, dataset, release.version)
        digests = staged.digests
        sums = "".join(f"{digests[name].sha256}  {name}\n" for name, _, _ in files)
        sums += "".join(f"{digests[e.name].sha256}  {e.name}\n" for e in exports)
        titled = [(name, fmt, VARIANT_TITLES[variant], digests[name]) for name, fmt, variant in files]
        described = [(e, digests[e.name]) for e in exports]
        void = void_turtle(config, dataset, release, titled, described)
        staged.add(SUMS_FILE, sums.encode())
        staged.add(VOID_FILE, void)  # last: it lists the files above with their checksums
        written = staged.publish()
    except OSError as exc:
        staged.discard()
        raise KgError(f"cannot write the release files: {exc.strerror or exc}", str(target)) from None
    except BaseException:
        staged.discard()
        raise
    if out_dir is None:
        _remove_stale(target, {p.name for p in written})
    log.info("wrote %d download files (%s/)", len(written), target.name)
    return written


def write_rdf_dumps(staged: StagedFiles, config: Config, dataset: SortedDataset,
                    version: str) -> list[tuple[str, DumpFormat, str]]:
    """Stream every dump (each variant in each format, plain and gzipped) into `staged`; return
    (file name, format, variant) of each, in the order SHA256SUMS and VoID list them.

    The dataset is sorted once (kg.canonical); a variant picks its graphs, and the merged triples
    are a merge of the graphs' sorted keys. N-Triples and N-Quads are written from those keys; the
    other formats by pyoxigraph from terms parsed back from the N-Triples just written (once: a
    variant that leaves graphs out picks its triples from those of the whole)."""
    files = []
    everything = dataset.triple_keys()
    all_terms = None  # the terms of `everything`, in its order
    for variant, left_out in VARIANTS.items():
        leave_out = {f"<{config.graph(name)}>" for name in left_out}

        def sink(fmt: DumpFormat):
            return staged.sink(dump_name(version, variant, fmt, False), dump_name(version, variant, fmt, True))

        by_suffix = {fmt.suffix: fmt for fmt in FORMATS}
        keys = dataset.triple_keys(leave_out)
        with sink(by_suffix[".nt"]) as out:
            for chunk in ntriples_chunks(keys):
                out.write(chunk)
        if all_terms is None or keys is everything:
            triples = list(ox.parse(path=str(staged.temps[dump_name(version, variant, by_suffix[".nt"])]),
                                    format=ox.RdfFormat.N_TRIPLES))
            all_terms = triples if keys is everything else None
        else:
            kept = set(keys)
            triples = [term for term, key in zip(all_terms, everything) if key in kept]
        for suffix in (".ttl", ".jsonld"):
            with sink(by_suffix[suffix]) as out:
                _serialize(triples, by_suffix[suffix], config, out)
        del triples
        with sink(by_suffix[".nq"]) as out:
            for graph in dataset.chosen(leave_out):
                for chunk in graph.nquads_chunks():
                    out.write(chunk)
        with sink(by_suffix[".trig"]) as out:
            _serialize(dataset.quads(leave_out), by_suffix[".trig"], config, out)
        for fmt in FORMATS:
            files += [(dump_name(version, variant, fmt, gz), fmt, variant) for gz in (False, True)]
    return files


def _serialize(items: list, fmt: DumpFormat, config: Config, out) -> None:
    rdf_format = RDF_FORMATS[fmt.suffix]
    if fmt.suffix not in (".ttl", ".trig"):
        ox.serialize(items, out, format=rdf_format)
        return
    writer = SortedPrefixes(out, config)
    ox.serialize(items, writer, format=rdf_format, prefixes=vocab.prefixes(config.base))
    writer.close()


# --------------------------------------------------------------------------- exports


@dataclass(frozen=True)
class ExportFile:
    name: str
    media_type: str
    title: str


FTM_SUFFIX = ".ftm.json"
FTM_MEDIA_TYPE = "application/json"  # line-delimited JSON, one FtM entity per line, as ftm and alephclient read it
CSV_MEDIA_TYPE = "text/csv"


def read_catalog(dataset: SortedDataset, config: Config) -> Catalog:
    """The catalog the exports are written from, read from the quads already in memory: no second
    store is loaded (at a million triples an in-memory store took ~6 s and ~1 GB more)."""
    return catalog_module.from_quads(dataset.quads(), config)


def export_files(config: Config, records: Catalog, version: str, staged: StagedFiles) -> list[ExportFile]:
    """Write the FollowTheMoney entities (plain and gzipped) and the CSV tables with their data
    package into `staged`, from the dataset's catalog (kg build hands over the one it reads once
    for the exports and the pages' records)."""
    name = f"kg-{version}{FTM_SUFFIX}"
    with staged.sink(name, name + ".gz") as out:
        export_ftm.ftm_entities(records).write(out)
    files = [ExportFile(name, FTM_MEDIA_TYPE, describe_export(name)[0]),
             ExportFile(name + ".gz", FTM_MEDIA_TYPE, describe_export(name + ".gz")[0])]
    for file_name, body in export_csv.package_files(records, f"kg-{version}-", version, config.licence, config.base):
        title, media_type = describe_export(file_name)
        staged.add(file_name, body)
        files.append(ExportFile(file_name, media_type, title))
    return files


def describe_export(name: str) -> tuple[str, str] | None:
    """(title, media type) of an export file by its name, or None for a name that is no export."""
    plain = name[:-3] if name.endswith(".gz") else name
    gz = ", gzipped" if name.endswith(".gz") else ""
    if plain.endswith(FTM_SUFFIX):
        return f"FollowTheMoney entities (one JSON entity a line), for Aleph and the ftm tools{gz}", FTM_MEDIA_TYPE
    if plain.endswith("-" + export_csv.PACKAGE_FILE):
        return "Frictionless data package: the CSV tables' columns, sizes and checksums", "application/json"
    for table in export_csv.TABLES:
        if plain.endswith(f"-{table.name}.csv"):
            return f"CSV table: {table.title.lower()} ({table.description[0].lower()}{table.description[1:]})", \
                CSV_MEDIA_TYPE
    return None


def _remove_stale(out_dir: Path, keep: set[str]) -> None:
    """Remove dumps of an earlier version (only our own kg-* files)."""
    for path in out_dir.glob("kg-*"):
        if path.name not in keep:
            path.unlink()
