"""Progress of long work: numbered steps with their durations, and counts with rates.

On a terminal a count is a bar redrawn in place on stderr; elsewhere (logs, CI) it is a plain
line every tenth of the work, so a log shows how far a long build got and how fast it went.
"""

from __future__ import annotations

import logging
import sys
import time
from contextlib import contextmanager

log = logging.getLogger("kg.progress")


class Steps:
    """`with steps.step("what"):` logs "[n/N] what", then "[n/N] what: 1.2 s"; durations are kept."""

    def __init__(self, total: int, logger: logging.Logger = log):
        self.total = total
        self.number = 0
        self.log = logger
        self.seconds: dict[str, float | None] = {}  # None: started, not done

    @contextmanager
    def step(self, name: str, what: str):
        done = self.start(name, what)
        yield
        done()

    def start(self, name: str, what: str):
        """Log "[n/N] what" now; return the function that logs "[n/N] name: done in ..." and keeps
        the duration: for a step that runs beside the next ones (in a thread), which may finish
        after them. `seconds` stays in the order the steps started."""
        self.number += 1
        number, started = self.number, time.monotonic()
        self.seconds[name] = None  # its place; the duration once done
        self.log.info("[%d/%d] %s", number, self.total, what)

        def done() -> None:
            self.seconds[name] = round(time.monotonic() - started, 3)
            self.log.info("[%d/%d] %s: done in %.1f s", number, self.total, name, self.seconds[name])

        return done


class Counter:
    """Counts done out of a total, shown as a bar on a terminal or as plain lines every 10%."""

    def __init__(self, what: str, total: int, unit: str = "items", logger: logging.Logger = log, stream=None):
        self.what, self.total, self.unit, self.log = what, max(total, 0), unit, logger
        self.stream = stream or sys.stderr
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.done = 0
        self.started = time.monotonic()
        self.next_line = 0.1
        self.last_draw = 0.0

    def advance(self, count: int = 1) -> None:
        self.done += count
        fraction = self.done / self.total if self.total else 1.0
        if self.tty:
            now = time.monotonic()
            if now - self.last_draw > 0.1 or self.done >= self.total:
                self.last_draw = now
                filled = int(30 * min(fraction, 1.0))
                self.stream.write(f"\r  {self.what} [{'#' * filled}{'.' * (30 - filled)}] {self._figures()}")
                self.stream.flush()
        elif fraction >= self.next_line and self.done < self.total:
            self.next_line = (int(fraction * 10) + 1) / 10
            self.log.info("  %s: %s", self.what, self._figures())

    def close(self) -> None:
        if self.tty:
            self.stream.write("\n")
            self.stream.flush()
        self.log.debug("  %s: %s", self.what, self._figures())

    def _figures(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        return (f"{self.done:,}/{self.total:,} {self.unit} ({100 * self.done / max(self.total, 1):.0f}%), "
                f"{self.done / elapsed:,.0f} {self.unit}/s, {elapsed:.1f} s")
