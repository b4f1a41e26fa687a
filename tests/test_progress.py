"""Progress of long work: numbered steps with durations; counts as plain lines in logs, a bar on a terminal."""

import io
import logging

from kg.progress import Counter, Steps


def test_steps_are_numbered_and_timed(caplog):
    caplog.set_level(logging.INFO)
    steps = Steps(2, logging.getLogger("test.steps"))
    with steps.step("load", "loading"):
        pass
    with steps.step("write", "writing"):
        pass
    assert list(steps.seconds) == ["load", "write"] and all(s >= 0 for s in steps.seconds.values())
    messages = [r.getMessage() for r in caplog.records]
    assert messages[0] == "[1/2] loading" and messages[1].startswith("[1/2] load: done in ")
    assert messages[2] == "[2/2] writing"


def test_a_step_started_beside_the_next_keeps_its_number_and_place(caplog):
    caplog.set_level(logging.INFO)
    steps = Steps(2, logging.getLogger("test.steps"))
    store_done = steps.start("store", "loading the store")  # runs beside the next step, finishes after it
    with steps.step("dumps", "writing"):
        pass
    store_done()
    assert list(steps.seconds) == ["store", "dumps"] and all(s >= 0 for s in steps.seconds.values())
    messages = [r.getMessage() for r in caplog.records]
    assert messages[:3] == ["[1/2] loading the store", "[2/2] writing", messages[2]]
    assert messages[2].startswith("[2/2] dumps: done in ") and messages[3].startswith("[1/2] store: done in ")


def test_counter_logs_a_line_every_tenth_with_counts_and_rate(caplog):
    caplog.set_level(logging.INFO)
    counter = Counter("files", 100, "files", logging.getLogger("test.counter"), stream=io.StringIO())
    for _ in range(100):
        counter.advance()
    counter.close()
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert len(lines) == 9  # 10%, 20% ... 90%; the step's own line says when it is done
    assert lines[0].startswith("  files: 10/100 files (10%), ") and "files/s" in lines[0]


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_counter_draws_a_bar_on_a_terminal(caplog):
    caplog.set_level(logging.INFO)
    screen = Terminal()
    counter = Counter("files", 3, "files", logging.getLogger("test.bar"), stream=screen)
    for _ in range(3):
        counter.advance()
    counter.close()
    assert "\r  files [" in screen.getvalue() and "3/3 files (100%)" in screen.getvalue()
    assert screen.getvalue().endswith("\n")
    assert not [r for r in caplog.records if r.levelno == logging.INFO]
