"""`kg validate [FILES...]`: the SHACL report of the built graph or of RDF files (kg.validate)."""

from __future__ import annotations

import sys
from pathlib import Path

from ..config import Config
from ..validate import EXIT_CONFORMS, EXIT_VIOLATIONS, read_build, read_files, validate


def add_arguments(parser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE",
                        help="RDF files to validate (default: the asserted graph of the last build)")
    parser.add_argument("--format", choices=("text", "turtle", "json"), default="text",
                        help="report format (default text)")


def command(args, config: Config) -> int:
    if args.files:
        graph, origins = read_files([Path(f) for f in args.files])
    else:
        graph, origins = read_build(config)
    report = validate(graph, config, origins)
    output = {"text": report.to_text, "turtle": report.to_turtle, "json": report.to_json}[args.format]()
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return EXIT_CONFORMS if report.conforms else EXIT_VIOLATIONS
