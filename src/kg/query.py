"""`kg query`: run a named query from queries/ (or a .rq file) on the built dataset.

Named queries start with a comment header:

    # title: Who met whom, and when
    # description: Every attested meeting with its attendees, date, status and source.
    # parameters: person (optional IRI): only meetings this person attended
    ...
    VALUES ?person { UNDEF }

A parameter is a `VALUES ?name { UNDEF }` line in the query (unbound unless given); a value
given with --param replaces UNDEF as a checked RDF term, never as raw text.
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
    text = bind_parameters(text, params or {})
    try:
        results = store.query(text, use_default_graph_as_union=True)
        if not isinstance(results, ox.QuerySolutions):
            raise KgError("kg query runs SELECT queries; use the /sparql endpoint for the others")
        variables = [v.value for v in results.variables]
        # Solutions are computed while iterated: a failing SERVICE call surfaces here, not above.
        rows = [{v: _plain(solution[v]) for v in variables if solution[v] is not None} for solution in results]
    except SyntaxError as exc:
        raise KgError(f"query does not parse: {exc}") from None
    except (RuntimeError, OSError) as exc:
        raise KgError(f"query could not run: {exc}") from None
    return rows, variables


def bind_parameters(text: str, params: dict[str, str]) -> str:
    """Fill each parameter's `VALUES ?name { UNDEF }` line with the value, as a checked RDF term.

    The value never reaches the query as raw text: it becomes a pyoxigraph term first (an IRI
    that does not parse is refused) and the term's own serialisation is what is inserted.
    """
    for name, value in params.items():
        if not name.isidentifier():
            raise KgError(f"parameter name {name!r} is not a SPARQL variable name")
        slot = f"VALUES ?{name} {{ UNDEF }}"
        if slot not in text:
            raise KgError(f"this query has no parameter ?{name} (a parameter is a line '{slot}')")
        text = text.replace(slot, f"VALUES ?{name} {{ {_term(value)} }}")
    return text


def _term(value: str):
    try:
        return ox.NamedNode(value) if value.startswith(("http://", "https://")) else ox.Literal(value)
    except ValueError as exc:
        raise KgError(f"parameter value {value!r} is not a valid IRI: {exc}") from None


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
