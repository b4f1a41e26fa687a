"""`kg dump`: (re)write the downloads, SHA256SUMS and the VoID description (kg.dump)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..dump import write_dumps


def add_arguments(parser) -> None:
    parser.add_argument("--input", metavar="FILE",
                        help="dataset to dump (default: BUILD_DIR/dataset.nq, written by `kg build`)")
    parser.add_argument("--output", metavar="DIR",
                        help="folder to write the release files to, e.g. to publish them elsewhere "
                             "(default: BUILD_DIR/downloads, what the server offers); created if needed. "
                             "The same build gives byte-identical files every time")


def command(args, config: Config) -> int:
    paths = write_dumps(config, Path(args.input) if args.input else None,
                        Path(args.output) if args.output else None)
    for path in paths:
        print(path)
    return 0
