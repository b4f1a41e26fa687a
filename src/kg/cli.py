"""The `kg` command: one subcommand per job, each defined in its own module of kg.commands.

A subcommand module provides `add_arguments(parser)` and `command(args, config) -> int`
(the exit code); the work itself is done by the library modules it calls (kg.build,
kg.validate, kg.web.server...), which know nothing of argparse. Only the module of the command
asked for is imported (`kg serve` does not load the SHACL validator, `kg --help` loads none).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys

from . import __version__
from .config import default_of, from_env
from .errors import KgError

# subcommand -> (module, one-line help)
COMMANDS = {
    "build": ("kg.commands.build", "build the graph from ontology/ and data/ into the build directory"),
    "validate": ("kg.commands.validate", "validate the built graph (or given files) against the SHACL shapes"),
    "serve": ("kg.commands.serve", "serve the SPARQL endpoint, entity pages and downloads"),
    "dump": ("kg.commands.dump", "write the downloadable dumps and their VoID description"),
    "link": ("kg.commands.link", "Wikidata links: report, or propose candidates for review"),
    "diff": ("kg.commands.diff", "added and removed triples between two dumps, grouped by entity"),
    "query": ("kg.commands.query", "run a SPARQL query or a named query from queries/ on the built graph"),
    "export": ("kg.commands.export", "export the built graph as FollowTheMoney entities (Aleph) or CSV tables"),
}


def _common_options(suppress: bool) -> argparse.ArgumentParser:
    """Options every subcommand takes, before or after its name (`kg --base X build` = `kg build --base X`)."""
    default = {"default": argparse.SUPPRESS} if suppress else {}
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--base", help=f"base IRI of the dataset ({default_of('base')})", **default)
    common.add_argument("--build-dir", help=f"build directory ({default_of('build_dir')})", **default)
    common.add_argument("-v", "--verbose", action="store_true", help="log debug messages", **default)
    return common


def build_parser(argv: list[str] | None = None) -> tuple[argparse.ArgumentParser, dict]:
    """The parser, and the modules of the commands it knows the arguments of: the one `argv` names
    (none if it names none), or every command when no argv is given."""
    wanted = set(COMMANDS) if argv is None else {_command_named(argv)}
    parser = argparse.ArgumentParser(prog="kg", description=__doc__.splitlines()[0], parents=[_common_options(False)])
    parser.add_argument("--version", action="version", version=f"kg {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    modules = {}
    for name, (module_name, help_text) in COMMANDS.items():
        sub = subparsers.add_parser(name, help=help_text, description=help_text, parents=[_common_options(True)])
        if name in wanted:
            module = importlib.import_module(module_name)
            module.add_arguments(sub)
            modules[name] = module
    return parser, modules


def _command_named(argv: list[str]) -> str | None:
    """The subcommand in argv: the first word that is not an option or the value of --base/--build-dir."""
    words = iter(argv)
    for word in words:
        if word in ("--base", "--build-dir"):
            next(words, None)
        elif word in COMMANDS:
            return word
    return None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    parser, modules = build_parser(argv)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        format="%(message)s",
        stream=sys.stderr,
    )
    try:
        config = from_env(base=args.base, build_dir=args.build_dir)
        return modules[args.command].command(args, config)
    except KgError as exc:
        print(f"kg {args.command}: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except ValueError as exc:  # a setting that does not parse (KG_PORT=abc, --base without '/')
        print(f"kg {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `kg export ftm | head`: the reader left; not an error worth a traceback
        _silence_stdout()
        return 141  # 128 + SIGPIPE, as a shell reports it


def _silence_stdout() -> None:
    """Point stdout at /dev/null so that the interpreter's final flush does not raise again."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
