"""kg.process_engine: queries in evaluator processes that are killed at the time limit, bounded in
memory, and shared fairly; measured on a small store, in this process (no HTTP)."""

from __future__ import annotations

import os
import threading
import time

import pyoxigraph as ox
import pytest

from kg.process_engine import PoolSettings, ProcessEngine
from kg.query_engine import (DatasetDescription, EngineBusy, EngineUnavailable, Limits, QueryJob, QueryOverMemory,
                             QuerySyntaxError, QueryTimeout)
from kg.sparql_scan import QueryRejected
from kg.web.protocol_formats import GRAPH_FORMATS, RESULT_FORMATS

FORMATS = {fmt.key: fmt for fmt in (*RESULT_FORMATS, *GRAPH_FORMATS)}
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?a ?f ?i LIMIT 1"


def make_store() -> ox.Store:
    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"http://e/s{i}"), ox.NamedNode("http://e/p"),
                         ox.Literal(f"value {i} " + "x" * 40), ox.DefaultGraph()) for i in range(300))
    store.add(ox.Quad(ox.NamedNode("http://e/s0"), ox.NamedNode("http://e/p"), ox.NamedNode("http://e/o"),
                      ox.NamedNode("http://e/g")))
    return store


@pytest.fixture
def engine_factory():
    engines = []

    def make(**settings) -> ProcessEngine:
        store = make_store()
        engine = ProcessEngine(lambda: store, PoolSettings(**settings), FORMATS, front_store=store)
        engine.start()
        engines.append(engine)
        return engine

    yield make
    for engine in engines:
        engine.stop()


def job(query: str, timeout: float = 5.0, fmt: str = "json", max_rows: int = 1000, max_bytes: int = 10_000_000,
        priority: float = 0.0) -> QueryJob:
    return QueryJob(query, DatasetDescription(), "http://e/", FORMATS[fmt], Limits(timeout, max_rows, max_bytes),
                    priority)


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


def test_answers_and_errors(engine_factory):
    engine = engine_factory(spare=1)
    assert b'"boolean":true' in engine.evaluate(job("ASK { ?s ?p ?o }")).body
    answer = engine.evaluate(job("SELECT ?s WHERE { ?s ?p ?o } LIMIT 5", max_rows=3))
    assert answer.truncated and answer.body.count(b'"uri"') == 3
    with pytest.raises(QuerySyntaxError, match="error at"):
        engine.evaluate(job("SELECT * WHERE {"))
    with pytest.raises(QueryRejected, match="cannot be compiled"):
        engine.evaluate(job('SELECT * WHERE { ?s ?p ?o FILTER(REGEX(?o, "\\\\p{L}{1000}")) }'))
    assert engine.has_graph("http://e/g") and not engine.has_graph("http://e/nothing")
    assert b"http://e/o" in engine.evaluate(job("CONSTRUCT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }", fmt="nt")).body


def test_a_runaway_query_is_killed_at_the_time_limit_and_replaced(engine_factory):
    engine = engine_factory(spare=1, long_query_slots=2, evaluators=4)
    started = time.monotonic()
    with pytest.raises(QueryTimeout) as caught:
        engine.evaluate(job(CROSS_JOIN, timeout=1.0))
    assert 0.9 < time.monotonic() - started < 3
    assert caught.value.retire_process is False  # nothing is left running in this process
    assert engine._count <= 4
    assert b"true" in engine.evaluate(job("ASK { ?s ?p ?o }")).body  # a fresh evaluator answers


def test_the_killed_evaluator_process_is_gone(engine_factory):
    engine = engine_factory(spare=0, evaluators=2, long_query_slots=1)
    seen = []
    original = engine._discard

    def remember(evaluator):
        seen.append(evaluator.pid)
        original(evaluator)

    engine._discard = remember
    with pytest.raises(QueryTimeout):
        engine.evaluate(job(CROSS_JOIN, timeout=0.5))
    time.sleep(0.3)
    assert seen and not alive(seen[0])


def test_a_query_over_its_memory_budget_is_stopped(engine_factory):
    engine = engine_factory(spare=0, memory_budget=128 * 1024 ** 2, evaluators=2, long_query_slots=1,
                            heavy_bytes=1024 ** 3)
    with pytest.raises(QueryOverMemory):
        engine.evaluate(job(MEMORY_HOG, timeout=60))
    assert b"true" in engine.evaluate(job("ASK { ?s ?p ?o }")).body


def test_heavy_queries_beyond_the_slots_are_refused_and_short_ones_still_run(engine_factory):
    engine = engine_factory(spare=1, evaluators=4, long_query_slots=1, long_after=0.2)
    outcomes = []

    def run_runaway():
        try:
            engine.evaluate(job(CROSS_JOIN, timeout=4))
        except (QueryTimeout, EngineBusy) as exc:
            outcomes.append(type(exc))

    threads = [threading.Thread(target=run_runaway) for _ in range(3)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    started = time.monotonic()
    assert b"true" in engine.evaluate(job("ASK { ?s ?p ?o }")).body
    assert time.monotonic() - started < 1.0
    for thread in threads:
        thread.join()
    assert outcomes.count(EngineBusy) == 2 and outcomes.count(QueryTimeout) == 1


def test_a_full_queue_is_refused_and_waiting_is_bounded(engine_factory):
    engine = engine_factory(spare=0, evaluators=2, long_query_slots=1, queue_size=1, queue_timeout=0.3,
                            long_after=100)
    errors = []

    def run_runaway():
        try:
            engine.evaluate(job(CROSS_JOIN, timeout=2))
        except (QueryTimeout, EngineBusy) as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run_runaway) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)  # both evaluators busy
    started = time.monotonic()
    with pytest.raises(EngineBusy, match="no evaluator became free within 0.3 s"):
        engine.evaluate(job("ASK {}"))
    assert 0.25 < time.monotonic() - started < 3  # bounded (generous: the machine may be shared)
    for thread in threads:
        thread.join()


def test_the_waiting_client_that_used_least_goes_first(engine_factory):
    engine = engine_factory(spare=0, evaluators=1, long_query_slots=1, long_after=100, queue_timeout=10)
    order = []
    def block():
        with pytest.raises(QueryTimeout):
            engine.evaluate(job(CROSS_JOIN, timeout=1.5))

    blocker = threading.Thread(target=block)
    blocker.start()
    time.sleep(0.3)

    def run(name, priority):
        engine.evaluate(job("ASK {}", priority=priority))
        order.append(name)

    heavy_user = threading.Thread(target=run, args=("heavy user", 50.0))
    heavy_user.start()
    time.sleep(0.1)
    newcomer = threading.Thread(target=run, args=("newcomer", 0.0))
    newcomer.start()
    for thread in (blocker, heavy_user, newcomer):
        thread.join()
    assert order == ["newcomer", "heavy user"]


def test_stopping_the_engine_leaves_no_process(engine_factory):
    engine = engine_factory(spare=2)
    engine.evaluate(job("ASK {}"))
    time.sleep(0.3)
    pids = [e.pid for e in engine._idle] + [engine._zygote.pid]
    engine.stop()
    deadline = time.monotonic() + 5
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.05)
        try:
            os.waitpid(-1, os.WNOHANG)  # reap the zygote (our child)
        except ChildProcessError:
            pass
    assert not any(alive(pid) for pid in pids)


def open_files(pid: int, folder) -> list[str]:
    """The files under `folder` that process `pid` holds open."""
    held = []
    for fd in os.listdir(f"/proc/{pid}/fd"):
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(str(folder)):
            held.append(target)
    return held


def test_an_on_disk_store_is_opened_by_each_evaluator_never_by_the_zygote(tmp_path):
    path = tmp_path / "store"
    written = ox.Store(str(path))
    written.extend(make_store())
    written.flush()
    del written
    front = ox.Store.read_only(str(path))
    engine = ProcessEngine(lambda: ox.Store.read_only(str(path)), PoolSettings(spare=2, evaluators=4,
                                                                              long_query_slots=1),
                           FORMATS, front_store=front, open_in_evaluators=True)
    engine.start()
    try:
        assert b'"boolean":true' in engine.evaluate(job("ASK { <http://e/s0> ?p <http://e/o> }")).body
        assert engine.has_graph("http://e/g")
        # A RocksDB handle (and its threads) does not survive a fork: the zygote, which forks every
        # evaluator, holds none; each evaluator has its own.
        assert open_files(engine._zygote.pid, path) == []
        assert all(open_files(evaluator.pid, path) for evaluator in engine._idle)
        with pytest.raises(QueryTimeout):  # the time limit holds; the replacement opens the store too
            engine.evaluate(job(CROSS_JOIN, timeout=0.5))
        assert b"value 299" in engine.evaluate(job('SELECT ?o WHERE { <http://e/s299> ?p ?o }')).body
    finally:
        engine.stop()


def test_a_store_the_evaluators_cannot_open_is_a_clear_engine_unavailable(tmp_path):
    missing = tmp_path / "no-store"
    engine = ProcessEngine(lambda: ox.Store.read_only(str(missing)), PoolSettings(spare=1, evaluators=2,
                                                                                 long_query_slots=1),
                           FORMATS, front_store=make_store(), open_in_evaluators=True)
    engine.start()
    try:
        for _ in range(2):  # and again: the engine keeps answering (with a fresh evaluator)
            with pytest.raises(EngineUnavailable, match="cannot open the store"):
                engine.evaluate(job("ASK {}"))
    finally:
        engine.stop()
