"""The source reader: the stored article (schema:text of its source node, the very text the quotes were
checked against) as paragraphs, every claim's quote highlighted at its offsets (oa:TextPositionSelector)
and linked to the claims that rest on it; each quote's start carries the anchor #q-START-END that claim
pages link to. Prepared once per process and source."""

from __future__ import annotations

from dataclasses import dataclass, field

import pyoxigraph as ox

from ..catalog import Catalog, Claim
from .kinds import href

SCHEMA_TEXT = "http://schema.org/text"


@dataclass
class Segment:
    text: str
    claims: list[str] = field(default_factory=list)  # claim ids covering this stretch
    anchors: list[str] = field(default_factory=list)  # q-START-END ids beginning here
    places: list[str] = field(default_factory=list)  # q-START-END of every quote covering this stretch


@dataclass
class Paragraph:
    number: int
    segments: list[Segment]
    claims: list[dict]  # the claims quoted in this paragraph, in text order


@dataclass
class Reader:
    id: str
    label: str
    paragraphs: list[Paragraph]
    claim_count: int


def source_text(engine, iri: str) -> str | None:
    """The stored text of a source document, from the query engine (kg.query_engine)."""
    for quad in engine.quads(ox.NamedNode(iri), ox.NamedNode(SCHEMA_TEXT), None):
        if isinstance(quad.object, ox.Literal):
            return quad.object.value
    return None


def build_reader(catalog: Catalog, source_id: str, text: str) -> Reader:
    stated = catalog.claims_stated_in(source_id)
    if source_id == "source/article":  # a claim naming no source is from the article
        stated = [*stated, *catalog.claims_stated_in(None)]
    claims = sorted((c for c in stated if c.start is not None and text[c.start:c.end] == c.quote),
                    key=lambda c: (c.start, c.end, c.id))
    paragraphs, position = [], 0
    for number, block in enumerate(text.split("\n\n"), start=1):
        start, end = position, position + len(block)
        position = end + 2
        if not block.strip():
            continue
        inside = [c for c in claims if c.start < end and c.end > start]
        paragraphs.append(Paragraph(number, _segments(text, start, end, inside),
                                    [_claim_entry(catalog, c) for c in inside if c.start >= start]))
    return Reader(source_id, catalog.label(source_id), paragraphs, len(claims))


def _segments(text: str, start: int, end: int, claims: list[Claim]) -> list[Segment]:
    cuts = sorted({start, end, *(max(start, c.start) for c in claims), *(min(end, c.end) for c in claims)})
    segments = []
    for a, b in zip(cuts, cuts[1:]):
        if a == b:
            continue
        covering = [c.id for c in claims if c.start <= a and c.end >= b]
        anchors = sorted({f"q-{c.start}-{c.end}" for c in claims if c.start == a})
        places = sorted({f"q-{c.start}-{c.end}" for c in claims if c.start <= a and c.end >= b})
        segments.append(Segment(text[a:b], covering, anchors, places))
    return segments


def _claim_entry(catalog: Catalog, claim: Claim) -> dict:
    about = claim.about if claim.about in catalog.entities else None
    return {"id": claim.id, "anchor": "c-" + claim.id.rsplit("/", 1)[-1], "href": href(claim.id),
            "status": claim.status, "quote": claim.quote, "place": f"q-{claim.start}-{claim.end}",
            "about": (catalog.label(about), href(about)) if about else None,
            "reported_by": [(catalog.label(o), href(o)) for o in claim.reported_by]}
