"""Security headers: what a browser may do with our pages.

Every response gets `X-Content-Type-Options: nosniff` (a plain-text error that quotes a query
is never run as HTML or script). HTML pages also get a Content-Security-Policy that allows only
our own scripts (no inline script, no other origin; inline styles are allowed, the pages carry
their CSS inline), no framing by other sites (`frame-ancestors 'none'`, and X-Frame-Options for
older browsers), no plugins, forms and base URLs to our own origin only.
"""

from __future__ import annotations

from flask import Flask, Response

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
HTML_HEADERS = (
    ("Content-Security-Policy", CONTENT_SECURITY_POLICY),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
)
NOSNIFF = ("X-Content-Type-Options", "nosniff")


def init_app(app: Flask) -> None:
    app.after_request(_html_headers)


def _html_headers(response: Response) -> Response:
    if response.mimetype in ("text/html", "application/xhtml+xml"):
        for name, value in HTML_HEADERS:
            response.headers.setdefault(name, value)
    return response


class NoSniff:
    """WSGI middleware: nosniff on every response, and the HTML headers on every HTML page the
    Flask hook did not see (the /sparql handler's own pages), whoever answers it."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def start(status, headers, exc_info=None):
            headers.extend(added_headers(headers))
            return start_response(status, headers, exc_info)

        return self.app(environ, start)


def added_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """What NoSniff adds to a response with these headers: nosniff, and the HTML headers on an HTML
    page that has no Content-Security-Policy of its own. (Also used by kg.web.sparql.StoredAnswers,
    which sends stored responses without going through NoSniff.)"""
    names = {name.lower() for name, _ in headers}
    kind = next((value for name, value in headers if name.lower() == "content-type"), "")
    if kind.startswith(("text/html", "application/xhtml+xml")) and "content-security-policy" not in names:
        return [NOSNIFF, *HTML_HEADERS]
    return [NOSNIFF]
