"""A handful of hostile clients cannot take the endpoint down (issue 15), over real HTTP on loopback.

`kg serve` (granian + evaluator processes, the default) is attacked for a few seconds per attack
from distinct loopback addresses (bench/attacks.py), while a probe from another address asks a
cheap query no cache holds (`ASK { <new IRI> ?p ?o }`) every 0.1 s. Each attack: the probe's p99
under 0.5 s with none failing, and back to normal within a second after the attack ends. The
fuller version, with the Oxigraph server side by side, is bench/bench_attack.py.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from attacks import (MEMORY_HOG, ONE_CLIENT, RUNAWAY, Endpoint, Idle, Probe, Runaway, Slowloris,  # noqa: E402
                     SlowReaders, many_clients, measure, tree_rss)

SECONDS = 2.5  # per attack


@pytest.fixture(scope="module")
def server(live_server, tmp_path_factory):
    data = tmp_path_factory.mktemp("hostile") / "data.nt"
    with data.open("w") as out:
        for i in range(1500):
            out.write(f'<http://e/s{i}> <http://e/p> <http://e/s{(i * 7) % 1500}> .\n')
            out.write(f'<http://e/s{i}> <http://e/text> "{i} {"x" * 2000}" .\n')
    return live_server(data, args=("--timeout", "3", "--query-memory-bytes", str(256 * 1024 ** 2),
                                   "--header-read-timeout", "2"))


def endpoint(server) -> Endpoint:
    return Endpoint("127.0.0.1", server.port)


ATTACKS = {
    "8 runaway queries, one client": lambda: Runaway([ONE_CLIENT] * 8),
    "16 runaway queries, 16 clients": lambda: Runaway(many_clients(16)),
    "slowloris, 8 connections": lambda: Slowloris(8, every=0.5),
    "16 idle connections": lambda: Idle(16),
    "8 slow readers of a large answer": lambda: SlowReaders("SELECT * WHERE { ?s <http://e/text> ?o }", 8),
    "8 memory hogs": lambda: Runaway(many_clients(8), [MEMORY_HOG]),
}


def holds(outcome) -> bool:
    during = outcome.during
    return (during["n"] >= 5 and during["failed"] == 0 and during["p99"] < 0.5
            and outcome.recovered_in is not None and outcome.recovered_in < 1.0)


@pytest.mark.parametrize("name", list(ATTACKS))
def test_cheap_queries_keep_answering_during_the_attack(server, name):
    outcome = measure(endpoint(server), ATTACKS[name](), SECONDS, interval=0.1, after=1.5)
    if not holds(outcome):  # once more: the machine may be shared (a test suite next door)
        outcome = measure(endpoint(server), ATTACKS[name](), SECONDS, interval=0.1, after=1.5)
    assert outcome.during["n"] >= 5, outcome
    assert outcome.during["failed"] == 0, outcome
    assert outcome.during["p99"] < 0.5, outcome
    assert outcome.recovered_in is not None and outcome.recovered_in < 1.0, outcome


def test_runaway_queries_still_get_their_503_at_the_time_limit(server):
    started = time.monotonic()
    response = requests.post(server.url("/sparql"), data={"query": RUNAWAY["cross join"]}, timeout=30)
    assert response.status_code == 503 and "longer than the limit of 3 s" in response.text
    assert 2.9 < time.monotonic() - started < 6


def test_a_query_over_its_memory_budget_gets_a_clear_503_and_memory_goes_back(server):
    baseline = tree_rss(server.process.pid)
    response = requests.post(server.url("/sparql"), data={"query": MEMORY_HOG}, timeout=30)
    assert response.status_code == 503 and "more memory than one query may use (256 MB)" in response.text
    for _ in range(3):
        requests.post(server.url("/sparql"), data={"query": MEMORY_HOG}, timeout=30)
    time.sleep(0.5)
    assert tree_rss(server.process.pid) < baseline + 200 * 1024 ** 2  # no process left holding it


def test_one_client_over_its_concurrency_gets_429_with_retry_after(server):
    outcome = Runaway([ONE_CLIENT] * 12)  # more than the 8 one client may have in evaluation
    measure(endpoint(server), outcome, 1.0, interval=0.2, after=0.2)
    assert outcome.statuses.get(429, 0) > 0
    probe = Probe(endpoint(server))
    assert probe.ask()[1] == 200
