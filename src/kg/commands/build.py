"""`kg build`: load, link, validate, infer and publish the build directory (kg.build)."""

from __future__ import annotations

from pathlib import Path

from ..build import build, format_summary
from ..config import Config
from ..errors import KgError
from ..infer import ENGINES


def add_arguments(parser) -> None:
    parser.add_argument(
        "--engine", choices=ENGINES, default="owlrl",
        help="OWL-RL reasoner (default owlrl; reasonable is faster, install with pip install 'kg[fast]')",
    )
    parser.add_argument(
        "--data", metavar="DIR",
        help="curated data folder to build, in the format of data/README.md (default: KG_DATA_ROOT or ./data)",
    )


def command(args, config: Config) -> int:
    if args.data:
        config = config.replace(data_root=Path(args.data))
        if not config.data_dir.is_dir():
            raise KgError("no such data folder", str(config.data_dir))
    summary = build(config, engine=args.engine)
    print(format_summary(summary))
    return 0
