"""The Flask application factory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from apiflask import APIFlask
from flask import Response
from werkzeug.middleware.proxy_fix import ProxyFix

from api.wiring import Services
from matcher.settings import load_settings

from . import (
    auditing,
    errors,
    i18n,
    identity,
    openapi,
    pages,
    protection,
    rest,
    rest_accounts,
    rest_answers,
    rest_exports,
    rest_gaps,
    rest_jobs,
    web,
)


def create_app(
    config: Mapping[str, Any] | None = None, services: Services | None = None
) -> APIFlask:
    """Build the app: defaults, then ``TALENTMATCH_*`` environment, then ``config``.

    Tests may hand in ready ``services`` (sharing one loaded model between apps).

    Nothing heavy happens here: the model loads on the first request that needs to encode
    text, and indexes load on the first match.
    """
    settings = services.settings if services else load_settings(config)
    logging.basicConfig(level=settings.log_level)
    app = APIFlask(
        __name__,
        title="talentmatch",
        version="0.1.0",
        spec_path="/api/v1/openapi.json",
        docs_path="/api/docs",
    )
    app.config["JSON_SORT_KEYS"] = False
    # the largest honest body (a 20,000-character description and 64 skills) is far below
    app.config["MAX_CONTENT_LENGTH"] = MAX_BODY_BYTES
    app.config["VALIDATION_ERROR_STATUS_CODE"] = 422
    app.config["SPEC_FORMAT"] = "json"
    # the API docs page loads Swagger UI from this package (static/vendor), never a CDN
    app.config["AUTO_TAGS"] = False  # operations carry their own tags; no empty groups
    app.config["DOCS_FAVICON"] = "/static/vendor/swagger-ui/favicon-32x32.png"
    app.config["SWAGGER_UI_CSS"] = "/static/vendor/swagger-ui/swagger-ui.css"
    app.config["SWAGGER_UI_BUNDLE_JS"] = "/static/vendor/swagger-ui/swagger-ui-bundle.js"
    app.config["SWAGGER_UI_STANDALONE_PRESET_JS"] = (
        "/static/vendor/swagger-ui/swagger-ui-standalone-preset.js"
    )
    app.config["INFO"] = {
        "description": "Talent supply-demand matching for regional industry-education "
        "consortia. Errors are application/problem+json (RFC 9457)."
    }
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    if settings.trusted_proxies:
        hops = settings.trusted_proxies
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops
        )
    app.config["SECURITY_SCHEMES"] = {
        rest.SECURITY: {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token: `talentmatch tokens create EMAIL`, the account page, "
            "or POST /api/v1/tokens.",
        }
    }
    app.extensions["talentmatch"] = services or Services(settings)
    app.extensions["talentmatch"].mailer.send_in_background()  # requests never wait for SMTP
    errors.init_app(app)
    openapi.init_app(app, settings)
    app.register_blueprint(rest.bp)
    app.register_blueprint(rest_gaps.bp)
    app.register_blueprint(rest_jobs.bp)
    app.register_blueprint(rest_accounts.bp)
    app.register_blueprint(rest_answers.bp)
    app.register_blueprint(rest_exports.bp)
    app.register_blueprint(web.bp)
    pages.register(app)
    identity.init_app(app, settings)
    i18n.init_app(app, settings.timezone)
    # pages that rank count against the match limit too
    matching = (*rest.MATCH_ENDPOINTS, *pages.MATCH_ENDPOINTS)
    app.extensions["limiter"] = protection.init_app(app, settings, matching)
    auditing.init_app(app)

    app.after_request(_no_type_without_body)
    return app


MAX_BODY_BYTES = 2**20
"""Request bodies beyond this are refused (413) before they are read."""


def _no_type_without_body(response: Response) -> Response:
    """A 204 has no body, so no content type either."""
    if response.status_code == 204:
        response.headers.pop("Content-Type", None)
    return response
