"""`kg serve`: flags onto Config, any RDF files as a dataset, clear errors for bad input."""

from __future__ import annotations

import subprocess
import sys

import pytest
import requests

from conftest import DATA, KASEI, W3C
from kg.cli import build_parser
from kg.commands.serve import _apply_flags
from kg.config import DataFile, from_env
from kg.errors import KgError
from kg.web.server import gunicorn_options

PEOPLE = DATA / "sparql" / "people.ttl"
GRAPHS = DATA / "sparql" / "graphs.trig"
DATA1 = W3C / "protocol" / "data1.nt"


def serve_args(*argv):
    parser, _ = build_parser()
    return parser.parse_args(["serve", *argv])


def test_flags_override_config():
    args = serve_args("--data", str(PEOPLE), "--data", f"{DATA1}@{KASEI}data1.rdf", "--host", "0.0.0.0",
                      "--port", "9999", "--timeout", "2.5", "--max-rows", "7", "--base", "https://kg.example/",
                      "--workers", "3", "--threads", "2")
    config = _apply_flags(args, from_env(environ={}, base=args.base))  # as kg.cli.main builds it
    assert config.data_files == (DataFile(PEOPLE), DataFile(DATA1, f"{KASEI}data1.rdf"))
    assert (config.host, config.port, config.timeout, config.max_rows) == ("0.0.0.0", 9999, 2.5, 7)
    assert config.base == "https://kg.example/"
    options = gunicorn_options(config)
    assert options["bind"] == "0.0.0.0:9999"
    assert (options["workers"], options["threads"], options["worker_class"]) == (3, 2, "gthread")


def test_global_base_is_kept_when_serve_has_none():
    parser, _ = build_parser()
    args = parser.parse_args(["--base", "https://kg.example/", "serve"])
    config = _apply_flags(args, from_env(environ={}, base=args.base))
    assert config.base == "https://kg.example/"


def test_response_cache_flag_and_env():
    assert from_env(environ={}).response_cache_bytes > 0  # on by default
    assert from_env(environ={"KG_RESPONSE_CACHE_BYTES": "0"}).response_cache_bytes == 0
    config = _apply_flags(serve_args("--response-cache-bytes", "0"), from_env(environ={}))
    assert config.response_cache_bytes == 0
    with pytest.raises(ValueError):  # as for the other settings: kg.cli reports it
        _apply_flags(serve_args("--response-cache-bytes", "-1"), from_env(environ={}))


def test_env_settings_apply_and_flags_win():
    config = from_env(environ={"KG_TIMEOUT": "3", "KG_MAX_ROWS": "5"})
    assert _apply_flags(serve_args("--max-rows", "9"), config).max_rows == 9
    assert _apply_flags(serve_args(), config).timeout == 3.0


@pytest.mark.parametrize("argv,message", [
    (["--base", "ftp://x/"], "base"),
    (["--timeout", "0"], "timeout"),
    (["--max-rows", "0"], "max-rows"),
    (["--workers", "0"], "workers"),
    (["--port", "99999"], "port"),
    (["--port", "-1"], "port"),
])
def test_bad_settings_are_refused(argv, message):
    args = serve_args(*argv)
    with pytest.raises((ValueError, KgError), match=message):
        _apply_flags(args, from_env(environ={}, base=args.base))


def test_data_with_empty_graph_is_refused():
    with pytest.raises(KgError, match="nothing after '@'"):
        _apply_flags(serve_args("--data", f"{PEOPLE}@"), from_env(environ={}))


def run_kg(*argv, cwd=None):
    return subprocess.run([sys.executable, "-m", "kg.cli", *argv], capture_output=True, text=True, timeout=60, cwd=cwd)


def test_missing_file_is_a_clear_error():
    result = run_kg("serve", "--data", "no/such/file.ttl", "--port", "1")
    assert result.returncode == 2
    assert "no/such/file.ttl: no such file" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_rdf_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://s> <http://p> <http://o> .\n<http://s> <http://p> \n")
    result = run_kg("serve", "--data", str(bad), "--port", "1")
    assert result.returncode == 2
    assert f"{bad}:" in result.stderr and "not valid Turtle" in result.stderr


def test_no_build_and_no_data_says_what_to_do(tmp_path):
    result = run_kg("--build-dir", str(tmp_path / "nothing"), "serve", "--port", "1")
    assert result.returncode == 2
    assert "kg build" in result.stderr


def test_serves_mixed_files_as_one_dataset(live_server):
    server = live_server(PEOPLE, GRAPHS, f"{DATA1}@{KASEI}data1.rdf", args=("--max-rows", "3"))
    sparql = server.url("/sparql")
    graphs = requests.get(sparql, params={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"},
                          timeout=30).json()["results"]["bindings"]
    assert [row["g"]["value"] for row in graphs] == ["http://example.org/g1", "http://example.org/g2",
                                                     f"{KASEI}data1.rdf"]
    default_only = requests.get(sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }", "default-graph-uri": ""},
                                timeout=30)
    assert default_only.status_code == 400  # "" is not an IRI
    everything = requests.get(sparql, params={"query": "SELECT * WHERE { ?s ?p ?o }"}, timeout=30)
    assert len(everything.json()["results"]["bindings"]) == 3
    assert everything.headers["X-SPARQL-Truncated"] == "true"


def test_workers_are_spread_one_per_cpu(monkeypatch):
    from types import SimpleNamespace

    from kg.web import server

    monkeypatch.setattr(server, "_cpus", lambda: [0, 1])
    options = gunicorn_options(from_env(environ={}, workers=2))
    assert "pre_fork" in options and "post_fork" in options
    assert "post_fork" not in gunicorn_options(from_env(environ={}, workers=1))
    assert "post_fork" not in gunicorn_options(from_env(environ={}, workers=2, pin_workers=False))
    master = SimpleNamespace(WORKERS={})
    first, second, replacement = (SimpleNamespace() for _ in range(3))
    for pid, worker in ((1, first), (2, second)):
        server._choose_cpu(master, worker)
        master.WORKERS[pid] = worker
    assert {first.kg_cpu, second.kg_cpu} == {0, 1}
    del master.WORKERS[1]  # the first worker retired: its replacement takes the free CPU
    server._choose_cpu(master, replacement)
    assert replacement.kg_cpu == first.kg_cpu


def test_bad_graph_iri_or_a_directory_is_a_clear_error_naming_the_file(tmp_path):
    not_iri = run_kg("serve", "--data", f"{PEOPLE}@not an iri", "--port", "1")
    assert not_iri.returncode == 2 and "Traceback" not in not_iri.stderr
    assert f"{PEOPLE}:" in not_iri.stderr and "'not an iri'" in not_iri.stderr
    folder = tmp_path / "folder.nt"
    folder.mkdir()
    directory = run_kg("serve", "--data", str(folder), "--port", "1")
    assert directory.returncode == 2 and "Traceback" not in directory.stderr
    assert f"{folder}: is a directory" in directory.stderr


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled"])
def test_a_boolean_setting_that_is_no_boolean_is_refused(raw):
    with pytest.raises(ValueError, match="KG_CORS"):
        from_env(environ={"KG_CORS": raw})
    assert from_env(environ={"KG_CORS": "off"}).cors is False
    assert from_env(environ={"KG_CORS": "Yes"}).cors is True


def test_port_out_of_range_is_an_error_not_a_traceback():
    result = run_kg("serve", "--data", str(PEOPLE), "--port", "99999")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "port 99999" in result.stderr


def test_a_port_in_use_is_a_clear_error(tmp_path):
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_kg("serve", "--data", str(DATA / "sparql" / "people.ttl"), "--port", str(port))
    assert result.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_granian_workers_take_the_cpu_fewest_siblings_are_on():
    from kg.web.server import choose_cpu

    assert [choose_cpu([0, 1], [], rank) for rank in (0, 1)] == [0, 1]  # started at once: by rank
    assert choose_cpu([0, 1], [0], 0) == 1 and choose_cpu([0, 1], [1], 1) == 0  # a replacement: the free CPU
    assert choose_cpu([0, 1], [0, 1], 2) == 0  # more workers than CPUs: round robin
