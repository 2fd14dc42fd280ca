"""``make screenshots``: every main page at 1280 and 390 px, in Chinese and English.

Loads the demo into a fresh SQLite store under ``screenshots/``, serves it on 127.0.0.1,
signs in as each demo role in Debian's chromium and writes
``screenshots/<language>-<width>-<page>.png`` (full pages). Prints the files it wrote.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from api.wiring import Services
from seed.loader import load_demo
from tests.browser import chromium, new_page, serving, sign_in

OUT = Path(__file__).resolve().parent.parent / "screenshots"

PAGES: dict[str | None, list[tuple[str, str]]] = {
    None: [
        ("overview", "/"),
        ("search", "/search?q=PLC%E7%BC%96%E7%A8%8B%2C+HMI&target=courses"),
        ("region-gaps", "/gaps"),
        ("login", "/login"),
    ],
    "enterprise": [
        ("enterprise-demands", "/enterprise/demands"),
        ("enterprise-new-demand", "/enterprise/demands/new"),
        ("enterprise-demand-matches", "#first-demand"),
        ("enterprise-feeds", "/enterprise/feeds"),
        ("enterprise-inbox", "/inbox"),
    ],
    "school": [
        ("school-catalog", "/school/catalog"),
        ("school-gaps", "/school/gaps"),
        ("school-gap-5g", "#5g-gap"),
        ("school-import", "/school/import"),
        ("school-answer-demand", "/school/demands/1?skill=5G+base+station+maintenance"),
        ("school-answers", "/school/answers"),
        ("school-inbox", "/inbox"),
    ],
    "student": [
        ("student-profile", "/student/profile"),
        ("student-search", "/student/search"),
    ],
}


def _open(page: Any, base: str, path: str) -> None:
    if path == "#first-demand":
        page.goto(f"{base}/enterprise/demands")
        page.locator("#demands tbody tr a").first.click()
    elif path == "#5g-gap":
        page.goto(f"{base}/school/gaps")
        page.locator("#gaps a", has_text="5G base station maintenance").first.click()
    else:
        page.goto(base + path)
    page.wait_for_load_state("networkidle")


def main() -> None:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    services = Services.from_environment(
        {
            "INSTANCE_PATH": str(OUT / "instance"),
            "MATCH_RATE_LIMIT": "10000 per minute",
            "LOGIN_RATE_LIMIT": "10000 per minute",  # one address signs in many times here
        }
    )
    services.init_schema()
    load_demo(services)
    written = []
    with serving(services) as base, chromium() as browser:
        for language in ("zh", "en"):
            for width in (1280, 390):
                for role, pages in PAGES.items():
                    page = new_page(browser, language, width)
                    if role:
                        sign_in(page, base, role)
                    for name, path in pages:
                        _open(page, base, path)
                        target = OUT / f"{language}-{width}-{name}.png"
                        page.screenshot(path=str(target), full_page=True)
                        written.append(target)
                    page.context.close()
    services.close()
    shutil.rmtree(OUT / "instance", ignore_errors=True)
    for target in written:
        print(target.relative_to(OUT.parent))
    print(f"{len(written)} screenshots")


if __name__ == "__main__":
    main()
