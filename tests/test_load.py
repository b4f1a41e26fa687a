"""The loader turns curated YAML into RDF, keeps the hedges, and stops on bad input with file:line."""

import shutil
from pathlib import Path

import pytest
from rdflib import DCTERMS, RDF, XSD, Literal, Namespace, URIRef

from kg.config import PROJECT_ROOT, from_env
from kg.errors import KgError
from kg.load import load_data, load_ontology

DATA = Path(__file__).parent / "data" / "load"
BASE = "http://127.0.0.1:8000/"
KG = Namespace(BASE + "ontology#")
STATUS = Namespace(BASE + "status/")
OA = Namespace("http://www.w3.org/ns/oa#")


@pytest.fixture
def project(tmp_path):
    """A project root with the real ontology and stored article, and no entries yet."""
    shutil.copytree(PROJECT_ROOT / "ontology", tmp_path / "ontology")
    shutil.copytree(PROJECT_ROOT / "data" / "sources", tmp_path / "data" / "sources")
    (tmp_path / "data" / "entries").mkdir()
    return tmp_path


def load(project, *yaml_texts, base=BASE):
    for number, text in enumerate(yaml_texts):
        (project / "data" / "entries" / f"{number:02d}-test.yaml").write_text(text, encoding="utf-8")
    return load_data(from_env(environ={}, root=project, base=base))


def error_of(project, text) -> KgError:
    with pytest.raises(KgError) as caught:
        load(project, text)
    return caught.value


def node(name):
    return URIRef(BASE + name)


def test_valid_file_gives_nodes_claims_and_selectors(project):
    loaded = load(project, (DATA / "valid.yaml").read_text())
    g = loaded.graph
    call = node("event/2016-12-flynn-kislyak-call")
    assert (call, RDF.type, KG.Communication) in g
    assert (call, KG.agent, node("person/michael-flynn")) in g
    assert (call, KG.date, Literal("2016-12", datatype=XSD.gYearMonth)) in g
    assert (call, KG.datePrecision, URIRef(BASE + "precision/month")) in g
    claim = node("claim/event-2016-12-flynn-kislyak-call-1")
    assert (claim, KG.claimAbout, call) in g
    assert (claim, KG.epistemicStatus, STATUS.reported) in g
    exact = g.value(URIRef(f"{claim}#quote"), OA.exact)
    start = int(g.value(URIRef(f"{claim}#position"), OA.start))
    article = (PROJECT_ROOT / "data" / "sources" / "article.txt").read_text(encoding="utf-8")
    assert article[start:start + len(exact)] == str(exact)


def test_origins_point_at_the_line_of_each_node(project):
    loaded = load(project, (DATA / "valid.yaml").read_text())
    assert loaded.origins[BASE + "event/2016-12-flynn-kislyak-call"] == ("data/entries/00-test.yaml", 9)
    assert loaded.origins[BASE + "claim/event-2016-12-flynn-kislyak-call-1"] == ("data/entries/00-test.yaml", 17)


def test_node_status_comes_from_its_claims(project):
    g = load(project, (DATA / "valid.yaml").read_text()).graph
    offer = node("event/2017-03-flynn-immunity-offer")
    assert set(g.objects(offer, KG.epistemicStatus)) == {STATUS.alleged}


def test_alleged_relation_is_reified_but_never_a_plain_triple(project):
    g = load(project, (DATA / "valid.yaml").read_text()).graph
    offer, kislyak = node("event/2017-03-flynn-immunity-offer"), node("person/sergey-kislyak")
    assert (offer, KG.concerns, kislyak) not in g
    claim = node("claim/event-2017-03-flynn-immunity-offer-2")
    assert (claim, RDF.type, RDF.Statement) in g
    assert (claim, RDF.subject, offer) in g and (claim, RDF.object, kislyak) in g


def test_reported_relation_is_also_a_plain_triple(project):
    g = load(project, (DATA / "valid.yaml").read_text()).graph
    assert (node("event/2016-12-flynn-kislyak-call"), KG.concerns, node("person/sergey-kislyak")) in g


def test_season_keeps_year_precision_type_with_season_precision(project):
    g = load(project, (DATA / "valid.yaml").read_text()).graph
    dossier = node("event/2016-summer-dossier")
    assert (dossier, KG.date, Literal("2016", datatype=XSD.gYear)) in g
    assert (dossier, KG.datePrecision, URIRef(BASE + "precision/season")) in g


def test_base_is_configurable(project):
    other = "https://kg.example.org/"
    g = load(project, (DATA / "valid.yaml").read_text(), base=other).graph
    subjects = {str(s) for s in g.subjects()}
    assert other + "event/2016-12-flynn-kislyak-call" in subjects
    assert not any(s.startswith(BASE) for s in subjects)


def test_ontology_rebases_with_the_base():
    g = load_ontology(from_env(environ={}, base="https://kg.example.org/"))
    assert (URIRef("https://kg.example.org/ontology#Meeting"), RDF.type, None) in g


MINIMAL = """entry: "The Michael Flynn Problem"
nodes:
  - id: person/michael-flynn
    type: Person
    label: Michael Flynn
"""


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (MINIMAL + "    hairColour: grey\n", 3, "unknown property 'hairColour'"),
        (MINIMAL.replace("type: Person", "type: Wizard"), 3, "unknown type 'Wizard'"),
        (MINIMAL + "    agent: person/nobody\n", 3, "person/nobody is referenced but not defined"),
        (MINIMAL + "    date: 2017-13\n", 3, "is not YYYY, YYYY-MM or YYYY-MM-DD"),
        (MINIMAL + "    dateText: May 2099\n", 3, "does not occur verbatim"),
        (MINIMAL + "    claims:\n      - quote: Flynn was a spy\n        status: reported\n", 7, "does not occur verbatim"),
        (MINIMAL + "    claims:\n      - quote: Flynn\n        status: certain\n", 7, "claim status 'certain'"),
        (MINIMAL + "    claims:\n      - quote: Flynn\n        status: reported\n        source: me\n", 7, "unknown claim key"),
        (MINIMAL.replace("person/michael-flynn", "Person/Michael_Flynn"), 3, "is not folder/slug"),
    ],
)
def test_bad_input_names_file_line_and_reason(project, text, line, reason):
    error = error_of(project, text)
    assert error.file == "data/entries/00-test.yaml"
    assert error.line == line
    assert reason in error.reason


def test_malformed_yaml_names_its_line(project):
    error = error_of(project, MINIMAL + "  - id: [unclosed\n")
    assert error.file == "data/entries/00-test.yaml" and error.line == 7
    assert "not valid YAML" in error.reason


def test_duplicate_id_is_refused(project):
    error = error_of(project, MINIMAL + MINIMAL.split("nodes:\n")[1])
    assert "defined twice" in error.reason and error.line == 6


def test_changed_article_is_detected(project):
    article = project / "data" / "sources" / "article.txt"
    article.write_text(article.read_text(encoding="utf-8") + " Extra.", encoding="utf-8")
    error = error_of(project, MINIMAL)
    assert "the stored source changed" in error.reason
    assert error.file == "data/sources/sources.yaml"


def test_a_directory_named_like_an_entry_is_a_clear_error(project):
    (project / "data" / "entries" / "01-folder.yaml").mkdir()
    with pytest.raises(KgError) as caught:
        load(project, MINIMAL)
    assert caught.value.file == "data/entries/01-folder.yaml"
    assert "is a directory" in caught.value.reason


# Issue 10, point 18: the source record knows what the article gives, and what a curator fills in.
def test_the_source_records_its_title_and_photo_credits_verbatim_and_nothing_guessed(project):
    graph = load(project, MINIMAL).graph
    source = node("source/article")
    schema = Namespace("http://schema.org/")
    article = (project / "data" / "sources" / "article.txt").read_text(encoding="utf-8")
    assert str(graph.value(source, DCTERMS.title)) == article.splitlines()[0]
    credits = [str(c) for c in graph.objects(source, schema.creditText)]
    assert len(credits) == article.count("Photo: ") == 6
    assert all(f"Photo: {credit}" in article for credit in credits)
    for unknown in (schema.url, schema.publisher, schema.datePublished, KG.retrievedOn):
        assert graph.value(source, unknown) is None  # empty in sources.yaml: never guessed


def test_curated_source_fields_are_typed_and_a_credit_not_in_the_article_is_refused(project):
    sources = project / "data" / "sources" / "sources.yaml"
    text = sources.read_text(encoding="utf-8")
    sources.write_text(text.replace("url: ~", "url: https://example.org/every-connection")
                       .replace("publisher: ~", "publisher: Example Publisher")
                       .replace("datePublished: ~", 'datePublished: "2017-06"')
                       .replace("retrieved: ~", 'retrieved: "2026-11-20"'), encoding="utf-8")
    graph = load(project, MINIMAL).graph
    source, schema = node("source/article"), Namespace("http://schema.org/")
    assert graph.value(source, schema.url) == URIRef("https://example.org/every-connection")
    assert graph.value(source, schema.datePublished) == Literal("2017-06", datatype=XSD.gYearMonth)
    assert graph.value(source, KG.retrievedOn) == Literal("2026-11-20", datatype=XSD.date)
    sources.write_text(text.replace('- "Ali Shaker / Wikimedia Commons"', '- "Ali Shaker / Getty Images"'), encoding="utf-8")
    error = error_of(project, MINIMAL)
    assert error.file == "data/sources/sources.yaml" and "photo credit" in error.reason
    sources.write_text(text.replace("url: ~", "link: https://example.org/"), encoding="utf-8")
    assert "unknown source key(s) ['link']" in error_of(project, MINIMAL).reason


def test_files_parsed_by_a_second_process_give_the_same_graph_and_the_same_first_error(monkeypatch):
    """With many data files a forked worker parses the YAML while the loader builds (kg.load._parsed)."""
    import kg.load

    config = from_env(environ={})
    alone = load_data(config)
    monkeypatch.setattr(kg.load, "PARSE_BESIDE_FROM", 1)
    beside = load_data(config)
    assert list(beside.triples.lines) == list(alone.triples.lines)
    assert beside.origins == alone.origins


def test_a_bad_file_parsed_by_the_second_process_is_the_error_of_the_first_bad_file(project, monkeypatch):
    import kg.load

    monkeypatch.setattr(kg.load, "PARSE_BESIDE_FROM", 1)
    good = (DATA / "valid.yaml").read_text()
    with pytest.raises(KgError) as caught:
        load(project, good, "entry: x\nnodes:\n  - id: [unclosed\n", "nodes: [\n")
    assert caught.value.file == "data/entries/01-test.yaml" and "not valid YAML" in caught.value.reason
