"""A per-worker cache of serialized query results, for identical requests.

The served dataset never changes while the server runs, so the same query text over the same
dataset parameters, answered in the same format, gives the same bytes; evaluating it again only
costs time (public endpoints such as Wikidata's cache results the same way). Responses still go
through negotiation, conditional requests and header building: only evaluation and
serialization are skipped. Queries whose answer changes from one run to the next (RAND, NOW,
UUID, STRUUID, BNODE) are not cached: kg.sparql_scan marks them.

kg.web.sparql also keeps here, under the raw request (method, query string, Accept), the whole
200 response it sent for a GET or HEAD, so that the same request again is answered with a
dictionary look-up and no parsing at all (StoredAnswers).

One cache per worker process, bounded in bytes, least recently used entries go first.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

from ..sparql_results import Serialized

#: No single answer may take more than this share of the cache: one large result must not
#: evict every small one.
LARGEST_SHARE = 8


class ResultCache:
    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # request threads of one worker share it

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable) -> Serialized | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            return entry[0]

    def put(self, key: Hashable, result, key_bytes: int = 0, size: int | None = None) -> None:
        """Keep `result` (a Serialized, or anything whose `size` in bytes is given) under `key`."""
        size = (len(result.body) if size is None else size) + key_bytes
        if size > self.max_bytes // LARGEST_SHARE:
            return
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self._bytes -= previous[1]
            self._entries[key] = (result, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self._bytes -= evicted

    def __len__(self) -> int:
        return len(self._entries)
