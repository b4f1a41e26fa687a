"""Time OWL-RL inference (kg.infer) with owlrl and reasonable, and compare their closures.

    python bench/bench_inference.py                 # real graph (if it loads), 10k, 100k
    python bench/bench_inference.py --sizes 10000   # only the 10k synthetic graph
    python bench/bench_inference.py --engines reasonable --sizes 100000

The synthetic graphs have the real data's shape: people, organisations, attested meetings with
kg:attendee, alleged meetings with kg:participant, calls, firings, denials of meetings, and one
claim per node with its Web Annotation target and selectors. Results go in bench/RESULTS.md,
section "## Inference".
"""

from __future__ import annotations

import argparse
import random
import sys
import time

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef

BASE = "http://127.0.0.1:8000/"
KG = Namespace(BASE + "ontology#")
OA = Namespace("http://www.w3.org/ns/oa#")
STATUS = Namespace(BASE + "status/")


def synthetic_graph(target_triples: int, seed: int = 1) -> Graph:
    """A graph of about target_triples asserted triples, shaped like the curated data."""
    rng = random.Random(seed)
    graph = Graph()
    source = URIRef(BASE + "source/article")
    graph.add((source, RDF.type, KG.SourceDocument))
    graph.add((source, RDFS.label, Literal("Synthetic source", lang="en")))
    people = max(10, target_triples // 60)
    persons = [URIRef(f"{BASE}person/p{i}") for i in range(people)]
    for i, person in enumerate(persons):
        graph.add((person, RDF.type, KG.Person))
        graph.add((person, RDFS.label, Literal(f"Person {i}", lang="en")))
    orgs = [URIRef(f"{BASE}org/o{i}") for i in range(max(3, people // 10))]
    for i, org in enumerate(orgs):
        graph.add((org, RDF.type, KG.GovernmentBody))
        graph.add((org, RDFS.label, Literal(f"Organisation {i}", lang="en")))
        graph.add((rng.choice(persons), KG.memberOf, org))
    n = 0
    while len(graph) < target_triples:
        n += 1
        kind = n % 5
        event = URIRef(f"{BASE}event/e{n}")
        graph.add((event, RDFS.label, Literal(f"Event {n}", lang="en")))
        graph.add((event, KG.date, Literal(f"2016-{1 + n % 12:02d}", datatype=XSD.gYearMonth)))
        status = "reported"
        a, b = rng.sample(persons, 2)
        if kind == 0:
            graph.add((event, RDF.type, KG.Meeting))
            graph.add((event, KG.sideOne, a))
            graph.add((event, KG.sideTwo, b))
        elif kind == 1:
            status = "alleged"
            graph.add((event, RDF.type, KG.Meeting))
            graph.add((event, KG.participant, a))
            graph.add((event, KG.participant, b))
        elif kind == 2:
            graph.add((event, RDF.type, KG.PhoneCall))
            graph.add((event, KG.agent, a))
            graph.add((event, KG.recipient, b))
        elif kind == 3:
            graph.add((event, RDF.type, KG.Firing))
            graph.add((event, KG.dismissed, a))
            graph.add((event, KG.agent, b))
        else:
            graph.add((event, RDF.type, KG.Denial))
            graph.add((event, KG.agent, a))
            graph.add((event, KG.denies, URIRef(f"{BASE}event/e{max(1, n - 3)}")))
        graph.add((event, KG.epistemicStatus, STATUS[status]))
        add_claim(graph, event, n, status, source)
    return graph


def add_claim(graph: Graph, node: URIRef, n: int, status: str, source: URIRef) -> None:
    claim = URIRef(f"{BASE}claim/e{n}-1")
    target, quote, position = (URIRef(f"{claim}#{part}") for part in ("target", "quote", "position"))
    graph.add((claim, RDF.type, KG.Claim))
    graph.add((claim, KG.claimAbout, node))
    graph.add((claim, KG.epistemicStatus, STATUS[status]))
    graph.add((claim, KG.statedIn, source))
    graph.add((claim, OA.hasTarget, target))
    graph.add((target, OA.hasSource, source))
    graph.add((target, OA.hasSelector, quote))
    graph.add((target, OA.hasSelector, position))
    graph.add((quote, RDF.type, OA.TextQuoteSelector))
    graph.add((quote, OA.exact, Literal(f"quote {n}")))
    graph.add((position, RDF.type, OA.TextPositionSelector))
    graph.add((position, OA.start, Literal(n, datatype=XSD.nonNegativeInteger)))


def real_graph():
    """The curated data through the loader, or None when it does not load (yet)."""
    try:
        from kg.config import from_env
        from kg.load import load_data, load_ontology

        config = from_env(environ={})
        ontology = load_ontology(config)
        loaded = load_data(config, ontology)
        return loaded.graph if len(loaded.graph) > 20 else None
    except Exception as exc:  # noqa: BLE001 - a benchmark reports, it does not stop
        print(f"real graph: not loaded ({exc})", file=sys.stderr)
        return None


def measure(name: str, asserted: Graph, ontology: Graph, engines: list[str]) -> dict:
    from kg.infer import infer

    row = {"graph": name, "asserted": len(asserted)}
    closures = {}
    for engine in engines:
        started = time.perf_counter()
        closures[engine] = infer(asserted, ontology, engine=engine)
        row[engine] = time.perf_counter() - started
        row[f"{engine}_inferred"] = len(closures[engine])
    if len(closures) == 2:
        a, b = (set(g) for g in closures.values())
        row["only_owlrl"], row["only_reasonable"] = len(a - b), len(b - a)
    return row


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=[10_000, 100_000])
    parser.add_argument("--engines", nargs="*", default=["owlrl", "reasonable"])
    parser.add_argument("--no-real", action="store_true", help="skip the real graph")
    args = parser.parse_args(argv)
    from kg.config import from_env
    from kg.load import load_ontology

    ontology = load_ontology(from_env(environ={}))
    graphs = []
    if not args.no_real and (real := real_graph()) is not None:
        graphs.append(("real", real))
    graphs += [(f"synthetic {size // 1000}k", synthetic_graph(size)) for size in args.sizes]
    print("| graph | asserted | " + " | ".join(f"{e} s | {e} inferred" for e in args.engines) + " | only owlrl | only reasonable |")
    print("|---" * (4 + 2 * len(args.engines)) + "|")
    for name, graph in graphs:
        row = measure(name, graph, ontology, args.engines)
        cells = [name, str(row["asserted"])]
        for engine in args.engines:
            cells += [f"{row[engine]:.2f}", str(row[f"{engine}_inferred"])]
        cells += [str(row.get("only_owlrl", "-")), str(row.get("only_reasonable", "-"))]
        print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
