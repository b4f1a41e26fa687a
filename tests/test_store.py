"""The build's on-disk query store: written by `kg build`, checked against the manifest, opened
read-only by `kg serve`, and never scanned whole to render a page or a 404."""

import json

import pyoxigraph as ox
import pytest

from kg.config import DataFile
from kg.errors import KgError
from kg.web import create_app
from kg.web.dataset import load_dataset
from kg.web.state import state_of


def test_build_writes_a_store_holding_exactly_the_manifests_quads(built, built_store):
    config = built
    manifest = json.loads((config.build_dir / "manifest.json").read_text())
    assert manifest["store"] == {"path": "store", "quads": sum(manifest["triples"].values())}
    store = ox.Store.read_only(str(config.store_path))
    assert len(store) == manifest["store"]["quads"]
    # The same quads as dataset.nq (the store relabels blank nodes: the ontology's lists)
    def ground(quads):
        return {q for q in quads if not isinstance(q.subject, ox.BlankNode) and not isinstance(q.object, ox.BlankNode)}
    assert ground(store) == ground(built_store) and len(ground(store)) > 1000


def test_serve_opens_the_built_store_read_only_in_each_process(built):
    config = built
    dataset = load_dataset(config)
    assert dataset.opener is not None and dataset.preloaded is None
    store = dataset.store
    assert store is dataset.store  # once per process
    assert len(list(store.query("SELECT * WHERE { GRAPH ?g { ?s a ?c } } LIMIT 3"))) == 3
    with pytest.raises(RuntimeError, match="read-write"):
        store.update("INSERT DATA { <http://x/a> <http://x/b> <http://x/c> }")
    dataset._pid = -1  # as in a forked worker: it opens its own handle
    assert dataset.store is not store


def test_serve_data_files_still_loads_them_in_memory(built, built_store):
    config = built.replace(data_files=(DataFile(built.dataset_path),))
    dataset = load_dataset(config)
    assert dataset.opener is None and len(dataset.store) == len(built_store)


def test_a_build_dir_without_its_manifest_is_a_clear_error(built, tmp_path):
    config = built
    build_dir = tmp_path / "build"
    (build_dir / "store").mkdir(parents=True)
    (build_dir / "store" / "CURRENT").write_text("x")
    with pytest.raises(KgError, match="manifest"):
        load_dataset(config.replace(build_dir=build_dir))


def test_a_store_that_does_not_match_the_manifest_is_not_published(built, tmp_path, monkeypatch):
    from kg import build

    monkeypatch.setattr(build, "write_store", lambda path, dataset: 12)
    config = built.replace(build_dir=tmp_path / "build")
    with pytest.raises(KgError, match="the store holds 12 quads"):
        build.build(config)
    assert not (tmp_path / "build").exists()


class NoScans:
    """A store that refuses a scan of everything (a pattern with nothing bound)."""

    def __init__(self, store):
        self._store = store

    def quads_for_pattern(self, s, p, o, g=None):
        if s is None and p is None and o is None and g is None:
            raise AssertionError("a whole-store scan")
        return self._store.quads_for_pattern(s, p, o, g)

    def __iter__(self):
        raise AssertionError("a whole-store scan")

    def __len__(self):
        raise AssertionError("len() counts the whole store")

    def query(self, text, **options):
        if "COUNT(" in text.upper():
            raise AssertionError("a count over the store")
        return self._store.query(text, **options)

    def __getattr__(self, name):
        return getattr(self._store, name)


@pytest.fixture()
def no_scan_client(built, monkeypatch):
    app = create_app(built)
    dataset = state_of(app).dataset
    guarded = NoScans(dataset.store)
    monkeypatch.setattr(type(dataset), "store", property(lambda self: guarded))
    return app.test_client()


@pytest.mark.parametrize("path, status", [
    ("/person/michael-flyn", 404),  # the HTML 404 with suggestions
    ("/person/nobody", 404),
    ("/person/michael-flynn.html", 200),
    ("/ontology.html", 200),
    ("/status.html", 200),
    ("/status/alleged.html", 200),
    ("/person/.html", 404),
    ("/", 200),
])
def test_pages_and_404s_never_scan_the_whole_store(no_scan_client, path, status):
    response = no_scan_client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == status, response.get_data(as_text=True)[:500]


def test_the_service_description_never_counts_the_built_store(no_scan_client):
    response = no_scan_client.get("/sparql", headers={"Accept": "text/turtle"})
    assert response.status_code == 200 and b"void:triples" in response.data


def test_the_build_counts_the_service_descriptions_statistics_once(built, built_store):
    from kg.store import store_statistics

    counted = json.loads((built.build_dir / "statistics.json").read_text())
    assert counted == store_statistics(built_store)
    assert counted[""]["triples"] > 0 and counted[built.graph("asserted")]["classes"] > 10


def test_404_suggests_ids_one_typo_away(no_scan_client):
    for typo in ("michael-flyn", "michael-flynnn", "micheal-flynn", "michael-flxnn", "Michael-Flynn"):
        page = no_scan_client.get(f"/person/{typo}", headers={"Accept": "text/html"}).get_data(as_text=True)
        assert 'href="/person/michael-flynn"' in page, typo


def test_serve_reads_the_pages_records_from_the_build_never_from_the_store(built, monkeypatch):
    """The catalog, name index and reconciliation come from the build's records file (kg.records),
    opened on first use: at millions of triples reading them from the store takes minutes and
    hundreds of MB a worker, and queries need none of them."""
    from kg import catalog as catalog_module
    from kg.web.state import state_of

    reads = []
    real = catalog_module.from_store
    monkeypatch.setattr(catalog_module, "from_store", lambda *args: reads.append(1) or real(*args))
    app = create_app(built)
    client = app.test_client()
    answer = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"},
                        headers={"Accept": "application/sparql-results+json"})
    assert answer.status_code == 200 and answer.get_json()["boolean"] is True
    assert state_of(app)._records is None  # not read for a query
    assert client.get("/person/michael-flynn.html").status_code == 200
    assert client.get("/search", query_string={"q": "Flynn"}).status_code == 200
    assert reads == []
    assert state_of(app).records.catalog.path == built.build_dir / "records.sqlite"
