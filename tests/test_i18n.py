"""Chinese first, English too: which language a page gets, the switch, the catalogue."""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import Flask

from api.i18n import TRANSLATIONS, _from_header, init_app, select_locale

ROOT = Path(__file__).resolve().parent.parent
PO = TRANSLATIONS / "zh_Hans" / "LC_MESSAGES" / "messages.po"
MO = PO.with_suffix(".mo")


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-CN,zh;q=0.9,en;q=0.8", "zh_Hans"),
        ("zh-CN, en;q=0.8", "zh_Hans"),  # Werkzeug's best_match may pick en here
        ("zh-TW", "zh_Hans"),
        ("zh-HK,en;q=0.5", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-Hans-CN", "zh_Hans"),
        ("en-US,en;q=0.9", "en"),
        ("en-GB, zh;q=0.9", "en"),
        ("fr-FR, en;q=0.5, zh;q=0.4", "en"),
        ("de, zh-CN;q=0.7, en;q=0.6", "zh_Hans"),
        ("en;q=0, zh;q=0.1", "zh_Hans"),
        ("fr", None),
        ("", None),
        ("zh;q=abc, en", "en"),
    ],
)
def test_the_browser_language_picks_the_page_language(header: str, expected: str | None) -> None:
    assert _from_header(header) == expected


def _app() -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY="x", SESSION_COOKIE_SECURE=False, SERVER_NAME="localhost")
    init_app(app)
    app.add_url_rule("/", "web.home", lambda: "home")
    return app


def test_a_chosen_language_wins_over_the_browser_and_no_header_means_chinese() -> None:
    app = _app()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        assert select_locale() == "en"
    with app.test_request_context("/", headers={"Cookie": "lang=zh_Hans", "Accept-Language": "en"}):
        assert select_locale() == "zh_Hans"
    with app.test_request_context("/", headers={"Cookie": "lang=xx"}):
        assert select_locale() == "zh_Hans"


def test_every_page_string_has_a_chinese_translation() -> None:
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans")
    untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
    assert not untranslated, f"{len(untranslated)} without Chinese, e.g. {untranslated[:5]}"
    placeholders = re.compile(r"%\(\w+\)s")
    for message in catalog:
        if message.id and isinstance(message.id, str):
            assert sorted(placeholders.findall(message.id)) == sorted(
                placeholders.findall(str(message.string))
            ), message.id


def test_the_catalogue_holds_every_string_of_the_pages_and_is_compiled(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_", "-k", "gettext", "-o", str(pot), "--no-location", "--omit-header", "api"],
        cwd=ROOT, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as fh:
        wanted = {m.id for m in read_po(fh) if m.id}
    with PO.open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans")
    missing = sorted(str(w) for w in wanted - {m.id for m in catalog})
    assert not missing, f"run `make translations`: {len(missing)} new strings, e.g. {missing[:5]}"
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    assert MO.read_bytes() == compiled.getvalue(), "run `make translations` (the .mo is stale)"
