"""The SPARQL 1.1 endpoint at /sparql: queries, the service description, and graph reads.

One route answers every method so that each failure gets the protocol's plain-text error with
the right status (405 included). The hot path — a GET or POST query — is: read the parameters,
scan the text (updates, SERVICE, nesting), negotiate the format, answer 304 if the client's
copy is current, else evaluate and serialize in a time-limited thread.
"""

from __future__ import annotations

import logging
import zlib

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request

from ..sparql_eval import QueryTimeout, run_with_timeout
from ..sparql_results import Serialized, serialize_result, serialize_triples
from ..sparql_scan import QueryRejected, inspect_query
from .dataset import current_dataset
from .errors import protocol_error, request_id
from .protocol_formats import Format, NotAcceptable, negotiate
from .protocol_request import SparqlRequest, read_request
from .service_description import PREFIXES, ServiceDescription

log = logging.getLogger("kg.web.sparql")
bp = Blueprint("sparql", __name__)

SERVED_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
ALLOW = ", ".join(SERVED_METHODS)
_EXPOSED = "ETag, Last-Modified, X-Request-Id, X-SPARQL-Truncated, X-SPARQL-MaxRows"
#: app.config key of a callable run after a response whose query overran its time limit.
RETIRE_WORKER = "KG_RETIRE_WORKER"


@bp.record_once
def _attach_service_description(state) -> None:
    app = state.app
    app.extensions["kg.sparql.description"] = ServiceDescription(app.extensions["kg.dataset"].store, app.config["KG"])


@bp.after_request
def _cors(response: Response) -> Response:
    if current_app.config["KG"].cors:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = _EXPOSED
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
    fmt = negotiate(kind, request.headers.get("Accept"), sparql.format_params)
    etag = f"{current_dataset().etag}-{fmt.key}"
    if _client_copy_is_current(etag):
        return _not_modified(etag)
    arguments = _dataset_arguments(sparql, shape.has_dataset_clause)
    # Relative IRIs resolve against the endpoint as the dataset's base names it (SPARQL Protocol §2.1.4).
    arguments["base_iri"] = config.base + "sparql"
    store, query = current_dataset().store, sparql.query

    def evaluate() -> Serialized:
        return serialize_result(store.query(query, **arguments), fmt, config.max_rows, config.max_result_bytes)

    return _evaluated(evaluate, fmt, etag)


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


def _evaluated(work, fmt: Format, etag: str) -> Response:
    config = current_app.config["KG"]
    try:
        result = run_with_timeout(work, config.timeout)
    except QueryTimeout:
        return _timed_out(config.timeout)
    except SyntaxError as exc:  # pyoxigraph: "error at LINE:COLUMN: expected ..."
        return protocol_error(400, f"Query syntax error: {_short(str(exc))}")
    return _result_response(result, fmt, etag)


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


def _result_response(result: Serialized, fmt: Format, etag: str) -> Response:
    config = current_app.config["KG"]
    response = Response(result.body, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    if result.truncated:
        response.headers["X-SPARQL-Truncated"] = "true"
        response.headers["X-SPARQL-MaxRows"] = str(config.max_rows)
    if request.method in ("GET", "HEAD"):
        _add_validators(response, etag)
    return response


# --- HTTP caching ----------------------------------------------------------------------------
def _client_copy_is_current(etag: str) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if "If-None-Match" in request.headers:  # RFC 9110: If-Modified-Since is ignored then
        return request.if_none_match.contains_weak(etag) or request.if_none_match.star_tag
    since = request.if_modified_since
    return since is not None and current_dataset().last_modified <= since


def _add_validators(response: Response, etag: str) -> None:
    response.set_etag(etag)
    response.last_modified = current_dataset().last_modified
    response.headers["Cache-Control"] = "public, no-cache"  # reuse, but revalidate: cheap with 304


def _not_modified(etag: str) -> Response:
    response = Response(status=304)
    response.headers["Vary"] = "Accept"
    _add_validators(response, etag)
    return response


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
