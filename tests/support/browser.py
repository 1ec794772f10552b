"""A real headless Chromium for page tests, with the network off: the system's browser
(Debian's ``chromium``) driven by Playwright, which never downloads a browser of its own here.

Chromium is started with every host name mapped to nothing (``--host-resolver-rules``) and
without its background traffic; on top of that every request that is not ``file:`` or
``data:`` is aborted and recorded, so a page that still wanted the internet shows up in
``OfflinePage.remote``. Without Chromium (or Playwright) the tests skip with the reason;
``.ci/run`` installs Chromium and sets ``CUSTOMS_ETL_REQUIRE_BROWSER=1``, which turns those
skips into failures.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REQUIRE = "CUSTOMS_ETL_REQUIRE_BROWSER"
CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
OFFLINE_FLAGS = (
    "--headless",
    "--no-sandbox",  # root in CI: Chromium refuses its sandbox as root
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def unavailable(reason: str) -> None:
    """Skip — or fail, when CI said the browser tests must run."""
    if os.environ.get(REQUIRE, "").strip().lower() in ("1", "true", "yes"):
        pytest.fail(f"{reason} (and {REQUIRE} is set: the browser tests must run)")
    pytest.skip(reason)


def chromium() -> Path:
    """The system's Chromium ($CUSTOMS_ETL_CHROMIUM, else the first on PATH) and Playwright to
    drive it — or a skip (a failure in CI) saying which is missing."""
    chosen = os.environ.get("CUSTOMS_ETL_CHROMIUM") or next(
        (found for name in CANDIDATES if (found := shutil.which(name))), None
    )
    if not chosen or not Path(chosen).is_file():
        unavailable("no Chromium found (apt-get install chromium, or set CUSTOMS_ETL_CHROMIUM)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        unavailable("playwright is not installed (pip install -e '.[dev]')")
    return Path(str(chosen))


@dataclass
class OfflinePage:
    page: Any  # playwright.sync_api.Page
    requests: list[str] = field(default_factory=list)  # every URL the page asked for
    remote: list[str] = field(default_factory=list)  # those refused: not file: or data:
    failed: list[str] = field(default_factory=list)  # requests that failed (a missing file)
    errors: list[str] = field(default_factory=list)  # script errors and console errors


@contextmanager
def offline_browser() -> Iterator[Any]:
    """A headless Chromium context with the network off and a throwaway profile."""
    executable = chromium()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="cetl-chromium-") as profile, sync_playwright() as pw:
        # Playwright adds --user-data-dir=<profile> itself (it refuses it among the args).
        context = pw.chromium.launch_persistent_context(
            profile,
            executable_path=str(executable),
            headless=True,
            args=list(OFFLINE_FLAGS),
            viewport={"width": 1400, "height": 1000},
            service_workers="block",
        )
        try:
            yield context
        finally:
            context.close()


def open_offline(context: Any, path: Path) -> OfflinePage:
    """Open ``path`` (file://) and wait until its scripts ran and its fonts loaded."""
    opened = OfflinePage(context.new_page())
    page = opened.page

    def refuse(route: Any) -> None:
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            opened.remote.append(url)
            route.abort("internetdisconnected")

    page.route("**/*", refuse)
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("requestfailed", lambda r: opened.failed.append(f"{r.url}: {r.failure}"))
    page.on("pageerror", lambda e: opened.errors.append(f"script error: {e}"))
    page.on("console", lambda m: m.type == "error" and opened.errors.append(f"console: {m.text}"))
    page.goto(path.resolve().as_uri(), wait_until="load")
    page.evaluate("document.fonts.ready.then(() => true)")
    return opened
