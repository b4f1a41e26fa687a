"""`StoreEngine`: the query engine of `kg serve --store URL`, an existing SPARQL 1.1 store over HTTP.

It implements kg.query_engine's `QueryEngine`, so the SPARQL protocol code is the same as on the
embedded engine: the protocol handler has already refused updates, SERVICE, LOAD and deep nesting
(kg.sparql_scan); here the query is also *parsed* (pyoxigraph's parser, on an empty store, never
evaluated against data) so that no text the SPARQL grammar refuses — a store's own extensions
such as Virtuoso's DEFINE pragmas included — reaches the store. Then:

- the dataset is always sent explicitly: the protocol's default-graph-uri/named-graph-uri or the
  query's FROM/FROM NAMED are mapped onto the current release's stored graphs (an IRI outside the
  release maps to an empty graph, so the store neither fetches it nor shows another release), and
  with neither, the default graph is the union of the release's graphs, as on the embedded engine;
- graph IRIs in answers are mapped back to the names readers know;
- the time limit is ours: the request's deadline closes the connection (the store may go on
  computing; its own limit, e.g. Virtuoso's MaxQueryExecutionTime, bounds that);
- the answer is read up to a byte bound and re-serialized by our own writers (kg.sparql_results),
  with our row cap; a store's silent cap (an `X-SPARQL-MaxRows` header, or exactly as many rows as
  the store is known to cap at) is reported as truncation, never as a complete answer.

The current release is read from the pointer graph (kg.remote_store) at most once a second.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from datetime import datetime, timezone
from typing import Mapping

import pyoxigraph as ox

from .errors import KgError
from .query_engine import DataVersion, EngineUnavailable, QueryJob, QuerySyntaxError, QueryTimeout
from .remote_store import Deadline, Release, StoreClient, current_release
from .sparql_eval import EvaluatorPool
from .sparql_eval import QueryTimeout as _PoolTimeout
from .sparql_results import Serialized, serialize_solutions, serialize_triples
from .sparql_scan import dataset_clauses, decode_codepoint_escapes, graph_references

# JSON, parsed here: pyoxigraph's XML results parser trims the whitespace around literal text, and
# it refuses blank-node labels like Virtuoso's "nodeID://b10001"; Virtuoso's JSON says "typed-literal".
RESULTS_JSON = "application/sparql-results+json"
NTRIPLES = "application/n-triples"
#: Stands for "no graph" in a dataset sent to the store: an IRI nothing is ever stored under.
NO_GRAPH = "urn:kg:no-graph"
POINTER_TTL = 1.0  # seconds a release read from the pointer graph is reused


class StoreEngine:
    def __init__(self, client: StoreClient, base: str, pointer_ttl: float = POINTER_TTL, evaluators: int = 4):
        self.client = client
        self.base = base
        self.pointer_ttl = pointer_ttl
        self._checker = EvaluatorPool(size=evaluators)  # parses queries (on an empty store) within a limit
        self._lock = threading.Lock()
        self._release: Release | None = None
        self._read_at = 0.0

    # -- the release ------------------------------------------------------------------------
    def release(self) -> Release:
        with self._lock:
            if self._release is not None and time.monotonic() - self._read_at < self.pointer_ttl:
                return self._release
        try:
            found = current_release(self.client, self.base, timeout=10)
        except (KgError, Deadline) as exc:
            if self._release is not None:  # the store hiccups: keep answering from the release we know
                return self._release
            raise EngineUnavailable(f"the store does not answer: {exc or 'timeout'}") from None
        if found is None:
            raise EngineUnavailable("nothing is published in this store yet: run `kg publish --store URL`")
        with self._lock:
            if self._release is None or found.sequence >= self._release.sequence:
                self._release = found
            self._read_at = time.monotonic()
            return self._release

    def version(self) -> DataVersion:
        release = self.release()
        etag = hashlib.sha256(release.iri.encode()).hexdigest()[:32]
        try:
            modified = datetime.fromisoformat(release.published_at.replace("Z", "+00:00"))
        except ValueError:
            modified = datetime.now(timezone.utc).replace(microsecond=0)
        return DataVersion(etag, modified)

    # -- the protocol ---------------------------------------------------------------------------
    def evaluate(self, job: QueryJob) -> Serialized:
        started = time.monotonic()
        self._check_syntax(job)
        release = self.release()
        default, named = self._dataset(job, release)
        graph_form = job.output.results is None
        remaining = job.limits.timeout - (time.monotonic() - started)
        if remaining <= 0:
            raise QueryTimeout(job.limits.timeout, retire_process=False)
        # Relative IRIs resolve against our base, as on the embedded engine (Virtuoso would leave
        # them relative); a BASE of the query's own comes later in the prologue and wins.
        text = f"BASE {ox.NamedNode(job.base_iri)}\n{_graphs_renamed(job.query, job.base_iri, release, named)}"
        try:
            response = self.client.query(text, NTRIPLES if graph_form else RESULTS_JSON, default, named,
                                         timeout=remaining, max_bytes=job.limits.max_bytes * 4)
        except Deadline:
            raise QueryTimeout(job.limits.timeout, retire_process=False) from None
        except KgError as exc:
            raise EngineUnavailable(str(exc)) from None
        if response.status == 400:
            raise QuerySyntaxError(f"the store refused the query: {_excerpt(response.body)}")
        if response.status != 200:
            raise EngineUnavailable(f"the store answered {response.status}: {_excerpt(response.body)}")
        capped = "x-sparql-maxrows" in response.headers or response.truncated
        back = {stored: public for public, stored in release.named.items()}
        if graph_form:
            triples, cut = _parse_triples(response.body, back, response.truncated)
            result = serialize_triples(triples, job.output.rdf, job.limits.max_rows, job.limits.max_bytes)
            capped = capped or cut or self._at_store_cap(len(triples))
            return Serialized(result.body, result.truncated or capped)
        parsed, cut = _parse_json(response.body, response.truncated)
        if isinstance(parsed, bool):
            return Serialized(_BOOLEANS[parsed].serialize(format=job.output.results))
        names, rows = parsed
        rows = [{name: _map(row.get(name), back) for name in names} for row in rows]
        result = serialize_solutions(names, rows, job.output, job.limits.max_rows, job.limits.max_bytes)
        capped = capped or cut or self._at_store_cap(len(rows))
        return Serialized(result.body, result.truncated or capped)

    def _at_store_cap(self, count: int) -> bool:
        cap = self.client.store.max_rows
        return bool(cap) and count == cap

    def _check_syntax(self, job: QueryJob) -> None:
        """Parse with pyoxigraph on an empty store: a syntax error is ours to report, before the store."""
        query, base = job.query, job.base_iri

        def parse() -> None:
            ox.Store().query(query, base_iri=base)  # SELECT/CONSTRUCT are lazy: nothing is evaluated

        try:
            self._checker.run(parse, job.limits.timeout)
        except _PoolTimeout:  # an ASK over a huge VALUES cross product, say: it runs on in this process
            raise QueryTimeout(job.limits.timeout, retire_process=True) from None
        except SyntaxError as exc:
            raise QuerySyntaxError(str(exc)) from None

    def _dataset(self, job: QueryJob, release: Release) -> tuple[list[str], list[str]]:
        """The stored graphs to send as default-graph-uri and named-graph-uri (never empty lists:
        the store would then use its own, every release's, graphs)."""
        dataset = job.dataset
        if dataset.named_by_request:
            default, named = list(dataset.default_graphs or ()), list(dataset.named_graphs or ())
        elif dataset.query_has_from:
            default, named = dataset_clauses(job.query, job.base_iri)
        else:
            return [g.stored for g in release.graphs] or [NO_GRAPH], list(release.named.values()) or [NO_GRAPH]
        stored = release.named
        return ([stored.get(g, NO_GRAPH) for g in default] or [NO_GRAPH],
                [stored[g] for g in named if g in stored] or [NO_GRAPH])

    def has_graph(self, iri: str) -> bool:
        return iri in self.release().named

    # -- for the pages ------------------------------------------------------------------------------
    def quads(self, subject=None, predicate=None, object=None, graph=None) -> list[ox.Quad]:
        terms = {"s": subject, "p": predicate, "o": object}
        release = self.release()
        if graph is not None:  # the release's stored graph for that public name
            stored = release.named.get(graph.value)
            if stored is None:
                return []
            terms["g"] = ox.NamedNode(stored)
        rows = self.select("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }",
                           {name: term for name, term in terms.items() if term is not None}, union=False,
                           include_default=True, release=release)
        return [ox.Quad(row["s"] or terms["s"], row["p"] or terms["p"], row["o"] or terms["o"],
                        ox.NamedNode(row["g"].value) if row["g"] is not None else ox.DefaultGraph())
                for row in rows]

    def release_quads(self, release: Release, page: int = 5000) -> list[ox.Quad]:
        """Every quad of one release, read page by page (below any store's row cap) and checked
        against the release's own counts: for the downloads and the catalog of `kg serve --store`.

        No ORDER BY: Virtuoso refuses a sorted page past its 10,000th row. A release's graphs never
        change once loaded, so pages of an unsorted scan are stable in practice, and the check makes
        sure of it: the distinct triples read must be exactly as many as the release says."""
        quads = []
        for graph in release.graphs:
            name = ox.NamedNode(graph.public) if graph.public is not None else ox.DefaultGraph()
            query = f"SELECT ?s ?p ?o WHERE {{ GRAPH {ox.NamedNode(graph.stored)} {{ ?s ?p ?o }} }}"
            found: set = set()
            offset = 0
            while True:
                rows = self.select(f"{query} LIMIT {page} OFFSET {offset}", union=False, release=release)
                found.update(ox.Triple(row["s"], row["p"], row["o"]) for row in rows)
                offset += len(rows)
                if len(rows) < page:
                    break
            if len(found) != graph.triples:
                raise EngineUnavailable(f"<{graph.stored}> gave {len(found)} distinct triples, the release says "
                                        f"{graph.triples}")
            quads += [ox.Quad(t.subject, t.predicate, t.object, name) for t in found]
        return quads

    def select(self, query: str, bindings: Mapping[str, object] | None = None, union: bool = True,
               include_default: bool = False, release: Release | None = None) -> list[dict]:
        release = release or self.release()
        named = list(release.named.values()) or [NO_GRAPH]
        if union:
            default = [g.stored for g in release.graphs] or [NO_GRAPH]
        else:
            default = [g.stored for g in release.graphs if g.public is None] or [NO_GRAPH]
        text = _with_values(query, bindings or {})
        try:
            response = self.client.query(text, RESULTS_JSON, default, named, timeout=30)
        except Deadline:
            raise EngineUnavailable("the store did not answer within 30 s") from None
        except KgError as exc:
            raise EngineUnavailable(str(exc)) from None
        if response.status != 200:
            raise EngineUnavailable(f"the store answered {response.status}: {_excerpt(response.body)}")
        (names, rows), _ = _parse_json(response.body, False)
        back = {stored: public for public, stored in release.named.items()}
        rows = [{name: _map(row.get(name), back) for name in names} for row in rows]
        if "x-sparql-maxrows" in response.headers or self._at_store_cap(len(rows)):
            raise EngineUnavailable(f"the store cut an internal query at {len(rows)} rows (raise its "
                                    "ResultSetMaxRows)")
        if include_default and "g" in names:  # a release's default graph is stored as a named graph
            default_graph = next((g.stored for g in release.graphs if g.public is None), None)
            for row in rows:
                if row["g"] is not None and row["g"].value == default_graph:
                    row["g"] = None
        return rows

    def named_graphs(self) -> list[str]:
        return sorted(self.release().named)

    def has_spare_capacity(self) -> bool:
        return False  # the store's load is not known here: client budgets apply strictly

    def cpu_seconds(self) -> float | None:
        return None  # the store's CPU time is not known here: budgets count wall time


def _graphs_renamed(query: str, base_iri: str, release: Release, named: list[str]) -> str:
    """The query with each `GRAPH <IRI>` naming the release's stored graph for that IRI, or an empty
    graph when the IRI is not among the named graphs of this request's dataset (so the dataset's
    restriction holds whatever the store does with it). FROM needs nothing: the dataset parameters
    sent with the query replace it."""
    decoded = decode_codepoint_escapes(query)
    stored = release.named
    allowed = set(named)
    changes = [(start, end, stored.get(iri) if stored.get(iri) in allowed else NO_GRAPH)
               for keyword, start, end, iri in graph_references(decoded, base_iri) if keyword == "GRAPH"]
    if not changes:
        return query
    parts, last = [], 0
    for start, end, target in changes:
        parts += [decoded[last:start], str(ox.NamedNode(target))]
        last = end
    return "".join(parts) + decoded[last:]


def _with_values(query: str, bindings: Mapping[str, object]) -> str:
    """Our own query with a VALUES block binding each variable to its term as the first element of
    its WHERE group (so FILTERs see it, as with pyoxigraph's substitutions). The terms are written
    by pyoxigraph in N-Triples syntax, never pasted as text."""
    if not bindings:
        return query
    names = " ".join(f"?{name}" for name in bindings)
    terms = " ".join(str(term) for term in bindings.values())
    start = query.index("{") + 1
    return f"{query[:start]} VALUES ({names}) {{ ({terms}) }} {query[start:]}"


def _map(term, back: dict):
    if type(term) is ox.NamedNode and term.value in back:
        return ox.NamedNode(back[term.value])
    return term


def _parse_json(body: bytes, cut: bool):
    """SPARQL JSON results: (True/False, cut) for ASK, else ((variables, rows of terms), cut). A body cut
    at the byte bound is closed after its last whole binding."""
    try:
        document = json.loads(body)
    except ValueError:
        if not cut:
            raise EngineUnavailable("the store's answer is not valid SPARQL JSON results") from None
        document = _close_cut_json(body)
    if "boolean" in document:
        return bool(document["boolean"]), False
    names = document.get("head", {}).get("vars", [])
    rows = [{name: _term(value) for name, value in binding.items()}
            for binding in document.get("results", {}).get("bindings", [])]
    return (names, rows), cut


def _close_cut_json(body: bytes) -> dict:
    end = len(body)
    for _ in range(50):
        end = body.rfind(b"}", 0, end)
        if end < 0:
            break
        try:
            return json.loads(body[: end + 1] + b"]}}")
        except ValueError:
            continue
    return {"head": {"vars": []}, "results": {"bindings": []}}


# pyoxigraph's own boolean results (it has no constructor for them), serialized as on the embedded engine.
_BOOLEANS = {True: ox.Store().query("ASK {}"), False: ox.Store().query("ASK { FILTER(false) }")}
_BNODE_ID = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _term(value: dict):
    kind, text = value.get("type"), value.get("value", "")
    if kind == "uri":
        return ox.NamedNode(text)
    if kind == "bnode":  # Virtuoso: "nodeID://b10001"; a stable label derived from it
        return ox.BlankNode(text if _BNODE_ID.fullmatch(text) else "b" + hashlib.sha1(text.encode()).hexdigest()[:20])
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in value:
            return ox.Literal(text, language=value["xml:lang"])
        if "datatype" in value:
            return ox.Literal(text, datatype=ox.NamedNode(value["datatype"]))
        return ox.Literal(text)
    if kind == "triple":
        inner = value["value"]
        return ox.Triple(_term(inner["subject"]), _term(inner["predicate"]), _term(inner["object"]))
    raise EngineUnavailable(f"the store's answer has a term of unknown type {kind!r}")


def _parse_triples(body: bytes, back: dict, cut: bool) -> tuple[list[ox.Triple], bool]:
    if cut:  # the body was cut at the byte bound: keep its whole lines
        body = body[: body.rfind(b"\n") + 1]
    try:
        triples = [ox.Triple(_map(t.subject, back), t.predicate, _map(t.object, back))
                   for t in ox.parse(body, format=ox.RdfFormat.N_TRIPLES)]
    except SyntaxError as exc:
        raise EngineUnavailable(f"the store's answer is not valid N-Triples: {exc}") from None
    return triples, cut


def _excerpt(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return (text[:limit] + (" ..." if len(text) > limit else "")) or "(no message)"
