"""The SPARQL 1.1 endpoint at /sparql: one handler for every method, as plain WSGI.

As Oxigraph's server keeps all protocol handling in one `handle_request`, `SparqlEndpoint` answers
every request to /sparql (and /sparql/) itself: GET, HEAD and POST queries (reading POST bodies
itself, never more than the body limit), the service description, Graph Store reads, OPTIONS
preflights, and the protocol's plain-text error for everything else (405 with the methods really
served). A browser's GET (text/html preferred, or format=html) is answered by the HTML page of
kg.web.sparql_page instead, still decided here. It runs without Flask's request machinery, which cost more than evaluating a small
query. CORS headers are added here and only here; the request id comes from the app's router.
"""

from __future__ import annotations

import logging
import re
import zlib

import pyoxigraph as ox
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.sansio.utils import get_current_url
from werkzeug.wsgi import get_host

from ..query_engine import READ_GRAPH, DatasetDescription, EngineUnavailable, QueryJob
from ..sparql_results import Serialized
from ..sparql_scan import QueryRejected
from .errors import REQUEST_ID
from .integrity import refusal
from .protocol_answer import (CORS_HEADERS, Call, Reply, answer_query, client_copy_is_current, error_reply,
                              evaluated, iri, limits, not_modified, result_reply)
from .protocol_formats import NotAcceptable, negotiate
from .protocol_request import SparqlRequest, read_request
from .service_description import PREFIXES
from .sparql_page import SparqlPage, prefers_html
from .state import AppState

log = logging.getLogger("kg.web.sparql")

PATHS = ("/sparql", "/sparql/")
SERVED_METHODS = ("GET", "POST", "HEAD", "OPTIONS")
ALLOW = ", ".join(SERVED_METHODS)
VALID_HOST = re.compile(r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.?)+(?::\d{1,5})?|\[[0-9A-Fa-f:.]+\](?::\d{1,5})?")
_NO_LENGTH = (204, 304)  # these carry no Content-Length


class SparqlEndpoint:
    """The WSGI application answering /sparql."""

    def __init__(self, state: AppState, page: SparqlPage | None = None):
        self.state = state
        self.page = page  # the HTML page for browsers (kg.web.sparql_page); None: protocol only

    def __call__(self, environ, start_response):
        call = Call(self.state, environ, environ.get(REQUEST_ID, "-"))
        try:
            reply = self.handle_request(call)
        except Exception:  # a bug, not the client's fault: log it, answer without a traceback
            log.exception("request %s: unexpected error", call.request_id)
            reply = error_reply(call, 500, f"An unexpected error occurred (request id {call.request_id}).")
        return _send(reply, call, start_response)

    def handle_request(self, call: Call) -> Reply:
        method = call.method
        if method == "OPTIONS":
            return _preflight(call)
        if method not in SERVED_METHODS:
            return error_reply(call, 405, f"Method {method} is not allowed here; use GET or POST.",
                               [("Allow", ALLOW)])
        try:
            sparql = read_request(call.environ, call.config.max_body_bytes)
            damage = call.dataset.damage  # the build failed its check while serving (kg.web.integrity)
            if self.page is not None and prefers_html(call.environ, sparql):
                return self.page.answer(call, sparql, refused=refusal(damage) if damage else None)
            if damage:
                return error_reply(call, 503, refusal(damage))
            if sparql.operation == "description":
                return _describe_service(call, sparql)
            if sparql.operation == "graph":
                return _read_graph(call, sparql)
            return answer_query(call, sparql)
        except QueryRejected as exc:
            return error_reply(call, exc.status, exc.message)
        except NotAcceptable as exc:
            return error_reply(call, 406, str(exc))
        except EngineUnavailable as exc:
            log.error("request %s: the query engine is unavailable: %s", call.request_id, exc)
            return error_reply(call, 503, f"The query service is unavailable: {exc}", [("Retry-After", "5")])


def _send(reply: Reply, call: Call, start_response):
    headers = list(reply.headers)
    if reply.status not in _NO_LENGTH:
        headers.append(("Content-Length", str(len(reply.body))))
    start_response(f"{reply.status} {HTTP_STATUS_CODES[reply.status]}", headers)
    body = _Body() if call.method == "HEAD" or reply.status in _NO_LENGTH else _Body((reply.body,))
    body.on_close = reply.on_close
    return body


class _Body(list):
    """The response body, with WSGI's close() hook: the server calls it once the response is sent."""

    on_close = None

    def close(self) -> None:
        if self.on_close is not None:
            self.on_close()


def _preflight(call: Call) -> Reply:
    headers = [("Allow", ALLOW)]
    if call.config.cors:
        headers += [
            *CORS_HEADERS,
            ("Access-Control-Allow-Methods", ALLOW),
            ("Access-Control-Allow-Headers", "Accept, Content-Type, If-None-Match, If-Modified-Since"),
            ("Access-Control-Max-Age", "86400"),
        ]
    return Reply(204, headers)


# --- service description and graph reads -------------------------------------------------------
def _endpoint_url(call: Call) -> str:
    """The endpoint's URL as the client reached it (W3C: sd:endpoint matches the URL queried),
    unless the Host header is not a plain host[:port]: then the configured base's."""
    environ = call.environ
    host = get_host(environ) if environ.get("HTTP_HOST") or environ.get("SERVER_NAME") else ""
    if VALID_HOST.fullmatch(host or ""):
        return get_current_url(environ["wsgi.url_scheme"], host, environ.get("SCRIPT_NAME", ""),
                               environ.get("PATH_INFO", ""))
    return call.config.base + "sparql"


def _describe_service(call: Call, sparql: SparqlRequest) -> Reply:
    fmt = negotiate("graph", call.environ.get("HTTP_ACCEPT"), sparql.format_params)
    endpoint = _endpoint_url(call)
    etag = f"{call.dataset.etag}-sd-{fmt.key}-{zlib.crc32(endpoint.encode()):08x}"
    if client_copy_is_current(call, etag):
        return not_modified(call, etag)
    triples = call.state.description.triples(endpoint)
    body = ox.serialize(triples, format=fmt.rdf, prefixes=PREFIXES)
    return result_reply(call, Serialized(body), fmt, etag)


def _read_graph(call: Call, sparql: SparqlRequest) -> Reply:
    """Graph Store Protocol, read only: GET/HEAD ?graph=IRI or ?default (the union of all graphs)."""
    graph = iri(sparql.graph, "graph") if sparql.graph is not None else None
    if graph is not None and not call.state.engine.has_graph(graph):
        return error_reply(call, 404, f"No graph named <{sparql.graph}> in this dataset.")
    fmt = negotiate("graph", call.environ.get("HTTP_ACCEPT"), sparql.format_params)
    etag = f"{call.dataset.etag}-g{zlib.crc32((sparql.graph or '').encode()):08x}-{fmt.key}"
    if client_copy_is_current(call, etag):
        return not_modified(call, etag)
    dataset = DatasetDescription((graph,), ()) if graph is not None else DatasetDescription()
    job = QueryJob(READ_GRAPH, dataset, call.config.base + "sparql", fmt, limits(call.config))
    return evaluated(call, job, fmt, etag)
