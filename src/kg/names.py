"""Name matching over the dataset's entities: normalisation, typo-tolerant scores 0-100, and an index.

Reusable by anything that looks names up (the reconciliation service, a search box): build a
`NameIndex` once from the entities' labels, alternative labels and descriptions, then call
`index.search(text)` for ranked candidates or `index.prefix(text)` for autocompletion.

How a name is compared:

- `normalise` folds case and accents (Kisljak, KISLJAK, Kisľak), turns punctuation into spaces,
  drops parenthetical qualifiers ("Jared Kushner (advisor)" -> "jared kushner"; the qualifier is
  kept apart, see `split_qualifier`), puts "Last, First" into "first last" order and drops a
  leading "the".
- `name_score(query, name)` aligns the tokens of the two names one to one (order does not
  matter), each pair scored by edit distance, and weighs them by length, so a missing first name
  costs more than a missing "Jr". It also compares a transliteration skeleton (y/i, doubled
  letters, ph/f, ck/k, ...: "Sergei Kisliak" and "Sergey Kislyak" have the same skeleton), which
  scores at most 96, never 100: only the same normalised name is a perfect score.
- A description never stands for a name: words of the query found in a description score at
  most `DESCRIPTION_CAP`, far below a match.

`is_unambiguous(candidates)` is the one place that decides a match: the best candidate must
score at least `MATCH_SCORE` and lead the next one by `MATCH_GAP`, or be the only exact name
match. Two entities with the same name are never a match.
"""

from __future__ import annotations

import heapq
import json
import re
import sqlite3
import threading
import unicodedata
from collections import Counter
from itertools import islice
from dataclasses import dataclass, field

from rapidfuzz import process
from rapidfuzz.distance import OSA

MATCH_SCORE = 90.0  # a candidate below this is never a match
MATCH_GAP = 10.0  # ... and it must lead the next candidate by this much (unless it alone is exact)
SKELETON_CAP = 96.0  # a match of skeletons only (spelling variants) never reaches 100
DESCRIPTION_CAP = 50.0
RECALL_WEIGHT = 0.6  # a name with all the query's words and more ("Putin" in "Vladimir Putin") ranks high
MAX_TOKENS = 8  # words of a query after the 8th are ignored (names are shorter; it bounds the work)
TOKEN_SIMILARITY = 0.75  # two words closer than this are alike
MIN_SCORE = 30.0  # candidates scoring less are not returned

_PARENTHESES = re.compile(r"\s*[\(\[]([^()\[\]]*)[\)\]]\s*")
_NOT_WORD = re.compile(r"[^\w]+", re.UNICODE)
_LEADING = ("the ",)
# Folds that make transliterations of one name alike (applied in order, after normalise).
_SKELETON = ((r"ph", "f"), (r"ck", "k"), (r"q", "k"), (r"w", "v"), (r"y", "i"), (r"\Bj", "i"), (r"ie", "i"),
             (r"ei", "i"), (r"ai", "i"), (r"ks", "x"), (r"kh", "h"), (r"z", "s"), (r"c(?=[aou])", "k"),
             (r"(\w)\1+", r"\1"))
_SKELETON_RE = tuple((re.compile(a), b) for a, b in _SKELETON)


def fold(text: str) -> str:
    """Lower case without accents: 'Kisľak' -> 'kislak'. Letters with no decomposition stay."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def split_qualifier(text: str) -> tuple[str, str]:
    """('Jared Kushner', 'advisor') from 'Jared Kushner (advisor)'; ('x', '') without one."""
    qualifiers = _PARENTHESES.findall(text)
    return _PARENTHESES.sub(" ", text).strip(), " ".join(q.strip() for q in qualifiers if q.strip())


def normalise(text: str) -> str:
    """The form names are compared in (see the module's description)."""
    name, _ = split_qualifier(text)
    if name.count(",") == 1:  # "Flynn, Michael" -> "Michael Flynn"; "Trump Jr., Donald" too
        last, first = (part.strip() for part in name.split(","))
        if last and first and len(first.split()) <= 3 and first.lower().rstrip(".") not in ("jr", "sr", "inc"):
            name = f"{first} {last}"
    words = _NOT_WORD.sub(" ", fold(name).replace("'s ", " ")).split()
    text = " ".join(w for w in words if w != "s")
    for article in _LEADING:
        if text.startswith(article):
            text = text[len(article):]
    return text


def skeleton(normalised: str) -> str:
    for pattern, replacement in _SKELETON_RE:
        normalised = pattern.sub(replacement, normalised)
    return normalised


def edit_distance(a: str, b: str) -> int:
    """Optimal string alignment distance (insert, delete, substitute, swap two neighbours), by rapidfuzz."""
    return OSA.distance(a, b)


def token_similarity(a: str, b: str) -> float:
    """0..1: 1 - distance / longer length, for words that start alike and differ by at most one
    edit in four letters (Flyn/Flynn, Kisliak/Kislyak); anything further apart counts as no match."""
    if a == b:
        return 1.0
    longest = max(len(a), len(b))
    if longest <= 3 or a[0] != b[0] or abs(len(a) - len(b)) * 4 > longest:
        return 0.0
    similarity = 1.0 - edit_distance(a, b) / longest
    return similarity if similarity >= TOKEN_SIMILARITY else 0.0


def _aligned(query_tokens, name_tokens, similar=token_similarity) -> float:
    """0..1: the tokens paired one to one, best pairs first, weighed by length: a mean of the share
    of the query found (weight RECALL_WEIGHT) and of the name found. `similar(a, b)` gives a
    pair's similarity (the index passes a look-up of the pairs it found alike)."""
    if not query_tokens or not name_tokens:
        return 0.0
    pairs = sorted(((similarity, i, j) for i, q in enumerate(query_tokens) for j, n in enumerate(name_tokens)
                    if (similarity := similar(q, n)) > 0), reverse=True)
    used_q, used_n, matched_q, matched_n = set(), set(), 0.0, 0.0
    for similarity, i, j in pairs:
        if i in used_q or j in used_n:
            continue
        used_q.add(i)
        used_n.add(j)
        matched_q += similarity * len(query_tokens[i])
        matched_n += similarity * len(name_tokens[j])
    recall = matched_q / sum(map(len, query_tokens))
    precision = matched_n / sum(map(len, name_tokens))
    return RECALL_WEIGHT * recall + (1 - RECALL_WEIGHT) * precision


def name_score(query: str, name: str) -> float:
    """0-100: how well `name` matches `query` (both raw text; see the module's description)."""
    return _score(_Form.of(query, MAX_TOKENS), _Form.of(name))


@dataclass(frozen=True)
class _Form:
    text: str
    tokens: tuple[str, ...]
    skeleton: str
    skeleton_tokens: tuple[str, ...]

    @classmethod
    def of(cls, raw: str, max_tokens: int | None = None) -> "_Form":
        text = " ".join(normalise(raw).split()[:max_tokens])
        skel = skeleton(text)
        return cls(text, tuple(text.split()), skel, tuple(skel.split()))


def _score(query: _Form, name: _Form, similar=token_similarity) -> float:
    if not query.text or not name.text:
        return 0.0
    if query.text == name.text:
        return 100.0
    if sorted(query.tokens) == sorted(name.tokens):
        return 98.0  # the same words in another order
    plain = 100.0 * _aligned(query.tokens, name.tokens, similar)
    if query.skeleton == name.skeleton or sorted(query.skeleton_tokens) == sorted(name.skeleton_tokens):
        return max(plain, SKELETON_CAP)
    spelled = 100.0 * _aligned(query.skeleton_tokens, name.skeleton_tokens, similar)
    return round(max(plain, min(spelled, SKELETON_CAP) - 2.0), 1)


# --------------------------------------------------------------------------- the index


@dataclass(frozen=True)
class Entry:
    """What the index knows of one entity; `types` are what a type filter compares against."""

    id: str
    label: str
    alt_labels: tuple[str, ...] = ()
    description: str = ""
    types: frozenset[str] = frozenset()
    keys: tuple[str, ...] = ()  # identifiers that find it exactly: its id, IRI, QID


@dataclass(frozen=True)
class Candidate:
    id: str
    name: str  # the entity's label
    score: float  # 0-100
    matched: str  # the label, alternative label or "description" that gave the score
    exact: bool  # the normalised query equals a name (or an identifier) of this entity
    features: dict = field(default_factory=dict, compare=False)


class NameIndex:
    """Entities' names, normalised once, in SQLite tables (`write_name_tables`): each name's words
    and skeleton words (a posting list: the names having a word), each description's words, and
    the identifiers. A search scores only the names having a word like one of the query's (those
    without score 0), so it reads a few rows however many names there are.

    `NameIndex(entries)` writes the tables into an in-memory database; `NameIndex.stored(db)`
    reads those the build wrote into its records file (kg.records)."""

    def __init__(self, entries=None, *, db=None):
        if db is None:
            db = _Memory()
            db.write(entries or ())
        self._db = db
        self._vocabulary: list[str] | None = None
        self._skeletons: list[str] | None = None

    @classmethod
    def stored(cls, db) -> "NameIndex":
        """The index over tables already written; `db.rows(sql, parameters)` answers queries."""
        return cls(db=db)

    def _words(self, kind: int) -> list[str]:
        if kind == _PLAIN:
            if self._vocabulary is None:
                self._vocabulary = [r[0] for r in self._db.rows(
                    "SELECT DISTINCT word FROM name_words WHERE kind = 0 ORDER BY word")]
            return self._vocabulary
        if self._skeletons is None:
            self._skeletons = [r[0] for r in self._db.rows(
                "SELECT DISTINCT word FROM name_words WHERE kind = 1 ORDER BY word")]
        return self._skeletons

    def _near_tokens(self, query: _Form) -> dict[tuple[str, str], float]:
        """(query word, index word) -> similarity, for the pairs alike only (plain words and
        skeletons); rapidfuzz scans the vocabulary, token_similarity has the last word."""
        near = {}
        for mine, kind in ((query.tokens, _PLAIN), (query.skeleton_tokens, _SKELETON)):
            if not mine:
                continue
            vocabulary = self._words(kind)
            for q in set(mine):
                for word, _, _ in process.extract(q, vocabulary, scorer=OSA.normalized_similarity,
                                                  score_cutoff=TOKEN_SIMILARITY, limit=None):
                    similarity = token_similarity(q, word)
                    if similarity > 0:
                        near[q, word] = similarity
        return near

    def __len__(self) -> int:
        return self._db.rows("SELECT COUNT(*) FROM name_entries")[0][0]

    def lookup_key(self, text: str) -> str | None:
        """The entity an identifier names (its id, IRI or QID), or None."""
        rows = self._db.rows("SELECT entity FROM name_keys WHERE key = ?", (text.strip().casefold(),))
        return rows[0][0] if rows else None

    def _label(self, entity_id: str) -> str:
        return self._db.rows("SELECT label FROM name_entries WHERE id = ?", (entity_id,))[0][0]

    def _types(self, entity_ids) -> dict[str, frozenset[str]]:
        found = {}
        for chunk in _chunks(sorted(set(entity_ids))):
            for entity_id, types in self._db.rows(
                    f"SELECT id, types FROM name_entries WHERE id IN ({','.join('?' * len(chunk))})", chunk):
                found[entity_id] = frozenset(json.loads(types))
        return found

    def _by_bound(self, query: _Form, near: dict):
        """(bound, label key, entity id, seq) of every name having a word like one of the query's (any
        other scores 0), highest bound first (`_BOUND`), read as they are used."""
        alike: dict[tuple[int, str], int] = {}  # (kind, index word) -> length of the query's words alike it
        for kind, mine in ((_PLAIN, query.tokens), (_SKELETON, query.skeleton_tokens)):
            repeats = Counter(mine)
            for q, word in near:
                if q in repeats:
                    alike[kind, word] = alike.get((kind, word), 0) + len(q) * repeats[q]
        if not alike:
            return iter(())
        values = ",".join("(?, ?, ?)" for _ in alike)
        parameters = [x for (kind, word), weight in alike.items() for x in (kind, word, weight)]
        lengths = (sum(map(len, query.tokens)) or 1, sum(map(len, query.skeleton_tokens)) or 1)
        n = len(parameters)
        sql = _BOUND.format(values=values, rw=f"?{n + 1}", lq0=f"?{n + 2}", lq1=f"?{n + 3}", prw=f"?{n + 4}")
        return self._db.iterate(sql, (*parameters, RECALL_WEIGHT, lengths[0], lengths[1], 1 - RECALL_WEIGHT))

    def _name_rows(self, seqs: list[int]) -> list[tuple]:
        """(raw name, text, skeleton, label, types JSON) of each name, in the order of `seqs`."""
        rows = {row[0]: row[1:] for row in self._db.rows(
            "SELECT n.seq, n.raw, n.text, n.skeleton, e.label, e.types FROM names n JOIN name_entries e "
            f"ON e.id = n.entity WHERE n.seq IN ({','.join('?' * len(seqs))})", seqs)}
        return [rows[seq] for seq in seqs]

    def _described(self, query: _Form, wanted: set, limit: int, min_score: float) -> dict[str, Candidate]:
        """The entities whose description has words of the query, scored (at most DESCRIPTION_CAP),
        the best `limit` of them (and any tied with the last)."""
        repeats = Counter(query.tokens)
        if not repeats:
            return {}
        total = sum(map(len, query.tokens))
        values = ",".join("(?, ?)" for _ in repeats)
        rows = self._db.rows(_DESCRIBED.format(values=values),
                             [x for word, n in repeats.items() for x in (word, len(word) * n)])
        found: dict[str, Candidate] = {}
        last = None
        for entity_id, label, weight, types in rows:
            score = round(DESCRIPTION_CAP * weight / total, 1)
            if score < min_score or (last is not None and score < last):
                break
            if wanted and not wanted & set(json.loads(types)):
                continue
            found[entity_id] = Candidate(entity_id, label, score, "description", False, {"description": score})
            if len(found) >= limit:
                last = score  # ties with the last one kept are kept too (the label decides between them)
        return found

    def search(self, text: str, types=None, limit: int = 10, min_score: float = MIN_SCORE) -> list[Candidate]:
        """Candidates for `text`, best first (ties by label, then id); `types`: keep entities having one.

        Only names with a word like one of the query's are read (any other scores 0), and they are
        scored best bound first (an upper limit of the score from the words alike, `_BOUND`), until
        no name left could enter the first `limit`: the same answer as scoring every name."""
        wanted = set(types or ())
        key = self.lookup_key(text)
        query = _Form.of(text, MAX_TOKENS)
        near = self._near_tokens(query)

        def similar(a: str, b: str) -> float:
            return near.get((a, b), 0.0)

        described = self._described(query, wanted, limit, min_score)
        types_of = self._types([key]) if wanted and key else {}
        best: dict[str, tuple[float, int, str, str]] = {}  # entity id -> (score, seq, name, label) of its best name

        def final(entity_id: str) -> Candidate | None:
            if entity_id == key:
                label = best[key][3] if key in best else self._label(key)
                return Candidate(key, label, 100.0, "identifier", True, {"identifier": True})
            named, by_description = best.get(entity_id), described.get(entity_id)
            if named is not None and named[0] > 0 and (by_description is None or named[0] >= by_description.score):
                return Candidate(entity_id, named[3], named[0], named[2], named[0] == 100.0, {"name": named[0]})
            return by_description

        def ranked() -> list[Candidate]:
            found = (final(e) for e in {*best, *described, *([key] if key else [])})
            return heapq.nsmallest(limit, (c for c in found if c is not None and c.score >= min_score
                                           and (not wanted or wanted & types_of.get(c.id, frozenset()))),
                                   key=lambda c: (-c.score, c.name.casefold(), c.id))

        order = self._by_bound(query, near)
        while batch := list(islice(order, _BATCH)):
            if best:
                top = ranked()
                if len(top) == limit:
                    last = top[-1]
                    bound, label_key, entity_id = batch[0][:3]
                    if (-bound, label_key, entity_id) > (-last.score, last.name.casefold(), last.id):
                        break  # every name left scores too little to enter the first `limit`
            names = self._name_rows([row[3] for row in batch])
            for (bound, _, entity_id, seq), (raw, text, skel, label, kinds) in zip(batch, names):
                if wanted and entity_id not in types_of:
                    types_of[entity_id] = frozenset(json.loads(kinds))
                score = _score(query, _Form(text, tuple(text.split()), skel, tuple(skel.split())), similar)
                held = best.get(entity_id)
                if held is None or score > held[0] or (score == held[0] and seq < held[1]):
                    best[entity_id] = (score, seq, raw, label)
        for entity_id in described:
            if wanted and entity_id not in types_of:
                types_of[entity_id] = wanted  # _described kept only those of the types wanted
        return ranked()

    def prefix(self, text: str, types=None, limit: int = 10, offset: int = 0) -> list[Candidate]:
        """Autocompletion: entities with a name word starting with each word typed (any order),
        then, if there are fewer than `limit`, the best fuzzy matches."""
        wanted = set(types or ())
        typed = normalise(text).split()
        found: dict[str, Candidate] = {}
        key = self.lookup_key(text)
        if key:
            found[key] = Candidate(key, self._label(key), 100.0, "identifier", True)
        if typed:
            # The names with a word starting with the rarest of the words typed: the others cannot match.
            rarest = min(set(typed), key=lambda t: self._db.rows(
                "SELECT COUNT(*) FROM name_words WHERE kind = 0 AND word >= ? AND word < ?", (t, t + _LAST))[0][0])
            for entity_id, raw, form, label in self._starting(rarest):
                if entity_id == key:
                    continue
                if all(any(token.startswith(t) for token in form.tokens) for t in typed):
                    # Names mostly made of what was typed first ("kus": Jared Kushner before
                    # "Kushner takes the job of senior advisor"); a name starting with it gets a bonus.
                    starts = form.text.startswith(" ".join(typed))
                    coverage = min(1.0, len(typed) / len(form.tokens))
                    score = round(min(100.0, 60.0 + 35.0 * coverage + (5.0 if starts else 0.0)), 1)
                    if entity_id not in found or score > found[entity_id].score:
                        found[entity_id] = Candidate(entity_id, label, score, raw, starts and coverage == 1.0)
        results = list(found.values())
        if wanted:
            types_of = self._types(c.id for c in results)
            results = [c for c in results if wanted & types_of.get(c.id, frozenset())]
        results.sort(key=lambda c: (-c.score, len(c.matched), c.name.casefold(), c.id))
        if len(results) < offset + limit and typed:
            seen = {c.id for c in results}
            results += [c for c in self.search(text, types, limit=offset + limit, min_score=60.0)
                        if c.id not in seen]
        return results[offset:offset + limit]

    def _starting(self, prefix: str) -> list[tuple[str, str, _Form, str]]:
        rows = self._db.rows(
            "SELECT n.seq, n.entity, n.raw, n.text, n.skeleton, e.label FROM names n JOIN name_entries e "
            "ON e.id = n.entity WHERE n.seq IN (SELECT name FROM name_words WHERE kind = 0 AND word >= ? AND word < ?) "
            "ORDER BY n.seq", (prefix, prefix + _LAST))
        return _decoded(rows)


# Each name's bound: the score `_score` could at most give it, its words and the query's matched as
# if every pair alike were perfect and none had to be shared, for the plain words (kind 0) and the
# skeletons (kind 1): RECALL_WEIGHT * (query's words found, at most all) + (1 - RECALL_WEIGHT) *
# (name's words found), by length; + 0.1 for _score's rounding to a tenth. The parameters: each
# (kind, index word, length of the query's words alike it) then, numbered after them, RECALL_WEIGHT,
# the query's plain and skeleton lengths, 1 - RECALL_WEIGHT. One row per name and index word: no
# DISTINCT needed (a name with two words alike one query word counts it twice: a looser bound, still one).
_BOUND = """
WITH alike(kind, word, weight) AS (VALUES {values}),
per_kind AS (SELECT w.name, w.kind, MIN(1.0, SUM(a.weight) * 1.0 / (CASE w.kind WHEN 0 THEN {lq0} ELSE {lq1} END)) AS q,
                    SUM(length(w.word) * w.count) AS n
             FROM alike a JOIN name_words w ON w.kind = a.kind AND w.word = a.word GROUP BY w.name, w.kind),
bounds AS (SELECT p.name, MAX({rw} * p.q + {prw} * p.n * 1.0 / (CASE p.kind WHEN 0 THEN m.text_length
                                                                ELSE m.skeleton_length END)) AS b, m.entity
           FROM per_kind p JOIN names m ON m.seq = p.name GROUP BY p.name)
SELECT 100.0 * b.b + 0.1, e.label_key, b.entity, b.name
FROM bounds b JOIN name_entries e ON e.id = b.entity
ORDER BY 1 DESC, 2, 3, 4
"""
# The entities whose description has words of the query: (id, label, found length, types), best first.
_DESCRIBED = """
WITH words(word, weight) AS (VALUES {values})
SELECT d.entity, e.label, SUM(w.weight) AS found, e.types FROM words w JOIN description_words d ON d.word = w.word
JOIN name_entries e ON e.id = d.entity GROUP BY d.entity ORDER BY found DESC, e.label_key, d.entity
"""
_BATCH = 256  # names scored between two checks of the bound
_PLAIN, _SKELETON = 0, 1
_LAST = "\U0010ffff"  # after every string starting with a prefix: the end of a range scan
_CHUNK = 500  # values bound in one IN (...)

_NAME_SCHEMA = """
CREATE TABLE name_entries (id TEXT PRIMARY KEY, label TEXT NOT NULL, label_key TEXT NOT NULL,
                           types TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE names (seq INTEGER PRIMARY KEY, entity TEXT NOT NULL, raw TEXT NOT NULL, text TEXT NOT NULL,
                    skeleton TEXT NOT NULL, text_length INTEGER NOT NULL, skeleton_length INTEGER NOT NULL);
-- kind 0: a word of the name, 1: a word of its skeleton; count: how many times the name has it
CREATE TABLE name_words (kind INTEGER NOT NULL, word TEXT NOT NULL, name INTEGER NOT NULL, count INTEGER NOT NULL,
                         PRIMARY KEY (kind, word, name)) WITHOUT ROWID;
CREATE TABLE description_words (word TEXT NOT NULL, entity TEXT NOT NULL, PRIMARY KEY (word, entity)) WITHOUT ROWID;
CREATE TABLE name_keys (key TEXT PRIMARY KEY, entity TEXT NOT NULL) WITHOUT ROWID;
"""


def write_name_tables(connection, entries) -> None:
    """The index's tables for `entries` (kg.names.Entry), into an open SQLite connection."""
    connection.executescript(_NAME_SCHEMA)
    by_id = {entry.id: entry for entry in entries}
    names, words, described, keys = [], [], [], {}
    for entry in by_id.values():
        for name in dict.fromkeys((entry.label, *entry.alt_labels)):
            if name:
                form = _Form.of(name)
                seq = len(names)
                names.append((seq, entry.id, name, form.text, form.skeleton, sum(map(len, form.tokens)),
                              sum(map(len, form.skeleton_tokens))))
                words += [(_PLAIN, t, seq, n) for t, n in Counter(form.tokens).items()]
                words += [(_SKELETON, t, seq, n) for t, n in Counter(form.skeleton_tokens).items()]
        if entry.description:
            described += [(w, entry.id) for w in set(normalise(entry.description).split())]
        for key in entry.keys:
            keys[key.casefold()] = entry.id
    connection.executemany("INSERT INTO name_entries VALUES (?, ?, ?, ?)",
                           ((e.id, e.label, e.label.casefold(), json.dumps(sorted(e.types))) for e in by_id.values()))
    connection.executemany("INSERT INTO names VALUES (?, ?, ?, ?, ?, ?, ?)", names)
    connection.executemany("INSERT INTO name_words VALUES (?, ?, ?, ?)", words)
    connection.executemany("INSERT INTO description_words VALUES (?, ?)", described)
    connection.executemany("INSERT INTO name_keys VALUES (?, ?)", keys.items())


def _decoded(rows) -> list[tuple[str, str, _Form, str]]:
    return [(entity, raw, _Form(text, tuple(text.split()), skel, tuple(skel.split())), label)
            for _, entity, raw, text, skel, label in rows]


def _chunks(values: list) -> list[list]:
    return [values[i:i + _CHUNK] for i in range(0, len(values), _CHUNK)]


class _Memory:
    """The tables of an index made from entries, in an in-memory database (one connection, shared
    by threads under a lock)."""

    def __init__(self):
        self.connection = sqlite3.connect(":memory:", check_same_thread=False)
        self.lock = threading.Lock()

    def write(self, entries) -> None:
        with self.lock:
            write_name_tables(self.connection, entries)
            self.connection.commit()

    def rows(self, sql: str, parameters=()) -> list:
        with self.lock:
            return self.connection.execute(sql, parameters).fetchall()

    def iterate(self, sql: str, parameters=()):
        return iter(self.rows(sql, parameters))


def is_unambiguous(candidates: list[Candidate]) -> bool:
    """Whether the first candidate is a certain match (see the module's description)."""
    if not candidates:
        return False
    best, rest = candidates[0], candidates[1:]
    if best.score < MATCH_SCORE:
        return False
    if any(other.score >= best.score for other in rest):  # namesakes, or a tie
        return False
    if best.score == 100.0 and not any(other.exact for other in rest):
        return True
    return not rest or best.score - rest[0].score >= MATCH_GAP


def entries_from_catalog(catalog) -> list[Entry]:
    """Index entries for every entity of a `kg.catalog.Catalog` (labels, alternative labels,
    descriptions, types with their superclasses; identifiers: id, IRI and verified QID)."""
    entries = []
    for entity in catalog.entities.values():
        keys = [entity.id, entity.iri]
        if entity.qid:
            keys += [entity.qid, f"wd:{entity.qid}", f"http://www.wikidata.org/entity/{entity.qid}",
                     f"https://www.wikidata.org/wiki/{entity.qid}"]
        entries.append(Entry(entity.id, entity.label, entity.alt_labels, entity.description,
                             entity.all_types, tuple(keys)))
    return entries


def index_catalog(catalog) -> NameIndex:
    return NameIndex(entries_from_catalog(catalog))
