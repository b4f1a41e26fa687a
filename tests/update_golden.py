"""Write tests/golden/NAME.json from the current build, for a person to read before committing.

Usage: python tests/update_golden.py [NAME ...]   (no NAME: every competency query)
"""

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from test_queries import COMPETENCY, GOLDEN, answer  # noqa: E402


def main(names: list[str]) -> None:
    for query in COMPETENCY:
        if names and query.name not in names:
            continue
        path = GOLDEN / f"{query.name}.json"
        path.write_text(json.dumps(answer(query), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(f"wrote {path}: READ it before committing")


if __name__ == "__main__":
    main(sys.argv[1:])
