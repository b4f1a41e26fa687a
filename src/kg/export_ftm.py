"""The graph as FollowTheMoney entities (the model of OCCRP's Aleph and the OpenSanctions tools).

`ftm_entities(catalog)` turns the built graph's records (kg.catalog) into FtM entity dicts, each
built and checked by the `followthemoney` package's model:

- people -> Person; government bodies -> PublicBody; organisations, news organisations and the
  article's unnamed groups -> Organization (a group says so in `classification`); posts ->
  Position; documents -> Document; the stored article -> Article (with its text);
  events, statements, meetings... -> Event, with `involved` (every participant) and `organizer`
  (the agent), the date as precise as the article gives it, and the event's own status;
- each claim about a relation becomes its own FtM link: heldPosition -> Occupancy,
  memberOf -> Membership, childOf / parentOf / sonInLawOf -> Family, anything else between two
  exported entities -> UnknownLink (`role` names the relation). Every link carries, on itself,
  the article as `proof`, the verbatim quote (`description`), the credited outlet
  (`publisher`), the epistemic status (`status` where the schema has one, and always first in
  `summary`: "alleged: ...") and the claim's IRI (`sourceUrl`), so an allegation stays an
  allegation in Aleph;
- each claim about an entity itself (an event reported, an allegation) becomes a Documentation
  link from the article to it, with the same fields.

Wikidata QIDs (`wikidataId`) are the reviewed exact matches only. Entities FtM has no schema
for (countries, places, topics, laws, information, works, amounts) are not exported; the links
that would need them are counted in `Export.skipped`.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field

from .catalog import Catalog, Claim, Entity

FAMILY = {  # predicate -> (person is the claim's: subject/object, relationship of the relative)
    "childOf": ("object", "child"),
    "parentOf": ("object", "parent"),
    "sonInLawOf": ("object", "son-in-law"),
}
LEGAL = ("Person", "Organization", "PublicBody")


@dataclass
class Export:
    entities: list[dict]  # FtM entity dicts, sorted by id
    skipped: Counter = field(default_factory=Counter)  # what could not be expressed, by reason

    def to_bytes(self) -> bytes:
        """Line-delimited JSON, one entity per line, keys and values sorted: the same graph gives the same bytes."""
        return "".join(json.dumps(e, ensure_ascii=False, sort_keys=True) + "\n" for e in self.entities).encode()


def ftm_id(entity_id: str) -> str:
    """The FtM id of one of our ids: person/michael-flynn -> kg-person-michael-flynn."""
    return "kg-" + entity_id.replace("/", "-")


def schema_of(entity: Entity) -> str | None:
    types = entity.all_types
    if "SourceDocument" in types:
        return "Article"
    if "Person" in types:
        return "Person"
    if "GovernmentBody" in types:
        return "PublicBody"
    if types & {"Organization", "NewsOrganization", "Group"}:
        return "Organization"
    if "Position" in types:
        return "Position"
    if "Document" in types:
        return "Document"
    if "Event" in types:
        return "Event"
    return None


def ftm_entities(catalog: Catalog) -> Export:
    # Imported here, not at the top: loading the FtM model takes ~2 s, and every `kg` command
    # imports kg.dump; only an export pays for it.
    from followthemoney import model

    schemas = {e.id: schema_of(e) for e in catalog.entities.values()}
    schemas = {k: v for k, v in schemas.items() if v}
    articles = sorted(k for k, v in schemas.items() if v == "Article")
    made: dict[str, object] = {}
    skipped: Counter = Counter()

    def proxy(schema: str, key: str):
        entity = model.make_entity(schema)
        entity.id = key
        return entity

    def add(entity, prop: str, values) -> None:
        for value in [values] if isinstance(values, str) else values:
            if value:
                entity.add(prop, value, quiet=False)

    for entity_id, schema in sorted(schemas.items()):
        entity = catalog.entities[entity_id]
        item = proxy(schema, ftm_id(entity_id))
        add(item, "name", entity.label)
        add(item, "alias", entity.alt_labels)
        add(item, "description", entity.description)
        add(item, "sourceUrl", entity.iri)
        if schema == "Article":
            source = _article(catalog, entity_id)
            add(item, "title", entity.label)
            add(item, "bodyText", source)
            add(item, "mimeType", "text/plain")
        else:
            add(item, "proof", [ftm_id(a) for a in articles])
        if entity.qid and schema != "Article":
            add(item, "wikidataId", entity.qid)
        if "Group" in entity.all_types and schema == "Organization":
            add(item, "classification", "unnamed group of people the article mentions (kg:Group)")
        if schema == "Event":
            _event(catalog, entity, item, schemas, add)
        made[item.id] = item

    for claim in catalog.claims:
        if claim.is_relation:
            link = _relation(catalog, claim, schemas, proxy, add, skipped)
        else:
            link = _documentation(catalog, claim, schemas, proxy, add, skipped)
        if link is None:
            continue
        _evidence(catalog, claim, link, add, articles)
        made[link.id] = link
    return Export([made[key].to_dict() for key in sorted(made)], skipped)


def _article(catalog: Catalog, entity_id: str) -> str:
    """The article's text, from the graph (schema:text of the source): the stored copy the build checked."""
    return catalog.texts.get(entity_id, "")


def _event(catalog: Catalog, entity: Entity, item, schemas: dict, add) -> None:
    if entity.date:
        add(item, "date", entity.date)
    statuses = ", ".join(entity.statuses) or "no status of its own"
    when = f" Date as the article words it: {entity.date_text}." if entity.date_text else ""
    add(item, "summary", f"{statuses}: status of this event, from the article's claims about it.{when}")
    roles = catalog.roles.get(entity.id, ())
    involved = sorted({m for m in catalog.participants.get(entity.id, ()) if schemas.get(m) in LEGAL}
                      | {m for _, m in roles if schemas.get(m) in LEGAL})
    add(item, "involved", [ftm_id(m) for m in involved])
    add(item, "organizer", sorted(ftm_id(m) for p, m in roles if p == "agent" and schemas.get(m) in LEGAL))
    places = sorted(catalog.label(r.object) for r in catalog.relations
                    if r.subject == entity.id and r.predicate == "place")
    add(item, "location", places)


def _relation(catalog: Catalog, claim: Claim, schemas: dict, proxy, add, skipped: Counter):
    subject, obj, predicate = claim.subject, claim.object, claim.predicate
    key = ftm_id(claim.id)
    s_schema, o_schema = schemas.get(subject), schemas.get(obj)
    if s_schema is None or o_schema is None:
        skipped[f"relation {predicate} to or from an entity FtM has no schema for"] += 1
        return None
    if predicate == "heldPosition" and s_schema == "Person" and o_schema == "Position":
        link = proxy("Occupancy", key)
        add(link, "holder", ftm_id(subject))
        add(link, "post", ftm_id(obj))
        return link
    if predicate == "memberOf" and s_schema in LEGAL and o_schema in ("Organization", "PublicBody"):
        link = proxy("Membership", key)
        add(link, "member", ftm_id(subject))
        add(link, "organization", ftm_id(obj))
        return link
    if predicate in FAMILY and s_schema == o_schema == "Person":
        _, relationship = FAMILY[predicate]
        link = proxy("Family", key)
        add(link, "person", ftm_id(obj))
        add(link, "relative", ftm_id(subject))
        add(link, "relationship", relationship)
        return link
    link = proxy("UnknownLink", key)
    add(link, "subject", ftm_id(subject))
    add(link, "object", ftm_id(obj))
    add(link, "role", catalog.property_labels.get(predicate, predicate))
    return link


def _documentation(catalog: Catalog, claim: Claim, schemas: dict, proxy, add, skipped: Counter):
    if schemas.get(claim.about) is None or schemas.get(claim.source) != "Article":
        skipped["claim about an entity FtM has no schema for"] += 1
        return None
    if claim.about == claim.source:
        skipped["claim about the article itself"] += 1
        return None
    link = proxy("Documentation", ftm_id(claim.id))
    add(link, "document", ftm_id(claim.source))
    add(link, "entity", ftm_id(claim.about))
    add(link, "role", f"{claim.status} in the article")
    return link


def _evidence(catalog: Catalog, claim: Claim, link, add, articles: list[str]) -> None:
    """The claim's evidence, on the link itself: proof, quote, outlet, status, and where to read it."""
    outlets = [catalog.label(o) for o in claim.reported_by]
    sources = [catalog.label(o) for o in claim.according_to]
    add(link, "proof", [ftm_id(claim.source)] if claim.source else [ftm_id(a) for a in articles])
    add(link, "description", claim.quote)
    add(link, "publisher", outlets)
    if "status" in link.schema.properties:
        add(link, "status", claim.status)
    credit = "".join([f" Reported by {', '.join(outlets)}." if outlets else "",
                      f" According to {', '.join(sources)}." if sources else ""])
    where = f" Quote at characters {claim.start}-{claim.end} of the article." if claim.start is not None else ""
    add(link, "summary", f"{claim.status}: the article's claim, quoted in the description.{credit}{where}")
    add(link, "sourceUrl", claim.iri)
    add(link, "recordId", claim.id)
