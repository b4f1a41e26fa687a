"""The SPARQL 1.1 endpoint at /sparql: queries, the service description, and graph reads.

One route answers every method so that each failure gets the protocol's plain-text error with
the right status (405 included). The hot path — a GET or POST query — is: read the parameters,
scan the text (updates, SERVICE, nesting), negotiate the format, answer 304 if the client's
copy is current, else evaluate and serialize in a time-limited thread.
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime
from functools import lru_cache

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import Headers
from werkzeug.http import http_date, quote_etag

from ..sparql_eval import QueryTimeout, run_with_timeout
from ..sparql_results import Serialized, serialize_result, serialize_triples
from ..sparql_scan import QueryRejected, inspect_query
from .dataset import current_dataset
from .errors import protocol_error, request_id
from .protocol_cache import ResultCache
from .protocol_formats import Format, NotAcceptable, negotiate
from .protocol_request import SparqlRequest, read_request
from .service_description import PREFIXES, ServiceDescription

log = logging.getLogger("kg.web.sparql")
bp = Blueprint("sparql", __name__)

SERVED_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
ALLOW = ", ".join(SERVED_METHODS)
_EXPOSED = "ETag, Last-Modified, X-Request-Id, X-SPARQL-Truncated, X-SPARQL-MaxRows, X-Cache"
_CORS_HEADERS = (("Access-Control-Allow-Origin", "*"), ("Access-Control-Expose-Headers", _EXPOSED))
#: app.config key of a callable run after a response whose query overran its time limit.
RETIRE_WORKER = "KG_RETIRE_WORKER"


@bp.record_once
def _attach(state) -> None:
    app = state.app
    config = app.config["KG"]
    app.extensions["kg.sparql.description"] = ServiceDescription(app.extensions["kg.dataset"].store, config)
    # Created before gunicorn forks: each worker gets its own (empty) copy.
    app.extensions["kg.sparql.cache"] = ResultCache(config.response_cache_bytes)


@bp.after_request
def _cors(response: Response) -> Response:
    # Query answers carry these already (built with their other headers, see _result_response).
    if current_app.config["KG"].cors and "Access-Control-Allow-Origin" not in response.headers:
        response.headers.extend(_CORS_HEADERS)
    return response


@bp.route("/sparql", methods=[*SERVED_METHODS, "PUT", "DELETE", "PATCH"], provide_automatic_options=False)
@bp.route("/sparql/", methods=[*SERVED_METHODS, "PUT", "DELETE", "PATCH"], provide_automatic_options=False)
def endpoint() -> Response:
    if request.method == "OPTIONS":
        return _preflight()
    if request.method not in SERVED_METHODS:
        return protocol_error(405, f"Method {request.method} is not allowed here; use GET or POST.", {"Allow": ALLOW})
    config = current_app.config["KG"]
    try:
        sparql = read_request(request, config.max_body_bytes)
        if sparql.operation == "description":
            return _describe_service(sparql)
        if sparql.operation == "graph":
            return _read_graph(sparql)
        return _answer_query(sparql)
    except QueryRejected as exc:
        return protocol_error(exc.status, exc.message)
    except NotAcceptable as exc:
        return protocol_error(406, str(exc))


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = ALLOW
    if current_app.config["KG"].cors:
        response.headers["Access-Control-Allow-Methods"] = ALLOW
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


# --- queries ---------------------------------------------------------------------------------
def _answer_query(sparql: SparqlRequest) -> Response:
    config = current_app.config["KG"]
    shape = inspect_query(sparql.query, config.max_query_nesting, config.federation_allowlist)
    kind = "graph" if shape.form in ("CONSTRUCT", "DESCRIBE") else "results"
    fmt = negotiate(kind, request.environ.get("HTTP_ACCEPT"), sparql.format_params)
    dataset = current_dataset()
    etag = f"{dataset.etag}-{fmt.key}"
    if _client_copy_is_current(etag):
        return _not_modified(etag)
    cache = current_app.extensions["kg.sparql.cache"]
    key = _cache_key(sparql, fmt) if cache.enabled and shape.repeatable else None
    cached = cache.get(key) if key is not None else None
    if cached is not None:
        return _result_response(cached, fmt, etag, "hit")
    arguments = _dataset_arguments(sparql, shape.has_dataset_clause)
    # Relative IRIs resolve against the endpoint as the dataset's base names it (SPARQL Protocol §2.1.4).
    arguments["base_iri"] = config.base + "sparql"
    store, query = dataset.store, sparql.query

    def evaluate() -> Serialized:
        return serialize_result(store.query(query, **arguments), fmt, config.max_rows, config.max_result_bytes)

    return _evaluated(evaluate, fmt, etag, cache=cache if cache.enabled else None, key=key)


def _cache_key(sparql: SparqlRequest, fmt: Format) -> tuple:
    """What decides the bytes of an answer: the query, the protocol's dataset and the format."""
    return (sparql.query, _frozen(sparql.default_graphs), _frozen(sparql.named_graphs), fmt.key)


def _frozen(graphs: list[str] | None) -> tuple[str, ...] | None:
    return None if graphs is None else tuple(graphs)


def _dataset_arguments(sparql: SparqlRequest, query_has_from: bool) -> dict:
    """pyoxigraph's dataset arguments: protocol graphs, else the query's FROM, else the union of all."""
    if sparql.names_dataset:
        return {
            "default_graph": [_iri(g, "default-graph-uri") for g in sparql.default_graphs or []],
            "named_graphs": [_iri(g, "named-graph-uri") for g in sparql.named_graphs or []],
        }
    if query_has_from:  # use_default_graph_as_union would override the query's FROM
        return {}
    return {"use_default_graph_as_union": True}


def _iri(value: str, parameter: str) -> ox.NamedNode:
    try:
        return ox.NamedNode(value)
    except ValueError:
        raise QueryRejected(400, f"{parameter}={value!r} is not an absolute IRI.") from None


def _evaluated(work, fmt: Format, etag: str, cache: ResultCache | None = None, key=None) -> Response:
    """Run `work` under the time limit; with a cache, remember the answer under `key` (None: never)."""
    config = current_app.config["KG"]
    try:
        result = run_with_timeout(work, config.timeout)
    except QueryTimeout:
        return _timed_out(config.timeout)
    except SyntaxError as exc:  # pyoxigraph: "error at LINE:COLUMN: expected ..."
        return protocol_error(400, f"Query syntax error: {_short(str(exc))}")
    if cache is None:
        return _result_response(result, fmt, etag)
    if key is not None:
        cache.put(key, result, key_bytes=len(key[0]))
    return _result_response(result, fmt, etag, "miss")


def _short(message: str, limit: int = 300) -> str:
    """The parser's message keeps its position ("error at 1:26: ...") but not its full token list."""
    first_line = message.splitlines()[0] if message else "invalid query"
    return first_line if len(first_line) <= limit else first_line[:limit] + " ..."


def _timed_out(timeout: float) -> Response:
    log.warning("request %s: query stopped after %g s; retiring this worker", request_id(), timeout)
    response = protocol_error(503, f"The query took longer than the limit of {timeout:g} s and was stopped. "
                                   "Narrow it down (LIMIT, more specific patterns) and try again.",
                              {"Retry-After": "1"})
    retire = current_app.config.get(RETIRE_WORKER)
    if retire:  # the runaway thread cannot be stopped: the worker process goes, a fresh one takes over
        response.call_on_close(retire)
    return response


def _result_response(result: Serialized, fmt: Format, etag: str, cache_status: str | None = None) -> Response:
    """The answer with all its headers, built in one go (werkzeug re-scans the list on every set)."""
    config = current_app.config["KG"]
    validated = request.method in ("GET", "HEAD")
    pairs = list(_fixed_headers(fmt.content_type, etag if validated else None,
                                current_dataset().last_modified if validated else None, config.cors))
    if result.truncated:
        pairs += (("X-SPARQL-Truncated", "true"), ("X-SPARQL-MaxRows", str(config.max_rows)))
    if cache_status:
        pairs.append(("X-Cache", cache_status))
    return Response(result.body, headers=Headers(pairs))


@lru_cache(maxsize=256)  # a few formats x a few validators: the same tuples over and over
def _fixed_headers(content_type: str, etag: str | None, last_modified: datetime | None,
                   cors: bool) -> tuple[tuple[str, str], ...]:
    pairs = [("Content-Type", content_type), ("Vary", "Accept")]
    if etag is not None:
        pairs += _validators(etag, last_modified)
    if cors:
        pairs += _CORS_HEADERS
    return tuple(pairs)


# --- HTTP caching ----------------------------------------------------------------------------
def _client_copy_is_current(etag: str) -> bool:
    environ = request.environ
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        return False
    if "HTTP_IF_NONE_MATCH" in environ:  # RFC 9110: If-Modified-Since is ignored then
        return request.if_none_match.contains_weak(etag) or request.if_none_match.star_tag
    if "HTTP_IF_MODIFIED_SINCE" not in environ:  # the usual case: skip werkzeug's date parsing
        return False
    since = request.if_modified_since
    return since is not None and current_dataset().last_modified <= since


@lru_cache(maxsize=256)
def _validators(etag: str, last_modified: datetime) -> tuple[tuple[str, str], ...]:
    return (("ETag", quote_etag(etag)), ("Last-Modified", http_date(last_modified)),
            ("Cache-Control", "public, no-cache"))  # reuse, but revalidate: cheap with 304


def _not_modified(etag: str) -> Response:
    headers = Headers((("Vary", "Accept"), *_validators(etag, current_dataset().last_modified)))
    return Response(status=304, headers=headers)


# --- service description and graph reads -------------------------------------------------------
def _describe_service(sparql: SparqlRequest) -> Response:
    fmt = negotiate("graph", request.headers.get("Accept"), sparql.format_params)
    endpoint = request.base_url
    etag = f"{current_dataset().etag}-sd-{fmt.key}-{zlib.crc32(endpoint.encode()):08x}"
    if _client_copy_is_current(etag):
        return _not_modified(etag)
    triples = current_app.extensions["kg.sparql.description"].triples(endpoint)
    body = ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES)
    return _result_response(Serialized(body), fmt, etag)


def _read_graph(sparql: SparqlRequest) -> Response:
    """Graph Store Protocol, read only: GET/HEAD ?graph=IRI or ?default (the union of all graphs)."""
    config = current_app.config["KG"]
    store = current_dataset().store
    graph = _iri(sparql.graph, "graph") if sparql.graph is not None else None
    if graph is not None and not store.contains_named_graph(graph):
        return protocol_error(404, f"No graph named <{sparql.graph}> in this dataset.")
    fmt = negotiate("graph", request.headers.get("Accept"), sparql.format_params)
    etag = f"{current_dataset().etag}-g{zlib.crc32((sparql.graph or '').encode()):08x}-{fmt.key}"
    if _client_copy_is_current(etag):
        return _not_modified(etag)

    def evaluate() -> Serialized:
        if graph is None:
            triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        else:
            triples = (quad.triple for quad in store.quads_for_pattern(None, None, None, graph))
        return serialize_triples(triples, fmt.rdf, config.max_rows, config.max_result_bytes)

    return _evaluated(evaluate, fmt, etag)
