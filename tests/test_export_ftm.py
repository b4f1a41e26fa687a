"""kg.export_ftm: the FollowTheMoney export validates with the followthemoney model and keeps the evidence."""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from followthemoney import model

from kg import catalog as catalog_module
from kg.export_ftm import ftm_entities, ftm_id

STATUSES = {"confirmed", "admitted", "reported", "claimed", "alleged", "denied"}
LINKS = {"Occupancy", "Membership", "Family", "UnknownLink", "Documentation"}


@pytest.fixture(scope="module")
def records(built, built_store):
    return catalog_module.from_store(built_store, built)


@pytest.fixture(scope="module")
def export(records):
    return ftm_entities(records)


@pytest.fixture(scope="module")
def by_id(export):
    return {e["id"]: e for e in export.entities}


def _normal(entity: dict):
    return entity["id"], entity["schema"], {k: sorted(v) for k, v in entity["properties"].items()}


def test_every_entity_validates_and_loses_nothing_when_parsed_by_the_model(export):
    assert len(export.entities) > 250
    for entity in export.entities:
        proxy = model.get_proxy(entity, cleaned=False)  # cleans every value with the model's types
        assert proxy.schema.name == entity["schema"] and not proxy.schema.abstract
        assert _normal(proxy.to_dict()) == _normal(entity), entity["id"]  # nothing dropped or changed
        for prop in entity["properties"]:
            assert prop in proxy.schema.properties, (entity["id"], prop)


def test_references_resolve_to_exported_entities_of_the_right_schema(export, by_id):
    for entity in export.entities:
        proxy = model.get_proxy(entity)
        for prop, value in proxy.itervalues():
            if prop.type.name == "entity":
                assert value in by_id, (entity["id"], prop.name, value)
                assert model.get(by_id[value]["schema"]).is_a(prop.range), (entity["id"], prop.name, value)


def test_the_file_loads_back_with_the_ftm_command(tmp_path, export):
    path = tmp_path / "kg.ftm.json"
    path.write_bytes(export.to_bytes())
    out = tmp_path / "validated.json"
    ftm = [sys.executable, "-c", "from followthemoney.cli.cli import cli; cli()"]
    subprocess.run([*ftm, "validate", "-i", str(path), "-o", str(out)], check=True, timeout=120)
    back = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert sorted(map(_normal, back)) == sorted(map(_normal, export.entities))


def test_every_link_cites_the_article_with_quote_status_and_claim(export, by_id, records):
    article = by_id[ftm_id("source/article")]
    assert article["schema"] == "Article"
    assert article["properties"]["bodyText"] == [records.texts["source/article"]]
    claims = {c.id: c for c in records.claims}
    links = [e for e in export.entities if e["schema"] in LINKS]
    assert len(links) > 150
    for link in links:
        props = link["properties"]
        claim = claims[props["recordId"][0]]
        assert props["proof"] == [article["id"]]
        assert props["description"] == [claim.quote]
        assert props["summary"][0].startswith(f"{claim.status}: ")
        assert props["sourceUrl"] == [claim.iri]
        if "status" in model.get(link["schema"]).properties:
            assert props["status"] == [claim.status]
        assert sorted(props.get("publisher", [])) == sorted(records.label(o) for o in claim.reported_by)


def test_an_allegation_stays_an_allegation(export, by_id, records):
    hedged = [c for c in records.claims if c.status in ("alleged", "claimed", "denied")]
    exported = [c for c in hedged if ftm_id(c.id) in by_id]
    assert exported, "some hedged claims are exported"
    for claim in exported:
        link = by_id[ftm_id(claim.id)]["properties"]
        assert link["summary"][0].startswith(claim.status + ":")
        assert claim.status in link.get("status", [claim.status])
    meal = by_id[ftm_id("event/2017-01-comey-trump-private-meal")]["properties"]
    assert meal["summary"][0].startswith("alleged:")


def test_people_positions_family_and_events(by_id):
    kushner_family = [e for e in by_id.values() if e["schema"] == "Family"
                      and e["properties"]["relative"] == [ftm_id("person/jared-kushner")]]
    assert [f["properties"]["relationship"] for f in kushner_family] == [["son-in-law"]]
    assert kushner_family[0]["properties"]["person"] == [ftm_id("person/donald-trump")]
    occupancies = {(e["properties"]["holder"][0], e["properties"]["post"][0])
                   for e in by_id.values() if e["schema"] == "Occupancy"}
    assert (ftm_id("person/michael-flynn"), ftm_id("position/national-security-advisor")) in occupancies
    assert by_id[ftm_id("org/fbi")]["schema"] == "PublicBody"
    firing = by_id[ftm_id("event/2017-05-comey-firing")]["properties"]
    assert firing["organizer"] == [ftm_id("person/donald-trump")]
    assert set(firing["involved"]) >= {ftm_id("person/donald-trump"), ftm_id("person/james-comey")}
    assert firing["date"] == ["2017-05"]  # as precise as the article, no invented day


def test_wikidata_ids_come_only_from_the_reviewed_exact_matches(export, built):
    path = built.data_dir / "mappings" / "wikidata.sssom.tsv"
    rows = csv.DictReader([l for l in path.read_text(encoding="utf-8").splitlines() if not l.startswith("#")],
                          delimiter="\t")
    exact = {ftm_id(r["subject_id"]): r["object_id"].removeprefix("wd:") for r in rows
             if r["predicate_id"] == "skos:exactMatch"}
    exported = {e["id"]: e["properties"]["wikidataId"][0] for e in export.entities if "wikidataId" in e["properties"]}
    assert exported and all(exact.get(key) == qid for key, qid in exported.items())
    assert "wikidataId" not in next(e for e in export.entities if e["id"] == ftm_id("person/james-dodson"))["properties"]
    assert "wikidataId" not in next(e for e in export.entities
                                    if e["id"] == ftm_id("position/russian-ambassador"))["properties"]  # closeMatch


def test_skipped_links_are_counted_not_silently_lost(export, records):
    relation_claims = sum(1 for c in records.claims if c.is_relation)
    exported = sum(1 for e in export.entities if e["schema"] in LINKS - {"Documentation"})
    skipped_relations = sum(n for reason, n in export.skipped.items() if reason.startswith("relation "))
    assert exported + skipped_relations == relation_claims


def test_export_is_byte_deterministic(records, built, built_store):
    again = catalog_module.from_store(built_store, built)
    assert ftm_entities(records).to_bytes() == ftm_entities(again).to_bytes()
