"""The pages' records of a built graph in one SQLite file (`records.sqlite`), read without materialising them.

`kg build` reads the catalog (kg.catalog: entities, claims, relations, participations) once and
writes it here with the name index (kg.names) beside it, in tables keyed by what the pages look up:
an entity by id, the claims about an entity, the relations at either end of one, the claims quoted
in a source, the names having a word. `StoredCatalog` answers the `Catalog` interface the pages use
from this file, one indexed look-up per question, so a server worker opens it read-only at once,
holds only what its pages asked for, and every worker reads the same pages of the OS page cache
(as with the on-disk store) instead of each building its own copy from the store (~95 s and
~500 MB a worker at 1M triples).

`kg serve --data FILE` (no build) writes the same file into a temporary folder on first use.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import sqlite3
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Mapping
from itertools import groupby
from pathlib import Path

from .catalog import Catalog, Claim, Entity, Relation
from .config import Config
from .names import NameIndex, entries_from_catalog, write_name_tables

log = logging.getLogger("kg.records")

RECORDS_FILE = "records.sqlite"
FORMAT = 3  # bumped when the tables change: a file of another format is refused, not misread
ENTITY_CACHE = 4096  # decoded entities kept per process (labels are asked for many times a page)

_SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entities (id TEXT PRIMARY KEY, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE claims (id TEXT PRIMARY KEY, status TEXT NOT NULL, source TEXT, data TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE claims_about (entity TEXT NOT NULL, seq INTEGER NOT NULL, claim TEXT NOT NULL,
                           PRIMARY KEY (entity, seq)) WITHOUT ROWID;
CREATE TABLE relations (seq INTEGER PRIMARY KEY, subject TEXT NOT NULL, predicate TEXT NOT NULL, object TEXT NOT NULL);
CREATE TABLE participants (event TEXT NOT NULL, seq INTEGER NOT NULL, member TEXT NOT NULL,
                           PRIMARY KEY (event, seq)) WITHOUT ROWID;
CREATE TABLE roles (event TEXT NOT NULL, seq INTEGER NOT NULL, property TEXT NOT NULL, member TEXT NOT NULL,
                    PRIMARY KEY (event, seq)) WITHOUT ROWID;
CREATE TABLE events_of (entity TEXT NOT NULL, seq INTEGER NOT NULL, event TEXT NOT NULL,
                        PRIMARY KEY (entity, seq)) WITHOUT ROWID;
CREATE TABLE texts (id TEXT PRIMARY KEY, text TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE entity_classes (id TEXT PRIMARY KEY, types TEXT NOT NULL, all_types TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE credits (claim TEXT NOT NULL, seq INTEGER NOT NULL, entity TEXT NOT NULL, PRIMARY KEY (claim, seq)) WITHOUT ROWID;
"""
_INDEXES = """
CREATE INDEX claims_by_status ON claims (status, id);
CREATE INDEX claims_by_source ON claims (source, id);
CREATE INDEX relations_by_subject ON relations (subject, seq);
CREATE INDEX relations_by_object ON relations (object, seq);
"""


# --------------------------------------------------------------------------- writing


def write_records(path: Path, catalog: Catalog) -> None:
    """Write the catalog and its name index into a new SQLite file at `path` (replaced if present)."""
    path = Path(path)
    path.unlink(missing_ok=True)
    connection = sqlite3.connect(path)
    try:
        connection.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA page_size=4096;")
        connection.executescript(_SCHEMA)
        meta = {"format": FORMAT, "base": catalog.base, "class_labels": catalog.class_labels,
                "property_labels": catalog.property_labels,
                "superclasses": {k: sorted(v) for k, v in catalog.superclasses.items()}}
        connection.executemany("INSERT INTO meta VALUES (?, ?)", ((k, json.dumps(v)) for k, v in meta.items()))
        connection.executemany("INSERT INTO entities VALUES (?, ?)",
                               ((e.id, _entity_json(e)) for e in catalog.entities.values()))
        connection.executemany("INSERT INTO claims VALUES (?, ?, ?, ?)",
                               ((c.id, c.status, c.source, _claim_json(c)) for c in catalog.claims))
        connection.executemany("INSERT INTO claims_about VALUES (?, ?, ?)",
                               ((e, n, c.id) for e, claims in catalog.claims_about.items() for n, c in enumerate(claims)))
        connection.executemany("INSERT INTO relations VALUES (?, ?, ?, ?)",
                               ((n, r.subject, r.predicate, r.object) for n, r in enumerate(catalog.relations)))
        connection.executemany("INSERT INTO participants VALUES (?, ?, ?)",
                               ((e, n, m) for e, members in catalog.participants.items() for n, m in enumerate(members)))
        connection.executemany("INSERT INTO roles VALUES (?, ?, ?, ?)",
                               ((e, n, p, m) for e, roles in catalog.roles.items() for n, (p, m) in enumerate(roles)))
        connection.executemany("INSERT INTO events_of VALUES (?, ?, ?)",
                               ((e, n, v) for e, events in catalog.events_of.items() for n, v in enumerate(events)))
        connection.executemany("INSERT INTO texts VALUES (?, ?)", catalog.texts.items())
        connection.executemany("INSERT INTO entity_classes VALUES (?, ?, ?)",
                               ((e.id, json.dumps(e.types), json.dumps(sorted(e.all_types))) for e in catalog.entities.values()))
        connection.executemany("INSERT INTO credits VALUES (?, ?, ?)",
                               ((c, n, e) for c, credited in catalog.credits() for n, e in enumerate(credited)))
        connection.executescript(_INDEXES)
        write_name_tables(connection, entries_from_catalog(catalog))
        connection.commit()
        connection.execute("ANALYZE")
        connection.commit()
    finally:
        connection.close()


def build_records(config: Config, catalog: Catalog) -> dict:
    """`kg build`'s step: the dataset's catalog (read once from the quads in memory, for the exports
    too) into records.sqlite in the staged build; returns what the manifest says of the file (its
    name, size and SHA-256, checked by `kg serve`)."""
    path = config.build_dir / RECORDS_FILE
    write_records(path, catalog)
    return {"path": RECORDS_FILE, "bytes": path.stat().st_size, "sha256": file_sha256(path)}


def file_sha256(path: Path) -> str:
    with Path(path).open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()


def temporary_records(catalog: Catalog) -> Path:
    """The records of an ad-hoc dataset (kg serve --data, --store) in a temporary file, removed at exit."""
    folder = Path(tempfile.mkdtemp(prefix="kg-records-"))
    path = folder / RECORDS_FILE
    write_records(path, catalog)
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return path


def _entity_json(e: Entity) -> str:
    return json.dumps([e.id, e.iri, e.label, e.alt_labels, e.description, e.types, sorted(e.all_types), e.qid,
                       e.close_qids, e.statuses, e.date, e.date_precision, e.date_qualifier, e.date_text,
                       e.not_before, e.not_after], ensure_ascii=False, separators=(",", ":"))


def _entity(data: str) -> Entity:
    (id_, iri, label, alt, description, types, all_types, qid, close, statuses, date, precision, qualifier,
     text, not_before, not_after) = json.loads(data)
    return Entity(id_, iri, label, tuple(alt), description, tuple(types), frozenset(all_types), qid, tuple(close),
                  tuple(statuses), date, precision, qualifier, text, not_before, not_after)


def _claim_json(c: Claim) -> str:
    return json.dumps([c.id, c.iri, c.about, c.status, c.quote, c.start, c.end, c.reported_by, c.according_to,
                       c.subject, c.predicate, c.object, c.source], ensure_ascii=False, separators=(",", ":"))


def _claim(data: str) -> Claim:
    (id_, iri, about, status, quote, start, end, reported, according, subject, predicate, obj,
     source) = json.loads(data)
    return Claim(id_, iri, about, status, quote, start, end, tuple(reported), tuple(according), subject, predicate,
                 obj, source)


# --------------------------------------------------------------------------- reading


class RecordsError(Exception):
    pass


class Connections:
    """One read-only connection to the file per thread and process (a SQLite connection must not
    cross a fork, and gunicorn's threads each ask their own questions)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._local = threading.local()

    def get(self) -> sqlite3.Connection:
        local = self._local
        if getattr(local, "pid", None) != os.getpid():
            uri = f"{self.path.resolve().as_uri()}?mode=ro&immutable=1"
            local.connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
            local.pid = os.getpid()
        return local.connection

    def rows(self, sql: str, parameters=()) -> list:
        return self.get().execute(sql, parameters).fetchall()

    def iterate(self, sql: str, parameters=()):
        return self.get().execute(sql, parameters)


def open_records(path: Path) -> "StoredCatalog":
    """The records file read-only; RecordsError if it is no records file of this format."""
    connections = Connections(path)
    try:
        rows = dict(connections.rows("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError as exc:
        raise RecordsError(f"not a readable records file ({exc})") from None
    if json.loads(rows.get("format", "0")) != FORMAT:
        raise RecordsError(f"records of format {rows.get('format')}, not {FORMAT}")
    return StoredCatalog(connections, {k: json.loads(v) for k, v in rows.items()})


class _Lookup(Mapping):
    """A read-only mapping answered by one indexed query per key (`get`), or by one scan (`items`)."""

    def __init__(self, connections: Connections, one: str, every: str, count: str, decode):
        self._db, self._one, self._every, self._count, self._decode = connections, one, every, count, decode

    def __getitem__(self, key):
        rows = self._db.rows(self._one, (key,))
        if not rows:
            raise KeyError(key)
        return self._decode(rows)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __contains__(self, key) -> bool:
        return isinstance(key, str) and bool(self._db.rows(self._one, (key,)))

    def __iter__(self):
        return (row[0] for row in self._db.iterate(self._every))

    def __len__(self) -> int:
        return self._db.rows(self._count)[0][0]

    def items(self):
        return ((key, self[key]) for key in self)

    def values(self):
        return (value for _, value in self.items())


class _Entities(_Lookup):
    def __init__(self, connections: Connections):
        super().__init__(connections, "SELECT data FROM entities WHERE id = ?", "SELECT id FROM entities ORDER BY id",
                         "SELECT COUNT(*) FROM entities", lambda rows: _entity(rows[0][0]))
        self._cache: OrderedDict[str, Entity] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, key):
        with self._lock:
            found = self._cache.get(key)
            if found is not None:
                self._cache.move_to_end(key)
                return found
        found = super().__getitem__(key)
        with self._lock:
            self._cache[key] = found
            if len(self._cache) > ENTITY_CACHE:
                self._cache.popitem(last=False)
        return found

    def __contains__(self, key) -> bool:
        with self._lock:
            if key in self._cache:
                return True
        return super().__contains__(key)

    def values(self):
        return (_entity(row[0]) for row in self._db.iterate("SELECT data FROM entities ORDER BY id"))

    def items(self):
        return ((e.id, e) for e in self.values())


class _Rows:
    """A sequence read in one ordered scan (`claims`, `relations`): iterable and sized, not indexable."""

    def __init__(self, connections: Connections, every: str, count: str, decode):
        self._db, self._every, self._count, self._decode = connections, every, count, decode

    def __iter__(self):
        return (self._decode(row) for row in self._db.iterate(self._every))

    def __len__(self) -> int:
        return self._db.rows(self._count)[0][0]


class StoredCatalog:
    """kg.catalog.Catalog's interface over a records file: the same records, looked up one by one."""

    def __init__(self, connections: Connections, meta: dict):
        db = self._db = connections
        self.path = connections.path  # the records file
        self.base = meta["base"]
        self.class_labels: dict[str, str] = meta["class_labels"]
        self.property_labels: dict[str, str] = meta["property_labels"]
        self.superclasses = {k: frozenset(v) for k, v in meta["superclasses"].items()}
        self.entities = _Entities(db)
        self.claims = _Rows(db, "SELECT data FROM claims ORDER BY id", "SELECT COUNT(*) FROM claims",
                            lambda row: _claim(row[0]))
        self.relations = _Rows(db, "SELECT subject, predicate, object FROM relations ORDER BY seq",
                               "SELECT COUNT(*) FROM relations", lambda row: Relation(*row))
        self.claims_about = _Lookup(
            db, "SELECT c.data FROM claims_about a JOIN claims c ON c.id = a.claim WHERE a.entity = ? ORDER BY a.seq",
            "SELECT DISTINCT entity FROM claims_about ORDER BY entity", "SELECT COUNT(DISTINCT entity) FROM claims_about",
            lambda rows: tuple(_claim(r[0]) for r in rows))
        self.events_of = _Lookup(
            db, "SELECT event FROM events_of WHERE entity = ? ORDER BY seq",
            "SELECT DISTINCT entity FROM events_of ORDER BY entity", "SELECT COUNT(DISTINCT entity) FROM events_of",
            lambda rows: tuple(r[0] for r in rows))
        self.participants = _Lookup(
            db, "SELECT member FROM participants WHERE event = ? ORDER BY seq",
            "SELECT DISTINCT event FROM participants ORDER BY event", "SELECT COUNT(DISTINCT event) FROM participants",
            lambda rows: tuple(r[0] for r in rows))
        self.roles = _Lookup(
            db, "SELECT property, member FROM roles WHERE event = ? ORDER BY seq",
            "SELECT DISTINCT event FROM roles ORDER BY event", "SELECT COUNT(DISTINCT event) FROM roles",
            lambda rows: tuple((p, m) for p, m in rows))
        self.texts = _Lookup(db, "SELECT text FROM texts WHERE id = ?", "SELECT id FROM texts ORDER BY id",
                             "SELECT COUNT(*) FROM texts", lambda rows: rows[0][0])

    # The methods of kg.catalog.Catalog, by look-ups.
    def entity(self, entity_id: str) -> Entity | None:
        return self.entities.get(entity_id)

    def label(self, entity_id: str) -> str:
        entity = self.entities.get(entity_id)
        return entity.label if entity else entity_id

    status_counts = Catalog.status_counts
    event_status_counts = Catalog.event_status_counts

    def relations_from(self, entity_id: str) -> tuple[Relation, ...]:
        return tuple(Relation(*row) for row in self._db.rows(
            "SELECT subject, predicate, object FROM relations WHERE subject = ? ORDER BY seq", (entity_id,)))

    def relations_of(self, entity_id: str) -> tuple[Relation, ...]:
        return tuple(Relation(*row) for row in self._db.rows(
            "SELECT subject, predicate, object FROM relations WHERE subject = ?1 OR object = ?1 ORDER BY seq",
            (entity_id,)))

    def existing(self, ids) -> set[str]:
        found = set()
        ids = sorted(set(ids))
        for i in range(0, len(ids), 500):
            chunk = ids[i:i + 500]
            marks = ",".join("?" * len(chunk))
            for table in ("entities", "claims"):
                found |= {r[0] for r in self._db.rows(f"SELECT id FROM {table} WHERE id IN ({marks})", chunk)}
        return found

    def type_rows(self):
        return ((entity_id, tuple(json.loads(types)), frozenset(json.loads(every))) for entity_id, types, every in
                self._db.iterate("SELECT id, types, all_types FROM entity_classes ORDER BY id"))

    def most_events(self, cls: str, limit: int) -> list[Entity]:
        ids = [row[0] for row in self._db.rows(
            "SELECT c.id FROM entity_classes c LEFT JOIN (SELECT entity, COUNT(*) AS n FROM events_of GROUP BY entity) e "
            "ON e.entity = c.id WHERE EXISTS (SELECT 1 FROM json_each(c.all_types) WHERE value = ?) "
            "ORDER BY COALESCE(e.n, 0) DESC, c.id LIMIT ?", (cls, limit))]
        return [self.entities[i] for i in ids]

    def status_totals(self) -> dict[str, int]:
        return {status: n for status, n, _ in self._db.rows(
            "SELECT status, COUNT(*), MIN(id) AS first FROM claims GROUP BY status ORDER BY first")}

    def credits(self):
        rows = self._db.iterate("SELECT claim, entity FROM credits ORDER BY claim, seq")
        return ((claim, tuple(entity for _, entity in group)) for claim, group in groupby(rows, key=lambda r: r[0]))

    def claims_with_status(self, status: str) -> list[Claim]:
        return [_claim(r[0]) for r in self._db.rows("SELECT data FROM claims WHERE status = ? ORDER BY id", (status,))]

    def claims_stated_in(self, source_id: str | None) -> list[Claim]:
        sql = "SELECT data FROM claims WHERE source IS ? ORDER BY id"
        return [_claim(r[0]) for r in self._db.rows(sql, (source_id,))]

    def name_index(self) -> NameIndex:
        """The name index written beside the records (kg.names), read from the same file."""
        return NameIndex.stored(self._db)
