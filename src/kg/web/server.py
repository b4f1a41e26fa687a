"""The web app under gunicorn (threaded workers) for `kg serve` (kg.commands.serve): the built dataset or --data files.

The dataset is loaded once, in the master process, before the workers fork (they share it);
a bad file therefore stops `kg serve` with file, line and reason instead of a worker boot
loop. A query that overruns its time limit leaves a thread running inside its worker, so that
worker retires after answering 503 (SIGTERM to itself: gunicorn's graceful exit) and the
master starts a fresh one; with two or more workers the service never stops.
"""

from __future__ import annotations

import logging
import os
import signal

from gunicorn.app.base import BaseApplication

from ..config import Config

log = logging.getLogger("kg.serve")


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
