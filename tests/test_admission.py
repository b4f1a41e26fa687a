"""kg.web.admission: per-client concurrency and query-time budgets (429 + Retry-After), as WDQS."""

from __future__ import annotations

import time

import pytest

from kg.query_engine import OVER_BUDGET
from kg.web.admission import ClientBudgets, TooManyRequests


def test_concurrency_per_client():
    budgets = ClientBudgets(concurrency=2, query_seconds=0, window=60)
    with budgets.admit("a"), budgets.admit("a"):
        with pytest.raises(TooManyRequests, match="at most 2") as caught:
            with budgets.admit("a"):
                pass
        assert caught.value.retry_after >= 1
        with budgets.admit("b"):  # another client is not affected
            pass
    with budgets.admit("a"):  # finished ones no longer count
        pass


def test_query_time_budget_refuses_when_others_could_use_the_evaluator():
    budgets = ClientBudgets(concurrency=0, query_seconds=0.2, window=1.0)
    with budgets.admit("a") as ticket:
        assert ticket.priority < 0.01
        time.sleep(0.25)
    with pytest.raises(TooManyRequests, match="query time") as caught:
        with budgets.admit("a"):
            pass
    assert 1 <= caught.value.retry_after <= 2
    with budgets.admit("b") as ticket:  # a fresh client goes first
        assert ticket.priority < 0.01
    time.sleep(1.05)  # the window moves on: the budget is back
    with budgets.admit("a") as ticket:
        assert ticket.priority < 0.01


def test_over_budget_on_an_idle_server_is_served_last_and_slowest():
    budgets = ClientBudgets(concurrency=0, query_seconds=0.1, window=10)
    with budgets.admit("a"):
        time.sleep(0.15)
    with budgets.admit("a", spare_capacity=True) as ticket:
        assert ticket.priority >= OVER_BUDGET


def test_a_running_query_counts_as_it_goes():
    budgets = ClientBudgets(concurrency=0, query_seconds=0.1, window=10)
    with budgets.admit("a"):
        time.sleep(0.15)
        with pytest.raises(TooManyRequests):
            with budgets.admit("a"):
                pass


def test_off():
    budgets = ClientBudgets(concurrency=0, query_seconds=0, window=60)
    assert not budgets.enabled
    with budgets.admit("a") as ticket:
        assert ticket.priority == 0.0


def test_the_engine_s_cpu_seconds_are_charged_instead_of_wall_time():
    budgets = ClientBudgets(concurrency=0, query_seconds=0.1, window=10)
    for _ in range(3):
        with budgets.admit("a") as ticket:
            time.sleep(0.06)  # waiting for a core, moving bytes: not the client's processing time
            ticket.charge(0.001)
    with budgets.admit("a") as ticket:  # 3 ms charged, not 180 ms: still within the budget
        assert ticket.priority < 0.1


def test_time_waiting_for_an_evaluator_is_not_counted():
    """A queued ticket's clock starts when an evaluator takes its query (Ticket.start), as WDQS
    counts processing time, not waiting: a query refused in the queue costs nothing."""
    budgets = ClientBudgets(concurrency=0, query_seconds=0.1, window=10)
    with budgets.admit("a", queued=True):
        time.sleep(0.15)  # waiting in the engine's queue, never started
        with budgets.admit("a") as ticket:  # not over: the waiting did not count
            assert ticket.priority < 0.05
    with budgets.admit("a", queued=True) as ticket:  # nor afterwards
        assert ticket.priority < 0.05
        ticket.start()
        time.sleep(0.15)  # evaluating: this counts, as it goes and afterwards
        with pytest.raises(TooManyRequests):
            with budgets.admit("a"):
                pass
    with pytest.raises(TooManyRequests):
        with budgets.admit("a"):
            pass


def test_cached_answers_spend_no_budget(make_app):
    """Over its budget, a client still gets the answers the cache holds (the full path's hit and the
    stored response), at no cost; a query that needs evaluating gets 429 with Retry-After."""
    from conftest import DATA

    client = make_app(DATA / "sparql" / "people.ttl", client_query_seconds=1e-9, client_window=60).test_client()
    known = {"query": "SELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s"}
    assert client.get("/sparql", query_string=known).status_code == 200  # evaluated: the budget is spent
    for _ in range(3):
        response = client.get("/sparql", query_string=known)
        assert response.status_code == 200 and response.headers["X-Cache"] == "hit"
    refused = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1
