"""The Reconciliation Service API 0.2 (W3C Entity Reconciliation CG), as plain functions of data.

What OpenRefine, Aleph and other clients ask a reconciliation service, answered from the built
graph's `Catalog` and a `NameIndex` (no SPARQL is ever written from user text): the manifest,
batches of reconciliation queries, suggest (entity, type, property), preview data, property
proposals and data extension. `kg.web.reconcile` puts these on HTTP; this module knows nothing
of HTTP. A malformed request raises `RequestError` with a message saying what is wrong where.

Identifiers are our IRIs relative to the base (`person/michael-flynn`): the manifest's
identifierSpace is the base, so `identifierSpace + id` is the entity's IRI, which dereferences.

Scoring: the name score of `kg.names` (0-100); each query property adds a score of 0 or 100
with half the weight of the name (final = (name + 0.5 * sum) / (1 + 0.5 * n)), so a matching
QID or organisation lifts a candidate and a conflicting QID sinks it. `match` is true only when
`kg.names.is_unambiguous` says so and every given property agrees.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, replace

from . import __version__
from .catalog import STATUSES, Catalog
from .config import Config
from .names import Candidate, NameIndex, is_unambiguous

DEFAULT_TYPES = ("Person", "Organization", "GovernmentBody", "NewsOrganization", "Group", "Event", "Position",
                 "Country", "Place", "Document", "Topic")
ORGANISATION_TYPES = ("Organization", "Group")
PROPERTY_WEIGHT = 0.5
MAX_QUERY_CHARS = 500  # a name longer than this is no name: cut before scoring

#: Properties a reconciliation query may give (pid -> name, description).
QUERY_PROPERTIES = {
    "qid": ("Wikidata QID", "The entity's Wikidata item (Q…), only where the reviewed mapping links it"),
    "organization": ("Organisation", "An organisation or group the entity belongs to or holds a post in "
                                     "(a name, or a reconciled id such as org/fbi)"),
    "position": ("Position held", "A post the entity holds (a name, or a reconciled id such as position/fbi-director)"),
}
#: Properties data extension returns (id -> name, description).
EXTEND_PROPERTIES = {
    "qid": ("Wikidata QID", "Verified Wikidata item of the entity (reviewed mapping only; empty when unlinked)"),
    "type": ("Type", "The entity's most specific classes in the kg ontology"),
    "description": ("Description", "The entity's description, as written from the article"),
    "status": ("Epistemic status", "The status of the entity itself (events and statements): confirmed, "
                                   "admitted, reported, claimed, alleged or denied"),
    "iri": ("IRI", "The entity's IRI (dereferenceable: HTML and RDF)"),
    "events": ("Events", "Events the entity takes part in (kg:participantIn)"),
    "claims_total": ("Claims (all)", "Number of claims of the article about the entity"),
    **{f"claims_{status}": (f"Claims {status}", f"Number of claims about the entity with status {status}")
       for status in STATUSES},
    "event_claims_total": ("Claims on its events (all)", "Number of claims about the events the entity takes part in"),
    **{f"event_claims_{status}": (f"Claims on its events {status}",
                                  f"Number of claims with status {status} about the events the entity takes part in")
       for status in STATUSES},
}


class RequestError(ValueError):
    """A malformed request: the message says what and where (an HTTP layer answers 400)."""


@dataclass(frozen=True)
class Limits:
    max_queries: int = 100  # queries in one batch
    max_limit: int = 100  # candidates per query (a bigger `limit` is cut to this)
    default_limit: int = 10
    max_extend_ids: int = 500
    max_extend_properties: int = 30
    suggest_limit: int = 10


class ReconciliationService:
    def __init__(self, config: Config, catalog: Catalog, index: NameIndex, limits: Limits | None = None):
        self.config = config
        self.catalog = catalog
        self.index = index
        self.limits = limits or Limits()
        self.service_url = f"{config.base}reconcile"

    # ------------------------------------------------------------------ manifest

    def manifest(self) -> dict:
        base = self.config.base
        return {
            "versions": ["0.2"],
            "name": "kg: the documented connections between Donald Trump and Vladimir Putin's Russia",
            "identifierSpace": base,
            "schemaSpace": self.config.ontology_ns,
            "documentation": f"{base}",
            "serviceVersion": __version__,
            "defaultTypes": [self._type(t) for t in DEFAULT_TYPES if t in self.catalog.class_labels],
            "view": {"url": f"{base}{{{{id}}}}"},
            "preview": {"url": f"{self.service_url}/preview?id={{{{id}}}}", "width": 430, "height": 220},
            "suggest": {
                "entity": {"service_url": self.service_url, "service_path": "/suggest/entity"},
                "type": {"service_url": self.service_url, "service_path": "/suggest/type"},
                "property": {"service_url": self.service_url, "service_path": "/suggest/property"},
            },
            "extend": {
                "propose_properties": {"service_url": self.service_url, "service_path": "/properties"},
                "property_settings": [{
                    "name": "limit", "label": "Limit", "type": "number", "default": 0,
                    "help_text": "Maximum number of values per row for the events property (0: all)",
                }],
            },
        }

    def _type(self, name: str) -> dict:
        return {"id": name, "name": self.catalog.class_labels.get(name, name)}

    # ------------------------------------------------------------------ reconciliation

    def reconcile(self, queries_json: str) -> dict:
        batch = _json_object(queries_json, "queries")
        if len(batch) > self.limits.max_queries:
            raise RequestError(f"queries: {len(batch)} queries in one batch; at most {self.limits.max_queries}")
        parsed = {key: self._parse_query(key, query) for key, query in batch.items()}
        return {key: {"result": self._candidates(query)} for key, query in parsed.items()}

    def _parse_query(self, key: str, query) -> dict:
        where = f"queries[{json.dumps(key)}]"
        if not isinstance(query, dict):
            raise RequestError(f"{where}: a query is a JSON object, not {_kind(query)}")
        unknown = sorted(set(query) - {"query", "type", "limit", "properties", "type_strict"})
        if unknown:
            raise RequestError(f"{where}: unknown field {unknown[0]!r} (fields: query, type, limit, properties, "
                               f"type_strict)")
        text = query.get("query")
        if text is not None and not isinstance(text, str):
            raise RequestError(f"{where}.query: a string, not {_kind(text)}")
        text = (text or "").strip()[:MAX_QUERY_CHARS]
        types = query.get("type")
        if isinstance(types, str):
            types = [types]
        if types is not None and (not isinstance(types, list) or not all(isinstance(t, str) for t in types)):
            raise RequestError(f"{where}.type: a type id or a list of type ids")
        limit = query.get("limit", self.limits.default_limit)
        if (isinstance(limit, bool) or not isinstance(limit, (int, float)) or not math.isfinite(limit)
                or limit != int(limit) or limit < 1):
            raise RequestError(f"{where}.limit: a positive integer, not {json.dumps(limit)}")
        strict = query.get("type_strict", "any")
        if strict not in ("any", "should", "all"):
            raise RequestError(f"{where}.type_strict: one of any, should, all, not {json.dumps(strict)}")
        properties = self._parse_properties(where, query.get("properties", []))
        if not text and not properties:
            raise RequestError(f"{where}: give a non-empty query, or properties")
        return {"query": text, "types": [t for t in types or [] if t], "limit": min(int(limit), self.limits.max_limit),
                "type_strict": strict, "properties": properties}

    def _parse_properties(self, where: str, properties) -> list[tuple[str, list]]:
        if not isinstance(properties, list):
            raise RequestError(f"{where}.properties: a list of {{\"pid\", \"v\"}} objects")
        parsed = []
        for i, prop in enumerate(properties):
            here = f"{where}.properties[{i}]"
            if not isinstance(prop, dict) or "pid" not in prop or "v" not in prop:
                raise RequestError(f"{here}: an object with \"pid\" and \"v\"")
            pid = prop["pid"]
            if pid not in QUERY_PROPERTIES:
                raise RequestError(f"{here}.pid: unknown property {json.dumps(pid)} (known: "
                                   f"{', '.join(QUERY_PROPERTIES)})")
            values = prop["v"] if isinstance(prop["v"], list) else [prop["v"]]
            cleaned = []
            for value in values:
                if isinstance(value, dict):
                    if not isinstance(value.get("id"), str):
                        raise RequestError(f"{here}.v: an entity value needs a string \"id\"")
                    cleaned.append({"id": value["id"].strip()})
                elif isinstance(value, (str, int, float)) and not isinstance(value, bool):
                    if str(value).strip():
                        cleaned.append(str(value).strip()[:MAX_QUERY_CHARS])
                else:
                    raise RequestError(f"{here}.v: a string, number or {{\"id\"}} object, not {_kind(value)}")
            if cleaned:
                parsed.append((pid, cleaned))
        return parsed

    def _candidates(self, query: dict) -> list[dict]:
        limit, types, strict = query["limit"], query["types"], query["type_strict"]
        pool = max(limit * 3, 30)
        filter_types = types if types and strict in ("any", "all") else None
        if query["query"]:
            found = self.index.search(query["query"], types=filter_types, limit=pool)
        else:  # properties only: every entity is a candidate, the properties decide
            found = [Candidate(e, self.catalog.entities[e].label, 0.0, "", False, {})
                     for e in self.catalog.entities if not filter_types
                     or set(filter_types) & self.catalog.entities[e].all_types]
        if strict == "all" and types:
            found = [c for c in found if set(types) <= self.catalog.entities[c.id].all_types]
        scored = [self._with_properties(c, query) for c in found]
        if strict == "should" and types:
            scored = [c if set(types) & self.catalog.entities[c.id].all_types
                      else replace(c, score=round(c.score * 0.8, 1), exact=False) for c in scored]
        scored = [c for c in scored if c.score > 0]
        scored.sort(key=lambda c: (-c.score, c.name.casefold(), c.id))
        scored = scored[:limit]
        certain = is_unambiguous(scored) and scored[0].features.get("properties_agree", True)
        return [self._result(c, i == 0 and certain) for i, c in enumerate(scored)]

    def _with_properties(self, candidate: Candidate, query: dict) -> Candidate:
        properties = query["properties"]
        if not properties:
            return candidate
        features = dict(candidate.features)
        scores = []
        for pid, values in properties:
            score = 100.0 if self._property_matches(candidate.id, pid, values) else 0.0
            features[pid] = score == 100.0
            scores.append(score)
        if query["query"]:
            total = (candidate.score + PROPERTY_WEIGHT * sum(scores)) / (1 + PROPERTY_WEIGHT * len(scores))
        else:
            total = sum(scores) / len(scores)
        agree = all(s == 100.0 for s in scores)
        features["properties_agree"] = agree
        return replace(candidate, score=round(total, 1), exact=candidate.exact and agree, features=features)

    def _property_matches(self, entity_id: str, pid: str, values: list) -> bool:
        entity = self.catalog.entities[entity_id]
        if pid == "qid":
            wanted = {_qid(v["id"] if isinstance(v, dict) else v) for v in values}
            return entity.qid is not None and entity.qid in wanted
        targets = set()
        kinds = ORGANISATION_TYPES if pid == "organization" else ("Position",)
        for value in values:
            targets |= self._resolve(value, kinds)
        return bool(targets & self._linked(entity_id, pid))

    def _resolve(self, value, kinds) -> set[str]:
        """Entity ids a property value names: a reconciled id, or the names scoring 80 or more."""
        if isinstance(value, dict):
            key = self.index.lookup_key(value["id"]) or value["id"]
            return {key} if key in self.catalog.entities else set()
        return {c.id for c in self.index.search(value, types=kinds, limit=5) if c.score >= 80}

    def _linked(self, entity_id: str, pid: str) -> set[str]:
        """Organisations (memberOf, or the organisation of a post held) or posts held, from plain
        relations and from relation claims of any status (identity evidence, not a fact asserted)."""
        pairs = {(r.predicate, r.object) for r in self.catalog.relations if r.subject == entity_id}
        pairs |= {(c.predicate, c.object) for c in self.catalog.claims_about.get(entity_id, ())
                  if c.is_relation and c.subject == entity_id}
        posts = {o for p, o in pairs if p == "heldPosition"}
        if pid == "position":
            return posts
        organisations = {o for p, o in pairs if p == "memberOf"}
        for post in posts:
            organisations |= {r.object for r in self.catalog.relations if r.subject == post
                              and r.predicate == "positionOf"}
        return organisations

    def _result(self, candidate: Candidate, match: bool) -> dict:
        entity = self.catalog.entities[candidate.id]
        features = [{"id": key, "value": value} for key, value in sorted(candidate.features.items())
                    if isinstance(value, (bool, int, float))]
        result = {"id": entity.id, "name": entity.label, "score": candidate.score, "match": match,
                  "type": [self._type(t) for t in entity.types], "features": features}
        if entity.description:
            result["description"] = entity.description
        return result

    # ------------------------------------------------------------------ suggest

    def suggest_entity(self, prefix: str, cursor: int = 0, types: list[str] | None = None) -> dict:
        found = self.index.prefix(prefix[:MAX_QUERY_CHARS], types=types or None,
                                  limit=self.limits.suggest_limit, offset=cursor)
        result = []
        for candidate in found:
            entity = self.catalog.entities[candidate.id]
            item = {"id": entity.id, "name": entity.label, "notable": [self._type(t) for t in entity.types]}
            if entity.description:
                item["description"] = entity.description
            result.append(item)
        return {"result": result}

    def suggest_type(self, prefix: str, cursor: int = 0) -> dict:
        used = set().union(*(e.all_types for e in self.catalog.entities.values())) if self.catalog.entities else set()
        wanted = prefix.strip().casefold()
        matches = [self._type(name) for name in sorted(used) if name in self.catalog.class_labels and (
            not wanted or name.casefold().startswith(wanted)
            or any(w.startswith(wanted) for w in self.catalog.class_labels[name].casefold().split()))]
        return {"result": matches[cursor:cursor + self.limits.suggest_limit]}

    def suggest_property(self, prefix: str, cursor: int = 0) -> dict:
        wanted = prefix.strip().casefold()
        both = {**EXTEND_PROPERTIES, **QUERY_PROPERTIES}
        matches = [{"id": pid, "name": name, "description": text} for pid, (name, text) in both.items()
                   if not wanted or pid.casefold().startswith(wanted)
                   or any(w.startswith(wanted) for w in name.casefold().split())]
        return {"result": matches[cursor:cursor + self.limits.suggest_limit]}

    # ------------------------------------------------------------------ data extension

    def propose_properties(self, type_id: str, limit: int | None = None) -> dict:
        properties = [{"id": pid, "name": name, "description": text} for pid, (name, text) in EXTEND_PROPERTIES.items()]
        answer = {"type": type_id, "properties": properties[:limit] if limit else properties}
        if limit:
            answer["limit"] = limit
        return answer

    def extend(self, extend_json: str) -> dict:
        query = _json_object(extend_json, "extend")
        ids, properties = query.get("ids"), query.get("properties")
        unknown = sorted(set(query) - {"ids", "properties"})
        if unknown:
            raise RequestError(f"extend: unknown field {unknown[0]!r} (fields: ids, properties)")
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise RequestError("extend.ids: a list of entity ids (strings)")
        if len(ids) > self.limits.max_extend_ids:
            raise RequestError(f"extend.ids: {len(ids)} ids; at most {self.limits.max_extend_ids} in one request")
        if not isinstance(properties, list) or not properties:
            raise RequestError("extend.properties: a non-empty list of {\"id\"} objects")
        if len(properties) > self.limits.max_extend_properties:
            raise RequestError(f"extend.properties: at most {self.limits.max_extend_properties}")
        wanted = []
        for i, prop in enumerate(properties):
            if not isinstance(prop, dict) or not isinstance(prop.get("id"), str):
                raise RequestError(f"extend.properties[{i}]: an object with a string \"id\"")
            if prop["id"] not in EXTEND_PROPERTIES:
                raise RequestError(f"extend.properties[{i}].id: unknown property {json.dumps(prop['id'])} "
                                   f"(known: {', '.join(EXTEND_PROPERTIES)})")
            settings = prop.get("settings") or {}
            if not isinstance(settings, dict):
                raise RequestError(f"extend.properties[{i}].settings: an object")
            limit = settings.get("limit", 0)
            try:
                limit = int(limit)
            except (TypeError, ValueError, OverflowError):
                raise RequestError(f"extend.properties[{i}].settings.limit: a number, not {json.dumps(limit)}") from None
            if limit < 0:
                raise RequestError(f"extend.properties[{i}].settings.limit: 0 (all) or more")
            wanted.append((prop["id"], limit))
        meta = []
        for pid, _ in wanted:
            item = {"id": pid, "name": EXTEND_PROPERTIES[pid][0]}
            if pid == "events":
                item["type"] = self._type("Event")
            meta.append(item)
        rows = {}
        for entity_id in ids:
            key = self.index.lookup_key(entity_id) or entity_id
            rows[entity_id] = {pid: self._values(key, pid, limit) for pid, limit in wanted}
        return {"meta": meta, "rows": rows}

    def _values(self, entity_id: str, pid: str, limit: int) -> list[dict]:
        entity = self.catalog.entities.get(entity_id)
        if entity is None:
            return []
        if pid == "qid":
            return [{"str": entity.qid}] if entity.qid else []
        if pid == "type":
            return [{"str": t} for t in entity.types]
        if pid == "description":
            return [{"str": entity.description}] if entity.description else []
        if pid == "status":
            return [{"str": s} for s in entity.statuses]
        if pid == "iri":
            return [{"str": entity.iri}]
        if pid == "events":
            events = self.catalog.events_of.get(entity_id, ())
            events = events[:limit] if limit else events
            return [{"id": e, "name": self.catalog.label(e)} for e in events]
        on_events = pid.startswith("event_")
        counts = (self.catalog.event_status_counts if on_events else self.catalog.status_counts)(entity_id)
        status = pid.removeprefix("event_").removeprefix("claims_")
        return [{"int": sum(counts.values()) if status == "total" else counts[status]}]

    # ------------------------------------------------------------------ preview

    def preview(self, entity_id: str) -> dict | None:
        """What the preview page shows, or None for an id that names no entity."""
        key = self.index.lookup_key(entity_id) or entity_id
        entity = self.catalog.entities.get(key)
        if entity is None:
            return None
        counts = self.catalog.status_counts(key)
        on_events = self.catalog.event_status_counts(key)
        return {
            "entity": entity,
            "types": [self._type(t)["name"] for t in entity.types],
            "counts": [(status, n) for status, n in counts.items() if n],
            "total": sum(counts.values()),
            "events": len(self.catalog.events_of.get(key, ())),
            "event_counts": [(status, n) for status, n in on_events.items() if n],
        }


def _json_object(text: str, name: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise RequestError(f"{name}: not valid JSON ({exc})") from None
    except RecursionError:
        raise RequestError(f"{name}: JSON nested too deeply") from None
    if not isinstance(value, dict):
        raise RequestError(f"{name}: a JSON object, not {_kind(value)}")
    return value


def _kind(value) -> str:
    if value is None:
        return "null"
    return {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), "a number")


_QID = re.compile(r"(?:^|[/:])(Q[1-9][0-9]*)$", re.IGNORECASE)


def _qid(text: str) -> str:
    """'Q76', 'wd:Q76', 'http://www.wikidata.org/entity/Q76' -> 'Q76' (anything else: as given)."""
    match = _QID.search(text.strip())
    return match.group(1).upper() if match else text.strip()
