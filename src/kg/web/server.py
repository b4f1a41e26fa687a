"""`kg serve`: the web app under granian (default) or gunicorn, on the built dataset or on --data files.

The dataset is loaded once, in the main process, before the workers fork (they share it); a bad
file therefore stops `kg serve` with file, line and reason instead of a worker boot loop.

**granian** (the default) is an event-loop front written in Rust: it reads requests and writes
answers itself, so a slow reader or writer holds a socket, not a Python thread; a client gets
`header_read_timeout` seconds to send its headers (slowloris) and an idle keep-alive connection
is closed after as long. Queries run in evaluator processes (kg.process_engine), which the engine
kills at the time limit, so the server needs no worker retirement: granian never calls a WSGI
body's close(), and nothing here depends on it. Each front worker starts its evaluators right
after it is forked, before any thread of its own exists.

**gunicorn** (`--server gunicorn`, threaded workers) is kept for comparison: it has no header or
body read timeout. With the embedded engine (threads) a query that overruns its time limit leaves
a thread running inside its worker, so that worker retires after answering 503 (SIGTERM to itself:
gunicorn's graceful exit) and the master starts a fresh one.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import socket

from gunicorn.app.base import BaseApplication

from ..config import Config, DataFile, _check
from ..errors import KgError
from ..process_engine import limit_arenas
from . import create_app
from .state import state_of

log = logging.getLogger("kg.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", action="append", metavar="FILE[@IRI]", default=[],
                        help="serve this RDF file (repeatable): Turtle, N-Triples, RDF/XML into the default "
                             "graph, TriG/N-Quads with their graphs; FILE@IRI loads a triples file into graph IRI "
                             "(default: the built dataset)")
    parser.add_argument("--host", help="interface to listen on (default: KG_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (default: KG_PORT or 8000)")
    parser.add_argument("--timeout", type=float, help="seconds a query may run (default: KG_TIMEOUT or 10)")
    parser.add_argument("--max-rows", type=int, help="rows per result before it is cut (default: 10000)")
    parser.add_argument("--workers", type=int, help="HTTP front processes (default: KG_WORKERS or 1)")
    parser.add_argument("--threads", type=int, help="request threads per front process (default: KG_THREADS or 64)")
    parser.add_argument("--response-cache-bytes", type=int, metavar="BYTES",
                        help="per-worker cache of query answers, 0 = off (default: KG_RESPONSE_CACHE_BYTES or 32 MB)")
    guard = parser.add_argument_group("protection (defaults in README, 'Serving under attack')")
    defaults = Config()
    for name, kind, text in _GUARD_FLAGS:
        guard.add_argument("--" + name.replace("_", "-"), type=kind, dest=name, metavar=name.split("_")[-1].upper(),
                           help=f"{text} (default: KG_{name.upper()} or {getattr(defaults, name)})")


_GUARD_FLAGS = (
    ("server", str, "HTTP server: granian or gunicorn"),
    ("engine", str, "query engine: process (evaluator processes) or embedded (threads)"),
    ("evaluators", int, "evaluator processes per front process"),
    ("query_memory_bytes", int, "memory one query may allocate before it is stopped with 503"),
    ("queue_size", int, "queries waiting for an evaluator at most (more: 503)"),
    ("queue_timeout", float, "seconds a query waits for an evaluator at most (then: 503)"),
    ("long_query_after", float, "seconds after which a query counts as long"),
    ("long_query_slots", int, "long queries at once; one more is stopped with 503"),
    ("client_concurrency", int, "queries one client address may have running (more: 429); 0 = no limit"),
    ("client_query_seconds", float, "evaluation seconds one client may use per window (over: 429); 0 = off"),
    ("client_window", float, "the window of client-query-seconds, in seconds"),
    ("header_read_timeout", float, "seconds a client may take to send its headers, or stay idle between requests"),
)


def command(args: argparse.Namespace, config: Config) -> int:
    config = _apply_flags(args, config)
    limit_arenas()  # before the store is loaded: glibc's arenas hold on to freed memory
    app = create_app(config)
    _check_port_is_free(config)
    state = state_of(app)
    state.retire_worker = retire_this_worker
    log.info("kg serve: %d file(s), SPARQL endpoint at http://%s:%d/sparql (%s, %d worker(s); %s engine)",
             len(state.dataset.files), config.host, config.port, config.server, config.workers, config.engine)
    if config.server == "granian":
        granian_server(config, app).serve(target_loader=lambda target: _in_worker(app), wrap_loader=True)
    else:
        options = gunicorn_options(config)
        previous = options.get("post_fork")
        options["post_fork"] = lambda server, worker: (previous and previous(server, worker), _in_worker(app))
        GunicornServer(app, options).run()
    return 0


def _in_worker(app):
    """In a freshly forked front worker, still single-threaded: start its query evaluators."""
    engine = state_of(app).engine
    if hasattr(engine, "start"):
        engine.start()
    return app


def granian_server(config: Config, app):
    from granian.constants import HTTPModes, Interfaces
    from granian.http import HTTP1Settings
    from granian.log import LogLevels
    from granian.server import Server

    return Server(
        "kg.web:create_app",  # only named in granian's log: the app itself comes from target_loader
        address=config.host,
        port=config.port,
        interface=Interfaces.WSGI,
        workers=config.workers,
        blocking_threads=config.threads,
        backpressure=config.threads,
        http=HTTPModes.http1,
        http1_settings=HTTP1Settings(header_read_timeout=int(config.header_read_timeout * 1000), keep_alive=True),
        log_level=LogLevels.warning,
        respawn_failed_workers=True,  # one worker's death must not stop the server
        respawn_interval=0.5,
        workers_kill_timeout=5,
    )


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
        **{name: getattr(args, name, None) for name, _, _ in _GUARD_FLAGS},
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


def retire_this_worker() -> None:
    """Run after a timed-out response has been sent: gunicorn's graceful exit for this worker."""
    log.warning("worker %d retiring: a query thread overran its time limit", os.getpid())
    os.kill(os.getpid(), signal.SIGTERM)


def gunicorn_options(config: Config) -> dict:
    return {
        "bind": f"{config.host}:{config.port}",
        "workers": config.workers,
        "threads": config.threads,
        "worker_class": "gthread",
        # The worker heartbeat is not blocked by a running query (gthread), but leave room anyway.
        "timeout": max(30, int(config.timeout * 3)),
        "graceful_timeout": 5,
        "keepalive": 5,
        "limit_request_line": 8190,  # the largest gunicorn allows: long GET queries
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "kg-serve",
        **(_pinning() if config.pin_workers and config.workers >= len(_cpus()) > 1 else {}),
    }


# --- one CPU per worker ---------------------------------------------------------------------------
# Every query crosses from a request thread to an evaluator thread and back (the price of the time
# limit). When the two run on different CPUs each crossing is a cross-CPU wake-up, which costs far
# more than the query on a virtual machine: measured, pinning each worker to one CPU gave ~1.5x the
# uncached throughput on 2 cores (bench/RESULTS.md). Only done when workers fill every CPU anyway.
def _cpus() -> list[int]:
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def _pinning() -> dict:
    return {"pre_fork": _choose_cpu, "post_fork": _pin_to_chosen_cpu}


def _choose_cpu(server, worker) -> None:
    """In the master, before the fork: the CPU fewest live workers are on (a replacement takes its
    predecessor's CPU)."""
    taken = [getattr(other, "kg_cpu", None) for other in server.WORKERS.values()]
    worker.kg_cpu = min(_cpus(), key=taken.count)


def _pin_to_chosen_cpu(server, worker) -> None:
    os.sched_setaffinity(0, {worker.kg_cpu})



class GunicornServer(BaseApplication):
    """Runs an already created WSGI app with options given as data (no gunicorn CLI parsing)."""

    def __init__(self, app, options: dict):
        self.application = app
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return self.application
