"""`kg build`: load, link, validate, infer and publish the build directory (kg.build)."""

from __future__ import annotations

from ..build import build, format_summary
from ..config import Config
from ..infer import ENGINES


def add_arguments(parser) -> None:
    parser.add_argument(
        "--engine", choices=ENGINES, default="owlrl",
        help="OWL-RL reasoner (default owlrl; reasonable is faster, install with pip install 'kg[fast]')",
    )


def command(args, config: Config) -> int:
    summary = build(config, engine=args.engine)
    print(format_summary(summary))
    return 0
