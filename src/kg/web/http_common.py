"""HTTP rules every route follows the same way: content negotiation and conditional requests (304).

- `accepted(header)` + `best_offer(accept, preference)`: the offer an Accept header prefers,
  matched with its q-values; media-type parameters ("text/turtle; charset=utf-8") are ignored,
  no Accept header means the first offer, and among equally good matches the earlier entry of
  `preference` wins (so the order of the list is part of each route's policy).
- `client_copy_is_current(environ, etag, last_modified)`: whether a GET or HEAD may answer 304
  (If-None-Match with weak comparison; If-Modified-Since only when there is no If-None-Match).
"""

from __future__ import annotations

from datetime import datetime
from typing import Sequence, TypeVar

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header, parse_date, parse_etags

Offer = TypeVar("Offer")


def accepted(header: str | None) -> MIMEAccept:
    """The Accept header, parsed, without media-type parameters."""
    accept = parse_accept_header(header or "", MIMEAccept)
    if ";" in accept.to_header():  # "text/turtle; charset=utf-8" must still match text/turtle
        accept = MIMEAccept([(value.split(";")[0].strip(), quality) for value, quality in accept])
    return accept


def best_offer(accept: MIMEAccept, preference: Sequence[tuple[str, Offer]]) -> Offer | None:
    """The offer of the best-matching media type of `preference` ((media type, offer) pairs); None if none matches."""
    if not accept:
        return preference[0][1]
    best = accept.best_match([media_type for media_type, _ in preference])
    if best is None:
        return None
    return next(offer for media_type, offer in preference if media_type == best)


def client_copy_is_current(environ: dict, etag: str, last_modified: datetime | None = None) -> bool:
    if environ["REQUEST_METHOD"] not in ("GET", "HEAD"):
        return False
    if "HTTP_IF_NONE_MATCH" in environ:  # RFC 9110: If-Modified-Since is ignored then
        tags = parse_etags(environ["HTTP_IF_NONE_MATCH"])
        return tags.contains_weak(etag) or tags.star_tag
    if last_modified is None or "HTTP_IF_MODIFIED_SINCE" not in environ:  # the usual case: skip parsing dates
        return False
    since = parse_date(environ["HTTP_IF_MODIFIED_SINCE"])
    return since is not None and last_modified <= since
