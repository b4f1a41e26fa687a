"""Which response formats the endpoint offers, and content negotiation between them.

Two kinds of answer: `results` (SELECT/ASK: SPARQL results JSON, XML, CSV, TSV) and `graph`
(CONSTRUCT/DESCRIBE, the service description, graph reads: Turtle, N-Triples, RDF/XML,
JSON-LD, TriG, N-Quads). A `format` parameter (what browsers and SPARQLWrapper send) wins over
the Accept header; Accept is matched with its q-values; no Accept header means the first offer.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import pyoxigraph as ox
from werkzeug.datastructures import MIMEAccept

from .http_common import accepted, best_offer


@dataclass(frozen=True)
class Format:
    key: str  # short name, also part of the ETag
    media_type: str
    results: ox.QueryResultsFormat | None = None
    rdf: ox.RdfFormat | None = None
    aliases: tuple[str, ...] = ()  # media types also accepted in Accept for this format
    names: tuple[str, ...] = ()  # values of the `format` parameter

    @property
    def content_type(self) -> str:
        textual = self.media_type.startswith("text/") or self.media_type.endswith(("+json", "+xml", "/json"))
        return f"{self.media_type}; charset=utf-8" if textual or self.rdf else self.media_type


R = ox.QueryResultsFormat
G = ox.RdfFormat
RESULT_FORMATS = (
    Format("json", "application/sparql-results+json", results=R.JSON,
           aliases=("application/json", "text/javascript", "application/javascript"), names=("json",)),
    Format("xml", "application/sparql-results+xml", results=R.XML, aliases=("application/xml", "text/xml"),
           names=("xml",)),
    Format("csv", "text/csv", results=R.CSV, names=("csv",)),
    Format("tsv", "text/tab-separated-values", results=R.TSV, names=("tsv",)),
)
GRAPH_FORMATS = (
    Format("ttl", "text/turtle", rdf=G.TURTLE, aliases=("application/x-turtle", "application/turtle", "text/n3",
           "text/rdf+n3", "application/n3"), names=("turtle", "ttl", "n3")),
    Format("nt", "application/n-triples", rdf=G.N_TRIPLES, aliases=("text/plain",),
           names=("nt", "ntriples", "n-triples")),
    Format("rdf", "application/rdf+xml", rdf=G.RDF_XML, aliases=("application/xml", "text/xml"),
           names=("xml", "rdf", "rdfxml", "rdf+xml", "rdf/xml")),
    Format("jsonld", "application/ld+json", rdf=G.JSON_LD, aliases=("application/json", "application/x-json+ld"),
           names=("jsonld", "json-ld", "json")),
    Format("trig", "application/trig", rdf=G.TRIG, names=("trig",)),
    Format("nq", "application/n-quads", rdf=G.N_QUADS, names=("nq", "nquads", "n-quads")),
)
OFFERS = {"results": RESULT_FORMATS, "graph": GRAPH_FORMATS}
# Accept matching tries every offer's media type, then the aliases (the first of equal matches wins).
PREFERENCE = {kind: tuple((fmt.media_type, fmt) for fmt in offers)
              + tuple((alias, fmt) for fmt in offers for alias in fmt.aliases)
              for kind, offers in OFFERS.items()}


class NotAcceptable(Exception):
    def __init__(self, kind: str, asked: str):
        offered = ", ".join(f.media_type for f in OFFERS[kind])
        super().__init__(f"No acceptable format for {asked!r}; this answer is available as: {offered}.")


def negotiate(kind: str, accept_header: str | None, format_params: list[str]) -> Format:
    """The format to answer in; NotAcceptable when the client accepts none of the offers."""
    return _negotiate(kind, accept_header or "", tuple(format_params))


@lru_cache(maxsize=512)  # clients send the same few Accept headers; parsing one costs ~20 us
def _negotiate(kind: str, accept_header: str, format_params: tuple[str, ...]) -> Format:
    offers = OFFERS[kind]
    asked = [value.strip().lower() for value in format_params if value.strip()]
    if asked:
        return _by_format_param(offers, kind, asked)
    accept = accepted(accept_header)
    if not accept:
        return offers[0]
    return _by_accept(kind, accept)


def _by_format_param(offers: tuple[Format, ...], kind: str, asked: list[str]) -> Format:
    # SPARQLWrapper repeats the format both as a name and as a media type: the first one we know wins.
    for value in asked:
        for fmt in offers:
            if value in fmt.names or value == fmt.media_type or value in fmt.aliases:
                return fmt
    raise NotAcceptable(kind, ", ".join(asked))


def _by_accept(kind: str, accept: MIMEAccept) -> Format:
    best = best_offer(accept, PREFERENCE[kind])
    if best is None:
        raise NotAcceptable(kind, accept.to_header())
    return best
