"""A live Engage server in a thread and a real headless Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@contextmanager
def serving(app):
    """``app`` served on a free loopback port while the block runs; yields its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=5)


LIVE = {"WTF_CSRF_ENABLED": True, "SERVER_NAME": None, "TESTING": False}


@pytest.fixture
def live_server(make_app):
    """The real app (CSRF on, as in production) served on a free loopback port."""
    with serving(make_app(**LIVE)) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium not found at {CHROMIUM}: run ./dev test, which installs it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, request):
    """A phone-sized page; a screenshot is kept in test-artifacts/ for a human look."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def signed_in_page(browser, live_server: str, user):
    """A phone-sized page of its own, logged in through the login form."""
    from tests.factories import PASSWORD

    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server + "/login")
    page.fill("#username", user.username)
    page.fill("#password", PASSWORD)
    page.click("[data-test=login-submit]")
    page.wait_for_selector("h1")
    return page


def keep(page, name: str) -> None:
    """Pictures for a human look at the pages (test-artifacts/, not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
