"""`kg export ftm|csv`: the built graph as FollowTheMoney entities or as CSV tables.

The work is done by kg.export_ftm and kg.export_csv, from the records of kg.catalog; `kg build`
also writes both into the downloads (see kg.dump).
"""

from __future__ import annotations

import sys
from pathlib import Path

from .. import catalog, export_csv, export_ftm
from ..config import Config
from ..dump import release_info
from ..errors import KgError
from ..files import write_atomic
from ..store import load_built


def add_arguments(parser) -> None:
    parser.add_argument("format", choices=("ftm", "csv"),
                        help="ftm: FollowTheMoney entities, one JSON entity a line (for Aleph, ftm, alephclient); "
                             "csv: tidy CSV tables with a Frictionless datapackage.json")
    parser.add_argument("-o", "--output", metavar="PATH",
                        help="ftm: the file to write (default: standard output); csv: the folder to write "
                             "entities.csv, events.csv, participants.csv, relationships.csv, claims.csv and "
                             "datapackage.json into (default: BUILD_DIR/csv)")


def command(args, config: Config) -> int:
    records = catalog.from_store(load_built(config), config)
    if args.format == "ftm":
        export = export_ftm.ftm_entities(records)
        if args.output:
            write_atomic(Path(args.output), export.to_bytes())
            print(f"wrote {len(export.entities)} FollowTheMoney entities to {args.output}", file=sys.stderr)
        else:
            sys.stdout.buffer.write(export.to_bytes())
            sys.stdout.flush()
        for reason, count in sorted(export.skipped.items()):
            print(f"not exported ({count}): {reason}", file=sys.stderr)
        return 0
    folder = Path(args.output) if args.output else config.build_dir / "csv"
    if folder.exists() and not folder.is_dir():
        raise KgError("is a file, not a folder to write the CSV tables into", str(folder))
    files = export_csv.package_files(records, "", release_info(config).version, config.licence, config.base)
    for name, body in files:  # each atomically; datapackage.json (with the checksums) last
        write_atomic(folder / name, body)
        print(folder / name)
    return 0
