"""`kg serve`: the web app under granian (or gunicorn), on the built dataset or on --data files (kg.web.server)."""

from __future__ import annotations

import argparse
import logging
import socket

from ..config import Config, DataFile, _check, default_of
from ..errors import KgError
from ..query_engine import EngineUnavailable
from ..web import create_app
from ..process_engine import limit_arenas
from ..web.server import retire_this_worker, run
from ..web.state import state_of
from .store_options import add_store_arguments, store_config

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
    parser.add_argument("--workers", type=int, help=f"HTTP front processes ({default_of('workers')})")
    parser.add_argument("--threads", type=int, help=f"request threads per front process ({default_of('threads')})")
    parser.add_argument("--response-cache-bytes", type=int, metavar="BYTES",
                        help=f"per-worker cache of query answers, 0 = off ({default_of('response_cache_bytes')})")
    add_store_arguments(parser)
    guard = parser.add_argument_group("protection (README: 'Serving under attack')")
    for name, kind, text in GUARD_FLAGS:
        guard.add_argument("--" + name.replace("_", "-"), type=kind, dest=name, metavar=name.split("_")[-1].upper(),
                           help=f"{text} ({default_of(name)})")


GUARD_FLAGS = (
    ("server", str, "HTTP server: granian or gunicorn"),
    ("engine", str, "query engine: process (evaluator processes) or embedded (threads)"),
    ("evaluators", int, "evaluator processes at most, shared out between the front workers"),
    ("query_memory_bytes", int, "memory one query may allocate before it is stopped with 503"),
    ("queue_size", int, "queries waiting for an evaluator at most (more: 503)"),
    ("queue_timeout", float, "seconds a query waits for an evaluator at most (then: 503)"),
    ("long_query_after", float, "CPU seconds after which a query is heavy"),
    ("long_query_slots", int, "heavy queries at once; one more is stopped with 503"),
    ("client_concurrency", int, "queries one client address may have running (more: 429); 0 = no limit"),
    ("client_query_seconds", float, "evaluation seconds one client may use per window (over: 429); 0 = off"),
    ("client_window", float, "the window of client-query-seconds, in seconds"),
    ("header_read_timeout", float, "seconds a client may take to send its headers, or stay idle between requests"),
)


def command(args: argparse.Namespace, config: Config) -> int:
    config = _apply_flags(args, config)
    limit_arenas()  # before the store is loaded: glibc's arenas hold on to freed memory
    try:
        app = create_app(config)
    except EngineUnavailable as exc:  # --store: the store is down, or nothing is published there yet
        raise KgError(f"--store {config.store}: {exc}") from None
    _check_port_is_free(config)
    state = state_of(app)
    state.retire_worker = retire_this_worker
    if config.store:
        try:  # fail now, with the reason, rather than answer 503 to every request
            release = state.engine.release()
        except EngineUnavailable as exc:
            raise KgError(f"--store {config.store}: {exc}") from None
        log.info("kg serve: release %s of %s, SPARQL endpoint at http://%s:%d/sparql (%s, %d worker(s))",
                 release.id, config.store, config.host, config.port, config.server, config.workers)
    else:
        log.info("kg serve: %d file(s), SPARQL endpoint at http://%s:%d/sparql (%s, %d worker(s), %s engine)",
                 len(state.dataset.files), config.host, config.port, config.server, config.workers, config.engine)
    run(config, app)
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
        **{name: getattr(args, name, None) for name, _, _ in GUARD_FLAGS},
    }
    changes = {name: value for name, value in changes.items() if value is not None}
    if args.data:
        try:
            changes["data_files"] = tuple(DataFile.parse(spec) for spec in args.data)
        except ValueError as exc:
            raise KgError(str(exc)) from None
    config = store_config(args, config.replace(**changes))
    if config.store and config.data_files:
        raise KgError("--data and --store exclude each other: publish the files with `kg publish --store URL --data ...`")
    _check(config)
    if config.workers < 1 or config.threads < 1:
        raise KgError("--workers and --threads must be at least 1")
    return config
