"""Evidence paths between two entities: every path up to a length limit, shortest first, each hop
with the event or relation it goes through, its date as written, its statuses, the outlets the
article credits and the quotes.

The graph walked is the one of `kg.desk.model`: entities and events joined by the relations the
data states (roles such as agent, attendee, recipient; an event's `concerns`, `partOf`, `denies`,
`alleges`; family, membership, country...). A path's length is its number of links: Trump to an
event he attended to Kislyak is 2. Status and class nodes are not nodes of that graph at all, and
topics, places, positions, laws, amounts and pieces of information may only end a path, never be
passed through (two people concerned by one topic or holding one post at different times are not
connected by it). `after`/`before` order events; they connect nobody.

Filters: `weakest` is the weakest status a hop may rest on (e.g. "reported": no alleged, claimed
or denied hop, and no event that is only alleged); `as_of` keeps only events that had certainly
happened by the end of that day, month or year (their latest possible day is on or before it;
undated, unordered events are left out, standing relations such as family are kept).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import date

from ..catalog import STATUSES
from ..names import NameIndex, is_unambiguous
from .dates import as_of_limit, happened_by
from .model import HEDGED, RANK, Evidence, Link, Node, at_least
from .timeline import placed

DEFAULT_MAX_LENGTH = 4
MAX_LENGTH_LIMIT = 6  # longer searches are refused: the number of paths grows too fast to be useful
#: Kinds of node a path may pass through; the others may only be its ends.
THROUGH_KINDS = frozenset({"person", "org", "group", "country", "event", "document", "work"})
#: Links that connect nothing (they order events in time).
NOT_CONNECTIONS = frozenset({"after", "before", "followedFrom"})
MAX_FOUND = 5000  # paths enumerated at most per search (the answer says when it stopped there)
MAX_KEPT = 5_000  # nodes whose hops are kept
SUGGEST_SCORE = 60.0  # name-index score (0-100) below which a candidate is not worth proposing


class PathQueryError(ValueError):
    """A search that cannot be run: an unknown entity, a bad limit, status or date."""


@dataclass(frozen=True)
class Hop:
    """One link of a path, walked from `start` to `end` (forward: start is the link's subject)."""

    start: str
    end: str
    link: Link
    forward: bool

    @property
    def statuses(self) -> tuple[str, ...]:
        return self.link.statuses

    @property
    def status(self) -> str:
        return self.link.strongest or "reported"


@dataclass(frozen=True)
class Path:
    nodes: tuple[str, ...]
    hops: tuple[Hop, ...]

    @property
    def length(self) -> int:
        return len(self.hops)

    @property
    def weakest(self) -> str:
        """The weakest status any hop rests on: what the path as a whole can claim."""
        return max((h.status for h in self.hops), key=lambda s: RANK.get(s, 99), default="reported")

    @property
    def hedged(self) -> bool:
        return self.weakest in HEDGED


@dataclass
class PathSearch:
    start: Node
    end: Node
    max_length: int
    weakest: str
    as_of: str | None
    paths: list[Path]
    complete: bool  # False when MAX_FOUND paths were found and the search stopped


class PathFinder:
    """Built once per process from the evidence; `search` answers one query. Entities are named by
    id, IRI or name: a name goes through the name index (kg.names) and must be unambiguous."""

    def __init__(self, evidence: Evidence, names: NameIndex):
        self.evidence = evidence
        self.names = names
        self._adjacent: dict[str, list[Hop]] = {}

    def adjacent(self, node_id: str) -> list[Hop]:
        """The hops from a node, strongest status first, then by the label of where they lead; made
        on first use from the node's links (`evidence.links_at`) and kept (up to MAX_KEPT nodes)."""
        hops = self._adjacent.get(node_id)
        if hops is None:
            hops = [Hop(node_id, link.object if link.subject == node_id else link.subject, link,
                        link.subject == node_id) for link in self.evidence.links_at(node_id)
                    if link.predicate not in NOT_CONNECTIONS and link.claims and link.subject != link.object]
            hops.sort(key=lambda h: (RANK.get(h.status, 99), self.evidence.label(h.end)))
            if len(self._adjacent) >= MAX_KEPT:
                self._adjacent.clear()
            self._adjacent[node_id] = hops
        return hops

    def search(self, start: str, end: str, max_length: int = DEFAULT_MAX_LENGTH, weakest: str = STATUSES[-1],
               as_of: str | None = None) -> PathSearch:
        source, target = self._node(start, "from"), self._node(end, "to")
        if source.id == target.id:
            raise PathQueryError(f"'from' and 'to' are the same entity ({source.label})")
        if not 1 <= max_length <= MAX_LENGTH_LIMIT:
            raise PathQueryError(f"max length must be between 1 and {MAX_LENGTH_LIMIT}, not {max_length}")
        if weakest not in RANK:
            raise PathQueryError(f"unknown status {weakest!r}; the statuses are {', '.join(STATUSES)}")
        limit = None
        if as_of:
            try:
                limit = as_of_limit(as_of)
            except ValueError as exc:
                raise PathQueryError(f"as of: {exc}") from None
        allowed = self._allowed(weakest, limit, {source.id, target.id})
        paths, complete = self._enumerate(source.id, target.id, max_length, allowed)
        paths.sort(key=lambda p: (p.length, RANK.get(p.weakest, 99), [self.evidence.label(n) for n in p.nodes]))
        return PathSearch(source, target, max_length, weakest, as_of, paths, complete)

    def resolve(self, text: str) -> list[Node]:
        """The node `text` names: [node] when certain, else the candidates (best first), maybe none."""
        text = (text or "").strip()
        path = text.lstrip("/").removesuffix(".html")
        if path in self.evidence.nodes:
            return [self.evidence.nodes[path]]
        found = self.names.search(text, limit=10, min_score=SUGGEST_SCORE) if text else []
        candidates = [c for c in found if c.id in self.evidence.nodes]
        # A name means a person, organisation... before an event whose label mentions it ("Kislyak").
        things = [c for c in candidates if not self.evidence.nodes[c.id].is_event] or candidates
        nodes = [self.evidence.nodes[c.id] for c in things[:5]]
        return nodes[:1] if is_unambiguous(things) else nodes

    def _node(self, text: str, which: str) -> Node:
        found = self.resolve(text)
        if len(found) == 1:
            return found[0]
        if not found:
            raise PathQueryError(f"'{which}': no entity matches {text!r} (give a name, an id such as "
                                 "person/donald-trump, or an IRI)")
        names = "; ".join(f"{n.label} ({n.id})" for n in found)
        raise PathQueryError(f"'{which}': {text!r} is ambiguous: {names}")

    def _allowed(self, weakest: str, limit: date | None, ends: set[str]):
        evidence = self.evidence

        def node_ok(node_id: str) -> bool:
            node = evidence.nodes[node_id]
            if node_id not in ends and node.kind not in THROUGH_KINDS:
                return False
            if node.is_event:
                if node.statuses and not at_least(node.statuses[0], weakest):
                    return False
                if limit is not None and not happened_by(node.when, limit):
                    return False
            return True

        def hop_ok(hop: Hop) -> bool:
            return at_least(hop.status, weakest)

        return node_ok, hop_ok

    def _enumerate(self, source: str, target: str, max_length: int, allowed) -> tuple[list[Path], bool]:
        node_ok, hop_ok = allowed
        distance = self._distances(source, target, max_length, node_ok, hop_ok)
        if source not in distance:
            return [], True
        found: list[Path] = []
        nodes, hops = [source], []
        on_path = {source}

        def walk(at: str) -> bool:
            if at == target:
                found.append(Path(tuple(nodes), tuple(hops)))
                return len(found) < MAX_FOUND
            for hop in self.adjacent(at):
                nxt = hop.end
                if nxt in on_path or nxt not in distance or len(hops) + 1 + distance[nxt] > max_length:
                    continue
                if not hop_ok(hop):
                    continue
                nodes.append(nxt); hops.append(hop); on_path.add(nxt)
                go_on = walk(nxt)
                nodes.pop(); hops.pop(); on_path.discard(nxt)
                if not go_on:
                    return False
            return True

        complete = walk(source)
        return found, complete

    def _distances(self, source: str, target: str, max_length: int, node_ok, hop_ok) -> dict[str, int]:
        """Links from each node to the target through nodes a path may pass (BFS from the target);
        only the source and the target may be of a kind that cannot be passed through."""
        distance = {target: 0}
        queue = deque([target])
        while queue:
            at = queue.popleft()
            if distance[at] >= max_length or at == source:
                continue
            for hop in self.adjacent(at):
                nxt = hop.end
                if nxt in distance or not hop_ok(hop):
                    continue
                if nxt == source or self._passable(nxt, node_ok):
                    distance[nxt] = distance[at] + 1
                    queue.append(nxt)
        return distance

    def _passable(self, node_id: str, node_ok) -> bool:
        return node_ok(node_id) and self.evidence.nodes[node_id].kind in THROUGH_KINDS


# --------------------------------------------------------------------------- answers as data and as text


def node_json(evidence: Evidence, node: Node) -> dict:
    return {"id": node.id, "label": node.label, "kind": node.kind, "href": "/" + node.id,
            "statuses": list(node.statuses), "date": node.entity.date_text,
            "when": placed(evidence, node)[1] if node.is_event else None}


def path_json(evidence: Evidence, path: Path) -> dict:
    return {
        "length": path.length, "weakest": path.weakest, "hedged": path.hedged,
        "nodes": [node_json(evidence, evidence.nodes[n]) for n in path.nodes],
        "hops": [{
            "from": hop.start, "to": hop.end, "subject": hop.link.subject, "predicate": hop.link.predicate,
            "object": hop.link.object, "relation": evidence.predicate_label(hop.link.predicate),
            "direction": "forward" if hop.forward else "backward",
            "status": hop.status, "statuses": list(hop.statuses), "hedged": hop.status in HEDGED,
            "plain": hop.link.plain, "claims": [evidence.claim_json(c) for c in evidence.claims_for(hop.link)],
        } for hop in path.hops],
    }


def search_as_json(evidence: Evidence, search: PathSearch, limit: int | None = None) -> dict:
    shown = search.paths if limit is None else search.paths[:limit]
    return {
        "from": node_json(evidence, search.start), "to": node_json(evidence, search.end), "max_length": search.max_length,
        "weakest": search.weakest, "as_of": search.as_of, "complete": search.complete,
        "count": len(search.paths), "shown": len(shown), "paths": [path_json(evidence, p) for p in shown],
    }


def search_as_text(evidence: Evidence, search: PathSearch, limit: int | None = None) -> str:
    """The paths for a terminal: each hop with its relation, statuses, date as written, outlet and quote."""
    shown = search.paths if limit is None else search.paths[:limit]
    filters = [f"at most {search.max_length} links"]
    if search.weakest != STATUSES[-1]:
        filters.append(f"only {search.weakest} or stronger")
    if search.as_of:
        filters.append(f"only events that had certainly happened by {search.as_of}")
    lines = [f"{len(search.paths)} path{'s' if len(search.paths) != 1 else ''} from {search.start.label} "
             f"({search.start.id}) to {search.end.label} ({search.end.id}); {', '.join(filters)}"
             + ("" if search.complete else f" (stopped after {MAX_FOUND})")]
    if len(shown) < len(search.paths):
        lines.append(f"showing the first {len(shown)}")
    for number, path in enumerate(shown, 1):
        lines.append("")
        head = f"{number}. {path.length} link{'s' if path.length > 1 else ''}, weakest link {path.weakest.upper()}"
        if path.hedged:
            head += f": rests on what is {path.weakest}, not established"
        lines.append(head)
        lines.append(f"   {evidence.label(path.nodes[0])}")
        for hop in path.hops:
            link = hop.link
            relation = f"{evidence.label(link.subject)} --{evidence.predicate_label(link.predicate)}--> " \
                       f"{evidence.label(link.object)}"
            lines.append(f"     | {relation} [{', '.join(hop.statuses)}]" + ("" if link.plain else " (only as a claim)"))
            for claim in evidence.claims_for(link)[:1]:
                credit = [f"reported by {', '.join(evidence.label(i) for i in claim.reported_by)}"] \
                    if claim.reported_by else []
                credit += [f"according to {', '.join(evidence.label(i) for i in claim.according_to)}"] \
                    if claim.according_to else []
                lines.append(f"     |   \u201c{claim.quote}\u201d ({'; '.join(credit + [claim.id])})")
            node = evidence.nodes[hop.end]
            when = ""
            if node.is_event:
                when = f" ({placed(evidence, node)[1]}; {', '.join(node.statuses) or 'no status'})"
            lines.append(f"   {node.label}{when}")
    return "\n".join(lines)
