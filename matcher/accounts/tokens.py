"""API tokens: several per user, each named, expiring and revocable on its own.

A token is ``tm_`` and 43 random URL-safe characters (256 bits); only its SHA-256 is stored,
so a leaked database does not leak usable tokens, and a lookup is one indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from matcher import clock
from matcher.accounts.actor import Actor
from matcher.accounts.users import actor_of
from matcher.catalog import iso
from matcher.errors import NotFound, Unauthorized, ValidationFailed
from store import ApiToken, Database, User

PREFIX = "tm_"
MAX_DAYS = 3650
BAD_TOKEN = "the token is unknown, expired or revoked"
_TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often per token


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def token_record(token: ApiToken) -> dict[str, Any]:
    now = clock.now()
    if token.revoked_at is not None:
        state = "revoked"
    elif token.expires_at is not None and token.expires_at <= now:
        state = "expired"
    else:
        state = "active"
    return {
        "id": token.id,
        "name": token.name,
        "created_at": iso(token.created_at),
        "expires_at": iso(token.expires_at),
        "revoked_at": iso(token.revoked_at),
        "last_used_at": iso(token.last_used_at),
        "state": state,
    }


class Tokens:
    def __init__(self, db: Database, default_days: int) -> None:
        self.db = db
        self.default_days = default_days

    def create(
        self, user_id: int, name: str = "api", expires_days: int | None = None
    ) -> tuple[dict[str, Any], str]:
        """A new token for the user: its record, and the token itself (shown this once)."""
        days = self.default_days if expires_days is None else expires_days
        if not 1 <= days <= MAX_DAYS:
            raise ValidationFailed(f"expires_days: between 1 and {MAX_DAYS}")
        if not name.strip() or len(name) > 100:
            raise ValidationFailed("name: 1 to 100 characters, not blank")
        name = name.replace("\x00", "\ufffd")  # PostgreSQL text cannot hold NUL
        secret = PREFIX + secrets.token_urlsafe(32)
        with self.db.session() as session:
            if session.get(User, user_id) is None:
                raise NotFound(f"no user with id {user_id}")
            token = ApiToken(
                user_id=user_id,
                name=name,
                token_hash=token_hash(secret),
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(days=days),
            )
            session.add(token)
            session.flush()
            return token_record(token), secret

    def list(self, user_id: int) -> list[dict[str, Any]]:
        with self.db.session() as session:
            rows = session.scalars(
                select(ApiToken).where(ApiToken.user_id == user_id).order_by(ApiToken.id)
            )
            return [token_record(t) for t in rows]

    def revoke(self, token_id: int, user_id: int | None = None) -> dict[str, Any]:
        """Revoke a token; with ``user_id`` only one of that user's (another's is not found)."""
        with self.db.session() as session:
            token = session.get(ApiToken, token_id)
            if token is None or (user_id is not None and token.user_id != user_id):
                raise NotFound(f"no token with id {token_id}")
            if token.revoked_at is None:
                token.revoked_at = clock.now()
            session.flush()
            return token_record(token)

    def actor_for(self, secret: str) -> Actor:
        """The owner of a valid token; ``Unauthorized`` for anything else."""
        if not secret.startswith(PREFIX) or len(secret) > 200:
            raise Unauthorized(BAD_TOKEN)
        now = clock.now()
        with self.db.session() as session:
            token = session.scalar(
                select(ApiToken).where(ApiToken.token_hash == token_hash(secret))
            )
            if (
                token is None
                or token.revoked_at is not None
                or (token.expires_at is not None and token.expires_at <= now)
            ):
                raise Unauthorized(BAD_TOKEN)
            user = session.get(User, token.user_id)
            if user is None or not user.active:
                raise Unauthorized(BAD_TOKEN)
            if token.last_used_at is None or now - token.last_used_at > _TOUCH_EVERY:
                token.last_used_at = now
            return actor_of(user)
