"""The /sparql page for people: YASGUI with our examples, and results rendered on the server.

kg.web.sparql (the endpoint, the one owner of /sparql) hands a GET or HEAD here when the client
prefers HTML (`prefers_html`): every browser's Accept header lists text/html first, while SPARQL and
RDF clients name their formats. Protocol clients are never answered from here.

- Without `query`: the editor page (YASGUI, the endpoint preset, our prefixes, every named query of
  queries/ as a one-click example; those that need SERVICE, refused by this endpoint, are shown with
  their text and marked, not offered as links that fail).
- With `query` (or `format=html`): the same page with the results as an HTML table rendered here, so
  links, bookmarks and screen readers work with JavaScript off; sortable by column and paginated by
  URL (`sort`, `desc`, `page`), IRIs of this dataset linked to their pages, CSV/JSON download links.

Evaluation goes through the same engine, limits, checks and client budgets as the protocol (a
syntax error, SERVICE, a timeout, a busy server, a client over its budget: the page shows the
protocol's message with its status and Retry-After).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from urllib.parse import parse_qsl, urlencode

from flask import Flask, render_template
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from .. import vocab
from ..query import named_queries
from ..query_engine import QueryTimeout
from ..sparql_scan import QueryRejected, inspect_query
from .protocol_answer import EVALUATION_ERRORS, Call, Reply, admitted_evaluation, evaluation_failure, query_job
from .protocol_formats import OFFERS, negotiate
from .protocol_request import SparqlRequest

HTML_TYPES = ("text/html", "application/xhtml+xml")
HTML_FORMAT_NAMES = ("html", "text/html")
#: Media types the protocol answers in: a client naming one of them as high as HTML is a protocol client.
PROTOCOL_TYPES = frozenset(t for offers in OFFERS.values() for f in offers for t in (f.media_type, *f.aliases))
PAGE_SIZE = 50
MAX_CELL = 2000  # characters shown of one value in the table


def prefers_html(environ: dict, sparql: SparqlRequest) -> bool:
    """A GET/HEAD from a browser: format=html, or text/html named in Accept above every protocol format.
    A bare */* (curl, SPARQL libraries) is not a preference for HTML."""
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD") or sparql.operation == "graph":
        return False
    if sparql.format_params:
        return sparql.format_params[0] in HTML_FORMAT_NAMES
    accept = parse_accept_header(environ.get("HTTP_ACCEPT"), MIMEAccept)
    html = max((q for value, q in accept if value.split(";")[0].strip().lower() in HTML_TYPES), default=0)
    protocol = max((q for value, q in accept if value.split(";")[0].strip().lower() in PROTOCOL_TYPES), default=0)
    return html > 0 and html > protocol


@dataclass
class Example:
    name: str
    title: str
    description: str
    query: str
    federated: bool  # needs SERVICE, which this endpoint refuses
    link: str = ""


@dataclass
class Cell:
    text: str
    href: str | None = None
    note: str = ""  # language or datatype
    kind: str = "literal"  # uri, literal, bnode


@dataclass
class Results:
    variables: list[str] = field(default_factory=list)
    rows: list[list[Cell | None]] = field(default_factory=list)
    boolean: bool | None = None
    graph_text: str | None = None  # CONSTRUCT / DESCRIBE: Turtle
    truncated: bool = False
    total: int = 0
    page: int = 1
    pages: int = 1
    sort: str | None = None
    desc: bool = False


class SparqlPage:
    """Renders the page with the Flask app's templates, for a WSGI environ the endpoint hands over."""

    def __init__(self, app: Flask, state):
        self.app = app
        self.state = state

    @cached_property
    def examples(self) -> list[Example]:
        config = self.state.config
        found = []
        for named in named_queries(config):
            text = named.text_for(config)
            try:
                inspect_query(text, config.max_query_nesting, config.federation_allowlist)
                federated = False
            except QueryRejected:
                federated = True
            example = Example(named.name, named.title, named.header.get("description", ""), text, federated)
            if not federated:
                example.link = "/sparql?" + urlencode({"query": text})
            found.append(example)
        return found

    @cached_property
    def prefixes(self) -> dict[str, str]:
        return dict(sorted(vocab.prefixes(self.state.config.base).items()))

    def answer(self, call: Call, sparql: SparqlRequest, refused: str | None = None) -> Reply:
        """The page, with the query's results; `refused`: the 503's reason instead (nothing evaluated)."""
        status, results, error, extra, on_close = 200, None, None, [], None
        query = sparql.query if sparql.operation == "query" else None
        if refused is not None:
            status, error = 503, refused
        elif query is not None:
            status, results, error, extra, on_close = self._evaluate(call, sparql)
        params = dict(parse_qsl(call.environ.get("QUERY_STRING", ""), keep_blank_values=True))
        with self.app.request_context(call.environ):
            body = render_template(
                "sparql.html", query=query, results=results, error=error, status=status,
                examples=self.examples,
                examples_by_name={e.name: e.query for e in self.examples if not e.federated}, prefixes=self.prefixes, base=self.state.config.base,
                default_query=self._default_query(), share=_link(query) if query else None,
                downloads=_downloads(query) if query and results and results.graph_text is None else [],
                page_link=lambda **changes: _page_link(params, **changes),
                page_title="SPARQL query" if query is None else "SPARQL results",
            ).encode("utf-8")
        headers = [("Content-Type", "text/html; charset=utf-8"), ("Vary", "Accept"),
                   ("Cache-Control", "no-cache"), *extra]
        return Reply(status, headers, body, on_close)

    def _default_query(self) -> str:
        kg = self.state.config.ontology_ns
        return (f"PREFIX kg: <{kg}>\nPREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
                "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n\n"
                "# Meetings, their date as the article words it, and their epistemic status\n"
                "SELECT ?meeting ?label ?dateText ?status WHERE {\n"
                "  ?meeting a kg:Meeting ; rdfs:label ?label ; kg:epistemicStatus/skos:notation ?status .\n"
                "  OPTIONAL { ?meeting kg:dateText ?dateText }\n"
                "} ORDER BY ?label")

    def _evaluate(self, call: Call, sparql: SparqlRequest):
        """(status, results, error message, extra headers, on_close) of the page's query."""
        config = call.config
        try:
            shape = inspect_query(sparql.query, config.max_query_nesting, config.federation_allowlist)
            kind = "graph" if shape.form in ("CONSTRUCT", "DESCRIBE") else "results"
            fmt = negotiate(kind, "text/turtle" if kind == "graph" else "application/sparql-results+json", [])
            job = query_job(config, sparql, shape, fmt)
        except QueryRejected as exc:
            return exc.status, None, exc.message, [], None
        try:
            result = admitted_evaluation(call, job)
        except QueryRejected as exc:  # a regex that cannot compile
            return exc.status, None, exc.message, [], None
        except EVALUATION_ERRORS as exc:
            status, message, headers = evaluation_failure(call, job, exc)
            retire = isinstance(exc, QueryTimeout) and exc.retire_process
            return status, None, message, headers, call.state.retire_worker if retire else None
        body = result.body.decode("utf-8")
        if kind == "graph":
            return 200, Results(graph_text=body, truncated=result.truncated), None, [], None
        return 200, self._table(json.loads(body), result.truncated, call.environ), None, [], None

    def _table(self, data: dict, truncated: bool, environ: dict) -> Results:
        params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        if "boolean" in data:
            return Results(boolean=bool(data["boolean"]))
        variables = data["head"].get("vars", [])
        bindings = data["results"]["bindings"]
        sort = params.get("sort") if params.get("sort") in variables else None
        desc = params.get("desc") == "1"
        if sort:
            bindings = sorted(bindings, key=lambda b: _sort_key(b.get(sort)), reverse=desc)
        total = len(bindings)
        pages = max(1, -(-total // PAGE_SIZE))
        try:
            page = min(max(1, int(params.get("page", "1"))), pages)
        except ValueError:
            page = 1
        shown = bindings[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
        rows = [[self._cell(b.get(v)) for v in variables] for b in shown]
        return Results(variables, rows, truncated=truncated, total=total, page=page, pages=pages, sort=sort, desc=desc)

    def _cell(self, term: dict | None) -> Cell | None:
        if term is None:
            return None
        value = term.get("value", "")
        shown = value if len(value) <= MAX_CELL else value[:MAX_CELL] + " …"
        if term["type"] == "uri":
            base = self.state.config.base
            if value.startswith(base):
                local = value[len(base):]
                href = "/ontology.html#" + local.split("#", 1)[1] if local.startswith("ontology#") else "/" + local
            else:
                href = value if value.startswith(("http://", "https://")) else None
            return Cell(_compact(value, self.prefixes), href, "", "uri")
        if term["type"] == "bnode":
            return Cell("_:" + value, None, "", "bnode")
        note = term.get("xml:lang") or _compact(term.get("datatype", ""), self.prefixes)
        if note == "xsd:string":
            note = ""
        return Cell(shown, None, note, "literal")


def _compact(iri: str, known: dict[str, str]) -> str:
    for name, namespace in sorted(known.items(), key=lambda item: -len(item[1])):
        if iri.startswith(namespace) and len(iri) > len(namespace):
            return f"{name}:{iri[len(namespace):]}"
    return iri


def _sort_key(term: dict | None):
    if term is None:
        return (1, 0, "")
    value = term.get("value", "")
    if term.get("datatype", "").endswith(("#integer", "#decimal", "#double", "#float", "#int", "#long")):
        try:
            return (0, 0, float(value))
        except ValueError:
            pass
    return (0, 1, value.casefold())


def _link(query: str, **extra) -> str:
    return "/sparql?" + urlencode({"query": query, **extra})


def _downloads(query: str) -> list[tuple[str, str]]:
    return [("CSV", _link(query, format="csv")), ("JSON", _link(query, format="json")),
            ("TSV", _link(query, format="tsv"))]


def _page_link(params: dict, **changes) -> str:
    merged = {**params, **{k: str(v) for k, v in changes.items() if v is not None}}
    for key, value in changes.items():
        if value is None:
            merged.pop(key, None)
    return "/sparql?" + urlencode(merged)
