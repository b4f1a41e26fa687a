"""Settings as data: one Config object; environment variables and CLI flags map onto it.

Every setting has a default here, can be overridden by an environment variable KG_<NAME>
(e.g. KG_BASE, KG_PORT, KG_TIMEOUT) and, for the commands that take them, by a CLI flag.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path

from . import vocab
from .vocab import DEFAULT_BASE

#: The project's root: the folder holding pyproject.toml, ontology/, data/ and queries/.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class DataFile:
    """An RDF file to serve; `graph` is the named graph to load it into (None: as the file says)."""

    path: Path
    graph: str | None = None

    @classmethod
    def parse(cls, spec: str) -> "DataFile":
        """Parse `FILE` or `FILE@IRI` (the form `kg serve --data` takes)."""
        path, sep, graph = spec.partition("@")
        if sep and not graph:
            raise ValueError(f"--data {spec!r}: nothing after '@' (expected FILE@IRI)")
        return cls(Path(path), graph or None)


@dataclass(frozen=True)
class Config:
    # Where things are.
    root: Path = PROJECT_ROOT
    build_dir: Path = PROJECT_ROOT / "build"
    # The curated data (entities.yaml, entries/, sources/, mappings/); None: ROOT/data.
    # `kg build --data DIR` builds another folder in the same format (e.g. bench/gen.py's output).
    data_root: Path | None = None
    # The one base every IRI of the dataset lives under. The default makes every IRI
    # dereferenceable on the local server; set KG_BASE to the public URL when publishing.
    base: str = DEFAULT_BASE
    # Serving.
    host: str = "127.0.0.1"
    port: int = 8000
    server: str = "granian"  # granian (event-loop front, the default) or gunicorn (threaded, no read timeouts)
    workers: int = 1  # HTTP front processes (granian) or workers (gunicorn); the settings below are shared out
    threads: int = 64  # request threads per front process (waiting for an evaluator costs no CPU)
    pin_workers: bool = True  # one CPU per worker when workers >= CPUs (see kg.web.server)
    data_files: tuple[DataFile, ...] = ()  # empty: serve the built dataset
    timeout: float = 10.0  # seconds per query
    max_rows: int = 10_000  # rows per SELECT result (more are cut, and the response says so)
    max_result_bytes: int = 50_000_000
    max_body_bytes: int = 1_000_000  # request bodies over this get 413
    max_query_nesting: int = 64  # deeper {, ( nesting gets 400 before it reaches the parser
    cors: bool = True
    federation_allowlist: tuple[str, ...] = ()  # SERVICE endpoints allowed; empty = none
    # Per-worker cache of serialized query results (the data never changes while serving); 0 = off.
    response_cache_bytes: int = 32_000_000
    # An existing SPARQL store to publish to and serve from (kg publish/serve --store); "" = none,
    # serve the embedded store. Its password comes from KG_STORE_PASSWORD only (see kg.remote_store).
    store: str = ""
    store_kind: str = "generic"  # oxigraph, virtuoso, fuseki, generic: the defaults of the URLs below
    store_update: str = ""  # "" = from the kind
    store_gsp: str = ""  # "" = from the kind
    store_user: str = ""
    store_max_rows: int = -1  # the store's silent row cap; -1 = the kind's default (virtuoso 10000)
    # Under attack (kg.process_engine, kg.web.admission, kg.web.server; documented in README).
    engine: str = "process"  # process: evaluator processes, killable; embedded: threads in the server (tests)
    evaluators: int = 24  # evaluator processes at most (in all; each front worker has its share)
    query_memory_bytes: int = 1024 ** 3  # memory one query may allocate before it is stopped (503)
    queue_size: int = 64  # queries waiting for a free evaluator at most; more get 503 + Retry-After
    queue_timeout: float = 2.0  # seconds a query waits for an evaluator before 503 + Retry-After
    long_query_after: float = 0.5  # CPU seconds: a query using more (or 256 MB) is a heavy one
    long_query_slots: int = 8  # heavy queries at once; one more is stopped (503): the rest stay for short ones
    client_concurrency: int = 8  # queries one client (IP address) may have in evaluation at once (of 24); more get 429; 0 = no limit
    client_query_seconds: float = 60.0  # evaluation seconds one client may use per window; over: 429; 0 = off
    client_window: float = 60.0  # seconds
    header_read_timeout: float = 5.0  # seconds a client may take to send its request headers (or stay idle)
    # Reconciliation service (/reconcile): queries per batch, candidates per query.
    reconcile_max_queries: int = 100
    reconcile_max_limit: int = 100
    # Release.
    version: str = "2026.11.25"
    licence: str = "https://creativecommons.org/licenses/by/4.0/"

    # Derived locations -------------------------------------------------------
    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def data_dir(self) -> Path:
        return self.data_root if self.data_root is not None else self.root / "data"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def article_path(self) -> Path:
        return self.data_dir / "sources" / "article.txt"

    @property
    def dataset_path(self) -> Path:
        """The built dataset (all named graphs) the server loads by default."""
        return self.build_dir / "dataset.nq"

    @property
    def store_path(self) -> Path:
        """The build's on-disk query store (RocksDB, bulk-loaded from dataset.nq) that `kg serve` opens read-only."""
        return self.build_dir / "store"

    # Graph names ------------------------------------------------------------
    def graph(self, name: str) -> str:
        """IRI of one of the dataset's named graphs: asserted, inferred, ontology."""
        return f"{self.base}graph/{name}"

    @property
    def ontology_ns(self) -> str:
        return vocab.ontology_ns(self.base)

    def replace(self, **changes) -> "Config":
        return dataclasses.replace(self, **changes)


def default_of(setting: str) -> str:
    """For CLI help: 'default: KG_NAME or VALUE', with VALUE read from Config itself."""
    return f"default: KG_{setting.upper()} or {getattr(Config(), setting)}"


_ENV_TYPES = {f.name: f.type for f in dataclasses.fields(Config)}


def from_env(environ: dict[str, str] | None = None, **overrides) -> Config:
    """A Config from defaults, then KG_* environment variables, then explicit overrides."""
    environ = os.environ if environ is None else environ
    values: dict = {}
    for f in dataclasses.fields(Config):
        raw = environ.get(f"KG_{f.name.upper()}")
        if raw is not None and f.name != "data_files":
            values[f.name] = _coerce(f.name, raw)
    for name, value in overrides.items():
        if value is not None:
            values[name] = _coerce(name, value) if isinstance(value, str) else value
    config = Config(**values)
    _check(config)
    return config


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(name: str, raw: str):
    kind = str(_ENV_TYPES[name])
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
        if kind == "bool":
            word = raw.strip().lower()
            if word not in _TRUE | _FALSE:  # KG_CORS=maybe must not quietly mean "off"
                raise ValueError
            return word in _TRUE
        if kind in ("Path", "Path | None"):
            return Path(raw)
        if kind.startswith("tuple[str"):
            return tuple(s for s in raw.split(",") if s)
    except ValueError:
        raise ValueError(f"KG_{name.upper()}={raw!r}: not a valid {kind}") from None
    return raw


def _check(config: Config) -> None:
    if not config.base.startswith(("http://", "https://")) or not config.base.endswith("/"):
        raise ValueError(f"base {config.base!r} must be an http(s) IRI ending in '/'")
    if not 1 <= config.port <= 65535:  # gunicorn would fail later with a traceback
        raise ValueError(f"port {config.port} is not a TCP port (1-65535)")
    if config.timeout <= 0:
        raise ValueError("timeout must be positive")
    if config.max_rows <= 0:
        raise ValueError("max-rows must be positive")
    if config.reconcile_max_queries <= 0 or config.reconcile_max_limit <= 0:
        raise ValueError("reconcile-max-queries and reconcile-max-limit must be positive")
    if config.response_cache_bytes < 0:
        raise ValueError("response-cache-bytes must be 0 (off) or positive")
    if config.server not in ("granian", "gunicorn"):
        raise ValueError(f"server {config.server!r}: choose granian or gunicorn")
    if config.engine not in ("process", "embedded"):
        raise ValueError(f"engine {config.engine!r}: choose process or embedded")
    if config.evaluators < 1 or config.long_query_slots < 1 or config.queue_size < 0:
        raise ValueError("evaluators and long-query-slots must be at least 1, queue-size at least 0")
    if config.long_query_slots >= config.evaluators:
        raise ValueError("long-query-slots must be fewer than evaluators (some must stay for short queries)")
    if config.query_memory_bytes < 64 * 1024 ** 2:
        raise ValueError("query-memory-bytes must be at least 64 MB")
    if config.client_concurrency < 0 or config.client_query_seconds < 0 or config.client_window <= 0:
        raise ValueError("client-concurrency and client-query-seconds must be 0 (off) or positive, "
                         "client-window positive")
    if not 0.001 <= config.header_read_timeout <= 60:
        raise ValueError("header-read-timeout must be between 0.001 and 60 seconds")
