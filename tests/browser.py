"""A real browser on real pages: the demo served on 127.0.0.1, Debian's chromium via Playwright.

Used by ``tests/test_browser.py`` and ``python -m tests.screenshots`` (``make screenshots``).
Never downloads a browser: without ``/usr/bin/chromium`` the browser tests skip.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from werkzeug.serving import make_server

from api.app import create_app
from api.wiring import Services
from matcher.language.vectors import VectorCache
from seed.loader import load_demo
from tests.conftest import make_services

CHROMIUM = Path("/usr/bin/chromium")
AXE = (
    Path(__file__).resolve().parent.parent / "api" / "static" / "vendor" / "axe-core" / "axe.min.js"
)
DEMO_PASSWORD = "talentmatch-demo"
LANGUAGES = {"zh": "zh-CN,zh;q=0.9", "en": "en-US,en;q=0.9"}


@contextmanager
def serving(services: Services) -> Iterator[str]:
    """The app on ``services`` at http://127.0.0.1:PORT, stopped afterwards."""
    server = make_server("127.0.0.1", 0, create_app(services=services), threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextmanager
def demo_site(folder: Path, vectors: VectorCache) -> Iterator[str]:
    """The demo consortium on SQLite in ``folder``, served on 127.0.0.1 for the block."""
    services = make_services(
        "sqlite",
        folder,
        None,
        vectors,
        LOGIN_RATE_LIMIT="10000 per minute",  # every test signs in from 127.0.0.1
    )
    load_demo(services)
    try:
        with serving(services) as base:
            yield base
    finally:
        services.close()


@contextmanager
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True)
        try:
            yield browser
        finally:
            browser.close()


def new_page(browser: Any, language: str, width: int = 1280) -> Any:
    """A page in a fresh context (own cookies) speaking ``language`` (zh | en).

    ``bypass_csp`` lets the test inject axe-core; the pages themselves never need it.
    """
    context = browser.new_context(
        viewport={"width": width, "height": 900},
        locale="zh-CN" if language == "zh" else "en-US",
        extra_http_headers={"Accept-Language": LANGUAGES[language]},
        bypass_csp=True,
        reduced_motion="reduce",  # charts drawn at once: screenshots show final figures
    )
    return context.new_page()


def sign_in(page: Any, base: str, role: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#email", f"{role}@demo.talentmatch.org")
    page.fill("#password", DEMO_PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's serious and critical WCAG 2.x A/AA violations on the page as it is."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        """async () => {
            const r = await axe.run(document, {
                runOnly: {type: "tag",
                          values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]},
                resultTypes: ["violations"],
            });
            return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(" "))}));
        }"""
    )
    return [v for v in result if v["impact"] in ("serious", "critical")]


def horizontal_overflow(page: Any) -> int:
    """Pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(
        page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    )
