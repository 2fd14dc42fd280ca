"""Domain errors. Each carries a message fit to show a user as it is.

The API maps them to problem+json responses and the CLI to one line on stderr; anything else
that escapes is a bug, logged and reported as an unexpected failure without its text.
"""

from __future__ import annotations


class TalentmatchError(Exception):
    """Base of every error whose message is meant for the user."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, *, errors: list[dict[str, str]] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or []


class ConfigError(TalentmatchError):
    status = 500
    title = "Configuration error"


class ValidationFailed(TalentmatchError):
    status = 422
    title = "Invalid input"


class NotFound(TalentmatchError):
    status = 404
    title = "Not found"


class Conflict(TalentmatchError):
    status = 409
    title = "Conflict"


class ModelUnavailable(TalentmatchError):
    status = 503
    title = "Embedding model unavailable"


class Unauthorized(TalentmatchError):
    """No credentials, or credentials that do not hold (never says which part was wrong)."""

    status = 401
    title = "Authentication required"


class Forbidden(TalentmatchError):
    """Known caller, not allowed to do this."""

    status = 403
    title = "Forbidden"
