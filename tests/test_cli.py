"""The `kg` command as a whole: what every subcommand shares."""

from __future__ import annotations

import subprocess
import sys


def test_a_reader_that_leaves_early_is_no_traceback(tmp_path):
    # `kg query --list | head -1`: the reader closes the pipe before kg has written everything.
    script = (
        "import sys\n"
        "from kg import cli\n"
        "from kg.commands import query\n"
        "def spew(args, config):\n"
        "    for _ in range(100_000):\n"
        "        print('x' * 100)\n"
        "    return 0\n"
        "query.command = spew  # a command with a long output\n"
        "sys.exit(cli.main(['query', '--list']))\n"
    )
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdout.read(10)
    process.stdout.close()  # the reader leaves: kg's next writes get EPIPE
    _, errors = process.communicate(timeout=60)
    assert b"Traceback" not in errors, errors.decode()
    assert process.returncode == 141  # 128 + SIGPIPE, as a shell reports a reader that left
