"""The SPARQL 1.1 endpoint at /sparql: queries, the service description, and graph reads.

One route answers every method so that each failure gets the protocol's plain-text error with
the right status (405 included). Answering a query — scan the text (updates, SERVICE, nesting),
negotiate the format, answer 304 if the client's copy is current, else evaluate and serialize in
a time-limited thread — lives in kg.web.protocol_answer as plain functions: this view adapts
their Reply to Flask, and kg.web.fastpath serves the common GET straight from WSGI with them.
"""

from __future__ import annotations

import re
import zlib

import pyoxigraph as ox
from flask import Blueprint, Response, current_app, request
from werkzeug.datastructures import Headers

from ..sparql_results import Serialized, serialize_triples
from ..sparql_scan import QueryRejected
from .dataset import current_dataset
from .errors import http_error, protocol_error, request_id
from .protocol_answer import (CORS_HEADERS, RETIRE_WORKER, Call, Reply, answer_query, client_copy_is_current,
                              evaluated, iri, not_modified, result_reply)
from .protocol_cache import ResultCache
from .protocol_formats import NotAcceptable, negotiate
from .protocol_request import SparqlRequest, read_request
from .service_description import PREFIXES, ServiceDescription

__all__ = ["bp", "RETIRE_WORKER"]

bp = Blueprint("sparql", __name__)

SERVED_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
ALLOW = ", ".join(SERVED_METHODS)
VALID_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?")


@bp.record_once
def _attach(state) -> None:
    app = state.app
    config = app.config["KG"]
    app.extensions["kg.sparql.description"] = ServiceDescription(lambda: app.extensions["kg.dataset"].store, config)
    # Created before gunicorn forks: each worker gets its own (empty) copy.
    app.extensions["kg.sparql.cache"] = ResultCache(config.response_cache_bytes)
    app.register_error_handler(405, _method_not_allowed)


def _method_not_allowed(exc):
    """Methods no route lists (TRACE, PROPFIND...) reach Flask's router, not the view: answer
    them on /sparql like the view does (plain text, the methods really served), elsewhere as usual."""
    if request.path.rstrip("/") == "/sparql":
        return protocol_error(405, f"Method {request.method} is not allowed here; use GET or POST.", {"Allow": ALLOW})
    return http_error(exc)


@bp.after_request
def _cors(response: Response) -> Response:
    # Query answers and protocol errors carry these already (see kg.web.protocol_answer).
    if current_app.config["KG"].cors and "Access-Control-Allow-Origin" not in response.headers:
        response.headers.extend(CORS_HEADERS)
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
        return _to_response(answer_query(_call(), sparql))
    except QueryRejected as exc:
        return protocol_error(exc.status, exc.message)
    except NotAcceptable as exc:
        return protocol_error(406, str(exc))


def _endpoint_url() -> str:
    """The endpoint's URL as the client reached it (W3C: sd:endpoint matches the URL queried),
    unless the Host header is not a plain host[:port]: then the configured base's."""
    if VALID_HOST.fullmatch(request.host or ""):
        return request.base_url
    return current_app.config["KG"].base + "sparql"


def _preflight() -> Response:
    response = Response(status=204)
    response.headers["Allow"] = ALLOW
    if current_app.config["KG"].cors:
        response.headers["Access-Control-Allow-Methods"] = ALLOW
        response.headers["Access-Control-Allow-Headers"] = "Accept, Content-Type, If-None-Match, If-Modified-Since"
        response.headers["Access-Control-Max-Age"] = "86400"
    return response


# --- Flask adapter for the answering functions ------------------------------------------------
def _call() -> Call:
    return Call(current_app, request.environ, request_id())


def _to_response(reply: Reply) -> Response:
    # No body at all (not b"") for a 304, so that werkzeug adds no Content-Length, as before.
    response = Response(reply.body or None, status=reply.status, headers=Headers(reply.headers))
    if reply.on_close is not None:
        response.call_on_close(reply.on_close)
    return response


# --- service description and graph reads -------------------------------------------------------
def _describe_service(sparql: SparqlRequest) -> Response:
    fmt = negotiate("graph", request.headers.get("Accept"), sparql.format_params)
    endpoint = _endpoint_url()
    etag = f"{current_dataset().etag}-sd-{fmt.key}-{zlib.crc32(endpoint.encode()):08x}"
    call = _call()
    if client_copy_is_current(call, etag):
        return _to_response(not_modified(call, etag))
    triples = current_app.extensions["kg.sparql.description"].triples(endpoint)
    body = ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES)
    return _to_response(result_reply(call, Serialized(body), fmt, etag))


def _read_graph(sparql: SparqlRequest) -> Response:
    """Graph Store Protocol, read only: GET/HEAD ?graph=IRI or ?default (the union of all graphs)."""
    config = current_app.config["KG"]
    store = current_dataset().store
    graph = iri(sparql.graph, "graph") if sparql.graph is not None else None
    if graph is not None and not store.contains_named_graph(graph):
        return protocol_error(404, f"No graph named <{sparql.graph}> in this dataset.")
    fmt = negotiate("graph", request.headers.get("Accept"), sparql.format_params)
    etag = f"{current_dataset().etag}-g{zlib.crc32((sparql.graph or '').encode()):08x}-{fmt.key}"
    call = _call()
    if client_copy_is_current(call, etag):
        return _to_response(not_modified(call, etag))

    def evaluate() -> Serialized:
        if graph is None:
            triples = store.query("CONSTRUCT WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        else:
            triples = (quad.triple for quad in store.quads_for_pattern(None, None, None, graph))
        return serialize_triples(triples, fmt.rdf, config.max_rows, config.max_result_bytes)

    return _to_response(evaluated(call, evaluate, fmt, etag))
