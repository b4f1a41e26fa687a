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
