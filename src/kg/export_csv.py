"""The graph as tidy CSV tables a spreadsheet opens as they are, with a Frictionless data package.

Five tables, from the built graph's records (kg.catalog), one row per thing, sorted by id:

- entities: people, organisations, groups, posts, places, documents, topics... (not events);
- events: events and statements, with the date as typed, as the article words it, its precision;
- participants: who takes part in which event, in which role;
- relationships: one row per claim of the article about a relation (subject, relation, object),
  with its status, credited outlet, quote and the quote's offsets in the stored article; a
  relation the article only alleges is a row with status "alleged", never anything firmer;
- claims: every claim, about a node or a relation.

UTF-8, one header row, RFC 4180 quoting, CRLF line ends; several values in one cell are joined
with " | ". `datapackage.json` (a Frictionless Tabular Data Package) documents every column and
gives each file's size and SHA-256. Every table is defined once, below, as data: the columns,
their types and descriptions, and how each value is read from the catalog.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass
from typing import Callable

from .catalog import STATUSES, Catalog

JOIN = " | "
PACKAGE_FILE = "datapackage.json"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # Frictionless field type: string, integer, boolean
    description: str
    value: Callable


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    rows: Callable  # catalog -> iterable of row objects


def _joined(values) -> str:
    return JOIN.join(v for v in values if v)


def _labels(catalog: Catalog, ids) -> str:
    return _joined(catalog.label(i) for i in ids)


def _count_columns() -> tuple[Column, ...]:
    columns = [Column("claims_total", "integer", "Number of the article's claims about it (on it, or on a relation "
                      "it is the subject or object of)", lambda c, e: sum(c.status_counts(e.id).values()))]
    for status in STATUSES:
        columns.append(Column(f"claims_{status}", "integer", f"Of those, claims with status {status}",
                              lambda c, e, s=status: c.status_counts(e.id)[s]))
    return tuple(columns)


ENTITY_COLUMNS = (
    Column("id", "string", "Identifier: the IRI relative to the dataset's base (person/michael-flynn)", lambda c, e: e.id),
    Column("label", "string", "English name", lambda c, e: e.label),
    Column("type", "string", "Most specific classes in the kg ontology, joined with ' | '", lambda c, e: _joined(e.types)),
    Column("description", "string", "Description, written from the article only", lambda c, e: e.description),
    Column("wikidata_qid", "string", "Wikidata item (exact match) from the reviewed mapping; empty when unlinked",
           lambda c, e: e.qid or ""),
    Column("wikidata_close_match", "string", "A closely related Wikidata item (skos:closeMatch), not the same thing",
           lambda c, e: _joined(e.close_qids)),
    Column("alt_labels", "string", "Other names, joined with ' | '", lambda c, e: _joined(e.alt_labels)),
    Column("events", "integer", "Number of events it takes part in", lambda c, e: len(c.events_of.get(e.id, ()))),
    *_count_columns(),
    Column("iri", "string", "The IRI (dereferenceable: HTML and RDF)", lambda c, e: e.iri),
)

EVENT_COLUMNS = (
    Column("id", "string", "Identifier: the IRI relative to the dataset's base", lambda c, e: e.id),
    Column("label", "string", "English label (hedged where the article hedges: 'allegedly')", lambda c, e: e.label),
    Column("type", "string", "Most specific classes in the kg ontology, joined with ' | '", lambda c, e: _joined(e.types)),
    Column("status", "string", "Epistemic status of the event itself, from its claims: confirmed, admitted, "
                               "reported, claimed, alleged or denied (several joined with ' | ')",
           lambda c, e: _joined(e.statuses)),
    Column("date", "string", "Date as precise as the article: YYYY, YYYY-MM or YYYY-MM-DD; empty when undated",
           lambda c, e: e.date or ""),
    Column("date_precision", "string", "year, month, season or day", lambda c, e: e.date_precision or ""),
    Column("date_qualifier", "string", "What the date type cannot say: early, summer...", lambda c, e: e.date_qualifier or ""),
    Column("date_text", "string", "The date as the article words it", lambda c, e: e.date_text or ""),
    Column("not_before", "string", "Lower bound when the article gives only a bound", lambda c, e: e.not_before or ""),
    Column("not_after", "string", "Upper bound when the article gives only a bound", lambda c, e: e.not_after or ""),
    Column("participants", "string", "Ids of who takes part, joined with ' | ' (roles: participants.csv)",
           lambda c, e: _joined(c.participants.get(e.id, ()))),
    Column("description", "string", "Description, written from the article only", lambda c, e: e.description),
    Column("wikidata_qid", "string", "Wikidata item from the reviewed mapping; empty when unlinked",
           lambda c, e: e.qid or ""),
    *_count_columns(),
    Column("iri", "string", "The IRI (dereferenceable: HTML and RDF)", lambda c, e: e.iri),
)

PARTICIPANT_COLUMNS = (
    Column("event", "string", "Event id", lambda c, r: r[0]),
    Column("event_label", "string", "Event label", lambda c, r: c.label(r[0])),
    Column("role", "string", "Role property of the kg ontology (agent, attendee, recipient, participant...)",
           lambda c, r: r[1]),
    Column("entity", "string", "Id of who takes part", lambda c, r: r[2]),
    Column("entity_label", "string", "Their label", lambda c, r: c.label(r[2])),
    Column("event_status", "string", "Status of the event itself (' | ' between several)",
           lambda c, r: _joined(c.entities[r[0]].statuses)),
)


def _claim_columns(relation: bool) -> tuple[Column, ...]:
    head = [Column("claim", "string", "Claim id (its IRI relative to the base)", lambda c, k: k.id)]
    if relation:
        head += [
            Column("subject", "string", "Subject id", lambda c, k: k.subject or ""),
            Column("subject_label", "string", "Subject label", lambda c, k: c.label(k.subject) if k.subject else ""),
            Column("relation", "string", "Relation: a property of the kg ontology", lambda c, k: k.predicate or ""),
            Column("relation_label", "string", "The relation in words",
                   lambda c, k: c.property_labels.get(k.predicate or "", k.predicate or "")),
            Column("object", "string", "Object id", lambda c, k: k.object or ""),
            Column("object_label", "string", "Object label", lambda c, k: c.label(k.object) if k.object else ""),
        ]
    else:
        head += [
            Column("about", "string", "Id of the node the claim is about", lambda c, k: k.about),
            Column("about_label", "string", "Its label", lambda c, k: c.label(k.about)),
            Column("relation", "string", "For a claim about a relation: the property (subject and object in "
                                         "relationships.csv); empty for a claim about the node itself",
                   lambda c, k: k.predicate or ""),
        ]
    return (*head,
            Column("status", "string", "Epistemic status: confirmed, admitted, reported, claimed, alleged or denied",
                   lambda c, k: k.status),
            Column("outlet", "string", "Outlet(s) the article credits, by label, ' | ' between several",
                   lambda c, k: _labels(c, k.reported_by)),
            Column("outlet_id", "string", "Their ids", lambda c, k: _joined(k.reported_by)),
            Column("according_to", "string", "Who the claim comes from, as the article attributes it",
                   lambda c, k: _labels(c, k.according_to)),
            Column("according_to_id", "string", "Their ids", lambda c, k: _joined(k.according_to)),
            Column("quote", "string", "Verbatim quote of the article", lambda c, k: k.quote),
            Column("source", "string", "Id of the source document", lambda c, k: k.source or ""),
            Column("source_start", "integer", "Offset of the quote's first character in the stored article",
                   lambda c, k: k.start),
            Column("source_end", "integer", "Offset after the quote's last character", lambda c, k: k.end),
            Column("iri", "string", "The claim's IRI", lambda c, k: k.iri))


def _participation_rows(catalog: Catalog):
    return sorted((event, role, member) for event, roles in catalog.roles.items() for role, member in roles)


TABLES = (
    Table("entities", "Entities", "People, organisations, groups, posts, places, documents, topics (not events)",
          ("id",), ENTITY_COLUMNS,
          lambda c: [e for e in c.entities.values() if not e.is_event]),
    Table("events", "Events", "Events and statements of the article, with dates as precise as the text",
          ("id",), EVENT_COLUMNS, lambda c: [e for e in c.entities.values() if e.is_event]),
    Table("participants", "Participants", "Who takes part in which event, in which role",
          ("event", "role", "entity"), PARTICIPANT_COLUMNS, _participation_rows),
    Table("relationships", "Relationships", "One row per claim of the article about a relation, with its status, "
          "credited outlet, quote and offsets; alleged, claimed and denied relations are only here, never asserted",
          ("claim",), _claim_columns(True), lambda c: [k for k in c.claims if k.is_relation]),
    Table("claims", "Claims", "Every claim of the article: what it is about, status, outlet, quote, offsets",
          ("claim",), _claim_columns(False), lambda c: list(c.claims)),
)


def _cell(value) -> str:
    if value is None:
        return ""
    return str(value)


def table_bytes(table: Table, catalog: Catalog) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([c.name for c in table.columns])
    for row in table.rows(catalog):
        writer.writerow([_cell(c.value(catalog, row)) for c in table.columns])
    return out.getvalue().encode("utf-8")


def package_files(catalog: Catalog, prefix: str = "", version: str = "", licence: str = "",
                  base: str = "") -> list[tuple[str, bytes]]:
    """(file name, bytes) of every table and of the data package that describes them; names are
    `{prefix}{table}.csv` and `{prefix}datapackage.json`."""
    files = [(f"{prefix}{table.name}.csv", table_bytes(table, catalog)) for table in TABLES]
    resources = []
    for table, (name, body) in zip(TABLES, files):
        resources.append({
            "name": table.name, "title": table.title, "description": table.description, "path": name,
            "profile": "tabular-data-resource", "format": "csv", "mediatype": "text/csv", "encoding": "utf-8",
            "bytes": len(body), "hash": f"sha256:{hashlib.sha256(body).hexdigest()}",
            "dialect": {"delimiter": ",", "lineTerminator": "\r\n", "quoteChar": "\"", "doubleQuote": True,
                        "header": True},
            "schema": {"fields": [{"name": c.name, "type": c.type, "description": c.description}
                                  for c in table.columns],
                       "primaryKey": list(table.key)},
        })
    package = {
        "profile": "tabular-data-package",
        "name": "kg-trump-russia",
        "title": "kg: the documented connections between Donald Trump and Vladimir Putin's Russia, as tables",
        "description": "Every fact carries the article's verbatim quote, the outlet the article credits and an "
                       "epistemic status. Several values in one cell are joined with ' | '.",
        "version": version,
        "homepage": base,
        "licenses": [{"name": "CC-BY-4.0", "path": licence, "title": "Creative Commons Attribution 4.0"}],
        "resources": resources,
    }
    body = (json.dumps(package, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
    return files + [(f"{prefix}{PACKAGE_FILE}", body)]


def rows_of(table_name: str, catalog: Catalog) -> list:
    """The row objects of one table (for tests and other exports)."""
    return list(next(t for t in TABLES if t.name == table_name).rows(catalog))

