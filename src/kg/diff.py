"""`kg diff OLD NEW`: the triples added and removed between two dumps, grouped by entity.

Any RDF format, chosen by suffix (.ttl, .nt, .trig, .nq, .rdf, .jsonld, each optionally .gz).
When both files keep named graphs (TriG, N-Quads) quads are compared, so a triple moving from
the asserted to the inferred graph shows; otherwise the graphs are merged. Blank nodes get the
content-based labels the dumps use, so the same structure matches across files. A hash IRI
(a claim's #quote) is grouped under its entity. Exit codes follow diff(1): 0 the files hold the
same statements, 1 they differ, 2 trouble (a missing or unreadable file, an unknown format).
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox

from .canonical import canonical_blank_nodes
from .config import Config
from .errors import KgError
from .store import FORMATS, QUAD_FORMATS
from .vocab import prefixes


def _suffix(path: Path) -> str:
    return Path(path.name[:-3]).suffix.lower() if path.name.endswith(".gz") else path.suffix.lower()


def _keeps_graphs(path: Path) -> bool:
    return FORMATS.get(_suffix(path)) in QUAD_FORMATS


def read_statements(path: Path, keep_graphs: bool) -> set:
    """The file's quads (or triples, if not keep_graphs), blank nodes labelled by content."""
    fmt = FORMATS.get(_suffix(path))
    if fmt is None:
        raise KgError(f"unknown RDF file type (known: {', '.join(sorted(FORMATS))}, optionally .gz)", str(path))
    try:
        data = path.read_bytes()
        if path.name.endswith(".gz"):
            data = gzip.decompress(data)
        quads = list(ox.parse(data, format=fmt, base_iri=path.resolve().as_uri()))
    except FileNotFoundError:
        raise KgError("no such file", str(path)) from None
    except (SyntaxError, OSError, EOFError) as exc:
        raise KgError(f"cannot read: {exc}", str(path)) from None
    if not keep_graphs:  # merge first: a blank node's label must not depend on its graph
        quads = [ox.Quad(q.subject, q.predicate, q.object) for q in quads]
    quads = canonical_blank_nodes(quads)
    return set(quads) if keep_graphs else {q.triple for q in quads}


def entity_of(subject) -> str:
    """What a statement is grouped under: the subject IRI without its #fragment."""
    if isinstance(subject, ox.NamedNode):
        return subject.value.split("#", 1)[0]
    return "(blank nodes)"


def diff(old: Path, new: Path) -> tuple[dict, int, int]:
    """{entity: [("+"|"-", statement)]}, added count, removed count."""
    keep_graphs = _keeps_graphs(old) and _keeps_graphs(new)
    before, after = read_statements(old, keep_graphs), read_statements(new, keep_graphs)
    changes: dict = defaultdict(list)
    for sign, statements in (("-", before - after), ("+", after - before)):
        for statement in statements:
            changes[entity_of(statement.subject)].append((sign, statement))
    return changes, len(after - before), len(before - after)


def render(changes: dict, added: int, removed: int, config: Config) -> str:
    names = sorted(prefixes(config.base).items(), key=lambda item: -len(item[1]))

    def term(t) -> str:
        text = str(t)
        if text.startswith("<") and text.endswith(">"):
            iri = text[1:-1]
            for name, namespace in names:
                if iri.startswith(namespace) and len(iri) > len(namespace):
                    return f"{name}:{iri[len(namespace):]}"
        return text

    lines = [f"+{added} -{removed} statements in {len(changes)} entities"]
    for entity in sorted(changes):
        lines.append("")
        lines.append(term(f"<{entity}>") if not entity.startswith("(") else entity)
        for sign, st in sorted(changes[entity], key=lambda c: (str(c[1].subject), str(c[1].predicate),
                                                               str(c[1].object), c[0])):
            named = isinstance(getattr(st, "graph_name", None), ox.NamedNode)
            graph = f"  [{term(st.graph_name)}]" if named else ""
            lines.append(f"  {sign} {term(st.subject)} {term(st.predicate)} {term(st.object)}{graph}")
    return "\n".join(lines) + "\n"
