"""The endpoint never fetches anything, bounds every query, and survives a runaway one."""

from __future__ import annotations

import http.client
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pyoxigraph as ox
import pytest
import requests

from conftest import DATA
from kg.query_engine import EngineBusy, QueryOverMemory, QueryTimeout
from kg.sparql_eval import EvaluatorPool
from kg.sparql_eval import QueryTimeout as PoolTimeout
from kg.web.state import state_of
from kg.sparql_scan import QueryRejected, decode_codepoint_escapes, inspect_query

PEOPLE = DATA / "sparql" / "people.ttl"


# --- the lexical scan --------------------------------------------------------------------------
@pytest.mark.parametrize("query", [
    "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "select * where { service silent <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE ?endpoint { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <http://example.org/sparql> { ?s ?p ?o } }",
    "SELECT * WHERE { \\U00000053ervice <http://example.org/sparql> { ?s ?p ?o } }",
    "PREFIX ex: <http://e/> SELECT * WHERE { FILTER(?a < 3) SERVICE ex:x { ?s ?p ?o } }",
    "SELECT * WHERE { ?s ?p \"x\" . SERVICE <http://e/> {} } # trailing comment",
])
def test_service_is_rejected(query):
    with pytest.raises(QueryRejected) as caught:
        inspect_query(query, 64)
    assert caught.value.status == 403 and "SERVICE" in caught.value.message


@pytest.mark.parametrize("query", [
    'SELECT * WHERE { ?s ?p "SERVICE <http://e/> {}" }',
    "SELECT * WHERE { ?s ?p '''a\nSERVICE <http://e/>''' }",
    "SELECT * WHERE { ?s <http://e/SERVICE> ?o }",
    "PREFIX service: <http://e/> SELECT * WHERE { ?s service:SERVICE ?o }",
    "SELECT ?service WHERE { ?service ?p ?o } # SERVICE <http://e/> {}",
    'SELECT * WHERE { ?s ?p "x"@service }',
])
def test_service_inside_strings_iris_comments_and_names_is_fine(query):
    assert inspect_query(query, 64).form == "SELECT"


def test_allowlisted_service_passes_the_scan():
    query = "SELECT * WHERE { SERVICE <https://query.wikidata.org/sparql> { ?s ?p ?o } }"
    assert inspect_query(query, 64, ("https://query.wikidata.org/sparql",)).form == "SELECT"
    with pytest.raises(QueryRejected):
        inspect_query(query.replace("wikidata.org", "example.org"), 64, ("https://query.wikidata.org/sparql",))


def test_codepoint_escapes_are_decoded_like_the_grammar_says():
    assert decode_codepoint_escapes("\\u0041\\U0001F600") == "A\U0001F600"
    assert decode_codepoint_escapes("\\UFFFFFFFF") == "\\UFFFFFFFF"


def test_query_form_and_from_are_found_after_the_prologue():
    shape = inspect_query("BASE <http://b/> PREFIX ex: <http://e/> CONSTRUCT WHERE { ?s ?p ?o }", 64)
    assert shape.form == "CONSTRUCT" and not shape.has_dataset_clause
    assert inspect_query("SELECT * FROM <http://g/> WHERE { ?s ?p ?o }", 64).has_dataset_clause


@pytest.mark.parametrize("brackets", ["{}", "()", "[]"])
def test_nesting_is_bounded(brackets):
    open_, close = brackets
    assert inspect_query("ASK {" + open_ * 63 + close * 63 + "}", 64).form == "ASK"
    with pytest.raises(QueryRejected) as caught:
        inspect_query("ASK {" + open_ * 64 + close * 64 + "}", 64)
    assert caught.value.status == 400


# --- nothing is fetched ------------------------------------------------------------------------
class ConnectionRecorder:
    """A TCP listener on 127.0.0.1 that records (and drops) every connection made to it."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.connections = 0
        self.running = True
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"

    def _accept(self):
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


@pytest.fixture
def recorder():
    rec = ConnectionRecorder()
    yield rec
    rec.close()


def test_the_recorder_sees_pyoxigraph_call_out(recorder):
    """Control: evaluated directly, SERVICE does connect — which is why the endpoint scans first."""
    with pytest.raises(OSError):  # the listener drops the connection
        list(ox.Store().query(f"SELECT * WHERE {{ SERVICE <{recorder.url}> {{ ?s ?p ?o }} }}"))
    assert recorder.connections >= 1


@pytest.fixture
def client(make_app):
    return make_app(PEOPLE).test_client()


@pytest.mark.parametrize("template", [
    "SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ \\u0053ERVICE <{url}> {{ ?s ?p ?o }} }}",
    "SELECT * WHERE {{ BIND(<{url}> AS ?e) SERVICE ?e {{ ?s ?p ?o }} }}",
])
def test_service_is_refused_without_any_connection(client, recorder, template):
    response = client.get("/sparql", query_string={"query": template.format(url=recorder.url)})
    assert response.status_code == 403
    time.sleep(0.3)  # leave the listener time to see a connection, were one made
    assert recorder.connections == 0


def test_from_a_url_is_a_graph_name_not_a_download(client, recorder):
    response = client.get("/sparql", query_string={"query": f"SELECT * FROM <{recorder.url}> WHERE {{ ?s ?p ?o }}"})
    assert response.status_code == 200
    assert response.get_json(force=True)["results"]["bindings"] == []
    time.sleep(0.3)
    assert recorder.connections == 0


def test_from_a_file_reads_nothing(client, tmp_path):
    secret = tmp_path / "secret.ttl"
    secret.write_text('<http://s> <http://p> "secret" .\n')
    query = f"SELECT ?o FROM <{secret.as_uri()}> FROM NAMED <{secret.as_uri()}> WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 200
    assert b"secret" not in response.data


def test_deep_nesting_is_400_not_a_crash(client):
    deep = "SELECT * WHERE " + "{" * 5000 + "}" * 5000
    response = client.post("/sparql", data=deep, content_type="application/sparql-query")
    assert response.status_code == 400
    assert "nests" in response.get_data(as_text=True)


def test_a_long_flat_query_is_fine(client):
    # 1000 groups: pyoxigraph's planning grows faster than linearly (2000 took 11 s on a loaded machine).
    patterns = " UNION ".join(f"{{ ?s <http://e/p{n}> ?o }}" for n in range(1000))
    response = client.post("/sparql", data=f"SELECT * WHERE {{ {patterns} }}", content_type="application/sparql-query")
    assert response.status_code == 200


# --- time limits ----------------------------------------------------------------------------------
def test_run_with_timeout_gives_up_waiting():
    pool = EvaluatorPool(size=1)
    release = threading.Event()
    with pytest.raises(PoolTimeout):
        pool.run(lambda: release.wait(30), 0.05)
    release.set()
    assert pool.run(lambda: 42, 5) == 42


def test_evaluation_errors_cross_back_to_the_caller():
    with pytest.raises(SyntaxError):
        EvaluatorPool(size=1).run(lambda: ox.Store().query("ASK {"), 5)


def test_timeout_answers_503_and_retires_the_worker_after_responding(make_app, monkeypatch):
    app = make_app(PEOPLE)
    retired = []
    state = state_of(app)
    state.retire_worker = lambda: retired.append(True)

    def overrun(job):
        raise QueryTimeout(job.limits.timeout, retire_process=True)

    monkeypatch.setattr(state.engine, "evaluate", overrun)
    response = app.test_client().get("/sparql", query_string={"query": "ASK {}"})
    assert response.status_code == 503
    assert "longer than the limit" in response.get_data(as_text=True)
    response.close()
    assert retired == [True]


def test_the_html_results_page_answers_engine_errors_as_the_protocol_does(make_app, monkeypatch):
    """A browser's GET of /sparql?query= is evaluated too: a busy engine, a query over its memory
    budget or a timeout get the protocol's status and message on the page, never a 500."""
    app = make_app(PEOPLE)
    state = state_of(app)
    state.retire_worker = lambda: None
    browser = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
    failures = [(EngineBusy("The server is busy: no evaluator became free within 2 s.", 2), 503, "busy"),
                (QueryOverMemory(256 * 1024 ** 2), 503, "more memory than one query may use (256 MB)"),
                (QueryTimeout(10, retire_process=False), 503, "longer than the limit of 10 s")]
    for error, status, text in failures:
        def fail(job, error=error):
            raise error

        monkeypatch.setattr(state.engine, "evaluate", fail)
        response = app.test_client().get("/sparql", query_string={"query": "ASK {}"}, headers=browser)
        assert response.status_code == status, error
        assert response.mimetype == "text/html" and text in response.get_data(as_text=True)
    assert response.headers.get("Retry-After") == "1"


def test_the_html_results_page_counts_against_the_client_s_budget(make_app):
    """The page's queries take evaluator time like the protocol's: over the client's query-time
    budget it gets 429 with Retry-After, and so does the protocol (one budget per client)."""
    app = make_app(PEOPLE, client_query_seconds=0.000001, client_window=60)
    client = app.test_client()
    browser = {"Accept": "text/html"}
    first = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers=browser)
    assert first.status_code == 200
    page = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"}, headers=browser)
    assert page.status_code == 429 and int(page.headers["Retry-After"]) >= 1
    assert "query time" in page.get_data(as_text=True)
    protocol = client.get("/sparql", query_string={"query": "ASK { ?s ?p ?o }"})
    assert protocol.status_code == 429


# --- over HTTP: a runaway query does not stop the service -----------------------------------------------
CROSS_JOIN = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def slow_server(live_server, tmp_path_factory):
    data = tmp_path_factory.mktemp("safety") / "many.nt"
    data.write_text("".join(f"<http://e/s{i}> <http://e/p> <http://e/o{i % 7}> .\n" for i in range(300)))
    return live_server(data, args=("--timeout", "1", "--workers", "2"))


def test_runaway_query_gets_503_while_others_are_served(slow_server):
    sparql = slow_server.url("/sparql")
    simple = {"query": "ASK { ?s ?p ?o }"}
    with ThreadPoolExecutor(4) as pool:
        runaway = pool.submit(requests.post, sparql, data={"query": CROSS_JOIN}, timeout=30)
        others = [pool.submit(requests.get, sparql, params=simple, timeout=30) for _ in range(6)]
        assert runaway.result().status_code == 503
        assert "stopped" in runaway.result().text
        assert [r.result().status_code for r in others] == [200] * 6
    # The runaway's evaluator was killed and replaced: the service still answers, every time.
    for _ in range(20):
        assert requests.get(sparql, params=simple, timeout=30).status_code == 200
    assert "retiring" not in slow_server.log()  # no front worker had to go


def test_oversized_body_is_413_over_http(slow_server):
    response = requests.post(slow_server.url("/sparql"), data=b"ASK {} #" + b"x" * 1_100_000,
                             headers={"Content-Type": "application/sparql-query"}, timeout=30)
    assert response.status_code == 413


def test_chunked_body_over_the_cap_is_413_over_http(slow_server):
    """A chunked body declares no length: it is read one byte past the cap, then refused (not cut and run)."""
    body = b"ASK {} #" + b"x" * 1_100_000

    def chunks():
        for start in range(0, len(body), 65536):
            yield body[start:start + 65536]

    response = requests.post(slow_server.url("/sparql"), data=chunks(), timeout=30,
                             headers={"Content-Type": "application/sparql-query"})
    assert response.request.headers.get("Transfer-Encoding") == "chunked"
    assert response.status_code == 413 and "over the limit" in response.text
    small = requests.post(slow_server.url("/sparql"), data=iter([b"ASK ", b"{}"]), timeout=30,
                          headers={"Content-Type": "application/sparql-query"})
    assert small.status_code == 200


def test_a_client_still_sending_past_the_cap_reads_its_413(slow_server):
    """The server answers 413 once the cap is passed; a client still sending (here: paused after the
    cap) must get to read it, not a reset connection (the rest of the body is read and dropped)."""
    body = b"ASK {} #" + b"x" * 1_300_000

    def chunks():
        for start in range(0, len(body), 65536):
            if start > 1_000_000:
                time.sleep(0.05)
            yield body[start:start + 65536]

    connection = http.client.HTTPConnection("127.0.0.1", slow_server.port, timeout=30)
    connection.request("POST", "/sparql", body=chunks(), encode_chunked=True,
                       headers={"Content-Type": "application/sparql-query"})
    response = connection.getresponse()
    assert response.status == 413 and b"over the limit" in response.read()


def test_a_regex_that_cannot_compile_is_400_at_once_over_http(slow_server):
    query = 'SELECT * WHERE { ?a ?b ?c . ?d ?e ?f FILTER(REGEX(STR(?c), "\\\\p{L}{1000}")) }'
    started = time.monotonic()
    response = requests.post(slow_server.url("/sparql"), data={"query": query}, timeout=30)
    assert response.status_code == 400 and "cannot be compiled" in response.text
    assert time.monotonic() - started < 5  # not the 1 s time limit of a per-row failure... nor near it


def test_granian_serves_it(slow_server):
    assert requests.get(slow_server.url("/sparql"), timeout=30).headers["Server"] == "granian"
