"""`kg dump`: (re)write the downloads, SHA256SUMS and the VoID description (kg.dump)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..dump import write_dumps


def add_arguments(parser) -> None:
    parser.add_argument("--input", metavar="FILE",
                        help="dataset to dump (default: BUILD_DIR/dataset.nq, written by `kg build`)")


def command(args, config: Config) -> int:
    paths = write_dumps(config, Path(args.input) if args.input else None)
    for path in paths:
        print(path)
    return 0
