"""Write tests/golden/NAME.json from the current build, for a person to read before committing.

Usage: python tests/update_golden.py [NAME ...]   (no NAME: every competency query)
"""

import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from kg.build import build  # noqa: E402
from kg.config import DataFile, from_env  # noqa: E402
from kg.store import load_store  # noqa: E402
from test_queries import COMPETENCY, GOLDEN, answer  # noqa: E402


def main(names: list[str]) -> None:
    with tempfile.TemporaryDirectory(prefix="kg-golden-") as folder:
        config = from_env(environ={}, build_dir=Path(folder) / "build")  # never the user's ./build
        build(config)
        write_golden(names, config, load_store([DataFile(config.dataset_path)]))


def write_golden(names: list[str], config, store) -> None:
    for query in COMPETENCY:
        if names and query.name not in names:
            continue
        path = GOLDEN / f"{query.name}.json"
        path.write_text(json.dumps(answer(config, store, query), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path}: READ it before committing")


if __name__ == "__main__":
    main(sys.argv[1:])
