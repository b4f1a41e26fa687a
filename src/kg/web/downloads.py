"""Downloads: the /download page, the dump files, and the VoID description at /.well-known/void.

The files are those `kg dump` (run by `kg build`) wrote into BUILD_DIR/downloads/. Only names
listed in its SHA256SUMS are served, so no request can reach another file. Each file is served
with Content-Length, a strong ETag (its SHA-256), Last-Modified and byte ranges (resumable
downloads), by werkzeug's conditional responses.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from flask import Blueprint, Response, render_template, request, send_file

from ..dump import FORMATS, SUMS_FILE, VARIANT_TITLES, VOID_FILE, describe_export, downloads_dir
from .errors import api_error
from .http_common import client_copy_is_current
from .state import current_state
from .protocol_formats import NotAcceptable, negotiate

bp = Blueprint("downloads", __name__)

SUFFIX_TYPES = {fmt.suffix: fmt.media_type for fmt in FORMATS}
TEXT_TYPES = set(SUFFIX_TYPES.values()) | {"text/csv", "application/json"}  # + the exports


@dataclass(frozen=True)
class DumpFile:
    name: str
    sha256: str
    size: int
    media_type: str
    gzipped: bool
    title: str


def listed_files(folder: Path) -> list[DumpFile]:
    """The files SHA256SUMS lists that exist, in its order (the order `kg dump` wrote them)."""
    sums = folder / SUMS_FILE
    if not sums.is_file():
        return []
    files = []
    for line in sums.read_text(encoding="utf-8").splitlines():
        digest, _, name = line.partition("  ")
        path = folder / name
        if name and "/" not in name and path.is_file():
            files.append(_describe(path, digest))
    return files


def _describe(path: Path, digest: str) -> DumpFile:
    name = path.name
    gzipped = name.endswith(".gz")
    export = describe_export(name)
    if export is not None:  # the FollowTheMoney and CSV exports
        return DumpFile(name, digest, path.stat().st_size, export[1], gzipped, export[0])
    suffix = Path(name[:-3] if gzipped else name).suffix
    variant = "-asserted" if "-asserted." in name else ""
    fmt = next((f for f in FORMATS if f.suffix == suffix), None)
    title = f"{fmt.title if fmt else suffix}, {VARIANT_TITLES[variant]}{', gzipped' if gzipped else ''}"
    return DumpFile(name, digest, path.stat().st_size, SUFFIX_TYPES.get(suffix, "application/octet-stream"),
                    gzipped, title)


def _folder() -> Path:
    return downloads_dir(current_state().config)


@bp.get("/download")
@bp.get("/download/")
def download_page():
    config = current_state().config
    folder = _folder()
    files = listed_files(folder)
    return render_template("download.html", config=config, files=files,
                           has_void=(folder / VOID_FILE).is_file(), sums_file=SUMS_FILE)


@bp.get("/download/<name>")
def download_file(name: str):
    folder = _folder()
    if name in (SUMS_FILE, VOID_FILE):
        path = folder / name
        if not path.is_file():
            return _no_dumps()
        media_type = "text/plain" if name == SUMS_FILE else "text/turtle"
        return _send(path, media_type, hashlib.sha256(path.read_bytes()).hexdigest(), text=True)
    listed = {f.name: f for f in listed_files(folder)}
    if name not in listed:
        return api_error(404, "not_found", f"No download named {name!r}; the list is at /download.")
    dump = listed[name]
    if dump.gzipped:
        return _send(folder / name, "application/gzip", dump.sha256, text=False)
    return _send(folder / name, dump.media_type, dump.sha256, text=dump.media_type in TEXT_TYPES)


def _send(path: Path, media_type: str, sha256: str, text: bool) -> Response:
    if request.range is not None and len(request.range.ranges) > 1:
        # werkzeug serves one range only and would answer 416 ("none satisfiable"), which is false:
        # ignore the header instead and send the whole file, as RFC 9110 (14.2) allows.
        request.environ.pop("HTTP_RANGE", None)
    # conditional=True gives Range (206), If-None-Match / If-Modified-Since (304) and Content-Length.
    response = send_file(path, mimetype=media_type, as_attachment=False, conditional=True, etag=sha256,
                         max_age=None)
    # Set here, not through send_file: werkzeug adds its own charset to text/* types (a second one).
    response.headers["Content-Type"] = f"{media_type}; charset=utf-8" if text else media_type
    response.headers["Cache-Control"] = "public, no-cache"  # the file may be rebuilt: revalidate (cheap, 304)
    response.headers["Content-Disposition"] = f'inline; filename="{path.name}"'
    return response


def _no_dumps() -> Response:
    return api_error(404, "not_found", "No dumps have been written on this server: run `kg build` or `kg dump`.")


@bp.get("/.well-known/void")
def void_description():
    """The VoID description, as Turtle (the file kg dump wrote) or converted to another RDF format."""
    path = _folder() / VOID_FILE
    if not path.is_file():
        return _no_dumps()
    try:
        fmt = negotiate_void()
    except NotAcceptable as exc:
        return api_error(406, "not_acceptable", str(exc))
    data = path.read_bytes()
    etag = f"{hashlib.sha256(data).hexdigest()[:32]}-{fmt.key}"
    if client_copy_is_current(request.environ, etag):
        response = Response(status=304)
    else:
        body = data if fmt.key == "ttl" else ox.serialize(ox.parse(data, format=ox.RdfFormat.TURTLE), format=fmt.rdf)
        response = Response(body, content_type=fmt.content_type)
    response.set_etag(etag)
    response.headers["Vary"] = "Accept"
    response.headers["Cache-Control"] = "public, no-cache"
    return response


def negotiate_void():
    # Browsers (text/html, */*;q=0.8) get the first offer, Turtle, which they show as text.
    return negotiate("graph", request.headers.get("Accept"), request.args.getlist("format"))
