"""Accounts and access: users and their roles, API tokens, who may do what (ownership and
what of a student shows), the consent ledger's reading side, export and erasure, the audit
log. Uses the catalog; the catalog knows nothing of accounts."""

from matcher.accounts.access import Access, require, require_admin
from matcher.accounts.actor import ROLES, Actor
from matcher.accounts.audit import AuditLog, Event
from matcher.accounts.owned import OwnedCatalog
from matcher.accounts.passwords import hash_password
from matcher.accounts.privacy import Privacy
from matcher.accounts.tokens import Tokens
from matcher.accounts.users import EMAIL_PATTERN, LOGIN_FAILED, Accounts

__all__ = [
    "EMAIL_PATTERN",
    "LOGIN_FAILED",
    "ROLES",
    "Access",
    "Accounts",
    "Actor",
    "AuditLog",
    "Event",
    "OwnedCatalog",
    "Privacy",
    "Tokens",
    "hash_password",
    "require",
    "require_admin",
]
