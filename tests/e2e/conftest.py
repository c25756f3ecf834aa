"""Browser tests: the session's app served on 127.0.0.1, driven by the system Chromium through Playwright.

The live server serves the same `app` (and so the same database) as the rest of the suite, so the builders in
tests/helpers/builders.py make data the browser can see. Each test gets a fresh browser context (no cookies
carried over); the browser itself is started once per session.
"""

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 10_000


class _QuietRequestHandler(WSGIRequestHandler):
    """Leaves out the access-log line for every request; errors are still logged."""

    def log_request(self, code="-", size="-") -> None:
        pass


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:
    """The base URL of the app, served from a daemon thread for the whole session."""
    # Port 0: the operating system picks a free port, so there is no race between finding one and binding it.
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator:
    if not CHROMIUM.exists():
        message = (
            f"{CHROMIUM} is not installed, so the browser (e2e) tests cannot run. Install Debian's chromium package."
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message + " (CI=true, so this is a failure, not a skip.)", pytrace=False)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def context(browser, live_server) -> Iterator:
    """A fresh browser profile for each test: no cookies, no history."""
    context = browser.new_context(base_url=live_server, locale="en-GB", timezone_id="Europe/London")
    context.set_default_timeout(TIMEOUT_MS)
    context.set_default_navigation_timeout(TIMEOUT_MS)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def page(context):
    return context.new_page()


@pytest.fixture
def page_problems(page) -> list[str]:
    """Uncaught script errors and Content Security Policy violations on `page`, as they happen."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))
    page.on(
        "console",
        lambda message: (
            problems.append(f"console error: {message.text}")
            if message.type == "error" and "Content Security Policy" in message.text
            else None
        ),
    )
    return problems
