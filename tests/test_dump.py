"""kg dump and the download routes: round trips, determinism, VoID checksums, HTTP details."""

from __future__ import annotations

import gzip
import hashlib
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.config import DataFile, from_env
from kg.dump import FORMATS, SUMS_FILE, VOID_FILE, describe_export, write_dumps

FIXTURE = Path(__file__).parent / "data" / "dump" / "dataset.trig"
VERSION = "2026.11.25"
EXPORTS = [f"kg-{VERSION}.ftm.json", f"kg-{VERSION}.ftm.json.gz", f"kg-{VERSION}-datapackage.json",
           *(f"kg-{VERSION}-{table}.csv" for table in ("entities", "events", "participants", "relationships", "claims"))]
RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".trig": "trig", ".nq": "nquads", ".jsonld": "json-ld"}


def build_dir_with(tmp: Path, source: Path = FIXTURE, built_at: str = "2026-11-25T12:00:00Z") -> Path:
    """A build directory as `kg build` leaves it: dataset.nq and manifest.json."""
    build = tmp / "build"
    build.mkdir(parents=True, exist_ok=True)
    ox.serialize(ox.parse(path=str(source)), output=str(build / "dataset.nq"), format=ox.RdfFormat.N_QUADS)
    (build / "manifest.json").write_text(json.dumps({"version": VERSION, "built_at": built_at}))
    return build


@pytest.fixture(scope="module")
def dumped(tmp_path_factory):
    build = build_dir_with(tmp_path_factory.mktemp("dump"))
    config = from_env(environ={}, build_dir=build)
    return config, write_dumps(config)


class Quads(list):
    """The quads of the file the server loads, as parsed (not as pyoxigraph's Store returns them:
    the Store rewrites xsd:nonNegativeInteger literals to xsd:integer, which the dumps must not)."""

    def named_graphs(self):
        return sorted({q.graph_name for q in self if isinstance(q.graph_name, ox.NamedNode)}, key=str)

    def quads_for_pattern(self, s, p, o, graph):
        return [q for q in self if q.graph_name == graph]


def served_quads(config) -> Quads:
    return Quads(ox.parse(path=str(config.dataset_path), format=ox.RdfFormat.N_QUADS))


def parse_dump(path: Path):
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
        path = path.with_suffix("")
    fmt = RDFLIB_FORMATS[path.suffix]
    if path.suffix in (".trig", ".nq"):
        dataset = Dataset()
        dataset.parse(data=data, format=fmt)
        return dataset
    return Graph().parse(data=data, format=fmt)


def rdflib_graph(triples) -> Graph:
    graph = Graph()
    graph.parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return graph


def test_writes_every_format_plain_and_gzipped(dumped):
    config, paths = dumped
    names = {p.name for p in paths}
    for variant in ("", "-asserted"):
        for fmt in FORMATS:
            assert f"kg-{VERSION}{variant}{fmt.suffix}" in names
            assert f"kg-{VERSION}{variant}{fmt.suffix}.gz" in names
    assert {SUMS_FILE, VOID_FILE} <= names
    assert not list(paths[0].parent.glob(".*.tmp")), "no temporary file left behind"


@pytest.mark.parametrize("suffix", [f.suffix for f in FORMATS])
@pytest.mark.parametrize("gz", [False, True])
def test_round_trip_with_inferences_is_isomorphic_to_served_graph(dumped, suffix, gz):
    config, _ = dumped
    store = served_quads(config)
    path = config.build_dir / "downloads" / f"kg-{VERSION}{suffix}{'.gz' if gz else ''}"
    parsed = parse_dump(path)
    if suffix in (".trig", ".nq"):
        for graph_name in store.named_graphs():
            expected = rdflib_graph(q.triple for q in store.quads_for_pattern(None, None, None, graph_name))
            assert isomorphic(parsed.graph(graph_name.value), expected), graph_name
    else:
        union = {q.triple for q in store}
        assert isomorphic(parsed, rdflib_graph(union))


@pytest.mark.parametrize("suffix", [".ttl", ".nq"])
def test_asserted_variant_leaves_out_only_the_inferred_graph(dumped, suffix):
    config, _ = dumped
    store = served_quads(config)
    inferred = config.graph("inferred")
    expected = rdflib_graph({q.triple for q in store if q.graph_name.value != inferred})
    parsed = parse_dump(config.build_dir / "downloads" / f"kg-{VERSION}-asserted{suffix}")
    merged = Graph()
    for triple in parsed.triples((None, None, None)) if suffix == ".ttl" else parsed.quads((None, None, None, None)):
        merged.add(triple[:3])
    assert isomorphic(merged, expected)


def test_same_input_gives_byte_identical_dumps_even_with_other_blank_node_labels(tmp_path, dumped):
    config, _ = dumped
    # Same graph, blank nodes renamed and lines shuffled: what another run of a writer could produce.
    lines = config.dataset_path.read_text(encoding="utf-8").splitlines()
    shuffled = sorted(line.replace("_:", "_:other") for line in lines)
    other_source = tmp_path / "other.nq"
    other_source.write_text("\n".join(reversed(shuffled)) + "\n", encoding="utf-8")
    build = build_dir_with(tmp_path, other_source)
    write_dumps(from_env(environ={}, build_dir=build))
    for fmt in FORMATS:
        for gz in ("", ".gz"):
            name = f"kg-{VERSION}{fmt.suffix}{gz}"
            assert (build / "downloads" / name).read_bytes() == (config.build_dir / "downloads" / name).read_bytes(), name
    assert (build / "downloads" / VOID_FILE).read_bytes() == (config.build_dir / "downloads" / VOID_FILE).read_bytes()
    for name in EXPORTS:  # the FollowTheMoney and CSV exports too
        assert (build / "downloads" / name).read_bytes() == (config.build_dir / "downloads" / name).read_bytes(), name


def test_exports_are_written_and_described_as_distributions_with_checksums(dumped):
    config, paths = dumped
    assert set(EXPORTS) <= {p.name for p in paths}
    void = Graph().parse(config.build_dir / "downloads" / VOID_FILE, format="turtle")
    rows = {str(f).rsplit("/", 1)[-1]: (str(t), str(s), int(n)) for f, t, s, n in void.query("""
        PREFIX spdx: <http://spdx.org/rdf/terms#> PREFIX dcat: <http://www.w3.org/ns/dcat#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?file ?type ?sum ?size WHERE { ?d dcat:distribution ?file . ?file dct:format ?type ;
            dcat:byteSize ?size ; spdx:checksum [ spdx:checksumValue ?sum ] }""")}
    sums = dict(reversed(line.split("  ")) for line in
                (config.build_dir / "downloads" / SUMS_FILE).read_text().splitlines())
    for name in EXPORTS:
        data = (config.build_dir / "downloads" / name).read_bytes()
        assert rows[name] == (describe_export(name)[1], hashlib.sha256(data).hexdigest(), len(data)), name
        assert sums[name] == hashlib.sha256(data).hexdigest()
    assert gzip.decompress((config.build_dir / "downloads" / EXPORTS[1]).read_bytes()) == \
        (config.build_dir / "downloads" / EXPORTS[0]).read_bytes()


def test_download_page_lists_the_exports(client):
    page = client.get("/download").get_data(as_text=True)
    assert "FollowTheMoney entities" in page and "CSV table: relationships" in page
    response = client.get(f"/download/kg-{VERSION}-entities.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"


def test_turtle_dump_has_sorted_stable_prefixes(dumped):
    config, _ = dumped
    text = (config.build_dir / "downloads" / f"kg-{VERSION}.ttl").read_text(encoding="utf-8")
    prefix_lines = [line for line in text.splitlines() if line.startswith("@prefix")]
    assert prefix_lines == sorted(prefix_lines) and len(prefix_lines) > 10
    assert "person:michael-flynn a kg:Person ;" in text


def test_void_checksums_and_sizes_match_the_files(dumped):
    config, paths = dumped
    void = Graph().parse(config.build_dir / "downloads" / VOID_FILE, format="turtle")
    rows = list(void.query("""
        PREFIX void: <http://rdfs.org/ns/void#> PREFIX spdx: <http://spdx.org/rdf/terms#>
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?file ?sum ?size WHERE { ?d void:dataDump ?file . ?file dcat:byteSize ?size ;
            spdx:checksum [ spdx:algorithm spdx:checksumAlgorithm_sha256 ; spdx:checksumValue ?sum ] }"""))
    dumps = [p for p in paths if p.name.startswith("kg-") and describe_export(p.name) is None]
    assert len(rows) == len(dumps) == 20
    for file_iri, checksum, size in rows:
        path = config.build_dir / "downloads" / str(file_iri).rsplit("/", 1)[-1]
        data = path.read_bytes()
        assert hashlib.sha256(data).hexdigest() == str(checksum)
        assert len(data) == int(size)
    sums = (config.build_dir / "downloads" / SUMS_FILE).read_text().splitlines()
    assert len(sums) == 20 + len(EXPORTS)
    for line in sums:
        digest, name = line.split("  ")
        assert hashlib.sha256((config.build_dir / "downloads" / name).read_bytes()).hexdigest() == digest


def test_void_counts_classes_graphs_and_the_wikidata_linkset(dumped):
    config, _ = dumped
    void = Graph().parse(config.build_dir / "downloads" / VOID_FILE, format="turtle")

    def value(query):
        return [row[0].toPython() for row in void.query("PREFIX void: <http://rdfs.org/ns/void#> "
                                                         "PREFIX kg: <http://127.0.0.1:8000/ontology#> " + query)]

    store = served_quads(config)
    assert value("SELECT ?n WHERE { ?d a void:Dataset ; void:triples ?n ; void:classPartition ?c }")[0] == \
        len({q.triple for q in store})
    assert value("SELECT ?n WHERE { ?d void:classPartition [ void:class kg:Person ; void:entities ?n ] }") == [2]
    assert sorted(value("SELECT ?n WHERE { ?l a void:Linkset ; void:triples ?n }")) == [0, 2]  # close, exact
    assert sorted(value("SELECT ?n WHERE { ?d void:subset [ void:triples ?n ; "
                        "<http://www.w3.org/ns/sparql-service-description#name> ?g ] }")) == [5, 30, 36]
    assert value("SELECT ?l WHERE { ?d a void:Dataset ; <http://purl.org/dc/terms/license> ?l }") == [config.licence]
    assert value("SELECT ?c WHERE { ?d <http://purl.org/dc/terms/created> ?c }")[0].year == 2026


def test_kg_dump_command(tmp_path):
    from kg.cli import main

    build = build_dir_with(tmp_path)
    assert main(["--build-dir", str(build), "dump"]) == 0
    assert (build / "downloads" / f"kg-{VERSION}.ttl").is_file()


def test_kg_dump_output_writes_the_release_files_to_a_chosen_folder_byte_identically(tmp_path, capsys):
    """Issue 10: `kg dump --output DIR` for publishing elsewhere, the same bytes every run."""
    from kg.cli import main

    build = build_dir_with(tmp_path)
    assert main(["--build-dir", str(build), "dump"]) == 0
    first, second = tmp_path / "publish" / "one", tmp_path / "publish-two"
    (tmp_path / "publish").mkdir()
    (tmp_path / "publish" / "kg-mine.txt").write_text("a file of the user's")
    assert main(["--build-dir", str(build), "dump", "--output", str(first)]) == 0
    assert main(["--build-dir", str(build), "dump", "--output", str(second)]) == 0
    names = sorted(p.name for p in (build / "downloads").iterdir())
    assert names == sorted(p.name for p in first.iterdir()) == sorted(p.name for p in second.iterdir())
    for name in names:
        assert (first / name).read_bytes() == (second / name).read_bytes() == (build / "downloads" / name).read_bytes()
    assert main(["--build-dir", str(build), "dump", "--output", str(tmp_path / "publish")]) == 0
    assert (tmp_path / "publish" / "kg-mine.txt").read_text() == "a file of the user's"  # never pruned
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    capsys.readouterr()
    assert main(["--build-dir", str(build), "dump", "--output", str(a_file)]) == 2
    assert "is a file, not a folder" in capsys.readouterr().err


def test_kg_dump_without_a_build_says_so(tmp_path, capsys):
    from kg.cli import main

    assert main(["--build-dir", str(tmp_path), "dump"]) == 2
    assert "kg build" in capsys.readouterr().err


# --------------------------------------------------------------------------- HTTP


@pytest.fixture(scope="module")
def client(dumped):
    from kg.web import create_app

    config, _ = dumped
    app = create_app(config.replace(data_files=(DataFile(config.dataset_path),)))
    return app.test_client()


def test_download_page_lists_every_file_with_its_checksum(client, dumped):
    config, paths = dumped
    page = client.get("/download").get_data(as_text=True)
    for path in paths:
        if path.name.startswith("kg-"):
            assert f'href="/download/{path.name}"' in page
            assert hashlib.sha256(path.read_bytes()).hexdigest() in page
    assert "/.well-known/void" in page


def test_download_serves_length_etag_and_ranges(client, dumped):
    config, _ = dumped
    name = f"kg-{VERSION}.ttl"
    data = (config.build_dir / "downloads" / name).read_bytes()
    response = client.get(f"/download/{name}")
    assert response.status_code == 200
    assert response.data == data
    assert response.headers["Content-Length"] == str(len(data))
    assert response.headers["Content-Type"].startswith("text/turtle")
    assert response.headers["ETag"] == f'"{hashlib.sha256(data).hexdigest()}"'
    assert response.headers["Accept-Ranges"] == "bytes"
    assert "Last-Modified" in response.headers
    partial = client.get(f"/download/{name}", headers={"Range": "bytes=10-19"})
    assert partial.status_code == 206
    assert partial.data == data[10:20]
    assert partial.headers["Content-Range"] == f"bytes 10-19/{len(data)}"
    again = client.get(f"/download/{name}", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_gzipped_download_is_served_as_gzip_not_as_an_encoding(client, dumped):
    response = client.get(f"/download/kg-{VERSION}.nq.gz")
    assert response.headers["Content-Type"] == "application/gzip"
    assert "Content-Encoding" not in response.headers
    assert gzip.decompress(response.data).startswith(b"<")


def test_unknown_download_is_a_json_404(client):
    for name in ("nothing.ttl", "..%2Fdataset.nq", "dataset.nq"):
        response = client.get(f"/download/{name}")
        assert response.status_code == 404
        assert response.get_json()["error"] == "not_found"


def test_void_is_served_with_conneg_and_etag(client, dumped):
    config, _ = dumped
    turtle = client.get("/.well-known/void")
    assert turtle.status_code == 200
    assert turtle.headers["Content-Type"].startswith("text/turtle")
    assert turtle.data == (config.build_dir / "downloads" / VOID_FILE).read_bytes()
    as_jsonld = client.get("/.well-known/void", headers={"Accept": "application/ld+json"})
    assert as_jsonld.headers["Content-Type"].startswith("application/ld+json")
    assert isomorphic(Graph().parse(data=as_jsonld.data, format="json-ld"),
                      Graph().parse(data=turtle.data, format="turtle"))
    assert client.get("/.well-known/void", headers={"If-None-Match": turtle.headers["ETag"]}).status_code == 304
    assert client.get("/.well-known/void", headers={"Accept": "image/png"}).status_code == 406


def test_download_page_without_dumps_says_how_to_make_them(tmp_path):
    from kg.web import create_app

    config = from_env(environ={}, build_dir=tmp_path, data_files=(DataFile(FIXTURE),))
    client = create_app(config).test_client()
    assert "kg build" in client.get("/download").get_data(as_text=True)
    assert client.get("/.well-known/void").status_code == 404


def test_ontology_and_dataset_carry_the_same_release_version():
    from rdflib import OWL, URIRef

    config = from_env(environ={})
    ontology = Graph().parse(config.ontology_dir / "kg.ttl", format="turtle")
    assert str(ontology.value(URIRef(config.base + "ontology"), OWL.versionInfo)) == config.version


@pytest.mark.parametrize("name, media_type", [
    (f"kg-{VERSION}.ttl", "text/turtle"), (f"kg-{VERSION}.nt", "application/n-triples"), ("SHA256SUMS", "text/plain"),
])
def test_download_content_type_names_its_charset_once(client, name, media_type):
    for headers in ({}, {"Range": "bytes=0-9"}):
        response = client.get(f"/download/{name}", headers=headers)
        assert response.status_code in (200, 206)
        assert response.headers["Content-Type"] == f"{media_type}; charset=utf-8"


def test_unsatisfiable_range_is_a_416_that_gives_the_size(client, dumped):
    config, _ = dumped
    name = f"kg-{VERSION}.ttl"
    size = len((config.build_dir / "downloads" / name).read_bytes())
    for bad in (f"bytes={size + 10}-", "bytes=50-10"):
        response = client.get(f"/download/{name}", headers={"Range": bad})
        assert response.status_code == 416
        assert response.headers["Content-Range"] == f"bytes */{size}"  # RFC 9110 15.5.17
        assert response.get_json()["status"] == 416


def test_several_ranges_get_the_whole_file_not_a_416(client, dumped):
    config, _ = dumped
    name = f"kg-{VERSION}.ttl"
    data = (config.build_dir / "downloads" / name).read_bytes()
    response = client.get(f"/download/{name}", headers={"Range": "bytes=0-9,20-29"})
    assert response.status_code == 200  # satisfiable ranges: ignoring the header is allowed, 416 is not
    assert response.data == data


def test_a_dump_that_fails_while_serializing_leaves_the_previous_downloads(tmp_path, monkeypatch):
    import kg.dump

    build = build_dir_with(tmp_path)
    config = from_env(environ={}, build_dir=build)
    write_dumps(config)
    before = {p.name: p.read_bytes() for p in (build / "downloads").iterdir()}

    def broken_void(*args, **kwargs):
        raise RuntimeError("disk full while describing the dataset")

    monkeypatch.setattr(kg.dump, "void_turtle", broken_void)
    (build / "manifest.json").write_text(json.dumps({"version": "2099.01.01", "built_at": "2099-01-01T00:00:00Z"}))
    with pytest.raises(RuntimeError):
        write_dumps(config)
    assert {p.name: p.read_bytes() for p in (build / "downloads").iterdir()} == before
