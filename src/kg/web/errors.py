"""One error shape for the whole HTTP API, a request id on every response, no traceback to clients.

JSON errors look like {"error": "not_found", "message": "...", "status": 404}. A browser (a client
that prefers text/html to JSON) gets the same error as an HTML page with the site's layout, except
under /api/, which always answers JSON. The SPARQL
protocol route answers errors in plain text (the spec allows it, and SPARQL clients show it
as is): see kg.web.protocol_answer.error_reply.

Request ids are given by `RequestIds`, the outermost WSGI layer: it puts the id in the environ
(`REQUEST_ID`) for handlers to log, and adds `X-Request-Id` to every response, whoever answers.
"""

from __future__ import annotations

import logging
import random

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from ..query_engine import EngineUnavailable

log = logging.getLogger("kg.web")

#: WSGI environ key of the request's id.
REQUEST_ID = "kg.request_id"
REQUEST_ID_HEADER = "X-Request-Id"


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, http_error)
    app.register_error_handler(EngineUnavailable, _engine_unavailable)
    app.register_error_handler(Exception, _unexpected_error)


class RequestIds:
    """WSGI middleware: an id for every request, in the environ and in the X-Request-Id header."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        rid = environ[REQUEST_ID] = new_request_id()

        def start_with_id(status, headers, exc_info=None):
            headers.append((REQUEST_ID_HEADER, rid))
            return start_response(status, headers, exc_info)

        return self.app(environ, start_with_id)


def new_request_id() -> str:
    """16 random hex digits, for telling requests apart in the logs (not a secret): from `random`,
    which is reseeded in every forked child (workers never share a sequence), without the system
    call os.urandom or uuid4 make, which measured as a tenth of the front's Python time per query."""
    return f"{random.getrandbits(64):016x}"


def request_id() -> str:
    return request.environ.get(REQUEST_ID, "-")


def _loggable(text: str) -> str:
    """Control characters escaped: a path with %0A must not write a forged line into the log."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode("ascii") for c in text)


def wants_html() -> bool:
    """True for browsers: text/html preferred to JSON (a bare */* prefers JSON), and not under /api/."""
    if request.path.startswith("/api/"):
        return False
    return request.accept_mimetypes.best_match(("application/json", "text/html")) == "text/html"


def api_error(status: int, error: str, message: str, headers: dict | None = None) -> Response:
    """The error response every non-SPARQL route uses: JSON, or an HTML page for browsers."""
    log.info("request %s: %s %s -> %d %s: %s", request_id(), _loggable(request.method), _loggable(request.path),
             status, error, _loggable(message))
    if wants_html():
        title = error.replace("_", " ").capitalize()
        response = Response(render_template("error.html", status=status, title=title, message=message,
                                            request_id=request_id()),
                            content_type="text/html; charset=utf-8")
    else:
        response = jsonify(error=error, message=message, status=status)
    response.status_code = status
    response.headers.update(headers or {})
    return response


def log_protocol_error(request_id: str, method: str, path: str, status: int, message: str) -> None:
    log.info("request %s: %s %s -> %d: %s", request_id, _loggable(method), _loggable(path), status, _loggable(message))


def protocol_error_text(message: str) -> bytes:
    return (message.rstrip("\n") + "\n").encode("utf-8")


def http_error(exc: HTTPException) -> Response:
    error = (exc.name or "error").lower().replace(" ", "_")
    # The exception's own headers (Allow on 405, Content-Range on 416...), minus its HTML Content-Type.
    headers = {name: value for name, value in exc.get_headers() if name.lower() != "content-type"}
    return api_error(exc.code or 500, error, exc.description or exc.name, headers)


def _engine_unavailable(exc: EngineUnavailable) -> Response:
    log.error("request %s: the query engine is unavailable: %s", request_id(), exc)
    return api_error(503, "unavailable", f"The data service is unavailable: {exc}", {"Retry-After": "5"})


def _unexpected_error(exc: Exception) -> Response:
    log.exception("request %s: unexpected error", request_id())
    return api_error(500, "internal_error", f"An unexpected error occurred (request id {request_id()}).")
