"""Rendered pages kept per worker: the desk's pages (timeline, network, paths) depend only on the
served dataset and the request's path and query, so each distinct one is rendered once.

`cached(render)` answers from the cache when it can, else calls `render()` (which returns a
`Rendered`: body, content type, status) and keeps the answer. Every answer carries a strong ETag
(the dataset's hash and the request's), so a browser's revalidation is a 304 with no body. The
cache is the endpoint's bounded LRU (kg.web.protocol_cache.ResultCache), one per worker process.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from typing import Callable

from flask import Response, request

from .state import current_state


@dataclass(frozen=True)
class Rendered:
    body: bytes
    content_type: str
    status: int = 200


def html(body: str, status: int = 200) -> Rendered:
    return Rendered(body.encode("utf-8"), "text/html; charset=utf-8", status)


def cached(render: Callable[[], Rendered | Response]) -> Response:
    state = current_state()
    cache = state.page_cache
    args = tuple(sorted(request.args.items(multi=True)))
    key = ("page", request.path, args, request.accept_mimetypes.to_header() if request.path.startswith("/api/") else "")
    etag = f"{state.dataset.etag}-{zlib.crc32(repr(key).encode()):08x}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
        response.set_etag(etag)
        return response
    found = cache.get(key) if cache is not None and cache.enabled else None
    if found is None:
        found = render()
        if isinstance(found, Response):  # an error answer: not kept
            return found
        if cache is not None and cache.enabled and found.status == 200:
            cache.put(key, found, len(repr(key)))
    response = Response(found.body, status=found.status, content_type=found.content_type)
    if found.status == 200:
        response.set_etag(etag)
        response.headers["Cache-Control"] = "public, no-cache"
    return response
