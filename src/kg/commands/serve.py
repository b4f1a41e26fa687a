"""`kg serve`: the web app under gunicorn, on the built dataset or on --data files (kg.web.server)."""

from __future__ import annotations

import argparse
import logging
import socket

from ..config import Config, DataFile, _check, default_of
from ..errors import KgError
from ..web import create_app
from ..web.server import GunicornServer, gunicorn_options, retire_this_worker
from ..web.state import state_of

log = logging.getLogger("kg.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", action="append", metavar="FILE[@IRI]", default=[],
                        help="serve this RDF file (repeatable): Turtle, N-Triples, RDF/XML into the default "
                             "graph, TriG/N-Quads with their graphs; FILE@IRI loads a triples file into graph IRI "
                             "(default: the built dataset)")
    parser.add_argument("--host", help=f"interface to listen on ({default_of('host')})")
    parser.add_argument("--port", type=int, help=f"port ({default_of('port')})")
    parser.add_argument("--timeout", type=float, help=f"seconds a query may run ({default_of('timeout')})")
    parser.add_argument("--max-rows", type=int, help=f"rows per result before it is cut ({default_of('max_rows')})")
    parser.add_argument("--workers", type=int, help=f"worker processes ({default_of('workers')})")
    parser.add_argument("--threads", type=int, help=f"threads per worker ({default_of('threads')})")
    parser.add_argument("--response-cache-bytes", type=int, metavar="BYTES",
                        help=f"per-worker cache of query answers, 0 = off ({default_of('response_cache_bytes')})")


def command(args: argparse.Namespace, config: Config) -> int:
    config = _apply_flags(args, config)
    app = create_app(config)
    _check_port_is_free(config)
    state = state_of(app)
    state.retire_worker = retire_this_worker
    log.info("kg serve: %d file(s), SPARQL endpoint at http://%s:%d/sparql (%d workers x %d threads)",
             len(state.dataset.files), config.host, config.port, config.workers, config.threads)
    GunicornServer(app, gunicorn_options(config)).run()
    return 0


def _check_port_is_free(config: Config) -> None:
    """Say so plainly when the port is taken (gunicorn would retry five times, then exit 1)."""
    try:
        infos = socket.getaddrinfo(config.host, config.port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise KgError(f"--host {config.host!r}: {exc.strerror}") from None
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as exc:
            raise KgError(f"cannot listen on {config.host}:{config.port}: {exc.strerror} "
                          "(is another server running? choose another --port)") from None


def _apply_flags(args: argparse.Namespace, config: Config) -> Config:
    changes = {
        "host": args.host, "port": args.port, "timeout": args.timeout, "max_rows": args.max_rows,
        "workers": args.workers, "threads": args.threads, "response_cache_bytes": args.response_cache_bytes,
    }
    changes = {name: value for name, value in changes.items() if value is not None}
    if args.data:
        try:
            changes["data_files"] = tuple(DataFile.parse(spec) for spec in args.data)
        except ValueError as exc:
            raise KgError(str(exc)) from None
    config = config.replace(**changes)
    _check(config)
    if config.workers < 1 or config.threads < 1:
        raise KgError("--workers and --threads must be at least 1")
    return config
