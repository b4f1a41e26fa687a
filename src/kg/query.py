"""`kg query`: run a named query from queries/ (or a .rq file) on the built dataset.

Named queries start with a comment header:

    # title: Who met whom, and when
    # description: Every attested meeting with its attendees, date, status and source.
    # parameters: person (optional IRI): only meetings this person attended
    ...
    VALUES ?person { UNDEF }

A parameter is a `VALUES ?name { UNDEF }` line in the query (unbound unless given); a value
given with --param replaces UNDEF as a checked RDF term, never as raw text. A value names a node
of the graph: its IRI (bare or in <...>), its id or slug (person/donald-trump, donald-trump) or
its label or alternative label ("Donald Trump"), resolved on the built graph; a value that names
no node, or several, is refused with the candidates, never run as a query that silently finds
nothing. A value in double quotes ("text") is bound as a plain string.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import vocab
from .config import Config
from .errors import KgError
from .sparql_scan import syntax_hint
from .store import load_built


@dataclass
class NamedQuery:
    name: str
    path: Path
    text: str
    header: dict[str, str] = field(default_factory=dict)

    @property
    def title(self) -> str:
        return self.header.get("title", self.name)

    def text_for(self, config: Config) -> str:
        """The query with IRIs under the default base moved to the configured base.

        Named queries are our own files, written with the default base; this is not user input.
        """
        return vocab.rebase(self.text, config.base)


def named_queries(config: Config) -> list[NamedQuery]:
    return [read_query(path) for path in sorted(config.queries_dir.glob("*.rq"))]


def find_query(config: Config, name: str) -> NamedQuery:
    path = Path(name)
    if path.suffix != ".rq":
        path = config.queries_dir / f"{name}.rq"
    if not path.is_file():
        known = ", ".join(q.name for q in named_queries(config))
        raise KgError(f"no query {name!r} (named queries: {known})")
    return read_query(path)


def read_query(path: Path) -> NamedQuery:
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise KgError(f"not UTF-8 text: {exc.reason} (byte {exc.start})", str(path)) from None
    except OSError as exc:
        raise KgError(f"cannot read: {exc.strerror or exc}", str(path)) from None
    header = {}
    for line in text.splitlines():
        if not line.startswith("#"):
            break
        key, sep, value = line.lstrip("# ").partition(":")
        if sep and key.strip().isidentifier():
            header[key.strip()] = value.strip()
    return NamedQuery(path.stem, path, text, header)


def parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise KgError(f"--param {pair!r}: expected NAME=VALUE")
        params[name.lstrip("?$")] = value
    return params


def run(config: Config, text: str, params: dict[str, str] | None = None, store=None):
    """Evaluate a SELECT on the built dataset (default graph = union); return (rows, variables)."""
    if store is None:
        store = load_built(config)
    params = params or {}
    for name in params:
        _check_slot(text, name)
    text = bind_parameters(text, {name: resolve(store, config, name, value) for name, value in params.items()})
    try:
        results = store.query(text, use_default_graph_as_union=True)
        if not isinstance(results, ox.QuerySolutions):
            raise KgError("kg query runs SELECT queries; use the /sparql endpoint for the others")
        variables = [v.value for v in results.variables]
        # Solutions are computed while iterated: a failing SERVICE call surfaces here, not above.
        rows = [{v: _plain(solution[v]) for v in variables if solution[v] is not None} for solution in results]
    except SyntaxError as exc:
        hint = syntax_hint(text)
        first_line = str(exc).splitlines()[0] if str(exc) else "invalid query"
        if len(first_line) > 300:  # the parser's list of every token it would have taken
            first_line = first_line[:300] + " ..."
        raise KgError(f"query does not parse: {first_line}.{' ' + hint if hint else ''}") from None
    except (RuntimeError, OSError) as exc:
        raise KgError(f"query could not run: {exc}") from None
    return rows, variables


def _check_slot(text: str, name: str) -> str:
    if not name.isidentifier():
        raise KgError(f"parameter name {name!r} is not a SPARQL variable name")
    slot = f"VALUES ?{name} {{ UNDEF }}"
    if slot not in text:
        raise KgError(f"this query has no parameter ?{name} (a parameter is a line '{slot}')")
    return slot


def bind_parameters(text: str, params: dict) -> str:
    """Fill each parameter's `VALUES ?name { UNDEF }` line with the value, as a checked RDF term.

    The value never reaches the query as raw text: it becomes a pyoxigraph term first (an IRI
    that does not parse is refused) and the term's own serialisation is what is inserted.
    """
    for name, value in params.items():
        slot = _check_slot(text, name)
        term = value if not isinstance(value, str) else _term(value)
        text = text.replace(slot, f"VALUES ?{name} {{ {term} }}")
    return text


def _term(value: str):
    try:
        return ox.NamedNode(value) if value.startswith(("http://", "https://")) else ox.Literal(value)
    except ValueError as exc:
        raise KgError(f"parameter value {value!r} is not a valid IRI: {exc}") from None


def resolve(store, config: Config, name: str, value: str):
    """The RDF term a --param value stands for, checked against the graph (see the module doc)."""
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return ox.Literal(value[1:-1])
    text = value.strip()
    if text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    if text.startswith(("http://", "https://")):
        iri = _term(text)
        if not store.query(f"ASK {{ {iri} ?p ?o }}", use_default_graph_as_union=True):
            raise KgError(f"--param {name}: no node {iri} in the graph{_suggest(store, config, text)}")
        return iri
    matches = find_nodes(store, config, text)
    if len(matches) == 1:
        return matches[0][0]
    if matches:
        listed = "; ".join(f"{node.value} ({label})" for node, label in matches[:10])
        raise KgError(f"--param {name}={value!r} names {len(matches)} nodes: {listed}. Give the id or IRI of one")
    raise KgError(f"--param {name}={value!r} names no node of the graph (give an IRI, an id such as "
                  f"person/donald-trump, a slug such as donald-trump, or a label){_suggest(store, config, text)}")


def find_nodes(store, config: Config, text: str) -> list:
    """(IRI, label) of the nodes whose id, slug, label or alternative label is `text` (case-insensitive)."""
    wanted = ox.Literal(text.lower())
    rows = store.query(f"""
        SELECT DISTINCT ?node (SAMPLE(?l) AS ?label) WHERE {{
          ?node <http://www.w3.org/2000/01/rdf-schema#label> ?l .
          OPTIONAL {{ ?node <http://www.w3.org/2004/02/skos/core#altLabel> ?alt }}
          BIND(LCASE(STR(?node)) AS ?iri)
          FILTER(STRSTARTS(STR(?node), {ox.Literal(config.base)}) && (
                 ?iri = CONCAT({ox.Literal(config.base.lower())}, {wanted}) ||
                 STRENDS(?iri, CONCAT("/", {wanted})) ||
                 LCASE(STR(?l)) = {wanted} || LCASE(STR(?alt)) = {wanted}))
        }} GROUP BY ?node ORDER BY ?node""", use_default_graph_as_union=True)
    return [(row["node"], row["label"].value) for row in rows]


def _suggest(store, config: Config, text: str) -> str:
    """'; did you mean ...' with up to five nodes whose label contains a word of `text`."""
    words = [w for w in text.replace("/", " ").replace("-", " ").split() if len(w) > 2][:4]
    if not words:
        return ""
    tests = " || ".join(f"CONTAINS(LCASE(STR(?l)), {ox.Literal(w.lower())})" for w in words)
    rows = store.query(f"""
        SELECT DISTINCT ?node ?l WHERE {{
          ?node <http://www.w3.org/2000/01/rdf-schema#label> ?l .
          FILTER(STRSTARTS(STR(?node), {ox.Literal(config.base)}) && !STRSTARTS(STR(?node), {ox.Literal(config.ontology_ns)})
                 && ({tests}))
        }} ORDER BY STRLEN(STR(?l)) ?node LIMIT 5""", use_default_graph_as_union=True)
    found = [f"{row['node'].value[len(config.base):]} ({row['l'].value})" for row in rows]
    return f"; did you mean: {', '.join(found)}" if found else ""


def about(config: Config, who: str, store=None) -> tuple[list[dict], list[str]]:
    """What the article says about `who` (an IRI, id, slug or label), and who says it: the rows of the
    named query queries/about.rq, for the command line and the entity pages alike."""
    query = find_query(config, "about")
    return run(config, query.text_for(config), {"who": who}, store=store)


def _plain(term) -> str:
    return term.value


def render(rows: list[dict], variables: list[str], fmt: str) -> str:
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=variables, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        return out.getvalue().rstrip("\n")
    widths = {v: max([len(v)] + [len(r.get(v, "")) for r in rows]) for v in variables}
    lines = ["  ".join(v.ljust(widths[v]) for v in variables)]
    lines += ["  ".join(r.get(v, "").ljust(widths[v]) for v in variables) for r in rows]
    lines.append(f"({len(rows)} rows)")
    return "\n".join(lines)
