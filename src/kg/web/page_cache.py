"""Rendered pages kept per process: the served data never changes while a server runs, so a page that is a
function of the data and its URL is rendered once and then sent as stored bytes (keyed by the build's hash
and the full path with its query string; the most recent MAX_PAGES are kept)."""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict

from flask import Response, request

from .state import current_state

MAX_PAGES = 2048
_pages: OrderedDict = OrderedDict()
_lock = threading.Lock()


def cached_page(view=None, *, content_type: str = "text/html; charset=utf-8", headers: tuple = ()):
    """Decorator for a view returning its page as text (kept and sent as bytes; any Response is passed on
    uncached). `cached_page` or `cached_page(content_type=..., headers=((name, value), ...))`."""
    if view is None:
        return functools.partial(cached_page, content_type=content_type, headers=headers)

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        key = (id(current_state()), current_state().dataset.etag, request.full_path)
        with _lock:
            stored = _pages.get(key)
            if stored is not None:
                _pages.move_to_end(key)
        if stored is None:
            response = view(*args, **kwargs)
            if not isinstance(response, str):
                return response  # an error or a redirect: not kept
            stored = response.encode("utf-8")
            with _lock:
                _pages[key] = stored
                if len(_pages) > MAX_PAGES:
                    _pages.popitem(last=False)
        response = Response(stored, content_type=content_type)
        response.headers.extend(headers)
        return response
    return wrapper


def clear() -> None:
    with _lock:
        _pages.clear()
