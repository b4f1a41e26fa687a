"""The command-line options naming an existing SPARQL store, shared by `kg publish` and `kg serve`.

The password is never an option: it is read from the environment variable KG_STORE_PASSWORD
(a command line is visible to every user of the machine in its process list).
"""

from __future__ import annotations

import argparse

from ..config import Config, default_of
from ..remote_store import KINDS, PASSWORD_ENV


def add_store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", metavar="URL",
                        help="the store's SPARQL query endpoint, e.g. http://127.0.0.1:7878/query "
                             "(default: KG_STORE; none: the embedded store)")
    parser.add_argument("--store-kind", choices=KINDS,
                        help=f"which store, for the defaults of the other endpoints ({default_of('store_kind')})")
    parser.add_argument("--store-update", metavar="URL", help="its SPARQL Update endpoint (default: from the kind)")
    parser.add_argument("--store-gsp", metavar="URL", help="its Graph Store Protocol endpoint (default: from the kind)")
    parser.add_argument("--store-user", metavar="NAME",
                        help=f"user for HTTP Basic/Digest authentication; the password is read from ${PASSWORD_ENV}")
    parser.add_argument("--store-max-rows", type=int, metavar="N",
                        help="the store's own silent row cap (an answer of exactly N rows is reported as "
                             "truncated; default: 10000 for virtuoso, none otherwise)")


def store_config(args: argparse.Namespace, config: Config) -> Config:
    """The config with the store options given on the command line."""
    changes = {"store": args.store, "store_kind": args.store_kind, "store_update": args.store_update,
               "store_gsp": args.store_gsp, "store_user": args.store_user, "store_max_rows": args.store_max_rows}
    return config.replace(**{name: value for name, value in changes.items() if value is not None})


