"""The one error type every command reports to the user: file, line and reason, no traceback."""

from __future__ import annotations


class KgError(Exception):
    """A problem with the user's input or environment, told as `file:line: reason`."""

    exit_code = 2

    def __init__(self, reason: str, file: str | None = None, line: int | None = None):
        super().__init__(reason)
        self.reason = reason
        self.file = file
        self.line = line

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = f"{self.file}:{self.line}: " if self.line else f"{self.file}: "
        return f"{where}{self.reason}"
