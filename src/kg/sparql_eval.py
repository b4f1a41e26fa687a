"""Run one query under a time limit, on a long-lived evaluator thread.

pyoxigraph has no timeout, but it releases the GIL while evaluating: the query runs on an
evaluator thread and the request thread waits for it at most `timeout` seconds. A query that
overruns keeps its evaluator busy, so the caller answers 503 and retires the worker process
(see kg.web.server), which takes the runaway thread with it; meanwhile a replacement evaluator
is started so the pool keeps its capacity. Evaluators are started once, not per request
(starting a thread per request cost more than the query itself), and get a large stack so a
parser recursion on a big (already bounded) query cannot overflow it.
"""

from __future__ import annotations

import os
import queue
import threading
from typing import Callable, TypeVar

T = TypeVar("T")

EVALUATOR_STACK_BYTES = 64 * 1024 * 1024


class QueryTimeout(Exception):
    pass


class _Job:
    """One query for an evaluator; the outcome comes back on the job's own reply queue.

    A SimpleQueue (C) per job is cheaper than a threading.Event (a Python Condition and two
    locks), and being per job, a late answer from an overrun query cannot reach a later request.
    """

    __slots__ = ("work", "reply")

    def __init__(self, work: Callable):
        self.work = work
        self.reply: queue.SimpleQueue[tuple[bool, object]] = queue.SimpleQueue()

    def run(self) -> None:
        try:
            outcome = (True, self.work())
        except BaseException as exc:  # handed to the waiting thread, which decides what to answer
            outcome = (False, exc)
        self.reply.put(outcome)


class EvaluatorPool:
    """Daemon threads taking jobs from one queue; grows by one for every job that overran.

    gunicorn forks workers after the app (and its engine's pool) is created, and threads do not
    survive a fork, so the pool starts its threads lazily, on the first query in each process.
    """

    def __init__(self, size: int):
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._size = size
        self._started = 0
        self._lock = threading.Lock()
        self._pid = os.getpid()

    def run(self, work: Callable[[], T], timeout: float) -> T:
        """`work()` on an evaluator thread; QueryTimeout if it has not finished within `timeout` s."""
        self._ensure_started()
        job = _Job(work)
        self._jobs.put(job)
        try:
            finished, value = job.reply.get(timeout=timeout)
        except queue.Empty:
            with self._lock:
                self._add_evaluator()  # that evaluator is stuck with the runaway query
            raise QueryTimeout(f"query still running after {timeout:g} s") from None
        if not finished:
            raise value
        return value

    def _ensure_started(self) -> None:
        if self._pid != os.getpid():  # forked after use: the threads stayed in the parent
            with self._lock:
                self._jobs, self._started, self._pid = queue.SimpleQueue(), 0, os.getpid()
        if self._started < self._size:
            with self._lock:
                while self._started < self._size:
                    self._add_evaluator()

    def _add_evaluator(self) -> None:
        # threading.stack_size is process-wide: set it only around this thread's creation.
        with _stack_lock:
            previous = threading.stack_size(EVALUATOR_STACK_BYTES)
            try:
                threading.Thread(target=self._serve, name="kg-query", daemon=True).start()
            finally:
                threading.stack_size(previous)
        self._started += 1

    def _serve(self) -> None:
        while True:
            self._jobs.get().run()


# threading.stack_size is process-wide: one lock for every pool's thread creation.
_stack_lock = threading.Lock()
