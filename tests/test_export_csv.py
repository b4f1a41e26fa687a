"""kg.export_csv and `kg export`: tidy tables, a data package that documents them, stable bytes."""

from __future__ import annotations

import csv
import hashlib
import io
import json

import pytest

from kg import catalog as catalog_module
from kg.export_csv import JOIN, TABLES, package_files


@pytest.fixture(scope="module")
def records(built, built_store):
    return catalog_module.from_store(built_store, built)


@pytest.fixture(scope="module")
def files(records, built):
    return dict(package_files(records, "", "2026.11.25", built.licence, built.base))


def rows(files, table: str) -> list[dict]:
    text = files[f"{table}.csv"].decode("utf-8")
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_one_file_per_table_and_a_package(files):
    assert set(files) == {f"{t.name}.csv" for t in TABLES} | {"datapackage.json"}


def test_the_package_documents_every_column_and_checks_every_file(files):
    package = json.loads(files["datapackage.json"])
    assert package["profile"] == "tabular-data-package"
    for resource in package["resources"]:
        body = files[resource["path"]]
        assert resource["bytes"] == len(body)
        assert resource["hash"] == "sha256:" + hashlib.sha256(body).hexdigest()
        header = next(csv.reader(io.StringIO(body.decode("utf-8"))))
        fields = resource["schema"]["fields"]
        assert header == [f["name"] for f in fields]
        assert all(f["description"] and f["type"] in ("string", "integer") for f in fields)
        assert set(resource["schema"]["primaryKey"]) <= set(header)
        table = rows(files, resource["name"])
        keys = [tuple(r[k] for k in resource["schema"]["primaryKey"]) for r in table]
        assert len(keys) == len(set(keys)), "primary key is unique"
        assert keys == sorted(keys), "stable order"
        for field in fields:
            if field["type"] == "integer":
                assert all(r[field["name"]] == "" or r[field["name"]].lstrip("-").isdigit() for r in table)


def test_utf8_one_header_crlf(files):
    for name, body in files.items():
        if name.endswith(".csv"):
            text = body.decode("utf-8")
            assert not text.startswith("\ufeff") and text.endswith("\r\n")
            assert text.count("\r\n") >= text.count("\n")  # every line ends with CRLF (quoted newlines aside)


def test_entities_table(files, records):
    table = {r["id"]: r for r in rows(files, "entities")}
    assert len(table) == sum(1 for e in records.entities.values() if not e.is_event)
    flynn = table["person/michael-flynn"]
    assert (flynn["label"], flynn["type"], flynn["wikidata_qid"]) == ("Michael Flynn", "Person", "Q6834757")
    assert int(flynn["claims_total"]) == sum(int(flynn[f"claims_{s}"]) for s in
                                             ("confirmed", "admitted", "reported", "claimed", "alleged", "denied"))
    assert table["person/james-dodson"]["wikidata_qid"] == ""
    ambassador = table["position/russian-ambassador"]
    assert ambassador["wikidata_qid"] == "" and ambassador["wikidata_close_match"] == "Q30160686"


def test_events_table_keeps_dates_as_written(files):
    table = {r["id"]: r for r in rows(files, "events")}
    meeting = table["event/2017-05-oval-office-meeting"]
    assert (meeting["date"], meeting["date_precision"]) == ("2017-05", "month")
    assert meeting["date_text"] and meeting["status"]
    assert table["event/2017-01-comey-trump-private-meal"]["status"] == "alleged"
    assert "person/donald-trump" in table["event/2017-05-comey-firing"]["participants"].split(JOIN)


def test_relationships_keep_status_outlet_quote_and_offsets(files, records, built):
    article = built.article_path.read_text(encoding="utf-8")
    table = rows(files, "relationships")
    assert len(table) == sum(1 for c in records.claims if c.is_relation)
    for row in table:
        assert row["status"] and row["quote"] and row["relation"]
        assert article[int(row["source_start"]):int(row["source_end"])] == row["quote"]
    hedged = [r for r in table if r["status"] in ("alleged", "claimed", "denied")]
    assert hedged
    credited = [r for r in rows(files, "claims") if r["outlet"]]
    assert {"Reuters", "The Washington Post"} <= {o for r in credited for o in r["outlet"].split(JOIN)}


def test_claims_table(files, records):
    table = rows(files, "claims")
    assert [r["claim"] for r in table] == [c.id for c in records.claims]
    assert {r["status"] for r in table} == {"confirmed", "admitted", "reported", "claimed", "alleged", "denied"}


def test_export_is_byte_deterministic(records, files, built, built_store):
    again = dict(package_files(catalog_module.from_store(built_store, built), "", "2026.11.25",
                               built.licence, built.base))
    assert again == files


def test_kg_export_commands(tmp_path, capsys, built):
    from kg.cli import main

    config = built
    common = ["--build-dir", str(config.build_dir)]
    assert main([*common, "export", "csv", "-o", str(tmp_path / "tables")]) == 0
    assert (tmp_path / "tables" / "datapackage.json").is_file()
    assert main([*common, "export", "ftm", "-o", str(tmp_path / "kg.ftm.json")]) == 0
    assert (tmp_path / "kg.ftm.json").read_bytes() == (config.build_dir / "downloads" /
                                                      f"kg-{config.version}.ftm.json").read_bytes()
    assert "FollowTheMoney entities" in capsys.readouterr().err


def test_kg_export_without_a_build_says_so(tmp_path, capsys):
    from kg.cli import main

    assert main(["--build-dir", str(tmp_path), "export", "csv"]) == 2
    assert "kg build" in capsys.readouterr().err


def test_kg_export_csv_into_a_file_is_refused(tmp_path, capsys, built):
    from kg.cli import main

    target = tmp_path / "file"
    target.write_text("mine")
    assert main(["--build-dir", str(built.build_dir), "export", "csv", "-o", str(target)]) == 2
    assert target.read_text() == "mine"
