"""Rule 1, checked on the curated data itself: nothing that is not verbatim in the stored article.

Independent of the loader (which refuses such data too): a plain YAML walk over every data file.
"""

import hashlib

import pytest
import yaml

from kg.config import PROJECT_ROOT

DATA = PROJECT_ROOT / "data"
ARTICLE = DATA / "sources" / "article.txt"
FILES = [DATA / "entities.yaml"] + sorted((DATA / "entries").glob("*.yaml"))
VERBATIM_KEYS = {"quote", "dateText"}


def walk(value, found):
    if isinstance(value, dict):
        for key, item in value.items():
            if key in VERBATIM_KEYS:
                found.append((key, item))
            walk(item, found)
    elif isinstance(value, list):
        for item in value:
            walk(item, found)
    return found


def test_the_stored_article_is_the_recorded_one():
    (source,) = yaml.safe_load((DATA / "sources" / "sources.yaml").read_text(encoding="utf-8"))
    assert hashlib.sha256(ARTICLE.read_bytes()).hexdigest() == source["sha256"]
    shared = PROJECT_ROOT.parent / "shared" / "seed" / "article.txt"
    if shared.exists():  # on a developer's machine: our copy is the seed, byte for byte
        assert shared.read_bytes() == ARTICLE.read_bytes()


def test_there_is_a_file_per_article_part():
    entries = sorted((DATA / "entries").glob("*.yaml"))
    assert len(entries) == 7, [p.name for p in entries]  # the introduction and the six entries


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_quote_and_date_text_is_verbatim(path):
    article = ARTICLE.read_text(encoding="utf-8")
    content = yaml.safe_load(path.read_text(encoding="utf-8"))
    found = walk(content, [])
    missing = [(key, text) for key, text in found if str(text) not in article]
    assert missing == []
    if path.name != "entities.yaml":
        assert any(key == "quote" for key, _ in found), f"{path.name} has no quote at all"
        assert str(content["entry"]) in article


def test_every_claim_has_a_status_and_a_quote():
    bad = []
    for path in FILES:
        for node in yaml.safe_load(path.read_text(encoding="utf-8"))["nodes"]:
            for claim in node.get("claims") or []:
                if not claim.get("quote") or not claim.get("status"):
                    bad.append((path.name, node["id"]))
    assert bad == []
