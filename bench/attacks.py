"""Hostile clients against a SPARQL endpoint on loopback, and a probe that measures what others get.

Used by bench/bench_attack.py (the full table, kg and the Oxigraph server side by side) and by
tests/test_hostile_load.py (a few seconds per attack, in CI). Everything goes to 127.0.0.0/8
only; distinct clients come from distinct loopback source addresses (127.0.0.2, 127.0.1.N...),
as distinct clients reach a public server. Every attack is bounded in connections and time.

The probe is a cheap query no answer cache holds: `ASK { <a new IRI> ?p ?o }`, sent every
`interval` seconds from its own address during the attack and for a while after it.
"""

from __future__ import annotations

import http.client
import itertools
import os
import socket
import statistics
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

PROBE_ADDRESS = "127.0.0.3"
ONE_CLIENT = "127.0.0.2"


def many_clients(n: int) -> list[str]:
    return [f"127.0.1.{i + 1}" for i in range(n)]


# --- what runaway queries look like (each one alone would run for the whole time limit) --------
RUNAWAY = {
    "cross join": "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }",
    "path join": "SELECT (COUNT(*) AS ?n) WHERE { ?a (<http://e/p>|!<http://e/p>)* ?b . ?c ?d ?b }",
    "regex over a cross join": 'SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i '
                               'FILTER(REGEX(CONCAT(STR(?c), STR(?f), STR(?i)), "(x+x+)+y")) }',
    "huge GROUP_CONCAT": "SELECT (GROUP_CONCAT(STR(?c)) AS ?all) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(isLiteral(?c)) }",
}
MEMORY_HOG = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f LIMIT 1"


@dataclass
class Endpoint:
    host: str
    port: int
    path: str = "/sparql"  # Oxigraph's server: /query

    def connect(self, source: str | None = None, timeout: float = 30) -> http.client.HTTPConnection:
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout,
                                          source_address=(source, 0) if source else None)


# --- the probe --------------------------------------------------------------------------------
@dataclass
class Probe:
    """Cheap queries, one every `interval` s, each on a new connection from PROBE_ADDRESS."""

    endpoint: Endpoint
    interval: float = 0.2
    timeout: float = 30.0
    samples: list[tuple[float, float, int]] = field(default_factory=list)  # (sent at, seconds, status)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def start(self) -> "Probe":
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(self.timeout + 5)

    def _run(self) -> None:
        while not self._stop.is_set():
            sent = time.monotonic()
            self.samples.append((sent, *self.ask()))
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - sent)))

    def ask(self) -> tuple[float, int]:
        query = f"ASK {{ <http://e/probe/{uuid.uuid4().hex}> ?p ?o }}"
        started = time.monotonic()
        try:
            connection = self.endpoint.connect(PROBE_ADDRESS, self.timeout)
            connection.request("GET", f"{self.endpoint.path}?{urlencode({'query': query})}",
                               headers={"Accept": "application/sparql-results+json"})
            response = connection.getresponse()
            response.read()
            status = response.status
            connection.close()
        except OSError:
            status = 0
        return time.monotonic() - started, status

    def between(self, start: float, end: float) -> list[tuple[float, int]]:
        return [(seconds, status) for sent, seconds, status in self.samples if start <= sent < end]


def summary(samples: list[tuple[float, int]]) -> dict:
    times = sorted(seconds for seconds, _ in samples)
    if not times:
        return {"n": 0}
    return {
        "n": len(times),
        "p50": statistics.median(times),
        "p99": times[min(len(times) - 1, int(len(times) * 0.99))],
        "max": times[-1],
        "failed": sum(1 for _, status in samples if status != 200),
    }


# --- attacks (each: run(endpoint, stop_event) in threads until stop is set) ----------------------
class Attack:
    name = "attack"
    connections = 0

    def __init__(self):
        self.statuses: dict[int, int] = {}
        self._lock = threading.Lock()

    def count(self, status: int) -> None:
        with self._lock:
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def run(self, endpoint: Endpoint, stop: threading.Event) -> list[threading.Thread]:
        threads = [threading.Thread(target=self.worker, args=(endpoint, stop, i), daemon=True)
                   for i in range(self.connections)]
        for thread in threads:
            thread.start()
        return threads

    def worker(self, endpoint: Endpoint, stop: threading.Event, index: int) -> None:
        raise NotImplementedError


class Runaway(Attack):
    """`connections` queries kept in flight: each answered one is sent again at once (after 20 ms when
    it was refused straight away, so the attacking process does not spin on a core of its own)."""

    def __init__(self, sources: list[str], queries: list[str] | None = None, timeout: float = 60):
        super().__init__()
        self.sources = sources
        self.connections = len(sources)
        self.queries = queries or list(RUNAWAY.values())
        self.timeout = timeout
        self.name = (f"{len(sources)} runaway queries in flight, "
                     + ("one client" if len(set(sources)) == 1 else f"{len(set(sources))} clients"))

    def worker(self, endpoint, stop, index):
        queries = itertools.cycle(self.queries[index % len(self.queries):] + self.queries[:index % len(self.queries)])
        while not stop.is_set():
            started = time.monotonic()
            status = _post(endpoint, next(queries), self.sources[index], self.timeout)
            self.count(status)
            if time.monotonic() - started < 0.05:
                stop.wait(0.02)


class Slowloris(Attack):
    """Connections that send one header line every `every` seconds and never finish the request."""

    def __init__(self, connections: int = 8, every: float = 5.0, source: str = ONE_CLIENT):
        super().__init__()
        self.connections, self.every, self.source = connections, every, source
        self.name = f"slowloris: {connections} connections, one header line every {every:g} s"

    def worker(self, endpoint, stop, index):
        while not stop.is_set():
            try:
                sock = socket.create_connection((endpoint.host, endpoint.port), timeout=5,
                                                source_address=(self.source, 0))
                sock.sendall(f"GET {endpoint.path}?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n".encode())
                for line in itertools.count():
                    if stop.wait(self.every):
                        break
                    sock.sendall(f"X-Slow-{line}: {line}\r\n".encode())
                sock.close()
            except OSError:
                self.count(0)  # the server closed it: good; open another
                stop.wait(0.1)


class Idle(Attack):
    """TCP connections that send nothing at all (re-opened when the server closes them)."""

    def __init__(self, connections: int = 16, source: str = ONE_CLIENT):
        super().__init__()
        self.connections, self.source = connections, source
        self.name = f"{connections} idle TCP connections"

    def worker(self, endpoint, stop, index):
        while not stop.is_set():
            try:
                sock = socket.create_connection((endpoint.host, endpoint.port), timeout=5,
                                                source_address=(self.source, 0))
                sock.settimeout(0.5)
                while not stop.is_set():
                    try:
                        if sock.recv(1) == b"":
                            break  # closed by the server
                    except socket.timeout:
                        continue
                sock.close()
                self.count(0)
            except OSError:
                stop.wait(0.1)


class SlowReaders(Attack):
    """Clients asking for a large answer and reading it at `rate` bytes per second."""

    def __init__(self, query: str, connections: int = 8, rate: int = 2048, source: str = ONE_CLIENT):
        super().__init__()
        self.query, self.connections, self.rate, self.source = query, connections, rate, source
        self.name = f"{connections} clients reading a large answer at {rate // 1024} KB/s"

    def worker(self, endpoint, stop, index):
        while not stop.is_set():
            try:
                sock = socket.create_connection((endpoint.host, endpoint.port), timeout=30,
                                                source_address=(self.source, 0))
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
                request = f"GET {endpoint.path}?{urlencode({'query': self.query})} HTTP/1.1\r\nHost: x\r\n\r\n"
                sock.sendall(request.encode())
                chunk = max(1, self.rate // 10)
                while not stop.is_set():
                    if not sock.recv(chunk):
                        break
                    stop.wait(0.1)
                sock.close()
            except OSError:
                stop.wait(0.1)


def _post(endpoint: Endpoint, query: str, source: str, timeout: float) -> int:
    try:
        connection = endpoint.connect(source, timeout)
        connection.request("POST", endpoint.path, body=urlencode({"query": query}),
                           headers={"Content-Type": "application/x-www-form-urlencoded"})
        response = connection.getresponse()
        response.read()
        connection.close()
        return response.status
    except OSError:
        return 0


# --- one measured attack --------------------------------------------------------------------
@dataclass
class Outcome:
    name: str
    during: dict
    after: dict
    recovered_in: float | None  # seconds from the attack's end to the first of 3 normal probes in a row
    statuses: dict


def measure(endpoint: Endpoint, attack: Attack, seconds: float, interval: float = 0.2,
            after: float = 2.0, normal: float = 0.5, drain: float = 30.0) -> Outcome:
    """Run `attack` for `seconds` with the probe going; keep probing `after` seconds once it stops.
    Every probe sent while the attack runs counts, from its very first moment. Before returning, wait
    (at most `drain` seconds) for the attack's requests still in flight to be answered, so that the
    next attack measured starts alone (a runaway query sent just before the stop runs on until the
    server stops it: left running, it would count against the next attack)."""
    stop = threading.Event()
    start = time.monotonic()
    threads = attack.run(endpoint, stop)
    probe = Probe(endpoint, interval).start()
    time.sleep(seconds)
    stop.set()
    ended = time.monotonic()
    time.sleep(after)
    probe.stop()
    drained = time.monotonic() + drain
    for thread in threads:  # daemons, bounded by their socket timeouts
        thread.join(max(0.0, drained - time.monotonic()))
    recovered = None
    streak = 0
    for sent, took, status in probe.samples:
        if sent < ended:
            continue
        if status == 200 and took < normal:
            streak += 1
            if streak == 3:
                recovered = max(0.0, sent + took - ended - 2 * interval)
                break
        else:
            streak = 0
    return Outcome(attack.name, summary(probe.between(start, ended)), summary(probe.between(ended, ended + after)),
                   recovered, dict(attack.statuses))


def tree_rss(pid: int) -> int:
    """Resident memory of a process and all its descendants, in bytes."""
    total = 0
    for current in process_tree(pid):
        try:
            total += int((Path("/proc") / str(current) / "statm").read_text().split()[1]) * 4096
        except (OSError, IndexError, ValueError):
            pass
    return total


_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used by a process and all its live descendants, plus the
    children they have waited for (a process that ended unreaped, or under SIGCHLD ignored, is lost)."""
    total = 0
    for current in process_tree(pid):
        try:
            fields = (Path("/proc") / str(current) / "stat").read_text().rsplit(")", 1)[1].split()
            total += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            pass
    return total / _TICKS


def process_tree(pid: int) -> list[int]:
    """`pid` and the pids of all its descendants alive now."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo += children.get(current, [])
    return found
