"""`kg query NAME [--param k=v]`: run a named query (or a .rq file) on the build (kg.query)."""

from __future__ import annotations

from ..config import Config
from ..query import find_query, named_queries, parse_params, render, run


def add_arguments(parser) -> None:
    parser.add_argument("query", nargs="?", help="name of a query in queries/ (without .rq), or a path to a .rq file")
    parser.add_argument("--list", action="store_true", help="list the named queries")
    parser.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                        help="bind a parameter to a node: its IRI, <IRI>, id or slug (donald-trump) or label "
                             "(\"Donald Trump\"); a value in double quotes is bound as a string")
    parser.add_argument("--format", choices=("table", "json", "csv"), default="table")


def command(args, config: Config) -> int:
    if args.list or not args.query:
        for query in named_queries(config):
            print(f"{query.name:<32} {query.title}")
        return 0
    query = find_query(config, args.query)
    rows, variables = run(config, query.text_for(config), parse_params(args.param))
    print(render(rows, variables, args.format))
    return 0
