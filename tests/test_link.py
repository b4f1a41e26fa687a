"""Wikidata links: the reviewed mapping, the report, and proposals from a fake wbsearchentities."""

from __future__ import annotations

import json
import re
import shutil
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pyoxigraph as ox
import pytest
from rdflib import URIRef

from kg.config import PROJECT_ROOT, from_env
from kg.errors import KgError
from kg.link import mapping_graph, read_mappings, report
from kg.proposals import WikidataSearch, propose

DATA = Path(__file__).parent / "data"
RECORDED = DATA / "link"
HEADER = """# curie_map:
#   skos: http://www.w3.org/2004/02/skos/core#
#   wd: http://www.wikidata.org/entity/
#   semapv: https://w3id.org/semapv/vocab/
# mapping_set_id: https://example.org/kg/wikidata.sssom.tsv
# license: https://creativecommons.org/licenses/by/4.0/
subject_id\tsubject_label\tpredicate_id\tobject_id\tobject_label\tmapping_justification\tauthor_label\tconfidence\tmapping_date\tcomment
"""
FLYNN_ROW = ("person/michael-flynn\tMichael Flynn\tskos:exactMatch\twd:Q6834757\tMichael Flynn\t"
             "semapv:ManualMappingCuration\tData curator\t1.0\t2026-11-25\t")
KISLYAK_ROW = ("person/sergey-kislyak\tSergey Kislyak\tskos:exactMatch\twd:Q460281\tSergey Kislyak\t"
               "semapv:ManualMappingCuration\tData curator\t0.95\t2026-11-25\tchecked the description")
EXTRA = """
<http://127.0.0.1:8000/org/wbur> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://127.0.0.1:8000/ontology#NewsOrganization> <http://127.0.0.1:8000/graph/asserted> .
<http://127.0.0.1:8000/org/wbur> <http://www.w3.org/2000/01/rdf-schema#label> "WBUR"@en <http://127.0.0.1:8000/graph/asserted> .
"""


def project(tmp: Path, rows: list[str]):
    """A project folder with the reference list, a mapping table and a built dataset."""
    mappings = tmp / "data" / "mappings"
    shutil.copytree(PROJECT_ROOT / "data" / "mappings" / "reference", mappings / "reference")
    (mappings / "wikidata.sssom.tsv").write_text(HEADER + "".join(row + "\n" for row in rows), encoding="utf-8")
    build = tmp / "build"
    build.mkdir()
    quads = list(ox.parse(path=str(DATA / "dump" / "dataset.trig")))
    quads += list(ox.parse(EXTRA, format=ox.RdfFormat.N_QUADS))
    # The fixture's links come from its own mapping here: drop them so the table decides.
    quads = [q for q in quads if "exactMatch" not in q.predicate.value and "sameAs" not in q.predicate.value]
    ox.serialize(quads, output=str(build / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    return from_env(environ={}).replace(root=tmp, build_dir=build)


# --------------------------------------------------------------------------- the mapping


def test_mapping_becomes_exact_match_and_same_as(tmp_path):
    config = project(tmp_path, [FLYNN_ROW, KISLYAK_ROW])
    graph = mapping_graph(config)
    flynn = URIRef("http://127.0.0.1:8000/person/michael-flynn")
    q = URIRef("http://www.wikidata.org/entity/Q6834757")
    assert (flynn, URIRef("http://www.w3.org/2004/02/skos/core#exactMatch"), q) in graph
    assert (flynn, URIRef("http://schema.org/sameAs"), q) in graph
    assert len(graph) == 4


def test_mapping_follows_the_configured_base(tmp_path):
    config = project(tmp_path, [FLYNN_ROW]).replace(base="https://kg.example.org/")
    assert {str(s) for s in mapping_graph(config).subjects()} == {"https://kg.example.org/person/michael-flynn"}


@pytest.mark.parametrize("row, message", [
    (FLYNN_ROW.replace("Q6834757", "Q21158036"), "not in the verified reference"),  # Sally Yates' wrong QID
    (FLYNN_ROW.replace("wd:Q6834757\tMichael Flynn", "wd:Q6834757\tMike Flynn"), "does not match the verified label"),
    (FLYNN_ROW.replace("skos:exactMatch", "owl:sameAs"), "predicate_id"),
    (FLYNN_ROW.replace("wd:Q6834757", "wd:P39"), "not a Wikidata item"),
    (FLYNN_ROW.replace("Data curator", ""), "author_label"),
    (FLYNN_ROW.replace("\t1.0\t", "\t1.5\t"), "between 0 and 1"),
    (FLYNN_ROW.replace("2026-11-25", "yesterday"), "mapping_date"),
    ("org/wbur\tWBUR-FM\tskos:exactMatch\twd:Q130879\tReuters\tsemapv:ManualMappingCuration\tx\t1\t2026-11-25\t",
     "NOT verified"),
    (FLYNN_ROW.rsplit("\t", 2)[0], "columns"),
])
def test_bad_rows_stop_with_file_and_line(tmp_path, row, message):
    config = project(tmp_path, [KISLYAK_ROW, row])
    with pytest.raises(KgError) as caught:
        mapping_graph(config)
    assert message in str(caught.value)
    assert str(caught.value).startswith("data/mappings/wikidata.sssom.tsv:9: ")  # 7 header lines, then row 2


def test_a_second_exact_match_for_one_entity_is_refused(tmp_path):
    config = project(tmp_path, [FLYNN_ROW, FLYNN_ROW.replace("Q6834757\tMichael Flynn", "Q76\tBarack Obama")])
    with pytest.raises(KgError, match="second exact match"):
        mapping_graph(config)


def test_unknown_subject_is_refused_when_the_build_gives_its_ids(tmp_path):
    config = project(tmp_path, [FLYNN_ROW])
    with pytest.raises(KgError, match="not an entity of the graph"):
        mapping_graph(config, known_ids={"person/sergey-kislyak"})


def test_the_projects_own_mapping_is_valid():
    config = from_env(environ={})
    if not (config.data_dir / "mappings" / "wikidata.sssom.tsv").exists():
        pytest.skip("the curator's mapping table is not written yet")
    mappings = read_mappings(config)
    reference = (config.data_dir / "mappings" / "reference" / "wikidata-ids.tsv").read_text()
    assert all(f"{m.qid}\t" in reference for m in mappings)


def test_reference_copy_matches_the_shared_list():
    shared = Path("/work/shared/reference/wikidata-ids.tsv")
    if not shared.exists():
        pytest.skip("no shared reference on this machine")
    assert (PROJECT_ROOT / "data/mappings/reference/wikidata-ids.tsv").read_text() == shared.read_text()


# --------------------------------------------------------------------------- the report


def test_report_lists_linked_and_unlinked_entities(tmp_path):
    config = project(tmp_path, [FLYNN_ROW])
    text = report(config)
    assert text.startswith("# 1 of 4 entities have a verified Wikidata link (1 skos:exactMatch, 0 skos:closeMatch)")
    lines = {line.split("\t")[0]: line for line in text.splitlines()[3:]}
    assert "wd:Q6834757" in lines["person/michael-flynn"]
    assert "\t-\tno verified link" in lines["person/sergey-kislyak"]
    assert "\t-\tno verified link" in lines["org/reuters"]
    assert "NOT verified" in lines["org/wbur"]


def test_kg_link_report_command(tmp_path, capsys, monkeypatch):
    from kg import cli

    config = project(tmp_path, [FLYNN_ROW])
    monkeypatch.setattr(cli, "from_env", lambda **kw: config)
    assert cli.main(["link", "--report"]) == 0
    assert "person/michael-flynn\tMichael Flynn" in capsys.readouterr().out


# --------------------------------------------------------------------------- proposals, against a fake API


class FakeWikidata(BaseHTTPRequestHandler):
    """Serves tests/data/link/<search>.json; answers 429 first for searches in `throttle`."""

    requests: list = []
    throttle: set = set()

    def do_GET(self):
        params = parse_qs(urlparse(self.path).query)
        search = params["search"][0]
        FakeWikidata.requests.append({"params": params, "user_agent": self.headers.get("User-Agent")})
        if search in FakeWikidata.throttle:
            FakeWikidata.throttle.discard(search)
            self.send_response(429)
            self.send_header("Retry-After", "7")
            self.end_headers()
            return
        path = RECORDED / (re.sub(r"[^a-z0-9]+", "-", search.lower()).strip("-") + ".json")
        body = path.read_bytes() if path.exists() else json.dumps({"searchinfo": {"search": search},
                                                                  "search": [], "success": 1}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):  # keep test output quiet
        pass


@pytest.fixture
def fake_api():
    FakeWikidata.requests = []
    FakeWikidata.throttle = set()
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeWikidata)
    # A short poll interval: shutdown() waits for the loop to look (0.5 s by default, per test).
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/w/api.php"
    server.shutdown()
    server.server_close()


def read_candidates(path: Path) -> list[dict]:
    lines = [line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("#")]
    header = lines[0].split("\t")
    return [dict(zip(header, line.split("\t"))) for line in lines[1:]]


def test_propose_writes_scored_candidates_for_review_and_never_the_mapping(tmp_path, fake_api):
    config = project(tmp_path, [FLYNN_ROW, KISLYAK_ROW])
    mapping_before = (config.data_dir / "mappings" / "wikidata.sssom.tsv").read_bytes()
    out = tmp_path / "build" / "link-candidates.tsv"
    count = propose(config, WikidataSearch(fake_api, tmp_path / "cache"), out)
    assert count == 4
    rows = read_candidates(out)
    reuters = [r for r in rows if r["subject_id"] == "org/reuters"]
    assert [r["object_id"] for r in reuters][0] == "wd:Q130879"  # best score first
    assert reuters[0]["object_description"] == "news agency" and reuters[0]["in_verified_reference"] == "yes"
    assert float(reuters[0]["score"]) > float(reuters[1]["score"])
    assert reuters[1]["in_verified_reference"] == "no" and "verify by hand" in reuters[1]["review"]
    wbur = [r for r in rows if r["subject_id"] == "org/wbur"]
    assert "NOT verified" in wbur[0]["review"]
    searched = sorted(r["params"]["search"][0] for r in FakeWikidata.requests)
    assert searched == ["Reuters", "WBUR"]  # linked entities are not searched
    assert all(r["params"]["action"] == ["wbsearchentities"] for r in FakeWikidata.requests)
    assert all(r["user_agent"].startswith("kg-link/") for r in FakeWikidata.requests)
    assert (config.data_dir / "mappings" / "wikidata.sssom.tsv").read_bytes() == mapping_before
    assert len(mapping_graph(config)) == 4  # still only the reviewed links


def test_answers_are_cached(tmp_path, fake_api):
    config = project(tmp_path, [FLYNN_ROW, KISLYAK_ROW])
    client = WikidataSearch(fake_api, tmp_path / "cache")
    propose(config, client, tmp_path / "a.tsv")
    asked = len(FakeWikidata.requests)
    propose(config, client, tmp_path / "b.tsv")
    assert len(FakeWikidata.requests) == asked
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()


def test_429_is_retried_after_the_time_the_server_asks(tmp_path, fake_api):
    config = project(tmp_path, [FLYNN_ROW, KISLYAK_ROW])
    FakeWikidata.throttle = {"Reuters"}
    waits = []
    client = WikidataSearch(fake_api, None, sleep=waits.append)
    propose(config, client, tmp_path / "c.tsv")
    assert waits == [7.0]
    assert [r["params"]["search"][0] for r in FakeWikidata.requests].count("Reuters") == 2


def test_gives_up_after_the_retries_with_a_clear_error(tmp_path):
    client = WikidataSearch("http://127.0.0.1:9/w/api.php", None, retries=2, timeout=1, sleep=lambda s: None)
    with pytest.raises(KgError, match="cannot reach Wikidata"):
        client.search("Reuters")


def test_kg_link_propose_command(tmp_path, fake_api, capsys, monkeypatch):
    from kg import cli

    config = project(tmp_path, [FLYNN_ROW, KISLYAK_ROW])
    monkeypatch.setattr(cli, "from_env", lambda **kw: config)
    assert cli.main(["link", "--propose", "--api", fake_api, "--cache", str(tmp_path / "cache")]) == 0
    assert "nothing was linked" in capsys.readouterr().out
    assert (config.build_dir / "link-candidates.tsv").is_file()


# --------------------------------------------------------------------------- federation examples


FEDERATION = sorted((PROJECT_ROOT / "queries").glob("federation-*.rq"))


def test_there_are_federation_examples():
    assert len(FEDERATION) >= 3


@pytest.mark.parametrize("path", FEDERATION, ids=lambda p: p.stem)
def test_federation_example_parses_and_joins_on_verified_qids(path):
    """Parsed only (never run: that would need the internet); joined on our reviewed links."""
    from rdflib.plugins.sparql import prepareQuery

    from kg.query import read_query

    query = read_query(path)
    for key in ("title", "description", "parameters", "expected"):
        assert query.header.get(key), f"{path.name}: no '# {key}:' line"
    prepareQuery(query.text)  # raises on a syntax error
    assert "SERVICE <https://query.wikidata.org/sparql>" in query.text
    assert "skos:exactMatch ?item" in query.text  # the join: our entity -> its reviewed QID
    properties = (PROJECT_ROOT / "data/mappings/reference/wikidata-properties.tsv").read_text()
    for pid in set(re.findall(r"\b(?:wdt|p|ps|pq):(P\d+)\b", query.text)):
        assert f"\n{pid}\t" in properties, f"{path.name}: {pid} is not in the reference property list"
    reference = (PROJECT_ROOT / "data/mappings/reference/wikidata-ids.tsv").read_text()
    mapping = PROJECT_ROOT / "data/mappings/wikidata.sssom.tsv"
    mentioned = set(re.findall(r"\b(Q\d+)\b", query.text))
    for qid in mentioned:
        assert f"\n{qid}\t" in reference, f"{path.name}: {qid} is not a verified QID"
    if mapping.exists():  # the example's person is one the mapping links, so the example can answer
        assert any(f"wd:{qid}\t" in mapping.read_text() for qid in mentioned), path.name


def test_our_endpoint_keeps_federation_off_by_default():
    assert from_env(environ={}).federation_allowlist == ()


@pytest.mark.parametrize("argv, message", [
    (["--limit", "0"], "--limit 0"),
    (["--limit", "-3"], "--limit -3"),
    (["--out", "{tmp}"], "--out is a directory"),
    (["--cache", "{tmp}/a-file"], "--cache is a file"),
])
def test_kg_link_propose_refuses_bad_options_before_asking(tmp_path, fake_api, capsys, monkeypatch, argv, message):
    from kg import cli

    config = project(tmp_path, [FLYNN_ROW, KISLYAK_ROW])
    (tmp_path / "a-file").write_text("x")
    monkeypatch.setattr(cli, "from_env", lambda **kw: config)
    argv = [a.format(tmp=tmp_path) for a in argv]
    assert cli.main(["link", "--propose", "--api", fake_api, "--cache", str(tmp_path / "cache"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert FakeWikidata.requests == []
    assert not (config.build_dir / "link-candidates.tsv").exists()


def test_a_damaged_cache_entry_is_asked_again_and_a_non_json_answer_is_a_clear_error(tmp_path, fake_api):
    config = project(tmp_path, [FLYNN_ROW, KISLYAK_ROW])
    client = WikidataSearch(fake_api, tmp_path / "cache")
    propose(config, client, tmp_path / "a.tsv")
    for entry in (tmp_path / "cache").iterdir():
        entry.write_bytes(entry.read_bytes()[:5])  # as a run killed mid-write would leave it
    asked = len(FakeWikidata.requests)
    propose(config, client, tmp_path / "b.tsv")
    assert len(FakeWikidata.requests) == 2 * asked
    assert (tmp_path / "a.tsv").read_bytes() == (tmp_path / "b.tsv").read_bytes()
    not_api = WikidataSearch(fake_api.replace("/w/api.php", "/"), None)
    not_api._fetch = lambda url: b"<html>not an API</html>"
    with pytest.raises(KgError, match="not JSON"):
        not_api.search("Reuters")
