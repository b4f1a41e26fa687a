"""`kg paths FROM TO`: evidence paths between two entities of the build (kg.desk.paths)."""

from __future__ import annotations

import json

from .. import catalog
from ..config import Config
from ..desk.model import STATUSES, Evidence
from ..desk.paths import DEFAULT_MAX_LENGTH, MAX_LENGTH_LIMIT, PathFinder, PathQueryError, search_as_json, search_as_text
from ..errors import KgError
from ..names import index_catalog
from ..store import load_built


def add_arguments(parser) -> None:
    parser.add_argument("start", metavar="FROM", help="a name (\"Donald Trump\"), an id (person/donald-trump) or an IRI")
    parser.add_argument("end", metavar="TO", help="the other end, named the same ways")
    parser.add_argument("--max-length", type=int, default=DEFAULT_MAX_LENGTH,
                        help=f"longest path, in links (1-{MAX_LENGTH_LIMIT}; default {DEFAULT_MAX_LENGTH})")
    parser.add_argument("--weakest", choices=STATUSES, default=STATUSES[-1],
                        help="weakest status a link may rest on (default: denied, i.e. everything)")
    parser.add_argument("--as-of", metavar="DATE", help="only events that had certainly happened by DATE "
                        "(YYYY, YYYY-MM or YYYY-MM-DD)")
    parser.add_argument("--limit", type=int, default=20, help="paths to print (default 20; 0 = all)")
    parser.add_argument("--format", choices=("text", "json"), default="text")


def command(args, config: Config) -> int:
    records = catalog.from_store(load_built(config), config)
    finder = PathFinder(Evidence.from_catalog(records), index_catalog(records))
    try:
        search = finder.search(args.start, args.end, args.max_length, args.weakest, args.as_of)
    except PathQueryError as exc:
        raise KgError(str(exc)) from None
    limit = args.limit or None
    if args.format == "json":
        print(json.dumps(search_as_json(finder.evidence, search, limit), ensure_ascii=False, indent=2))
    else:
        print(search_as_text(finder.evidence, search, limit))
    return 0 if search.paths else 1
