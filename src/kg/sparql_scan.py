"""A lexical look at a SPARQL request before it reaches the engine.

pyoxigraph evaluates SERVICE by calling out over HTTP, and a deeply nested query can exhaust a
thread's stack inside the parser. Both must be stopped *before* parsing, so this module scans
the text the way the SPARQL grammar tokenises it: strings, IRIs, comments, variables, language
tags and prefixed names are skipped whole, and only bare keywords and brackets are looked at.
It also tells the query form (SELECT, ASK, CONSTRUCT, DESCRIBE, or an update verb) so the
server can negotiate the response format, and whether the query names its own dataset (FROM).
"""

from __future__ import annotations

import difflib
import re
from urllib.parse import urljoin
from dataclasses import dataclass

QUERY_FORMS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
UPDATE_VERBS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
_PROLOGUE = frozenset({"PREFIX", "BASE"})
# Functions whose value changes from one evaluation to the next: such answers are not cached.
VOLATILE_FUNCTIONS = frozenset({"RAND", "NOW", "UUID", "STRUUID", "BNODE"})

# SPARQL 1.1 §19.2: \uXXXX and \UXXXXXXXX are replaced everywhere *before* parsing.
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")

_PN_CHARS = r"\w\u00B7-\uFFFF"
_TOKEN = re.compile(
    rf'''
      (?P<ws>\s+)
    | (?P<comment>\#[^\n\r]*)
    | (?P<string>"""(?:[^"\\]|\\.|"(?!""))*"""
               |\'\'\'(?:[^'\\]|\\.|'(?!''))*\'\'\'
               |"(?:[^"\\\n\r]|\\.)*"
               |'(?:[^'\\\n\r]|\\.)*')
    | (?P<iri><[^<>"{{}}|^`\\\x00-\x20]*>)
    | (?P<var>[?$][{_PN_CHARS}]*)
    | (?P<lang>@[A-Za-z][A-Za-z0-9-]*)
    | (?P<pname>(?:[{_PN_CHARS}][{_PN_CHARS}.\-]*)?:(?:[{_PN_CHARS}.\-:%]|\\.)*)
    | (?P<word>[A-Za-z_][\w\-]*)
    | (?P<open>[({{\[])
    | (?P<close>[)}}\]])
    | (?P<other>.)
    ''',
    re.VERBOSE | re.DOTALL,
)


class QueryRejected(Exception):
    """The request is refused before evaluation; `status` is the HTTP status to answer."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class QueryShape:
    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE; None if the text does not say (the parser will)
    has_dataset_clause: bool  # FROM / FROM NAMED: the query names its own dataset
    repeatable: bool = True  # False if it calls RAND, NOW, UUID...: two runs may answer differently


def decode_codepoint_escapes(text: str) -> str:
    def replace(match: re.Match) -> str:
        try:
            return chr(int(match.group(1) or match.group(2), 16))
        except (ValueError, OverflowError):  # beyond U+10FFFF: leave it for the parser to reject
            return match.group(0)

    return _CODEPOINT_ESCAPE.sub(replace, text) if "\\" in text else text


def inspect_query(text: str, max_nesting: int, service_allowlist: tuple[str, ...] = ()) -> QueryShape:
    """Check a query before parsing; raise QueryRejected for updates, SERVICE and deep nesting."""
    decoded = decode_codepoint_escapes(text)
    words, services = _scan(decoded, max_nesting)
    form = next((w for w in words if w not in _PROLOGUE), None)
    if form in UPDATE_VERBS:
        raise QueryRejected(403, f"This endpoint is read-only: SPARQL Update ({form}) is not accepted.")
    for target in services:
        if target is None or target not in service_allowlist:
            shown = f" <{target}>" if target else ""
            raise QueryRejected(
                403, f"SERVICE{shown} is not allowed: this endpoint does not query other services."
            )
    return QueryShape(form if form in QUERY_FORMS else None, "FROM" in words, VOLATILE_FUNCTIONS.isdisjoint(words))


def _scan(text: str, max_nesting: int) -> tuple[list[str], list[str | None]]:
    """Bare keywords (upper-cased, in order) and the target IRI of each SERVICE (None: not an IRI)."""
    words: list[str] = []
    services: list[str | None] = []
    depth = 0
    pending_service = False
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup
        if kind in ("ws", "comment"):
            continue
        if kind == "open":
            depth += 1
            if depth > max_nesting:
                raise QueryRejected(400, f"The query nests brackets deeper than {max_nesting} levels.")
        elif kind == "close":
            depth = max(depth - 1, 0)
        if pending_service:
            if kind == "word" and match.group().upper() == "SILENT":
                continue
            services.append(match.group()[1:-1] if kind == "iri" else None)
            pending_service = False
        if kind == "word":
            word = match.group().upper()
            words.append(word)
            pending_service = word == "SERVICE"
    if pending_service:
        services.append(None)
    return words, services


def dataset_clauses(text: str, base_iri: str) -> tuple[list[str], list[str]]:
    """The IRIs of the query's FROM and FROM NAMED clauses, resolved (PREFIX, BASE, `base_iri`).

    For an engine that must map them onto stored graphs (kg.remote_engine) rather than let a
    store look them up, or fetch them. A FROM whose target is not an IRI raises QueryRejected.
    """
    defaults: list[str] = []
    named: list[str] = []
    for keyword, _, _, iri in graph_references(decode_codepoint_escapes(text), base_iri):
        if keyword == "FROM":
            defaults.append(iri)
        elif keyword == "FROM NAMED":
            named.append(iri)
    return defaults, named


def graph_references(decoded: str, base_iri: str) -> list[tuple[str, int, int, str]]:
    """Where `decoded` (a query after decode_codepoint_escapes) names a graph by IRI: after FROM,
    FROM NAMED or GRAPH, as (keyword, start, end, resolved IRI); start:end is the IRI's token."""
    prefixes: dict[str, str] = {}
    base = base_iri
    found = []
    tokens = [m for m in _TOKEN.finditer(decoded) if m.lastgroup not in ("ws", "comment")]
    for index, match in enumerate(tokens):
        if match.lastgroup != "word":
            continue
        word = match.group().upper()
        following = tokens[index + 1: index + 4]
        if word == "BASE" and following and following[0].lastgroup == "iri":
            base = urljoin(base, following[0].group()[1:-1])
        elif word == "PREFIX" and len(following) >= 2 and following[1].lastgroup == "iri":
            prefixes[following[0].group().rstrip(":")] = urljoin(base, following[1].group()[1:-1])
        elif word in ("FROM", "GRAPH"):
            is_named = (word == "FROM" and bool(following) and following[0].lastgroup == "word"
                        and following[0].group().upper() == "NAMED")
            target = following[1] if is_named and len(following) > 1 else (following[0] if following else None)
            if target is not None and target.lastgroup == "iri":
                iri = urljoin(base, target.group()[1:-1])
            elif target is not None and target.lastgroup == "pname" and target.group().split(":", 1)[0] in prefixes:
                prefix, local = target.group().split(":", 1)
                iri = prefixes[prefix] + local
            elif word == "GRAPH":  # GRAPH ?g: a variable, nothing to map
                continue
            else:
                raise QueryRejected(400, "FROM must be followed by an IRI.")
            found.append(("FROM NAMED" if is_named else word, target.start(), target.end(), iri))
    return found


def syntax_hint(text: str) -> str:
    """A sentence that helps where the parser's own message does not: pyoxigraph answers
    `SELEC * WHERE {` with "expected CONSTRUCT" (the last form it tried), which names neither the
    word it stumbled on nor the forms a query can take. Empty when there is nothing to add."""
    try:
        words, _ = _scan(decode_codepoint_escapes(text), max_nesting=10**6)
    except QueryRejected:
        return ""
    first = next((w for w in words if w not in _PROLOGUE), None)
    forms = "SELECT, CONSTRUCT, ASK or DESCRIBE"
    if first is None:
        return f"The query has no query form: after any PREFIX and BASE lines it starts with {forms}."
    if first not in QUERY_FORMS | UPDATE_VERBS:
        close = difflib.get_close_matches(first, sorted(QUERY_FORMS), n=1)
        maybe = f" (did you mean {close[0]}?)" if close else ""
        return (f"The query starts with {first!r}{maybe}, which is not a query form: after any PREFIX and "
                f"BASE lines a query starts with {forms}.")
    depth = 0
    for match in _TOKEN.finditer(text):
        depth += {"open": 1, "close": -1}.get(match.lastgroup, 0)
    if depth > 0:
        return f"The query ends with {depth} bracket{'s' if depth > 1 else ''} ('{{', '(' or '[') left open."
    return ""


# --- regular expressions that cannot compile -----------------------------------------------
# pyoxigraph compiles a REGEX/REPLACE pattern for every row it is applied to, and a pattern that
# cannot compile (over the regex engine's size limit, or malformed) is an error on every row,
# silently: `\p{L}{1000}` over a cross join ran for the whole time limit. A constant pattern is
# therefore compiled once, before evaluation, by the same engine: one that fails is a 400.
_PATTERN_ARGUMENT = {"REGEX": (1, 2), "REPLACE": (1, 3)}  # (pattern, flags) argument positions
_regex_probe: list = []


def regex_patterns(text: str) -> list[tuple[str, str | None]]:
    """The constant (pattern, flags) string tokens of every REGEX and REPLACE call, as written."""
    tokens = [(m.lastgroup, m.group()) for m in _TOKEN.finditer(decode_codepoint_escapes(text))
              if m.lastgroup not in ("ws", "comment")]
    found = []
    for index, (kind, value) in enumerate(tokens):
        if kind != "word" or value.upper() not in _PATTERN_ARGUMENT:
            continue
        if index + 1 >= len(tokens) or tokens[index + 1][1] != "(":
            continue
        arguments = _arguments(tokens, index + 2)
        pattern_at, flags_at = _PATTERN_ARGUMENT[value.upper()]
        pattern = _constant(arguments, pattern_at)
        if pattern is None:
            continue
        flags = _constant(arguments, flags_at)
        if flags is None and len(arguments) > flags_at:
            continue  # the flags are computed: the pattern cannot be checked alone
        found.append((pattern, flags))
    return found


def _arguments(tokens, start: int) -> list[list[tuple[str, str]]]:
    arguments: list[list[tuple[str, str]]] = [[]]
    depth = 0
    for kind, value in tokens[start:]:
        if kind == "open":
            depth += 1
        elif kind == "close":
            if depth == 0:
                break
            depth -= 1
        elif kind == "other" and value == "," and depth == 0:
            arguments.append([])
            continue
        arguments[-1].append((kind, value))
    return arguments


def _constant(arguments, position: int) -> str | None:
    if position >= len(arguments) or len(arguments[position]) != 1:
        return None
    kind, value = arguments[position][0]
    return value if kind == "string" else None


def check_regexes(text: str) -> None:
    """QueryRejected(400) if a constant REGEX/REPLACE pattern cannot be compiled."""
    if "regex" not in text.lower() and "replace" not in text.lower():
        return
    for pattern, flags in regex_patterns(text):
        if not _regex_probe:
            import pyoxigraph  # only queries with a regular expression get here

            _regex_probe.append(pyoxigraph.Store())
        probe = f"SELECT (REGEX(\"\", {pattern}{', ' + flags if flags else ''}) AS ?ok) {{}}"
        try:
            compiled = next(iter(_regex_probe[0].query(probe)))["ok"] is not None
        except (SyntaxError, StopIteration):
            compiled = False
        if not compiled:
            shown = pattern if len(pattern) <= 80 else pattern[:80] + "..."
            raise QueryRejected(400, f"The regular expression {shown} cannot be compiled (malformed, or "
                                     "larger than the regex engine allows): change the pattern.")
