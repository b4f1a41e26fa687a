"""The investigation desk: timeline, connections network and evidence paths, computed once from
the catalog of the built graph (kg.catalog) for the pages of kg.web and the `kg paths` command."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Callable

from ..catalog import Catalog, Claim
from ..names import NameIndex
from .model import Evidence
from .network import Network, build_network
from .paths import PathFinder
from .timeline import Timeline, build_timeline


@dataclass
class Desk:
    evidence: Evidence
    timeline: Timeline
    network: Network
    network_json: bytes  # the network's Cytoscape elements, serialized once
    paths: PathFinder


def build_desk(catalog: Catalog, names: NameIndex, place_of: Callable[[Claim], str] | None = None) -> Desk:
    """`place_of(claim)`: the link to the quote's place in its source (the web's source reader)."""
    evidence = Evidence.from_catalog(catalog, place_of)
    network = build_network(evidence)
    elements = json.dumps(network.elements(evidence), ensure_ascii=False, separators=(",", ":"))
    return Desk(evidence, build_timeline(evidence), network, elements.encode("utf-8"),
                PathFinder(evidence, names))
