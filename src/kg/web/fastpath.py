"""A WSGI fast path in front of the Flask app for the endpoint's common request: GET /sparql?query=...

Flask's request machinery (request context, URL routing, before/after hooks, werkzeug Request
and Response objects) cost more than evaluating a small query (~55 µs of ~150, bench/RESULTS.md).
This middleware answers GET and HEAD query requests straight from the WSGI environ with the same
functions the Flask view uses (kg.web.protocol_answer), so the answers are the same: request id,
CORS, validators and 304, caps and truncation headers, the time limit and the worker's retirement.
Everything else goes to the Flask app unchanged: other paths and methods, service descriptions
and graph reads, requests whose URL the protocol rejects, and any unexpected error (Flask then
answers it with its one JSON error shape and logs the traceback).
"""

from __future__ import annotations

import logging

from werkzeug.http import HTTP_STATUS_CODES

from ..sparql_scan import QueryRejected
from .errors import new_request_id
from .protocol_answer import Call, Reply, answer_query
from .protocol_request import read_url_request

log = logging.getLogger("kg.web.fastpath")

SPARQL_PATHS = ("/sparql", "/sparql/")
_NO_LENGTH = (204, 304)  # as werkzeug: these carry no Content-Length


class SparqlFastPath:
    def __init__(self, app, flask_wsgi_app):
        self.app = app  # its config and extensions: the dataset, the answer cache, the settings
        self.flask = flask_wsgi_app  # Flask's own wsgi_app, for everything not answered here

    def __call__(self, environ, start_response):
        if not _is_query_get(environ):
            return self.flask(environ, start_response)
        try:
            sparql = read_url_request(environ["QUERY_STRING"].encode("latin-1"))  # PEP 3333: bytes as latin-1
        except QueryRejected:  # Flask answers (and logs) the protocol error
            return self.flask(environ, start_response)
        if sparql.operation != "query":
            return self.flask(environ, start_response)
        call = Call(self.app, environ, new_request_id())
        try:
            reply = answer_query(call, sparql)
        except Exception:  # a bug, not the client's fault: Flask's handler logs it and answers a JSON 500
            log.debug("request %s: unexpected error, handed to Flask", call.request_id, exc_info=True)
            return self.flask(environ, start_response)
        return _send(reply, call, start_response)


def _is_query_get(environ) -> bool:
    return (environ["REQUEST_METHOD"] in ("GET", "HEAD") and environ.get("PATH_INFO") in SPARQL_PATHS
            and bool(environ.get("QUERY_STRING")))


def _send(reply: Reply, call: Call, start_response):
    headers = list(reply.headers)
    if reply.status not in _NO_LENGTH:
        headers.append(("Content-Length", str(len(reply.body))))
    headers.append(("X-Request-Id", call.request_id))
    start_response(f"{reply.status} {HTTP_STATUS_CODES[reply.status]}", headers)
    body = _Body() if call.method == "HEAD" else _Body((reply.body,))
    body.on_close = reply.on_close
    return body


class _Body(list):
    """The response body, with WSGI's close() hook: the server calls it once the response is sent."""

    on_close = None

    def close(self) -> None:
        if self.on_close is not None:
            self.on_close()
