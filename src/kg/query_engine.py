"""The query engine: evaluates a checked SPARQL query over a described dataset, within limits.

The SPARQL protocol handler (kg.web.sparql) decides *what* to run: it reads the request, checks
the query text (kg.sparql_scan: no update, no SERVICE, bounded nesting), negotiates the answer's
format and maps the protocol's dataset parameters onto a `DatasetDescription`. An engine decides
*how*: it evaluates the `QueryJob` within its `Limits` (time, rows, bytes) and gives back the
answer already serialized (`Serialized`: bytes, and whether they were cut at a cap), or raises
one of the errors below. Everything an engine needs comes in the job; it never sees HTTP.

Engines:
- `EmbeddedEngine`: a pyoxigraph store in this process, queries run on long-lived evaluator
  threads (kg.sparql_eval) so that the caller can stop waiting at the time limit (the query
  itself goes on: the process must be retired). For tests and in-process use.
- `ProcessEngine` (kg.process_engine): queries run in evaluator processes, killed at the time
  limit and bounded in memory; what `kg serve` uses.

- `StoreEngine` (kg.remote_engine): an existing SPARQL 1.1 store over HTTP (`kg serve --store`),
  reading the release the store's pointer graph names.

Besides the protocol's `evaluate`, the pages (entities, home, service description, downloads)
read the data through the few methods below (`quads`, `select`, `named_graphs`, `version`), so
that they work on either engine without holding a pyoxigraph Store.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Mapping, Protocol

import pyoxigraph as ox

from .sparql_eval import EvaluatorPool
from .sparql_eval import QueryTimeout as _PoolTimeout
from .sparql_results import Serialized, serialize_result
from .sparql_scan import check_regexes

#: The query that reads one graph (Graph Store Protocol GET): its dataset says which graph.
READ_GRAPH = "CONSTRUCT WHERE { ?s ?p ?o }"


class QueryTimeout(Exception):
    """The query overran its time limit and was given up.

    `retire_process`: the query could not be stopped and still runs in this process (a thread
    engine): the server should replace this worker process once the 503 is sent.
    """

    def __init__(self, timeout: float, retire_process: bool):
        super().__init__(f"query still running after {timeout:g} s")
        self.timeout = timeout
        self.retire_process = retire_process


class QueryOverMemory(Exception):
    """The query needed more memory than one query may take, and was stopped."""

    def __init__(self, budget: int):
        super().__init__(f"query over its memory budget of {budget} bytes")
        self.budget = budget


class EngineBusy(Exception):
    """No evaluator for this query now (queue full, waited too long, too many long queries)."""

    def __init__(self, message: str, retry_after: int):
        super().__init__(message)
        self.message = message
        self.retry_after = retry_after


class QuerySyntaxError(Exception):
    """The engine's parser refused the query; the message keeps its position ("error at 1:26: ...")."""


class EngineUnavailable(Exception):
    """The engine cannot answer now (a remote store down, failing, or with nothing published): 503."""


@dataclass(frozen=True)
class DataVersion:
    """What HTTP validators are made of: it changes whenever the data served changes."""

    etag: str
    last_modified: datetime


@dataclass(frozen=True)
class DatasetDescription:
    """Which graphs a query sees (SPARQL 1.1 Protocol §2.1.4 and Query §13).

    `default_graphs`/`named_graphs` not None: the request's default-graph-uri/named-graph-uri,
    which replace the query's own FROM/FROM NAMED (a part left out is empty). Both None: the
    query's FROM/FROM NAMED if it has any (`query_has_from`), else the default graph is the union
    of all graphs and every named graph is visible.
    """

    default_graphs: tuple[str, ...] | None = None
    named_graphs: tuple[str, ...] | None = None
    query_has_from: bool = False

    @property
    def named_by_request(self) -> bool:
        return self.default_graphs is not None or self.named_graphs is not None


@dataclass(frozen=True)
class Limits:
    timeout: float  # seconds
    max_rows: int  # solutions or triples
    max_bytes: int  # of the serialized answer


@dataclass(frozen=True)
class QueryJob:
    query: str  # already checked (kg.sparql_scan.inspect_query)
    dataset: DatasetDescription
    base_iri: str  # relative IRIs in the query resolve against it
    output: object  # a kg.web.protocol_formats.Format: .key, .results (SELECT/ASK) or .rdf (graphs)
    limits: Limits
    priority: float = 0.0  # when queries wait for an evaluator, lower goes first (kg.web.admission)


#: A job priority from here up: its client is over its query-time budget (kg.web.admission) and
#: is served only from spare capacity, at the lowest CPU priority.
OVER_BUDGET = 1e6


class QueryEngine(Protocol):
    def evaluate(self, job: QueryJob) -> Serialized:
        """The answer in `job.output`, cut at the limits; raises QueryTimeout or QuerySyntaxError."""

    def has_graph(self, iri: str) -> bool:
        """Whether the dataset has a named graph `iri`."""

    # -- for the pages: small reads, answered in full (no row cap), graph names as readers know them
    def quads(self, subject=None, predicate=None, object=None, graph=None) -> list[ox.Quad]:
        """The quads matching a pattern (None: any term), in every graph, or only in named graph
        `graph` (a NamedNode: an index range, however large the other graphs)."""

    def select(self, query: str, bindings: Mapping[str, object] | None = None, union: bool = True) -> list[dict]:
        """Rows ({variable: term or None}) of a SELECT written by us, with `bindings` (variable name ->
        pyoxigraph term) substituted as terms, never as text. `union`: the default graph is the union
        of all graphs (as the endpoint answers); else only the dataset's own default graph."""

    def named_graphs(self) -> list[str]:
        """The IRIs of the dataset's named graphs."""

    def version(self) -> DataVersion:
        """The validators of the data as it is now."""

    def has_spare_capacity(self) -> bool:
        """Whether a query now would take nothing from anyone (an evaluator stands idle)."""

    def cpu_seconds(self) -> float | None:
        """The CPU seconds of the last query this thread evaluated (None: the engine cannot tell)."""


class EmbeddedEngine:
    """A pyoxigraph store in this process, evaluated on a pool of evaluator threads."""

    def __init__(self, store, evaluators: int = 8, version: DataVersion | None = None):
        """`store`: a store, or a function giving it (the build's on-disk store is opened by each
        worker process on first use, after gunicorn's fork)."""
        self._get_store = store if callable(store) else (lambda: store)
        self._pool = EvaluatorPool(size=evaluators)
        self._version = version

    @property
    def store(self) -> ox.Store:
        return self._get_store()

    @store.setter
    def store(self, store: ox.Store) -> None:  # one store from now on (tests swap in a broken one)
        self._get_store = lambda: store

    def evaluate(self, job: QueryJob) -> Serialized:
        arguments = dataset_arguments(job.dataset)
        store, query, limits, output = self.store, job.query, job.limits, job.output

        def work() -> Serialized:
            check_regexes(query)
            result = store.query(query, base_iri=job.base_iri, **arguments)
            return serialize_result(result, output, limits.max_rows, limits.max_bytes)

        try:
            return self._pool.run(work, limits.timeout)
        except _PoolTimeout:
            raise QueryTimeout(limits.timeout, retire_process=True) from None
        except SyntaxError as exc:  # pyoxigraph: "error at LINE:COLUMN: expected ..."
            raise QuerySyntaxError(str(exc)) from None

    def has_graph(self, iri: str) -> bool:
        return self.store.contains_named_graph(ox.NamedNode(iri))

    def quads(self, subject=None, predicate=None, object=None, graph=None) -> list[ox.Quad]:
        return list(self.store.quads_for_pattern(subject, predicate, object, graph))

    def select(self, query: str, bindings: Mapping[str, object] | None = None, union: bool = True) -> list[dict]:
        substitutions = {ox.Variable(name): term for name, term in (bindings or {}).items()}
        solutions = self.store.query(query, substitutions=substitutions, use_default_graph_as_union=union)
        names = [v.value for v in solutions.variables]
        return [{name: row[name] for name in names} for row in solutions]

    def named_graphs(self) -> list[str]:
        return sorted(g.value for g in self.store.named_graphs() if isinstance(g, ox.NamedNode))

    def version(self) -> DataVersion:
        return self._version

    def has_spare_capacity(self) -> bool:
        return False  # threads that cannot be stopped: budgets apply strictly

    def cpu_seconds(self) -> float | None:
        return None  # threads share the process's CPU clock: budgets count wall time


def dataset_arguments(dataset: DatasetDescription) -> dict:
    """pyoxigraph's dataset arguments: the request's graphs, else the query's FROM, else the union."""
    if dataset.named_by_request:
        return {
            "default_graph": [ox.NamedNode(g) for g in dataset.default_graphs or ()],
            "named_graphs": [ox.NamedNode(g) for g in dataset.named_graphs or ()],
        }
    if dataset.query_has_from:  # use_default_graph_as_union would override the query's FROM
        return {}
    return {"use_default_graph_as_union": True}
