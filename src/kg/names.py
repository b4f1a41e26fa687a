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

import re
import unicodedata
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
    """Entities' names, normalised once; searched by scoring every name (the dataset is small:
    a few hundred names; a token index narrows nothing worth its complexity at this size)."""

    def __init__(self, entries):
        self.entries = {entry.id: entry for entry in entries}
        self._names: list[tuple[str, str, _Form]] = []  # (entity id, raw name, form)
        self._descriptions: dict[str, set[str]] = {}
        self._keys: dict[str, str] = {}
        for entry in self.entries.values():
            for name in dict.fromkeys((entry.label, *entry.alt_labels)):
                if name:
                    self._names.append((entry.id, name, _Form.of(name)))
            if entry.description:
                self._descriptions[entry.id] = set(normalise(entry.description).split())
            for key in entry.keys:
                self._keys[key.casefold()] = entry.id
        self._vocabulary = sorted({t for _, _, form in self._names for t in form.tokens})
        self._skeletons = sorted({t for _, _, form in self._names for t in form.skeleton_tokens})

    def _near_tokens(self, query: _Form) -> dict[tuple[str, str], float]:
        """(query word, index word) -> similarity, for the pairs alike only (plain words and
        skeletons); rapidfuzz scans the vocabulary, token_similarity has the last word."""
        near = {}
        for mine, vocabulary in ((query.tokens, self._vocabulary), (query.skeleton_tokens, self._skeletons)):
            for q in set(mine):
                for word, _, _ in process.extract(q, vocabulary, scorer=OSA.normalized_similarity,
                                                  score_cutoff=TOKEN_SIMILARITY, limit=None):
                    similarity = token_similarity(q, word)
                    if similarity > 0:
                        near[q, word] = similarity
        return near

    def __len__(self) -> int:
        return len(self.entries)

    def lookup_key(self, text: str) -> str | None:
        """The entity an identifier names (its id, IRI or QID), or None."""
        return self._keys.get(text.strip().casefold())

    def search(self, text: str, types=None, limit: int = 10, min_score: float = MIN_SCORE) -> list[Candidate]:
        """Candidates for `text`, best first (ties by label, then id); `types`: keep entities having one."""
        wanted = set(types or ())
        by_id: dict[str, Candidate] = {}
        key = self.lookup_key(text)
        if key:
            by_id[key] = Candidate(key, self.entries[key].label, 100.0, "identifier", True,
                                   {"identifier": True})
        query = _Form.of(text, MAX_TOKENS)
        near = self._near_tokens(query)
        near_words = {word for _, word in near}

        def similar(a: str, b: str) -> float:
            return near.get((a, b), 0.0)

        for entity_id, raw, form in self._names:
            if entity_id in by_id and by_id[entity_id].score == 100.0:
                continue
            if near_words.isdisjoint(form.tokens) and near_words.isdisjoint(form.skeleton_tokens):
                continue  # no word of this name is like a word of the query: it scores 0
            score = _score(query, form, similar)
            if score > (by_id[entity_id].score if entity_id in by_id else 0):
                by_id[entity_id] = Candidate(entity_id, self.entries[entity_id].label, score,
                                             raw, score == 100.0, {"name": score})
        for entity_id, words in self._descriptions.items():
            if not query.tokens:
                break
            found = sum(len(t) for t in query.tokens if t in words) / sum(map(len, query.tokens))
            score = round(DESCRIPTION_CAP * found, 1)
            if score > (by_id[entity_id].score if entity_id in by_id else 0):
                by_id[entity_id] = Candidate(entity_id, self.entries[entity_id].label, score, "description",
                                             False, {"description": score})
        results = [c for c in by_id.values() if c.score >= min_score
                   and (not wanted or wanted & self.entries[c.id].types)]
        results.sort(key=lambda c: (-c.score, c.name.casefold(), c.id))
        return results[:limit]

    def prefix(self, text: str, types=None, limit: int = 10, offset: int = 0) -> list[Candidate]:
        """Autocompletion: entities with a name word starting with each word typed (any order),
        then, if there are fewer than `limit`, the best fuzzy matches."""
        wanted = set(types or ())
        typed = normalise(text).split()
        found: dict[str, Candidate] = {}
        key = self.lookup_key(text)
        if key:
            found[key] = Candidate(key, self.entries[key].label, 100.0, "identifier", True)
        if typed:
            for entity_id, raw, form in self._names:
                if entity_id == key:
                    continue
                if all(any(token.startswith(t) for token in form.tokens) for t in typed):
                    # Names mostly made of what was typed first ("kus": Jared Kushner before
                    # "Kushner takes the job of senior advisor"); a name starting with it gets a bonus.
                    starts = form.text.startswith(" ".join(typed))
                    coverage = min(1.0, len(typed) / len(form.tokens))
                    score = round(min(100.0, 60.0 + 35.0 * coverage + (5.0 if starts else 0.0)), 1)
                    if entity_id not in found or score > found[entity_id].score:
                        found[entity_id] = Candidate(entity_id, self.entries[entity_id].label, score, raw,
                                                     starts and coverage == 1.0)
        results = [c for c in found.values() if not wanted or wanted & self.entries[c.id].types]
        results.sort(key=lambda c: (-c.score, len(c.matched), c.name.casefold(), c.id))
        if len(results) < offset + limit and typed:
            seen = {c.id for c in results}
            results += [c for c in self.search(text, types, limit=offset + limit, min_score=60.0)
                        if c.id not in seen]
        return results[offset:offset + limit]


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
