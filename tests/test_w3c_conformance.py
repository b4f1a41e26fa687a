"""W3C SPARQL 1.1 conformance, over HTTP against a real `kg serve`: the Protocol, Service
Description and (read-only) Graph Store Protocol manifests in tests/data/w3c, then the same
endpoint through SPARQLWrapper, as users query it.

Every manifest entry becomes one test. Entries that cannot apply to a read-only endpoint are
collected too and skipped with the reason, so `pytest -ra` lists them.
"""

from __future__ import annotations

import http.client
import json
import re
from dataclasses import dataclass, field

import pyoxigraph as ox
import pytest
import rdflib
from rdflib import RDF, Namespace

from conftest import KASEI, W3C, w3c_data_args

MF = Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = Namespace("http://www.w3.org/2011/http#")
CNT = Namespace("http://www.w3.org/2011/content#")
HTS = "http://www.w3.org/2011/http-statusCodes#"
SD = "http://www.w3.org/ns/sparql-service-description#"
NAMED_STATUS = {"OK": 200, "Created": 201, "NoContent": 204, "NotFound": 404}
RESULT_TYPES = {"application/sparql-results+json", "application/sparql-results+xml", "text/csv",
                "text/tab-separated-values"}


@dataclass
class HttpStep:
    method: str
    path: str
    headers: dict
    body: bytes | None
    statuses: list[str]  # expected: "2xx", "404", ...
    boolean: bool | None = None
    fmt: str | None = None


@dataclass
class ManifestTest:
    name: str
    title: str
    steps: list[HttpStep] = field(default_factory=list)
    requires: set[str] = field(default_factory=set)


def _manifest_tests(path) -> list[ManifestTest]:
    graph = rdflib.Graph().parse(path, format="turtle")
    tests = []
    for manifest in graph.subjects(RDF.type, MF.Manifest):
        for entry in graph.items(graph.value(manifest, MF.entries)):
            test = ManifestTest(str(entry).split("#")[-1], str(graph.value(entry, MF.name)))
            test.requires = {str(r).split("#")[-1] for r in graph.objects(entry, MF.requires)}
            action = graph.value(entry, MF.action)
            if action is not None:
                test.steps = [_step(graph, request) for request in graph.items(graph.value(action, HT.requests))]
            tests.append(test)
    return tests


def _step(graph, request) -> HttpStep:
    headers = {str(graph.value(h, HT.fieldName)): str(graph.value(h, HT.fieldValue))
               for h in graph.items(graph.value(request, HT.headers))}
    body_node = graph.value(request, HT.body)
    body = None
    if body_node is not None and graph.value(body_node, CNT.chars) is not None:
        encoding = str(graph.value(body_node, CNT.characterEncoding) or "UTF-8")
        body = str(graph.value(body_node, CNT.chars)).encode(encoding)
    response = graph.value(request, HT.resp)
    statuses = []
    for code in graph.objects(response, MF.expectedStatus):
        local = str(code).removeprefix(HTS)
        match = re.fullmatch(r"StatusCode(\dxx)", local)
        statuses.append(match.group(1) if match else str(NAMED_STATUS[local]))
    boolean = graph.value(response, MF.expectedBoolean)
    fmt = graph.value(response, MF.expectedFormat)
    return HttpStep(str(graph.value(request, HT.methodName)), str(graph.value(request, HT.absolutePath)), headers,
                    body, statuses, None if boolean is None else boolean.toPython(), None if fmt is None else str(fmt))


def _not_applicable(suite: str, test: ManifestTest) -> str | None:
    methods = {step.method for step in test.steps}
    if suite == "protocol" and test.name.startswith("update_"):
        return "SPARQL Update: the endpoint is read-only (updates are refused with 403)"
    if suite == "gsp":
        if methods - {"GET", "HEAD"}:
            return f"Graph Store writes ({', '.join(sorted(methods - {'GET', 'HEAD'}))}): the store is read-only"
        if "DirectGraphIdentification" in test.requires:
            return "direct graph identification: graphs are read at /sparql?graph=IRI, not at their own paths"
    return None


def _cases():
    cases = []
    for suite, path in [("protocol", W3C / "protocol" / "manifest.ttl"),
                        ("sd", W3C / "service-description" / "manifest.ttl"),
                        ("gsp", W3C / "graph-store-protocol" / "manifest-direct.ttl"),
                        ("gsp", W3C / "graph-store-protocol" / "manifest-indirect.ttl")]:
        for test in _manifest_tests(path):
            reason = _not_applicable(suite, test)
            marks = [pytest.mark.skip(reason=f"not applicable: {reason}")] if reason else []
            cases.append(pytest.param(suite, test, id=f"{suite}:{test.name}", marks=marks))
    return cases


@pytest.fixture(scope="module")
def server(live_server):
    return live_server(*w3c_data_args())


# --- the manifests ------------------------------------------------------------------------------
@pytest.mark.parametrize("suite,test", _cases())
def test_w3c(server, suite, test):
    if suite == "sd":
        return SD_CHECKS[test.name](server)
    for step in test.steps:
        _run_step(server, step)


def _endpoint_path(path: str) -> str:
    # The manifests' /sparql/ (protocol) and /gsp (graph store) prefixes are both our /sparql.
    return re.sub(r"^/sparql/|^/gsp", "/sparql/" if path.startswith("/sparql/") else "/sparql", path, count=1)


def _run_step(server, step: HttpStep) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        connection.request(step.method, _endpoint_path(step.path), body=step.body, headers=step.headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    status_ok = any(str(response.status) == s or (s.endswith("xx") and str(response.status)[0] == s[0])
                    for s in step.statuses)
    assert status_ok, f"{step.method} {step.path}: {response.status} (want {step.statuses}): {body[:300]!r}"
    media_type = (response.getheader("Content-Type") or "").split(";")[0].strip()
    if step.fmt in ("boolean", "tabular"):
        assert media_type in RESULT_TYPES, media_type
    if step.fmt == "boolean":
        assert media_type in ("application/sparql-results+json", "application/sparql-results+xml")
    if step.fmt == "RDF":
        list(ox.parse(body, format=ox.RdfFormat.from_media_type(media_type)))  # parses as RDF
    if step.boolean is not None:
        assert _boolean(body, media_type) is step.boolean


def _boolean(body: bytes, media_type: str) -> bool:
    if media_type == "application/sparql-results+json":
        return json.loads(body)["boolean"]
    return re.search(rb"<boolean>\s*(true|false)\s*</boolean>", body).group(1) == b"true"


# --- service description checks --------------------------------------------------------------------
def _service_description(server) -> tuple[list[ox.Triple], str]:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/sparql")
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200
    media_type = response.getheader("Content-Type").split(";")[0]
    quads = ox.parse(body, format=ox.RdfFormat.from_media_type(media_type))
    return [quad.triple for quad in quads], media_type


def _returns_rdf(server):
    triples, media_type = _service_description(server)
    assert media_type == "text/turtle" and triples


def _has_endpoint_triple(server):
    triples, _ = _service_description(server)
    endpoints = [t.object for t in triples if t.predicate == ox.NamedNode(SD + "endpoint")]
    assert endpoints == [ox.NamedNode(server.url("/sparql"))]


# The SPARQL 1.1 Service Description vocabulary (https://www.w3.org/TR/sparql11-service-description/#vocab).
SD_TERMS = set("""Service Feature Language Function Aggregate EntailmentRegime EntailmentProfile GraphCollection
Dataset Graph NamedGraph endpoint feature defaultEntailmentRegime entailmentRegime defaultSupportedEntailmentProfile
supportedEntailmentProfile extensionFunction extensionAggregate languageExtension supportedLanguage
propertyFeature resultFormat inputFormat defaultDataset availableGraphs defaultGraph namedGraph name graph
SPARQL10Query SPARQL11Query SPARQL11Update DereferencesURIs UnionDefaultGraph RequiresDataset EmptyGraphs
BasicFederatedQuery""".split())


def _conforms_to_schema(server):
    triples, _ = _service_description(server)
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    of = lambda s, p: [t.object for t in triples if t.subject == s and t.predicate == sd(p)]  # noqa: E731
    used = {term.value[len(SD):] for t in triples for term in (t.predicate, t.object)
            if isinstance(term, ox.NamedNode) and term.value.startswith(SD)}
    assert used <= SD_TERMS, used - SD_TERMS
    services = [t.subject for t in triples if t.predicate == RDF_TYPE and t.object == sd("Service")]
    assert len(services) == 1
    service = services[0]
    assert of(service, "endpoint") and all(isinstance(e, ox.NamedNode) for e in of(service, "endpoint"))
    assert set(of(service, "supportedLanguage")) <= {sd("SPARQL10Query"), sd("SPARQL11Query"), sd("SPARQL11Update")}
    assert all(isinstance(f, ox.NamedNode) for f in of(service, "resultFormat"))
    for dataset in of(service, "defaultDataset"):
        assert ox.Triple(dataset, RDF_TYPE, sd("Dataset")) in triples
        for graph in of(dataset, "defaultGraph"):
            assert ox.Triple(graph, RDF_TYPE, sd("Graph")) in triples
        for named in of(dataset, "namedGraph"):
            assert ox.Triple(named, RDF_TYPE, sd("NamedGraph")) in triples
            assert len(of(named, "name")) == 1 and isinstance(of(named, "name")[0], ox.NamedNode)
    names = {n.value for d in of(service, "defaultDataset") for g in of(d, "namedGraph") for n in of(g, "name")}
    assert names == {f"{KASEI}data{n}.rdf" for n in (1, 2, 3)}


RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
SD_CHECKS = {"returns-rdf": _returns_rdf, "has-endpoint-triple": _has_endpoint_triple,
             "conforms-to-schema": _conforms_to_schema}


def test_graph_read_over_http(server):
    step = HttpStep("GET", f"/sparql?graph={KASEI}data2.rdf", {"Accept": "application/n-triples"}, None, ["200"])
    _run_step(server, step)


# --- SPARQLWrapper, as users query the endpoint --------------------------------------------------
@pytest.fixture
def wrapper(server):
    from SPARQLWrapper import SPARQLWrapper

    return SPARQLWrapper(server.url("/sparql"))


DOCS = f"SELECT ?doc WHERE {{ GRAPH ?g {{ ?doc a <http://xmlns.com/foaf/0.1/Document> }} }} ORDER BY ?doc"
EXPECTED_DOCS = [f"{KASEI}data{n}.rdf" for n in (1, 2, 3)]


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_sparqlwrapper_select_json(wrapper, method):
    from SPARQLWrapper import JSON

    wrapper.setQuery(DOCS)
    wrapper.setMethod(method)
    wrapper.setReturnFormat(JSON)
    rows = wrapper.query().convert()["results"]["bindings"]
    assert [row["doc"]["value"] for row in rows] == EXPECTED_DOCS


def test_sparqlwrapper_select_xml_csv_tsv(wrapper):
    from SPARQLWrapper import CSV, TSV, XML

    wrapper.setQuery(DOCS)
    wrapper.setReturnFormat(XML)
    uris = [node.firstChild.data for node in wrapper.query().convert().getElementsByTagName("uri")]
    assert uris == EXPECTED_DOCS
    wrapper.setReturnFormat(CSV)
    assert wrapper.query().convert().decode().splitlines() == ["doc", *EXPECTED_DOCS]
    wrapper.setReturnFormat(TSV)
    assert wrapper.query().convert().decode().splitlines() == ["?doc", *(f"<{d}>" for d in EXPECTED_DOCS)]


def test_sparqlwrapper_ask_and_dataset_parameters(wrapper):
    from SPARQLWrapper import JSON

    wrapper.setQuery(f"ASK {{ <{KASEI}data1.rdf> ?p ?o }}")
    wrapper.setReturnFormat(JSON)
    assert wrapper.query().convert()["boolean"] is True
    wrapper.addParameter("default-graph-uri", f"{KASEI}data2.rdf")
    assert wrapper.query().convert()["boolean"] is False


@pytest.mark.parametrize("fmt", ["XML", "TURTLE", "N3", "JSONLD"])
def test_sparqlwrapper_construct(wrapper, fmt):
    import SPARQLWrapper

    wrapper.setQuery("CONSTRUCT { ?s a ?t } WHERE { GRAPH ?g { ?s a ?t } }")
    wrapper.setReturnFormat(getattr(SPARQLWrapper, fmt))
    result = wrapper.query().convert()
    graph = result if isinstance(result, rdflib.Graph) else rdflib.Graph().parse(data=result, format="turtle")
    assert {str(s) for s in graph.subjects()} == set(EXPECTED_DOCS)


def test_sparqlwrapper_sees_syntax_errors(wrapper):
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    wrapper.setQuery("SELECT * WHERE { ?s ?p }")
    with pytest.raises(QueryBadFormed, match="error at 1:"):
        wrapper.query()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_endpoint_url_is_what_the_client_used(server, host):
    """sd:endpoint is the URL the client asked (its Host header), not the configured base's port 8000."""
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    connection.request("GET", "/sparql", headers={"Host": f"{host}:{server.port}", "Accept": "text/turtle"})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    assert response.status == 200
    triples = [quad.triple for quad in ox.parse(body, format=ox.RdfFormat.TURTLE)]
    endpoints = {t.object.value for t in triples if t.predicate == ox.NamedNode(SD + "endpoint")}
    assert endpoints == {f"http://{host}:{server.port}/sparql"}
