"""`kg validate`: check a graph against the SHACL shapes of ontology/shapes.ttl.

The report names, for each problem, the focus node, the path, the value, a message written for
curators, the shape (look it up in ontology/shapes.ttl) and, when known, the data file and line
the offending node came from: from the loader's origins for the built graph, or from the first
line where the node is a subject for Turtle files given on the command line.

Exit codes: 0 the graph conforms (warnings may be printed), 1 violations, 2 could not run.
"""

from __future__ import annotations

import functools
import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyshacl
from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.collection import Collection
from rdflib.util import guess_format

from . import vocab
from .config import Config
from .convert import ntriples_text, rdflib_term
from .errors import KgError
from .load import load_ontology
from .vocab import SH

try:  # the Rust SHACL engine, optional: pip install 'kg[fast]'
    import shacl
except ImportError:  # pragma: no cover - the test extras install it
    shacl = None

SHAPES_FILE = "shapes.ttl"
EXIT_CONFORMS, EXIT_VIOLATIONS = 0, 1


# --------------------------------------------------------------------------- the report


@dataclass
class Violation:
    """One result. focus and shape are full IRIs (blank nodes as _:id); path and value are shown
    as a person reads them (prefixed names, SPARQL property-path syntax, literal text)."""

    focus: str
    path: str | None
    value: str | None
    message: str
    shape: str
    severity: str  # "Violation", "Warning" or "Info"
    file: str | None = None
    line: int | None = None

    @property
    def where(self) -> str:
        if not self.file:
            return "(origin unknown)"
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Report:
    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    results_graph: object = None  # the pyshacl sh:ValidationReport graph, for --format turtle
    namer: object = None  # shortens IRIs with the data's and the shapes' prefixes, for text

    @property
    def counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for violation in self.violations:
            counts[violation.severity] = counts.get(violation.severity, 0) + 1
        return counts

    def to_text(self) -> str:
        lines = []
        for v in self.violations:
            lines.append(f"{v.severity.upper()} at {v.where}")
            lines.append(f"  focus:   {self._short(v.focus)}")
            if v.path:
                lines.append(f"  path:    {v.path}")
            if v.value:
                lines.append(f"  value:   {_shorten(v.value)}")
            lines.append(f"  message: {v.message}")
            lines.append(f"  shape:   {self._short(v.shape)}")
        summary = ", ".join(f"{n} {kind.lower()}(s)" for kind, n in sorted(self.counts.items()))
        verdict = "conforms" if self.conforms else "does NOT conform"
        lines.append(f"The graph {verdict} to the shapes" + (f": {summary}." if summary else "."))
        return "\n".join(lines)

    def _short(self, iri: str) -> str:
        if self.namer is None or iri.startswith("_:"):
            return iri
        return self.namer.term(URIRef(iri))

    def to_json(self) -> str:
        document = {
            "conforms": self.conforms,
            "counts": self.counts,
            "violations": [asdict(v) for v in self.violations],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)

    def to_turtle(self) -> str:
        if isinstance(self.results_graph, str):  # the shacl engine's own sh:ValidationReport, as Turtle
            return self.results_graph
        return self.results_graph.serialize(format="turtle") if self.results_graph is not None else ""


def _shorten(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} characters)"


# --------------------------------------------------------------------------- validating


def shapes_text(config: Config) -> str:
    """The shapes file's Turtle, with its IRIs (and the namespaces inside its SPARQL text) on config.base."""
    path = config.ontology_dir / SHAPES_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KgError("shapes file missing", str(path)) from None
    # A textual rebase: the shapes also name the base inside literals (sh:namespace) and SPARQL strings.
    return vocab.rebase(text, config.base)


def load_shapes(config: Config):
    """The shapes graph (rdflib), rebased like shapes_text()."""
    path = config.ontology_dir / SHAPES_FILE
    text = shapes_text(config)
    try:
        return Graph().parse(data=text, format="turtle")
    except Exception as exc:
        raise KgError(f"shapes are not valid Turtle: {exc}", str(path), _error_line(exc)) from None


#: SHACL engines behind validate(): pySHACL (pure Python, the reference the tests compare against)
#: and `shacl` (Rust, optional: pip install 'kg[fast]'; ~17x faster at 100k triples, same results on
#: every shape fixture and on the real graph: tests/test_validate_engines.py). "auto": shacl if installed.
ENGINES = ("auto", "pyshacl", "shacl")


def choose_engine(engine: str = "auto") -> str:
    if engine not in ENGINES:
        raise KgError(f"unknown SHACL engine {engine!r} (choose one of {', '.join(ENGINES)})")
    if engine == "auto":
        return "shacl" if shacl is not None else "pyshacl"
    if engine == "shacl" and shacl is None:
        raise KgError("the shacl engine is not installed: pip install 'kg[fast]'")
    return engine


def validate(data_graph, config: Config, origins: dict | None = None, ontology=None, engine: str = "auto") -> Report:
    """Validate data_graph (an rdflib Graph or the loader's kg.convert.NTriplesGraph) against the
    shapes, with the ontology's class hierarchy in view."""
    engine = choose_engine(engine)
    ontology = ontology if ontology is not None else load_ontology(config)
    if engine == "shacl":
        return _validate_with_shacl(data_graph, config, origins or {}, ontology)
    shapes = load_shapes(config)
    try:
        conforms, results, _ = pyshacl.validate(
            with_ontology(data_graph, ontology), shacl_graph=shapes, inference="none",
            advanced=True, allow_warnings=True, allow_infos=True,
        )
    except Exception as exc:  # pyshacl raises ReportableRuntimeError, ConstraintLoadError...
        raise KgError(f"the shapes could not be applied: {exc}", str(config.ontology_dir / SHAPES_FILE)) from None
    namer = _Namer(data_graph, shapes)
    violations = read_results(results, shapes, namer, origins or {})
    return Report(conforms=bool(conforms), violations=violations, results_graph=results, namer=namer)


def _validate_with_shacl(data_graph, config: Config, origins: dict, ontology) -> Report:
    """The same report from the Rust engine, fed N-Triples of data + ontology (no merged rdflib copy)."""
    shapes = load_shapes(config)  # for names and messages; the engine compiles the text itself
    try:
        compiled = shacl.Shapes.from_text(shapes_text(config), format="turtle", base=config.base)
        text = ntriples_text(data_graph, ontology)
        report = compiled.validate_text(text, format="ntriples", allow_warnings=True)
    except Exception as exc:  # the engine raises ValueError / RuntimeError with its reason
        raise KgError(f"the shapes could not be applied: {exc}", str(config.ontology_dir / SHAPES_FILE)) from None
    namer = _Namer(data_graph, shapes)
    # A few shapes and paths recur in every result: read and shorten each once, not per result.
    shape_of = functools.cache(_from_nt)
    written_of = functools.cache(lambda shape: shapes.value(shape, URIRef(SH + "message")))
    path_of = functools.cache(lambda path: _short_path(path, namer))
    violations = []
    for result in report.results:
        focus = _from_nt(result.focus_node)
        shape = shape_of(result.root_shape)
        file, line = origin_of(focus, origins)
        messages = [str(m) for m in (result.messages or [])]
        written = written_of(shape)
        message = "; ".join(messages) or (str(written) if written is not None else "(no message)")
        violations.append(Violation(
            focus=_full(focus),
            path=path_of(result.path),
            value=namer.term(_from_nt(result.value)) if result.value is not None else None,
            message=message,
            shape=_full(shape),
            severity=str(result.severity).rsplit("#", 1)[-1],
            file=file,
            line=line,
        ))
    severity_rank = {"Violation": 0, "Warning": 1, "Info": 2}
    violations.sort(key=lambda v: (severity_rank.get(v.severity, 3), v.file or "~", v.line or 0, v.focus, v.shape))
    return Report(conforms=bool(report.conforms), violations=violations, results_graph=report.turtle, namer=namer)


def _from_nt(text: str | None):
    """An rdflib term from one N-Triples term (<iri>, _:b, "literal"^^<dt>, "literal"@en)."""
    return None if text is None else rdflib_term(text)


def _short_path(path: str | None, namer) -> str | None:
    """The engine's SPARQL path with prefixed names, written as pySHACL's report reads (a/b, not (a/b))."""
    if path is None:
        return None
    short = re.sub(r"<([^>]*)>", lambda m: namer.term(URIRef(m.group(1))), path)
    if short.startswith("(") and short.endswith(")") and "|" not in short and short.count("(") == 1:
        short = short[1:-1]  # a sequence path
    return short


def with_ontology(data_graph, ontology):
    """Data and ontology in one graph. pyshacl's own ont_graph mixing copies only the class and
    property axioms, not the scheme concepts (status:reported a kg:EpistemicStatus) that sh:class
    and the range checks need; a copy also leaves the caller's graph untouched."""
    combined = Graph()
    for prefix, namespace in data_graph.namespaces():
        combined.bind(prefix, namespace, override=False)
    for subject, predicate, obj in data_graph:
        combined.add((subject, predicate, _as_parsed(obj)))
    combined += ontology
    return combined


def _as_parsed(term):
    """A literal as it reads back from a file. rdflib leaves a literal built from a Python value
    (Literal(42, datatype=xsd:nonNegativeInteger), as the loader makes offsets) with ill_typed
    None, which pyshacl's sh:datatype takes for ill-typed; the same literal parsed from N-Quads
    is checked and fine. Re-reading the lexical form gives both the same verdict."""
    if isinstance(term, Literal) and term.datatype is not None and term.ill_typed is None:
        return Literal(str(term), datatype=term.datatype)
    return term


def read_results(results, shapes, names, origins: dict) -> list[Violation]:
    sh = lambda name: URIRef(SH + name)  # noqa: E731
    violations = []
    for result in results.subjects(RDF.type, sh("ValidationResult")):
        focus = results.value(result, sh("focusNode"))
        shape = named_shape(shapes, results.value(result, sh("sourceShape")))
        file, line = origin_of(focus, origins)
        violations.append(Violation(
            focus=_full(focus),
            path=names.path(results, results.value(result, sh("resultPath"))),
            value=names.term(results.value(result, sh("value"))),
            message=_message(results, result, shapes, shape),
            shape=_full(shape),
            severity=str(results.value(result, sh("resultSeverity"))).rsplit("#", 1)[-1],
            file=file,
            line=line,
        ))
    severity_rank = {"Violation": 0, "Warning": 1, "Info": 2}
    violations.sort(key=lambda v: (severity_rank.get(v.severity, 3), v.file or "~", v.line or 0, v.focus, v.shape))
    return violations


def _full(term) -> str:
    return f"_:{term}" if isinstance(term, BNode) else str(term)


def named_shape(shapes, shape):
    """The named shape a result comes from: nested property shapes are blank nodes of a named one."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = shapes.value(predicate=URIRef(SH + "property"), object=shape) or \
            shapes.value(predicate=URIRef(SH + "sparql"), object=shape)
        if parent is None:
            break
        shape = parent
    return shape


def _message(results, result, shapes, shape) -> str:
    """The curator's message of the named shape, with pyshacl's technical one when it adds detail."""
    technical = [str(m) for m in results.objects(result, URIRef(SH + "resultMessage"))]
    own = [m for m in technical if _is_written(m, shapes)]
    if own:  # the shape's sh:message, with {?value} substituted by pyshacl
        return "; ".join(own)
    written = shapes.value(shape, URIRef(SH + "message"))
    if written is None:
        return "; ".join(technical) or "(no message)"
    # A nested property shape without a message of its own: the named shape's words, then the detail.
    return f"{written} [{'; '.join(technical)}]" if technical else str(written)


def _is_written(message: str, shapes) -> bool:
    """True if the message is (a substitution of) one of the shapes' own sh:message texts."""
    for written in shapes.objects(None, URIRef(SH + "message")):
        pattern = "^" + re.sub(r"\\\{[\?\$]\w+\\\}", ".*", re.escape(str(written))) + "$"
        if re.match(pattern, message, re.DOTALL):
            return True
    return False


def origin_of(focus, origins: dict) -> tuple[str | None, int | None]:
    """File and line of a node: its own origin, or its claim's for a selector (claim#quote)."""
    if focus is None:
        return None, None
    for key in (str(focus), str(focus).split("#", 1)[0]):
        if key in origins:
            file, line = origins[key]
            return file, line
    return None, None


class _Namer:
    """Short, readable names for terms: prefixed names where a prefix is bound."""

    def __init__(self, *graphs):
        self.namespaces = Graph().namespace_manager
        for graph in graphs:
            for prefix, namespace in graph.namespaces():
                if prefix:
                    self.namespaces.bind(prefix, namespace, override=False, replace=False)

    def term(self, term) -> str | None:
        if term is None:
            return None
        if isinstance(term, URIRef):
            try:
                return term.n3(self.namespaces)
            except Exception:
                return f"<{term}>"
        if isinstance(term, Literal):
            return str(term)
        return str(term.n3())

    def path(self, graph, path) -> str | None:
        """A SHACL path as a SPARQL property path (^p for inverse, a|b for alternatives, a/b for sequences)."""
        if path is None:
            return None
        if not isinstance(path, BNode):
            return self.term(path)
        inverse = graph.value(path, URIRef(SH + "inversePath"))
        if inverse is not None:
            return "^" + self.path(graph, inverse)
        alternatives = graph.value(path, URIRef(SH + "alternativePath"))
        if alternatives is not None:
            return "(" + "|".join(self.path(graph, p) for p in Collection(graph, alternatives)) + ")"
        try:
            return "/".join(self.path(graph, p) for p in Collection(graph, path))
        except Exception:
            return str(path)


# --------------------------------------------------------------------------- reading input


def read_files(paths: list[Path]):
    """Parse RDF files into one graph; origins give the line where each subject first appears."""
    graph, origins = Graph(), {}
    for path in paths:
        one = Graph()
        try:
            one.parse(path, format=guess_format(str(path)) or "turtle")
        except FileNotFoundError:
            raise KgError("no such file", str(path)) from None
        except Exception as exc:
            raise KgError(f"not valid RDF: {_first_line(exc)}", str(path), _error_line(exc)) from None
        for prefix, namespace in one.namespaces():
            graph.bind(prefix, namespace, override=False)
        graph += one
        for subject, line in subject_lines(path, one).items():
            origins.setdefault(subject, (str(path), line))
    return graph, origins


def subject_lines(path: Path, graph) -> dict[str, int]:
    """For each IRI subject, the first line that starts with its <IRI> or prefixed name.

    One pass over the lines: each line's first token is expanded (prefixed name or <IRI>) and
    kept if it names a subject (was a scan of every line for every subject: quadratic)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError):
        return {}
    prefixes = {p: str(ns) for p, ns in graph.namespaces() if p is not None}
    subjects = {str(s) for s in graph.subjects() if isinstance(s, URIRef)}
    found: dict[str, int] = {}
    for number, text in enumerate(lines, start=1):
        match = _FIRST_TOKEN.match(text)
        if match is None:
            continue
        token = match.group(1)
        if token.startswith("<"):
            iri = token[1:-1]
        else:
            prefix, _, local = token.partition(":")
            if prefix not in prefixes:
                continue
            iri = prefixes[prefix] + local
        if iri in subjects and iri not in found:
            found[iri] = number
    return found


#: A line's first term: <IRI> or a prefixed name, followed by the end, a space, a tab or ';'.
_FIRST_TOKEN = re.compile(r"[ \t]*(<[^>\s]*>|[^\s;<>\"]*:[^\s;<>\"]*)(?:$|[ \t;])")


def read_build(config: Config):
    """The asserted graph of the built dataset, and the origins the build recorded."""
    path = config.dataset_path
    if not path.exists():
        raise KgError("no built dataset: run `kg build`, or give the files to validate", str(path))
    dataset = Dataset()
    try:
        dataset.parse(path, format="nquads")
    except Exception as exc:
        raise KgError(f"not valid N-Quads: {_first_line(exc)}", str(path), _error_line(exc)) from None
    asserted = dataset.graph(URIRef(config.graph("asserted")))
    origins_path = config.build_dir / "origins.json"
    origins = {}
    if origins_path.exists():
        origins = {iri: tuple(place) for iri, place in json.loads(origins_path.read_text(encoding="utf-8")).items()}

    graph = Graph()
    graph += asserted
    return graph, origins


def _error_line(exc) -> int | None:
    line = getattr(exc, "lines", None)  # rdflib's Turtle parser: 0-based line of the error
    return line + 1 if isinstance(line, int) else None


def _first_line(exc) -> str:
    text = str(getattr(exc, "_why", None) or exc)
    return text.strip().splitlines()[0] if text.strip() else type(exc).__name__
