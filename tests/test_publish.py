"""kg publish --store: releases uploaded to a real Oxigraph server and a real Virtuoso.

Each test publishes under a base of its own, so that tests sharing a store (one per session)
never see each other's releases.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from urllib.parse import urlencode

import pyoxigraph as ox
import pytest

from stores import publish_files, run_kg

from kg.cli import build_parser
from kg.config import DataFile, from_env
from kg.errors import KgError
from kg.publish import chunks, graphs_to_publish, publish, stored_count
from kg.remote_store import (Release, StoreClient, StoredGraph, current_release, describe_release, endpoints,
                             pointer_graph, releases)

COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def synthetic(path, count: int, tag: str) -> str:
    """An N-Triples file of `count` distinct triples (some with blank nodes, to be kept whole)."""
    lines = [f"<http://ex.test/{tag}/s{i}> <http://ex.test/p> \"{tag} {i}\" ." for i in range(count - 20)]
    lines += [f"_:b{i} <http://ex.test/q> _:b{i + 1} ." for i in range(20)]  # one blank-node chain
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


def client_for(store) -> StoreClient:
    return StoreClient(endpoints(store.kind, store.query_url, user=store.user, environ=store.env))


def test_publish_the_build_then_replace_it(any_store, built, tmp_path):
    base = f"http://build-{any_store.kind}.test/"
    config = built  # the session's real build
    built = json.loads((config.build_dir / "manifest.json").read_text())["triples"]
    run_kg(any_store, "publish", *any_store.kg_args(), "--base", base, "--grace", "0",
           "--build-dir", str(config.build_dir))
    client = client_for(any_store)
    first = current_release(client, base)
    # The build's IRIs keep their base; the release's bookkeeping lives under the publish's --base.
    assert {g.public: g.triples for g in first.graphs} == {config.graph(name): n for name, n in built.items()}
    for graph in first.graphs:
        assert stored_count(client, graph.stored) == graph.triples
    # A second release replaces the first: the first one's graphs are dropped after the switch.
    run_kg(any_store, "publish", *any_store.kg_args(), "--base", base, "--grace", "0",
           "--build-dir", str(config.build_dir))
    second = current_release(client, base)
    assert second.sequence == first.sequence + 1
    assert [r.iri for r, _ in releases(client, base)] == [second.iri]
    for graph in first.graphs:
        assert stored_count(client, graph.stored) == 0


def test_chunks_keep_blank_nodes_together_and_counts_hold(any_store, tmp_path):
    base = f"http://chunks-{any_store.kind}.test/"
    spec = synthetic(tmp_path / "s.nt", 1000, "c") + "@http://ex.test/graph"
    publish_files(any_store, base, [spec], "--chunk-triples", "7")
    release = current_release(client_for(any_store), base)
    assert release.total == 1000  # verified by kg publish too; a split blank node would add triples


def test_chunks_never_split_a_blank_node_group():
    triples = [ox.Triple(ox.BlankNode(f"n{i}"), ox.NamedNode("http://p"), ox.BlankNode(f"n{i + 1}")) for i in range(9)]
    triples += [ox.Triple(ox.NamedNode(f"http://s{i}"), ox.NamedNode("http://p"), ox.Literal("x")) for i in range(5)]
    sizes = [count for count, _ in chunks(triples, 3)]
    assert sum(sizes) == 14 and 9 in sizes  # the chain of 9 stays in one document


def test_a_failed_publish_leaves_readers_on_the_old_release(any_store, tmp_path, monkeypatch):
    base = f"http://fail-{any_store.kind}.test/"
    publish_files(any_store, base, [synthetic(tmp_path / "a.nt", 100, "a") + "@http://ex.test/g"])
    client = client_for(any_store)
    old = current_release(client, base)
    config = from_env(environ={}, base=base)
    graphs = graphs_to_publish(config, (DataFile.parse(synthetic(tmp_path / "b.nt", 300, "b") + "@http://ex.test/g"),))
    sent = []
    real_post = client.post_graph

    def post_then_fail(graph, document):
        if len(sent) == 2:
            raise KgError("the connection broke (simulated)")
        sent.append(graph)
        real_post(graph, document)

    monkeypatch.setattr(client, "post_graph", post_then_fail)
    with pytest.raises(KgError, match="readers stay on the previous release"):
        publish(client, config, graphs, chunk_triples=100)
    assert current_release(client, base) == old
    assert [r.iri for r, _ in releases(client, base)] == [old.iri]  # the half-loaded release was removed
    assert stored_count(client, sent[0]) == 0


def test_a_count_mismatch_is_refused(any_store, tmp_path):
    base = f"http://mismatch-{any_store.kind}.test/"
    config = from_env(environ={}, base=base)
    graphs = graphs_to_publish(config, (DataFile.parse(synthetic(tmp_path / "m.nt", 50, "m") + "@http://ex.test/g"),))
    graphs[0].expected = 51  # what a manifest out of step with the data would say
    with pytest.raises(KgError, match="holds 50 triples after loading, 51 were sent"):
        publish(client_for(any_store), config, graphs)
    assert current_release(client_for(any_store), base) is None


def test_clean_removes_unfinished_releases(oxigraph_store, tmp_path):
    base = "http://clean.test/"
    publish_files(oxigraph_store, base, [synthetic(tmp_path / "k.nt", 30, "k") + "@http://ex.test/g"])
    client = client_for(oxigraph_store)
    current = current_release(client, base)
    # An unfinished release, as a publish killed between its description and its switch leaves it.
    stray = Release(base + "release/stray", current.sequence + 1, "2026-01-01T00:00:00Z",
                    (StoredGraph("http://ex.test/g", base + "graph/x/release/stray", 1),))
    client.post_graph(pointer_graph(base), ox.serialize(describe_release(stray), format=ox.RdfFormat.N_TRIPLES))
    assert current_release(client, base) == current  # never ready: readers ignore it
    result = run_kg(oxigraph_store, "publish", *oxigraph_store.kg_args(), "--base", base, "--clean")
    assert "removed 1 release" in result.stdout
    assert [r.iri for r, _ in releases(client, base)] == [current.iri]


def test_password_only_from_the_environment_and_never_printed(virtuoso_store, tmp_path):
    base = "http://secret.test/"
    result = publish_files(virtuoso_store, base, [synthetic(tmp_path / "p.nt", 20, "p") + "@http://ex.test/g"],
                           "--verbose")
    assert virtuoso_store.password not in result.stdout + result.stderr
    # Without the variable: a clear error naming it, and no request sent with a guessed password.
    env_less = run_kg(type(virtuoso_store)(**{**virtuoso_store.__dict__, "env": {}}), "publish",
                      *virtuoso_store.kg_args(), "--base", base, "--data", str(tmp_path / "p.nt"), check=False)
    assert env_less.returncode == 2 and "KG_STORE_PASSWORD" in env_less.stderr
    with pytest.raises(SystemExit):  # there is no option that takes a password
        build_parser()[0].parse_args(["publish", "--store", "http://x/sparql", "--store-password", "p"])


# --- readers never see a half-published release -------------------------------------------------
def test_readers_see_the_old_or_the_new_release_only(any_store, live_server, tmp_path):
    base = f"http://readers-{any_store.kind}.test/"
    old_total, new_total = 400, 1500
    publish_files(any_store, base, [synthetic(tmp_path / "old.nt", old_total, "old") + "@http://ex.test/g1"])
    server = live_server(args=[*any_store.kg_args(), "--base", base], env=any_store.env)
    samples: list[int] = []
    stop = threading.Event()

    def sample():
        connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
        while not stop.is_set():
            connection.request("POST", "/sparql", urlencode({"query": COUNT_ALL}),
                               {"Content-Type": "application/x-www-form-urlencoded", "Accept": "text/csv"})
            response = connection.getresponse()
            body = response.read().decode()
            assert response.status == 200, body
            samples.append(int(body.split()[1]))

    readers = [threading.Thread(target=sample) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        time.sleep(0.3)
        # Two graphs in small chunks: the upload takes many requests, the readers sample all along;
        # the old release is removed after a grace period longer than the readers' pointer cache.
        publish_files(any_store, base, [synthetic(tmp_path / "n1.nt", 1000, "n1") + "@http://ex.test/g1",
                                        synthetic(tmp_path / "n2.nt", 500, "n2") + "@http://ex.test/g2"],
                      "--chunk-triples", "50", "--grace", "5")
        time.sleep(1.5)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert set(samples) <= {old_total, new_total}, sorted(set(samples))
    assert samples[0] == old_total and samples[-1] == new_total
    assert len(samples) > 20
