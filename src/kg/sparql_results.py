"""Serialize query results to bytes within a row cap and a byte cap.

pyoxigraph's own serializers cannot stop after N rows, so SELECT solutions are written here,
one row at a time, in the four SPARQL result formats; graphs and booleans go through
pyoxigraph. Everything runs in the evaluating thread: pyoxigraph results must not cross threads.

Nothing is built past the caps: rows are written one by one and writing stops at the first row
that would go over the byte cap; triples are counted (their terms' lengths) before any is
serialized, and serialization stops at the cap. A cut answer says so in its body wherever the
format allows it and stays valid: JSON results get `"truncated": true` and a `"message"`, XML
results and RDF/XML an XML comment, Turtle, TriG, N-Triples and N-Quads a `#` comment; CSV, TSV
and JSON-LD have no place for it (the X-SPARQL-Truncated header says it for every format).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from json.encoder import encode_basestring  # C: a JSON string as json.dumps(ensure_ascii=False) writes it
from xml.sax.saxutils import escape, quoteattr

import pyoxigraph as ox

from .vocab import RDF, XSD

XSD_STRING = XSD + "string"
RDF_LANG_STRING = RDF + "langString"


@dataclass(frozen=True)
class Serialized:
    body: bytes
    truncated: bool = False


def serialize_result(result, fmt, max_rows: int, max_bytes: int, again=None) -> Serialized:
    """Any pyoxigraph query result in `fmt` (a protocol_formats.Format).

    `again`: a function giving the same result anew (the query evaluated again). With it, SELECT
    answers in JSON and XML are written by pyoxigraph's own serializer, several times faster
    than row by row here, while their rows and bytes are counted as they are written (NativeRows);
    an answer over a cap is stopped there and cut at the last row that fits, the note put in as the
    row writer puts it. Only where rows cannot be told apart for sure (JSON rows with no binding,
    `{}`, near the cap) is the query evaluated again and written row by row."""
    if isinstance(result, ox.QueryBoolean):
        if fmt.results is None:
            raise TypeError("an ASK result needs a results format")
        return Serialized(result.serialize(format=fmt.results))
    if isinstance(result, ox.QuerySolutions):
        if again is not None and fmt.key in _NATIVE_ROWS:
            answer = _native_rows(result, fmt, max_rows, max_bytes)
            if answer is not None:
                return answer
            result = again()
        writer = _ROW_WRITERS[fmt.key]
        return _write_rows(writer, [v.value for v in result.variables], result, max_rows, max_bytes)
    return serialize_triples(result, fmt.rdf, max_rows, max_bytes)


# --- pyoxigraph's serializer, counted -------------------------------------------------------
# How a row begins in pyoxigraph's output, where that cannot be mistaken for text inside a value:
# - JSON: `{"NAME":{"type":"` (inside a JSON string every `"` is escaped, and a value's closing
#   quote is followed by `}` or `,`, never by `":{"type":"`); the same shape also opens the value
#   of an RDF-star triple term, `"value":{"subject":{"type":"`, which is subtracted. A row with no
#   binding at all is `{}`, which a string may also contain: each `{}` counts as a possible row.
# - XML: `<result>` (text and attribute values have `<` escaped).
_JSON_ROW = re.compile(rb'\{"[^"]*":\{"type":"')  # a literal prefix: searched fast
_JSON_TRIPLE_VALUE = b'"value":{"subject":{"type":"'
_NATIVE_ROWS = {
    "json": lambda chunk: len(_JSON_ROW.findall(chunk)) - chunk.count(_JSON_TRIPLE_VALUE),
    "xml": lambda chunk: chunk.count(b"<result>"),
}
_MAYBE_ROWS = {"json": lambda body: body.count(b"{}"), "xml": lambda body: 0}


class _OverCap(Exception):
    pass


class NativeRows:
    """A file-like sink for pyoxigraph's serializer that keeps the bytes and counts the rows as
    they come (chunks of 8 KB): over `max_rows` rows for sure, or over `max_bytes`, it raises
    _OverCap, which stops the serializer there. A row start split between two chunks is missed by
    the running count, and a triple term's split one may count once too often: so the running count
    allows one row more per chunk; the whole answer is counted again, exactly, at the end."""

    def __init__(self, key: str, max_rows: int, max_bytes: int):
        self.count = _NATIVE_ROWS[key]
        self.max_rows = max_rows
        self.max_bytes = max_bytes
        self.chunks: list[bytes] = []
        self.size = 0
        self.rows = 0

    def write(self, chunk) -> int:
        chunk = bytes(chunk)
        self.size += len(chunk)
        if self.size > self.max_bytes:
            raise _OverCap
        self.rows += self.count(chunk)
        self.chunks.append(chunk)
        if self.rows > self.max_rows + len(self.chunks):
            raise _OverCap
        return len(chunk)

    def flush(self) -> None:
        pass


def _native_rows(result, fmt, max_rows: int, max_bytes: int) -> Serialized | None:
    """pyoxigraph's serialization of `result`, cut at the caps; None where it cannot be cut for
    sure (an answer with `{}` somewhere, over or near the row cap)."""
    sink = NativeRows(fmt.key, max_rows, max_bytes)
    try:
        result.serialize(sink, fmt.results)
    except _OverCap:
        return _cut(fmt.key, b"".join(sink.chunks), max_rows, max_bytes)
    if len(sink.chunks) == 1:  # the usual small answer: counted exactly as it was written
        body, rows = sink.chunks[0], sink.rows
    else:
        body = b"".join(sink.chunks)
        rows = _NATIVE_ROWS[fmt.key](body)
    if rows + _MAYBE_ROWS[fmt.key](body) > max_rows:
        return _cut(fmt.key, body, max_rows, max_bytes)
    if fmt.key == "xml" and body.startswith(_XML_DECLARATION):  # laid out as the row writer lays it out
        return Serialized(_XML_DECLARATION + b"\n" + body[len(_XML_DECLARATION):] + b"\n")
    return Serialized(body + b"\n" if fmt.key == "json" else body)


def _cut(key: str, body: bytes, max_rows: int, max_bytes: int) -> Serialized | None:
    """The answer `body` begins (pyoxigraph's output, stopped over a cap, or complete but over the
    row cap) cut as the row writer cuts: at most `max_rows` complete rows, the whole within
    `max_bytes` bytes, the note in the head (JSON: "truncated" and "message"; XML: a comment).
    None if rows cannot be told apart for sure (JSON `{}`) or the head is not where expected."""
    note = truncation_note(max_rows, max_bytes)
    if key == "json":
        if b"{}" in body:
            return None
        opening = b'"results":{"bindings":['
        at = body.find(opening)
        if at < 0:
            return None
        first = at + len(opening)
        head = body[:at] + b'"truncated":true,"message":' + encode_basestring(note).encode() + b"," + body[at:first]
        tail, separator = b"]}}\n", 1  # rows are joined by a comma
        starts = [m.start() for m in _JSON_ROW.finditer(body, first)
                  if not body.endswith(b'"value":', 0, m.start())]  # a triple term's value, not a row
    else:
        opening, sparql = body.find(b"<results>"), body.find(b"<sparql")
        if opening < 0 or sparql < 0 or not body.startswith(_XML_DECLARATION):
            return None
        first, sparql_end = opening + len(b"<results>"), body.index(b">", sparql) + 1
        head = (_XML_DECLARATION + b"\n" + body[len(_XML_DECLARATION):sparql_end] + f"<!-- {note} -->".encode()
                + body[sparql_end:first])
        tail, separator = b"</results></sparql>\n", 0
        starts = [m.start() for m in _XML_RESULT.finditer(body, first)]
    if starts and starts[0] != first:
        return None
    # Row k is body[starts[k]:starts[k + 1] - separator]; the last one found may be unfinished.
    room = max_bytes - len(head) - len(tail)
    kept = 0
    while kept < min(max_rows, len(starts) - 1) and starts[kept + 1] - separator - first <= room:
        kept += 1
    rows = body[first:starts[kept] - separator] if kept else b""
    return Serialized(head + rows + tail, True)


_XML_RESULT = re.compile(rb"<result>")
_XML_DECLARATION = b'<?xml version="1.0"?>'


def serialize_solutions(variables: list[str], solutions, fmt, max_rows: int, max_bytes: int) -> Serialized:
    """Solutions given as mappings (variable name -> term or None), e.g. parsed from a remote store."""
    return _write_rows(_ROW_WRITERS[fmt.key], variables, solutions, max_rows, max_bytes)


def truncation_note(max_rows: int, max_bytes: int) -> str:
    return (f"This answer was cut at this endpoint's limit of {max_rows} rows or {max_bytes} bytes: "
            "it is incomplete. Narrow the query (LIMIT, more specific patterns) to get all of it.")


_LINE_COMMENTS = {ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.N_TRIPLES, ox.RdfFormat.N_QUADS}


def serialize_triples(triples, rdf_format: ox.RdfFormat, max_rows: int, max_bytes: int) -> Serialized:
    note = truncation_note(max_rows, max_bytes)
    room = max_bytes - len(note) - 16  # the note must fit too
    kept, size, truncated = [], 0, False
    for triple in triples:
        size += _term_size(triple.subject) + _term_size(triple.predicate) + _term_size(triple.object) + 8
        if len(kept) >= max_rows or size > room:
            truncated = True
            break
        kept.append(triple)
    body = ox.serialize(kept, format=rdf_format) or b""
    while len(body) > room and kept:  # escaping made it larger than counted: shrink until it fits
        keep = int(len(kept) * room / len(body) * 0.9)
        del kept[keep:]
        truncated = True
        body = ox.serialize(kept, format=rdf_format) or b""
    if truncated:
        if rdf_format in _LINE_COMMENTS:
            body += f"# {note}\n".encode()
        elif rdf_format == ox.RdfFormat.RDF_XML:
            body += f"<!-- {note} -->\n".encode()
    return Serialized(body, truncated)


def _term_size(term) -> int:
    kind = type(term)
    if kind is ox.Literal:
        return len(term.value) + len(term.language or "") + 48  # quotes, a datatype or language tag
    if kind is ox.NamedNode or kind is ox.BlankNode:
        return len(term.value) + 4
    return len(str(term))  # an RDF-star quoted triple


def _write_rows(writer, names, solutions, max_rows, max_bytes) -> Serialized:
    head, row, tail = writer
    parts = [""]  # the head, written last: it says whether the answer was cut
    note = truncation_note(max_rows, max_bytes)
    size = len(head(names, note)) + len(tail(True))  # room for the note
    truncated = False
    for count, solution in enumerate(solutions):
        if count >= max_rows:
            truncated = True
            break
        text = row(names, solution, count)
        size += len(text)
        if size > max_bytes:
            truncated = True
            break
        parts.append(text)
        del text
    parts[0] = head(names, note if truncated else None)
    parts.append(tail(len(parts) == 1))
    return Serialized("".join(parts).encode("utf-8"), truncated)


# --- JSON (SPARQL 1.1 Query Results JSON Format) -------------------------------------------
def _json_term(term) -> dict:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {"type": "triple", "value": {  # RDF-star quoted triple
        "subject": _json_term(term.subject), "predicate": _json_term(term.predicate), "object": _json_term(term.object)}}


def _json_head(names, note):
    cut = f'"truncated":true,"message":{encode_basestring(note)},' if note else ""
    return '{"head":{"vars":' + json.dumps(names, ensure_ascii=False, separators=(",", ":")) + '},' + cut + '"results":{"bindings":['


def _json_row(names, solution, index):
    # Written as text, term by term: a dict per term plus json.dumps per row cost 3x more.
    bindings = []
    for name in names:
        term = solution[name]
        if term is not None:
            bindings.append(f"{encode_basestring(name)}:{_json_term_text(term)}")
    return ("," if index else "") + "{" + ",".join(bindings) + "}"


def _json_term_text(term) -> str:
    kind = type(term)
    if kind is ox.NamedNode:
        return '{"type":"uri","value":' + encode_basestring(term.value) + "}"
    if kind is ox.Literal:
        text = '{"type":"literal","value":' + encode_basestring(term.value)
        if term.language:
            return text + ',"xml:lang":' + encode_basestring(term.language) + "}"
        datatype = term.datatype.value
        return text + ("}" if datatype == XSD_STRING else ',"datatype":' + encode_basestring(datatype) + "}")
    if kind is ox.BlankNode:
        return '{"type":"bnode","value":' + encode_basestring(term.value) + "}"
    return json.dumps(_json_term(term), ensure_ascii=False, separators=(",", ":"))  # RDF-star: rare


def _json_tail(empty):
    return "]}}\n"


# --- XML (SPARQL Query Results XML Format) -------------------------------------------------
_XML_TEXT = {"\r": "&#13;", "\n": "&#10;"}  # raw, an XML parser may normalize (CR) or trim (LF) them

def _xml_term(term) -> str:
    if isinstance(term, ox.NamedNode):
        return f"<uri>{escape(term.value)}</uri>"
    if isinstance(term, ox.BlankNode):
        return f"<bnode>{escape(term.value)}</bnode>"
    if isinstance(term, ox.Literal):
        if term.language:
            return f"<literal xml:lang={quoteattr(term.language)}>{escape(term.value, _XML_TEXT)}</literal>"
        if term.datatype.value != XSD_STRING:
            return f"<literal datatype={quoteattr(term.datatype.value)}>{escape(term.value, _XML_TEXT)}</literal>"
        return f"<literal>{escape(term.value, _XML_TEXT)}</literal>"
    return (f"<triple><subject>{_xml_term(term.subject)}</subject><predicate>{_xml_term(term.predicate)}"
            f"</predicate><object>{_xml_term(term.object)}</object></triple>")


def _xml_head(names, note):
    variables = "".join(f"<variable name={quoteattr(n)}/>" for n in names)
    cut = f"<!-- {note} -->" if note else ""
    return ('<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
            f"{cut}<head>{variables}</head><results>")


def _xml_row(names, solution, index):
    bindings = "".join(
        f"<binding name={quoteattr(n)}>{_xml_term(solution[n])}</binding>" for n in names if solution[n] is not None
    )
    return f"<result>{bindings}</result>"


def _xml_tail(empty):
    return "</results></sparql>\n"


# --- CSV and TSV (SPARQL 1.1 Query Results CSV and TSV Formats) ----------------------------
def _csv_value(term) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    if isinstance(term, (ox.NamedNode, ox.Literal)):
        return term.value
    return str(term)


def _csv_line(values) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerow(values)
    return out.getvalue()


def _tsv_value(term) -> str:
    # N-Triples syntax; a tab inside a literal would split the column, so escape it as \t.
    return "" if term is None else str(term).replace("\t", "\\t")


_ROW_WRITERS = {
    "json": (_json_head, _json_row, _json_tail),
    "xml": (_xml_head, _xml_row, _xml_tail),
    "csv": (lambda names, note: _csv_line(names),
            lambda names, s, i: _csv_line([_csv_value(s[n]) for n in names]),
            lambda empty: ""),
    "tsv": (lambda names, note: "\t".join(f"?{n}" for n in names) + "\n",
            lambda names, s, i: "\t".join(_tsv_value(s[n]) for n in names) + "\n",
            lambda empty: ""),
}
