"""An existing SPARQL store over HTTP: its endpoints, an HTTP client for them, and the release pointer.

`kg publish --store URL` writes to such a store and `kg serve --store URL` reads from it; both
find their way with a `StoreEndpoints` (the query URL the user gives, the update and Graph Store
URLs the `--store-kind` implies or the user overrides) and talk to it through one `StoreClient`:
plain http.client, one keep-alive connection per thread, HTTP Basic or Digest authentication
(the password comes from an environment variable, never from the command line, and is never
logged), retries with exponential back-off on 429 and 5xx, and a deadline on every request.

Releases. A publish never overwrites the graphs readers use. Each release loads its graphs
under new IRIs (`BASE/graph/NAME/release/ID`) and describes itself in one small pointer graph
(`BASE/graph/releases`): which public graph each stored graph stands for and how many triples it
holds. The marker `kgr:ready` is written last, in one single-triple INSERT DATA, so the switch
is atomic on any store; readers take the ready release with the highest sequence number
(`current_release`). Nothing here is a distribution layer: the store does the storing.
"""

from __future__ import annotations

import base64
import hashlib
import http.client
import logging
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode, urlsplit

import pyoxigraph as ox

from .errors import KgError

log = logging.getLogger("kg.store")

KINDS = ("oxigraph", "virtuoso", "fuseki", "generic")
PASSWORD_ENV = "KG_STORE_PASSWORD"
RELEASE_NS = "https://w3id.org/kg/release#"  # the pointer graph's small vocabulary
RETRY_STATUSES = {429, 500, 502, 503, 504}


class StoreError(KgError):
    """The store refused or failed a request (status and the start of its answer in the message)."""


@dataclass(frozen=True)
class StoreEndpoints:
    kind: str
    query: str
    update: str | None
    gsp: str | None
    graph_param: str = "graph"  # the Graph Store Protocol's graph parameter (Virtuoso also takes graph-uri)
    user: str | None = None
    password: str | None = field(default=None, repr=False)  # never printed
    # A row cap the store applies silently (Virtuoso: ResultSetMaxRows); an answer of exactly this
    # many rows is reported as truncated. 0: none known.
    max_rows: int = 0

    def __post_init__(self) -> None:
        for name in ("query", "update", "gsp"):
            url = getattr(self, name)
            option = "--store" + ("" if name == "query" else "-" + name)
            if url is None:
                continue
            parts = urlsplit(url)
            if parts.username is not None or parts.password is not None:  # it would be in logs and `ps`
                raise KgError(f"{option}: no user or password in the URL: use --store-user and {PASSWORD_ENV}")
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise KgError(f"{option} {url!r}: not an http(s) URL")


def endpoints(kind: str, query: str, update: str | None = None, gsp: str | None = None,
              user: str | None = None, environ: dict | None = None, max_rows: int | None = None) -> StoreEndpoints:
    """The store's endpoints from its query URL and kind; explicit --store-update/--store-gsp win."""
    if kind not in KINDS:
        raise KgError(f"--store-kind {kind!r}: choose one of {', '.join(KINDS)}")
    environ = os.environ if environ is None else environ
    password = environ.get(PASSWORD_ENV) if user else None
    if user and password is None:
        raise KgError(f"--store-user {user!r} needs its password in the environment variable {PASSWORD_ENV}")
    root = query.rstrip("/")
    default_update = default_gsp = None
    graph_param, cap = "graph", 0
    if kind == "oxigraph":  # oxigraph serve: /query, /update, /store
        base = root[: -len("/query")] if root.endswith("/query") else root
        default_update, default_gsp = base + "/update", base + "/store"
    elif kind == "virtuoso":  # /sparql; writes with digest auth at /sparql-auth and /sparql-graph-crud-auth
        base = root[: -len("/sparql")] if root.endswith("/sparql") else root
        auth = "-auth" if user else ""
        default_update, default_gsp = base + "/sparql" + auth, base + "/sparql-graph-crud" + auth
        graph_param, cap = "graph-uri", 10_000  # ResultSetMaxRows' default
    elif kind == "fuseki":  # http://host:3030/DATASET/sparql (or /query), /update, /data
        base = re.sub(r"/(sparql|query)$", "", root)
        default_update, default_gsp = base + "/update", base + "/data"
    return StoreEndpoints(kind, query, update or default_update, gsp or default_gsp, graph_param, user, password,
                          cap if max_rows is None else max_rows)


def endpoints_of(config) -> StoreEndpoints:
    """The endpoints a kg.config.Config names (its store_* settings)."""
    return endpoints(config.store_kind, config.store, config.store_update or None, config.store_gsp or None,
                     config.store_user or None, max_rows=config.store_max_rows if config.store_max_rows >= 0 else None)


# --------------------------------------------------------------------------- HTTP


@dataclass
class Response:
    status: int
    headers: dict[str, str]  # lower-cased names
    body: bytes
    truncated: bool = False  # the body was cut at max_bytes


class Deadline(Exception):
    """The request did not finish before its deadline."""


class StoreClient:
    """Requests to one store: keep-alive per thread, Basic/Digest auth, retry with back-off."""

    def __init__(self, store: StoreEndpoints, retries: int = 5, backoff: float = 0.5, timeout: float = 60.0):
        self.store = store
        self.retries = retries
        self.backoff = backoff
        self.timeout = timeout
        self._local = threading.local()
        # No credentials are sent before the store asks: then "basic", or its Digest challenge (a dict,
        # reused with a fresh nc until the store sends a new one).
        self._scheme: str | dict | None = None
        self._nc = 0
        self._lock = threading.Lock()

    # -- the operations -------------------------------------------------------------------
    def query(self, text: str, accept: str, default_graphs=(), named_graphs=(), timeout: float | None = None,
              max_bytes: int | None = None) -> Response:
        """A SPARQL query (POST, form-encoded): the store's answer, raising StoreError unless 200."""
        params = [("query", text)] + [("default-graph-uri", g) for g in default_graphs] + \
                 [("named-graph-uri", g) for g in named_graphs]
        body = urlencode(params).encode()
        response = self.request("POST", self.store.query, body, {
            "Content-Type": "application/x-www-form-urlencoded", "Accept": accept}, timeout=timeout,
            max_bytes=max_bytes, retry=timeout is None)
        return response

    def update(self, text: str) -> None:
        if not self.store.update:
            raise KgError("this store has no update endpoint: give --store-update URL")
        body = urlencode({"update": text}).encode()
        self.checked("POST", self.store.update, body, {"Content-Type": "application/x-www-form-urlencoded"})

    def post_graph(self, graph: str, ntriples: bytes) -> None:
        """Graph Store Protocol POST: add these triples to `graph` (the store creates it if need be)."""
        self.checked("POST", self.graph_url(graph), ntriples, {"Content-Type": "application/n-triples"})

    def drop_graph(self, graph: str) -> None:
        self.update(f"DROP SILENT GRAPH {ox.NamedNode(graph)}")

    def graph_url(self, graph: str) -> str:
        if not self.store.gsp:
            raise KgError("this store has no Graph Store endpoint: give --store-gsp URL")
        separator = "&" if "?" in self.store.gsp else "?"
        return f"{self.store.gsp}{separator}{self.store.graph_param}={quote(graph, safe='')}"

    def checked(self, method: str, url: str, body: bytes | None, headers: dict) -> Response:
        response = self.request(method, url, body, headers)
        if response.status >= 300:
            raise StoreError(f"{method} {_shown(url)}: the store answered {response.status}: "
                             f"{_excerpt(response.body)}")
        return response

    # -- HTTP -------------------------------------------------------------------------------
    def request(self, method: str, url: str, body: bytes | None = None, headers: dict | None = None,
                timeout: float | None = None, max_bytes: int | None = None, retry: bool = True) -> Response:
        """One request; with `retry`, 429/5xx and broken connections are retried with back-off."""
        attempts = self.retries + 1 if retry else 1
        deadline = time.monotonic() + (timeout or self.timeout)
        for attempt in range(attempts):
            try:
                try:
                    response = self._send(method, url, body, dict(headers or {}), deadline, max_bytes)
                except (ConnectionError, http.client.HTTPException) as exc:
                    # A keep-alive connection the store closed while it was idle fails on first use:
                    # once, on a fresh connection, whatever `retry` says (as urllib3 does).
                    if not self._reused or isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
                        raise
                    self._forget_connection()
                    response = self._send(method, url, body, dict(headers or {}), deadline, max_bytes)
            except (ConnectionError, http.client.HTTPException, OSError) as exc:
                if isinstance(exc, TimeoutError) or time.monotonic() >= deadline:
                    raise Deadline() from None
                self._forget_connection()
                if attempt + 1 >= attempts:
                    raise StoreError(f"{method} {_shown(url)}: cannot reach the store: {exc}") from None
                self._pause(attempt, None)
                continue
            if response.status in RETRY_STATUSES and attempt + 1 < attempts:
                log.warning("store answered %d to %s %s; retrying (%d/%d)", response.status, method, _shown(url),
                            attempt + 1, self.retries)
                self._pause(attempt, response.headers.get("retry-after"))
                continue
            return response
        raise AssertionError("unreachable")

    def _pause(self, attempt: int, retry_after: str | None) -> None:
        delay = self.backoff * (2 ** attempt)
        if retry_after and retry_after.isdigit():
            delay = max(delay, min(float(retry_after), 60.0))
        time.sleep(delay)

    def _send(self, method, url, body, headers, deadline, max_bytes) -> Response:
        response = self._exchange(method, url, body, headers, deadline, max_bytes)
        if response.status == 401 and self.store.user:
            challenge = response.headers.get("www-authenticate", "")
            with self._lock:
                self._scheme = _parse_challenge(challenge) if challenge.lower().startswith("digest") else "basic"
                self._nc = 0
            response = self._exchange(method, url, body, headers, deadline, max_bytes)
        return response

    def _exchange(self, method, url, body, headers, deadline, max_bytes) -> Response:
        parts = urlsplit(url)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        authorization = self._authorization(method, target)
        if authorization:
            headers["Authorization"] = authorization
        headers.setdefault("User-Agent", "kg (+https://w3id.org/kg)")
        connection = self._connection(parts, deadline)
        connection.request(method, target, body=body, headers=headers)
        sock = connection.sock  # getresponse() drops it from the connection when the store closes it
        answer = connection.getresponse()
        received = {name.lower(): value for name, value in answer.getheaders()}
        chunks, size, truncated = [], 0, False
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                self._forget_connection()
                raise Deadline()
            sock.settimeout(remaining)
            chunk = answer.read(65536)  # (read1 would not mark an empty body as read: no keep-alive)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
            if max_bytes is not None and size > max_bytes:
                truncated = True
                self._forget_connection()  # the rest is not read: this connection cannot be reused
                break
        if received.get("connection", "").lower() == "close":
            self._forget_connection()
        return Response(answer.status, received, b"".join(chunks), truncated)

    def _connection(self, parts, deadline) -> http.client.HTTPConnection:
        key = (parts.scheme, parts.netloc)
        cached = getattr(self._local, "connection", None)
        self._local.reused = cached is not None and cached[0] == key and cached[1].sock is not None
        if cached is not None and cached[0] == key:
            cached[1].timeout = max(0.001, deadline - time.monotonic())
            if cached[1].sock is not None:
                cached[1].sock.settimeout(cached[1].timeout)
            return cached[1]
        self._forget_connection()
        kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        connection = kind(parts.hostname, parts.port, timeout=max(0.001, deadline - time.monotonic()))
        self._local.connection = (key, connection)
        return connection

    @property
    def _reused(self) -> bool:
        return getattr(self._local, "reused", False)

    def _forget_connection(self) -> None:
        cached = getattr(self._local, "connection", None)
        if cached is not None:
            cached[1].close()
        self._local.connection = None

    def close(self) -> None:
        self._forget_connection()

    # -- authentication ---------------------------------------------------------------------
    def _authorization(self, method: str, target: str) -> str | None:
        store = self.store
        if not store.user:
            return None
        with self._lock:
            challenge = self._scheme
            if challenge is None:
                return None
            if challenge == "basic":
                token = base64.b64encode(f"{store.user}:{store.password}".encode()).decode()
                return f"Basic {token}"
            self._nc += 1
            nc = f"{self._nc:08x}"
        return _digest_header(challenge, store.user, store.password or "", method, target, nc)


def _parse_challenge(header: str) -> dict:
    return {key.lower(): value for key, value in re.findall(r'(\w+)="?([^",]*)"?', header[len("Digest"):])}


def _digest_header(challenge: dict, user: str, password: str, method: str, uri: str, nc: str) -> str:
    """RFC 7616 Digest with MD5 and qop=auth (what Virtuoso asks for)."""
    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    digest = hashlib.md5  # noqa: S324 - the algorithm the protocol names, not our choice
    ha1 = digest(f"{user}:{realm}:{password}".encode()).hexdigest()
    ha2 = digest(f"{method}:{uri}".encode()).hexdigest()
    cnonce = secrets.token_hex(8)
    fields = [f'username="{user}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in challenge.get("qop", "").split(","):
        response = digest(f"{ha1}:{nonce}:{nc}:{cnonce}:auth:{ha2}".encode()).hexdigest()
        fields += ["qop=auth", f"nc={nc}", f'cnonce="{cnonce}"']
    else:
        response = digest(f"{ha1}:{nonce}:{ha2}".encode()).hexdigest()
    fields.append(f'response="{response}"')
    if "opaque" in challenge:
        fields.append(f'opaque="{challenge["opaque"]}"')
    fields.append("algorithm=MD5")
    return "Digest " + ", ".join(fields)


def _shown(url: str) -> str:
    """A URL as it may be logged: without any user:password@ part."""
    parts = urlsplit(url)
    netloc = parts.hostname + (f":{parts.port}" if parts.port else "") if parts.hostname else parts.netloc
    return f"{parts.scheme}://{netloc}{parts.path}"


def _excerpt(body: bytes, limit: int = 300) -> str:
    text = body.decode("utf-8", "replace").strip().replace("\n", " ")
    return text[:limit] + (" ..." if len(text) > limit else "") or "(no message)"


# --------------------------------------------------------------------------- releases

R = RELEASE_NS


@dataclass(frozen=True)
class StoredGraph:
    public: str | None  # the graph IRI readers name (None: the release's default graph, from FILE without @IRI)
    stored: str  # the IRI it is stored under in this release
    triples: int


@dataclass(frozen=True)
class Release:
    iri: str
    sequence: int
    published_at: str
    graphs: tuple[StoredGraph, ...]

    @property
    def id(self) -> str:
        return self.iri.rsplit("/", 1)[-1]

    def stored_for(self, public: str) -> str | None:
        return next((g.stored for g in self.graphs if g.public == public), None)

    @property
    def named(self) -> dict[str, str]:
        """{public graph IRI: stored graph IRI} of the release's named graphs."""
        return {g.public: g.stored for g in self.graphs if g.public is not None}

    @property
    def total(self) -> int:
        return sum(g.triples for g in self.graphs)


def pointer_graph(base: str) -> str:
    return f"{base}graph/releases"


def release_iri(base: str, release_id: str) -> str:
    return f"{base}release/{release_id}"


def stored_graph_iri(base: str, public: str | None, release_id: str) -> str:
    name = public[len(base) + len("graph/"):] if public and public.startswith(base + "graph/") else None
    if name and re.fullmatch(r"[A-Za-z0-9._-]+", name):
        return f"{base}graph/{name}/release/{release_id}"
    digest = hashlib.sha256((public or "").encode()).hexdigest()[:12]
    return f"{base}graph/{'default' if public is None else 'g-' + digest}/release/{release_id}"


_RELEASES = f"""SELECT ?release ?sequence ?at ?public ?stored ?triples ?ready WHERE {{
  GRAPH ?pointer {{
    ?release a <{R}Release> ; <{R}sequence> ?sequence ; <{R}publishedAt> ?at ; <{R}graph> ?entry .
    ?entry <{R}storedAs> ?stored ; <{R}triples> ?triples .
    OPTIONAL {{ ?entry <{R}name> ?public }}
    OPTIONAL {{ ?release <{R}ready> ?ready }}
  }}
}}"""


def releases(client: StoreClient, base: str, timeout: float | None = None) -> list[tuple[Release, bool]]:
    """Every release the pointer graph describes, oldest first, with whether it is ready."""
    pointer = ox.NamedNode(pointer_graph(base))
    query = _RELEASES.replace("GRAPH ?pointer", f"GRAPH {pointer}")
    response = client.query(query, "application/sparql-results+xml", timeout=timeout)
    if response.status != 200:
        raise StoreError(f"reading the release pointer <{pointer.value}>: the store answered "
                         f"{response.status}: {_excerpt(response.body)}")
    found: dict[str, dict] = {}
    for row in ox.parse_query_results(response.body, format=ox.QueryResultsFormat.XML):
        entry = found.setdefault(row["release"].value, {
            "sequence": int(row["sequence"].value), "at": row["at"].value, "graphs": {}, "ready": False})
        public = row["public"].value if row["public"] is not None else None
        entry["graphs"][row["stored"].value] = StoredGraph(public, row["stored"].value, int(row["triples"].value))
        entry["ready"] = entry["ready"] or row["ready"] is not None
    described = [(Release(iri, e["sequence"], e["at"], tuple(sorted(e["graphs"].values(), key=lambda g: g.stored))),
                  e["ready"]) for iri, e in found.items()]
    return sorted(described, key=lambda item: item[0].sequence)


def current_release(client: StoreClient, base: str, timeout: float | None = None) -> Release | None:
    """The ready release with the highest sequence number (None: nothing published yet)."""
    ready = [release for release, is_ready in releases(client, base, timeout) if is_ready]
    return ready[-1] if ready else None


def describe_release(release: Release) -> list[ox.Triple]:
    """The pointer graph's triples for a release, all but its ready marker."""
    node = ox.NamedNode(release.iri)
    triples = [
        ox.Triple(node, ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), ox.NamedNode(R + "Release")),
        ox.Triple(node, ox.NamedNode(R + "sequence"), ox.Literal(str(release.sequence), datatype=_XSD_INTEGER)),
        ox.Triple(node, ox.NamedNode(R + "publishedAt"), ox.Literal(release.published_at, datatype=_XSD_DATETIME)),
    ]
    for index, graph in enumerate(release.graphs):
        entry = ox.NamedNode(f"{release.iri}#graph{index}")
        triples += [
            ox.Triple(node, ox.NamedNode(R + "graph"), entry),
            ox.Triple(entry, ox.NamedNode(R + "storedAs"), ox.NamedNode(graph.stored)),
            ox.Triple(entry, ox.NamedNode(R + "triples"), ox.Literal(str(graph.triples), datatype=_XSD_INTEGER)),
        ]
        if graph.public is not None:
            triples.append(ox.Triple(entry, ox.NamedNode(R + "name"), ox.NamedNode(graph.public)))
    return triples


def ready_marker(release: Release) -> ox.Triple:
    return ox.Triple(ox.NamedNode(release.iri), ox.NamedNode(R + "ready"), ox.Literal("true", datatype=_XSD_BOOLEAN))


_XSD_INTEGER = ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
_XSD_DATETIME = ox.NamedNode("http://www.w3.org/2001/XMLSchema#dateTime")
_XSD_BOOLEAN = ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
