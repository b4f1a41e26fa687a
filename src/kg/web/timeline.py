"""/timeline: every dated event in order, filtered by person, organisation, event type and status
with a plain GET form (no JavaScript needed). Rendered once per distinct query (kg.web.page_cache)."""

from __future__ import annotations

from itertools import groupby

from flask import Blueprint, render_template, request

from .errors import api_error
from .evidence_view import claim_view
from .page_cache import cached_page
from .state import current_state

bp = Blueprint("timeline", __name__)

FILTERS = ("person", "organisation", "type", "status")


@bp.get("/timeline")
@cached_page
def timeline():
    desk = current_state().desk
    evidence, full = desk.evidence, desk.timeline
    choices = full.choices(evidence)
    chosen = {}
    for name in FILTERS:
        value = request.args.get(name, "").strip()
        if value and value not in {v for v, _ in choices[name]}:
            known = ", ".join(v for v, _ in choices[name][:8])
            return api_error(400, "bad_request", f"No {name} {value!r} in the timeline; for example: {known}.")
        chosen[name] = value or None
    shown = full.filtered(person=chosen["person"], organisation=chosen["organisation"],
                          event_type=chosen["type"], status=chosen["status"])
    years = [(year, list(entries)) for year, entries in
             groupby(shown.entries, key=lambda e: (e.when.first or e.when.last).year)]
    labels = {name: dict(choices[name]) for name in FILTERS}
    active = [(name, labels[name].get(value, value)) for name, value in chosen.items() if value]
    return render_template(
        "timeline.html", years=years, undated=shown.undated, choices=choices, chosen=chosen, active=active,
        total=len(full.entries) + len(full.undated), count=len(shown.entries) + len(shown.undated),
        claim_view=lambda c: claim_view(evidence, c), all_years=full.years,
    )
