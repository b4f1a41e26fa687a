"""Answering a SPARQL query as plain data: a request in, a `Reply` (status, headers, body) out.

Used by the endpoint's one handler (kg.web.sparql). Nothing here touches Flask: what a request
says is read from its WSGI environ, what the app holds from its AppState. The query is checked
here (kg.sparql_scan), its format negotiated, a current client copy answered with 304, a cached
answer reused; evaluation itself is the query engine's (kg.query_engine).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Callable

import pyoxigraph as ox
from werkzeug.http import http_date, quote_etag

from ..query_engine import (DatasetDescription, EngineBusy, EngineUnavailable, Limits, QueryJob, QueryOverMemory,
                            QuerySyntaxError, QueryTimeout)
from ..sparql_results import Serialized
from ..sparql_scan import QueryRejected, inspect_query, syntax_hint
from .admission import TooManyRequests
from .errors import log_protocol_error, protocol_error_text
from .http_common import client_copy_is_current as is_current
from .protocol_cache import ResultCache
from .protocol_formats import Format, negotiate
from .protocol_request import SparqlRequest
from .state import AppState

log = logging.getLogger("kg.web.sparql")

EXPOSED = "ETag, Last-Modified, X-Request-Id, X-SPARQL-Truncated, X-SPARQL-MaxRows, X-Cache"
CORS_HEADERS = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", EXPOSED))
PLAIN_TEXT = "text/plain; charset=utf-8"


@dataclass
class Reply:
    status: int
    headers: list[tuple[str, str]]
    body: bytes = b""
    on_close: Callable[[], None] | None = None  # run once the response has been sent
    # Not None: a 200 to a GET/HEAD whose bytes depend on nothing but the raw request: kg.web.sparql
    # keeps the response as sent under this key (stored_key) for StoredAnswers.
    store_key: tuple | None = None


@dataclass
class Call:
    """One request as the answering functions see it: the app's state, the WSGI environ, the request id."""

    state: AppState
    environ: dict
    request_id: str
    config: object = field(init=False)

    def __post_init__(self) -> None:
        self.config = self.state.config

    @property
    def dataset(self):
        return self.state.dataset

    @property
    def method(self) -> str:
        return self.environ["REQUEST_METHOD"]


# --- queries ---------------------------------------------------------------------------------
def answer_query(call: Call, sparql: SparqlRequest) -> Reply:
    """The answer to a query request. Protocol errors (QueryRejected, NotAcceptable,
    EngineUnavailable) are raised for the endpoint's one handler (kg.web.sparql) to answer."""
    config = call.config
    shape = inspect_query(sparql.query, config.max_query_nesting, config.federation_allowlist)
    kind = "graph" if shape.form in ("CONSTRUCT", "DESCRIBE") else "results"
    fmt = negotiate(kind, call.environ.get("HTTP_ACCEPT"), sparql.format_params)
    dataset = call.dataset
    etag = f"{dataset.etag}-{fmt.key}"
    if client_copy_is_current(call, etag):
        return not_modified(call, etag)
    cache = call.state.answer_cache
    key = _cache_key(sparql, fmt) if cache.enabled and shape.repeatable else None
    cached = cache.get(key) if key is not None else None
    if cached is not None:
        reply = result_reply(call, cached, fmt, etag, "hit")
    else:
        reply = evaluated(call, query_job(config, sparql, shape, fmt), fmt, etag,
                          cache=cache if cache.enabled else None, key=key)
    if key is not None and reply.status == 200:
        reply.store_key = stored_key(call.environ, dataset.etag)
    return reply


def stored_key(environ: dict, dataset_etag: str) -> tuple | None:
    """The key a GET or HEAD's whole response is kept under (kg.web.sparql.StoredAnswers): the raw
    query string (query, default-graph-uri, named-graph-uri, format, as sent) and Accept decide the
    answer, over the dataset its ETag names; None for anything else (a POST, a conditional request:
    those go the whole way)."""
    method = environ["REQUEST_METHOD"]
    if method not in ("GET", "HEAD") or "HTTP_IF_NONE_MATCH" in environ or "HTTP_IF_MODIFIED_SINCE" in environ:
        return None
    return ("sent", dataset_etag, method, environ.get("QUERY_STRING", ""), environ.get("HTTP_ACCEPT", ""))


def query_job(config, sparql: SparqlRequest, shape, fmt: Format) -> QueryJob:
    """The engine's job for a checked query (`shape`: kg.sparql_scan.inspect_query's) answered in `fmt`."""
    # Relative IRIs resolve against the endpoint as the dataset's base names it (SPARQL Protocol §2.1.4).
    return QueryJob(sparql.query, _dataset(sparql, shape.has_dataset_clause), config.base + "sparql", fmt,
                    limits(config))


def limits(config) -> Limits:
    return Limits(config.timeout, config.max_rows, config.max_result_bytes)


def _cache_key(sparql: SparqlRequest, fmt: Format) -> tuple:
    """What decides the bytes of an answer: the query, the protocol's dataset and the format."""
    return (sparql.query, _frozen(sparql.default_graphs), _frozen(sparql.named_graphs), fmt.key)


def _frozen(graphs: list[str] | None) -> tuple[str, ...] | None:
    return None if graphs is None else tuple(graphs)


def _dataset(sparql: SparqlRequest, query_has_from: bool) -> DatasetDescription:
    if not sparql.names_dataset:
        return DatasetDescription(query_has_from=query_has_from)
    return DatasetDescription(
        tuple(iri(g, "default-graph-uri") for g in sparql.default_graphs or ()),
        tuple(iri(g, "named-graph-uri") for g in sparql.named_graphs or ()),
    )


def iri(value: str, parameter: str) -> str:
    """`value` if it is an absolute IRI, else 400."""
    try:
        ox.NamedNode(value)
    except ValueError:
        raise QueryRejected(400, f"{parameter}={value!r} is not an absolute IRI.") from None
    return value


# --- evaluation under the time limit ------------------------------------------------------------
#: What evaluating a job may raise, each answered by `evaluation_failure`.
EVALUATION_ERRORS = (QueryTimeout, QuerySyntaxError, EngineUnavailable, TooManyRequests, EngineBusy, QueryOverMemory)


def evaluated(call: Call, job: QueryJob, fmt: Format, etag: str, cache: ResultCache | None = None,
              key=None) -> Reply:
    """The engine's answer to `job`; with a cache, remember it under `key` (None: never)."""
    try:
        result = admitted_evaluation(call, job)
    except EVALUATION_ERRORS as exc:
        status, message, headers = evaluation_failure(call, job, exc)
        reply = error_reply(call, status, message, headers)
        if isinstance(exc, QueryTimeout) and exc.retire_process:
            reply.on_close = call.state.retire_worker  # the runaway query cannot be stopped: the worker goes
        return reply
    if cache is None:
        return result_reply(call, result, fmt, etag)
    if key is not None:
        cache.put(key, result, key_bytes=len(key[0]))
    return result_reply(call, result, fmt, etag, "miss")


def _short(message: str, limit: int = 300) -> str:
    """The parser's message keeps its position ("error at 1:26: ...") but not its full token list."""
    first_line = message.splitlines()[0] if message else "invalid query"
    return first_line if len(first_line) <= limit else first_line[:limit] + " ..."


def admitted_evaluation(call: Call, job: QueryJob) -> Serialized:
    """The engine's answer to `job`, once the client's budgets (kg.web.admission) admit it, charged
    to them: every evaluation a request asks for goes through here (the protocol and the HTML page)."""
    client = call.environ.get("REMOTE_ADDR") or "-"
    engine = call.state.engine
    with call.state.budgets.admit(client, engine.has_spare_capacity(), queued=True) as ticket:
        try:
            return engine.evaluate(QueryJob(job.query, job.dataset, job.base_iri, job.output, job.limits,
                                            ticket.priority, ticket.start))  # built directly: replace() costs 4x
        finally:
            ticket.charge(engine.cpu_seconds())


def evaluation_failure(call: Call, job: QueryJob, exc: Exception) -> tuple[int, str, list[tuple[str, str]]]:
    """(status, message, headers) for one of EVALUATION_ERRORS raised evaluating `job`."""
    if isinstance(exc, QueryTimeout):
        log.warning("request %s: query stopped after %g s%s", call.request_id, exc.timeout,
                    "; retiring this worker" if exc.retire_process else "")
        return (503, f"The query took longer than the limit of {exc.timeout:g} s and was stopped. "
                     "Narrow it down (LIMIT, more specific patterns) and try again.", [("Retry-After", "1")])
    if isinstance(exc, QuerySyntaxError):  # pyoxigraph: "error at LINE:COLUMN: expected ...", plus a hint of ours
        hint = syntax_hint(job.query)
        return 400, f"Query syntax error: {_short(str(exc))}.{' ' + hint if hint else ''}", []
    if isinstance(exc, EngineUnavailable):
        log.error("request %s: the query engine is unavailable: %s", call.request_id, exc)
        return 503, f"The query service is unavailable: {exc}", [("Retry-After", "5")]
    if isinstance(exc, TooManyRequests):
        return 429, exc.message, [("Retry-After", str(exc.retry_after))]
    if isinstance(exc, EngineBusy):
        return 503, exc.message, [("Retry-After", str(exc.retry_after))]
    if isinstance(exc, QueryOverMemory):
        return (503, f"The query needed more memory than one query may use ({exc.budget // 1024 ** 2} MB) and was "
                     "stopped. Narrow it down (LIMIT, more specific patterns, no large ORDER BY or GROUP_CONCAT) "
                     "and try again.", [])
    raise TypeError(f"not an evaluation error: {exc!r}")


# --- replies ---------------------------------------------------------------------------------
def error_reply(call: Call, status: int, message: str, headers: list[tuple[str, str]] | None = None) -> Reply:
    """A SPARQL protocol error: plain text, logged with the request id."""
    log_protocol_error(call.request_id, call.method, call.environ.get("PATH_INFO", ""), status, message)
    pairs = [("Content-Type", PLAIN_TEXT), *(headers or ()), *_cors(call.config.cors)]
    return Reply(status, pairs, protocol_error_text(message))


def result_reply(call: Call, result: Serialized, fmt: Format, etag: str, cache_status: str | None = None) -> Reply:
    """The answer with all its headers, built in one go."""
    validated = call.method in ("GET", "HEAD")  # a POST's answer is not cacheable: no validators
    pairs = list(_fixed_headers(fmt.content_type, etag if validated else None,
                                call.dataset.last_modified if validated else None, call.config.cors))
    if result.truncated:
        pairs += (("X-SPARQL-Truncated", "true"), ("X-SPARQL-MaxRows", str(call.config.max_rows)))
    if cache_status:
        pairs.append(("X-Cache", cache_status))
    return Reply(200, pairs, result.body)


@lru_cache(maxsize=256)  # a few formats x a few validators: the same tuples over and over
def _fixed_headers(content_type: str, etag: str | None, last_modified: datetime | None,
                   cors: bool) -> tuple[tuple[str, str], ...]:
    pairs = [("Content-Type", content_type), ("Vary", "Accept")]
    if etag is not None:
        pairs += _validators(etag, last_modified)
    return (*pairs, *_cors(cors))


def _cors(enabled: bool) -> tuple[tuple[str, str], ...]:
    return CORS_HEADERS if enabled else ()


# --- HTTP caching ----------------------------------------------------------------------------
def client_copy_is_current(call: Call, etag: str) -> bool:
    return is_current(call.environ, etag, call.dataset.last_modified)


@lru_cache(maxsize=256)
def _validators(etag: str, last_modified: datetime) -> tuple[tuple[str, str], ...]:
    return (("ETag", quote_etag(etag)), ("Last-Modified", http_date(last_modified)),
            ("Cache-Control", "public, no-cache"))  # reuse, but revalidate: cheap with 304


def not_modified(call: Call, etag: str) -> Reply:
    # No Last-Modified on a 304: werkzeug drops it there as an entity header, and both callers must agree.
    validators = [pair for pair in _validators(etag, call.dataset.last_modified) if pair[0] != "Last-Modified"]
    return Reply(304, [("Vary", "Accept"), *validators, *_cors(call.config.cors)])
