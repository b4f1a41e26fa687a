"""/reconcile: the Reconciliation Service API 0.2, every response validated with the CG's JSON Schemas.

The schemas and examples are in tests/data/reconciliation/ (copied from shared/reconciliation/).
The first tests prove the validator is not vacuous: it accepts the valid examples and rejects
the invalid ones.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7


RECON = Path(__file__).parent / "data" / "reconciliation"
SCHEMAS = {path.stem: json.loads(path.read_text(encoding="utf-8")) for path in (RECON / "schemas").glob("*.json")}
_REGISTRY = Registry().with_resources(
    [(schema["$id"].rstrip("#"), Resource(contents=schema, specification=DRAFT7)) for schema in SCHEMAS.values()])
EXAMPLE_SCHEMA = {  # example folder -> schema it belongs to
    "manifest": "manifest", "reconciliation-query-batch": "reconciliation-query-batch",
    "reconciliation-result-batch": "reconciliation-result-batch",
    "suggest-entities-response": "suggest-entities-response",
    "suggest-properties-response": "suggest-properties-response",
    "suggest-types-response": "suggest-types-response", "data-extension-query": "data-extension-query",
    "data-extension-response": "data-extension-response",
    "data-extension-property-proposal": "data-extension-property-proposal",
}


def validator(name: str) -> Draft7Validator:
    return Draft7Validator(SCHEMAS[name], registry=_REGISTRY)


def assert_valid(name: str, value) -> None:
    errors = sorted(validator(name).iter_errors(value), key=lambda e: list(e.path))
    assert not errors, f"{name}: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])


def _examples(kind: str):
    for folder, schema in EXAMPLE_SCHEMA.items():
        for path in sorted((RECON / "examples" / folder / kind).glob("*.json")):
            yield pytest.param(schema, path, id=f"{folder}/{path.name}")


@pytest.mark.parametrize("schema, path", list(_examples("valid")))
def test_the_validator_accepts_the_valid_examples(schema, path):
    assert_valid(schema, json.loads(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize("schema, path", list(_examples("invalid")))
def test_the_validator_rejects_the_invalid_examples(schema, path):
    assert list(validator(schema).iter_errors(json.loads(path.read_text(encoding="utf-8"))))


# --------------------------------------------------------------------------- the service


@pytest.fixture(scope="module")
def client(built):
    from kg.web import create_app

    return create_app(built).test_client()


def reconcile(client, queries: dict, method: str = "post") -> dict:
    body = {"queries": json.dumps(queries)}
    response = client.post("/reconcile", data=body) if method == "post" else client.get("/reconcile", query_string=body)
    assert response.status_code == 200, response.data
    assert_valid("reconciliation-result-batch", response.json)
    assert set(response.json) == set(queries)
    return response.json


def first(result: dict, key: str = "q0") -> dict:
    return result[key]["result"][0]


def test_manifest(client, built):
    response = client.get("/reconcile")
    assert response.status_code == 200 and response.mimetype == "application/json"
    manifest = response.json
    assert_valid("manifest", manifest)
    base = built.base
    assert manifest["identifierSpace"] == base
    assert manifest["view"]["url"] == base + "{{id}}"
    assert {"Person", "Organization", "Event"} <= {t["id"] for t in manifest["defaultTypes"]}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_manifest_as_jsonp(client):
    response = client.get("/reconcile?callback=jQuery123_456")
    assert response.status_code == 200 and response.mimetype == "application/javascript"
    text = response.get_data(as_text=True)
    assert text.startswith("/**/jQuery123_456(") and text.endswith(");")
    assert_valid("manifest", json.loads(text[len("/**/jQuery123_456("):-2]))


@pytest.mark.parametrize("callback", ["alert(1)//", "a b", "<script>", "x" * 200])
def test_a_callback_that_is_no_identifier_is_refused(client, callback):
    response = client.get("/reconcile", query_string={"callback": callback})
    assert response.status_code == 400 and response.json["error"] == "bad_request"


@pytest.mark.parametrize("method", ["post", "get"])
@pytest.mark.parametrize("name, expected", [
    ("Flynn, Michael", "person/michael-flynn"),
    ("Sergei Kisliak", "person/sergey-kislyak"),
    ("Jared Kushner (advisor)", "person/jared-kushner"),
    ("SALLY YATES", "person/sally-yates"),
    ("Micheal Flynn", "person/michael-flynn"),
    ("Federal Bureau of Investigation", "org/fbi"),
    ("Q6834757", "person/michael-flynn"),
    ("person/james-comey", "person/james-comey"),
])
def test_tolerant_names_match(client, method, name, expected):
    best = first(reconcile(client, {"q0": {"query": name}}, method))
    assert (best["id"], best["match"]) == (expected, True)
    assert best["score"] >= 90 and best["name"] and best["type"]


@pytest.mark.parametrize("name", ["Trump", "Flynn", "Comey", "Kislyak", "Vladimir Poutine", "Sally Yeats"])
def test_ambiguous_or_partial_names_are_candidates_never_matches(client, name):
    results = reconcile(client, {"q0": {"query": name}})["q0"]["result"]
    assert results, name
    assert not any(candidate["match"] for candidate in results)


def test_exact_name_beside_a_namesake_matches(client):
    result = reconcile(client, {"q0": {"query": "Donald Trump"}, "q1": {"query": "Donald Trump Jr."}})
    assert (first(result)["id"], first(result)["match"]) == ("person/donald-trump", True)
    assert (first(result, "q1")["id"], first(result, "q1")["match"]) == ("person/donald-trump-jr", True)
    assert result["q0"]["result"][1]["id"] == "person/donald-trump-jr"


def test_scores_are_sorted_and_limit_is_kept(client):
    results = reconcile(client, {"q0": {"query": "Trump", "limit": 3}})["q0"]["result"]
    assert len(results) == 3
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    assert all(0 <= r["score"] <= 100 for r in results)


def test_type_filters(client):
    people = reconcile(client, {"q0": {"query": "Kislyak", "type": "Person"}})["q0"]["result"]
    assert people and all(any(t["id"] == "Person" for t in r["type"]) for r in people)
    orgs = reconcile(client, {"q0": {"query": "FBI", "type": ["Organization"]}})["q0"]["result"]
    assert first({"q0": {"result": orgs}})["id"] == "org/fbi"  # a GovernmentBody is an Organization
    strict = reconcile(client, {"q0": {"query": "FBI", "type": ["Person"], "type_strict": "all"}})["q0"]["result"]
    assert "org/fbi" not in {r["id"] for r in strict}
    should = reconcile(client, {"q0": {"query": "FBI", "type": "Person", "type_strict": "should"}})
    assert first(should)["id"] == "org/fbi" and not first(should)["match"]  # kept, lowered


def test_a_matching_qid_confirms_and_a_conflicting_one_refutes(client):
    result = reconcile(client, {
        "ok": {"query": "Michael Flynn", "properties": [{"pid": "qid", "v": "Q6834757"}]},
        "url": {"query": "Flynn", "properties": [{"pid": "qid", "v": "http://www.wikidata.org/entity/Q6834757"}]},
        "wrong": {"query": "Michael Flynn", "properties": [{"pid": "qid", "v": "Q76"}]},
        "only": {"properties": [{"pid": "qid", "v": "Q167607"}]},
    })
    assert (first(result, "ok")["id"], first(result, "ok")["match"], first(result, "ok")["score"]) == \
        ("person/michael-flynn", True, 100.0)
    assert first(result, "url")["id"] == "person/michael-flynn"
    assert first(result, "url")["score"] > reconcile(client, {"q0": {"query": "Flynn"}})["q0"]["result"][0]["score"]
    assert first(result, "wrong")["match"] is False and first(result, "wrong")["score"] < 90
    assert [r["id"] for r in result["only"]["result"]] == ["person/james-comey"]


def test_reconcile_a_person_with_an_organisation(client):
    result = reconcile(client, {
        "name": {"query": "Comey", "properties": [{"pid": "organization", "v": "FBI"}]},
        "id": {"query": "Comey", "properties": [{"pid": "organization", "v": {"id": "org/fbi"}}]},
        "none": {"query": "Comey"},
        "wrong": {"query": "James Comey", "properties": [{"pid": "organization", "v": "Reuters"}]},
    })
    assert first(result, "name")["id"] == first(result, "id")["id"] == "person/james-comey"
    assert first(result, "name")["score"] > next(r["score"] for r in result["none"]["result"]
                                                 if r["id"] == "person/james-comey")
    assert first(result, "wrong")["match"] is False


def test_position_property(client):
    result = reconcile(client, {"q0": {"query": "Sergey", "properties": [{"pid": "position", "v": "Foreign Minister"}]}})
    assert first(result)["id"] == "person/sergey-lavrov"


@pytest.mark.parametrize("body, words", [
    ("{not json", "not valid JSON"),
    ("[1, 2]", "a JSON object"),
    ('{"q0": "Flynn"}', "a query is a JSON object"),
    ('{"q0": {"query": 5}}', "queries[\"q0\"].query"),
    ('{"q0": {"query": ""}}', "non-empty query"),
    ('{"q0": {"query": "x", "limit": 0}}', "limit"),
    ('{"q0": {"query": "x", "limit": 1e999}}', "limit"),
    ('{"q0": {"query": "x", "limit": "10"}}', "limit"),
    ('{"q0": {"query": "x", "type_strict": "maybe"}}', "type_strict"),
    ('{"q0": {"query": "x", "type": 3}}', "type"),
    ('{"q0": {"query": "x", "properties": [{"pid": "P31", "v": "x"}]}}', "unknown property"),
    ('{"q0": {"query": "x", "properties": [{"pid": "qid"}]}}', "\"pid\" and \"v\""),
    ('{"q0": {"query": "x", "properties": [{"pid": "qid", "v": [null]}]}}', "properties[0].v"),
    ('{"q0": {"query": "x", "colour": "red"}}', "unknown field"),
    ("[" * 100_000, "JSON"),
])
def test_malformed_queries_get_400_with_a_message(client, body, words):
    for response in (client.post("/reconcile", data={"queries": body}),
                     client.get("/reconcile", query_string={"queries": body})):
        assert response.status_code == 400, response.data
        assert set(response.json) == {"error", "message", "status"} and response.json["status"] == 400
        assert words in response.json["message"]


def test_batch_size_is_bounded(client, built):
    limit = built.reconcile_max_queries
    big = {f"q{i}": {"query": "Flynn"} for i in range(limit + 1)}
    response = client.post("/reconcile", data={"queries": json.dumps(big)})
    assert response.status_code == 400 and f"at most {limit}" in response.json["message"]
    assert len(reconcile(client, {f"q{i}": {"query": "Flynn"} for i in range(limit)})) == limit


def test_a_huge_limit_is_cut(client, built):
    results = reconcile(client, {"q0": {"query": "Trump", "limit": 10**9}})["q0"]["result"]
    assert 0 < len(results) <= built.reconcile_max_limit


def test_sparql_looking_text_is_only_a_name(client):
    hostile = '"} } DROP ALL ; SELECT * WHERE { ?s ?p ?o '
    result = reconcile(client, {"q0": {"query": hostile}, "q1": {"query": "Flynn\u0000\n<script>"}})
    assert all(not r["match"] for key in result for r in result[key]["result"])


def test_suggest_entity(client):
    response = client.get("/reconcile/suggest/entity?prefix=kisl")
    assert response.status_code == 200
    assert_valid("suggest-entities-response", response.json)
    assert response.json["result"][0]["id"] == "person/sergey-kislyak"
    by_id = client.get("/reconcile/suggest/entity?prefix=person/sally-yates").json["result"]
    assert by_id[0]["id"] == "person/sally-yates"
    page2 = client.get("/reconcile/suggest/entity?prefix=trump&cursor=2").json["result"]
    page1 = client.get("/reconcile/suggest/entity?prefix=trump").json["result"]
    assert page2 and page2[0] == page1[2]
    typed = client.get("/reconcile/suggest/entity?prefix=f&type=GovernmentBody").json["result"]
    assert [r["id"] for r in typed] == ["org/fbi"]


def test_suggest_type_and_property(client):
    types = client.get("/reconcile/suggest/type?prefix=pers").json
    assert_valid("suggest-types-response", types)
    assert [t["id"] for t in types["result"]] == ["Person"]
    properties = client.get("/reconcile/suggest/property?prefix=claims").json
    assert_valid("suggest-properties-response", properties)
    assert "claims_alleged" in {p["id"] for p in properties["result"]}
    assert_valid("suggest-properties-response", client.get("/reconcile/suggest/property?prefix=").json)


@pytest.mark.parametrize("path", ["/reconcile/suggest/entity", "/reconcile/suggest/entity?prefix=x&cursor=-1",
                                  "/reconcile/suggest/type?prefix=x&cursor=abc", "/reconcile/properties",
                                  "/reconcile/properties?type=Person&limit=x", "/reconcile/preview"])
def test_bad_suggest_parameters_get_400(client, path):
    response = client.get(path)
    assert response.status_code == 400 and response.json["status"] == 400


def test_property_proposals(client):
    answer = client.get("/reconcile/properties?type=Person&limit=3").json
    assert_valid("data-extension-property-proposal", answer)
    assert answer["type"] == "Person" and len(answer["properties"]) == 3
    assert "events" in {p["id"] for p in client.get("/reconcile/properties?type=Person").json["properties"]}


def extend(client, ids, properties, method="post"):
    body = {"extend": json.dumps({"ids": ids, "properties": properties})}
    response = client.post("/reconcile", data=body) if method == "post" else client.get("/reconcile", query_string=body)
    assert response.status_code == 200, response.data
    assert_valid("data-extension-response", response.json)
    return response.json


@pytest.mark.parametrize("method", ["post", "get"])
def test_data_extension_gives_qid_type_events_and_claim_counts(client, method):
    answer = extend(client, ["person/michael-flynn", "person/james-dodson", "nobody/here"],
                    [{"id": "qid"}, {"id": "type"}, {"id": "events"}, {"id": "claims_reported"},
                     {"id": "claims_total"}, {"id": "status"}], method)
    assert [m["id"] for m in answer["meta"]] == ["qid", "type", "events", "claims_reported", "claims_total", "status"]
    flynn = answer["rows"]["person/michael-flynn"]
    assert flynn["qid"] == [{"str": "Q6834757"}] and flynn["type"] == [{"str": "Person"}]
    assert {"id": "event/2017-02-flynn-dismissal", "name": "Flynn dismissed"} in flynn["events"]
    assert flynn["claims_total"][0]["int"] >= flynn["claims_reported"][0]["int"] > 0
    assert answer["rows"]["person/james-dodson"]["qid"] == []  # unverified: stays unlinked
    assert all(values == [] for values in answer["rows"]["nobody/here"].values())


def test_data_extension_counts_allegations_as_allegations(client):
    answer = extend(client, ["event/2017-01-comey-trump-private-meal"],
                    [{"id": f"claims_{s}"} for s in ("alleged", "reported", "confirmed")] + [{"id": "status"}])
    row = answer["rows"]["event/2017-01-comey-trump-private-meal"]
    assert row["claims_alleged"][0]["int"] > 0 and row["claims_confirmed"] == [{"int": 0}]
    assert {"str": "alleged"} in row["status"]


def test_claims_on_the_events_of_a_person(client):
    answer = extend(client, ["person/michael-flynn"], [{"id": "event_claims_total"}, {"id": "event_claims_alleged"},
                                                       {"id": "claims_alleged"}])
    row = answer["rows"]["person/michael-flynn"]
    # "Flynn allegedly offers to testify in exchange for immunity": an allegation about one of his events
    assert row["event_claims_alleged"][0]["int"] > 0 and row["claims_alleged"] == [{"int": 0}]
    assert row["event_claims_total"][0]["int"] >= row["event_claims_alleged"][0]["int"]


def test_event_limit_setting(client):
    answer = extend(client, ["person/donald-trump"], [{"id": "events", "settings": {"limit": 2}}])
    assert len(answer["rows"]["person/donald-trump"]["events"]) == 2


@pytest.mark.parametrize("body, words", [
    ("nope", "not valid JSON"),
    ('{"ids": "person/x", "properties": [{"id": "qid"}]}', "extend.ids"),
    ('{"ids": [], "properties": []}', "extend.properties"),
    ('{"ids": ["x"], "properties": [{"id": "P31"}]}', "unknown property"),
    ('{"ids": ["x"], "properties": [{"id": "events", "settings": {"limit": "many"}}]}', "limit"),
    ('{"ids": ["x"], "properties": [{"id": "events", "settings": {"limit": 1e999}}]}', "limit"),
])
def test_malformed_extension_gets_400(client, body, words):
    response = client.post("/reconcile", data={"extend": body})
    assert response.status_code == 400 and words in response.json["message"]


def test_preview(client):
    response = client.get("/reconcile/preview?id=person/sergey-kislyak")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert "Sergey Kislyak" in page and "Q460281" in page and "reported" in page
    missing = client.get("/reconcile/preview?id=<script>alert(1)</script>")
    assert missing.status_code == 404 and missing.json["error"] == "not_found"
    assert "<script>" not in missing.get_data(as_text=True)


def test_preview_url_of_the_manifest_resolves(client, built):
    url = client.get("/reconcile").json["preview"]["url"].replace("{{id}}", "person%2Fjared-kushner")
    assert client.get(url.removeprefix(built.base.rstrip("/"))).status_code == 200


def test_over_real_http_as_openrefine_sends_it(live_server, built):
    """kg serve (gunicorn) on the built dataset: form POST of a batch, JSONP manifest, a 400 that
    leaves the server serving, and data extension."""
    import requests

    server = live_server(built.dataset_path, ready_path="/reconcile")
    url = server.url("/reconcile")
    batch = {"q0": {"query": "Flynn, Michael", "type": "Person", "type_strict": "should"},
             "q1": {"query": "Trump", "type": "Person", "type_strict": "should"}}
    answer = requests.post(url, data={"queries": json.dumps(batch)}, timeout=30)
    assert answer.status_code == 200 and answer.headers["Access-Control-Allow-Origin"] == "*"
    assert_valid("reconciliation-result-batch", answer.json())
    assert (first(answer.json())["id"], first(answer.json())["match"]) == ("person/michael-flynn", True)
    assert not any(c["match"] for c in answer.json()["q1"]["result"])
    jsonp = requests.get(url, params={"callback": "cb"}, timeout=30)
    assert jsonp.text.startswith("/**/cb(")
    broken = requests.post(url, data={"queries": '{"q0": {"query": '}, timeout=30)
    assert broken.status_code == 400 and broken.json()["error"] == "bad_request"
    extended = requests.post(url, data={"extend": json.dumps({"ids": ["person/michael-flynn"],
                                                              "properties": [{"id": "qid"}]})}, timeout=30)
    assert extended.json()["rows"]["person/michael-flynn"]["qid"] == [{"str": "Q6834757"}]


def _readme_block(after: str) -> list[dict]:
    import csv
    import io

    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    block = readme[readme.index(after):].split("```csv\n", 1)[1].split("```", 1)[0]
    return list(csv.DictReader(io.StringIO(block)))


def test_the_readme_worked_example_is_this_build_s_answer(client):
    names = [row["name"] for row in _readme_block("**Worked example**")]
    best = _readme_block("The best candidate of each row:")
    result = reconcile(client, {f"q{i}": {"query": n, "type": "Person", "type_strict": "should"}
                                for i, n in enumerate(names)})
    for i, row in enumerate(best):
        top = first(result, f"q{i}")
        assert (row["name"], row["id"], row["label"], float(row["score"]), row["match"]) == \
            (names[i], top["id"], top["name"], top["score"], str(top["match"]).lower())
    extended = _readme_block("gives, flattened as OpenRefine adds the columns")
    ids = [row["kg id"] for row in extended]
    columns = ["qid", "type", "events", "claims_total", "event_claims_reported", "event_claims_alleged",
               "event_claims_claimed", "event_claims_denied"]
    answer = extend(client, ids, [{"id": c} for c in columns])
    for row in extended:
        values = answer["rows"][row["kg id"]]
        cells = {c: "".join(str(v.get("str", v.get("int"))) for v in values[c]) for c in columns if c != "events"}
        cells["events"] = str(len(values["events"]))
        assert cells == {c: row[c] for c in columns}, row["kg id"]
