"""Claims and nodes of kg.desk as the shared templates show them (the `evidence` macro of
_macros.html): quotes with a link to where they rest, credited outlets, attributions, the claim."""

from __future__ import annotations

from ..catalog import Claim
from ..desk.model import Evidence


def link(evidence: Evidence, node_id: str) -> dict:
    return {"text": evidence.label(node_id), "href": evidence.href(node_id)}


def claim_view(evidence: Evidence, claim: Claim) -> dict:
    """What the `evidence` macro shows for one claim: the quote links to its place in the source
    reader, "claim" to the claim's own page."""
    href = evidence.href(claim.id)
    return {
        "status": claim.status,
        "quotes": [{"text": claim.quote, "href": evidence.place(claim)}] if claim.quote else [],
        "reported_by": [link(evidence, i) for i in claim.reported_by],
        "according_to": [link(evidence, i) for i in claim.according_to],
        "link": {"href": href},
    }
