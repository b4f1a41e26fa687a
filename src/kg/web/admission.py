"""Fairness between clients: how many queries one client may have running, and for how long.

As the Wikidata Query Service does, every client (its IP address as the server sees it) has
- a concurrency limit: at most `client_concurrency` of its queries evaluated at once (more get
  429 Too Many Requests with Retry-After), and
- a query-time budget: at most `client_query_seconds` of evaluation time within any
  `client_window` seconds: the CPU time its queries used in their evaluators where the engine
  can tell (as WDQS counts processing time; waiting and moving bytes are not the client's), else
  wall time; time still running counts as it passes, in wall time, from the moment its evaluation
  starts (`Ticket.start`, called by the engine once an evaluator is free: time waiting in the
  engine's queue is not the client's either, and a query refused there costs nothing). Over it, the client gets 429
  with Retry-After whenever its query would take an evaluator someone else could use (none is
  idle); while evaluators stand idle it is still served, last in line and at the lowest CPU
  priority (OVER_BUDGET), so a busy but harmless client is slowed, not refused, on an idle server.
What is left for everyone else (a bounded queue, heavy-query slots) is the engine's
(kg.process_engine). Answers from the cache cost nothing and are not counted.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass, field

from ..query_engine import OVER_BUDGET


class TooManyRequests(Exception):
    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class Ticket:
    __slots__ = ("priority", "charged", "started")

    def __init__(self, started: float | None):
        self.priority = 0.0
        self.charged: float | None = None
        self.started = started  # when its evaluation started (None: not yet, it waits for an evaluator)

    def start(self) -> None:
        """Its evaluation starts now: from here on its time counts."""
        self.started = time.monotonic()

    def charge(self, seconds: float | None) -> None:
        self.charged = seconds

    def running_for(self, now: float) -> float:
        return 0.0 if self.started is None else now - self.started


@dataclass
class _Client:
    running: list[Ticket] = field(default_factory=list)  # its queries admitted and not finished
    spent: deque = field(default_factory=deque)  # (end time, seconds) of finished ones, oldest first
    total: float = 0.0  # the sum of `spent`'s seconds


class ClientBudgets:
    def __init__(self, concurrency: int, query_seconds: float, window: float):
        self.concurrency = concurrency
        self.query_seconds = query_seconds
        self.window = window
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()
        self._next_sweep = time.monotonic() + window

    @property
    def enabled(self) -> bool:
        return self.concurrency > 0 or self.query_seconds > 0

    @contextmanager
    def admit(self, client: str, spare_capacity: bool = False, queued: bool = False):
        """Count one evaluation for `client`; TooManyRequests if it is over a limit. Yields a
        Ticket: its `priority` for kg.query_engine.QueryJob (the seconds the client used recently,
        OVER_BUDGET more when it is over its budget but `spare_capacity` lets it in anyway); call
        `charge(seconds)` to count the query's CPU seconds instead of its wall time. `queued`: its
        time counts only from `ticket.start()` on (the engine calls it when an evaluator takes the
        query), not from admission."""
        now = time.monotonic()
        ticket = Ticket(None if queued else now)
        if not self.enabled:
            yield ticket
            return
        with self._lock:
            record = self._clients.get(client)
            if record is None:
                record = self._clients[client] = _Client()
            used = self._check(record, now, spare_capacity)
            record.running.append(ticket)
            if now >= self._next_sweep:
                self._sweep(now)
        ticket.priority = used + OVER_BUDGET if self.query_seconds > 0 and used >= self.query_seconds else used
        try:
            yield ticket
        finally:
            end = time.monotonic()
            cost = ticket.running_for(end) if ticket.charged is None else ticket.charged
            with self._lock:
                record.running.remove(ticket)
                record.spent.append((end, cost))
                record.total += cost

    def _used(self, record: _Client, now: float) -> float:
        spent = record.spent
        while spent and spent[0][0] <= now - self.window:
            record.total -= spent.popleft()[1]
        return max(0.0, record.total) + sum(ticket.running_for(now) for ticket in record.running)

    def _check(self, record: _Client, now: float, spare_capacity: bool) -> float:
        if self.concurrency > 0 and len(record.running) >= self.concurrency:
            raise TooManyRequests(
                f"Too many queries at once from your address: {len(record.running)} are still running "
                f"(at most {self.concurrency}). Wait for them, then try again.", 1)
        used = self._used(record, now)
        if self.query_seconds <= 0:
            return used
        spent = record.spent
        if used >= self.query_seconds and not spare_capacity:
            # Wait until enough of the window's spending has aged out.
            over, wait = used - self.query_seconds, self.window
            for ended, seconds in spent:
                over -= seconds
                if over < 0:
                    wait = ended + self.window - now
                    break
            raise TooManyRequests(
                f"Your address has used its query time: {used:.0f} s of evaluation in the last "
                f"{self.window:g} s (at most {self.query_seconds:g} s). Try again later.",
                max(1, math.ceil(wait)))
        return used

    def _sweep(self, now: float) -> None:
        """Forget clients with nothing running and nothing spent within the window."""
        self._next_sweep = now + self.window
        for address in [a for a, r in self._clients.items()
                        if not r.running and (not r.spent or r.spent[-1][0] <= now - self.window)]:
            del self._clients[address]
