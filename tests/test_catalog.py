"""kg.catalog: the built graph read into records; checked against the curated data and the mapping."""

from __future__ import annotations

import csv
import json

import pytest

from kg import catalog as catalog_module
from kg.canonical import read_dataset


@pytest.fixture(scope="module")
def catalog(built, built_store):
    return catalog_module.from_store(built_store, built)


def _mapping(kind: str, built) -> dict[str, str]:
    path = built.data_dir / "mappings" / "wikidata.sssom.tsv"
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    return {row["subject_id"]: row["object_id"].removeprefix("wd:") for row in csv.DictReader(lines, delimiter="\t")
            if row["predicate_id"] == kind}


def test_qids_are_exactly_the_reviewed_exact_matches(catalog, built):
    assert {e.id: e.qid for e in catalog.entities.values() if e.qid} == _mapping("skos:exactMatch", built)


def test_close_matches_are_never_the_qid(catalog, built):
    for entity_id, qid in _mapping("skos:closeMatch", built).items():
        entity = catalog.entities[entity_id]
        assert entity.qid is None and entity.close_qids == (qid,)


def test_claims_keep_status_quote_and_offsets(catalog, built):
    article = built.article_path.read_text(encoding="utf-8")
    manifest = json.loads((built.build_dir / "manifest.json").read_text(encoding="utf-8"))
    assert len(catalog.claims) == sum(manifest["claims_per_status"].values()) > 200  # the build's own count
    for claim in catalog.claims:
        assert claim.status in catalog_module.STATUSES
        assert article[claim.start:claim.end] == claim.quote
        assert claim.about in catalog.entities


def test_a_person(catalog):
    flynn = catalog.entities["person/michael-flynn"]
    assert (flynn.label, flynn.types, flynn.qid) == ("Michael Flynn", ("Person",), "Q6834757")
    assert "event/2017-02-flynn-dismissal" in catalog.events_of["person/michael-flynn"]
    counts = catalog.status_counts("person/michael-flynn")
    assert list(counts) == list(catalog_module.STATUSES)
    assert sum(counts.values()) == len(catalog.claims_about["person/michael-flynn"]) > 0


def test_types_have_superclasses_and_claims_are_no_entities(catalog):
    fbi = catalog.entities["org/fbi"]
    assert fbi.types == ("GovernmentBody",) and "Organization" in fbi.all_types
    assert not any(e.startswith(("claim/", "status/")) for e in catalog.entities)


def test_hedged_relations_are_claims_never_plain_relations(catalog):
    plain = {(r.subject, r.predicate, r.object) for r in catalog.relations}
    for claim in catalog.claims:
        if claim.is_relation and claim.status in ("alleged", "claimed", "denied"):
            assert (claim.subject, claim.predicate, claim.object) not in plain, claim.id


def test_the_records_read_from_the_quads_in_memory_equal_those_read_from_the_store(catalog, built):
    from_quads = catalog_module.from_quads(read_dataset(built.dataset_path).quads(), built)
    fields = [name for name in vars(catalog) if not name.startswith("_")]
    assert fields and all(getattr(from_quads, name) == getattr(catalog, name) for name in fields)
    assert len(from_quads.entities) > 100 and len(from_quads.claims) > 200 and from_quads.relations
