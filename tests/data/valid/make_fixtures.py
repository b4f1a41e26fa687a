"""Regenerate tests/data/valid/*.ttl and tests/data/invalid/*.ttl: python tests/data/valid/make_fixtures.py

The .ttl files are what the tests read; this script only keeps them consistent (anchored quotes,
checksums). One valid graph per class, and one invalid graph per shape made by breaking one thing.
"""
import hashlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASE = "http://127.0.0.1:8000/"
TEXT = ("In early May 2017, Trump met Russian foreign minister Sergey Lavrov and ambassador Sergey Kislyak "
        "in the Oval Office, where he disclosed classified information to them. In December 2016, Flynn spoke "
        "with Kislyak. Trump fired FBI director James Comey, whom he had appointed. The White House denied the "
        "report. Flynn admitted the call. Flynn allegedly offered to testify about Russia for $45,000.\n")
HEADER = """@prefix kg:     <http://127.0.0.1:8000/ontology#> .
@prefix kgsh:   <http://127.0.0.1:8000/shapes#> .
@prefix status: <http://127.0.0.1:8000/status/> .
@prefix prec:   <http://127.0.0.1:8000/precision/> .
@prefix person: <http://127.0.0.1:8000/person/> .
@prefix org:    <http://127.0.0.1:8000/org/> .
@prefix event:  <http://127.0.0.1:8000/event/> .
@prefix claim:  <http://127.0.0.1:8000/claim/> .
@prefix rdf:    <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs:   <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd:    <http://www.w3.org/2001/XMLSchema#> .
@prefix skos:   <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <http://schema.org/> .
@prefix oa:     <http://www.w3.org/ns/oa#> .
@prefix wd:     <http://www.wikidata.org/entity/> .
"""

def lit(s, lang="en"):
    s = s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{s}"@{lang}' if lang else f'"{s}"'

def typed(s, t):
    return f'"{s}"^^xsd:{t}'

def iri(id_):
    return f"<{BASE}{id_}>"

class Fixture:
    def __init__(self):
        self.nodes = {}  # subject -> {pred: [objects]}
        self.order = []

    def add(self, s, p, o):
        if s not in self.nodes:
            self.nodes[s] = {}
            self.order.append(s)
        self.nodes[s].setdefault(p, []).append(o)

    def drop(self, s, p=None, o=None):
        if p is None:
            self.nodes.pop(s); self.order.remove(s); return
        if o is None:
            self.nodes[s].pop(p, None); return
        self.nodes[s][p].remove(o)
        if not self.nodes[s][p]:
            self.nodes[s].pop(p)

    def set(self, s, p, *os):
        self.nodes[s][p] = list(os)

    def turtle(self):
        out = []
        for s in self.order:
            props = self.nodes[s]
            lines = [f"{p} {', '.join(os)}" for p, os in props.items()]
            out.append(s + " " + " ;\n    ".join(lines) + " .\n")
        return "\n".join(out)

SOURCE = iri("source/article")

def with_source(f):
    f.add(SOURCE, "a", "kg:SourceDocument")
    f.add(SOURCE, "rdfs:label", lit("A test article"))
    f.add(SOURCE, "kg:sha256", lit(hashlib.sha256(TEXT.encode()).hexdigest(), None))
    f.add(SOURCE, "kg:storedCopy", lit("tests/data/article.txt", None))
    f.add(SOURCE, "schema:text", lit(TEXT, None))

def thing(f, id_, cls, label, **props):
    s = iri(id_)
    f.add(s, "a", cls)
    f.add(s, "rdfs:label", lit(label))
    for p, os in props.items():
        for o in (os if isinstance(os, list) else [os]):
            f.add(s, "kg:" + p, o)
    return s

def claim(f, about_id, n, quote, status="reported", relation=None):
    c = iri(f"claim/{about_id.replace('/', '-')}-{n}")
    start = TEXT.index(quote); end = start + len(quote)
    f.add(c, "a", "kg:Claim")
    f.add(c, "kg:epistemicStatus", f"status:{status}")
    f.add(c, "kg:statedIn", SOURCE)
    if relation:
        p, o = relation
        f.add(c, "a", "rdf:Statement")
        f.add(c, "rdf:subject", iri(about_id)); f.add(c, "rdf:predicate", p); f.add(c, "rdf:object", o)
    f.add(c, "kg:claimAbout", iri(about_id))
    tgt, q, pos = (f"<{c[1:-1]}#{x}>" for x in ("target", "quote", "position"))
    f.add(c, "oa:hasTarget", tgt)
    f.add(tgt, "a", "oa:SpecificResource"); f.add(tgt, "oa:hasSource", SOURCE)
    f.add(tgt, "oa:hasSelector", q); f.add(tgt, "oa:hasSelector", pos)
    f.add(q, "a", "oa:TextQuoteSelector"); f.add(q, "oa:exact", lit(quote, None))
    f.add(q, "oa:prefix", lit(TEXT[max(0, start - 32):start], None)); f.add(q, "oa:suffix", lit(TEXT[end:end + 32], None))
    f.add(pos, "a", "oa:TextPositionSelector")
    f.add(pos, "oa:start", typed(start, "integer")); f.add(pos, "oa:end", typed(end, "integer"))
    return c

PEOPLE = {"donald-trump": "Donald Trump", "sergey-lavrov": "Sergey Lavrov", "sergey-kislyak": "Sergey Kislyak",
          "james-comey": "James Comey", "michael-flynn": "Michael Flynn"}

def people(f, *slugs):
    for slug in slugs:
        thing(f, f"person/{slug}", "kg:Person", PEOPLE[slug])

def event(f, id_, cls, label, quote, status="reported", date=("2017-05", "gYearMonth", "month", "May 2017"), **props):
    s = thing(f, id_, cls, label, **props)
    if date:
        value, dtype, precision, text = date
        f.add(s, "kg:date", typed(value, dtype)); f.add(s, "kg:datePrecision", f"prec:{precision}")
        f.add(s, "kg:dateText", lit(text, None))
    f.add(s, "kg:epistemicStatus", f"status:{status}")
    claim(f, id_, 1, quote, status)
    return s

P = lambda slug: iri(f"person/{slug}")

# ------------------------------------------------------------------ one valid fixture per class
def base():
    f = Fixture(); with_source(f); return f

def v_meeting():
    f = base(); people(f, "donald-trump", "sergey-lavrov")
    thing(f, "place/oval-office", "kg:Place", "Oval Office")
    event(f, "event/2017-05-oval-office-meeting", "kg:Meeting", "Oval Office meeting",
          "Trump met Russian foreign minister Sergey Lavrov",
          sideOne=[P("donald-trump")], sideTwo=[P("sergey-lavrov")], place=iri("place/oval-office"))
    return f

def v_communication(cls, label):
    def make():
        f = base(); people(f, "michael-flynn", "sergey-kislyak")
        event(f, "event/2016-12-flynn-kislyak-call", cls, label, "Flynn spoke with Kislyak",
              date=("2016-12", "gYearMonth", "month", "December 2016"),
              agent=P("michael-flynn"), recipient=P("sergey-kislyak"))
        return f
    return make

def v_disclosure():
    f = base(); people(f, "donald-trump", "sergey-lavrov")
    thing(f, "info/classified-information", "kg:Information", "classified information")
    event(f, "event/2017-05-disclosure", "kg:Disclosure", "Trump discloses classified information",
          "he disclosed classified information to them", agent=P("donald-trump"),
          disclosed=iri("info/classified-information"), recipient=P("sergey-lavrov"))
    return f

def v_dismissal(cls):
    def make():
        f = base(); people(f, "donald-trump", "james-comey")
        props = dict(dismissed=P("james-comey"))
        if cls == "kg:Firing":
            props["agent"] = P("donald-trump")
        event(f, "event/2017-05-comey-firing", cls, "Comey is fired", "Trump fired FBI director James Comey", **props)
        return f
    return make

def v_appointment():
    f = base(); people(f, "donald-trump", "james-comey")
    thing(f, "position/fbi-director", "kg:Position", "Director of the FBI", positionOf=iri("org/fbi"))
    thing(f, "org/fbi", "kg:GovernmentBody", "FBI")
    event(f, "event/2013-comey-appointment", "kg:Appointment", "Comey is appointed", "whom he had appointed",
          date=None, appointee=P("james-comey"), position=iri("position/fbi-director"), agent=P("donald-trump"))
    return f

def v_investigation():
    f = base(); people(f, "michael-flynn")
    thing(f, "org/fbi", "kg:GovernmentBody", "FBI")
    event(f, "event/2017-fbi-investigation", "kg:Investigation", "FBI investigation", "FBI director",
          date=("2017", "gYear", "year", "2017"), investigator=iri("org/fbi"), investigated=P("michael-flynn"))
    return f

def v_plain_event(cls, label):
    def make():
        f = base()
        event(f, "event/2016-event", cls, label, "In December 2016", date=("2016-12", "gYearMonth", "month", "December 2016"))
        return f
    return make

def v_financial_tie():
    f = base(); people(f, "michael-flynn")
    thing(f, "amount/usd-45000", "kg:MonetaryAmount", "$45,000", value=typed("45000", "integer"), currency=lit("USD", None))
    thing(f, "country/russia", "kg:Country", "Russia")
    event(f, "event/2015-flynn-payment", "kg:FinancialTie", "Flynn is paid", "$45,000", date=None,
          amount=iri("amount/usd-45000"), beneficiary=P("michael-flynn"), fundingSource=iri("country/russia"))
    return f

def v_statement(cls, label, **extra):
    def make():
        f = base(); people(f, "donald-trump", "michael-flynn")
        thing(f, "org/white-house", "kg:GovernmentBody", "White House")
        if extra:
            event(f, "event/2016-12-flynn-kislyak-call", "kg:PhoneCall", "Flynn calls Kislyak", "Flynn spoke with Kislyak",
                  date=("2016-12", "gYearMonth", "month", "December 2016"), agent=P("michael-flynn"))
        event(f, "event/2017-statement", cls, label, "The White House denied the report", date=None,
              agent=iri("org/white-house"), **extra)
        return f
    return make

def v_agent(cls, id_, label, **props):
    def make():
        f = base()
        if cls == "kg:Position":
            thing(f, "org/fbi", "kg:GovernmentBody", "FBI")
        if "depicts" in props or "author" in props:
            people(f, "donald-trump")
        if "about" in props:
            thing(f, "topic/russia", "kg:Topic", "Russia")
        s = thing(f, id_, cls, label, **props)
        if cls == "kg:Person":
            f.add(s, "skos:altLabel", lit("The Donald"))
            f.add(s, "schema:description", lit("45th president of the United States"))
            f.add(s, "skos:exactMatch", "wd:Q22686"); f.add(s, "schema:sameAs", "wd:Q22686")
            claim(f, id_, 1, "Trump fired FBI director James Comey", "reported")
        return f
    return make

def v_source():
    return base()

def v_schemes():
    # The two schemes are in ontology/schemes.ttl (validated as part of the ontology); this adds one concept.
    f = Fixture()
    s = "<http://127.0.0.1:8000/status/unverified>"
    f.add(s, "a", "kg:EpistemicStatus"); f.add(s, "a", "skos:Concept")
    f.add(s, "skos:inScheme", "<http://127.0.0.1:8000/status/>")
    f.add(s, "skos:prefLabel", lit("unverified")); f.add(s, "skos:definition", lit("Not checked yet (test concept)."))
    s = "<http://127.0.0.1:8000/precision/decade>"
    f.add(s, "a", "kg:DatePrecision"); f.add(s, "a", "skos:Concept")
    f.add(s, "skos:inScheme", "<http://127.0.0.1:8000/precision/>")
    f.add(s, "skos:prefLabel", lit("decade")); f.add(s, "skos:definition", lit("Known to the decade (test concept)."))
    return f

DENIED = dict(denies=iri("event/2016-12-flynn-kislyak-call"))
VALID = {
    "meeting": v_meeting,
    "communication": v_communication("kg:Communication", "Flynn speaks with Kislyak"),
    "phone-call": v_communication("kg:PhoneCall", "Flynn calls Kislyak"),
    "email": v_communication("kg:Email", "Flynn emails Kislyak"),
    "conversation": v_communication("kg:Conversation", "Flynn and Kislyak talk"),
    "request": v_communication("kg:Request", "Flynn asks Kislyak"),
    "offer": v_communication("kg:Offer", "Flynn makes an offer to Kislyak"),
    "warning": v_communication("kg:Warning", "Flynn warns Kislyak"),
    "disclosure": v_disclosure,
    "dismissal": v_dismissal("kg:Dismissal"),
    "firing": v_dismissal("kg:Firing"),
    "appointment": v_appointment,
    "investigation": v_investigation,
    "event": v_plain_event("kg:Event", "Something happens"),
    "election": v_plain_event("kg:Election", "An election"),
    "financial-tie": v_financial_tie,
    "statement": v_statement("kg:Statement", "The White House speaks"),
    "denial": v_statement("kg:Denial", "The White House denies the call", **DENIED),
    "admission": v_statement("kg:Admission", "The call is admitted", admits=iri("event/2016-12-flynn-kislyak-call")),
    "allegation": v_statement("kg:Allegation", "The call is alleged", alleges=iri("event/2016-12-flynn-kislyak-call")),
    "boast": v_statement("kg:Boast", "A boast"),
    "announcement": v_statement("kg:Announcement", "An announcement"),
    "report": v_statement("kg:Report", "A report"),
    "testimony": v_statement("kg:Testimony", "A testimony"),
    "interview": v_statement("kg:Interview", "An interview"),
    "person": v_agent("kg:Person", "person/donald-trump", "Donald Trump"),
    "organization": v_agent("kg:Organization", "org/trump-organization", "Trump Organization"),
    "government-body": v_agent("kg:GovernmentBody", "org/fbi", "FBI"),
    "news-organization": v_agent("kg:NewsOrganization", "org/reuters", "Reuters"),
    "group": v_agent("kg:Group", "group/multiple-sources", "multiple sources"),
    "country": v_agent("kg:Country", "country/russia", "Russia"),
    "place": v_agent("kg:Place", "place/oval-office", "Oval Office"),
    "position": v_agent("kg:Position", "position/fbi-director", "Director of the FBI", positionOf=iri("org/fbi")),
    "document": v_agent("kg:Document", "document/memo", "A memo", author=P("donald-trump")),
    "source-document": v_source,
    "creative-work": v_agent("kg:CreativeWork", "work/the-simpsons", "The Simpsons", depicts=P("donald-trump")),
    "information": v_agent("kg:Information", "info/intelligence", "intelligence", about=iri("topic/russia")),
    "law": v_agent("kg:Law", "law/logan-act", "Logan Act"),
    "topic": v_agent("kg:Topic", "topic/russia", "Russia"),
    "monetary-amount": v_agent("kg:MonetaryAmount", "amount/usd-45000", "$45,000", value=typed("45000", "integer"), currency=lit("USD", None)),
    "scheme-concepts": v_schemes,
}

# ------------------------------------------------------------------ one invalid fixture per shape
M = iri("event/2017-05-oval-office-meeting")
C = iri("event/2016-12-flynn-kislyak-call")
MC1 = iri("claim/event-2017-05-oval-office-meeting-1")
TRUMP = P("donald-trump")

def sel(claim_iri, part):
    return f"<{claim_iri[1:-1]}#{part}>"

def inv(base_name, mutate, expect, why):
    return (base_name, mutate, expect, why)

def m_person(f):
    f.set(TRUMP, "rdfs:label", lit("Donald Trump", None))

def add_to_meeting_claim2(f):
    claim(f, "event/2017-05-oval-office-meeting", 2, "in the Oval Office")
    return iri("claim/event-2017-05-oval-office-meeting-2")

def m_claim_no_about(f):
    c = add_to_meeting_claim2(f); f.drop(c, "kg:claimAbout")

def m_hedged(f):
    people(f, "sergey-kislyak")
    claim(f, "event/2017-05-oval-office-meeting", 2, "ambassador Sergey Kislyak", "alleged", ("kg:attendee", P("sergey-kislyak")))
    f.add(M, "kg:attendee", P("sergey-kislyak"))

def m_relation_parts(f):
    people(f, "sergey-kislyak")
    c = claim(f, "event/2017-05-oval-office-meeting", 2, "ambassador Sergey Kislyak", "reported", ("kg:attendee", P("sergey-kislyak")))
    f.add(M, "kg:attendee", P("sergey-kislyak"))
    f.add(c, "rdf:object", P("donald-trump")); f.add(M, "kg:attendee", P("donald-trump"))

def m_quote_not_in_source(f):
    q = sel(MC1, "quote")
    f.set(q, "oa:exact", lit("Trump met Russian president Vladimir Putin", None))
    f.drop(sel(MC1, "target"), "oa:hasSelector", sel(MC1, "position")); f.drop(sel(MC1, "position"))

def m_position_shift(f):
    p = sel(MC1, "position")
    start = int(f.nodes[p]["oa:start"][0].split('"')[1])
    f.set(p, "oa:start", typed(start + 1, "integer"))

def m_position_type(f):
    p = sel(MC1, "position")
    end = f.nodes[p]["oa:end"][0].split('"')[1]
    f.set(p, "oa:end", lit(end, None))

def m_alleged_meeting(f):
    f.set(M, "kg:epistemicStatus", "status:alleged"); f.set(MC1, "kg:epistemicStatus", "status:alleged")

def m_scheme(f):
    f.drop("<http://127.0.0.1:8000/status/unverified>", "skos:inScheme")

def m_firing_two(f):
    people(f, "michael-flynn")
    f.add(iri("event/2017-05-comey-firing"), "kg:dismissed", P("michael-flynn"))

FIRING = iri("event/2017-05-comey-firing")
DISC = iri("event/2017-05-disclosure")
STATEMENT = iri("event/2017-statement")
INVALID = {
    "EnglishLabelShape": ("meeting", m_person, TRUMP, "a person's label has no language tag"),
    "EnglishDescriptionShape": ("meeting", lambda f: f.add(M, "schema:description", lit("Réunion dans le Bureau ovale", "fr")), M, "a description in French"),
    "EnglishAltLabelShape": ("meeting", lambda f: f.add(TRUMP, "skos:altLabel", lit("The Donald", None)), TRUMP, "an alternative label without a language"),
    "WikidataLinkShape": ("meeting", lambda f: (f.add(TRUMP, "skos:exactMatch", "<https://www.wikidata.org/wiki/Q22686>"), f.add(TRUMP, "schema:sameAs", "<https://www.wikidata.org/wiki/Q22686>")), TRUMP, "a Wikidata page URL instead of the entity IRI"),
    "WikidataLinksAgreeShape": ("meeting", lambda f: (f.add(TRUMP, "skos:exactMatch", "wd:Q22686"), f.add(TRUMP, "schema:sameAs", "wd:Q22687")), TRUMP, "skos:exactMatch and schema:sameAs name different entities"),
    "DomainShape": ("meeting", lambda f: f.add(TRUMP, "kg:place", iri("place/oval-office")), TRUMP, "kg:place (domain kg:Event) on a person"),
    "RangeShape": ("meeting", lambda f: f.set(M, "kg:place", TRUMP), M, "kg:place names a person, not a place"),
    "ParticipantShape": ("meeting", lambda f: (thing(f, "topic/russia", "kg:Topic", "Russia"), f.add(M, "kg:attendee", iri("topic/russia"))), M, "a topic as a meeting's attendee"),
    "EventClaimShape": ("meeting", lambda f: [f.drop(s) for s in list(f.order) if "claim/" in s], M, "an event without any claim"),
    "EventStatusShape": ("phone-call", lambda f: f.drop(C, "kg:epistemicStatus"), C, "an event without an epistemic status"),
    "DateShape": ("meeting", lambda f: f.set(M, "kg:date", lit("May 2017", None)), M, "a date written as plain text"),
    "DatePrecisionShape": ("meeting", lambda f: f.drop(M, "kg:datePrecision"), M, "a date without its precision"),
    "DatePrecisionMatchesShape": ("meeting", lambda f: f.set(M, "kg:datePrecision", "prec:day"), M, "day precision on a month (xsd:gYearMonth)"),
    "DateTextShape": ("meeting", lambda f: (f.drop(M, "kg:date"), f.drop(M, "kg:datePrecision")), M, "the text's date without a typed kg:date"),
    "DateBoundShape": ("meeting", lambda f: f.add(M, "kg:notBefore", lit("shortly after the election", None)), M, "kg:notBefore as text"),
    "MeetingPartiesShape": ("meeting", lambda f: f.drop(M, "kg:sideTwo"), M, "a meeting with a single party"),
    "AttendeeStatusShape": ("meeting", m_alleged_meeting, M, "sides (attendees) on an alleged meeting"),
    "CommunicationPartiesShape": ("phone-call", lambda f: (f.drop(C, "kg:agent"), f.drop(C, "kg:recipient")), C, "a call without any party"),
    "DismissedShape": ("dismissal", lambda f: f.drop(FIRING, "kg:dismissed"), FIRING, "a dismissal without the person dismissed"),
    "FiringOnePersonShape": ("firing", m_firing_two, FIRING, "one firing of two people"),
    "FiringAgentShape": ("firing", lambda f: f.drop(FIRING, "kg:agent"), FIRING, "a firing without who fired"),
    "DisclosedShape": ("disclosure", lambda f: f.drop(DISC, "kg:disclosed"), DISC, "a disclosure without what was disclosed"),
    "DisclosureRecipientShape": ("disclosure", lambda f: f.drop(DISC, "kg:recipient"), DISC, "a disclosure without a recipient"),
    "AppointeeShape": ("appointment", lambda f: f.drop(iri("event/2013-comey-appointment"), "kg:appointee"), iri("event/2013-comey-appointment"), "an appointment without the person appointed"),
    "InvestigationSubjectShape": ("investigation", lambda f: (f.drop(iri("event/2017-fbi-investigation"), "kg:investigator"), f.drop(iri("event/2017-fbi-investigation"), "kg:investigated")), iri("event/2017-fbi-investigation"), "an investigation of nothing by no one (a warning)"),
    "StatementAgentShape": ("statement", lambda f: f.drop(STATEMENT, "kg:agent"), STATEMENT, "a statement by no one (a warning)"),
    "DenialTargetShape": ("denial", lambda f: f.drop(STATEMENT, "kg:denies"), STATEMENT, "a denial of nothing"),
    "AdmissionTargetShape": ("admission", lambda f: f.drop(STATEMENT, "kg:admits"), STATEMENT, "an admission of nothing"),
    "AllegationTargetShape": ("allegation", lambda f: f.drop(STATEMENT, "kg:alleges"), STATEMENT, "an allegation of nothing"),
    "CurrencyShape": ("monetary-amount", lambda f: f.set(iri("amount/usd-45000"), "kg:currency", lit("dollars", None)), iri("amount/usd-45000"), "a currency that is not an ISO code"),
    "ClaimSourceShape": ("meeting", lambda f: f.drop(MC1, "kg:statedIn"), MC1, "a claim not stated in any source"),
    "ClaimStatusShape": ("meeting", lambda f: f.drop(MC1, "kg:epistemicStatus"), MC1, "a claim without a status"),
    "ClaimAboutShape": ("meeting", m_claim_no_about, iri("claim/event-2017-05-oval-office-meeting-2"), "a claim about nothing"),
    "ClaimQuoteShape": ("meeting", lambda f: [f.drop(s) for s in list(f.order) if "#" in s] and f.drop(MC1, "oa:hasTarget"), MC1, "a claim without a quote"),
    "TargetSourceShape": ("meeting", lambda f: f.drop(sel(MC1, "target"), "oa:hasSource"), sel(MC1, "target"), "a quote target without its source"),
    "QuoteExactShape": ("meeting", lambda f: f.drop(sel(MC1, "quote"), "oa:exact"), sel(MC1, "quote"), "a quote selector without its text"),
    "QuoteInSourceShape": ("meeting", m_quote_not_in_source, sel(MC1, "quote"), "a quote that is not in the source"),
    "PositionShape": ("meeting", m_position_type, sel(MC1, "position"), "an offset written as text"),
    "PositionMatchesQuoteShape": ("meeting", m_position_shift, sel(MC1, "position"), "offsets one character off"),
    "RelationClaimShape": ("meeting", m_relation_parts, iri("claim/event-2017-05-oval-office-meeting-2"), "a relation claim with two objects"),
    "HedgedRelationShape": ("meeting", m_hedged, iri("claim/event-2017-05-oval-office-meeting-2"), "an alleged attendee asserted as a plain triple"),
    "SourceTextShape": ("source-document", lambda f: f.drop(SOURCE, "schema:text"), SOURCE, "a source without its stored text"),
    "SourceChecksumShape": ("source-document", lambda f: f.set(SOURCE, "kg:sha256", lit("0" * 64, None)), SOURCE, "a checksum that is not the text's"),
    "SchemeConceptShape": ("scheme-concepts", m_scheme, "<http://127.0.0.1:8000/status/unverified>", "a status concept outside any scheme"),
}

def short(term):
    for prefix, ns in [("event:", BASE + "event/"), ("claim:", BASE + "claim/"), ("person:", BASE + "person/")]:
        if term.startswith("<" + ns) and "#" not in term and term[1:-1][len(ns):].replace("-", "").isalnum():
            return prefix + term[1:-1][len(ns):]
    return term

def write():
    (ROOT / "valid").mkdir(parents=True, exist_ok=True)
    (ROOT / "invalid").mkdir(parents=True, exist_ok=True)
    for name, make in VALID.items():
        (ROOT / "valid" / f"{name}.ttl").write_text(
            f"# A valid graph with a node of the class this file is named after.\n{HEADER}\n{make().turtle()}", encoding="utf-8")
    for shape, (base_name, mutate, focus, why) in INVALID.items():
        f = VALID[base_name]()
        mutate(f)
        head = f"# Breaks kgsh:{shape}: {why}.\n# Made from valid/{base_name}.ttl.\n# expect: kgsh:{shape} {short(focus)}\n"
        (ROOT / "invalid" / f"{shape}.ttl").write_text(head + HEADER + "\n" + f.turtle(), encoding="utf-8")

write()
