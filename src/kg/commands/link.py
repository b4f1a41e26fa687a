"""`kg link --report | --check | --propose`: Wikidata links (kg.link)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..errors import KgError
from ..link import mapping_path, read_mappings, report
from ..proposals import DEFAULT_API, WikidataSearch, propose


def add_arguments(parser) -> None:
    what = parser.add_mutually_exclusive_group()
    what.add_argument("--report", action="store_true",
                      help="list every linkable entity of the built graph with its verified link, or none (default)")
    what.add_argument("--check", action="store_true", help="check the mapping table against the reference list")
    what.add_argument("--propose", action="store_true",
                      help="query Wikidata (network) for candidates for unlinked entities; writes a review file")
    parser.add_argument("--api", default=DEFAULT_API, help=f"wbsearchentities endpoint (default: {DEFAULT_API})")
    parser.add_argument("--cache", metavar="DIR", help="cache of API answers (default: BUILD_DIR/link-cache)")
    parser.add_argument("--out", metavar="FILE", help="review file (default: BUILD_DIR/link-candidates.tsv)")
    parser.add_argument("--limit", type=int, default=5, help="candidates per entity (default: 5)")


def command(args, config: Config) -> int:
    if args.check:
        count = len(read_mappings(config))
        print(f"{mapping_path(config)}: {count} links, every QID verified")
        return 0
    if args.propose:
        cache = Path(args.cache) if args.cache else config.build_dir / "link-cache"
        out = Path(args.out) if args.out else config.build_dir / "link-candidates.tsv"
        # Checked before any request, so that a typo does not cost a round of the API.
        if args.limit < 1:
            raise KgError(f"--limit {args.limit}: give at least 1 candidate per entity")
        if out.is_dir():
            raise KgError("--out is a directory: give the review file's path", str(out))
        if cache.exists() and not cache.is_dir():
            raise KgError("--cache is a file: give a directory for the cached answers", str(cache))
        count = propose(config, WikidataSearch(args.api, cache), out, args.limit)
        print(f"{out}: {count} candidates to review (nothing was linked)")
        return 0
    print(report(config), end="")
    return 0
