"""Canonical RDF: the same graph always gives the same quads, in the same order, with the same prefixes.

Used by the build (dataset.nq), the dumps, `kg diff` and the entity documents: blank nodes get
labels computed from their content, quads and triples are sorted, Turtle prefixes are fixed
(vocab.prefixes) and written sorted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from . import vocab
from .config import Config
from .errors import KgError
from .store import rdf_format
from .vocab import RDF_TYPE


def read_dataset(path: Path) -> "SortedDataset":
    """The dataset's quads in canonical form and order (see sorted_dataset)."""
    try:
        quads = list(ox.parse(path=str(path), format=rdf_format(path)))
    except FileNotFoundError:
        raise KgError("no such file (if it is the build's dataset: run `kg build` first)", str(path)) from None
    except SyntaxError as exc:
        raise KgError(f"not valid RDF: {exc}", str(path)) from None
    return sorted_dataset(quads)


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

    blank = ox.BlankNode  # only quads with a blank node are rebuilt
    return [ox.Quad(relabel(q.subject), q.predicate, relabel(q.object), q.graph_name)
            if isinstance(q.subject, blank) or isinstance(q.object, blank) else q for q in quads]


def _term_key(term, first: str = "") -> str:
    # rdf:type first within a subject reads best in Turtle ("person:x a kg:Person ; ...").
    return "" if first and str(term) == first else str(term)


# --------------------------------------------------------------------------- canonical order
#
# The order of every dump: by graph, subject, predicate (rdf:type first), object, each term as
# N-Triples text. It is computed on the N-Triples lines pyoxigraph writes (one call for all
# quads, then a sort of byte strings), not term by term in Python: a line is its terms joined by
# spaces, no IRI or blank node label holds a space, byte order is code point order, so sorting
# lines sorts by (subject, predicate, object). rdf:type as predicate is written as a NUL byte in
# the line's key (below every byte a term can hold), so it comes first within its subject.

_TYPE_TOKEN = f" <{RDF_TYPE}> ".encode()
TYPE_KEY = b"\x00"  # rdf:type as the predicate of a key
_TYPE_KEY = b" " + TYPE_KEY + b" "


def _key(line: bytes) -> bytes:
    subject_end = line.find(b" ")
    if line.startswith(_TYPE_TOKEN, subject_end):
        return line[:subject_end] + _TYPE_KEY + line[subject_end + len(_TYPE_TOKEN):]
    return line


def _ntriples_keys(quads: list) -> tuple[list[bytes], bool]:
    """The sort key of each quad (its triple's N-Triples line, no line end, rdf:type as NUL), and
    whether any line may hold a blank node."""
    if not quads:
        return [], False
    text = ox.serialize(quads, format=ox.RdfFormat.N_QUADS)  # the quads of one graph
    graph = quads[0].graph_name
    if not isinstance(graph, ox.DefaultGraph):  # "s p o <g> .": a line end follows only the graph
        text = text.replace(f" {graph} .\n".encode(), b" .\n")
    return [_key(line) if _TYPE_TOKEN in line else line for line in text.split(b"\n")[:-1]], b"_:" in text


def ntriples_text(keys) -> bytes:
    """N-Triples of sorted triple keys (see `SortedDataset`)."""
    text = b"\n".join(keys)
    return (text.replace(_TYPE_KEY, _TYPE_TOKEN) + b"\n") if keys else b""


def ntriples_chunks(keys, lines: int = 20_000):
    """ntriples_text(keys) in pieces of `lines` lines, for streaming to a file."""
    for start in range(0, len(keys), lines):
        yield ntriples_text(keys[start:start + lines])


@dataclass(frozen=True)
class GraphQuads:
    """One graph's distinct quads in canonical order, each with its sort key (its N-Triples line)."""

    name: str  # the graph as N-Triples text (<iri>), or DEFAULT
    quads: list
    keys: list[bytes]

    def nquads_chunks(self):
        """These quads as N-Quads, the bytes pyoxigraph writes, in pieces (a line end follows only
        the object in N-Triples: the graph goes before it)."""
        for text in ntriples_chunks(self.keys):
            yield text if self.name == "DEFAULT" else text.replace(b" .\n", f" {self.name} .\n".encode())


@dataclass(frozen=True)
class SortedDataset:
    """Quads in canonical form and order: blank nodes relabelled by content, every graph sorted.

    Made once per build (or per `kg dump`) and shared by the dataset file, every dump and VoID, so
    the quads are sorted once and each dump only picks graphs and writes."""

    graphs: tuple[GraphQuads, ...]  # in the order of their names
    _merged: dict = field(default_factory=dict, compare=False, repr=False)  # triple_keys, by graphs left out

    def chosen(self, leave_out=()) -> list[GraphQuads]:
        return [g for g in self.graphs if g.name not in leave_out]

    def quads(self, leave_out=()) -> list:
        return [q for g in self.chosen(leave_out) for q in g.quads]

    def triple_keys(self, leave_out=()) -> list[bytes]:
        """The distinct triples of the chosen graphs merged into one, as sorted keys."""
        left_out = frozenset(leave_out)
        if left_out not in self._merged:
            chosen = self.chosen(left_out)
            # Sorting sorted runs is a merge (Timsort finds the runs); equal neighbours are one triple.
            self._merged[left_out] = chosen[0].keys if len(chosen) == 1 else \
                list(dict.fromkeys(sorted([key for g in chosen for key in g.keys])))
        return self._merged[left_out]

    def triples(self, leave_out=()) -> list:
        """The distinct triples of the chosen graphs, sorted (as quads of the default graph)."""
        return list(ox.parse(ntriples_text(self.triple_keys(leave_out)), format=ox.RdfFormat.N_TRIPLES))

    def __len__(self) -> int:
        return sum(len(g.quads) for g in self.graphs)


def sorted_dataset(groups: dict[str, list] | list) -> SortedDataset:
    """The canonical form of these quads (a list, or lists by graph: {N-Triples text of the graph: quads})."""
    if not isinstance(groups, dict):
        by_graph: dict[str, list] = {}
        for q in groups:
            by_graph.setdefault(str(q.graph_name), []).append(q)
        groups = by_graph
    groups = {name: list(quads) for name, quads in groups.items()}
    keys, blanks = {}, {}
    for name, quads in groups.items():
        keys[name], blanks[name] = _ntriples_keys(quads)
    # Only quads with a blank node get a new label; a line holding "_:" is a candidate (a literal may too).
    spots = {name: [i for i, line in enumerate(keys[name]) if b"_:" in line] if blank else []
             for name, blank in blanks.items()}
    relabelled = canonical_blank_nodes([groups[name][i] for name in groups for i in spots[name]])
    for name in groups:
        quads, relabelled = relabelled[:len(spots[name])], relabelled[len(spots[name]):]
        for i, quad, key in zip(spots[name], quads, _ntriples_keys(quads)[0]):
            groups[name][i] = quad
            keys[name][i] = key
    graphs = []
    for name in sorted(groups):
        distinct = dict(zip(keys[name], groups[name]))  # equal keys: equal triples
        order = sorted(distinct)
        graphs.append(GraphQuads(name, list(map(distinct.__getitem__, order)), order))
    return SortedDataset(tuple(graphs))


def _prefix_lines(config: Config) -> list[bytes]:
    return [f"@prefix {name}: <{iri}> .".encode() for name, iri in sorted(vocab.prefixes(config.base).items())]


def with_sorted_prefixes(turtle: bytes, config: Config) -> bytes:
    """pyoxigraph writes the @prefix lines in hash order, which changes from run to run: rewrite them sorted."""
    lines = turtle.split(b"\n")
    body_start = 0
    while body_start < len(lines) and lines[body_start].startswith(b"@prefix "):
        body_start += 1
    return b"\n".join(_prefix_lines(config) + lines[body_start:])


class SortedPrefixes:
    """A writer for pyoxigraph's Turtle or TriG serializer that passes on what it is given, with the
    leading @prefix lines sorted: the bytes `with_sorted_prefixes` makes, streamed."""

    def __init__(self, out, config: Config):
        self.out, self.config = out, config
        self.head: bytes | None = b""  # None once the prefix lines are through

    def write(self, data) -> int:
        if self.head is None:
            return self.out.write(data)
        self.head += bytes(data)
        start = 0
        while True:  # skip the complete @prefix lines; decide at the first complete other line
            end = self.head.find(b"\n", start)
            if end < 0:
                return len(data)
            if not self.head.startswith(b"@prefix ", start):
                break
            start = end + 1
        self.out.write(b"\n".join(_prefix_lines(self.config) + [self.head[start:]]))
        self.head = None
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        """Write what is still held (a document that is only prefixes, or one unfinished line)."""
        if self.head is not None:
            self.out.write(with_sorted_prefixes(self.head, self.config))
            self.head = None
