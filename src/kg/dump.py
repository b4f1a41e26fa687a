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

import hashlib
import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pyoxigraph as ox

from . import catalog, export_csv, export_ftm, vocab
from .config import Config
from .canonical import read_quads, sorted_quads, sorted_triples, with_sorted_prefixes
from .errors import KgError
from .files import gzipped, write_atomic
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


def serialize(quads: list, fmt: DumpFormat, config: Config) -> bytes:
    rdf_format = RDF_FORMATS[fmt.suffix]
    items = sorted_quads(quads) if fmt.quads else sorted_triples(quads)
    if fmt.suffix not in (".ttl", ".trig"):
        return ox.serialize(items, format=rdf_format)
    return with_sorted_prefixes(ox.serialize(items, format=rdf_format, prefixes=vocab.prefixes(config.base)), config)


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


def write_dumps(config: Config, source: Path | None = None, out_dir: Path | None = None) -> list[Path]:
    """Write every dump, the exports (FollowTheMoney, CSV tables), SHA256SUMS and void.ttl into
    build/downloads/ (or `out_dir`, a folder of the user's for publishing elsewhere); return their paths.

    Everything is serialized in memory first and written only then (each file atomically, VoID
    last), so a failure while serializing leaves the previous downloads exactly as they were. In a
    folder of the user's, earlier kg-* files are left alone (only build/downloads/ is pruned).
    """
    source = source or config.dataset_path
    if out_dir is not None:
        out_dir = Path(out_dir)
        if out_dir.exists() and not out_dir.is_dir():
            raise KgError("is a file, not a folder: refusing to write the release files there", str(out_dir))
    quads = read_quads(source)
    release = release_info(config)
    files = serialize_dumps(config, quads, release.version)
    exports = export_files(config, quads, release.version)
    sums = "".join(f"{hashlib.sha256(body).hexdigest()}  {name}\n" for name, _, _, body in files)
    sums += "".join(f"{hashlib.sha256(e.body).hexdigest()}  {e.name}\n" for e in exports)
    titled = [(name, fmt, VARIANT_TITLES[variant], body) for name, fmt, variant, body in files]
    void = void_turtle(config, quads, release, titled, config.graph("inferred"), exports)
    outputs = [(name, body) for name, _, _, body in files] + [(e.name, e.body) for e in exports]
    outputs += [(SUMS_FILE, sums.encode()), (VOID_FILE, void)]
    target = out_dir if out_dir is not None else downloads_dir(config)
    written = []
    try:
        for name, body in outputs:  # VoID last: it lists the files above with their checksums
            write_atomic(target / name, body)
            written.append(target / name)
    except OSError as exc:
        raise KgError(f"cannot write the release files: {exc.strerror or exc}", str(target)) from None
    if out_dir is None:
        _remove_stale(target, {p.name for p in written})
    log.info("wrote %d download files (%s/)", len(written), target.name)
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


# --------------------------------------------------------------------------- exports


@dataclass(frozen=True)
class ExportFile:
    name: str
    media_type: str
    title: str
    body: bytes


FTM_SUFFIX = ".ftm.json"
FTM_MEDIA_TYPE = "application/json"  # line-delimited JSON, one FtM entity per line, as ftm and alephclient read it
CSV_MEDIA_TYPE = "text/csv"


def export_files(config: Config, quads: list, version: str) -> list[ExportFile]:
    """The FollowTheMoney entities (plain and gzipped) and the CSV tables with their data package."""
    store = ox.Store()
    store.extend(quads)
    records = catalog.from_store(store, config)
    ftm = export_ftm.ftm_entities(records).to_bytes()
    name = f"kg-{version}{FTM_SUFFIX}"
    files = [ExportFile(name, FTM_MEDIA_TYPE, describe_export(name)[0], ftm),
             ExportFile(name + ".gz", FTM_MEDIA_TYPE, describe_export(name + ".gz")[0], gzipped(ftm))]
    for file_name, body in export_csv.package_files(records, f"kg-{version}-", version, config.licence, config.base):
        title, media_type = describe_export(file_name)
        files.append(ExportFile(file_name, media_type, title, body))
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
