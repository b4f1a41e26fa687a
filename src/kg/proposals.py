"""Candidate Wikidata links for review (`kg link --propose`): the only part of kg that uses the network.

A small, polite client of Wikidata's search API (wbsearchentities) asks for candidates for every
entity without a verified link (kg.link) and writes them, scored, to a review file. It never
writes the mapping table: a link exists only once someone copies a reviewed row into it.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

from . import __version__
from .config import Config
from .errors import KgError
from .files import write_atomic
from .link import normal_label, linkable_entities, read_reference

log = logging.getLogger("kg.link")

DEFAULT_API = "https://www.wikidata.org/w/api.php"
USER_AGENT = f"kg-link/{__version__} (sourced Trump-Russia knowledge graph; candidate review tool) python-urllib"


class WikidataSearch:
    """A small, polite client of wbsearchentities: User-Agent, a disk cache, retries honouring Retry-After."""

    def __init__(self, api: str, cache_dir: Path | None, retries: int = 4, timeout: float = 20.0,
                 max_wait: float = 60.0, sleep=time.sleep):
        self.api = api
        self.cache_dir = cache_dir
        self.retries = retries
        self.timeout = timeout
        self.max_wait = max_wait
        self.sleep = sleep

    def search(self, text: str, limit: int = 5) -> list[dict]:
        params = {"action": "wbsearchentities", "search": text, "language": "en", "uselang": "en",
                  "type": "item", "limit": str(limit), "format": "json"}
        url = f"{self.api}?{urllib.parse.urlencode(params)}"
        return self._get_json(url).get("search", [])

    def _get_json(self, url: str) -> dict:
        cached = self._cache_file(url)
        if cached and cached.is_file():
            try:
                return json.loads(cached.read_text(encoding="utf-8"))
            except ValueError:  # a damaged cache entry: ask again, and the answer replaces it
                log.info("cache entry %s is not JSON: asking again", cached)
        body = self._fetch(url)
        try:
            data = json.loads(body)
        except ValueError:
            raise KgError("the answer is not JSON: is --api a wbsearchentities endpoint?", url) from None
        if not isinstance(data, dict):
            raise KgError("the answer is not a JSON object: is --api a wbsearchentities endpoint?", url)
        if "error" in data:
            raise KgError(f"Wikidata API error: {data['error'].get('info', data['error'])}", url)
        if cached:
            write_atomic(cached, body)  # never a half-written entry that a later run would read
        return data

    def _cache_file(self, url: str) -> Path | None:
        return self.cache_dir / f"{hashlib.sha256(url.encode()).hexdigest()[:32]}.json" if self.cache_dir else None

    def _fetch(self, url: str) -> bytes:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "application/json"})
        for attempt in range(self.retries + 1):
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return response.read()
            except urllib.error.HTTPError as exc:
                if exc.code not in (429, 500, 502, 503, 504) or attempt == self.retries:
                    raise KgError(f"Wikidata answered HTTP {exc.code}", url) from None
                wait = _retry_after(exc.headers.get("Retry-After"), default=2.0 ** attempt)
            except (urllib.error.URLError, TimeoutError) as exc:
                if attempt == self.retries:
                    raise KgError(f"cannot reach Wikidata: {getattr(exc, 'reason', exc)}", url) from None
                wait = 2.0 ** attempt
            log.info("retrying in %.1f s: %s", min(wait, self.max_wait), url)
            self.sleep(min(wait, self.max_wait))
        raise AssertionError("unreachable")


def _retry_after(value: str | None, default: float) -> float:
    """Retry-After is either seconds or an HTTP date."""
    if not value:
        return default
    if value.strip().isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(timezone.utc)).total_seconds())
    except (TypeError, ValueError):
        return default


def score(label: str, candidate: dict, rank: int, limit: int) -> float:
    """0..1: label similarity, how the search matched (label beats alias), and the search's own rank."""
    similarity = difflib.SequenceMatcher(None, normal_label(label), normal_label(candidate.get("label", ""))).ratio()
    match_type = candidate.get("match", {}).get("type")
    matched = 1.0 if match_type == "label" else 0.5 if match_type == "alias" else 0.0
    return round(0.7 * similarity + 0.2 * matched + 0.1 * (1 - rank / limit), 3)


CANDIDATE_COLUMNS = ("subject_id", "subject_label", "predicate_id", "object_id", "object_label",
                     "object_description", "score", "match", "in_verified_reference", "review")


def propose(config: Config, client: WikidataSearch, out_path: Path, limit: int = 5) -> int:
    """Write review candidates for every unlinked entity; return how many candidates were written."""
    reference = read_reference(config)
    rows = []
    for entity in linkable_entities(config):
        if entity.qid:
            continue
        for rank, candidate in enumerate(client.search(entity.label, limit)):
            qid = candidate.get("id", "")
            in_reference = qid in reference.labels
            note = "in reference" if in_reference else "NOT in reference: verify by hand first"
            if entity.unverified:
                note = "entity listed as NOT verified: do not link without checking"
            rows.append((entity.id, entity.label, "skos:exactMatch", f"wd:{qid}", candidate.get("label", ""),
                         candidate.get("description", ""), f"{score(entity.label, candidate, rank, limit):.3f}",
                         candidate.get("match", {}).get("type", ""), "yes" if in_reference else "no", note))
    rows.sort(key=lambda r: (r[0], -float(r[6])))
    text = _candidates_tsv(rows)
    write_atomic(out_path, text.encode("utf-8"))
    return len(rows)


def _candidates_tsv(rows: list[tuple]) -> str:
    header = ("# Wikidata candidates for review, from wbsearchentities. These are NOT links.\n"
              "# To link an entity: check the item on Wikidata, add its QID and label to\n"
              "# data/mappings/reference/wikidata-ids.tsv, then add a row (with your name, confidence and date)\n"
              "# to data/mappings/wikidata.sssom.tsv. kg never copies a candidate there itself.\n")
    lines = ["\t".join(CANDIDATE_COLUMNS)]
    lines += ["\t".join(str(v).replace("\t", " ").replace("\n", " ") for v in row) for row in rows]
    return header + "\n".join(lines) + "\n"
