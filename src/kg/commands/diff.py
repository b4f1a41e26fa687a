"""`kg diff OLD NEW`: triples added and removed between two dumps, grouped by entity (kg.diff)."""

from __future__ import annotations

from pathlib import Path

from ..config import Config
from ..diff import diff, render


def add_arguments(parser) -> None:
    parser.add_argument("old", type=Path, help="the earlier dump")
    parser.add_argument("new", type=Path, help="the later dump")
    parser.epilog = "Exit status: 0 same statements, 1 different, 2 trouble (as diff(1))."


def command(args, config: Config) -> int:
    changes, added, removed = diff(args.old, args.new)
    print(render(changes, added, removed, config), end="")
    return 1 if added or removed else 0
