"""Run one query under a time limit, in its own thread.

pyoxigraph has no timeout, but it releases the GIL while evaluating: the query runs in a daemon
thread and the request thread waits for it at most `timeout` seconds. A query that overruns
keeps its thread busy, so the caller answers 503 and retires the worker process (see
kg.web.server), which takes the runaway thread with it. The thread gets a large stack so a
parser recursion on a big (already bounded) query cannot overflow it.
"""

from __future__ import annotations

import threading
from typing import Callable, TypeVar

T = TypeVar("T")

EVALUATOR_STACK_BYTES = 64 * 1024 * 1024


class QueryTimeout(Exception):
    pass


def run_with_timeout(work: Callable[[], T], timeout: float) -> T:
    """`work()` in a fresh daemon thread; QueryTimeout if it has not finished within `timeout` s."""
    outcome: dict = {}
    done = threading.Event()

    def target() -> None:
        try:
            outcome["value"] = work()
        except BaseException as exc:  # handed to the waiting thread, which decides what to answer
            outcome["error"] = exc
        finally:
            done.set()

    thread = _start_with_large_stack(target)
    if not done.wait(timeout):
        raise QueryTimeout(f"query still running after {timeout:g} s (thread {thread.name})")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


_stack_lock = threading.Lock()


def _start_with_large_stack(target: Callable[[], None]) -> threading.Thread:
    # threading.stack_size is process-wide: set it only around this thread's creation.
    with _stack_lock:
        previous = threading.stack_size(EVALUATOR_STACK_BYTES)
        try:
            thread = threading.Thread(target=target, name="kg-query", daemon=True)
            thread.start()
        finally:
            threading.stack_size(previous)
    return thread
