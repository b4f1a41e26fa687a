"""The vocabulary: the default base, every namespace, the IRI folders, and moving IRIs to another base.

Every IRI of the dataset lives under one base (Config.base). The edit files (ontology/, data/,
queries/) are written under DEFAULT_BASE; a build for another base moves them with `rebase`
(kg.load.rebase applies the same rule to the terms of a parsed graph).
"""

from __future__ import annotations

#: The base the edit files (ontology/, data/, queries/) are written with; builds may move IRIs to another.
DEFAULT_BASE = "http://127.0.0.1:8000/"

# --------------------------------------------------------------------------- namespaces of others

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
FOAF = "http://xmlns.com/foaf/0.1/"
PROV = "http://www.w3.org/ns/prov#"
OA = "http://www.w3.org/ns/oa#"
DCTERMS = "http://purl.org/dc/terms/"
WIKIDATA = "http://www.wikidata.org/entity/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"
SPDX = "http://spdx.org/rdf/terms#"
SH = "http://www.w3.org/ns/shacl#"
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
ENTAILMENT = "http://www.w3.org/ns/entailment/"

RDF_TYPE = RDF + "type"

# --------------------------------------------------------------------------- our IRIs: BASE/folder/slug

#: Folders of the ids the curated data may use (data/README.md): BASE/person/michael-flynn...
ID_FOLDERS = ("person", "org", "group", "place", "country", "position", "document", "info", "law", "topic",
              "work", "amount", "event", "source")
#: Claims: minted by the loader (BASE/claim/<node>-<n>), never written in the data.
CLAIM_FOLDER = "claim"
#: The SKOS concept schemes of ontology/schemes.ttl: BASE/status/alleged, BASE/precision/month.
SCHEME_FOLDERS = ("status", "precision")
#: Every folder whose IRIs dereference to a page about a thing.
ENTITY_FOLDERS = (*ID_FOLDERS, CLAIM_FOLDER, *SCHEME_FOLDERS)
#: Named graphs: BASE/graph/asserted, /inferred, /ontology.
GRAPH_FOLDER = "graph"


def ontology_ns(base: str) -> str:
    return f"{base}ontology#"


def scheme_ns(base: str, scheme: str) -> str:
    """BASE/status/ or BASE/precision/."""
    return f"{base}{scheme}/"


def prefixes(base: str) -> dict[str, str]:
    """The fixed prefixes of every Turtle/TriG dump and document (a stable set keeps diffs small)."""
    own = {name: f"{base}{name}/" for name in (*ID_FOLDERS, CLAIM_FOLDER, GRAPH_FOLDER)}
    return {
        **own,
        "kg": ontology_ns(base), "status": scheme_ns(base, "status"), "prec": scheme_ns(base, "precision"),
        "rdf": RDF,
        "rdfs": RDFS,
        "owl": OWL,
        "xsd": XSD,
        "skos": SKOS,
        "schema": SCHEMA,
        "foaf": FOAF,
        "prov": PROV,
        "oa": OA,
        "dcterms": DCTERMS,
        "wd": WIKIDATA,
        "void": VOID,
        "dcat": DCAT,
        "spdx": SPDX,
    }


# --------------------------------------------------------------------------- moving to another base


def rebase(text: str, base: str) -> str:
    """Text written under DEFAULT_BASE (a Turtle file, a query, one IRI) with its IRIs moved to `base`.

    Textual on purpose: the shapes and the queries also name the base inside literals
    (sh:namespace) and SPARQL strings, which a rewrite of parsed terms would miss.
    """
    return text if base == DEFAULT_BASE else text.replace(DEFAULT_BASE, base)
