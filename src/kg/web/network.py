"""/network: the connections picture (Cytoscape.js, vendored) with its legend, filters by status,
kind and date, evidence beside the picture and PNG export; /api/network: its elements as JSON.
Without JavaScript the page lists every connection with its evidence."""

from __future__ import annotations

from flask import Blueprint, Response, render_template

from ..desk.model import STATUSES
from ..desk.network import KIND_LABELS
from .evidence_view import claim_view
from .page_cache import cached_page
from .state import current_state

bp = Blueprint("network", __name__)

#: How each kind of connection is drawn (kg.css and network.js use the same names).
LINE_STYLES = {"meeting": "solid", "communication": "solid", "disclosure": "solid", "employment": "solid",
               "investigation": "solid", "money": "solid", "statement": "dashed", "event": "dashed",
               "family": "dotted", "membership": "dotted", "country": "dotted", "position": "dotted"}
NODE_KINDS = {"person": "person", "org": "organisation", "group": "group", "country": "country"}


@bp.get("/api/network")
def network_json():
    """Serialized once when the desk was built: sent as is."""
    return Response(current_state().desk.network_json, content_type="application/json")


@bp.get("/network")
@cached_page
def network():
    desk = current_state().desk
    evidence, net = desk.evidence, desk.network
    kinds = sorted({e.kind for e in net.edges}, key=list(KIND_LABELS).index)
    years = sorted({d.year for e in net.edges if e.span for d in (e.span.first, e.span.last) if d})
    edges = sorted(net.edges, key=lambda e: (evidence.label(e.source), evidence.label(e.target), e.label))
    return render_template(
        "network.html", net=net, edges=edges, kinds=[(k, KIND_LABELS[k], LINE_STYLES[k]) for k in kinds],
        status_order=STATUSES, years=years, node_kinds=NODE_KINDS, ev=evidence,
        claim_view=lambda c: claim_view(evidence, c),
    )
