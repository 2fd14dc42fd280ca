"""Chinese first, English too: the page language, its catalogue, and formats per locale.

The language is the one the user chose (a ``lang`` cookie set by the switch on every page),
else the first of the browser's languages we have, read from ``Accept-Language`` by hand:
Werkzeug's ``best_match`` can pick ``en`` for ``zh-CN, en;q=0.8`` against ``["zh", "en"]``.
Every Chinese tag (zh, zh-CN, zh-TW, zh-HK, zh-Hans, ...) gives Chinese (Simplified: the
catalogue we have); with no usable header the page is Chinese.

Catalogues: ``api/translations/<locale>/LC_MESSAGES/messages.po`` and the compiled ``.mo``
beside it (``make translations`` extracts and compiles; ``tests/test_i18n.py`` fails when a
``.mo`` is older than its ``.po`` or a page string has no translation).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, current_app, redirect, request, url_for
from flask_babel import Babel, format_date, format_datetime, format_decimal, format_percent
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from .local_paths import local_path

LOCALES = ("zh_Hans", "en")
DEFAULT = "zh_Hans"
COOKIE = "lang"
HTML_LANG = {"zh_Hans": "zh-Hans", "en": "en"}
NAMES = {"zh_Hans": "中文", "en": "English"}
TRANSLATIONS = Path(__file__).resolve().parent / "translations"


def _from_header(header: str) -> str | None:
    """The first supported locale among the browser's languages, by their q order."""
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if tag and quality > 0:
            ranked.append((-quality, position, tag.lower()))
    for _q, _p, tag in sorted(ranked):
        if tag == "zh" or tag.startswith("zh-"):
            return "zh_Hans"
        if tag == "en" or tag.startswith("en-"):
            return "en"
    return None


def select_locale() -> str:
    chosen = request.cookies.get(COOKIE)
    if chosen in LOCALES:
        return chosen
    return _from_header(request.headers.get("Accept-Language", "")) or DEFAULT


def notice_language() -> str:
    """``zh`` or ``en``: the language notification subjects are written in for this request."""
    return "zh" if select_locale() == "zh_Hans" else "en"


def html_lang() -> str:
    return HTML_LANG[select_locale()]


def switch_language() -> Response:
    """``POST /lang`` (``lang``, ``next``): remember the choice for a year, go back."""
    locale = request.form.get("lang", "")
    response = redirect(local_path(request.form.get("next")) or url_for("web.home"), code=303)
    if locale in LOCALES:
        response.set_cookie(
            COOKIE,
            locale,
            max_age=365 * 24 * 3600,
            secure=current_app.config["SESSION_COOKIE_SECURE"],
            httponly=True,
            samesite="Lax",
        )
    return response


def init_app(app: Flask, timezone: str = "Asia/Shanghai") -> None:
    """``timezone``: the consortium's (setting TIMEZONE); instants on pages are shown in it."""
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    app.config["BABEL_DEFAULT_LOCALE"] = DEFAULT
    app.config["BABEL_DEFAULT_TIMEZONE"] = timezone
    Babel(app, locale_selector=select_locale)
    # a plain blueprint: pages, not the REST API, so not in the OpenAPI document
    switch = Blueprint("i18n", __name__)
    switch.add_url_rule("/lang", "lang", switch_language, methods=["POST"])
    app.register_blueprint(switch)
    app.jinja_env.globals.update(
        html_lang=html_lang,
        current_locale=select_locale,
        locale_names=NAMES,
        format_date=format_date,
        format_datetime=format_datetime,
        format_decimal=format_decimal,
        format_percent=format_percent,
    )
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.policies["ext.i18n.trimmed"] = True


__all__ = ["_", "init_app", "select_locale"]
