"""The timeline: every event the article dates, in order, with its date drawn as precisely as
the text allows and no more, its statuses, parties and quotes.

Events the article does not date but orders ("after Flynn's December 2016 conversation") are
placed by that order and say so; events it neither dates nor orders are listed apart as undated,
never silently at the end of the dated ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .dates import Span, bar
from ..catalog import Claim
from .model import Evidence, Node, ordered

#: Links from an event to a node that say who or what took part in it, in display order.
ROLE_ORDER = ("agent", "sideOne", "sideTwo", "attendee", "participant", "recipient", "appointee", "dismissed", "investigator",
              "investigated", "beneficiary", "fundingSource", "author", "disclosed", "position", "place", "concerns")
#: Kinds of node a "person" or "organisation" filter can name.
PERSON_KINDS = ("person",)
ORGANISATION_KINDS = ("org", "group", "country")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")


@dataclass(frozen=True)
class Party:
    role: str  # predicate local name
    role_label: str
    id: str
    label: str
    kind: str
    statuses: tuple[str, ...]  # of the claims this role rests on
    plain: bool  # False: the role exists only on its claims (alleged, claimed or denied)


@dataclass
class Entry:
    node: Node
    type_label: str
    when: Span | None
    date_label: str  # the date as written, or how the event is placed
    how_placed: str  # "dated" | "bounded" | "ordered" | "undated"
    parties: list[Party]
    claims: list[Claim]
    bars: list[tuple[int, float, float]] = field(default_factory=list)  # (year, left %, width %)

    @property
    def statuses(self) -> tuple[str, ...]:
        return self.node.statuses or ordered(c.status for c in self.claims)


@dataclass
class Timeline:
    entries: list[Entry]  # dated, bounded or ordered events, earliest first
    undated: list[Entry]  # events the article neither dates nor orders
    years: list[int]

    def filtered(self, person: str | None = None, organisation: str | None = None,
                 event_type: str | None = None, status: str | None = None) -> "Timeline":
        def keep(entry: Entry) -> bool:
            ids = {p.id for p in entry.parties}
            return ((not person or person in ids) and (not organisation or organisation in ids)
                    and (not event_type or event_type in entry.node.entity.all_types)
                    and (not status or status in entry.statuses))
        return Timeline([e for e in self.entries if keep(e)], [e for e in self.undated if keep(e)], self.years)

    def choices(self, evidence: Evidence) -> dict[str, list[tuple[str, str]]]:
        """The values each filter offers: (value, label), sorted by label."""
        parties = {p.id: p for e in self.entries + self.undated for p in e.parties}

        def of(kinds):
            return sorted(((pid, p.label) for pid, p in parties.items() if p.kind in kinds), key=lambda x: x[1])
        types = {c for e in self.entries + self.undated for c in e.node.entity.types}
        statuses = {s for e in self.entries + self.undated for s in e.statuses}
        return {
            "person": of(PERSON_KINDS),
            "organisation": of(ORGANISATION_KINDS),
            "type": sorted(((t, evidence.class_label(t)) for t in types), key=lambda x: x[1]),
            "status": [(s, s) for s in ordered(statuses)],
        }


def build_timeline(evidence: Evidence) -> Timeline:
    entries, undated = [], []
    for node in evidence.nodes.values():
        if not node.is_event:
            continue
        entry = _entry(evidence, node)
        (entries if entry.when else undated).append(entry)
    entries.sort(key=lambda e: (*e.when.sort_key(), e.node.label))
    undated.sort(key=lambda e: e.node.label)
    years = sorted({y for e in entries for y, _, _ in e.bars})
    return Timeline(entries, undated, years)


def parties_of(evidence: Evidence, node: Node) -> list[Party]:
    rank = {role: i for i, role in enumerate(ROLE_ORDER)}
    parties = []
    for link in evidence.outgoing.get(node.id, ()):
        if link.predicate not in rank:
            continue
        other = evidence.nodes[link.object]
        if other.is_event:
            continue
        parties.append(Party(link.predicate, evidence.predicate_label(link.predicate), other.id, other.label,
                             other.kind, link.statuses, link.plain))
    parties.sort(key=lambda p: (rank[p.role], p.label))
    return parties


def placed(evidence: Evidence, node: Node) -> tuple[str, str]:
    """How an event is placed in time ("dated", "bounded", "ordered", "undated") and its date in
    words: as written (with ours when they differ), its bounds, or the events it is ordered by."""
    if node.span and node.span.precision != "bound":
        return "dated", _dated_label(node)
    if node.span:
        return "bounded", _bounds_label(node.span, node.entity.date_text)
    if node.derived_span:
        return "ordered", _order_label(evidence, node)
    return "undated", "not dated in the article"


def _entry(evidence: Evidence, node: Node) -> Entry:
    span = node.when
    how, label = placed(evidence, node)
    entry = Entry(node, " · ".join(evidence.class_label(c) for c in node.entity.types), span, label, how,
                  parties_of(evidence, node), list(node.claims))
    if span:
        first = (span.first or span.last).year
        last = (span.last or span.first).year
        entry.bars = [(year, *bar(span, year)) for year in range(first, last + 1)]
    return entry


def normalized(node: Node) -> str:
    """The date in our words, no more precise than the graph: "early May 2017", "summer 2016", "2014"."""
    span = node.span
    if span.precision == "day":
        return f"{span.first.day} {month_label(span.first)}"
    qualifier = node.entity.date_qualifier
    if span.precision == "month":
        words = month_label(span.first)
        return f"{qualifier} {words}" if qualifier else words
    year = str(span.first.year)
    return f"{qualifier} {year}" if qualifier else year


def _dated_label(node: Node) -> str:
    text, ours = node.entity.date_text, normalized(node)
    if not text:
        return ours
    words = set(text.casefold().split())
    return text if all(w in words for w in ours.casefold().split()) else f"{text} ({ours})"


def month_label(day) -> str:
    return f"{MONTHS[day.month - 1]} {day.year}"


def _bounds_label(span: Span, text: str | None) -> str:
    parts = []
    if span.first:
        parts.append(f"not before {month_label(span.first)}")
    if span.last:
        parts.append(f"by {month_label(span.last)}")
    bounds = ", ".join(parts)
    return f"{text} ({bounds})" if text else bounds


def _order_label(evidence: Evidence, node: Node) -> str:
    words = []
    inverse = {"after": "before", "before": "after"}
    pointing = [(inverse[link.predicate], link.subject) for link in evidence.incoming.get(node.id, ())
                if link.predicate in inverse]
    for relation, other in dict.fromkeys(node.placed_by + pointing):
        target = evidence.nodes.get(other)
        if target is not None:
            when = target.entity.date_text or "itself not dated"
            words.append(f"{relation} “{target.label}” ({when})")
    return "not dated; " + "; ".join(words)
