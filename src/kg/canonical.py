"""Canonical RDF: the same graph always gives the same quads, in the same order, with the same prefixes.

Used by the build (dataset.nq), the dumps, `kg diff` and the entity documents: blank nodes get
labels computed from their content, quads and triples are sorted, Turtle prefixes are fixed
(vocab.prefixes) and written sorted.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyoxigraph as ox

from . import vocab
from .config import Config
from .errors import KgError
from .store import rdf_format
from .vocab import RDF_TYPE


def read_quads(path: Path) -> list:
    """The dataset's quads, with blank nodes relabelled canonically (see canonical_blank_nodes)."""
    try:
        quads = list(ox.parse(path=str(path), format=rdf_format(path)))
    except FileNotFoundError:
        raise KgError("no such file (if it is the build's dataset: run `kg build` first)", str(path)) from None
    except SyntaxError as exc:
        raise KgError(f"not valid RDF: {exc}", str(path)) from None
    return canonical_blank_nodes(quads)


def canonical_blank_nodes(quads: list) -> list:
    """Relabel blank nodes by a hash of what they say, so the same input gives the same labels.

    Parsers number blank nodes as they meet them (or keep random labels from the writer), which
    would make two dumps of the same graph differ. A blank node's label here is the hash of its
    outgoing triples (recursively, so RDF lists and OWL restrictions are covered), then of its
    incoming ones to tell apart nodes that say the same thing. Nodes equal in both are
    interchangeable, so numbering them in any order serialises the same bytes.
    """
    blanks = {term for q in quads for term in (q.subject, q.object) if isinstance(term, ox.BlankNode)}
    if not blanks:
        return quads
    outgoing: dict = {b: [] for b in blanks}
    incoming: dict = {b: [] for b in blanks}
    for q in quads:
        if q.subject in outgoing:
            outgoing[q.subject].append(q)
        if q.object in incoming:
            incoming[q.object].append(q)
    memo: dict = {}

    def content(node, seen=()) -> str:
        if node in memo:
            return memo[node]
        if node in seen:  # a cycle through blank nodes: stop here
            return "cycle"
        parts = sorted(
            f"{q.graph_name} {q.predicate} "
            f"{content(q.object, seen + (node,)) if q.object in outgoing else q.object}"
            for q in outgoing[node]
        )
        memo[node] = hashlib.sha256("\n".join(parts).encode()).hexdigest()
        return memo[node]

    def context(node) -> str:
        parts = sorted(f"{q.graph_name} {q.subject if q.subject not in outgoing else content(q.subject)} "
                       f"{q.predicate}" for q in incoming[node])
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()

    keyed = sorted(blanks, key=lambda b: (content(b), context(b)))
    labels, used = {}, {}
    for node in keyed:
        stem = "b" + hashlib.sha256((content(node) + context(node)).encode()).hexdigest()[:16]
        used[stem] = used.get(stem, 0) + 1
        labels[node] = ox.BlankNode(stem if used[stem] == 1 else f"{stem}x{used[stem]}")

    def relabel(term):
        return labels.get(term, term)

    return [ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), q.graph_name) for q in quads]


def _term_key(term, first: str = "") -> str:
    # rdf:type first within a subject reads best in Turtle ("person:x a kg:Person ; ...").
    return "" if first and str(term) == first else str(term)


def sorted_quads(quads) -> list:
    return sorted(set(quads), key=lambda q: (str(q.graph_name), str(q.subject),
                                             _term_key(q.predicate, f"<{RDF_TYPE}>"), str(q.object)))


def sorted_triples(quads) -> list:
    """The graphs merged into one: distinct triples, sorted."""
    triples = {q.triple for q in quads}
    return sorted(triples, key=lambda t: (str(t.subject), _term_key(t.predicate, f"<{RDF_TYPE}>"), str(t.object)))


def with_sorted_prefixes(turtle: bytes, config: Config) -> bytes:
    """pyoxigraph writes the @prefix lines in hash order, which changes from run to run: rewrite them sorted."""
    lines = turtle.split(b"\n")
    body_start = 0
    while body_start < len(lines) and lines[body_start].startswith(b"@prefix "):
        body_start += 1
    header = [f"@prefix {name}: <{iri}> .".encode() for name, iri in sorted(vocab.prefixes(config.base).items())]
    return b"\n".join(header + lines[body_start:])
