"""The `kg` subcommands, one module each: `add_arguments(parser)` and `command(args, config) -> int`.

kg.cli builds the parser from them; the work is done by the library modules they call.
"""
