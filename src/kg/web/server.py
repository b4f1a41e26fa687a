"""The web app under granian (default) or gunicorn, for `kg serve` (kg.commands.serve): on the built dataset or --data files.

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

import logging
import os
import signal

from gunicorn.app.base import BaseApplication

from ..config import Config
from .state import state_of

log = logging.getLogger("kg.serve")


def run(config: Config, app) -> None:
    """Serve `app` with the server `config.server` names, until stopped."""
    if config.server == "granian":
        pin = pins_workers(config)

        def load(target):
            if pin:
                _pin_granian_worker()
            return _in_worker(app)

        granian_server(config).serve(target_loader=load, wrap_loader=True)
    else:
        options = gunicorn_options(config)
        previous = options.get("post_fork")

        def post_fork(server, worker):
            if previous:
                previous(server, worker)
            _in_worker(app)

        options["post_fork"] = post_fork
        GunicornServer(app, options).run()


def _in_worker(app):
    """In a freshly forked front worker, still single-threaded: start its query evaluators."""
    engine = state_of(app).engine
    if hasattr(engine, "start"):
        engine.start()
    return app


def granian_server(config: Config):
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
        **(_pinning() if pins_workers(config) else {}),
    }


# --- one CPU per worker ---------------------------------------------------------------------------
# Every query crosses from a request thread to an evaluator thread and back (the price of the time
# limit). When the two run on different CPUs each crossing is a cross-CPU wake-up, which costs far
# more than the query on a virtual machine: measured, pinning each worker to one CPU gave ~1.5x the
# uncached throughput on 2 cores (bench/RESULTS.md). Only done when workers fill every CPU anyway.
def pins_workers(config: Config) -> bool:
    """Whether each front worker is pinned to one CPU: asked for, and the workers fill every CPU."""
    return config.pin_workers and config.workers >= len(_cpus()) > 1


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


# granian forks its workers itself and tells them nothing of their place: a worker, just forked and
# before its evaluators (which inherit its CPU: every query crossing stays on one CPU), takes the
# CPU fewest of its live sibling workers are pinned to; siblings still unpinned (started at the same
# moment) are told apart by their rank in pid order.
def _pin_granian_worker() -> None:
    me, parent = os.getpid(), os.getppid()
    siblings = sorted(pid for pid in _children(parent))
    pinned = []
    for pid in siblings:
        if pid != me:
            try:
                cpus = os.sched_getaffinity(pid)
            except OSError:
                continue
            if len(cpus) == 1:
                pinned.append(next(iter(cpus)))
    cpu = choose_cpu(_cpus(), pinned, siblings.index(me) if me in siblings else 0)
    os.sched_setaffinity(0, {cpu})


def choose_cpu(cpus: list[int], taken: list[int], rank: int) -> int:
    """The CPU for a new worker: one of those the fewest workers are pinned to (`taken`: one entry per
    pinned worker), the `rank`-th of them (round robin) when several tie."""
    fewest = min(taken.count(cpu) for cpu in cpus)
    candidates = [cpu for cpu in cpus if taken.count(cpu) == fewest]
    return candidates[rank % len(candidates)]


def _children(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as children:
            return [int(child) for child in children.read().split()]
    except OSError:
        return []


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
