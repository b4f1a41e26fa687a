"""Read a SPARQL 1.1 Protocol request: which operation, which query, which dataset.

Read from the WSGI environ (no framework request object): parameters are decoded here,
strictly as UTF-8 (werkzeug would silently replace bad bytes), from the URL and, for form posts,
the body, which is read here too, never more than the body limit. Anything the protocol does not
allow raises QueryRejected with the status to answer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from werkzeug.http import parse_options_header

from ..sparql_scan import QueryRejected

FORM = "application/x-www-form-urlencoded"
SPARQL_QUERY = "application/sparql-query"
SPARQL_UPDATE = "application/sparql-update"
READ_ONLY = "This endpoint is read-only: SPARQL Update is not accepted."


@dataclass
class SparqlRequest:
    operation: str  # "query", "graph" (Graph Store read) or "description"
    query: str | None = None
    default_graphs: list[str] | None = None  # None: the request names no dataset
    named_graphs: list[str] | None = None
    graph: str | None = None  # for "graph": the graph IRI, or None for the default graph
    format_params: list[str] = field(default_factory=list)

    @property
    def names_dataset(self) -> bool:
        return self.default_graphs is not None or self.named_graphs is not None


def read_request(environ: dict, max_body_bytes: int) -> SparqlRequest:
    """The SPARQL request a GET, HEAD or POST makes (other methods never get here)."""
    query_string = environ.get("QUERY_STRING", "").encode("latin-1")  # PEP 3333: bytes as latin-1
    if environ["REQUEST_METHOD"] in ("GET", "HEAD"):
        return read_url_request(query_string)
    url_params = _parse_params(query_string, "URL")
    declared = _declared_length(environ)
    if declared is not None and declared > max_body_bytes:
        if environ.get("HTTP_EXPECT", "").lower() != "100-continue":  # else it waits for our answer, sending nothing
            _drain(environ["wsgi.input"], declared, max_body_bytes)
        raise _too_large(max_body_bytes)
    encoding = environ.get("HTTP_CONTENT_ENCODING", "").strip().lower()
    if encoding not in ("", "identity"):  # a gzip bomb must not be inflated here: refused, not decoded
        raise QueryRejected(415, f"Content-Encoding {encoding!r} is not accepted: send the request body "
                                 "uncompressed (it is at most a query).")
    media_type, options = parse_options_header(environ.get("CONTENT_TYPE", ""))
    if media_type == SPARQL_UPDATE:
        raise QueryRejected(403, READ_ONLY)
    if media_type not in (FORM, SPARQL_QUERY):
        shown = media_type or "no Content-Type"
        raise QueryRejected(415, f"Unsupported body type ({shown}): POST {FORM} or {SPARQL_QUERY}.")
    body = _read_body(environ["wsgi.input"], declared, max_body_bytes)
    if media_type == FORM:
        return _from_params(url_params + _parse_params(body, "request body"), posted=True)
    return _direct_query(body, options.get("charset", "utf-8").lower(), url_params)


def _declared_length(environ: dict) -> int | None:
    length = environ.get("CONTENT_LENGTH")
    if not length:
        return None  # none given: a chunked body, or none at all
    try:
        return int(length)
    except ValueError:
        raise QueryRejected(400, f"Content-Length {length!r} is not a number.") from None


def _read_body(stream, declared: int | None, max_bytes: int) -> bytes:
    if declared is not None:
        return stream.read(declared) if declared > 0 else b""
    body = stream.read(max_bytes + 1)  # chunked: read one byte past the cap to know it is over
    if len(body) > max_bytes:
        _drain(stream, None, max_bytes)
        raise _too_large(max_bytes)
    return body


_DRAIN_FACTOR = 4  # a body over the cap is read and dropped up to this many times the cap
_DRAIN_CHUNK = 65536


def _drain(stream, declared: int | None, max_bytes: int) -> None:
    """Read and drop the rest of a body refused as too large, up to _DRAIN_FACTOR x the cap, so that
    the client, still sending, gets to read the 413: a server that closes the connection on unread
    data resets it (TCP RST), and the client sees a broken pipe instead of the answer. A body larger
    than that is not read: the connection is closed on it."""
    limit = _DRAIN_FACTOR * max_bytes
    if declared is not None and declared > limit:
        return
    left = limit if declared is None else declared
    while left > 0:
        chunk = stream.read(min(_DRAIN_CHUNK, left))
        if not chunk:
            return
        left -= len(chunk)


def _too_large(max_bytes: int) -> QueryRejected:
    return QueryRejected(413, f"Request body over the limit of {max_bytes} bytes.")


def read_url_request(query_string: bytes) -> SparqlRequest:
    """A GET or HEAD request: everything is in the URL's query string (raw bytes, as sent)."""
    return _from_params(_parse_params(query_string, "URL"))


def _from_params(params: list[tuple[str, str]], posted: bool = False) -> SparqlRequest:
    names = {name for name, _ in params}
    if "update" in names:
        raise QueryRejected(403, READ_ONLY)
    queries = _values(params, "query")
    if len(queries) > 1:
        raise QueryRejected(400, "More than one query parameter: send exactly one query.")
    formats = _values(params, "format")
    if queries:
        default, named = _dataset(params)
        return SparqlRequest("query", queries[0], default, named, format_params=formats)
    if posted:
        raise QueryRejected(400, "No query parameter in the request body.")
    if "graph" in names or "default" in names:
        return _graph_read(params, formats)
    return SparqlRequest("description", format_params=formats)


def _direct_query(body: bytes, charset: str, url_params: list[tuple[str, str]]) -> SparqlRequest:
    if charset not in ("utf-8", "utf8"):
        raise QueryRejected(415, f"Query bodies must be UTF-8, not {charset}.")
    if any(name in ("query", "update") for name, _ in url_params):
        raise QueryRejected(400, "A direct POST carries the query in the body, not in a query parameter.")
    try:
        query = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise QueryRejected(400, f"The query is not valid UTF-8 (byte {exc.start}).") from None
    if not query.strip():
        raise QueryRejected(400, "Empty query.")
    default, named = _dataset(url_params)
    return SparqlRequest("query", query, default, named, format_params=_values(url_params, "format"))


def _graph_read(params: list[tuple[str, str]], formats: list[str]) -> SparqlRequest:
    graphs = _values(params, "graph")
    has_default = any(name == "default" for name, _ in params)
    if len(graphs) + has_default != 1:
        raise QueryRejected(400, "Name exactly one graph: ?graph=IRI or ?default.")
    return SparqlRequest("graph", graph=graphs[0] if graphs else None, format_params=formats)


def _dataset(params) -> tuple[list[str] | None, list[str] | None]:
    default = _values(params, "default-graph-uri")
    named = _values(params, "named-graph-uri")
    if not default and not named:
        return None, None
    # The protocol's dataset replaces the query's: a part it leaves out is empty.
    return default, named


def _values(params, name: str) -> list[str]:
    return [value for key, value in params if key == name]


def _parse_params(raw: bytes, where: str) -> list[tuple[str, str]]:
    """`name=value&...` as parse_qsl(keep_blank_values=True, errors="strict") reads it, in half its time:
    fields split on `&`, `+` is a space, percent-escapes decoded, the bytes strictly UTF-8."""
    if not raw:
        return []
    params = []
    try:
        for pair in raw.split(b"&"):
            if pair:
                name, _, value = pair.partition(b"=")
                params.append((unquote_to_bytes(name.replace(b"+", b" ")).decode("utf-8"),
                               unquote_to_bytes(value.replace(b"+", b" ")).decode("utf-8")))
    except UnicodeDecodeError:
        raise QueryRejected(400, f"The {where} parameters are not valid percent-encoded UTF-8.") from None
    return params
