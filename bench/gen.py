"""Deterministic synthetic data in kg's curated format, for scale benchmarks.

    python bench/gen.py SIZE --out DIR [--seed N] [--format yaml|nt]

`--format yaml` (the default) writes a data folder laid out like data/ (data/README.md):
`sources/` with synthetic source texts and sources.yaml (their SHA-256), `entities.yaml` and one
`entries/NNNNN-article.yaml` per synthetic article, with events of every kind the shapes know
(meetings attested and alleged, calls, e-mails, firings, appointments, disclosures,
investigations, statements, denials, admissions, allegations, financial ties with amounts,
reports), typed roles, dates of every precision (day, month, season, year, bounds only) with
qualifiers and the text's own words, claims of every status with credited outlets, sources and
verbatim quotes, and relation claims (plain only when confirmed, reported or admitted). Every
quote, heading and date text really occurs in its article's text, so `kg build --data DIR` runs
the whole pipeline on it and the SHACL gate accepts it.

Everything here is made up and says so: people are "Synthetic person ...", outlets "Synthetic
outlet ...", and no node is linked to Wikidata (no mapping table is written).

SIZE is the number of asserted triples aimed at (the loader's output, within a few per cent);
the same SIZE and seed always give the same bytes. `--format nt` writes DIR/asserted.nt instead:
the same graph, loaded and serialized, to feed `kg serve --data` directly.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import sys
import tempfile
import time
from pathlib import Path

EVENTS_PER_ARTICLE = 24
NODES_PER_REGISTER = 250  # shared nodes per register file (each with a source text of its own)
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
SEASONS = ("spring", "summer", "autumn", "winter")
GIVEN = ("Mara", "Ivo", "Lena", "Oskar", "Vera", "Timo", "Nadia", "Emil", "Sasha", "Dora", "Kiril",
         "Ilse", "Rafe", "Zoya", "Anton", "Greta", "Léa", "Jiří", "Øyvind", "Ana")
FAMILY = ("Kovel", "Dren", "Marsk", "Vollin", "Tesk", "Harrow", "Lunde", "Prael", "Sorin", "Quell",
          "Bastyr", "Ferro", "Nemec", "Orlov", "Weiss", "Zaric", "Holm", "Castel", "Dvořák", "Ní Bhriain")
OUTLETS = ("Daily", "Herald", "Courier", "Tribune", "Ledger", "Monitor", "Gazette", "Observer")
STRONG = ("reported", "confirmed", "admitted")


def quoted(text: str) -> str:
    """A YAML double-quoted scalar (JSON's escapes are YAML's)."""
    return json.dumps(text, ensure_ascii=False)


class Article:
    """One synthetic source: its sentences, and the YAML nodes whose claims quote them."""

    def __init__(self, source_id: str, heading: str):
        self.source_id = source_id
        self.heading = heading
        self.sentences: list[str] = [heading + "."]
        self.nodes: list[str] = []

    def say(self, sentence: str) -> str:
        self.sentences.append(sentence)
        return sentence

    def text(self) -> str:
        lines, paragraph = [], []
        for sentence in self.sentences:
            paragraph.append(sentence)
            if len(paragraph) == 4:
                lines.append(" ".join(paragraph))
                paragraph = []
        if paragraph:
            lines.append(" ".join(paragraph))
        return "\n\n".join(lines) + "\n"


class Generator:
    def __init__(self, size: int, seed: int):
        self.size = size
        self.random = random.Random(seed)
        self.triples = 0  # asserted triples so far, counted as the loader will make them
        self.articles: list[Article] = []
        scale = max(1, size // 1000)
        self.people = [f"person/p{i:06d}" for i in range(max(12, 2 * scale))]
        self.outlets = [f"org/outlet-{i:04d}" for i in range(max(4, scale // 8))]
        self.bodies = [f"org/body-{i:04d}" for i in range(max(4, scale // 8))]
        self.groups = [f"group/g{i:05d}" for i in range(max(4, scale // 4))]
        self.countries = [f"country/c{i:03d}" for i in range(12)]
        self.places = [f"place/l{i:05d}" for i in range(max(6, scale // 2))]
        self.positions = [f"position/r{i:04d}" for i in range(max(6, scale // 10))]
        self.topics = [f"topic/t{i:04d}" for i in range(max(6, scale // 10))]
        self.documents = [f"document/d{i:05d}" for i in range(max(4, scale // 4))]
        self.names: dict[str, str] = {}

    # -- names ---------------------------------------------------------------
    def name(self, node_id: str) -> str:
        if node_id not in self.names:
            folder, slug = node_id.split("/")
            number = int("".join(c for c in slug if c.isdigit()) or 0)
            if folder == "person":
                given, family = GIVEN[number % len(GIVEN)], FAMILY[(number // len(GIVEN)) % len(FAMILY)]
                label = f"Synthetic person {given} {family} {number}"
            elif slug.startswith("outlet"):
                label = f"Synthetic outlet The {OUTLETS[number % len(OUTLETS)]} {number}"
            elif slug.startswith("body"):
                label = f"Synthetic agency {number}"
            else:
                label = f"Synthetic {folder} {number}"
            self.names[node_id] = label
        return self.names[node_id]

    def pick(self, items: list[str], k: int = 1) -> list[str]:
        return self.random.sample(items, k)

    # -- output ----------------------------------------------------------------
    def node(self, article: Article, node_id: str, types: list[str], label: str, props: dict,
             claims: list[dict], description: str | None = None, date: tuple | None = None,
             alt: list[str] = ()) -> None:
        lines = [f"  - id: {node_id}", f"    type: [{', '.join(types)}]", f"    label: {quoted(label)}"]
        count = len(types) + 1
        if description:
            lines.append(f"    description: {quoted(description)}")
            count += 1
        if alt:
            lines.append(f"    altLabel: [{', '.join(quoted(a) for a in alt)}]")
            count += len(alt)
        if date:
            value, words, qualifier = date
            lines.append(f"    date: {quoted(value)}")
            lines.append(f"    dateText: {quoted(words)}")
            count += 3
            if qualifier:
                lines.append(f"    dateQualifier: {qualifier}")
                count += 1
        for key, value in props.items():
            values = value if isinstance(value, list) else [value]
            shown = ", ".join(str(v) if isinstance(v, int) or ("/" in v and " " not in v) else quoted(v)
                              for v in values)
            lines.append(f"    {key}: [{shown}]")
            count += len(values)
        lines.append("    claims:")
        statuses = set()
        for claim in claims:
            lines.append(f"      - quote: {quoted(claim['quote'])}")
            lines.append(f"        status: {claim['status']}")
            count += 16  # claim: type, status, statedIn, hasTarget, claimAbout; target 4; quote 4; position 3
            for key in ("reportedBy", "accordingTo"):
                if claim.get(key):
                    lines.append(f"        {key}: {claim[key]}")
                    count += 1
            if "predicate" in claim:
                lines.append(f"        predicate: {claim['predicate']}")
                lines.append(f"        object: {claim['object']}")
                count += 4 + (claim["status"] in STRONG)  # reified (type, s, p, o) + the plain triple
            else:
                statuses.add(claim["status"])
        count += len(statuses)  # the node's kg:epistemicStatus values
        article.nodes.append("\n".join(lines))
        self.triples += count

    def new_article(self, index: int) -> Article:
        article = Article(f"source/article-{index:05d}", f"Synthetic report {index}: who met whom")
        self.articles.append(article)
        self.triples += 6  # the source node
        return article

    def date(self, article_index: int, kind: int) -> tuple[str, str, str | None]:
        year = 1990 + (article_index + kind) % 35
        month = 1 + (article_index * 7 + kind) % 12
        day = 1 + (article_index * 13 + kind) % 28
        choice = kind % 5
        if choice == 0:
            return f"{year}-{month:02d}-{day:02d}", f"{MONTHS[month - 1]} {day}, {year}", None
        if choice == 1:
            return f"{year}-{month:02d}", f"{MONTHS[month - 1]} {year}", None
        if choice == 2:
            return f"{year}-{month:02d}", f"early {MONTHS[month - 1]} {year}", "early"
        if choice == 3:
            season = SEASONS[kind % 4]
            return f"{year}", f"the {season} of {year}", season
        return f"{year}", f"{year}", None

    # -- the graph ---------------------------------------------------------------
    def generate(self) -> None:
        self.registers: list[Article] = []
        index = 0
        self.entities()
        while self.triples < self.size:
            index += 1
            self.article(self.new_article(index), index)

    def register(self) -> Article:
        """The register file for the next shared node: a new one every NODES_PER_REGISTER nodes, so
        that no source text (and no quote search in it) grows with the size of the graph."""
        if not self.registers or len(self.registers[-1].nodes) >= NODES_PER_REGISTER:
            number = len(self.registers) + 1
            self.registers.append(Article(f"source/register-{number:04d}",
                                          f"Synthetic register {number} of people and organisations"))
            self.triples += 6
        return self.registers[-1]

    def entities(self) -> None:
        n = self.name
        for i, pid in enumerate(self.people):
            a = self.register()
            position = self.positions[i % len(self.positions)]
            claims = [{"quote": a.say(f"{n(pid)} is a synthetic person number {i}."), "status": "reported"},
                      {"quote": a.say(f"{n(pid)} held the post of {n(position)}."), "status": "reported",
                       "predicate": "heldPosition", "object": position}]
            if i % 5 == 1:
                group = self.groups[i % len(self.groups)]
                claims.append({"quote": a.say(f"{n(pid)} was said to belong to {n(group)}."),
                               "status": "alleged", "predicate": "memberOf", "object": group,
                               "accordingTo": self.groups[(i + 1) % len(self.groups)]})
            if i % 7 == 2 and i > 0:
                claims.append({"quote": a.say(f"{n(pid)} is the child of {n(self.people[i - 1])}."),
                               "status": "confirmed", "predicate": "childOf", "object": self.people[i - 1]})
            self.node(a, pid, ["Person"], n(pid), {}, claims,
                      description=f"A made-up person for benchmarks ({i}).",
                      alt=[f"P{i}"] if i % 3 == 0 else [])
        for oid in self.outlets:
            a = self.register()
            self.node(a, oid, ["NewsOrganization"], n(oid), {"country": self.pick(self.countries)[0]},
                      [{"quote": a.say(f"{n(oid)} is a synthetic news outlet."), "status": "reported"}])
        for oid in self.bodies:
            a = self.register()
            self.node(a, oid, ["GovernmentBody"], n(oid), {},
                      [{"quote": a.say(f"{n(oid)} is a synthetic government agency."), "status": "reported"}])
        for gid in self.groups:
            a = self.register()
            self.node(a, gid, ["Group"], n(gid), {},
                      [{"quote": a.say(f"{n(gid)} is a synthetic group of people."), "status": "reported"}])
        for kind, ids, cls in (("country", self.countries, "Country"), ("place", self.places, "Place"),
                               ("position", self.positions, "Position"), ("topic", self.topics, "Topic"),
                               ("document", self.documents, "Document")):
            for node_id in ids:
                a = self.register()
                self.node(a, node_id, [cls], n(node_id), {},
                          [{"quote": a.say(f"{n(node_id)} is a synthetic {kind}."), "status": "reported"}])

    def article(self, a: Article, index: int) -> None:
        n, pick = self.name, self.pick
        events: list[str] = []
        alleged: list[str] = []
        for k in range(EVENTS_PER_ARTICLE):
            if k and self.triples >= self.size:
                break  # stop within an article: the size is met to one event
            eid = f"event/e{index:05d}-{k:02d}"
            kind = (index + k) % 13
            date = self.date(index, k) if k % 4 != 3 else None
            when = date[1] if date else "at a time the report does not give"
            outlet = pick(self.outlets)[0]
            label_no = f"{index}.{k}"
            props: dict = {}
            claims: list[dict] = []
            types: list[str]
            if kind == 0:  # an attested meeting, reported by an outlet, denied by a participant
                p1, p2, p3 = pick(self.people, 3)
                types, label = ["Meeting"], f"Meeting {label_no} of {n(p1)} and {n(p2)}"
                props = {"attendee": [p1, p2, p3], "place": pick(self.places)[0]}
                claims = [{"quote": a.say(f"In {when}, {n(p1)}, {n(p2)} and {n(p3)} met ({label_no})."),
                           "status": "reported", "reportedBy": outlet},
                          {"quote": a.say(f"{n(p2)} denied that the meeting {label_no} took place."),
                           "status": "denied"}]
            elif kind == 1:  # an alleged meeting: participants only, never attendees
                p1, p2 = pick(self.people, 2)
                types, label = ["Meeting"], f"Alleged meeting {label_no} of {n(p1)} and {n(p2)}"
                props = {"participant": [p1, p2]}
                claims = [{"quote": a.say(f"Sources said {n(p1)} secretly met {n(p2)} in {when} ({label_no})."),
                           "status": "alleged", "accordingTo": pick(self.groups)[0], "reportedBy": outlet}]
                alleged.append(eid)
            elif kind == 2:
                p1, p2 = pick(self.people, 2)
                types, label = ["PhoneCall"], f"Call {label_no} from {n(p1)} to {n(p2)}"
                props = {"agent": p1, "recipient": p2, "concerns": pick(self.topics)[0]}
                claims = [{"quote": a.say(f"{n(p1)} phoned {n(p2)} in {when} ({label_no})."),
                           "status": "confirmed"}]
            elif kind == 3:
                p1, p2 = pick(self.people, 2)
                types, label = ["Email"], f"E-mail {label_no} from {n(p1)}"
                props = {"agent": p1, "recipient": [p2, pick(self.bodies)[0]]}
                claims = [{"quote": a.say(f"{n(p1)} wrote to {n(p2)} in {when}, the outlet said ({label_no})."),
                           "status": "claimed", "reportedBy": outlet}]
            elif kind == 4:
                p1, p2 = pick(self.people, 2)
                types, label = ["Firing"], f"{n(p1)} fires {n(p2)} ({label_no})"
                props = {"agent": p1, "dismissed": p2}
                claims = [{"quote": a.say(f"{n(p1)} fired {n(p2)} in {when} ({label_no})."), "status": "confirmed"}]
            elif kind == 5:
                p1 = pick(self.people)[0]
                position = pick(self.positions)[0]
                types, label = ["Appointment"], f"{n(p1)} appointed {n(position)} ({label_no})"
                props = {"appointee": p1, "position": position}
                if events:
                    props["after"] = events[-1]
                claims = [{"quote": a.say(f"{n(p1)} was appointed {n(position)} in {when} ({label_no})."),
                           "status": "reported", "reportedBy": outlet}]
            elif kind == 6:
                p1 = pick(self.people)[0]
                info = f"info/i{index:05d}-{k:02d}"
                self.node(a, info, ["Information"], f"Synthetic information {label_no}", {},
                          [{"quote": a.say(f"The information {label_no} was classified."), "status": "reported"}])
                types, label = ["Disclosure"], f"{n(p1)} discloses information {label_no}"
                props = {"agent": p1, "recipient": pick(self.groups)[0], "disclosed": info}
                claims = [{"quote": a.say(f"{n(p1)} passed the information {label_no} on in {when}."),
                           "status": "admitted"}]
            elif kind == 7:
                body, p1 = pick(self.bodies)[0], pick(self.people)[0]
                types, label = ["Investigation"], f"Investigation {label_no} of {n(p1)}"
                props = {"investigator": body, "investigated": p1, "notAfter": str(1990 + index % 35)}
                date = None
                claims = [{"quote": a.say(f"{n(body)} was investigating {n(p1)} by {1990 + index % 35} ({label_no})."),
                           "status": "reported", "reportedBy": outlet}]
            elif kind == 8 and alleged:
                p1 = pick(self.people)[0]
                types, label = ["Denial"], f"{n(p1)} denies {label_no}"
                props = {"agent": p1, "denies": alleged[-1]}
                claims = [{"quote": a.say(f"{n(p1)} called the story {label_no} false in {when}."), "status": "reported"}]
            elif kind == 9 and events:
                p1 = pick(self.people)[0]
                types, label = ["Admission"], f"{n(p1)} admits {label_no}"
                props = {"agent": p1, "admits": events[-1]}
                claims = [{"quote": a.say(f"{n(p1)} later admitted it ({label_no})."), "status": "admitted"}]
            elif kind == 10 and events:
                group = pick(self.groups)[0]
                types, label = ["Allegation"], f"{n(group)} alleges {label_no}"
                props = {"agent": group, "alleges": events[-1]}
                claims = [{"quote": a.say(f"{n(group)} alleged wrongdoing in {when} ({label_no})."),
                           "status": "alleged", "accordingTo": group}]
            elif kind == 11:
                p1, p2 = pick(self.people, 2)
                amount = f"amount/m{index:05d}-{k:02d}"
                value = 1000 * (1 + (index * 31 + k) % 997)
                self.node(a, amount, ["MonetaryAmount"], f"{value} US dollars ({label_no})",
                          {"value": value, "currency": "USD"},
                          [{"quote": a.say(f"The sum {label_no} was {value} dollars."), "status": "reported"}])
                types, label = ["FinancialTie"], f"{n(p1)} pays {n(p2)} ({label_no})"
                props = {"agent": p1, "beneficiary": p2, "amount": amount}
                claims = [{"quote": a.say(f"{n(p1)} paid {n(p2)} in {when} ({label_no})."), "status": "reported",
                           "reportedBy": outlet},
                          {"quote": a.say(f"The payment {label_no} was a loan, {n(p1)} said."), "status": "claimed",
                           "predicate": "concerns", "object": pick(self.topics)[0]}]
            else:
                types, label = ["Report"], f"{n(outlet)} reports {label_no}"
                props = {"agent": outlet, "concerns": events[-1] if events else pick(self.topics)[0],
                         "about": pick(self.documents)[0]}
                claims = [{"quote": a.say(f"{n(outlet)} reported on it in {when} ({label_no})."),
                           "status": "reported", "reportedBy": outlet}]
            if date and date[1] not in " ".join(c["quote"] for c in claims):
                date = None
            self.node(a, eid, types, label, props, claims, date=date,
                      description=f"Synthetic event {label_no}." if k % 2 else None)
            events.append(eid)

    # -- files -----------------------------------------------------------------
    def write(self, out: Path) -> None:
        (out / "sources").mkdir(parents=True, exist_ok=True)
        (out / "entries").mkdir(parents=True, exist_ok=True)
        sources = ["# Synthetic sources made by bench/gen.py (made up, for benchmarks only)."]
        files = [(a, f"entries/00000-register-{i:04d}.yaml") for i, a in enumerate(self.registers, start=1)]
        files += [(a, f"entries/{i:05d}-article.yaml") for i, a in enumerate(self.articles, start=1)]
        for article, file_name in files:
            text = article.text().encode("utf-8")
            text_name = article.source_id.split("/")[1] + ".txt"
            (out / "sources" / text_name).write_bytes(text)
            sources += [f"- id: {article.source_id}", "  type: SourceDocument",
                        f"  label: {quoted(article.heading)}", f"  file: {text_name}",
                        f"  sha256: {hashlib.sha256(text).hexdigest()}"]
            body = [f"source: {article.source_id}"]
            body.append(f"entry: {quoted(article.heading)}")
            body.append("nodes:")
            (out / file_name).write_text("\n".join(body + article.nodes) + "\n", encoding="utf-8")
        (out / "sources" / "sources.yaml").write_text("\n".join(sources) + "\n", encoding="utf-8")


def write_nt(data_dir: Path, out: Path) -> int:
    """Load the generated folder with kg's loader and write its asserted graph as N-Triples."""
    import pyoxigraph as ox

    from kg.config import from_env
    from kg.load import load_data

    config = from_env(environ={}).replace(data_root=data_dir)
    loaded = load_data(config)
    ntriples = loaded.graph.serialize(format="nt", encoding="utf-8")
    triples = sorted(ox.parse(ntriples, format=ox.RdfFormat.N_TRIPLES), key=str)
    out.write_bytes(ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES))
    return len(triples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("size", type=int, help="asserted triples to aim at (e.g. 10000, 1000000)")
    parser.add_argument("--out", required=True, type=Path, help="folder to write (created)")
    parser.add_argument("--seed", type=int, default=12, help="random seed (default 12)")
    parser.add_argument("--format", choices=("yaml", "nt"), default="yaml",
                        help="yaml: a data folder for `kg build --data`; nt: OUT/asserted.nt for `kg serve --data`")
    args = parser.parse_args(argv)
    if args.size < 1000:
        parser.error("SIZE must be at least 1000")
    started = time.monotonic()
    generator = Generator(args.size, args.seed)
    generator.generate()
    if args.format == "yaml":
        generator.write(args.out)
        print(f"wrote {args.out}: {len(generator.articles)} articles, ~{generator.triples} asserted triples "
              f"in {time.monotonic() - started:.1f} s", file=sys.stderr)
    else:
        args.out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as temp:
            generator.write(Path(temp))
            count = write_nt(Path(temp), args.out / "asserted.nt")
        print(f"wrote {args.out / 'asserted.nt'}: {count} triples in {time.monotonic() - started:.1f} s",
              file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
