"""Browser tests: the real app served on a loopback port, driven in Debian's Chromium.

Outside CI a missing /usr/bin/chromium skips these tests; under CI=true it fails them.
"""
from __future__ import annotations

import os
import threading

import pytest
from werkzeug.serving import make_server

from core.app import create_app

CHROMIUM = os.environ.get("ANJIAN_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser():  # noqa: ANN201
    if not os.path.exists(CHROMIUM):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires Chromium at {CHROMIUM}")
        pytest.skip(f"Chromium not installed at {CHROMIUM} (apt-get install chromium)")
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def live_server(templates, tmp_path, monkeypatch):  # noqa: ANN001, ANN201
    """The app on SQLite with the demo data, served by a real HTTP server in a thread."""
    url, cleanup = templates("sqlite")
    monkeypatch.setenv("ANJIAN_INSTANCE_PATH", str(tmp_path / "instance"))
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test", "FILES_DIR": str(tmp_path / "files"),
                      "MANIFESTS_EXTRA": ("tests.jobs.sample_jobs:MANIFEST",),
                      "REDIS_URL": None})
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.app = app
    server.url = f"http://127.0.0.1:{server.server_port}"
    yield server
    server.shutdown()
    app.extensions["anjian.db"].dispose()
    cleanup()


@pytest.fixture
def page(browser, live_server):  # noqa: ANN001, ANN201
    context = browser.new_context(base_url=live_server.url, locale="zh-CN")
    pg = context.new_page()
    pg.set_default_timeout(10_000)
    yield pg
    context.close()


def login(page, username: str, password: str = "anjian-demo") -> None:  # noqa: ANN001
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url("**/dashboard")
