"""A query engine whose queries run in evaluator processes that can be stopped.

pyoxigraph cannot cancel a query, so a query past its time limit, or one that would take all the
machine's memory, can only be stopped by stopping its process. `ProcessEngine` therefore
evaluates every query in an evaluator process of its own:

- **Stoppable without the HTTP server's help.** The request thread waits for the evaluator's
  answer at most the time limit, then kills the evaluator (SIGKILL) and answers 503; a fresh
  evaluator takes its place. Whatever serves HTTP (granian, gunicorn, a test client) has nothing
  to do.
- **A memory budget per query.** Each evaluator runs under RLIMIT_AS (its size at start plus
  `memory_budget` bytes): a query that needs more fails to allocate, its process ends, and the
  client gets a 503 saying so. Its memory goes back to the system with the process. After a large
  answer the evaluator gives freed memory back (malloc_trim), and one that grew past half its budget
  is replaced.
- **Cheap queries first.** A query that has used `demote_after` CPU seconds is moved to the
  lowest CPU priority (nice 19): new, cheap queries then get the cores. At most
  `long_query_slots` queries may be heavy (over `long_after` CPU seconds, or `heavy_bytes` of
  memory grown): a query that would become one more is stopped with 503 and Retry-After, so the
  other evaluators are always there for short queries, and at most that many hold much memory.
  CPU time decides first: on a loaded machine a cheap query that waited for a core is not
  mistaken for a heavy one; a query still running after 4 x `long_after` of wall time is heavy
  whatever its CPU time.
- **A bounded, fair queue.** When every evaluator is busy a request waits at most `queue_timeout`
  seconds, with at most `queue_size` others, and the client that used the least evaluation time
  recently goes first; past either bound it gets `EngineBusy` (503 + Retry-After).

Where evaluators come from: a *zygote* process, forked once when the engine starts (before any
server thread exists), holds the store and forks one evaluator on each request, handing the
engine the evaluator's end of a socket pair (SCM_RIGHTS). So every evaluator is a copy of the same
single-threaded process: the same store (an in-memory store shared copy-on-write, so blank-node
labels agree between evaluators; or a read-only on-disk store that each evaluator opens itself,
right after its fork: a RocksDB handle, with its background threads, does not survive a fork, so
the zygote never opens one), and no lock held by some other thread at the moment of the fork. Every process of the tree ends
when the socket to its parent closes: nothing is left behind when the server stops.
"""

from __future__ import annotations

import ctypes
import faulthandler
import ctypes.util
import heapq
import itertools
import logging
import os
import pickle
import resource
import signal
import socket
import struct
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Callable

import pyoxigraph as ox

from .query_engine import (OVER_BUDGET, DataVersion, EmbeddedEngine, EngineBusy, EngineUnavailable, QueryJob,
                           QueryOverMemory, QuerySyntaxError, QueryTimeout, dataset_arguments)
from .sparql_results import Serialized, serialize_result
from .sparql_scan import QueryRejected, check_regexes

log = logging.getLogger("kg.engine")

_EVALUATOR_STACK = 64 * 1024 * 1024  # a parser recursion on a big (already bounded) query fits
_TRIM_AFTER_BYTES = 4_000_000  # after an answer this large, give freed memory back to the system
_MAX_FD = os.sysconf("SC_OPEN_MAX") if os.sysconf("SC_OPEN_MAX") > 0 else 65536
_NICE_START = 0  # evaluators start at the server's own CPU priority (a cheap query must not wait behind others)
_NICE_LOW = 19  # once a query has used demote_after CPU seconds
_TICK = 0.05  # seconds between two looks at a running query
_WALL_FACTOR = 4  # a query running this many times long_after in wall time is heavy too (starved of CPU or not)
_TICKS = os.sysconf("SC_CLK_TCK")
_PAGE = resource.getpagesize()


@dataclass(frozen=True)
class PoolSettings:
    evaluators: int = 24  # evaluator processes at most
    memory_budget: int = 1024 * 1024 * 1024  # bytes a query may allocate (RLIMIT_AS over the start size)
    queue_size: int = 64  # requests waiting for an evaluator at most
    queue_timeout: float = 2.0  # seconds a request waits for one at most
    demote_after: float = 0.02  # CPU seconds: then the query runs at the lowest CPU priority
    long_after: float = 0.5  # CPU seconds: then the query is a heavy one
    heavy_bytes: int = 256 * 1024 * 1024  # memory grown: then too
    long_query_slots: int = 8  # heavy queries at once at most; one more is stopped (503, Retry-After)
    spare: int = 24  # idle evaluators kept ready (forked by a keeper thread, off the request path): all of them,
    # since a fork can take 0.2 s on a loaded machine and a burst of clients must not wait for forks


# --- the engine (in the server process) ------------------------------------------------------
class ProcessEngine:
    """The QueryEngine protocol over a pool of evaluator processes."""

    def __init__(self, open_store: Callable[[], ox.Store], settings: PoolSettings, formats: dict,
                 front_store, version: DataVersion | None = None, open_in_evaluators: bool = False):
        """`open_store` gives the store evaluators query: called once in the zygote (an in-memory
        store already loaded is simply returned, and shared copy-on-write), or, with
        `open_in_evaluators` (an on-disk store), in each evaluator after its fork, which opens it
        read-only for itself.
        `formats`: the answer formats by key (jobs name their format by key across processes).
        `front_store`: the same data in this process (a store, or a function giving it), for the
        pages' lookups (has_graph, quads, select, named_graphs): those are index lookups and
        queries we write, answered in the front process as the embedded engine does."""
        self._open_store = open_store
        self._open_in_evaluators = open_in_evaluators
        self.settings = settings
        self._formats = formats
        self._front = EmbeddedEngine(front_store, evaluators=1, version=version)
        self._zygote: _Zygote | None = None
        self._pid = os.getpid()
        self._idle: list[_Evaluator] = []
        self._count = 0  # evaluators alive or being forked (idle or busy)
        self._waiters: list[tuple[float, int, _Waiter]] = []  # a heap: lowest priority value first
        self._order = itertools.count()
        self._long = 0  # queries running past long_after
        self._lock = threading.Lock()
        self._keeper: threading.Thread | None = None
        self._wanted = threading.Event()
        self._spent = threading.local()  # .cpu: the CPU seconds of this thread's last query

    # lifecycle
    def start(self) -> None:
        """Fork the zygote now (call before any server thread exists); evaluate() does it lazily."""
        with self._lock:
            if self._zygote is None or self._pid != os.getpid():
                self._zygote = _Zygote.fork(self._open_store, self._open_in_evaluators, self.settings.memory_budget,
                                            self._formats)
                self._pid = os.getpid()
                self._idle, self._count, self._waiters, self._keeper = [], 0, [], None
                # Every spare evaluator forked before the server takes its first request: a burst
                # of clients at once must not wait for forks (0.2 s each on a loaded machine).
                for _ in range(min(self.settings.spare, self.settings.evaluators)):
                    self._idle.append(self._zygote.spawn())
                    self._count += 1

    def stop(self) -> None:
        with self._lock:
            for evaluator in self._idle:
                evaluator.kill()
            self._idle, self._count = [], 0
            if self._zygote is not None:
                self._zygote.close()
                self._zygote = None

    # QueryEngine
    def evaluate(self, job: QueryJob) -> Serialized:
        self._spent.cpu = None
        evaluator = self._acquire(job.priority)
        before = evaluator.cpu
        try:
            reply = self._run(evaluator, job)
        except BaseException:
            self._spent.cpu = evaluator.usage()[0]
            self._discard(evaluator)
            raise
        if reply is None:  # the evaluator ended without answering: over its memory budget (or a crash)
            self._discard(evaluator)
            raise QueryOverMemory(self.settings.memory_budget)
        self._spent.cpu = max(0.0, evaluator.cpu - before)
        kind, value, truncated, retire = reply
        evaluator.retire = evaluator.retire or retire
        self._release(evaluator)
        if kind == "ok":
            return Serialized(value, truncated)
        if kind == "syntax":
            raise QuerySyntaxError(value)
        if kind == "rejected":
            raise QueryRejected(400, value)
        if kind == "memory":
            raise QueryOverMemory(self.settings.memory_budget)
        if kind == "unavailable":
            raise EngineUnavailable(value)
        raise RuntimeError(f"evaluator failed: {value}")

    def has_graph(self, iri: str) -> bool:
        return self._front.has_graph(iri)

    def quads(self, subject=None, predicate=None, object=None, graph=None) -> list[ox.Quad]:
        return self._front.quads(subject, predicate, object, graph)

    def select(self, query: str, bindings=None, union: bool = True) -> list[dict]:
        return self._front.select(query, bindings, union)

    def named_graphs(self) -> list[str]:
        return self._front.named_graphs()

    def version(self) -> DataVersion:
        return self._front.version()

    def has_spare_capacity(self) -> bool:
        return len(self._idle) > self.settings.spare // 2 and not self._waiters

    def cpu_seconds(self) -> float | None:
        """CPU seconds the last query evaluated on this thread used (None: unknown)."""
        return getattr(self._spent, "cpu", None)

    # evaluators in and out
    # A request takes an idle evaluator if there is one; otherwise it waits, and every evaluator
    # that comes free or is newly forked goes to the waiting request of lowest priority value:
    # kg.web.admission gives each request its client's recent evaluation time, so a client that
    # has used little goes before one that keeps the evaluators busy. Forks are done by one keeper
    # thread (the zygote forks one at a time anyway), for waiting requests first, then to keep
    # `spare` evaluators idle and ready.
    def _acquire(self, priority: float) -> "_Evaluator":
        settings = self.settings
        if self._zygote is None or self._pid != os.getpid():
            self.start()
        with self._lock:
            if self._idle:
                if len(self._idle) <= settings.spare // 2:
                    self._keep_spares()
                return self._idle.pop()
            if len(self._waiters) >= settings.queue_size + max(0, settings.evaluators - self._count):
                raise EngineBusy(f"The server is busy: {len(self._waiters)} queries are already waiting. "
                                 "Try again in a moment.", 2)
            waiter = _Waiter()
            entry = (priority, next(self._order), waiter)
            heapq.heappush(self._waiters, entry)
            self._keep_spares()
        if not waiter.event.wait(settings.queue_timeout):
            with self._lock:
                if waiter.given is None:
                    self._waiters.remove(entry)
                    heapq.heapify(self._waiters)
                    raise EngineBusy(f"The server is busy: no evaluator became free within "
                                     f"{settings.queue_timeout:g} s. Try again in a moment.", 2)
        return waiter.given

    def _hand_over(self, evaluator: "_Evaluator") -> None:
        """With the lock: `evaluator` to the first waiting request, else to the idle ones."""
        if self._waiters:
            _, _, waiter = heapq.heappop(self._waiters)
            waiter.given = evaluator
            waiter.event.set()
        else:
            self._idle.append(evaluator)

    def _release(self, evaluator: "_Evaluator") -> None:
        if evaluator.retire:
            self._discard(evaluator)
        else:
            with self._lock:
                self._hand_over(evaluator)

    def _discard(self, evaluator: "_Evaluator") -> None:
        evaluator.kill()
        with self._lock:
            self._count -= 1
            self._keep_spares()

    def _keep_spares(self) -> None:
        """(With the lock.) Wake the keeper thread: it forks for waiting requests, then spares."""
        if self._keeper is None or not self._keeper.is_alive():
            self._keeper = threading.Thread(target=self._keep, name="kg-evaluator-keeper", daemon=True)
            self._keeper.start()
        self._wanted.set()

    def _keep(self) -> None:
        while True:
            self._wanted.wait()
            self._wanted.clear()
            while True:
                with self._lock:
                    wanted = len(self._waiters) + max(0, self.settings.spare - len(self._idle))
                    if self._zygote is None or wanted <= 0 or self._count >= self.settings.evaluators:
                        break
                    self._count += 1
                    zygote = self._zygote
                try:
                    fresh = zygote.spawn()
                except Exception:
                    log.exception("query evaluators: cannot fork one more")
                    with self._lock:
                        self._count -= 1
                    time.sleep(0.5)
                    break
                with self._lock:
                    self._hand_over(fresh)

    # one query
    def _run(self, evaluator: "_Evaluator", job: QueryJob):
        """The evaluator's reply to `job` (None: it died), watching it every tick: demoted to the
        lowest CPU priority once it has used `demote_after` s of CPU; a heavy query (over
        `long_after` s of CPU, or `heavy_bytes` of memory) needs one of the long-query slots, and
        is stopped (EngineBusy) when none is free; killed at the time limit (wall clock)."""
        settings, limits = self.settings, job.limits
        started = time.monotonic()
        deadline = started + limits.timeout
        evaluator.send(job)
        if job.priority >= OVER_BUDGET:
            evaluator.demote()
        heavy = False
        try:
            done = evaluator.wait(min(settings.demote_after, limits.timeout))
            while not done:
                now = time.monotonic()
                if now >= deadline:
                    raise QueryTimeout(limits.timeout, retire_process=False)
                cpu, grown = evaluator.usage()
                if cpu >= settings.demote_after:
                    evaluator.demote()
                if not heavy and (cpu >= settings.long_after or grown >= settings.heavy_bytes
                                  or now - started >= settings.long_after * _WALL_FACTOR):
                    with self._lock:
                        if self._long >= settings.long_query_slots:
                            raise EngineBusy(
                                f"The server is busy with {self._long} long queries; this one was stopped "
                                f"after {now - started:.1f} s. Try again later, or narrow it down.", 5)
                        self._long += 1
                        heavy = True
                done = evaluator.wait(min(_TICK if evaluator.demoted else settings.demote_after, deadline - now))
            return evaluator.receive()
        finally:
            if heavy:
                with self._lock:
                    self._long -= 1


class _Waiter:
    __slots__ = ("event", "given")

    def __init__(self):
        self.event = threading.Event()
        self.given: _Evaluator | None = None


class _Evaluator:
    """The engine's end of one evaluator process."""

    __slots__ = ("pid", "conn", "retire", "demoted", "_rss", "cpu")

    def __init__(self, pid: int, conn: Connection):
        self.pid, self.conn, self.retire, self.demoted = pid, conn, False, False
        self.cpu = 0.0  # CPU seconds it had used when the current query started (it says after each)
        self._rss = self._resident()  # as forked

    def _resident(self) -> int:
        try:
            with open(f"/proc/{self.pid}/statm", "rb") as statm:
                return int(statm.read().split()[1]) * _PAGE
        except (OSError, IndexError, ValueError):
            return 0

    def usage(self) -> tuple[float, int]:
        """CPU seconds used by the current query, and memory grown (bytes) since the fork."""
        try:
            with open(f"/proc/{self.pid}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
        except (OSError, IndexError):
            return 0.0, 0
        cpu = (int(fields[11]) + int(fields[12])) / _TICKS
        return cpu - self.cpu, self._resident() - self._rss

    def send(self, job: QueryJob) -> None:
        self.conn.send_bytes(pickle.dumps((job.query, job.dataset, job.base_iri, job.output.key, job.limits),
                                          protocol=5))

    def wait(self, seconds: float) -> bool:
        return self.conn.poll(seconds)

    def receive(self):
        try:
            *reply, self.cpu = pickle.loads(self.conn.recv_bytes())
        except (EOFError, OSError):
            return None
        return reply

    def demote(self) -> None:
        if self.demoted:
            return
        try:
            os.setpriority(os.PRIO_PROCESS, self.pid, _NICE_LOW)
            self.demoted = True
        except OSError:
            pass
        self.retire = True  # a niced process is not worth keeping for the next query

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
        except OSError:
            pass
        self.conn.close()


# --- the zygote ------------------------------------------------------------------------------
class _Zygote:
    """The engine's end of the zygote: `spawn()` asks it for one more evaluator."""

    def __init__(self, pid: int, sock: socket.socket):
        self.pid, self.sock = pid, sock
        self._lock = threading.Lock()

    @classmethod
    def fork(cls, open_store: Callable[[], ox.Store], open_in_evaluators: bool, memory_budget: int,
             formats: dict) -> "_Zygote":
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:  # the zygote: it keeps no file of its parent's open (listening sockets, pipes
            # to other programs: a pipe's reader would wait for an EOF that never comes)
            keep = theirs.fileno()
            os.closerange(3, keep)
            os.closerange(keep + 1, _MAX_FD)
            _run_child(lambda: _zygote_main(theirs, open_store, open_in_evaluators, memory_budget, formats))
        theirs.close()
        ready = ours.recv(1)  # the zygote has its store (or failed to open it)
        if ready != b"R":
            raise RuntimeError("the query evaluators could not start (see the log)")
        return cls(pid, ours)

    def spawn(self) -> _Evaluator:
        with self._lock:
            self.sock.sendall(b"F")
            message, fds, _, _ = socket.recv_fds(self.sock, 8, 1)
        if len(message) != 8 or not fds:
            raise RuntimeError("the query evaluators' zygote has stopped")
        (pid,) = struct.unpack("q", message)
        return _Evaluator(pid, Connection(fds[0]))

    def close(self) -> None:
        self.sock.close()  # the zygote sees EOF and exits; its evaluators see theirs


def _run_child(main: Callable[[], None]) -> None:
    """In a forked child: run `main`, never return into the parent's code; die with the parent."""
    code = 0
    try:
        _die_with_parent()
        main()
    except BaseException:  # noqa: a child must not unwind into the server's stack
        code = 1
    finally:
        os._exit(code)


def _zygote_main(sock: socket.socket, open_store: Callable[[], ox.Store], open_in_evaluators: bool,
                 memory_budget: int, formats: dict) -> None:
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # evaluators are reaped by the kernel
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the server, which closes our socket
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    limit_arenas()
    if open_in_evaluators:
        store = None  # each evaluator opens it after its fork
    else:
        try:
            store = open_store()
        except Exception:
            log.exception("query evaluators: cannot open the store")
            return
    sock.sendall(b"R")
    while True:
        try:
            request = sock.recv(1)
        except OSError:
            return
        if not request:
            return  # the engine is gone
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        pid = os.fork()
        if pid == 0:
            sock.close()
            ours.close()
            _run_child(lambda: _evaluator_main(Connection(theirs.detach()), store or open_store, memory_budget,
                                               formats))
        theirs.close()
        socket.send_fds(sock, [struct.pack("q", pid)], [ours.fileno()])
        ours.close()


# --- an evaluator ----------------------------------------------------------------------------
def _evaluator_main(conn: Connection, store, memory_budget: int, formats: dict) -> None:
    """Answer jobs on one thread with a large stack (the main thread's is only 8 MB). `store`: the
    zygote's (in memory), or the function that opens an on-disk one here, before the memory budget
    is set (its caches are the evaluator's own, not the query's)."""
    faulthandler.disable()  # a query over its budget aborts the process: expected, not worth a dump
    if _NICE_START:
        os.nice(_NICE_START)
    if callable(store):
        try:
            store = store()
        except Exception as exc:  # every job gets a 503 saying why; the next evaluator tries again
            store = _Unavailable(f"cannot open the store: {exc}")
    threading.stack_size(_EVALUATOR_STACK)
    budget_base = _address_space() + _EVALUATOR_STACK
    resource.setrlimit(resource.RLIMIT_AS, (budget_base + memory_budget, resource.RLIM_INFINITY))
    evaluator = threading.Thread(target=_answer_jobs, args=(conn, store, memory_budget, formats, budget_base))
    evaluator.start()
    evaluator.join()


def _answer_jobs(conn: Connection, store: ox.Store, memory_budget: int, formats: dict, budget_base: int) -> None:
    while True:
        try:
            message = conn.recv_bytes()
        except (EOFError, OSError):
            return
        query, dataset, base_iri, key, limits = pickle.loads(message)
        retire = False
        if isinstance(store, _Unavailable):
            reply, retire = ("unavailable", store.reason, False), True
            conn.send_bytes(pickle.dumps((*reply, retire, time.process_time()), protocol=5))
            return
        try:
            check_regexes(query)
            result = store.query(query, base_iri=base_iri, **dataset_arguments(dataset))
            answer = serialize_result(result, formats[key], limits.max_rows, limits.max_bytes)
            reply = ("ok", answer.body, answer.truncated)
        except SyntaxError as exc:
            reply = ("syntax", str(exc), False)
        except QueryRejected as exc:
            reply = ("rejected", exc.message, False)
        except MemoryError:
            reply, retire = ("memory", "", False), True
        except Exception as exc:  # a failure of this query: the engine reports it, the evaluator stays
            reply = ("error", f"{type(exc).__name__}: {exc}", False)
        result = answer = None
        if reply[0] == "ok" and len(reply[1]) > _TRIM_AFTER_BYTES or reply[0] != "ok":
            _trim()
            retire = retire or _address_space() - budget_base > memory_budget // 2
        try:
            conn.send_bytes(pickle.dumps((*reply, retire, time.process_time()), protocol=5))
        except (OSError, MemoryError):
            return
        if retire:
            return


class _Unavailable:
    """In an evaluator that could not open its store: why."""

    def __init__(self, reason: str):
        self.reason = reason


def _address_space() -> int:
    with open("/proc/self/statm", "rb") as statm:
        return int(statm.read().split()[0]) * resource.getpagesize()


_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
_M_ARENA_MAX = -8
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    """SIGKILL when the parent ends: an evaluator deep in a runaway query never reads its EOF."""
    try:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (AttributeError, OSError):
        pass


def limit_arenas() -> None:
    """glibc keeps freed memory in per-thread arenas: one process, few arenas (MALLOC_ARENA_MAX)."""
    try:
        _libc.mallopt(_M_ARENA_MAX, 2)
    except (AttributeError, OSError):
        pass


def _trim() -> None:
    try:
        _libc.malloc_trim(0)
    except (AttributeError, OSError):
        pass

