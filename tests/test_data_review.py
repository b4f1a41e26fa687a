"""Regression tests for the fact-checker's review of the curated data (issue 10).

Each test names the defect it guards against and fails on the data as it was before the fix.
Defects with a general rule behind them are also caught by a violation query in
queries/checks/ (tested in test_violation_queries.py); these are the ones tied to one passage.
"""

from __future__ import annotations

from functools import lru_cache

from rdflib import Graph, Literal, URIRef

from kg.config import from_env
from kg.link import read_mappings
from kg.load import load_data, load_ontology
from kg.validate import validate

CONFIG = from_env(environ={})
BASE = "http://127.0.0.1:8000/"
KG = BASE + "ontology#"
PREFIXES = f"""
PREFIX kg: <{KG}>
PREFIX status: <{BASE}status/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX schema: <http://schema.org/>
PREFIX oa: <http://www.w3.org/ns/oa#>
"""


@lru_cache(maxsize=1)
def graph() -> Graph:
    ontology = load_ontology(CONFIG)
    return load_data(CONFIG, ontology).graph + ontology


def ask(query: str) -> bool:
    return bool(graph().query(PREFIXES + "ASK {" + query + "}").askAnswer)


def select(query: str) -> list:
    return list(graph().query(PREFIXES + query))


def node(node_id: str) -> URIRef:
    return URIRef(BASE + node_id)


def relation_claims(subject: str, predicate: str) -> list:
    """(object, status, quote) of the relation claims on subject's predicate."""
    return [(str(r.o), str(r.status).rsplit("/", 1)[-1], str(r.quote)) for r in select(f"""
        SELECT ?o ?status ?quote WHERE {{
            ?c rdf:subject <{node(subject)}> ; rdf:predicate kg:{predicate} ; rdf:object ?o ;
               kg:epistemicStatus ?status ; oa:hasTarget/oa:hasSelector/oa:exact ?quote .
        }}""")]


# 2. "$100 million from Russia" must not come back through structure.
def test_no_financial_tie_pairs_the_100_million_with_russia():
    assert not ask("""
        ?a rdf:subject ?tie ; rdf:predicate kg:amount ; rdf:object <%samount/usd-100-million> .
        ?b rdf:subject ?tie ; rdf:predicate kg:fundingSource ; rdf:object <%scountry/russia> .
    """ % (BASE, BASE))
    assert relation_claims("event/2014-trump-funding-out-of-russia", "fundingSource") == [
        (BASE + "country/russia", "claimed", "We have all the funding we need out of Russia.")]
    assert [o for o, _, _ in relation_claims("event/2014-eric-trump-100-million-renovation-funding", "amount")] == [
        BASE + "amount/usd-100-million"]


# 3. "one of his golf courses": "his" may be Eric's or Donald Trump's; no person is the beneficiary.
def test_the_golf_course_beneficiary_keeps_the_ambiguity():
    beneficiaries = select("""SELECT ?o WHERE {
        ?c rdf:predicate kg:beneficiary ; rdf:object ?o ; oa:hasTarget/oa:hasSelector/oa:exact ?q .
        FILTER(CONTAINS(?q, "his golf courses")) }""")
    assert beneficiaries, "the beneficiary claim on 'one of his golf courses' is gone"
    for row in beneficiaries:
        assert not ask(f"<{row.o}> a kg:Person"), f"{row.o}: 'his' is read as one person"
    label = str(graph().value(node("place/one-of-his-golf-courses"), URIRef("http://www.w3.org/2000/01/rdf-schema#label")))
    assert "Eric Trump's or Donald Trump's" in label


# 4. The inauguration: the article says "when he took office in January".
def test_the_inauguration_has_the_month_the_article_gives():
    inauguration = node("event/trump-inauguration")
    description = str(graph().value(inauguration, URIRef("http://schema.org/description")))
    assert "no date" not in description
    assert (inauguration, URIRef(KG + "dateText"), Literal("took office in January")) in graph()
    assert str(graph().value(inauguration, URIRef(KG + "date"))) == "2017-01"


# 5. "the alleged contact": the article says "reporters", not Reuters reporters.
def test_the_alleged_contact_is_not_credited_to_reuters():
    rows = select("""SELECT ?c WHERE { ?c oa:hasTarget/oa:hasSelector/oa:exact "the alleged contact" }""")
    assert rows
    for row in rows:
        assert not ask(f"<{row.c}> kg:reportedBy <{BASE}org/reuters>")


# 6. Two lies: "in an interview with the FBI" and, in February 2017, "about speaking with the ambassador".
def test_the_lie_that_came_to_light_is_not_merged_with_the_fbi_interview():
    came_to_light = node("event/2017-02-flynn-lie-comes-to-light")
    assert not ask(f"<{came_to_light}> kg:concerns <{BASE}event/flynn-fbi-interview>")
    assert ask(f"<{came_to_light}> kg:concerns ?lie . ?lie kg:agent <{BASE}person/michael-flynn> ; a kg:Statement . "
               f"FILTER NOT EXISTS {{ ?lie kg:recipient ?anyone }}")


# 7. Kushner's position "became even more problematic": the article gives no cause.
def test_kushners_position_is_not_caused_by_the_meetings():
    problem = node("event/2017-04-kushner-position-more-problematic")
    assert not ask(f"<{problem}> kg:concerns|kg:motivatedBy|kg:followedFrom <{BASE}event/kushner-secret-meetings-russian-diplomats>")
    for text in graph().objects(problem, None):
        if isinstance(text, Literal):
            assert " over " not in str(text), text


# 8. The golf invitation: only the conversation is dated 2014.
def test_the_golf_invitation_has_only_a_bound():
    invitation = node("event/2014-donald-trump-invites-dodson-golf")
    assert graph().value(invitation, URIRef(KG + "date")) is None
    assert str(graph().value(invitation, URIRef(KG + "notAfter"))) == "2014"


# 10. "senior advisor" is not the Wikidata office "Senior Advisor to the President of the United States".
def test_senior_advisor_is_a_close_match():
    (mapping,) = [m for m in read_mappings(CONFIG) if m.subject == "position/senior-advisor"]
    assert mapping.predicate.endswith("#closeMatch")


# 11. "the House Intelligence Committees" (plural) is not folded into the one committee without a note.
def test_the_plural_committees_are_not_folded():
    group = node("group/house-intelligence-representatives")
    assert not ask(f"<{group}> kg:memberOf <{BASE}org/house-intelligence-committee>")
    assert not ask(f"?c rdf:subject <{group}> ; rdf:predicate kg:memberOf ; rdf:object <{BASE}org/house-intelligence-committee>")
    assert "plural" in str(graph().value(group, URIRef("http://schema.org/description")))


# 12. What the article says but the data held only as quote text.
def test_under_captured_statements_are_data():
    assert ask(f"<{BASE}person/michael-flynn> kg:hasTiesTo <{BASE}country/russia>")
    counts = relation_claims("event/2016-trump-campaign-russian-contacts", "countAtLeast")
    assert [(int(o), status) for o, status, _ in counts] == [(18, "alleged")]
    assert ask("""?e kg:concerns <%sperson/vladimir-putin> ; oa:hasTarget|^kg:claimAbout ?c .
                  ?c oa:hasTarget/oa:hasSelector/oa:exact ?q . FILTER(CONTAINS(?q, "an overtly friendly relationship"))"""
               % BASE)
    assert ask("""?e kg:concerns <%sgroup/american-voters> ; ^kg:claimAbout/oa:hasTarget/oa:hasSelector/oa:exact ?q .
                  FILTER(CONTAINS(?q, "didn't sway American voters"))""" % BASE)


# 13. What WBUR carried: every claim from Dodson's account credits WBUR.
def test_every_claim_from_dodsons_account_credits_wbur():
    accounts = ("event/2017-dodson-wbur-interview", "event/2014-eric-trump-boast-russian-funding")
    rows = select("SELECT ?c ?a WHERE { ?c kg:accordingTo ?a . VALUES ?a { %s } }"
                  % " ".join(f"<{node(a)}>" for a in accounts))
    assert len(rows) >= 10
    missing = [str(r.c) for r in rows if not ask(f"<{r.c}> kg:reportedBy <{BASE}org/wbur>")]
    assert missing == []
    out_of_russia = select(f"""SELECT ?c WHERE {{ ?c kg:reportedBy <{BASE}org/wbur> ;
        oa:hasTarget/oa:hasSelector/oa:exact ?q . FILTER(CONTAINS(?q, "out of Russia")) }}""")
    assert len(out_of_russia) >= 3  # the boast, the tie and its funding source


# 17. The two SHACL warnings of every build (statements with no agent) are gone from the data.
def test_the_curated_data_has_no_shacl_warning():
    ontology = load_ontology(CONFIG)
    loaded = load_data(CONFIG, ontology)
    report = validate(loaded.graph, CONFIG, loaded.origins)
    assert report.conforms
    assert report.violations == [], report.to_text()
