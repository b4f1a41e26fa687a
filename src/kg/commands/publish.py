"""`kg publish --store URL`: upload a release to an existing SPARQL store (kg.publish)."""

from __future__ import annotations

import argparse

from ..config import Config, DataFile
from ..errors import KgError
from ..publish import CHUNK_TRIPLES, Progress, clean, graphs_to_publish, publish
from ..remote_store import StoreClient, endpoints_of
from .store_options import add_store_arguments, store_config


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_store_arguments(parser)
    parser.add_argument("--data", action="append", metavar="FILE[@IRI]", default=[],
                        help="publish these RDF files instead of the build (as kg serve --data takes them)")
    parser.add_argument("--chunk-triples", type=int, default=CHUNK_TRIPLES, metavar="N",
                        help=f"triples per upload request (default {CHUNK_TRIPLES})")
    parser.add_argument("--grace", type=float, default=None, metavar="SECONDS",
                        help="wait this long after the switch before removing earlier releases, so that "
                             "queries still running on them finish (default: the query time limit + 5 s)")
    parser.add_argument("--keep-previous", action="store_true", help="do not remove earlier releases")
    parser.add_argument("--clean", action="store_true",
                        help="publish nothing: remove every release but the current one (leftovers of failed "
                             "publishes included)")


def command(args: argparse.Namespace, config: Config) -> int:
    config = store_config(args, config)
    if not config.store:
        raise KgError("name the store to publish to: --store URL (its SPARQL query endpoint) or KG_STORE")
    store = endpoints_of(config)
    client = StoreClient(store)
    if args.clean:
        removed = clean(client, config)
        print(f"kg publish: removed {len(removed)} release(s) other than the current one")
        return 0
    if args.chunk_triples < 1:
        raise KgError("--chunk-triples must be at least 1")
    try:
        files = tuple(DataFile.parse(spec) for spec in args.data)
    except ValueError as exc:
        raise KgError(str(exc)) from None
    graphs = graphs_to_publish(config, files)
    grace = args.grace if args.grace is not None else config.timeout + 5
    release = publish(client, config, graphs, chunk_triples=args.chunk_triples,
                      grace=None if args.keep_previous else grace, progress=Progress())
    print(f"kg publish: release {release.id} is live on {store.query} "
          f"({release.total} triples in {len(release.graphs)} graphs)")
    return 0
