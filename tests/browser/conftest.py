"""Browser tests: Playwright for Python driving Debian's Chromium, headless, against a real `kg serve`
of a real build.

Fixtures and helpers for every browser test (the pages' own tests are test_*.py beside this file):

- `site`: a `kg serve` (gunicorn, the code path users run) of one real build of the project's data,
  shared by the session; `site.url("/search?q=flyn")`.
- `page`: pytest-playwright's page, launched from /usr/bin/chromium (Playwright cannot download its own
  browser here), with a `PageProblems` collector attached: console errors, uncaught exceptions, failed
  requests and HTTP >= 400 answers fail the test at teardown unless the test expected them with
  `problems.expect(status=404)`.
- `check_accessibility(page)`: runs axe-core (vendored for tests in tests/vendor/axe-core) on the page and
  fails with every WCAG 2 A/AA violation listed.
- `screenshot(page, name)`: writes test-artifacts/screenshots/NAME.png (KG_TEST_ARTIFACTS to move it).

Without /usr/bin/chromium the browser tests are skipped, except under CI (CI=true), where they fail:
.ci/run installs Debian's chromium before `make test`.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("KG_CHROMIUM", "/usr/bin/chromium"))
ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "tests" / "vendor" / "axe-core" / "axe.min.js"
ARTIFACTS = Path(os.environ.get("KG_TEST_ARTIFACTS", ROOT / "test-artifacts"))
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(config, items):
    if CHROMIUM.exists():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        return  # let them fail loudly in `browser_type_launch_args`
    skip = pytest.mark.skip(reason=f"no Chromium at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not CHROMIUM.exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: .ci/run installs Debian's chromium with apt-get")
    args = ["--disable-dev-shm-usage", "--disable-gpu"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")  # Chromium refuses to run as root with its sandbox
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "headless": True, "args": args}


@dataclass
class Site:
    base: str

    def url(self, path: str = "/") -> str:
        return self.base + path


@pytest.fixture(scope="session")
def site(live_server, built) -> Site:
    """A real `kg serve` of a real build (downloads included), on a free loopback port."""
    config = built
    server = live_server(env={"KG_BUILD_DIR": str(config.build_dir)}, ready_path="/")
    return Site(server.base)


@dataclass
class PageProblems:
    """What went wrong in the page: console errors, uncaught exceptions, failed or >= 400 requests."""

    console: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    statuses: list[tuple[int, str]] = field(default_factory=list)
    expected_statuses: set[int] = field(default_factory=set)

    def expect(self, status: int) -> None:
        """This test means to load a page answering `status` (a 404 page...): not a problem."""
        self.expected_statuses.add(status)

    def attach(self, page) -> None:
        page.on("console", lambda m: self.console.append(f"{m.type}: {m.text} ({m.location.get('url', '')})")
                if m.type == "error" else None)
        page.on("pageerror", lambda exc: self.exceptions.append(str(exc)))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.method} {r.url}: {r.failure}")
                if "net::ERR_ABORTED" not in (r.failure or "") else None)
        page.on("response", lambda r: self.statuses.append((r.status, r.url)) if r.status >= 400 else None)

    def report(self) -> list[str]:
        unexpected = [f"HTTP {status} {url}" for status, url in self.statuses
                      if status not in self.expected_statuses]
        console = [c for c in self.console
                   if not any(f"status of {s}" in c for s in self.expected_statuses)]
        return console + [f"uncaught: {e}" for e in self.exceptions] + self.failed + unexpected


@pytest.fixture
def problems() -> PageProblems:
    return PageProblems()


@pytest.fixture
def page(page, problems):
    """pytest-playwright's page with the problem collector; fails the test if the page had problems."""
    problems.attach(page)
    page.set_default_timeout(10_000)
    yield page
    found = problems.report()
    assert not found, "problems in the page:\n" + "\n".join(found)


def check_accessibility(page, *, exclude: tuple[str, ...] = ()) -> None:
    """axe-core on the current page: no WCAG 2.0/2.1 A or AA violation."""
    # Through the debugger, not a <script> tag: the pages' Content-Security-Policy allows only our own
    # script files, and the test tool must not need the policy loosened.
    page.evaluate("source => { (0, eval)(source); }", AXE.read_text(encoding="utf-8"))
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    context = {"exclude": [[selector] for selector in exclude]} if exclude else {}
    result = page.evaluate("([context, options]) => axe.run(context.exclude ? context : document, options)",
                           [context, options])
    violations = [
        f"{v['id']} ({v['impact']}): {v['help']}\n    " + "\n    ".join(
            n["target"][0] if isinstance(n["target"][0], str) else json.dumps(n["target"]) for n in v["nodes"][:5])
        for v in result["violations"]
    ]
    assert not violations, f"axe-core on {page.url}:\n" + "\n".join(violations)


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot as a test artifact: test-artifacts/screenshots/NAME.png."""
    path = ARTIFACTS / "screenshots" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    assert path.stat().st_size > 1000
    return path
